"""Usage errors exit 2 with one 'minewatch:' line and a hint; --help/--version exit 0."""
import os

from mwtest import check, done, run, tmpdir

rc, out, err = run("--help")
check(rc == 0 and "minewatch scan BEFORE AFTER -o ALERTS" in out, "--help prints usage")
rc, out, err = run("--version")
check(rc == 0 and out.startswith("minewatch "), "--version")

d = tmpdir()
o = os.path.join(d, "a.geojson")
cases = [
    ([], "missing command"),
    (["frobnicate"], "unknown command"),
    (["scan"], "needs BEFORE and AFTER"),
    (["scan", "a.tif", "b.tif"], "needs an output"),
    (["scan", "a.tif", "b.tif", "-o", o, "--bogus"], "unknown option"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area", "-1"], "--min-area"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area", "abc"], "--min-area"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-confidence", "1.5"], "--min-confidence"),
    (["scan", "a.tif", "b.tif", "-o", o, "--threads", "0"], "--threads"),
    (["scan", "a.tif", "b.tif", "-o", o, "--threads", "2x"], "--threads"),
    (["scan", "a.tif", "b.tif", "-o", o, "--tile-size", "3"], "--tile-size"),
    (["scan", "a.tif", "b.tif", "-o", o, "--sensor", "modis"], "--sensor"),
    (["scan", "a.tif", "b.tif", "-o", o, "--min-area"], "needs a value"),
    (["scan", "a.tif", "b.tif", "c.tif", "-o", o], "unexpected argument"),
]
for args, needle in cases:
    rc, out, err = run(*args)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == 2, f"{args}: exit {rc}, want 2")
    check(lines and lines[0].startswith("minewatch: ") and needle in lines[0], f"{args}: message {err!r}")
    check(not os.path.exists(o), f"{args}: no output")
done()
