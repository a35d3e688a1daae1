#!/usr/bin/python3
"""The decoded blocks a scan holds follow its waves, not the scene.

A scan's memory is mostly the blocks its stores hold (one store per scene;
`--timings` says the most they held at once). A wave of the tile pass
holds its tile row with the tiles' halo and what the next wave reads; the
sites a row completed are measured in a second wave holding their windows;
nothing else of the rows above is kept. On a band
folder pair (Sentinel-2 names, 10 m and 20 m files, 256 px blocks) with
--min-area so large that no site survives, the peak must be the blocks of
one tile row and one block row above and below, computed here from the
files' own block layout (holding the two tile rows above as well doubles
it), for each scene of a pair and of three befores, at two tile sizes.
With the sites kept, the windows of the sites measured after their wave
and the site pass's batches may add at most as much again.
"""
import math
import os
import re
import shutil

from osgeo import gdal

from mwtest import SANITIZED, check, done, run, scene, tmpdir

gdal.UseExceptions()
W, H = 2560, 1536  # wide enough that a tile row's blocks outnumber the shift lattice's (its own wave)
src = scene("block-memory-%dx%d" % (W, H), "--seed", "5", "--size", "%dx%d" % (W, H), "--layout", "folder",
            "--sites", 10, "--quiet")
d = tmpdir()
REACH = 8  # tile halo (radius) and upsampling margin bound, target pixels: the model's radius is 2


def before_copy(date):
    """The before folder under another date: same files (linked), MTD_MSIL2A.xml with that date."""
    dst = os.path.join(d, "before-" + date)
    os.makedirs(dst)
    for f in sorted(os.listdir(os.path.join(src, "before"))):
        p = os.path.join(src, "before", f)
        if f.endswith(".xml"):
            xml = re.sub(r"<PRODUCT_START_TIME>[^<T]*", "<PRODUCT_START_TIME>" + date, open(p).read())
            open(os.path.join(dst, f), "w").write(xml)
        else:
            os.symlink(p, os.path.join(dst, f))
    return dst


def strip_bound(folder, ts):
    """Bytes of the blocks of folder's files that one tile row (ts rows)
    with REACH rows above and below touches, the worst row of the grid."""
    worst = 0
    for ty in range((H + ts - 1) // ts):
        y0, y1 = max(ty * ts - REACH, 0), min((ty + 1) * ts + REACH, H)
        total = 0
        for f in sorted(os.listdir(folder)):
            if not f.endswith(".tif"):
                continue
            ds = gdal.Open(os.path.join(folder, f))
            b = ds.GetRasterBand(1)
            bw, bh = b.GetBlockSize()
            s = ds.RasterYSize / H  # 1 for 10 m files, 0.5 for 20 m
            r0, r1 = max(math.floor(y0 * s) - 1, 0), min(math.ceil(y1 * s) + 1, ds.RasterYSize)
            rows = (r1 - 1) // bh - r0 // bh + 1
            cols = (ds.RasterXSize + bw - 1) // bw
            buf = (bw * bh * gdal.GetDataTypeSize(b.DataType) // 8 + 63) // 64 * 64
            total += rows * cols * buf
        worst = max(worst, total)
    return worst


def peak(scenes, ts, *extra):
    rc, _o, err = run("scan", *scenes, "-o", os.path.join(d, "a.geojson"), "--timings", "--quiet",
                      "--tile-size", ts, "--threads", 2, *extra)
    check(rc == 0, f"scan {len(scenes)} scenes, {ts} px tiles: rc {rc}: {err[-400:]}")
    m = re.search(r"decoded blocks: peak ([\d.]+) MiB, (\d+) blocks", err)
    check(m is not None, f"--timings says the decoded blocks' peak: {err[-400:]!r}")
    return float(m.group(1)) * 2**20 if m else 0.0, int(m.group(2)) if m else 0


before, after = os.path.join(src, "before"), os.path.join(src, "after")
befores = [before_copy("2022-05-03"), before_copy("2022-06-02"), before]
for ts in (512,) if SANITIZED else (512, 256):
    bound = strip_bound(before, ts)  # the after folder has the same layout
    for scenes in ([before, after], befores + [after]):
        got, n = peak(scenes, ts, "--min-area", 1e6)
        want = bound * len(scenes)
        print(f"{len(scenes)} scenes, {ts} px tiles, no sites: peak {got / 2**20:.1f} MiB, {n} blocks;"
              f" one tile row's blocks {want / 2**20:.1f} MiB")
        check(n > 0 and got >= 0.5 * want, f"the tile rows' blocks are held ({got:.0f} >= half of {want})")
        check(got <= want, f"{len(scenes)} scenes, {ts} px: no more than one tile row's blocks "
                           f"({got / 2**20:.1f} <= {want / 2**20:.1f} MiB)")
        got, n = peak(scenes, ts)
        print(f"{len(scenes)} scenes, {ts} px tiles, sites: peak {got / 2**20:.1f} MiB, {n} blocks")
        check(got <= 2 * want, f"{len(scenes)} scenes, {ts} px, sites: at most twice a tile row's blocks "
                               f"({got / 2**20:.1f} <= {2 * want / 2**20:.1f} MiB)")
shutil.rmtree(d)
done()
