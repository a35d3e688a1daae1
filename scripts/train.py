#!/usr/bin/python3
"""Train the site classifiers of models/ (features -> class and calibrated confidence).

    scripts/train.py [--minewatch build/src/cli/minewatch] [--work DIR] [--jobs 2] [--out models]
                     [--sensor sentinel2|landsat|both] [--dry-run]

Deterministic (fixed seeds and data, fixed random_state). Writes
models/sentinel2.json, models/landsat.json and models/generic.json (a mirror
of the Sentinel-2 classifier with the generic change thresholds), each with a
"training" object: data, folds, the choice and its out-of-fold figures, every
candidate measured, and the val figures scored once.

The protocol (what makes the figures worth anything)
  * Real pairs: sat-mining-detector-patches, train split only, in 5
    spatially blocked folds: pairs grouped by 50 km cells around their
    centre lon/lat, whole cells per fold (scripts/protocol.py), so
    neighbours never sit on both sides. For the Landsat model the same
    pairs made Landsat-like (scripts/make_landsat_patches.py: the HLS
    bandpass adjustment MSI -> OLI, averaged to 30 m).
  * Generated pairs: gen_scenes.py --lookalikes --look train (mining with
    brown, milky, mixed or no ponds, laterite or dark soils, dense or open
    forest, haze 0-0.3, noise 1-1.5x), seeds 101..; folds by seed. tests/accuracy scores the
    models on held-out seeds with the looks of the `shifted` pool, which no
    choice here ever sees.
  * Chosen out-of-fold on train only: the change thresholds (a few
    candidates per sensor, CHANGE_CANDIDATES), the feature set
    (FEATURE_SETS: all, physical, minimal) and the number of trees
    (TREE_SIZES), then Platt calibration fitted on the out-of-fold scores
    and the threshold (0.50..0.95) that keeps out-of-fold real specificity
    >= SPEC_MIN and generated precision and recall >= 0.90 with the highest
    real recall. Ranking of candidates: feasible, then real recall, then
    specificity, then generated figures, then fewer features and trees.
  * Val is scored once, by the model fitted on the whole train split with
    the chosen settings; the gap to the out-of-fold figures is reported.
    Val chooses nothing.
  * Site-level truth: where Amazon Mining Watch maps mining around a pair
    by the end of its second date, the share of the pair's alerts (sites at
    P >= threshold) whose outline overlaps that footprint.

Labels. A generated site (one feature of `scan --min-confidence 0
--min-area 0`) is mining when it overlaps a `mining` truth polygon. Real
labels are per pair (multiple instance): every site of a non-mining pair is
a negative, and of a mining pair only the site the model finds most
mining-like is a positive (logistic model first, then the trees reselect);
the other sites of a mining pair are left out. A pair is flagged by its best
site, as scripts/score_patches.py judges it.

Model: gradient-boosted trees (scikit-learn GradientBoostingClassifier,
depth 2, fixed random_state; Debian python3-sklearn, needed only here),
evaluated in C by src/model/trees.c; --classifier logistic keeps an L2
logistic regression.
"""
import argparse
import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import protocol  # noqa: E402
import score as scoremod  # noqa: E402

PATCHES = "/work/shared/data/sat-mining-detector-patches"
# Generated pairs to fit on: seeds 101..100+N. tests/accuracy uses 9001.. .
TRAIN_SEED_COUNT = {"sentinel2": 24, "landsat": 48}
LOOK = "train"                            # gen_scenes.py --look of the generated pairs
SIZES = {"sentinel2": 700, "landsat": 450}
N_SITES = 8                               # gen_scenes.py --sites (more mining sites per pair)
PATCH_MIN_AREA = 0.1                      # what score_patches.py passes (see README)
SCENE_MIN_AREA = 0.5                      # the default --min-area
K_FOLDS = 5
# the operating point: real out-of-fold specificity at least this
SPEC_MIN = {"sentinel2": 0.95, "landsat": 0.90}
TREE_SIZES = (150, 400)
DEFAULT_SET, DEFAULT_TREES = "all", 400   # the classifier the change candidates are judged with
# Change thresholds tried per sensor (overrides of the model's "change"):
# the model's own and the best of the wider grid that
# scripts/train_experiments.py measures out-of-fold (CHANGE_GRID; each
# setting scanned once through the library, the classifier fitted per fold).
CHANGE_CANDIDATES = {
    "sentinel2": [{}, {"veg_ndvi_before": 0.35, "ndvi_drop": 0.10}],
    "landsat": [{}, {"veg_ndvi_before": 0.45, "ndvi_drop": 0.15, "bsi_rise": 0.08, "ndti_rise": 0.05}],
}
FEATURES = [
    "water_share", "log_pond_count", "after_water_ndti", "bbox_fill", "compactness",
    "context_disturbed_share", "veg_loss_share", "bare_share", "log_area_ha",
    "river_turbidity_change", "dist_water_m", "mean_dndvi", "mean_dndti", "mean_dbsi",
    "mean_dmndwi", "before_ndvi", "after_ndvi", "after_mndwi", "after_bsi",
    "ring_water_share", "ring_bare_share", "ring_ndvi", "turbid_water_fraction",
    "valid_fraction",
]
# reflectance evidence (alert properties)
REFLECTANCE = ["after_vis", "after_swir", "vis_change", "bare_vis", "water_vis", "water_red_green",
               "water_nir", "before_disturbed_share"]
