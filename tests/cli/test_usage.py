"""Usage errors exit 2 with one 'minewatch:' line and a hint; --help,
COMMAND --help and --version exit 0 on stdout; '--opt=value' is
'--opt value' (scan, info, batch and merge); the man page documents every
command and option."""
import filecmp
import os
import re
import shutil
import subprocess

from mwtest import SRC, check, done, run, tmpdir

rc, out, err = run("--help")
check(rc == 0 and out.startswith("Usage: minewatch COMMAND") and not err, "--help prints usage")
commands = re.findall(r"^  (\w+) {2,}\S", out.split("Commands:", 1)[1], re.M) if "Commands:" in out else []
check("scan" in commands and "info" in commands, f"--help lists the commands: {commands}")
rc, out, err = run("--version")
check(rc == 0 and out.startswith("minewatch "), "--version")

# Every command: COMMAND --help, COMMAND -h and `help COMMAND` print its help.
helps = {}
for c in commands:
    for args in ([c, "--help"], [c, "-h"], ["help", c], [c, "x", "--help"]):
        rc, out, err = run(*args)
        check(rc == 0 and out.startswith(f"Usage: minewatch {c}") and not err,
              f"{args}: exit {rc}, stdout {out[:60]!r}, stderr {err[:200]!r}")
    helps[c] = out
check(".shp" in helps.get("scan", ""), "scan --help names the .shp format")

d = tmpdir()
o = os.path.join(d, "a.geojson")
cases = [
    ([], "missing command"),
    (["frobnicate"], "unknown command"),
    (["help", "frobnicate"], "unknown command"),
    (["scan"], "needs BEFORE and AFTER"),
    (["scan", "a.tif", "b.tif"], "needs an output"),
    (["scan", "a.tif", "b.tif", "-o", o, "--bogus"], "unknown option"),
    (["scan", "a.tif", "b.tif", "-o", o, "--bogus=1"], "unknown option '--bogus'"),
    (["scan", "a.tif", "b.tif", "-o", o, "--quiet=yes"], "takes no value"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area", "-1"], "--min-area"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area=-1"], "--min-area"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area", "abc"], "--min-area"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-confidence", "1.5"], "--min-confidence"),
    (["scan", "a.tif", "b.tif", "-o", o, "--threads", "0"], "--threads"),
    (["scan", "a.tif", "b.tif", "-o", o, "--threads=2x"], "--threads"),
    (["scan", "a.tif", "b.tif", "-o", o, "--tile-size", "3"], "--tile-size"),
    (["scan", "a.tif", "b.tif", "-o", o, "--sensor", "modis"], "--sensor"),
    (["scan", "a.tif", "b.tif", "-o", o, "--sensor=modis"], "--sensor"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area"], "needs a value"),
    (["scan", "a.tif", "b.tif", "-o"], "needs a value"),
    (["scan", *["b%d.tif" % i for i in range(65)], "a.tif", "-o", o], "too many scenes"),
    (["scan", "a.tif", "b.tif", "c.tif", "-o", o, "--before-date", "2020-01-01"], "--before-date"),
    (["info", "a.tif", "--sensor=modis"], "--sensor"),
    (["info", "a.tif", "--json=1"], "takes no value"),
    (["info", "a.tif", "--date"], "needs a value"),
    (["batch"], "needs an INPUT"),
    (["batch", "m.csv"], "needs an output folder"),
    (["batch", "m.csv", "-o", o, "--bogus=1"], "unknown option '--bogus'"),
    (["batch", "m.csv", "-o", o, "--quiet=yes"], "takes no value"),
    (["batch", "m.csv", "-o", o, "--shard=2/2"], "--shard"),
    (["batch", "m.csv", "-o", o, "--pairing=sideways"], "--pairing"),
    (["batch", "m.csv", "-o", o, "--sensor=modis"], "--sensor"),
    (["batch", "m.csv", "-o", o, "--min-area=abc"], "--min-area"),
    (["batch", "m.csv", "-o", o, "--threads=0"], "--threads"),
    (["batch", "m.csv", "n.csv", "-o", o], "unexpected argument"),
    (["batch", "m.csv", "--output"], "needs a value"),
    (["merge"], "needs the shard folders"),
    (["merge", "a"], "needs an output folder"),
    (["merge", "a", "--output"], "needs a value"),
    (["merge", "a", "--bogus=1", "-o", o], "unknown option '--bogus'"),
]
for args, needle in cases:
    rc, out, err = run(*args)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == 2, f"{args}: exit {rc}, want 2")
    check(lines and lines[0].startswith("minewatch: ") and needle in lines[0], f"{args}: message {err!r}")
    check(not os.path.exists(o), f"{args}: no output")

