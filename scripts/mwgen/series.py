"""Dated series of one place: mining sites that start, grow, keep working
inside their footprint or stop, with clouds over a site at one date, and
the truth of every site's status at every date.

The landscape (rivers, roads, forest, old mosaics) is a `World` without new
sites; the series adds its own sites date by date.  Each date is rendered
with the pair renderer (as its second date, with its own illumination,
co-registration shift and sensor noise), so a date looks the same whichever
pair it is in.

Status truth for the pair (k-1, k), the rules of src/alerts/README.md:
  new         the site's first disturbance appears at k
  growing     its footprint grows at k by well over max(0.5 ha, 20 %)
  persisting  new ponds are dug inside its footprint at k (no growth)
  inactive    nothing changes at k
  unobserved  under half of its footprint at k-1 is clear in both dates
Growth is drawn at >= 1.5x the threshold so truth never sits on the edge.
"""
import copy
import datetime as dt
import json
import math
import os

import numpy as np
from osgeo import gdal, ogr, osr

from .world import World, clean, blob, POND_COLOURS, CODE
from .looks import POND_CODE, describe
from .render import Renderer, STRIP_ROWS, clear
from .products import Acq, DateWriter

gdal.UseExceptions()


class SeriesSite:
    def __init__(self, sid, start):
        self.id, self.start = sid, start
        self.footprint = {}          # date index -> cumulative outline (scene metres)
        self.action = {}             # date index -> "new" | "grow" | "ponds" | "none"
        self.feats = []              # (geom, code, gain, z, first date index)


def _grow(world, site, fp, k, r):
    """A new part adjacent to footprint fp: the next mosaic along the site's axis."""
    a0 = fp.GetArea() / 1e4
    need = 1.5 * max(0.5, 0.2 * a0)
    env = fp.GetEnvelope()
    c = fp.Centroid()
    d = site.axis * (1 if r.random() < 0.5 else -1)
    ext = 0.5 * max(env[1] - env[0], env[3] - env[2])
    start = np.array([c.GetX(), c.GetY()]) + d * ext * 0.9
    outline, sub = world.mosaic(start, d, site.perp, max(need * 1.6, a0 * r.uniform(0.5, 0.9) + 1.0),
                                r.uniform(2, 6), r.uniform(0.2, 0.5))
    if outline is None:
        return None, []
    part = clean(outline.Difference(fp))
    if part is None or part.GetArea() / 1e4 < need or not _free(world, part, site):
        return None, []
    return part, [(clean(g.Intersection(part)), code, gain, z + 10 + k) for g, code, gain, z in sub]


def _free(world, g, site):
    env = g.GetEnvelope()
    if env[0] < 100 or env[2] < 100 or env[1] > world.W - 100 or env[3] > world.H - 100:
        return False
    gb = g.Buffer(80, 4)
    return not any(gb.Intersects(o) for o in world.occupied if o is not site.zone) and gb.Within(site.zone)


def _ponds(world, site, fp, k, r):
    """3-6 ponds dug in one corner of the footprint: ~0.7-1.5 ha of new water
    (the look's pond colour when it has one)."""
    look_colour = POND_CODE[world.look["ponds"]] if world.look is not None else None
    env = fp.GetEnvelope()
    out = []
    for _ in range(40):
        q = (r.uniform(env[0], env[1]), r.uniform(env[2], env[3]))
        if not fp.Contains(ogr.CreateGeometryFromWkt("POINT (%f %f)" % q)):
            continue
        for _p in range(int(r.integers(4, 8))):
            g = blob(r, q[0] + r.normal(0, 45), q[1] + r.normal(0, 45), r.uniform(22, 40), r.uniform(1, 2),
                     r.uniform(0, np.pi), 0.3, 18)
            g = clean(g.Intersection(fp))
            if g is not None:
                colour = POND_COLOURS[int(r.integers(0, 4))]
                out.append((g, look_colour or colour, r.uniform(-0.2, 0.2), 30 + k))
        if sum(g.GetArea() for g, *_ in out) >= 6000:
            return out
        out = []
    return out