# ring context at both dates: real mining grows out of a mosaic of ponds
# and sand (src/sites/ring_context.c)
CONTEXT = ["log_ring_ponds_before", "log_ring_ponds_after", "ring_mosaic_before", "ring_mosaic_after",
           "ring_texture_before", "ring_texture_after", "ring_water_ndti", "ring_loss_share"]
# colour ratios of the site's bare ground and water (src/sites/colour.c):
# what sensors agree on where absolute brightness is not (haze, soil,
# calibration): fresh sand and tailings bright at 1.6 um, kaolinite spoil's
# SWIR1/SWIR2, laterite's red over blue, milky / turquoise ponds' blue near
# green; and the share of the site where existing water turned turbid
COLOUR = ["bare_swir1", "bare_clay_ratio", "bare_red_blue", "water_blue_green", "turbidity_rise_share"]
ALL_FEATURES = FEATURES + CONTEXT + REFLECTANCE + COLOUR
# Fewer features, each with a physical reading, for the out-of-fold
# comparison: "physical" keeps what a site's change is made of (loss, bare
# ground, water, its turbidity), the index changes, the after state, shape,
# size and the mosaic context; "minimal" the core of it. No valid_fraction,
# texture or raw reflectance levels (which follow the sensor, haze and soil
# colour more than the land use).
PHYSICAL = ["veg_loss_share", "bare_share", "water_share", "log_pond_count", "turbid_water_fraction",
            "mean_dndvi", "mean_dndti", "mean_dbsi", "mean_dmndwi", "after_ndvi", "after_mndwi", "after_bsi",
            "log_area_ha", "compactness", "bbox_fill", "dist_water_m", "river_turbidity_change",
            "context_disturbed_share", "log_ring_ponds_before", "log_ring_ponds_after", "ring_mosaic_before",
            "ring_mosaic_after", "ring_loss_share"]
MINIMAL = ["veg_loss_share", "bare_share", "water_share", "log_pond_count", "mean_dndvi", "mean_dbsi",
           "mean_dmndwi", "after_mndwi", "log_area_ha", "compactness", "ring_mosaic_after"]
# absolute reflectance levels (after_vis, after_swir, bare_vis, water_vis,
# water_nir) follow haze, soil and sensor; "ratios" replaces them by COLOUR
RATIOS = [f for f in FEATURES + CONTEXT + REFLECTANCE
          if f not in ("after_vis", "after_swir", "bare_vis", "water_vis", "water_nir")] + COLOUR
SENSOR_SETS = {"sentinel2": {"all": FEATURES + CONTEXT, "physical": PHYSICAL, "minimal": MINIMAL,
                             "colour": FEATURES + CONTEXT + COLOUR},
               "landsat": {"all": FEATURES + CONTEXT + REFLECTANCE, "physical": PHYSICAL, "minimal": MINIMAL,
                           "colour": FEATURES + CONTEXT + REFLECTANCE + COLOUR, "ratios": RATIOS}}
L2 = 1.0


def log(*a):
    sys.stderr.write(" ".join(str(x) for x in a) + "\n")
    sys.stderr.flush()


# ---- features of a site (the same derived features as src/model/model.c) ----
def feature_row(p, area_ha):
    def g(k):
        v = p.get(k)
        return float("nan") if v is None else float(v)
    a = area_ha
    share = (lambda x: x / a if a > 0 else float("nan"))
    nw, tw = g("new_water_ha"), g("turbid_water_ha")
    d = {
        "log_area_ha": math.log(max(a, 0.01)),
        "log_pond_count": math.log1p(g("pond_count")),
        "veg_loss_share": share(g("veg_loss_ha")),
        "bare_share": share(g("bare_soil_ha")),
        "turbid_water_fraction": tw / (nw + tw) if nw + tw > 0 else float("nan"),
        "log_ring_ponds_before": math.log1p(max(g("ring_pond_count_before"), 0)),
        "log_ring_ponds_after": math.log1p(max(g("ring_pond_count_after"), 0)),
        "turbidity_rise_share": share(g("turbidity_rise_ha")),
    }
    return [d[k] if k in d else g(k) for k in ALL_FEATURES]


# ---- running minewatch ----
_MW = {}


def minewatch_context(mw):
    """The Python module over the libminewatch of @mw's build tree and one
    context for every scan of this process: each model file is read once."""
    if "ctx" not in _MW:
        import score_patches
        _MW["module"] = score_patches.load_minewatch(mw)
        _MW["ctx"] = _MW["module"].Context()
    return _MW["module"], _MW["ctx"]


