#!/usr/bin/python3
"""Alerts in every output format: RFC 7946 GeoJSON checked strictly, and
.gpkg/.kml/.fgb/.csv/.shp opened by ogrinfo and by OGR with the features.

Usage: test_writers.py TEST_ALERTS_WRITERS_EXE CHECK_RFC7946_PY
"""
import json
import os
import subprocess
import sys
import tempfile

from osgeo import ogr

ogr.UseExceptions()
exe, checker = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(checker)))
import check_rfc7946  # noqa: E402

PROPERTIES = check_rfc7946.CONTRACT_PROPERTIES + [
    "turbidity_rise_ha", "pond_count", "water_share", "compactness", "dist_water_m",
    "context_disturbed_share", "mean_dbsi", "mean_dmndwi", "before_ndvi", "after_ndvi",
    "after_water_ndti", "bbox_fill", "after_mndwi", "after_bsi", "ring_water_share",
    "ring_bare_share", "ring_ndvi", "after_vis", "after_swir", "vis_change", "bare_vis",
    "water_vis", "water_red_green", "water_nir", "before_disturbed_share",
    "ring_pond_count_before", "ring_pond_count_after", "ring_mosaic_before", "ring_mosaic_after",
    "ring_texture_before", "ring_texture_after", "ring_water_ndti", "ring_loss_share",
    "bare_swir1", "bare_clay_ratio", "bare_red_blue", "water_blue_green"]
SHORT = {"centroid_lon": "cent_lon", "centroid_lat": "cent_lat", "date_before": "date_bef",
         "date_after": "date_aft", "veg_loss_ha": "veg_loss", "bare_soil_ha": "bare_soil",
         "new_water_ha": "new_water", "turbid_water_ha": "turb_water",
         "river_turbidity_change": "river_dndt", "valid_fraction": "valid_frac",
         "protected_area": "protected", "turbidity_rise_ha": "turb_rise",
         "water_share": "water_shr", "compactness": "compact", "dist_water_m": "dist_water",
         "context_disturbed_share": "context_sh", "mean_dmndwi": "mean_dmndw",
         "before_ndvi": "bef_ndvi", "after_ndvi": "aft_ndvi", "after_water_ndti": "aft_w_ndti",
         "after_mndwi": "aft_mndwi", "after_bsi": "aft_bsi", "ring_water_share": "ring_water",
         "ring_bare_share": "ring_bare", "after_vis": "aft_vis", "after_swir": "aft_swir",
         "water_red_green": "water_r_g", "before_disturbed_share": "bef_dist",
         "ring_pond_count_before": "r_ponds_b", "ring_pond_count_after": "r_ponds_a",
         "ring_mosaic_before": "r_mosaic_b", "ring_mosaic_after": "r_mosaic_a",
         "ring_texture_before": "r_tex_b", "ring_texture_after": "r_tex_a",
         "ring_water_ndti": "r_w_ndti", "ring_loss_share": "r_loss", "bare_clay_ratio": "bare_clay",
         "bare_red_blue": "bare_r_b", "water_blue_green": "water_b_g"}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


