#!/usr/bin/python3
"""An installed minewatch, as a user gets it: `meson install --destdir` into
a temporary folder, then
  1. the README's C example (tests/library/example.c) compiled against the
     installed minewatch.pc (PKG_CONFIG_PATH, PKG_CONFIG_SYSROOT_DIR for the
     staging folder) and run on samples/synthetic-s2: it prints each alert
     and writes the same alerts as the command line, with the installed
     model (never the source tree's);
  2. `import minewatch` from the installed Python site folder, with no hint
     where the library is: it finds the installed library beside itself and
     returns the same alerts."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

root = os.environ["MW_SOURCE_ROOT"]
build = os.environ["MW_BUILD_ROOT"]
sanitized = bool(os.environ.get("MW_SANITIZED"))
S = os.path.join(root, "samples", "synthetic-s2")
before, after = os.path.join(S, "before.tif"), os.path.join(S, "after.tif")
meson = shutil.which("meson")
cc = shutil.which(os.environ.get("CC", "cc"))
if not meson or not cc or not shutil.which("pkg-config"):
    print("SKIP: meson, a C compiler or pkg-config missing")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def features(path):
    with open(path) as f:
        fc = json.load(f)
    return fc, [(x["id"], x["properties"]["class"], x["properties"]["area_ha"]) for x in fc["features"]]


with tempfile.TemporaryDirectory() as td:
    dest = os.path.join(td, "stage")
    subprocess.run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    pcs = glob.glob(os.path.join(dest, "**", "pkgconfig", "minewatch.pc"), recursive=True)
    libs = glob.glob(os.path.join(dest, "**", "libminewatch.so.0"), recursive=True)
    check(len(pcs) == 1 and len(libs) == 1, "one minewatch.pc and one libminewatch.so.0 installed")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]), PKG_CONFIG_SYSROOT_DIR=dest)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "minewatch"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()
    check(any(f.startswith("-I" + dest) for f in flags), "pkg-config points into the install: %s" % flags)

    # 1. The C example, against the installed header and library only.
    exe = os.path.join(td, "example")
    san = ["-fsanitize=address,undefined"] if sanitized else []
    src = os.path.join(root, "tests", "library", "example.c")
    r = subprocess.run([cc, "-std=c17", "-Wall", "-Wextra", "-Werror", "-pedantic", src, "-o", exe] + san + flags,
                       capture_output=True, text=True)
    check(r.returncode == 0, "example.c compiles: " + r.stderr)
    run_env = {k: v for k, v in os.environ.items() if k not in ("MINEWATCH_MODEL_DIR", "LD_LIBRARY_PATH")}
    run_env["LD_LIBRARY_PATH"] = os.path.dirname(libs[0])
    out = os.path.join(td, "example.geojson")
    r = subprocess.run([exe, before, after, out], capture_output=True, text=True, env=run_env, cwd=td)
    check(r.returncode == 0, "example runs: " + r.stderr)
    cli = os.path.join(td, "cli.geojson")
    subprocess.run([os.environ["MINEWATCH"], "scan", before, after, "-o", cli, "--quiet", "--min-area", "1"],
                   check=True)
    if r.returncode == 0:
        fc, got = features(out)
        _, want = features(cli)
        check(got == want and len(got) >= 1, "example's alerts equal the CLI's (%d)" % len(got))
        lines = r.stdout.strip().splitlines()
        check(len(lines) == len(got) and all(l.split()[0] == g[0] for l, g in zip(lines, got)),
              "one printed line per alert: %r" % r.stdout)
        model = fc["minewatch"]["model"]["path"]
        check(model.startswith(dest), "the installed model is used: %s" % model)

    # 2. The installed Python module (an ASan library cannot load into python3).
    inits = glob.glob(os.path.join(dest, "**", "minewatch", "__init__.py"), recursive=True)
    check(len(inits) == 1, "the Python package is installed")
    if inits and not sanitized:
        site = os.path.dirname(os.path.dirname(inits[0]))
        py_env = {k: v for k, v in run_env.items() if k not in ("MINEWATCH_LIBRARY", "LD_LIBRARY_PATH")}
        py_env["PYTHONPATH"] = site
        code = ("import json, sys, minewatch; fc = minewatch.scan(sys.argv[1], sys.argv[2], min_area=1);"
                "print(json.dumps({'lib': minewatch.library_path, 'fc': fc}))")
        r = subprocess.run([sys.executable, "-c", code, before, after], capture_output=True, text=True,
                           env=py_env, cwd=td)
        check(r.returncode == 0, "installed module runs: " + r.stderr)
        if r.returncode == 0:
            res = json.loads(r.stdout)
            check(os.path.realpath(res["lib"]) == os.path.realpath(libs[0]),
                  "the module loads the installed library: %s" % res["lib"])
            _, want = features(cli)
            got = [(x["id"], x["properties"]["class"], x["properties"]["area_ha"]) for x in res["fc"]["features"]]
            check(got == want, "installed module's alerts equal the CLI's")
            check(res["fc"]["minewatch"]["model"]["path"].startswith(dest), "installed model from Python")

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
