"""The scene-wide index shift (illumination, season) on a scene large
enough for the sparse block lattice of src/engine/shift.c: 3072 x 3072
pixels in 128 x 128 DEFLATE tiles, so the lattice samples whole blocks at
every 6th block. The second date is the first with NIR lowered by 10 % and
red raised by 8 % everywhere (a season, no change): the reported shifts
must equal the medians of the per-pixel index changes over the whole scene
within one histogram bin, and nothing may be alerted."""
import filecmp
import os

import numpy as np

from mwtest import check, done, read_json, run, tmpdir, write_stack

SIZE, BLOCK = 3072, 128
NAMES = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
FOREST = [300, 600, 400, 3500, 1800, 900]  # reflectance x 1e4
GAIN = [1.0, 1.0, 1.08, 0.90, 1.0, 1.0]     # the second date's "season"
MD = {"SPACECRAFT_NAME": "Sentinel-2A", "PROCESSING_BASELINE": "04.00", "BOA_ADD_OFFSET": "-1000"}

rng = np.random.default_rng(7)
noise = rng.standard_normal((SIZE, SIZE), dtype=np.float32)
texture = [np.float32(FOREST[i]) * (1 + np.float32(0.08) * np.roll(noise, 97 * i, axis=1)) for i in range(6)]


def write(path, gains, date):
    """The scene with @p gains per band, as tiled DEFLATE; returns its reflectance."""
    dns = [np.clip(np.rint(texture[i] * np.float32(gains[i])) + 1000, 1, 65535).astype(np.uint16)
           for i in range(6)]
    write_stack(path, dns + [np.full((SIZE, SIZE), 4, np.uint8)], NAMES,  # SCL: vegetation
                metadata=dict(MD, PRODUCT_START_TIME=date),
                options=["TILED=YES", "BLOCKXSIZE=%d" % BLOCK, "BLOCKYSIZE=%d" % BLOCK, "COMPRESS=DEFLATE",
                         "ZLEVEL=1"])
    return [dn.astype(np.float32) / np.float32(1e4) - np.float32(0.1) for dn in dns]


def indices(r):
    b, g, red, nir, s1, _ = r
    nd = lambda x, y: (x - y) / (x + y)
    return {"ndvi": nd(nir, red), "mndwi": nd(g, s1), "ndti": nd(red, g),
            "bsi": nd(s1 + red, nir + b)}


d = tmpdir()
before, after = os.path.join(d, "before.tif"), os.path.join(d, "after.tif")
ib = indices(write(before, [1.0] * 6, "2021-07-01T14:00:00Z"))
ia = indices(write(after, GAIN, "2022-07-01T14:00:00Z"))
out = os.path.join(d, "alerts.geojson")
rc, so, se = run("scan", before, after, "-o", out, "--quiet")
check(rc == 0, f"scan: exit {rc}: {se}")
if rc == 0:
    got = read_json(out)
    shift = got["minewatch"]["parameters"]["index_shift"]
    for k in ("ndvi", "mndwi", "ndti", "bsi"):
        want = float(np.median(ia[k] - ib[k]))
        check(abs(shift[k] - want) <= 0.0015, f"{k} shift {shift[k]} != scene median {want:.4f}")
    check(abs(shift["ndvi"]) > 0.02, f"the season moves NDVI: {shift['ndvi']}")
    check(len(got["features"]) == 0, f"a season is no change: {len(got['features'])} alerts")
    # The lattice does not depend on threads or tiles: same bytes (the
    # shift is in the header).
    out1 = os.path.join(d, "alerts-1.geojson")
    rc, so, se = run("scan", before, after, "-o", out1, "--quiet", "--threads", 1, "--tile-size", 300)
    check(rc == 0 and filecmp.cmp(out, out1, shallow=False), f"1 thread, tile 300: exit {rc} or other bytes: {se}")
done()
