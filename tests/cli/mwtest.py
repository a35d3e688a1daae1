"""Shared helpers for the command-line tests (run with Debian's /usr/bin/python3).

Scenes are generated once per build tree by scripts/gen_scenes.py and cached
under $MW_BUILD_ROOT/test-scenes/, so several tests can share them.
"""
import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("MW_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("MW_BUILD_ROOT", os.path.join(SRC, "build"))
MINEWATCH = os.environ.get("MINEWATCH", os.path.join(BUILD, "src", "cli", "minewatch"))
PY = "/usr/bin/python3"
SANITIZED = os.environ.get("MW_SANITIZED") == "1"
SHARED_DATA = os.path.join(os.path.dirname(SRC), "shared", "data")

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)
    return cond


def done():
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


def skip(why):
    print("SKIP:", why, file=sys.stderr)
    sys.exit(77)


# What ASan, LSan and UBSan print: in the sanitizer build any of these in
# minewatch's stderr fails the test, whatever the exit code (ASan exits 1,
# as a failed run does, so the code alone cannot tell).
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def check_sanitizers(stderr, what):
    """Fail the test when @stderr holds a sanitizer report."""
    hit = [r for r in SANITIZER_REPORTS if r in stderr]
    return check(not hit, f"{what}: sanitizer report {hit}: {stderr[-3000:]}")


def run(*args, timeout=600, env=None):
    """Run minewatch; returns (exit code, stdout, stderr). A sanitizer
    report on stderr is a test failure."""
    p = subprocess.run([MINEWATCH, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env)
    check_sanitizers(p.stderr, " ".join(map(str, args))[:200])
    return p.returncode, p.stdout, p.stderr


def _generator_stamp():
    """Digest of the generator's sources: a cached scene made by an older
    generator is made again."""
    h = hashlib.sha1()
    gen = os.path.join(SRC, "scripts")
    for p in [os.path.join(gen, "gen_scenes.py")] + sorted(glob.glob(os.path.join(gen, "mwgen", "*.py"))):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def scene(name, *gen_args):
    """Path of a generated scene directory, made once per generator version
    (file-locked)."""
    root = os.path.join(BUILD, "test-scenes")
    os.makedirs(root, exist_ok=True)
    out = os.path.join(root, name)
    stamp = _generator_stamp() + " " + " ".join(map(str, gen_args))
    done = os.path.join(out, ".done")
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(done) or open(done).read() != stamp:
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([PY, os.path.join(SRC, "scripts", "gen_scenes.py"), *map(str, gen_args), "--out", out],
                           check=True, capture_output=True)
            with open(done, "w") as f:
                f.write(stamp)
    return out


def read_json(path):
    with open(path) as f:
        return json.load(f)


def tmpdir():
    return tempfile.mkdtemp(prefix="mwtest-")


def mining(alerts):
    return [f for f in alerts["features"] if f["properties"]["class"] == "mining"]


def write_stack(path, bands, names, epsg=32720, origin=(500000.0, 9000000.0), pixel=10.0,
                dtype=None, metadata=None, nodata=None, options=None):
    """Write a small multiband GeoTIFF with band descriptions (S2-like by default),
    with the io fixtures' writer (scripts/make_io_fixtures.py)."""
    import numpy as np
    from osgeo import gdal
    sys.path.insert(0, os.path.join(SRC, "scripts"))
    import make_io_fixtures
    arrs = [np.asarray(b) for b in bands]
    gdt = dtype or (gdal.GDT_UInt16 if arrs[0].dtype.kind in "ui" else gdal.GDT_Float32)
    return make_io_fixtures.write(path, arrs, pixel, names, gdt, metadata, epsg, origin[0], origin[1],
                                  nodata=nodata, options=options)


def s2_pair(d, size=64, change=True, scl_before=4, scl_after=4):
    """A tiny Sentinel-2 L2A-like stack pair: forest, and a cleared pond patch after."""
    import numpy as np
    forest = [300, 600, 400, 3500, 1800, 900]     # reflectance x 1e4 (B02 B03 B04 B08 B11 B12)
    bare = [1300, 1500, 1900, 2300, 3200, 2900]
    water = [900, 1200, 1400, 700, 400, 300]
    names = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
    md = {"SPACECRAFT_NAME": "Sentinel-2A", "PROCESSING_BASELINE": "04.00", "BOA_ADD_OFFSET": "-1000"}
    rng = np.random.default_rng(1)
    def scene(clear_patch):
        bands = []
        for i in range(6):
            a = np.full((size, size), forest[i], np.float64) * (1 + 0.03 * rng.standard_normal((size, size)))
            if clear_patch:
                a[16:40, 16:40] = bare[i]
                a[22:30, 20:34] = water[i]
            bands.append((a + 1000).astype(np.uint16))
        return bands
    b = write_stack(os.path.join(d, "before_20200105.tif"), scene(False) + [np.full((size, size), scl_before, np.uint8)],
                    names, metadata=dict(md, PRODUCT_START_TIME="2020-01-05T14:00:00Z"))
    a = write_stack(os.path.join(d, "after_20210110.tif"), scene(change) + [np.full((size, size), scl_after, np.uint8)],
                    names, metadata=dict(md, PRODUCT_START_TIME="2021-01-10T14:00:00Z"))
    return b, a


def scan_same_bytes(before, after, d, runs, label=""):
    """Scan BEFORE AFTER once per (threads, tile size) of RUNS with a change
    raster and --min-confidence 0; check the first run gives several alerts
    and every other run the same bytes (alerts and change raster). Returns
    the first run's (alerts, raster) paths."""
    import filecmp
    import json
    ref = None
    for threads, tile in runs:
        o = os.path.join(d, f"a{label}-{threads}-{tile}.geojson")
        r = os.path.join(d, f"c{label}-{threads}-{tile}.tif")
        rc, _so, se = run("scan", before, after, "-o", o, "--change-raster", r, "--threads", threads,
                          "--tile-size", tile, "--quiet", "--min-confidence", "0")
        check(rc == 0, f"{label} threads {threads} tile {tile}: exit {rc}: {se}")
        if ref is None:
            ref = (o, r)
            n = len(json.load(open(o))["features"]) if rc == 0 else 0
            check(n >= 3, f"the pair should give several alerts to compare, got {n}")
            continue
        check(filecmp.cmp(ref[0], o, shallow=False), f"{label} alerts differ: threads {threads} tile {tile}")
        check(filecmp.cmp(ref[1], r, shallow=False), f"{label} change raster differs: threads {threads} tile {tile}")
    return ref