def scan(mw, before, after, out, model=None, extra=(), may_fail=False):
    """Features of every site (scan --min-confidence 0 --min-area 0), cached in out.
    A failed run is fatal unless may_fail (a real pair with no clear pixel: no sites)."""
    if os.path.exists(out + ".failed"):
        return []
    if os.path.exists(out):
        feats = json.load(open(out))["features"]
        # a scan cached by an older minewatch lacks newer properties: redo it
        if not feats or all(k in feats[0]["properties"] for k in REFLECTANCE + ["ring_loss_share"]):
            return feats
        os.remove(out)
    module, ctx = minewatch_context(mw)
    import score_patches
    try:
        ctx.scan(before, after, threads=1, min_confidence=0, min_area=0, model=model,
                 output=out + ".tmp.geojson", **score_patches.scan_options(list(extra)))
    except module.MinewatchError as e:
        if not may_fail:
            raise SystemExit("train.py: scan %s %s failed: %s" % (before, after, e))
        log("note: no sites for %s: %s" % (os.path.basename(before), e))
        open(out + ".failed", "w").write(str(e) + "\n")
        return []
    os.replace(out + ".tmp.geojson", out)
    return json.load(open(out))["features"]


def gen_pair(seed, sensor, size, out, layout="stack"):
    if os.path.exists(os.path.join(out, "truth.geojson")):
        return
    cmd = ["/usr/bin/python3", os.path.join(HERE, "gen_scenes.py"), "--seed", str(seed), "--sensor", sensor,
           "--layout", layout, "--size", str(size), "--sites", str(N_SITES), "--lookalikes", "--out", out, "--quiet"]
    if LOOK:
        cmd += ["--look", LOOK]
    subprocess.run(cmd, check=True)


def layout_of(seed):
    """Odd seeds as per-band product folders, even ones as stacks: the folder
    layout reads Sentinel-2 SWIR/SCL at 20 m, which changes the features."""
    return "folder" if seed % 2 else "stack"


def synthetic_sites(mw, pairs, work, sensor, seeds, model):
    """[(features, label, seed)] for every site >= SCENE_MIN_AREA/2 of the pairs.
    Pairs live in `pairs` (they do not depend on the model), scans in `work`."""
    def one(seed):
        layout = layout_of(seed)
        name = "%s_%s_%d%s" % (sensor, layout, seed, "_" + LOOK.replace("=", "-").replace(",", "_") if LOOK else "")
        d = os.path.join(pairs, name)
        gen_pair(seed, sensor, SIZES[sensor], d, layout)
        ext = ".tif" if layout == "stack" else ""
        sites = os.path.join(work, name + ".geojson")
        feats = scan(mw, os.path.join(d, "before" + ext), os.path.join(d, "after" + ext), sites, model)
        truth = scoremod.load(os.path.join(d, "truth.geojson"))
        mining = [t for t in truth if t["props"].get("kind") == "mining"]
        alerts = scoremod.load(sites)
        rows = []
        for a in alerts:
            area = float(a["props"]["area_ha"])
            if area < SCENE_MIN_AREA / 2:
                continue
            lab = int(any(scoremod.overlap(a, t) > 0 for t in mining))
            rows.append((feature_row(a["props"], area), lab, seed))
        return rows
    with cf.ThreadPoolExecutor(JOBS) as ex:
        out = []
        for r in ex.map(one, seeds):
            out += r
    return out


def patch_sites(mw, work, data, split, model):
    """{pair id: dict(label, X: feature rows of its sites >= PATCH_MIN_AREA,
    amw: per site whether it overlaps Amazon Mining Watch's footprint mapped
    by the end of the second date, or None where AMW maps none there)}."""
    rows = protocol.split_rows(data, split)
    os.makedirs(os.path.join(work, "patches_" + split), exist_ok=True)

    def one(r):
        sid = r["sample_id"]
        out = os.path.join(work, "patches_" + split, sid + ".geojson")
        feats = scan(mw, os.path.join(data, split, sid + "_t0.tif"), os.path.join(data, split, sid + "_t1.tif"),
                     out, model, may_fail=True)
        feats = [f for f in feats if float(f["properties"]["area_ha"]) >= PATCH_MIN_AREA]
        return sid, dict(label=int(r["label"]), X=[feature_row(f["properties"], float(f["properties"]["area_ha"]))
                                                    for f in feats], feats=feats, row=r)
    with cf.ThreadPoolExecutor(JOBS) as ex:
        pairs = dict(ex.map(one, rows))
    # AMW footprints around each pair (OGR, one thread; cached for every
    # scan setting and sensor), then which sites overlap them
    from osgeo import ogr
    cache = os.path.join(os.path.dirname(work), "amw_footprints_%s.json" % split)
    wkt = json.load(open(cache)) if os.path.exists(cache) else {}
    if set(wkt) != set(pairs):
        for sid, p in sorted(pairs.items()):
            r = p["row"]
            fp = protocol.amw_footprint(float(r["longitude"]), float(r["latitude"]), int(r["t1_end"][:4]),
                                        half_m=300)
            wkt[sid] = None if fp is None else fp.ExportToWkt()
        json.dump(wkt, open(cache + ".tmp", "w"))
        os.replace(cache + ".tmp", cache)
    amw = {sid: None if wkt[sid] is None else protocol.sites_on(ogr.CreateGeometryFromWkt(wkt[sid]), p["feats"])
           for sid, p in pairs.items()}
    for sid, p in pairs.items():
        p["amw"] = amw[sid]
        del p["feats"], p["row"]
    return pairs