with tempfile.TemporaryDirectory() as tmp:
    r = subprocess.run([exe, "--write", tmp], capture_output=True, text=True)
    if r.returncode != 0:
        fail("writer exited %d: %s" % (r.returncode, r.stderr))
        sys.exit(1)
    left = [n for n in os.listdir(tmp) if n.startswith(".")]
    if left:
        fail("temporary files left: %s" % left)

    # GeoJSON: strict RFC 7946 + contract, then content.
    gj = os.path.join(tmp, "alerts.geojson")
    doc = check_rfc7946.load(gj)
    for e in check_rfc7946.check(doc):
        fail("alerts.geojson: " + e)
    feats = doc["features"]
    if len(feats) != 2:
        fail("expected 2 features, got %d" % len(feats))
    for f in feats:
        if list(f.keys()) != ["type", "id", "geometry", "properties"]:
            fail("feature member order %s" % list(f.keys()))
        if list(f["properties"].keys()) != PROPERTIES:
            fail("property order %s" % list(f["properties"].keys()))
    if list(doc.keys()) != ["type", "minewatch", "features"]:
        fail("collection member order %s" % list(doc.keys()))
    mw = doc["minewatch"]
    if mw["before"]["path"] != '/data/S2 "before"\\2023\u00e9t\u00e9\t.SAFE':
        fail("escaped path round trip: %r" % mw["before"]["path"])
    if mw["parameters"] != {"min_area_ha": 0.5, "min_confidence": 0.5}:
        fail("parameters %r" % mw["parameters"])
    if mw["version"] != "0.1.0-test" or mw["model"]["name"] != "starting-model":
        fail("minewatch member %r" % mw)
    p0, p1 = feats[0]["properties"], feats[1]["properties"]
    if feats[0]["geometry"]["type"] != "Polygon" or len(feats[0]["geometry"]["coordinates"]) != 2:
        fail("first alert should be a Polygon with a hole")
    if feats[1]["geometry"]["type"] != "MultiPolygon":
        fail("second alert should be a MultiPolygon")
    if p0["protected_area"] != 'Terra Ind\u00edgena "Sul"' or p1["protected_area"] is not None:
        fail("protected_area %r %r" % (p0["protected_area"], p1["protected_area"]))
    if p1["river_turbidity_change"] is not None or p0["river_turbidity_change"] != 0.031:
        fail("river_turbidity_change %r %r" % (p0["river_turbidity_change"], p1["river_turbidity_change"]))
    if abs(p0["area_ha"] - 0.24) > 0.24 * 0.005:
        fail("area_ha %r, expected 0.24 (24 pixels of 10 m)" % p0["area_ha"])
    if p0["date_before"] != "2023-06-01" or p0["date_after"] != "2024-06-10" or p0["sensor"] != "sentinel2":
        fail("dates/sensor %r" % p0)
    if not p0["id"].startswith("mw-20230601-20240610-") or len(p0["id"]) != 30:
        fail("id format %r" % p0["id"])
    ids = [f["id"] for f in feats]

    r = subprocess.run(["ogrinfo", "-ro", "-al", gj], capture_output=True, text=True)
    if r.returncode != 0 or "ERROR" in r.stderr or r.stdout.count("OGRFeature(") != 2:
        fail("ogrinfo on alerts.geojson: rc %d %s" % (r.returncode, r.stderr))

    # Other formats.
    ref_area = [ogr.CreateGeometryFromJson(json.dumps(f["geometry"])).GetArea() for f in feats]
    for name in ("alerts.gpkg", "alerts.kml", "alerts.fgb", "alerts.csv", "alerts.shp"):
        path = os.path.join(tmp, name)
        r = subprocess.run(["ogrinfo", "-ro", "-al", path], capture_output=True, text=True)
        if r.returncode != 0 or r.stdout.count("OGRFeature(") != 2:
            fail("ogrinfo on %s: rc %d %s" % (name, r.returncode, r.stderr))
            continue
        ds = ogr.Open(path)
        lyr = ds.GetLayer(0)
        defn = lyr.GetLayerDefn()
        fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
        want = [SHORT.get(p, p) for p in PROPERTIES] if name.endswith(".shp") else PROPERTIES
        missing = [w for w in want if w not in fields]
        if missing:
            fail("%s: fields missing %s (has %s)" % (name, missing, fields))
        got = [f for f in lyr]
        if [f.GetField("id") for f in got] != ids:
            fail("%s: ids %r != %r" % (name, [f.GetField("id") for f in got], ids))
        if not name.endswith(".csv"):
            srs = lyr.GetSpatialRef()
            if srs is None or srs.GetAuthorityCode(None) != "4326":
                fail("%s: layer SRS is not WGS84" % name)
        for f, a in zip(got, ref_area):
            g = f.GetGeometryRef()
            if g is None or abs(g.GetArea() - a) > a * 1e-6:
                fail("%s: geometry area %r != %r" % (name, g and g.GetArea(), a))
        prot = got[0].GetField("protected" if name.endswith(".shp") else "protected_area")
        if prot != 'Terra Ind\u00edgena "Sul"':
            fail("%s: protected_area %r" % (name, prot))
        if name[-4:] in (".gpkg", ".fgb"):
            if got[1].IsFieldSetAndNotNull("river_turbidity_change"):
                fail("%s: NaN should be written as null" % name)
            if abs(got[0].GetField("confidence") - 0.9) > 1e-12:
                fail("%s: confidence %r" % (name, got[0].GetField("confidence")))
        ds = None

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
