"""The measuring protocol of scripts/train.py: spatially blocked folds, the
operating point, and the site-level check against Amazon Mining Watch.

Everything a model's settings are chosen by is computed out-of-fold on the
train split: real pairs are grouped in cells of CELL_KM x CELL_KM around
their centre lon/lat and every cell goes to one fold, so two pairs closer
than a cell never sit on both sides of a fold; generated pairs go to folds
by seed (a seed is a scene). The val split is scored once, at the end, by
the model chosen without it.
"""
import csv
import math
import os

import numpy as np

CELL_KM = 50.0
AMW = "/work/shared/data/amazon-mining-watch-gt/yearly_footprints"


def cell_of(lon, lat, km=CELL_KM):
    """The (row, column) of the km x km cell holding lon/lat (equal-area
    enough at these latitudes: columns shrink with cos(lat))."""
    y = lat * 111.32 / km
    x = lon * 111.32 * math.cos(math.radians(lat)) / km
    return (math.floor(y), math.floor(x))


def blocked_folds(rows, k, km=CELL_KM):
    """{sample_id: fold} with whole cells per fold, folds balanced by pair
    count (largest cells first, each to the fold with fewest pairs; ties to
    the lower fold). Deterministic."""
    cells = {}
    for r in rows:
        cells.setdefault(cell_of(float(r["longitude"]), float(r["latitude"]), km), []).append(r["sample_id"])
    size = [0] * k
    fold = {}
    for c, ids in sorted(cells.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        f = min(range(k), key=lambda i: (size[i], i))
        size[f] += len(ids)
        for i in ids:
            fold[i] = f
    return fold


def split_rows(data, split):
    path = os.path.join(data, "dataset_%s.csv" % split)
    with open(path) as f:
        return list(csv.DictReader(f))


def shared_cells(rows_a, rows_b, km=CELL_KM):
    """Pairs of rows_b whose cell also holds a pair of rows_a."""
    ca = {cell_of(float(r["longitude"]), float(r["latitude"]), km) for r in rows_a}
    return sum(1 for r in rows_b if cell_of(float(r["longitude"]), float(r["latitude"]), km) in ca)


# ---- Amazon Mining Watch footprints ----
_LAYERS = {}


def _layers(ref_dir):
    from osgeo import ogr
    if ref_dir not in _LAYERS:
        out = []
        for name in sorted(os.listdir(ref_dir)):
            if name.startswith("mining_") and name.endswith(".geojson") and name[7:11].isdigit():
                ds = ogr.Open(os.path.join(ref_dir, name))
                out.append((int(name[7:11]), ds, ds.GetLayer(0)))
        _LAYERS[ref_dir] = out
    return [(y, lyr) for y, _d, lyr in _LAYERS[ref_dir]]


def amw_footprint(lon, lat, last_year, ref_dir=AMW, half_m=400.0):
    """The union (OGR, lon/lat) of AMW's footprints mapped by last_year
    within half_m of lon/lat, or None when AMW maps none there."""
    from osgeo import ogr
    if not os.path.isdir(ref_dir):
        return None
    dlat = half_m / 111320.0
    dlon = dlat / max(math.cos(math.radians(lat)), 0.1)
    box = ogr.CreateGeometryFromWkt("POLYGON((%r %r,%r %r,%r %r,%r %r,%r %r))" % (
        lon - dlon, lat - dlat, lon + dlon, lat - dlat, lon + dlon, lat + dlat, lon - dlon, lat + dlat,
        lon - dlon, lat - dlat))
    union = None
    for year, lyr in _layers(ref_dir):
        if year > last_year:
            continue
        lyr.SetSpatialFilterRect(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        for f in lyr:
            g = f.GetGeometryRef()
            if g is None or not g.Intersects(box):
                continue
            g = g.Clone()
            if not g.IsValid():
                g = g.Buffer(0)
            union = g if union is None else union.Union(g)
        lyr.SetSpatialFilter(None)
    return union


def sites_on(footprint, features):
    """[bool] per GeoJSON feature: does its outline overlap the footprint."""
    import json
    from osgeo import ogr
    out = []
    for f in features:
        if footprint is None:
            out.append(False)
            continue
        g = ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
        out.append(bool(g is not None and g.Intersects(footprint)))
    return out


# ---- figures ----
def confusion(flags, labels):
    tp = sum(1 for f, y in zip(flags, labels) if f and y)
    fn = sum(1 for f, y in zip(flags, labels) if not f and y)
    fp = sum(1 for f, y in zip(flags, labels) if f and not y)
    tn = sum(1 for f, y in zip(flags, labels) if not f and not y)
    rat = (lambda a, b: a / b if b else None)
    return dict(recall=rat(tp, tp + fn), specificity=rat(tn, tn + fp), precision=rat(tp, tp + fp),
                tp=tp, fn=fn, fp=fp, tn=tn)


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def pair_flags(pairs, zs, a, b, thr):
    """Flag of each pair: any site with calibrated P >= thr."""
    return [bool(len(z)) and bool(sigmoid(a * np.max(z) + b) >= thr) for z in zs]


def site_figures(p, y, area, thr, min_area):
    """Generated sites: precision per alert, recall per mining site (both >= min_area)."""
    keep = area >= min_area
    flag = (p >= thr) & keep
    tp, fp = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum())
    pos = int(((y == 1) & keep).sum())
    return dict(precision=tp / (tp + fp) if tp + fp else None, recall=tp / pos if pos else None, tp=tp, fp=fp,
                mining=pos)


def amw_share(pairs, zs, amw, a, b, thr):
    """Alerts (sites at P >= thr) of pairs where AMW maps mining by the
    second date, and how many of them overlap AMW's footprint."""
    n = hit = 0
    for pid, z, on in zip(pairs, zs, amw):
        if on is None or not len(z):
            continue
        p = sigmoid(a * np.asarray(z) + b)
        for pi, o in zip(p, on):
            if pi >= thr:
                n += 1
                hit += bool(o)
    return dict(alerts=n, on_mapped_mining=hit, share=hit / n if n else None)


THRESHOLDS = np.round(np.arange(0.50, 0.951, 0.01), 2)


def choose_operating_point(real_z, syn_p_fn, spec_min, gen_min=0.90):
    """The threshold (0.50..0.95 on the calibrated P) for the out-of-fold
    scores: real specificity >= spec_min and generated precision and recall
    >= gen_min, the highest real recall among those (ties: the lower
    threshold). Without one: the highest real recall at spec_min, then the
    best specificity. real_z: (a, b)-calibrated flag function per threshold.
    Returns (thr, feasible)."""
    best = None
    for thr in THRESHOLDS:
        rc = real_z(thr)
        g = syn_p_fn(thr)
        ok_real = rc["specificity"] is not None and rc["specificity"] >= spec_min
        ok_gen = (g["precision"] or 0) >= gen_min and (g["recall"] or 0) >= gen_min
        key = (ok_real and ok_gen, ok_real, round(rc["recall"] or 0, 6) if ok_real else -1.0,
               round(rc["specificity"] or 0, 6), -thr)
        if best is None or key > best[0]:
            best = (key, float(thr))
    return best[1], best[0][0]
