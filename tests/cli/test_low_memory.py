"""Out of memory anywhere (GDAL's C++ included: GDALPolygonize throws
std::bad_alloc) is one 'minewatch: error:' line, exit 1, and nothing left
behind: never an abort. The address space is limited (RLIMIT_AS, as
`ulimit -v`) to a range of sizes between what the loader needs and what a
run of the sample pair needs. Not under ASan, which reserves terabytes of
address space for its shadow memory."""
import os
import resource
import shutil
import subprocess

from mwtest import MINEWATCH, SANITIZED, SRC, check, done, skip, tmpdir

if SANITIZED:
    skip("address-space limits do not work under AddressSanitizer")
sample = os.path.join(SRC, "samples", "synthetic-s2")
d = tmpdir()
out = os.path.join(d, "out")


def run_limited(mb, args):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return subprocess.run([MINEWATCH, *args], capture_output=True, text=True, timeout=300, preexec_fn=limit)


# The smallest limit the program starts under at all (shared libraries).
low = 64
while run_limited(low, ["--version"]).returncode != 0 and low < 1024:
    low += 16
check(low < 1024, "minewatch starts under 1 GB")
kinds = {}
for i, mb in enumerate(range(low, low + 260, 10)):
    os.makedirs(out, exist_ok=True)
    ext = ("geojson", "gpkg", "shp")[i % 3]
    p = run_limited(mb, ["scan", os.path.join(sample, "before.tif"), os.path.join(sample, "after.tif"),
                         "-o", os.path.join(out, "a." + ext), "--change-raster", os.path.join(out, "c.tif"),
                         "--threads", str(1 + i % 2), "--quiet"])
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    what = f"{mb} MB, .{ext}: exit {p.returncode}"
    if p.returncode == 0:
        kinds["ok"] = kinds.get("ok", 0) + 1
    else:
        check(p.returncode == 1, f"{what}: exit 1, never an abort: {p.stderr[-400:]!r}")
        check(len(lines) == 1 and lines[0].startswith("minewatch: error: "), f"{what}: one error line: {p.stderr[-400:]!r}")
        check("coordinate reference system" not in p.stderr, f"{what}: out of memory is no CRS problem: {p.stderr!r}")
        check(not os.listdir(out), f"{what}: nothing left: {os.listdir(out)}")
        kinds["failed"] = kinds.get("failed", 0) + 1
    shutil.rmtree(out)
print(f"from {low} MB: {kinds}")
check(kinds.get("failed", 0) >= 3, "several limits are too small for the run (else the test tests nothing)")
done()