def plan(seed, W, H, ndates, n_sites=None, look=None):
    """The world and its sites' histories (deterministic from the seed);
    @p look: an mwgen.looks setting (None: the generator's own look)."""
    world = World(seed, W, H, n_sites=0, look=look)
    r = np.random.default_rng([seed, 0x5E41E5])
    n = n_sites or max(4, int(round(W * H / 1e6 / 5)))
    sites = []
    for i in range(n * 20):
        if len(sites) >= n:
            break
        riv = world.rivers[int(r.integers(0, len(world.rivers)))]
        bp = world.river_bank_point(riv, r, (30, 250)) if r.random() < 0.5 else None
        if bp is None:      # inland: a pit line along a random axis
            a = r.uniform(0, np.pi)
            d = np.array([math.cos(a), math.sin(a)])
            bp = (world.random_point(800.0), d, np.array([-d[1], d[0]]), 0)
        p, d, perp, _ = bp
        outline, sub = world.mosaic(p, d, perp, math.exp(r.uniform(math.log(2), math.log(10))),
                                    r.uniform(2, 6), r.uniform(0.2, 0.5))
        if outline is None or not world.free(outline, 150):
            continue
        start = 1 if len(sites) < 2 else int(r.integers(1, ndates))
        s = SeriesSite("site_%02d" % (len(sites) + 1), start)
        s.axis, s.perp = d, perp
        s.zone = outline.Buffer(700, 4)      # room to grow, kept apart from other sites
        if any(s.zone.Intersects(o) for o in world.occupied):
            continue
        world.occupied.append(s.zone)
        s.feats = [(g, code, gain, z + 10, start) for g, code, gain, z in sub]
        fp = outline
        s.footprint[start] = fp
        s.action[start] = "new"
        for k in range(start + 1, ndates):
            a = ["grow", "ponds", "none"][int(r.choice(3, p=[0.4, 0.25, 0.35]))]
            if a == "grow":
                part, fs = _grow(world, s, fp, k, r)
                if part is None:
                    a = "none"
                else:
                    fp = clean(fp.Union(part))
                    s.feats += [(g, c, gn, z, k) for g, c, gn, z in fs if g is not None]
            elif a == "ponds":
                fs = _ponds(world, s, fp, k, r)
                if not fs:
                    a = "none"
                s.feats += [(g, c, gn, z, k) for g, c, gn, z in fs]
            s.action[k] = a
            s.footprint[k] = fp
        sites.append(s)
    # clouds: over one site at one date (not its first date nor the one before)
    clouds = []
    cands = [(s, k) for s in sites for k in range(s.start + 1, ndates)]
    if cands:
        for j in r.permutation(len(cands))[:max(1, len(sites) // 3)]:
            s, k = cands[int(j)]
            if any(c["site"] == s.id for c in clouds):
                continue
            env = s.footprint[k].GetEnvelope()
            cx, cy = (env[0] + env[1]) / 2, (env[2] + env[3]) / 2
            rx = 0.9 * (env[1] - env[0]) + 250
            ry = 0.9 * (env[3] - env[2]) + 250
            clouds.append(dict(site=s.id, k=k, ellipses=[(cx, cy, rx, ry, 0.0)], opacity=1.0,
                               shadow=(40.0, 30.0), seed=int(r.integers(0, 2**31))))
    return world, sites, clouds


def _view(world, sites, clouds, k, seed):
    """A copy of the world showing date k as the renderer's second date."""
    v = copy.copy(world)
    feats = list(world.feats[0])
    for s in sites:
        for g, code, gain, z, k0 in s.feats:
            if k0 <= k and g is not None:
                feats.append(type(world.feats[0][0])(g, CODE[code] if isinstance(code, str) else code, gain, z))
    feats.sort(key=lambda f: f.z)
    v.feats = (feats, feats)
    r = np.random.default_rng([seed, k, 0x111])
    g = 0.93 + r.normal(0, 0.015)
    v.illum = dict(gain=tuple(float(g * (1 + r.normal(0, 0.015))) for _ in range(6)),
                   veg_nir=float(r.uniform(0.92, 0.99)))
    # each date its own co-registration error: 1.8 m per date makes the
    # pairs' relative shift (~2.5 m) that of the pair generator
    v.shift = (float(r.normal(0, 1.8)), float(r.normal(0, 1.8))) if k else (0.0, 0.0)
    v.clouds = [dict(c, date=1) for c in clouds if c["k"] == k]
    v.hazes = []
    v.nodata = None
    v.plumes = []
    v.noise_tags = (0, k)
    return v


def _lonlat(g, srs, origin):
    x0, y0 = origin
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    s = srs.Clone()
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(s, wgs)
    from .products import _map_geom
    out = _map_geom(g, lambda u, v: (x0 + u, y0 - v))
    out.Transform(ct)
    return out


def _share(g, okmask, res):
    """Share of g's pixels (centres inside) where okmask is set."""
    H, W = okmask.shape
    ds = gdal.GetDriverByName("MEM").Create("", W, H, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((0, res, 0, 0, 0, res))
    drv = ogr.GetDriverByName("Memory").CreateDataSource("m")
    lyr = drv.CreateLayer("g")
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetGeometry(g)
    lyr.CreateFeature(f)
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        gdal.RasterizeLayer(ds, [1], lyr, burn_values=[1])
    finally:
        gdal.PopErrorHandler()
    inside = ds.GetRasterBand(1).ReadAsArray().astype(bool)
    return float(okmask[inside].mean()) if inside.any() else 0.0


def generate(seed, size, ndates, out, sensor="sentinel2", start=dt.date(2022, 7, 2), step_days=120, quiet=True,
             look=None):
    """Write ndates scenes <out>/<sensor>_<YYYYMMDD>.tif and <out>/series_truth.json."""
    W, H = size
    res = 10.0 if sensor == "sentinel2" else 30.0
    if look is not None:
        # the renderer hazes its second date only, and every date but the
        # first is rendered as a second date: haze would be a change of the
        # whole scene at the first step
        look = dict(look, haze=0.0)
    world, sites, clouds = plan(seed, W * res, H * res, ndates, look=look)
    world.finalize()
    zone, origin = 21, (600000.0, 9200020.0)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32700 + zone)
    os.makedirs(out, exist_ok=True)
    dates = [start + dt.timedelta(days=step_days * k) for k in range(ndates)]
    clear_masks = []
    paths = []
    for k, date in enumerate(dates):
        v = _view(world, sites, clouds, k, seed)
        rend = Renderer(v, res, 1 if sensor == "sentinel2" else 2)
        acq = Acq(sensor, date, "T%02dMYN" % zone, "228065", "auto", seed)
        acq.zone = zone
        path = os.path.join(out, "%s_%s.tif" % (sensor, date.strftime("%Y%m%d")))
        wr = DateWriter(sensor, "stack", path, acq, W, H, res, srs, origin,
                        {"MINEWATCH_SYNTHETIC": "scripts/gen_scenes.py --series %d --seed %d" % (ndates, seed)
                         + (" --look %s" % describe(look) if look else "")})
        ok = np.zeros((H, W), bool)
        d = 0 if k == 0 else 1
        for r0 in range(0, H, STRIP_ROWS):
            r1 = min(H, r0 + STRIP_ROWS)
            for c0, blk in rend.blocks(r0, r1, W):
                wr.write(r0, blk[d], c0)
                ok[r0:r1, c0:c0 + blk[d]["valid"].shape[1]] = clear(blk[d], sensor)
        wr.close()
        clear_masks.append(ok)
        paths.append(path)
    truth = dict(dates=[d.isoformat() for d in dates], scenes=[os.path.basename(p) for p in paths], sites=[])
    if look:
        truth["look"] = describe(look)
    for s in sites:
        st, shares, fps, areas = {}, {}, {}, {}
        for k in range(s.start, ndates):
            fp = s.footprint[k]
            areas[dates[k].isoformat()] = round(fp.GetArea() / 1e4, 4)
            fps[dates[k].isoformat()] = _lonlat(fp, srs, origin).ExportToJson()
            look = fp if k == s.start else s.footprint[k - 1]
            sh = _share(look, clear_masks[k - 1] & clear_masks[k], res)
            shares[dates[k].isoformat()] = round(sh, 4)
            a = s.action[k]
            st[dates[k].isoformat()] = ("unobserved" if sh < 0.5 and k > s.start else
                                        {"new": "new", "grow": "growing", "ponds": "persisting",
                                         "none": "inactive"}[a])
        truth["sites"].append(dict(id=s.id, start=dates[s.start].isoformat(), status=st, clear_share=shares,
                                   area_ha=areas, footprint={d: json.loads(g) for d, g in fps.items()}))
    with open(os.path.join(out, "series_truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    if not quiet:
        for s in truth["sites"]:
            print(s["id"], " ".join("%s:%s" % (d[5:], v) for d, v in sorted(s["status"].items())))
    return truth
