"""Two dates on different grids: the before scene in the next UTM zone at
20 m gives the same change classes (within a tolerance at edges) and the
same sites as the aligned pair (issue 3)."""
import glob
import os
import shutil

import numpy as np
from osgeo import gdal

from mwtest import check, done, read_json, run, scene, tmpdir, mining, SANITIZED

gdal.UseExceptions()
size = 500 if SANITIZED else 800
pair = scene(f"s2-folder-{size}-seed5", "--seed", 5, "--sensor", "sentinel2", "--layout", "folder", "--size", size)
before, after = os.path.join(pair, "before"), os.path.join(pair, "after")
d = tmpdir()

# The before scene, every band warped on its own into the neighbouring zone at 20 m.
ref = gdal.Open(glob.glob(os.path.join(before, "*_B04_10m.tif"))[0])
epsg = int(ref.GetSpatialRef().GetAuthorityCode(None))
other = epsg + 1 if epsg % 100 < 60 else epsg - 1
warped = os.path.join(d, "before-warped")
os.makedirs(warped)
for f in os.listdir(before):
    src = os.path.join(before, f)
    if not f.lower().endswith(".tif"):
        shutil.copy(src, warped)
        continue
    alg = "near" if "_SCL" in f else "bilinear"
    gdal.Warp(os.path.join(warped, f), src, dstSRS=f"EPSG:{other}", xRes=20, yRes=20, resampleAlg=alg,
              creationOptions=["TILED=YES", "COMPRESS=DEFLATE"])

a1, r1 = os.path.join(d, "aligned.geojson"), os.path.join(d, "aligned.tif")
a2, r2 = os.path.join(d, "warped.geojson"), os.path.join(d, "warped.tif")
rc, so, se = run("scan", before, after, "-o", a1, "--change-raster", r1, "--quiet")
check(rc == 0, f"aligned scan: {se}")
rc, so, se = run("scan", warped, after, "-o", a2, "--change-raster", r2, "--quiet")
check(rc == 0, f"warped scan: {se}")

def classes(path):
    ds = gdal.Open(path)  # keep the dataset alive while its band is read
    return ds.GetRasterBand(1).ReadAsArray()


c1, c2 = classes(r1), classes(r2)
check(c1.shape == c2.shape, "both change rasters are on the after grid")
both = (c1 > 0) & (c2 > 0)
dist1 = (c1 >= 2) & both
dist2 = (c2 >= 2) & both
inter = (dist1 & dist2).sum()
union = (dist1 | dist2).sum()
iou = inter / union if union else 1.0
agree = (c1[both] == c2[both]).mean() if both.any() else 0
print(f"valid in both runs {both.mean():.3f}, class agreement {agree:.4f}, disturbance IoU {iou:.3f}")
cover = both.sum() / max(1, (c1 > 0).sum())
print(f"share of the aligned valid pixels also valid with the warped before scene: {cover:.3f}")
check(cover > 0.9, "the warped pair covers the grid")
check(agree > 0.97, f"classes agree on >97% of pixels ({agree:.4f})")
check(iou > 0.5, f"disturbance masks overlap (IoU {iou:.3f} > 0.5; edges of 20 m pixels differ)")

m1 = mining(read_json(a1))
m2 = mining(read_json(a2))
from osgeo import ogr
def geom(f):
    return ogr.CreateGeometryFromJson(str(f["geometry"]).replace("'", '"'))
found = sum(1 for f in m1 if any(geom(f).Intersects(geom(g)) for g in m2))
print(f"mining alerts aligned {len(m1)}, warped {len(m2)}, aligned found again {found}")
check(len(m1) >= 1, "the aligned pair has mining alerts")
check(found >= 0.8 * len(m1), "at least 80% of the aligned alerts are found on the warped pair")
done()