# '--opt=value', '--opt value', '-oFILE' and '-o FILE' are the same scan.
sample = os.path.join(SRC, "samples", "synthetic-s2")
b, a = os.path.join(sample, "before.tif"), os.path.join(sample, "after.tif")
o1, o2 = os.path.join(d, "eq.geojson"), os.path.join(d, "sp.geojson")
rc1, _, err1 = run("scan", b, a, f"--output={o1}", "--min-area=0.3", "--sensor=sentinel2", "--threads=2", "-q")
rc2, _, err2 = run("scan", "--min-area", "0.3", "-o" + o2, b, "--sensor", "S2", a, "--threads", "2", "--quiet")
check(rc1 == 0 and rc2 == 0, f"both spellings run: {err1[-300:]} {err2[-300:]}")
check(rc1 == 0 and rc2 == 0 and filecmp.cmp(o1, o2, shallow=False), "--opt=value and --opt value give the same alerts")
rc, out, _ = run("info", a, "--sensor=sentinel2", "--json")
rc2, out2, _ = run("info", "--json", "--sensor", "sentinel-2", a)
check(rc == 0 and out == out2, "info: --sensor=... and --sensor ... agree")

# batch and merge: '--opt=value' and '--opt value' give the same folders,
# byte for byte (two shards merged equal the whole batch).
check({"batch", "merge"} <= set(commands),
      f"--help lists batch and merge: {commands}")
m = os.path.join(d, "pairs.csv")
with open(m, "w") as f:
    f.write(f"before,after,id\n{b},{a},one\n{b},{a},two\n")
whole, s0, s1, merged = (os.path.join(d, n) for n in ("whole", "s0", "s1", "merged"))
rc, _, err = run("batch", m, f"--output={whole}", "--min-area=0.3", "--sensor=sentinel2", "--threads=2", "-q")
check(rc == 0, f"batch with --opt=value: {rc} {err[-300:]}")
for k, out in ((0, s0), (1, s1)):
    rc, _, err = run("batch", "--min-area", "0.3", "-o" + out, m, "--sensor", "S2", "--shard", f"{k}/2",
                     "--threads", "2", "--quiet")
    check(rc == 0, f"shard {k}/2 with --opt value: {rc} {err[-300:]}")
rc, _, err = run("merge", s0, s1, f"--output={merged}", "--quiet")
check(rc == 0, f"merge --output=DIR: {rc} {err[-300:]}")


def tree(root):
    return sorted(os.path.relpath(os.path.join(dp, f), root) for dp, _, fs in os.walk(root) for f in fs
                  if not f.startswith("."))


check(tree(whole) == tree(merged) and tree(whole), f"same files: {tree(whole)} {tree(merged)}")
for rel in tree(whole):
    check(os.path.exists(os.path.join(merged, rel)) and
          filecmp.cmp(os.path.join(whole, rel), os.path.join(merged, rel), shallow=False),
          f"batch --opt=value and shards --opt value + merge: {rel} identical")

# The man page: a section per command, every long option of every help.
man = open(os.path.join(SRC, "src", "cli", "minewatch.1"), encoding="utf-8").read()
for c, text in helps.items():
    check(re.search(rf'^\.SS "{c}\b', man, re.M), f"man page has a section for {c}")
    for opt in sorted(set(re.findall(r"(--[a-z][a-z0-9-]*)", text))):
        check(opt.replace("-", r"\-") in man, f"man page documents {c} {opt}")
if shutil.which("groff"):
    p = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(SRC, "src", "cli", "minewatch.1")],
                       capture_output=True, text=True)
    check(p.returncode == 0 and not p.stderr, f"groff -ww: {p.stderr[:500]}")
shutil.rmtree(d, ignore_errors=True)
done()
