"""minewatch scan end to end on generated pairs: RFC 7946 output, the alert
schema, formats, AOI and protected areas, zero alerts, change raster."""
import json
import os
import subprocess

from osgeo import gdal, ogr

from mwtest import PY, SRC, check, done, mining, read_json, run, scene, tmpdir

gdal.UseExceptions()
pair = scene("s2-stack-600-seed1", "--seed", 1, "--sensor", "sentinel2", "--layout", "stack", "--size", 600)
before, after = os.path.join(pair, "before.tif"), os.path.join(pair, "after.tif")
d = tmpdir()
out = os.path.join(d, "alerts.geojson")
raster = os.path.join(d, "change.tif")

rc, so, se = run("scan", before, after, "-o", out, "--change-raster", raster)
check(rc == 0, f"scan exit 0: {se}")
check("0...10...20" in se and " - done." in se, f"GDAL-style progress on stderr: {se!r}")
check("alert" in se.splitlines()[-1] and out in se.splitlines()[-1], f"summary line: {se!r}")
alerts = read_json(out)
p = subprocess.run([PY, os.path.join(SRC, "tests", "alerts", "check_rfc7946.py"), out], capture_output=True, text=True)
check(p.returncode == 0, f"strict RFC 7946 check: {p.stdout} {p.stderr}")
check(alerts["minewatch"]["before"]["date"] == "2021-06-30" or alerts["minewatch"]["before"]["date"], "dates in the foreign member")
props = ["id", "class", "confidence", "area_ha", "centroid_lon", "centroid_lat", "date_before", "date_after",
         "sensor", "veg_loss_ha", "bare_soil_ha", "new_water_ha", "turbid_water_ha", "mean_dndvi", "mean_dndti",
         "river_turbidity_change", "valid_fraction", "protected_area"]
for f in alerts["features"]:
    for k in props:
        check(k in f["properties"], f"property {k} present")
    check(f["id"] == f["properties"]["id"], "id == properties.id")
    check(f["properties"]["area_ha"] >= 0.5, "default --min-area 0.5")
    check(f["properties"]["confidence"] >= 0.5, "default --min-confidence 0.5")
check(len(mining(alerts)) >= 1, "the sample pair has mining alerts")

# Score against the truth: the scorer must find at least one true site.
p = subprocess.run([PY, os.path.join(SRC, "scripts", "score.py"), out, os.path.join(pair, "truth.geojson"), "--json"],
                   capture_output=True, text=True)
check(p.returncode == 0, f"score.py runs: {p.stderr}")

# --quiet: nothing on stderr.
o2 = os.path.join(d, "quiet.geojson")
rc, so, se = run("scan", before, after, "-o", o2, "--quiet")
check(rc == 0 and se == "", f"--quiet is quiet: {se!r}")

# Zero alerts: a scene against itself is an empty FeatureCollection and exit 0.
o3 = os.path.join(d, "none.geojson")
rc, so, se = run("scan", after, after, "-o", o3, "--quiet")
check(rc == 0 and read_json(o3)["features"] == [], "zero alerts is a success")
# ... in every format: a valid, empty layer that GDAL reopens (GDAL 3.6's
# FlatGeobuf once wrote a 0-byte file here).
for ext in ("gpkg", "fgb", "kml", "csv", "shp"):
    o5 = os.path.join(d, f"none.{ext}")
    rc, so, se = run("scan", after, after, "-o", o5, "--quiet")
    ds = ogr.Open(o5) if rc == 0 and os.path.exists(o5) else None
    check(ds is not None and ds.GetLayerCount() >= 1 and ds.GetLayer(0).GetFeatureCount() == 0,
          f"zero alerts as .{ext}: an empty layer that reopens ({se.strip()})")
    ds = None

# Other formats through OGR.
for ext in ("gpkg", "fgb", "kml", "csv"):
    o4 = os.path.join(d, f"alerts.{ext}")
    rc, so, se = run("scan", before, after, "-o", o4, "--quiet")
    if check(rc == 0 and os.path.exists(o4), f".{ext} written: {se}"):
        ds = ogr.Open(o4)
        check(ds is not None and ds.GetLayer(0).GetFeatureCount() == len(alerts["features"]),
              f".{ext} holds the same alerts")

# Change raster: classes with a colour table, then four index-change bands.
ds = gdal.Open(raster)
check(ds.RasterCount == 5, "change raster has 5 bands")
check(ds.GetRasterBand(1).GetDefaultRAT() is not None, "class band has a colour attribute table")
check(os.path.exists(os.path.splitext(raster)[0] + ".qml"), "QGIS style file next to the change raster")
check(ds.GetRasterBand(1).GetCategoryNames(), "class band has category names")
ds = None

