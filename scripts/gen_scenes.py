#!/usr/bin/python3
"""Generate a synthetic two-date scene pair with ground truth for minewatch.

    gen_scenes.py --seed 1 --sensor sentinel2 --layout stack --size 600 --out DIR [--lookalikes]

Writes DIR/before.tif + DIR/after.tif (layout stack) or DIR/before/ + DIR/after/
(layout folder: per-band files named like real products plus MTD_MSIL2A.xml or
*_MTL.txt), DIR/truth.geojson (EPSG:4326, one feature per truth object with
id, kind, area_ha) and DIR/truth_mask.tif (band 1: kind codes, see KINDS in
mwgen/world.py; band 2: 1 where the pixel is clear in both dates by the
products' own masks, which scripts/score.py uses to leave sites no sensor
could see out of recall).  Deterministic from --seed.  Rendering works in row strips of
256 rows, so a full 10980 x 10980 Sentinel-2 tile pair fits in a few hundred MB.

Needs GDAL's Python bindings (Debian: /usr/bin/python3 with python3-gdal).
"""
import argparse
import datetime as dt
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from osgeo import gdal, osr  # noqa: E402

from mwgen.world import World, KINDS  # noqa: E402
from mwgen import looks  # noqa: E402
from mwgen.render import Renderer, STRIP_ROWS, clear  # noqa: E402
from mwgen.products import Acq, DateWriter, write_truth, CO_S2  # noqa: E402

gdal.UseExceptions()
gdal.SetCacheMax(128 << 20)     # strips are written in tile rows: a small block cache suffices


def parse_size(s):
    if "x" in s.lower():
        w, h = s.lower().split("x")
        return int(w), int(h)
    return int(s), int(s)


