"""Physically wrong alerts on real Sentinel-2 patches
(../shared/data/sat-mining-detector-patches; skip 77 without them):

- val mining_941: the scene-wide median shift once turned forest that got
  greener into "vegetation loss" (3 of 5 alerts). No alert may rest on
  pixels whose raw NDVI rose (mean over its outline, reflectance as the
  engine reads it, no shift) unless new or turbid water (or a turbidity
  rise) is its evidence.
- train mining_831 with the dates swapped: a usage error naming both dates;
  forced into that order with --before-date/--after-date, no `mining`
  alert on forest that is green (NDVI >= 0.6) at both dates.
- the same file as both dates: a warning, exit 0, no alert.
"""
import json
import os
import re
import subprocess

import numpy as np
from osgeo import gdal, ogr, osr

from mwtest import MINEWATCH, SHARED_DATA, check, done, read_json, run, skip, tmpdir

DATA = os.path.join(SHARED_DATA, "sat-mining-detector-patches")
if not os.path.isdir(os.path.join(DATA, "val")):
    skip("no real patches at %s" % DATA)
gdal.UseExceptions()


def patch(split, sid, t):
    return os.path.join(DATA, split, "%s_%s.tif" % (sid, t))


def reflectance(path):
    """Bands as the engine scales them (scale and offset from `minewatch info`)."""
    p = subprocess.run([MINEWATCH, "info", path], capture_output=True, text=True)
    rows = re.findall(r"^\s+\w+\s+\S+\s+(\d+)\s+\S+\s+(\S+)\s+(\S+)\s*$", p.stdout, re.M)
    dn = gdal.Open(path).ReadAsArray().astype(np.float64)
    return np.stack([dn[int(b) - 1] * float(s) + float(o) for b, s, o in rows[:6]])


def ndvi(r):
    return (r[3] - r[2]) / (r[3] + r[2])


def outline_mask(tif, feature):
    """Pixels of @p tif's grid inside the alert's outline."""
    src = gdal.Open(tif)
    m = gdal.GetDriverByName("MEM").Create("", src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Byte)
    m.SetGeoTransform(src.GetGeoTransform())
    m.SetProjection(src.GetProjection())
    ll, dst = osr.SpatialReference(), osr.SpatialReference()
    ll.ImportFromEPSG(4326)
    dst.ImportFromWkt(src.GetProjection())
    for s in (ll, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    g = ogr.CreateGeometryFromJson(json.dumps(feature["geometry"]))
    g.Transform(osr.CoordinateTransformation(ll, dst))
    ds = ogr.GetDriverByName("Memory").CreateDataSource("")
    lyr = ds.CreateLayer("a", dst, ogr.wkbUnknown)
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetGeometry(g)
    lyr.CreateFeature(f)
    gdal.RasterizeLayer(m, [1], lyr, burn_values=[1])
    return m.ReadAsArray().astype(bool)


d = tmpdir()
out = os.path.join(d, "alerts.geojson")

# mining_941: no alert on greening pixels without water evidence.
b, a = patch("val", "mining_941", "t0"), patch("val", "mining_941", "t1")
rc, so, se = run("scan", b, a, "-o", out, "--quiet", "--min-area", "0.1")
if check(rc == 0, f"mining_941: exit {rc}: {se}"):
    dn = ndvi(reflectance(a)) - ndvi(reflectance(b))
    feats = read_json(out)["features"]
    check(len(feats) > 0, "mining_941: the mining there is still found")
    for f in feats:
        p, m = f["properties"], outline_mask(b, f)
        water = p["new_water_ha"] + p["turbid_water_ha"] + p["turbidity_rise_ha"]
        check(m.any() and (dn[m].mean() <= 0 or water > 0),
              f"mining_941 {p['id']}: raw NDVI rose {dn[m].mean():+.3f} over {m.sum()} px without water evidence")

# mining_831, dates swapped.
b, a = patch("train", "mining_831", "t1"), patch("train", "mining_831", "t0")
os.remove(out)
rc, so, se = run("scan", b, a, "-o", out, "--quiet", "--min-area", "0.1")
check(rc == 2 and "2023-12-31" in se and "2018-12-31" in se and not os.path.exists(out),
      f"mining_831 swapped: exit {rc} (want 2 naming both dates, no output): {se!r}")
rc, so, se = run("scan", b, a, "-o", out, "--quiet", "--min-area", "0.1",
                 "--before-date", "2018-12-31", "--after-date", "2023-12-31")
if check(rc == 0, f"mining_831 forced order: exit {rc}: {se}"):
    green = (ndvi(reflectance(b)) >= 0.6) & (ndvi(reflectance(a)) >= 0.6)
    for f in read_json(out)["features"]:
        m = outline_mask(b, f)
        check(f["properties"]["class"] != "mining" or green[m].mean() < 0.5,
              f"mining_831 swapped: {f['properties']['id']} 'mining' on forest green at both dates "
              f"({green[m].mean():.0%} of {m.sum()} px)")

# The same file twice.
rc, so, se = run("scan", b, b, "-o", out, "--quiet", "--min-area", "0.1")
check(rc == 0 and "both the before and the after scene" in se, f"same file: exit {rc}: {se!r}")
check(rc != 0 or not read_json(out)["features"], "same file: no alerts")
done()