# ---- logistic regression ----
def standardise(X):
    Xf = np.where(np.isfinite(X), X, np.nan)
    mean = np.nanmean(Xf, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    scale = np.nanstd(Xf, axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 1e-6), scale, 1.0)
    return mean, scale


def transform(X, mean, scale):
    Z = (X - mean) / scale
    return np.where(np.isfinite(Z), Z, 0.0)   # a NaN feature counts as its mean (model.c)


def fit_logistic(Z, y, w, l2=L2, iters=50):
    """Weighted L2 logistic regression by Newton/IRLS; returns (coef, intercept)."""
    n, k = Z.shape
    A = np.hstack([Z, np.ones((n, 1))])
    beta = np.zeros(k + 1)
    reg = np.full(k + 1, l2)
    reg[-1] = 0.0
    for _ in range(iters):
        z = A @ beta
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = A.T @ (w * (p - y)) + reg * beta
        H = (A * (w * p * (1 - p))[:, None]).T @ A + np.diag(reg) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(H, g)
        beta -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta[:-1], beta[-1]


def fit_platt(z, y):
    """P = sigmoid(a z + b), a > 0, by Newton on the (Platt-smoothed) targets."""
    npos, nneg = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (npos + 1) / (npos + 2), 1 / (nneg + 2))
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(a * z + b, -30, 30)))
        g = np.array([np.sum((p - t) * z), np.sum(p - t)])
        s = p * (1 - p)
        H = np.array([[np.sum(s * z * z), np.sum(s * z)], [np.sum(s * z), np.sum(s)]]) + 1e-9 * np.eye(2)
        d = np.linalg.solve(H, g)
        a, b = a - d[0], b - d[1]
        if np.max(np.abs(d)) < 1e-10:
            break
    return max(a, 1e-3), b


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


# ---- training of one sensor model ----
def add_real(X, y, w, N, P, real_weight):
    """Append the real negative sites N and positive instances P to the
    lists of rows, labels and weights: each side weighs real_weight / 2 in
    all, spread evenly over its rows."""
    X += [N, P]
    y += [np.zeros(len(N)), np.ones(len(P))]
    w += [np.full(len(N), real_weight * 0.5 / max(len(N), 1)),
          np.full(len(P), real_weight * 0.5 / max(len(P), 1))]


def fit(cfg, syn, pairs, real_weight):
    """Fit one classifier on generated sites `syn` [(row, label, seed)] and
    real pairs {id: pair} with the settings cfg (feature columns, trees).
    Returns site_z(X) -> log-odds, X rows over ALL_FEATURES."""
    cols = cfg["cols"]
    if GEN_WEIGHT <= 0:
        syn = []                                  # real pairs only
    Xs = np.array([r[0] for r in syn], float).reshape(-1, len(ALL_FEATURES))[:, cols]
    ys = np.array([r[1] for r in syn], float)
    use_real = real_weight > 0 and bool(pairs)
    pos_ids = [k for k, p in sorted(pairs.items()) if p["label"] == 1 and p["X"]] if use_real else []
    neg_rows = [x for k, p in sorted(pairs.items()) if p["label"] == 0 for x in p["X"]] if use_real else []
    sub = (lambda X: np.array(X, float).reshape(-1, len(ALL_FEATURES))[:, cols])
    Zpos = {k: sub(pairs[k]["X"]) for k in pos_ids}
    N = sub(neg_rows) if neg_rows else np.zeros((0, len(cols)))
    allX = [Xs, N] + [Zpos[k] for k in pos_ids]
    mean, scale = standardise(np.vstack(allX))
    Zs = transform(Xs, mean, scale)
    ws = GEN_WEIGHT * np.where(ys == 1, 0.5 / max(ys.sum(), 1), 0.5 / max((1 - ys).sum(), 1))  # classes balanced
    Zn = transform(N, mean, scale)
    Zp = {k: transform(Zpos[k], mean, scale) for k in pos_ids}
    ia = cols.index(ALL_FEATURES.index("log_area_ha")) if ALL_FEATURES.index("log_area_ha") in cols else 0
    pick = {k: int(np.argmax(Zpos[k][:, ia])) for k in pos_ids}        # start: the largest site
    coef = icpt = None
    for _round in range(5 if pos_ids else 1):
        Zr, yr, wr = [Zs], [ys], [ws]
        if pos_ids:
            add_real(Zr, yr, wr, Zn, np.array([Zp[k][pick[k]] for k in pos_ids]), real_weight)
        coef, icpt = fit_logistic(np.vstack(Zr), np.concatenate(yr), np.concatenate(wr) * 1000.0)
        if not pos_ids:
            break
        newpick = {k: int(np.argmax(Zp[k] @ coef)) for k in pos_ids}
        if newpick == pick:
            break
        pick = newpick

    def lr_z(X):
        return transform(sub(X), mean, scale) @ coef + icpt
    if CLASSIFIER != "trees":
        return lr_z, dict(mean=mean, scale=scale, coef=coef, intercept=icpt, gbt=None)
    g = fit_trees(Xs, ys, ws, N, {k: Zpos[k] for k in pos_ids}, pos_ids,
                  lambda X: transform(X, mean, scale) @ coef + icpt, real_weight, cfg["trees"])
    return (lambda X: g.decision_function(nan_to_missing(sub(X)))), dict(gbt=g)