def parse_date(s):
    return dt.date.fromisoformat(s)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--sensor", choices=["sentinel2", "landsat"], default="sentinel2")
    ap.add_argument("--layout", choices=["stack", "folder"], default="stack")
    ap.add_argument("--size", type=parse_size, default=(1000, 1000), help="W or WxH in pixels")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--sites", type=int, default=None, help="number of new mining sites (default: by area)")
    ap.add_argument("--lookalikes", action="store_true",
                    help="add look-alikes: farm clearings, pasture, burn scars, new roads, clouds, haze, "
                         "river shift, sandbars")
    ap.add_argument("--before-date", type=parse_date, default=None)
    ap.add_argument("--after-date", type=parse_date, default=None)
    ap.add_argument("--baseline", default="auto",
                    help="S2 processing baseline: auto (04.00 with BOA_ADD_OFFSET -1000 from 2022-01-25, "
                         "else 03.00 without offset) or an explicit value")
    ap.add_argument("--zone", type=int, default=21, help="UTM zone (south); default 21 (Tapajos)")
    ap.add_argument("--origin", default="600000,9200020",
                    help="upper-left corner X,Y in the southern UTM zone (EPSG:327ZZ)")
    ap.add_argument("--supersample", type=int, default=None,
                    help="render at res/N and average (default 1 for S2, 2 for Landsat)")
    ap.add_argument("--river-season", type=float, default=0.0, metavar="G",
                    help="all water of the second date carries more sediment (wet season): red x(1+G), "
                         "green and NIR x(1+G/2); e.g. 0.5 raises NDTI by ~0.1. Truth unchanged; default 0")
    ap.add_argument("--look", default=None, metavar="POOL|KEY=VALUE,...",
                    help="how mining, soils, vegetation and atmosphere look: a pool (%s: each seed draws one "
                         "look) or settings %s; default: the generator's own look (output unchanged)"
                         % ("/".join(looks.POOLS), "; ".join("%s=%s" % (k, "|".join(v))
                                                             for k, v in looks.SETTINGS.items())))
    ap.add_argument("--series", type=int, default=0, metavar="N",
                    help="a dated series of N scenes (stack layout) with site status truth instead of a pair: "
                         "see mwgen/series.py")
    ap.add_argument("--no-truth-mask", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    look = None
    if a.look is not None:
        try:
            look = looks.parse(a.look, a.seed)
        except ValueError as e:
            ap.error(str(e))
    t_start = time.time()
    W, H = a.size
    if a.series:
        from mwgen import series
        series.generate(a.seed, (W, H), a.series, a.out, a.sensor, quiet=a.quiet, look=look)
        return 0
    s2 = a.sensor == "sentinel2"
    res = 10.0 if s2 else 30.0
    ss = a.supersample or (1 if s2 else 2)
    if a.before_date is None:
        a.before_date = dt.date(2022, 7, 2) if s2 else dt.date(2022, 7, 4)
    if a.after_date is None:
        a.after_date = dt.date(2023, 7, 7) if s2 else dt.date(2023, 7, 7)
    x0, y0s = (float(v) for v in a.origin.split(","))
    srs = osr.SpatialReference()
    if s2:
        srs.ImportFromEPSG(32700 + a.zone)
        origin = (x0, y0s)
    else:   # Landsat C2 uses northern UTM zones with negative northings south of the equator
        srs.ImportFromEPSG(32600 + a.zone)
        origin = (x0, y0s - 10000000.0)
    srs_s = osr.SpatialReference()
    srs_s.ImportFromEPSG(32700 + a.zone)

    world = World(a.seed, W * res, H * res, n_sites=a.sites, lookalikes=a.lookalikes, look=look)
    world.river_season = a.river_season
    world.finalize()
    t_world = time.time() - t_start
    rend = Renderer(world, res, ss)

    os.makedirs(a.out, exist_ok=True)
    tile = "T%02dMYN" % a.zone
    writers = []
    for d, date in enumerate((a.before_date, a.after_date)):
        acq = Acq(a.sensor, date, tile, "228065", a.baseline, a.seed)
        acq.zone = a.zone
        name = ("before", "after")[d]
        path = os.path.join(a.out, name + (".tif" if a.layout == "stack" else ""))
        meta = {"MINEWATCH_SYNTHETIC": "scripts/gen_scenes.py --seed %d --sensor %s --size %dx%d%s%s"
                % (a.seed, a.sensor, W, H, " --lookalikes" if a.lookalikes else "",
                   " --river-season %g" % a.river_season if a.river_season else "")
                + (" --look %s" % looks.describe(look) if look else "")}
        writers.append(DateWriter(a.sensor, a.layout, path, acq, W, H, res, srs, origin, meta))
    mask = None
    if not a.no_truth_mask:
        mask = gdal.GetDriverByName("GTiff").Create(os.path.join(a.out, "truth_mask.tif"), W, H, 2,
                                                    gdal.GDT_Byte, CO_S2)
        mask.SetProjection(srs.ExportToWkt())
        mask.SetGeoTransform((origin[0], res, 0, origin[1], 0, -res))
        mask.GetRasterBand(1).SetDescription("truth kind")
        mask.GetRasterBand(2).SetDescription("clear in both dates")
        mask.SetMetadata({"KIND_%d" % i: k for i, k in enumerate(KINDS)})

    nstrips = (H + STRIP_ROWS - 1) // STRIP_ROWS
    for k in range(nstrips):
        r0 = k * STRIP_ROWS
        r1 = min(H, r0 + STRIP_ROWS)
        for c0, dates in rend.blocks(r0, r1, W):
            for d in (0, 1):
                writers[d].write(r0, dates[d], c0)
            if mask is not None:
                both = clear(dates[0], a.sensor) & clear(dates[1], a.sensor)
                mask.GetRasterBand(2).WriteArray(both.astype(np.uint8), c0, r0)
        if mask is not None:
            mask.GetRasterBand(1).WriteArray(rend.truth_strip(r0, r1, W), 0, r0)
        if not a.quiet:
            sys.stderr.write("\r%d%%" % (100 * (k + 1) // nstrips))
    if not a.quiet:
        sys.stderr.write("\n")
    stats = [w.stats for w in writers]
    for w in writers:
        w.close()
    mask = None
    write_truth(os.path.join(a.out, "truth.geojson"), world, srs_s, (x0, y0s), None)

    if not a.quiet:
        kinds = {}
        for t in world.truth:
            kinds.setdefault(t["kind"], []).append(t["geom"].GetArea() / 1e4)
        print("scene %dx%d px @ %g m (%s, %s), seed %d, %s -> %s%s" % (
            W, H, res, a.sensor, a.layout, a.seed, a.before_date, a.after_date,
            ", look " + looks.describe(look) if look else ""))
        for k, v in sorted(kinds.items()):
            print("  %-14s %3d objects, %8.1f ha (%.2f..%.2f ha)" % (k, len(v), sum(v), min(v), max(v)))
        for d, s in enumerate(stats):
            print("  %s: valid %.1f%%, cloud %.1f%%" % (("before", "after")[d], 100 * s["valid"] / s["total"],
                                                      100 * s["cloud"] / s["total"]))
        print("  world %.2f s, total %.2f s -> %s" % (t_world, time.time() - t_start, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
