"""scripts/score_patches.py: a second image of closed canopy everywhere goes to
'closed_t1', one with a patch of open ground to 'open_t1' (the split of the
real-patch figures by what the imagery can show), with and without band
names; group figures count recall and specificity per group."""
import os
import sys

import numpy as np
from osgeo import gdal

from mwtest import SRC, check, done, tmpdir

sys.path.insert(0, os.path.join(SRC, "scripts"))
import score_patches as sp  # noqa: E402

d = tmpdir()


def patch(name, red, nir, names=True, nodata=None):
    """48 x 48 px, 6 Int16 bands in the patches' order (B02 B03 B04 B08 B11 B12)."""
    path = os.path.join(d, name)
    ds = gdal.GetDriverByName("GTiff").Create(path, 48, 48, 6, gdal.GDT_Int16)
    order = ["B02", "B03", "B04", "B08", "B11", "B12"]
    for i, b in enumerate(order):
        band = ds.GetRasterBand(i + 1)
        a = {"B04": red, "B08": nir}.get(b, np.full((48, 48), 500, np.int16))
        band.WriteArray(a)
        if names:
            band.SetDescription(b)
        if nodata is not None:
            band.SetNoDataValue(nodata)
    ds = None
    return path


forest_red = np.full((48, 48), 300, np.int16)
forest_nir = np.full((48, 48), 3000, np.int16)          # NDVI 0.82
open_red, open_nir = forest_red.copy(), forest_nir.copy()
open_red[:4, :4], open_nir[:4, :4] = 1500, 2000          # 16 px (0.7 %) of bare ground, NDVI 0.14
few_red, few_nir = forest_red.copy(), forest_nir.copy()
few_red[:2, :2], few_nir[:2, :2] = 1500, 2000            # 4 px (0.17 %): still closed

check(sp.canopy_group(patch("forest.tif", forest_red, forest_nir)) == "closed_t1", "forest is closed canopy")
check(sp.canopy_group(patch("open.tif", open_red, open_nir)) == "open_t1", "16 bare pixels open the canopy")
check(sp.canopy_group(patch("few.tif", few_red, few_nir)) == "closed_t1", "4 bare pixels do not")
check(sp.canopy_group(patch("open_nonames.tif", open_red, open_nir, names=False)) == "open_t1",
      "bands 3 and 4 without band names")
# bands named in another order: B04/B08 are found by name
swapped = patch("swapped.tif", open_nir, open_red, names=False)
ds = gdal.Open(swapped, gdal.GA_Update)
for i, b in enumerate(["B02", "B03", "B08", "B04", "B11", "B12"]):
    ds.GetRasterBand(i + 1).SetDescription(b)
ds = None
check(sp.canopy_group(swapped) == "open_t1", "red and NIR found by band name")
# the bare corner marked nodata: what is left is closed canopy
nod_red, nod_nir = open_red.copy(), open_nir.copy()
nod_red[:4, :4] = nod_nir[:4, :4] = 2500   # NDVI 0 unless skipped
check(sp.canopy_group(patch("nodata.tif", nod_red, nod_nir, nodata=2500)) == "closed_t1",
      "nodata pixels do not count")
check(sp.canopy_group(os.path.join(d, "missing.tif")) is None, "unreadable raster: no group")

rows = [dict(label=1, flagged=1, g="a"), dict(label=1, flagged=0, g="a"), dict(label=0, flagged=1, g="a"),
        dict(label=0, flagged=0, g="b"), dict(label=1, flagged=1, g=None)]
g = sp.group_figures(rows, "g")
check(sorted(g) == ["a", "b"], "groups %s" % sorted(g))
check(g["a"]["recall"] == 0.5 and g["a"]["specificity"] == 0.0, "group a %s" % g["a"])
check(g["b"]["recall"] is None and g["b"]["specificity"] == 1.0, "group b %s" % g["b"])
done()