def out_of_fold(cfg, data, real_weight):
    """Out-of-fold log-odds of every generated site and every real pair's
    sites: each fold scored by a model fitted on the other folds only."""
    syn, sfold, pairs, pfold = data["syn"], data["syn_fold"], data["pairs"], data["pair_fold"]
    zs = np.zeros(len(syn))
    zr = {}
    for f in range(K_FOLDS):
        site_z, _m = fit(cfg, [r for r, fo in zip(syn, sfold) if fo != f],
                         {k: p for k, p in pairs.items() if pfold[k] != f}, real_weight)
        idx = [i for i, fo in enumerate(sfold) if fo == f]
        if idx:
            zs[idx] = site_z([syn[i][0] for i in idx])
        for k, p in pairs.items():
            if pfold[k] == f:
                zr[k] = site_z(p["X"]) if p["X"] else np.zeros(0)
    return zs, zr


def operating_point(zs, zr, data, spec_min):
    """Platt calibration and threshold from out-of-fold scores (train only)."""
    syn, pairs = data["syn"], data["pairs"]
    ys = np.array([r[1] for r in syn], float)
    area = np.exp(np.array([r[0][ALL_FEATURES.index("log_area_ha")] for r in syn]))
    ids = sorted(pairs)
    best = [(float(np.max(zr[k])), pairs[k]["label"]) for k in ids if len(zr[k])]
    zc = np.concatenate([zs, [z for z, _ in best]])
    yc = np.concatenate([ys, [y for _, y in best]]).astype(float)
    a, b = fit_platt(zc, yc)
    labels = [pairs[k]["label"] for k in ids]
    zl = [zr[k] for k in ids]
    real_at = (lambda thr: protocol.confusion(protocol.pair_flags(ids, zl, a, b, thr), labels))
    ps = protocol.sigmoid(a * zs + b)
    gen_at = (lambda thr: protocol.site_figures(ps, ys, area, thr, SCENE_MIN_AREA))
    thr, feasible = protocol.choose_operating_point(real_at, gen_at, spec_min)
    amw = protocol.amw_share(ids, zl, [pairs[k]["amw"] for k in ids], a, b, thr)
    return dict(a=a, b=b, threshold=thr, feasible=feasible, real=real_at(thr) if ids else None,
                generated=gen_at(thr), amw=amw)


def score_pairs(site_z, pairs, a, b, thr):
    ids = sorted(pairs)
    zl = [site_z(pairs[k]["X"]) if pairs[k]["X"] else np.zeros(0) for k in ids]
    res = protocol.confusion(protocol.pair_flags(ids, zl, a, b, thr), [pairs[k]["label"] for k in ids])
    res["amw"] = protocol.amw_share(ids, zl, [pairs[k]["amw"] for k in ids], a, b, thr)
    return res


def select(sensor, data, real_weight, candidates, log_rows):
    """Evaluate each candidate out-of-fold; return (best cfg, its operating point)."""
    best = None
    for cfg in candidates:
        zs, zr = out_of_fold(cfg, data, real_weight)
        op = operating_point(zs, zr, data, SPEC_MIN[sensor])
        r, g = op["real"] or {}, op["generated"]
        key = rank_key(cfg, op)
        row = "%-9s %-10s %3d trees: threshold %.2f%s real recall %s spec %s | generated P %s R %s | " \
              "alerts on AMW mining %s" % (sensor, cfg["name"], cfg["trees"], op["threshold"],
                                             "" if op["feasible"] else " (no feasible point)",
                                             f3(r.get("recall")), f3(r.get("specificity")),
                                             f3(g["precision"]), f3(g["recall"]), f3(op["amw"]["share"]))
        log(row)
        log_rows.append(dict(cfg=cfg_record(cfg), _cfg=cfg, **op))
        if best is None or key > best[0]:
            best = (key, cfg, op)
    return best[1], best[2]


def rank_key(cfg, op):
    r, g = op["real"] or {}, op["generated"]
    return (op["feasible"], round(r.get("recall") or 0, 4), round(r.get("specificity") or 0, 4),
            round(((g["precision"] or 0) + (g["recall"] or 0)) / 2, 4), -len(cfg["cols"]), -cfg["trees"])


def pick_best(evaluated, extra):
    """The best (cfg, operating point) of `extra` and the evaluated
    candidates measured under the same change thresholds."""
    pool = list(extra)
    ch = json.dumps(extra[0][0].get("change"), sort_keys=True) if extra else None
    for e in evaluated:
        if e.get("_cfg") is not None and json.dumps(e["_cfg"].get("change"), sort_keys=True) == ch:
            pool.append((e["_cfg"], {k: v for k, v in e.items() if k not in ("cfg", "_cfg")}))
    return max(pool, key=lambda co: rank_key(*co))


def f3(x):
    return "n/a" if x is None else "%.3f" % x


def cfg_record(cfg):
    return dict(name=cfg["name"], trees=cfg["trees"], change=cfg.get("change", "model"),
                features=[ALL_FEATURES[i] for i in cfg["cols"]])