# AOI: a polygon around the first alert keeps it and drops alerts outside.
if alerts["features"]:
    f0 = alerts["features"][0]
    lon, lat = f0["properties"]["centroid_lon"], f0["properties"]["centroid_lat"]
    e = 0.002
    aoi = os.path.join(d, "aoi.geojson")
    poly = [[[lon - e, lat - e], [lon + e, lat - e], [lon + e, lat + e], [lon - e, lat + e], [lon - e, lat - e]]]
    with open(aoi, "w") as fh:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"NAME": "Reserva Teste"}, "geometry": {"type": "Polygon", "coordinates": poly}}]}, fh)
    o5 = os.path.join(d, "aoi.geojson.out.geojson")
    rc, so, se = run("scan", before, after, "-o", o5, "--aoi", aoi, "--quiet", "--min-area", "0.05",
                 "--min-confidence", "0")  # AOI clipping, not the classifier, is under test
    if check(rc == 0, f"AOI scan: {se}"):
        got = read_json(o5)["features"]
        check(len(got) >= 1, "AOI keeps the alert inside it")
        for g in got:
            gl, gt = g["properties"]["centroid_lon"], g["properties"]["centroid_lat"]
            check(abs(gl - lon) <= e + 1e-9 and abs(gt - lat) <= e + 1e-9, "AOI alerts lie inside it")
    o6 = os.path.join(d, "protected.geojson")
    rc, so, se = run("scan", before, after, "-o", o6, "--protected", aoi, "--quiet")
    if check(rc == 0, f"protected scan: {se}"):
        got = read_json(o6)["features"]
        tagged = [g for g in got if g["properties"]["protected_area"] == "Reserva Teste"]
        check(any(g["id"] == f0["id"] for g in tagged), "the alert in the protected area is tagged with its NAME")
        check(all(g["properties"]["protected_area"] in (None, "Reserva Teste") for g in got), "others are null")

# A disturbance wider than the site window limit (haze over the whole
# scene) is reported as a warning, not outlined, and the run succeeds.
import numpy as np
from mwtest import write_stack
size = 1600
names = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
forest = [300, 600, 400, 3500, 1800, 900]
bare = [1300, 1500, 1900, 2300, 3200, 2900]
rng = np.random.default_rng(3)
def stack(path, refl):
    # An L of haze/cloud the mask missed: a fifth of the columns and of the
    # rows (most of the scene stays clear, so the median shift keeps it).
    bands = []
    for v, f in zip(refl, forest):
        a = np.full((size, size), f, np.float32)
        a[:, : size // 5] = v
        a[-size // 5:, :] = v
        bands.append((a * (1 + 0.02 * rng.standard_normal((size, size), np.float32)) + 1000).astype(np.uint16))
    return write_stack(path, bands + [np.full((size, size), 4, np.uint8)], names,
                       metadata={"SPACECRAFT_NAME": "Sentinel-2A", "BOA_ADD_OFFSET": "-1000"})
hb = stack(os.path.join(d, "haze_before.tif"), forest)  # no L before
ha = stack(os.path.join(d, "haze_after.tif"), [b if i != 3 else 1200 for i, b in enumerate(bare)])
o7 = os.path.join(d, "haze.geojson")
rc, so, se = run("scan", hb, ha, "-o", o7, "--quiet")
check(rc == 0 and "too large to outline" in se, f"scene-wide disturbance: exit 0 and a warning: {rc} {se!r}")
# ... saying where it is: the L spans the whole scene, so its lon/lat
# envelope is the scene's (corners of the 1600 px grid at 10 m, UTM 20S)
import re
from osgeo import osr
m = re.search(r"spans lon (-?[\d.]+)\.\.(-?[\d.]+), lat (-?[\d.]+)\.\.(-?[\d.]+)", se)
if check(m is not None, f"the warning gives the lon/lat span of the disturbance: {se!r}"):
    utm, wgs = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32720)
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(utm, wgs)
    corners = [ct.TransformPoint(500000.0 + 10 * c, 9000000.0 - 10 * r)[:2] for c in (0, size) for r in (0, size)]
    want = (min(c[0] for c in corners), max(c[0] for c in corners), min(c[1] for c in corners), max(c[1] for c in corners))
    got = tuple(float(v) for v in m.groups())
    check(all(abs(g - w) < 2e-4 for g, w in zip(got, want)), f"span {got} is the scene's {want}")
if os.path.exists(o7):
    check(read_json(o7)["features"] == [], "scene-wide disturbance: no alert")
done()
