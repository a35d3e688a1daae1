"""Valgrind memcheck of a small scan (issue 5.2): no invalid access, no use
of uninitialised memory and no leak (--leak-check=full, error exit 1) on a
64 x 64 Sentinel-2 pair, with two threads, a change raster and an AOI, and
on a failing run (a missing band) whose clean-up paths are the riskier
ones. Skipped without valgrind and in the sanitizer build (MW_SANITIZED=1:
ASan and valgrind do not mix). Suppressions: tests/valgrind.supp."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import MINEWATCH, SANITIZED, SRC, check, done, s2_pair, skip, tmpdir, write_stack  # noqa: E402

if SANITIZED:
    skip("sanitizer build: valgrind does not run ASan binaries")
valgrind = shutil.which("valgrind")
if not valgrind:
    skip("valgrind is not installed")

d = tmpdir()
before, after = s2_pair(d)
aoi = os.path.join(d, "aoi.geojson")
with open(aoi, "w") as f:  # the 64 x 64 scene at 500000 E, 9000000 N, UTM 20S, in lon/lat
    f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
            '{"type":"Polygon","coordinates":[[[-63.1,-9.1],[-62.9,-9.1],[-62.9,-8.9],[-63.1,-8.9],[-63.1,-9.1]]]}}]}')

vg = [valgrind, "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite,possible",
      "--suppressions=" + os.path.join(SRC, "tests", "valgrind.supp"), "--num-callers=30", "--quiet"]


def memcheck(what, args, want_rc):
    p = subprocess.run(vg + [MINEWATCH, *args], capture_output=True, text=True, timeout=600)
    ok = check(p.returncode == want_rc, f"{what}: exit {p.returncode}, want {want_rc} (99: valgrind found errors)")
    if not ok or "==" in p.stderr:
        print(p.stderr[-6000:], file=sys.stderr)
        check("==" not in p.stderr, f"{what}: valgrind reports")


out = os.path.join(d, "alerts.geojson")
memcheck("scan", ["scan", before, after, "-o", out, "--threads", "2", "--quiet", "--min-area", "0.01",
                  "--min-confidence", "0", "--aoi", aoi, "--change-raster", os.path.join(d, "change.tif")], 0)
check(os.path.exists(out), "scan wrote its alerts")

from osgeo import gdal  # noqa: E402
ds = gdal.Open(before)
arrs = [ds.GetRasterBand(i + 1).ReadAsArray() for i in range(ds.RasterCount)]
ds = None
nored = write_stack(os.path.join(d, "nored.tif"), [arrs[i] for i in (0, 1, 3, 4, 5, 6)],
                    ["B02", "B03", "B08", "B11", "B12", "SCL"])
memcheck("failing scan", ["scan", nored, after, "-o", os.path.join(d, "x.geojson"), "--quiet"], 1)
shutil.rmtree(d, ignore_errors=True)
done()
