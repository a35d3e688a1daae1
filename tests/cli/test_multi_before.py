#!/usr/bin/python3
"""scan B1 B2 B3 AFTER: the median baseline of several before scenes.

A generated pair (scripts/gen_scenes.py); three before variants of its
before scene, each with another date, its own gain and cloud (SCL 9,
bright reflectance) over one or two thirds of the scene, so every site
is under cloud on one or two before dates. Checks: recall with the three befores >= the
best single before's (scripts/score.py against the truth, the cloud
counted as missed), the befores recorded in the `minewatch` member,
byte-identical for 1 and 2 threads and two tile sizes, the pair path
unchanged by the code, and the usage errors (a before dated after the
after, --before-date with several befores).
"""
import json
import os
import shutil
import subprocess

import numpy as np
from osgeo import gdal

from mwtest import (PY, SRC, check, done, run, scene, read_json, tmpdir)

gdal.UseExceptions()
SIZE = 480  # the same sites under ASan: the thirds below are chosen for them
src = scene("multi-before-%d" % SIZE, "--seed", "1", "--size", SIZE, "--sites", 8, "--quiet")
before, after, truth = (os.path.join(src, n) for n in ("before.tif", "after.tif", "truth.geojson"))
d = tmpdir()


def variant(k, date, gain, thirds):
    """Before k: gain on reflectance, cloud over those thirds of the columns."""
    path = os.path.join(d, "before_%d.tif" % k)
    ds = gdal.Translate(path, before, creationOptions=["TILED=YES", "COMPRESS=DEFLATE"])
    ds.SetMetadataItem("PRODUCT_START_TIME", date + "T14:00:51.024Z")
    w = ds.RasterXSize
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        a = band.ReadAsArray()
        if band.GetDescription() != "SCL":
            a = np.clip(a.astype(np.float64) * gain, 1, 60000).astype(a.dtype)
        for t in thirds:
            a[:, t * w // 3:(t + 1) * w // 3] = 9 if band.GetDescription() == "SCL" else 9000  # cloud, bright
        band.WriteArray(a)
    ds = None
    return path


# The sites lie in the middle and right thirds. Each of them is clear on one
# before date only: a median that took a cloudy value would miss it, and
# no single before sees them all.
befores = [variant(0, "2022-05-03", 1.02, [1]), variant(1, "2022-06-02", 0.98, [2]),
           variant(2, "2022-07-02", 1.0, [1, 2])]


def scan(scenes, out, *extra, threads=2):
    rc, _o, err = run("scan", *scenes, after, "-o", out, "--threads", threads, *extra)
    check(rc == 0, f"scan {len(scenes)} befores {extra}: rc {rc}: {err[-500:]}")


def recall(path):
    r = subprocess.run([PY, os.path.join(SRC, "scripts", "score.py"), path, truth, "--json"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"score.py {path}: {r.stderr[-300:]}")
    return json.loads(r.stdout)["recall"] or 0.0


# 1. Recall: three befores >= the best single one (each misses a third under cloud).
singles = []
for k, b in enumerate(befores):
    out = os.path.join(d, "single_%d.geojson" % k)
    scan([b], out)
    singles.append(recall(out))
multi = os.path.join(d, "multi.geojson")
scan(befores, multi)
r3 = recall(multi)
clean = os.path.join(d, "clean.geojson")
scan([before], clean)
r_clean = recall(clean)
print(f"recall: singles {singles}, three befores {r3:.3f}, the cloud-free pair {r_clean:.3f}")
check(r3 >= max(singles), f"three befores recall {r3:.3f} >= best single {max(singles):.3f}")
check(r3 > max(singles), f"the median sees sites each before hides ({r3:.3f} > {max(singles):.3f})")
check(r3 >= r_clean - 0.1, f"three cloudy befores near the cloud-free pair ({r3:.3f} vs {r_clean:.3f})")

# 2. The `minewatch` member records every before; date_before is the earliest.
fc = read_json(multi)
rec = fc["minewatch"]["parameters"].get("befores")
check(rec == [{"path": b, "date": dt} for b, dt in zip(befores, ("2022-05-03", "2022-06-02", "2022-07-02"))],
      f"parameters.befores lists every before: {rec}")
dates = {f["properties"].get("date_before") for f in fc["features"]}
check(dates == {"2022-05-03"}, f"date_before is the earliest before date: {dates}")
check("befores" not in read_json(clean)["minewatch"]["parameters"], "a pair's parameters unchanged")

# 3. Same bytes for any thread count and tile size, and any order of the befores.
ref = open(multi, "rb").read()
for threads, tile, order in ((1, "96", befores), (2, "160", befores), (2, "96", befores[::-1])):
    out = os.path.join(d, "t%d_%s_%d.geojson" % (threads, tile, order is befores))
    scan(order, out, "--tile-size", tile, threads=threads)
    alerts = read_json(out)
    check(alerts["features"] == fc["features"], f"same alerts for {threads} threads, {tile} px tiles")
    if order is befores:
        check(open(out, "rb").read() == ref, f"same bytes for {threads} threads, {tile} px tiles")

# 4. Usage errors: exit 2, one line naming the file, no output.
late = os.path.join(d, "late.tif")
shutil.copy(befores[0], late)
ds = gdal.Open(late, gdal.GA_Update)
ds.SetMetadataItem("PRODUCT_START_TIME", "2023-08-01T14:00:51.024Z")
ds = None
bad = os.path.join(d, "bad.geojson")
rc, _o, err = run("scan", befores[0], late, after, "-o", bad)
check(rc == 2, f"a before later than the after: exit {rc}, want 2: {err[-300:]}")
check("late.tif" in err and "before" in err, f"the message names the late scene: {err.strip()}")
check(not os.path.exists(bad), "no output after a usage error")
rc, _o, err = run("scan", befores[0], befores[1], after, "-o", bad, "--before-date", "2022-01-01")
check(rc == 2 and "--before-date" in err, f"--before-date with several befores: exit {rc}: {err.strip()}")
check(not os.path.exists(bad), "no output after a usage error")

shutil.rmtree(d, ignore_errors=True)
done()
