"""The tools the accuracy protocol rests on (scripts/mwgen/looks.py,
scripts/protocol.py, scripts/make_landsat_patches.py):

* generator looks: a bad --look is a usage error (2); `ponds=none` leaves
  no water inside the new mining of a pair; `soil=bright` and `soil=dark`
  change the bare ground of a site but not the forest; pools draw their
  looks from disjoint values (the shifted simulation is shifted);
* spatially blocked folds: every 50 km cell in one fold, folds balanced;
* Landsat-like pairs: 16 x 16 px at 30 m, Landsat band names, reflectance
  the HLS-adjusted 3 x 3 mean of the Sentinel-2 pixels.
"""
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mwtest import PY, SHARED_DATA, SRC, check, done, tmpdir  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "scripts"))
import make_landsat_patches  # noqa: E402
import protocol  # noqa: E402
from mwgen import looks  # noqa: E402

d = tmpdir()
gen = [PY, os.path.join(SRC, "scripts", "gen_scenes.py"), "--seed", "7", "--size", "200", "--sites", "4", "--quiet"]

# --- looks ---
p = subprocess.run(gen + ["--out", os.path.join(d, "bad"), "--look", "ponds=pink"], capture_output=True, text=True)
check(p.returncode == 2 and "ponds=pink" in p.stderr, "bad --look: exit %d %s" % (p.returncode, p.stderr))
for pool, other in (("train", "shifted"), ("shifted", "train")):
    for k in ("ponds", "soil", "veg", "haze", "noise"):
        check(not set(looks.POOLS[pool][k]) & set(looks.POOLS[other][k]), "pools share %s values" % k)
check(looks.parse("shifted", 3) == looks.parse("shifted", 3), "a pool's draw is not deterministic")


def after_refl(look):
    out = os.path.join(d, look.replace("=", "_").replace(",", "_"))
    subprocess.run(gen + ["--out", out, "--look", look], check=True)
    ds = gdal.Open(os.path.join(out, "after.tif"))
    refl = (ds.ReadAsArray()[:6].astype(np.float64) - 1000) / 1e4
    tm = gdal.Open(os.path.join(out, "truth_mask.tif"))
    kind = tm.GetRasterBand(1).ReadAsArray()
    return refl, kind


base, kind = after_refl("ponds=mixed")
mine = kind == 1
forest = kind == 0
check(mine.sum() > 50, "no mining pixels in the test pair")
water = lambda r: (r[1] > r[3]) & (r[1] > r[4])  # noqa: E731  green above NIR and SWIR1
dry, kind_dry = after_refl("ponds=none")
check(water(base)[mine].mean() > 0.005, "the default pair has no pond water (%.3f)" % water(base)[mine].mean())
print("pond water share in the mines: default %.4f, ponds=none %.4f" % (water(base)[mine].mean(), water(dry)[kind_dry == 1].mean()))
check(water(dry)[kind_dry == 1].mean() < 0.2 * water(base)[mine].mean(), "ponds=none left water in the mines (%.3f)"
      % water(dry)[kind_dry == 1].mean())
bright, kb = after_refl("soil=bright")
dark, kd = after_refl("soil=dark")
red_mine = [r[2][k == 1].mean() for r, k in ((dark, kd), (base, kind), (bright, kb))]
check(red_mine[0] < red_mine[1] < red_mine[2], "soil looks do not order the mines' red: %s" % red_mine)
check(abs(bright[3][forest].mean() - base[3][forest].mean()) < 0.01, "soil=bright changed the forest")

# --- blocked folds ---
rows = [dict(sample_id="p%d" % i, longitude=str(-60 + (i % 7) * 0.3), latitude=str(-5 + (i // 7) * 0.2))
        for i in range(70)]
fold = protocol.blocked_folds(rows, 5)
cells = {}
for r in rows:
    cells.setdefault(protocol.cell_of(float(r["longitude"]), float(r["latitude"])), set()).add(fold[r["sample_id"]])
check(all(len(f) == 1 for f in cells.values()), "a cell split across folds")
sizes = [list(fold.values()).count(k) for k in range(5)]
check(max(sizes) - min(sizes) <= max(len([r for r in rows if protocol.cell_of(float(r["longitude"]),
                                                                               float(r["latitude"])) == c])
                                       for c in cells), "folds unbalanced: %s" % sizes)
real = os.path.join(SHARED_DATA, "sat-mining-detector-patches")
if os.path.isdir(os.path.join(real, "train")):
    tr = protocol.split_rows(real, "train")
    f = protocol.blocked_folds(tr, 5)
    byc = {}
    for r in tr:
        byc.setdefault(protocol.cell_of(float(r["longitude"]), float(r["latitude"])), set()).add(f[r["sample_id"]])
    check(all(len(v) == 1 for v in byc.values()), "real train: a 50 km cell split across folds")

# --- Landsat-like pairs ---
src = os.path.join(d, "s2.tif")
rng = np.random.default_rng(1)
dn = rng.integers(200, 4000, (6, 48, 48)).astype(np.int16)
ds = gdal.GetDriverByName("GTiff").Create(src, 48, 48, 6, gdal.GDT_Int16)
ds.SetGeoTransform((500000, 10, 0, 9000000, 0, -10))
ds.SetProjection(gdal.Open(os.path.join(d, "ponds_none", "after.tif")).GetProjection())
ds.WriteArray(dn)
ds = None
dst = os.path.join(d, "ls.tif")
make_landsat_patches.convert(src, dst)
o = gdal.Open(dst)
check((o.RasterXSize, o.RasterYSize, o.RasterCount) == (16, 16, 7), "Landsat-like size %dx%dx%d" % (
    o.RasterXSize, o.RasterYSize, o.RasterCount))
check(o.GetGeoTransform()[1] == 30, "pixel size %s" % o.GetGeoTransform()[1])
check([o.GetRasterBand(i + 1).GetDescription() for i in range(7)] == make_landsat_patches.NAMES, "band names")
rho = o.GetRasterBand(3).ReadAsArray()[2, 5] * 2.75e-5 - 0.2
s, off = make_landsat_patches.HLS[2]
want = s * dn[2, 6:9, 15:18].mean() / 1e4 + off
check(abs(rho - want) < 5e-5, "red reflectance %.5f, want %.5f" % (rho, want))
check((o.GetRasterBand(7).ReadAsArray() == make_landsat_patches.QA_CLEAR).all(), "QA_PIXEL not clear")
done()