# ---- gradient-boosted trees (--classifier trees) ----
MISSING = -9.0          # value of a NaN feature for the trees (below every real feature)
GBT = dict(n_estimators=400, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=0)


def nan_to_missing(X):
    X = np.array(X, float)
    return np.where(np.isfinite(X), X, MISSING)


def fit_trees(Xs, ys, ws, N, pos_rows, pos_ids, lr_z, real_weight, n_trees):
    """Boosted trees on the same sites and weights as the logistic model;
    the positive instance of each real mining pair starts as the logistic
    model's pick and is reselected by the trees (up to 3 rounds).
    scikit-learn (Debian python3-sklearn) fits; the C scorer
    (src/model/trees.c) only evaluates."""
    from sklearn.ensemble import GradientBoostingClassifier
    pick = {k: int(np.argmax(lr_z(pos_rows[k]))) for k in pos_ids}
    Nm = nan_to_missing(N)
    g = None
    for _round in range(3 if real_weight > 0 and pos_ids else 1):
        X, y, w = [nan_to_missing(Xs)], [ys], [ws]
        if real_weight > 0 and pos_ids:
            add_real(X, y, w, Nm, nan_to_missing([pos_rows[k][pick[k]] for k in pos_ids]), real_weight)
        g = GradientBoostingClassifier(**dict(GBT, n_estimators=n_trees)).fit(
            np.vstack(X), np.concatenate(y), sample_weight=np.concatenate(w) * 1000.0)
        if not (real_weight > 0 and pos_ids):
            break
        newpick = {k: int(np.argmax(g.decision_function(nan_to_missing(pos_rows[k])))) for k in pos_ids}
        if newpick == pick:
            break
        pick = newpick
    return g


def trees_json(g, n_features):
    """The fitted trees in the model-file layout (models/README.md)."""
    x0 = np.zeros((1, n_features))
    leaves = sum(e[0].predict(x0.astype(np.float32))[0] for e in g.estimators_)
    base = float(g.decision_function(x0)[0] - GBT["learning_rate"] * leaves)
    trees = []
    for e in g.estimators_:
        t = e[0].tree_
        trees.append({
            "feature": [int(f) if l != -1 else -1 for f, l in zip(t.feature, t.children_left)],
            "threshold": [float(v) if l != -1 else 0.0 for v, l in zip(t.threshold, t.children_left)],
            "left": [int(v) for v in t.children_left], "right": [int(v) for v in t.children_right],
            "value": [float("%.10g" % v) for v in t.value[:, 0, 0]]})
    return {"missing": MISSING, "base": float("%.12g" % base), "learning_rate": GBT["learning_rate"],
            "trees": trees}


def r4(x):
    return None if x is None else round(float(x), 4)


def rounded(d):
    if isinstance(d, dict):
        return {k: rounded(v) for k, v in d.items()}
    return r4(d) if isinstance(d, float) else d


def scan_model_file(work, sensor, base, change):
    """A copy of the current model with the candidate change thresholds
    (the scans' features depend on the change thresholds and site settings,
    not on the classifier)."""
    sc = dict(base)
    sc["change"] = dict(base["change"], **change)
    path = os.path.join(work, "scan_%s_%08x.json" % (sensor, hash_str(json.dumps(sc["change"], sort_keys=True))))
    json.dump(sc, open(path, "w"), indent=2)
    return path, sc


def load_data(mw, a, sensor, base, change, val=True):
    """Generated train sites and real train (and val) pairs scanned with the
    change thresholds `change`; folds for both."""
    scan_model, sc = scan_model_file(a.work, sensor, base, change)
    data_dir = real_dir(sensor, a)
    tag = json.dumps([sc["change"], sc["sites"], N_SITES, LOOK], sort_keys=True)
    if data_dir and os.path.basename(data_dir) not in ("sat-mining-detector-patches", "landsat-patches"):
        tag += data_dir                     # other real pairs: scans of their own
    work = os.path.join(a.work, "%s_%08x" % (sensor, hash_str(tag)))
    os.makedirs(work, exist_ok=True)
    seeds = list(range(101, 101 + (a.train_seeds or TRAIN_SEED_COUNT[sensor])))
    log("[%s] generated pairs (--look %s), seeds %d..%d; change %s" % (sensor, LOOK, seeds[0], seeds[-1],
                                                                       json.dumps(change) if change else "as in the model"))
    syn = synthetic_sites(mw, os.path.join(a.work, "pairs"), work, sensor, seeds, scan_model)
    pairs = val_pairs = {}
    pair_fold = {}
    if data_dir and a.real_weight > 0:
        log("[%s] real pairs from %s" % (sensor, data_dir))
        pairs = patch_sites(mw, work, data_dir, "train", scan_model)
        val_pairs = patch_sites(mw, work, data_dir, "val", scan_model) if val else {}
        pair_fold = protocol.blocked_folds(protocol.split_rows(data_dir, "train"), K_FOLDS)
    return dict(syn=syn, syn_fold=[r[2] % K_FOLDS for r in syn], pairs=pairs, pair_fold=pair_fold, val=val_pairs,
                seeds=seeds, data_dir=data_dir)


