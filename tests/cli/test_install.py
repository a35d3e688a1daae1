#!/usr/bin/env python3
"""`meson install` into a staging folder gives a working, relocatable
installation: the library with its soname, the public headers (version.h
included), the models, the man page; and the installed minewatch finds its
models from where it is installed, never from the source tree."""
import glob
import json
import os
import shutil
import subprocess
import tempfile

import mwtest
from mwtest import check, done

tmp = tempfile.mkdtemp(prefix="mw-install-")
try:
    stage = os.path.join(tmp, "stage")
    r = subprocess.run(["meson", "install", "-C", mwtest.BUILD, "--no-rebuild", "--quiet",
                        "--destdir", stage], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"meson install: {r.stdout[-2000:]} {r.stderr[-2000:]}")
    # Move the prefix elsewhere: the installation must not depend on it.
    prefixes = [p for p in glob.glob(os.path.join(stage, "**", "bin"), recursive=True)]
    check(len(prefixes) == 1, f"one bin/ folder installed: {prefixes}")
    root = os.path.join(tmp, "moved")
    shutil.move(os.path.dirname(prefixes[0]), root)

    def find(pattern):
        return glob.glob(os.path.join(root, pattern), recursive=True)

    libs = find("**/libminewatch.so.*")
    check(any(os.path.basename(p) == "libminewatch.so.0" for p in libs), f"soname link: {libs}")
    for h in ["minewatch.h", "export.h", "version.h", "status.h", "scene.h", "scan.h"]:
        check(find(f"include/minewatch/{h}"), f"header {h} installed")
    models = find("share/minewatch/models/*.json")
    check(len(models) >= 3, f"models installed: {models}")
    man = find("share/man/man1/minewatch.1")
    check(bool(man), "man page installed")
    check(bool(find("**/pkgconfig/minewatch.pc")), "minewatch.pc installed")

    exe = os.path.join(root, "bin", "minewatch")
    env = dict(os.environ)
    env.pop("MINEWATCH_MODEL_DIR", None)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(sorted({os.path.dirname(p) for p in libs}))
    out = os.path.join(tmp, "alerts.geojson")
    sample = os.path.join(mwtest.SRC, "samples", "synthetic-s2")
    r = subprocess.run([exe, "scan", os.path.join(sample, "before.tif"), os.path.join(sample, "after.tif"),
                        "-o", out, "--quiet"], capture_output=True, text=True, env=env, timeout=300)
    mwtest.check_sanitizers(r.stderr, "installed scan")
    if check(r.returncode == 0, f"installed scan: {r.stderr[-2000:]}"):
        model = json.load(open(out))["minewatch"]["model"]["path"]
        check(os.path.realpath(model).startswith(os.path.realpath(root) + os.sep),
              f"model found in the installation, not {model}")
        check(not os.path.realpath(model).startswith(os.path.realpath(mwtest.SRC) + os.sep),
              f"installed build read the source tree's model {model}")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done()
