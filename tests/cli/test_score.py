"""scripts/score.py: matching by overlap, and truth sites under a flagged
cloud (band 2 of truth_mask.tif = 0) left out of recall as unobservable."""
import json
import os
import shutil
import subprocess

import numpy as np
from osgeo import gdal, osr

from mwtest import PY, SRC, check, done, tmpdir

d = tmpdir()
# 100 x 100 px at 10 m in UTM 21S; lon/lat polygons of two 1 ha squares.
srs = osr.SpatialReference()
srs.ImportFromEPSG(32721)
wgs = osr.SpatialReference()
wgs.ImportFromEPSG(4326)
wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(srs, wgs)
x0, y0 = 600000.0, 9200000.0


def square(c0, r0, n=10):
    pts = [(c0, r0), (c0 + n, r0), (c0 + n, r0 + n), (c0, r0 + n), (c0, r0)]
    return [[list(ct.TransformPoint(x0 + 10 * c, y0 - 10 * r)[:2]) for c, r in pts]]


def fc(features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": g}}
        for p, g in features]}


truth = fc([({"id": "mining_001", "kind": "mining", "area_ha": 1.0}, square(10, 10)),
            ({"id": "mining_002", "kind": "mining", "area_ha": 1.0}, square(60, 60)),
            ({"id": "farm_clearing_001", "kind": "farm_clearing", "area_ha": 1.0}, square(10, 60))])
alerts = fc([({"id": "a1", "class": "mining", "confidence": 0.9, "area_ha": 1.0}, square(12, 12, 5)),
             ({"id": "a2", "class": "mining", "confidence": 0.7, "area_ha": 1.0}, square(12, 62, 5)),
             ({"id": "a3", "class": "clearing", "confidence": 0.05, "area_ha": 0.25}, square(80, 10, 5))])
json.dump(truth, open(os.path.join(d, "truth.geojson"), "w"))
json.dump(alerts, open(os.path.join(d, "alerts.geojson"), "w"))


def score(*extra):
    p = subprocess.run([PY, os.path.join(SRC, "scripts", "score.py"), os.path.join(d, "alerts.geojson"),
                        os.path.join(d, "truth.geojson"), "--json", *extra], capture_output=True, text=True)
    check(p.returncode == 0, "score.py runs: %s" % p.stderr.strip())
    return json.loads(p.stdout) if p.returncode == 0 else {}


# Without a truth mask: one site found, one missed, one FP on the clearing.
r = score()
check(r.get("tp_alerts") == 1 and r.get("fp_alerts") == 1, "TP/FP by overlap: %s" % r)
check(r.get("sites_eligible") == 2 and r.get("sites_detected") == 1 and r.get("recall") == 0.5,
      "both sites count without a mask: %s" % r)
check(r.get("fp_by_kind") == {"farm_clearing": 1}, "FP charged to the look-alike under it")
# Calibration over every alert, any class: (0.05, no), (0.7, no), (0.9, yes)
# -> bins 0.0, 0.7, 0.9 of one alert each; ECE = (0.05 + 0.7 + 0.1) / 3.
check(sorted(map(tuple, r.get("confidences", []))) == [(0.05, 0), (0.7, 0), (0.9, 1)],
      "confidence pairs: %s" % r.get("confidences"))
check([(b["lo"], b["n"], b["mining_share"]) for b in r.get("calibration", [])] == [(0.0, 1, 0), (0.7, 1, 0),
                                                                                   (0.9, 1, 1)],
      "reliability bins: %s" % r.get("calibration"))
check(abs((r.get("ece") or 0) - 0.85 / 3) < 1e-9, "ECE %s" % r.get("ece"))

# A mask whose band 2 is 0 (cloud) over the missed site: it is unobservable.
m = gdal.GetDriverByName("GTiff").Create(os.path.join(d, "truth_mask.tif"), 100, 100, 2, gdal.GDT_Byte)
m.SetProjection(srs.ExportToWkt())
m.SetGeoTransform((x0, 10, 0, y0, 0, -10))
clear = np.ones((100, 100), np.uint8)
clear[55:75, 55:75] = 0
m.GetRasterBand(2).WriteArray(clear)
m = None
r = score()
check(r.get("sites_eligible") == 1 and r.get("recall") == 1.0, "cloud-covered site left out of recall: %s" % r)
u = r.get("sites_unobservable") or [{}]
check(len(u) == 1 and u[0].get("id") == "mining_002" and u[0].get("clear") == 0.0 and
      u[0].get("detected") is False, "it is listed as unobservable: %s" % u)
# Half clear still counts.
m = gdal.Open(os.path.join(d, "truth_mask.tif"), gdal.GA_Update)
clear[:] = 1
clear[60:65, 60:70] = 0
m.GetRasterBand(2).WriteArray(clear)
m = None
r = score()
check(r.get("sites_eligible") == 2 and not r.get("sites_unobservable"), "a half-clear site stays eligible: %s" % r)
shutil.rmtree(d, True)
done()