def real_dir(sensor, a):
    """The real pairs of a sensor: the Sentinel-2 patches, or (Landsat) the
    same pairs made Landsat-like by scripts/make_landsat_patches.py."""
    if not os.path.isdir(os.path.join(PATCHES, "train")):
        return None
    if sensor == "sentinel2":
        return PATCHES
    out = os.path.join(a.work, "landsat-patches")
    if not os.path.isfile(os.path.join(out, "dataset_val.csv")):
        import make_landsat_patches
        make_landsat_patches.main(["--data", PATCHES, "--out", out])
    return out


def candidates(sensor, a):
    sets = SENSOR_SETS[sensor]
    out = []
    for name in (a.feature_sets or list(sets)):
        for trees in (a.trees or TREE_SIZES):
            out.append(dict(name=name, trees=trees, cols=[ALL_FEATURES.index(f) for f in sets[name]]))
    return out


def train_sensor(mw, a, sensor):
    """Choose change thresholds, features and model size out-of-fold on the
    train split, fit on all of it, score val once. Returns the model dict."""
    base = json.load(open(os.path.join(a.out, sensor + ".json")))
    base_change = {k: base["change"][k] for k in base["change"]}
    evaluated = []
    real_weight = a.real_weight
    # 1. change thresholds, judged with the default classifier settings
    default = [c for c in candidates(sensor, a) if c["name"] == DEFAULT_SET and c["trees"] == DEFAULT_TREES] or \
        candidates(sensor, a)[:1]
    best = None
    changes = CHANGE_CANDIDATES[sensor] if not a.quick else [{}]
    for ch in changes:
        data = load_data(mw, a, sensor, base, ch)
        cfg = dict(default[0], change=ch or "model")
        _c, op = select(sensor, data, real_weight, [cfg], evaluated)
        r = op["real"] or {}
        key = (op["feasible"], round(r.get("recall") or 0, 4), round(r.get("specificity") or 0, 4))
        if best is None or key > best[0]:
            best = (key, ch, data)
    _k, change, data = best
    # 2. feature sets at the default size, then the smaller size for the best set
    cands = [dict(c, change=change or "model") for c in candidates(sensor, a)]
    first = [c for c in cands if c["trees"] == DEFAULT_TREES and c["name"] != DEFAULT_SET] or cands
    cfg, op = select(sensor, data, real_weight, first, evaluated)
    cfg, op = pick_best(evaluated, [(cfg, op)])
    second = [c for c in cands if c["name"] == cfg["name"] and c["trees"] != DEFAULT_TREES]
    if second:
        cfg2, op2 = select(sensor, data, real_weight, second, evaluated)
        cfg, op = pick_best([], [(cfg, op), (cfg2, op2)])
    # 3. the chosen model on the whole train split; val scored once
    site_z, m = fit(cfg, data["syn"], data["pairs"], real_weight)
    val = score_pairs(site_z, data["val"], op["a"], op["b"], op["threshold"]) if data["val"] else None
    oof = op["real"]
    if val:
        gap = {k: r4(val[k] - oof[k]) for k in ("recall", "specificity") if val[k] is not None and oof[k] is not None}
        log("[%s] chosen: %s, %d trees, change %s, threshold %.2f" % (sensor, cfg["name"], cfg["trees"],
                                                                       json.dumps(change), op["threshold"]))
        log("[%s] real train, blocked %d-fold out-of-fold: recall %s specificity %s precision %s; alerts on AMW "
            "mining %s of %s" % (sensor, K_FOLDS, f3(oof["recall"]), f3(oof["specificity"]), f3(oof["precision"]),
                                 oof and op["amw"]["on_mapped_mining"], op["amw"]["alerts"]))
        log("[%s] real val (scored once): recall %s specificity %s precision %s (TP %d FN %d FP %d TN %d); "
            "alerts on AMW mining %s of %s; gap val - out-of-fold %s" % (
                sensor, f3(val["recall"]), f3(val["specificity"]), f3(val["precision"]), val["tp"], val["fn"],
                val["fp"], val["tn"], val["amw"]["on_mapped_mining"], val["amw"]["alerts"], gap))
    else:
        gap = None
    out = dict(base)
    out["name"] = "%s-trained-v2" % sensor
    out["change"] = dict(base_change, **change)
    feats = [ALL_FEATURES[i] for i in cfg["cols"]]
    cal = {"type": "platt", "a": float("%.6g" % op["a"]), "b": float("%.6g" % op["b"])}
    if m["gbt"] is not None:
        out["classifier"] = dict({"type": "trees", "features": feats}, **trees_json(m["gbt"], len(feats)))
        out["classifier"].update({"threshold": op["threshold"], "calibration": cal})
    else:
        out["classifier"] = {
            "type": "logistic", "features": feats,
            "mean": [r4(v) if abs(v) > 1e-3 else float("%.6g" % v) for v in m["mean"]],
            "scale": [float("%.6g" % v) for v in m["scale"]], "coef": [float("%.6g" % v) for v in m["coef"]],
            "intercept": float("%.6g" % m["intercept"]), "threshold": op["threshold"], "calibration": cal}
    real_rows = protocol.split_rows(data["data_dir"], "train") if data["data_dir"] else []
    out["training"] = {
        "method": "scripts/train.py: gradient-boosted trees (scikit-learn, depth %d, learning rate %g) on "
                  "generated sites and real pairs (multiple instance); change thresholds, features, model "
                  "size, Platt calibration and threshold chosen out-of-fold on the train split only "
                  "(spatially blocked folds); val scored once at the end" % (GBT["max_depth"],
                                                                           GBT["learning_rate"]),
        "generated": {"generator": "scripts/gen_scenes.py --lookalikes --sites %d --look %s, --layout folder "
                                   "for odd seeds, stack for even ones" % (N_SITES, LOOK),
                      "size": SIZES[sensor], "train_seeds": data["seeds"], "folds": "seed mod %d" % K_FOLDS,
                      "sites": len(data["syn"]), "mining_sites": int(sum(r[1] for r in data["syn"])),
                      "label": "site overlaps a mining truth polygon"},
        "real_pairs": ({"data": "sat-mining-detector-patches" + (
                            "" if sensor == "sentinel2" else
                            ", made Landsat-like by scripts/make_landsat_patches.py (HLS MSI->OLI, 30 m)"),
                        "fit_split": "train", "pairs_train": len(data["pairs"]), "min_area_ha": PATCH_MIN_AREA,
                        "weight": real_weight,
                        "folds": "%d folds of whole %g km cells around the pair centres (%d cells)" % (
                            K_FOLDS, protocol.CELL_KM, len({protocol.cell_of(float(r["longitude"]),
                                                                             float(r["latitude"]))
                                                            for r in real_rows})),
                        "label": "multiple instance: all sites of negative pairs are negatives, the best "
                                 "site of a mining pair is the positive"} if data["pairs"] else None),
        "chosen": cfg_record(dict(cfg, change=change or "model")),
        "out_of_fold": rounded({"threshold": op["threshold"], "real_train_pairs": oof,
                                "generated_train_sites": op["generated"],
                                "alerts_on_amw_mining": op["amw"], "specificity_target": SPEC_MIN[sensor]}),
        "val_scored_once": rounded({"real_val_pairs": val, "gap_val_minus_oof": gap}) if val else None,
        "candidates": rounded([dict(cfg=e["cfg"], threshold=e["threshold"], feasible=e["feasible"],
                                    real=e["real"], generated=e["generated"]) for e in evaluated]),
    }
    return out


