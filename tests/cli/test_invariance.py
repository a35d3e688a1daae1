"""The same inputs give byte-identical alerts and change rasters for any
thread count and tile size (issue 3.6, 4, 5.4), on a generated pair whose
sites straddle tile borders and corners."""
import filecmp
import os

from mwtest import check, done, run, scan_same_bytes, scene, tmpdir, SANITIZED

size = 700 if SANITIZED else 1100
pair = scene(f"s2-stack-{size}-seed11", "--seed", 11, "--sensor", "sentinel2", "--layout", "stack",
             "--size", size)
before, after = os.path.join(pair, "before.tif"), os.path.join(pair, "after.tif")
d = tmpdir()
runs = [(1, 512), (2, 512), (2, 256), (1, 1000), (2, 1000), (2, 77)]
ref = scan_same_bytes(before, after, d, runs)

# Repeatability: the very same command (default threads and tile size) run
# twice gives the same bytes, and the same as every run above.
for k in range(2):
    o, r = os.path.join(d, f"a-repeat{k}.geojson"), os.path.join(d, f"c-repeat{k}.tif")
    rc, so, se = run("scan", before, after, "-o", o, "--change-raster", r, "--quiet", "--min-confidence", "0")
    check(rc == 0, f"repeat {k}: exit {rc}: {se}")
    check(filecmp.cmp(ref[0], o, shallow=False), f"alerts differ on repeat {k}")
    check(filecmp.cmp(ref[1], r, shallow=False), f"change raster differs on repeat {k}")
done()