def main():
    global JOBS, CLASSIFIER, LOOK
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minewatch", default=os.path.join(ROOT, "build", "src", "cli", "minewatch"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "train-work"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sensor", choices=("sentinel2", "landsat", "both"), default="both")
    ap.add_argument("--classifier", choices=("logistic", "trees"), default="trees",
                    help="site classifier (trees: gradient-boosted, scikit-learn)")
    ap.add_argument("--train-seeds", type=int, default=0, metavar="N",
                    help="fit on the generated pairs of seeds 101..100+N (default %s)" % TRAIN_SEED_COUNT)
    ap.add_argument("--real-weight", type=float, default=0.5,
                    help="weight of the real sites relative to the generated ones")
    ap.add_argument("--look", default=LOOK, help="gen_scenes.py --look of the generated pairs (default %(default)s)")
    ap.add_argument("--feature-sets", nargs="*", help="only these feature sets (default: all of them)")
    ap.add_argument("--trees", nargs="*", type=int, help="only these numbers of trees (default %s)" % (TREE_SIZES,))
    ap.add_argument("--quick", action="store_true", help="keep the model's change thresholds (no candidates)")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write no model")
    a = ap.parse_args()
    if a.classifier == "trees":
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise SystemExit("train.py: --classifier trees needs scikit-learn: apt-get install python3-sklearn")
    if not 0 <= a.train_seeds <= 100:
        raise SystemExit("train.py: --train-seeds must be 1..100 (0: the per-sensor default)")
    JOBS, CLASSIFIER, LOOK = a.jobs, a.classifier, a.look
    os.makedirs(a.work, exist_ok=True)
    a.work = os.path.abspath(a.work)
    mw = os.path.abspath(a.minewatch)
    models = {}
    for sensor in (("sentinel2", "landsat") if a.sensor == "both" else (a.sensor,)):
        models[sensor] = train_sensor(mw, a, sensor)
    if a.dry_run:
        return 0
    for sensor, m in models.items():
        write_model(os.path.join(a.out, sensor + ".json"), m)
    if "sentinel2" in models:
        gen = json.load(open(os.path.join(a.out, "generic.json")))
        g = dict(models["sentinel2"])
        g["name"] = "generic-trained-v2"
        g["sensor"] = "generic"
        g["change"] = gen["change"]
        g["sites"] = gen["sites"]
        g["training"] = dict(g["training"], note="classifier mirrors sentinel2.json; change thresholds generic")
        write_model(os.path.join(a.out, "generic.json"), g)
    return 0


def hash_str(s):
    h = 2166136261
    for ch in s.encode():
        h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
    return h


def write_model(path, m):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    log("wrote", path)


JOBS = 2
CLASSIFIER = "logistic"
GEN_WEIGHT = 1.0        # weight of the generated sites (0: fit on real pairs only)
if __name__ == "__main__":
    sys.exit(main())
