#!/usr/bin/python3
"""Out-of-fold experiments behind the choices of scripts/train.py (nothing
here is chosen on val; val is not read).

    scripts/train_experiments.py [--sensor sentinel2|landsat] [--work DIR] what ...

what:
  pool      real pairs only vs real + generated pairs (generated weight 0 / 1)
  leak      the same with the old engine's Sentinel-2 offset restored on the
            pairs it hit (BOA_ADD_OFFSET=-1000 stated on every second image
            of a 2022-2023 period): how much of the real recall the label
            leak was worth
  minarea   the smallest site that counts (--min-area of score_patches.py),
            applied to the scanned sites in memory
  features  feature sets of train.py (--feature-sets: colour, ratios, ...)
  change    the change thresholds of CHANGE_GRID, each scanned once through
            the library (one context, the model read once per setting)

Each row: the blocked 5-fold out-of-fold operating point of train.py (real
specificity >= the sensor's target) and the generated sites beside. Scans
are cached in --work (shared with train.py).
"""
import argparse
import copy
import csv
import json
import math
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402

MIN_AREAS = (0.05, 0.1, 0.2, 0.3, 0.5)
# change thresholds around each sensor's current ones: the drop a pixel
# needs to be vegetation loss, the BSI rise of new bare ground, the NDTI rise
# of newly turbid water (the site settings stay as in the model)
CHANGE_GRID = {
    "sentinel2": [{}, {"ndvi_drop": 0.10, "bsi_rise": 0.05, "ndti_rise": 0.03},
                  {"ndvi_drop": 0.20, "bsi_rise": 0.10, "ndti_rise": 0.08},
                  {"veg_ndvi_before": 0.35, "ndvi_drop": 0.10},
                  {"veg_ndvi_before": 0.55}, {"veg_ndvi_before": 0.35}, {"veg_ndvi_before": 0.25, "ndvi_drop": 0.10}],
    "landsat": [{}, {"ndvi_drop": 0.10, "bsi_rise": 0.05, "ndti_rise": 0.03},
                {"ndvi_drop": 0.20, "bsi_rise": 0.10, "ndti_rise": 0.08},
                {"veg_ndvi_before": 0.35, "ndvi_drop": 0.10}],
}


def row(tag, op):
    r, g = op["real"] or {}, op["generated"]
    T.log("%-40s thr %.2f%s real recall %s spec %s (TP %s FP %s) | ranking: recall %s at spec %s | "
          "generated P %s R %s" % (
              tag, op["threshold"], "" if op["feasible"] else "*", T.f3(r.get("recall")),
              T.f3(r.get("specificity")), r.get("tp"), r.get("fp"), T.f3(op["ranking"][0]),
              T.f3(op["ranking"][1]), T.f3(g["precision"]), T.f3(g["recall"])))
    return dict(tag=tag, threshold=op["threshold"], feasible=op["feasible"], real=T.rounded(r),
                ranking=op["ranking"], generated=T.rounded(g))


def ranking(zr, pairs, spec_min):
    """The best real recall at specificity >= spec_min over every cut of the
    pairs' out-of-fold best-site scores (no calibration, no threshold grid):
    how well the model orders the pairs."""
    ids = sorted(pairs)
    z = np.array([float(np.max(zr[k])) if len(zr[k]) else -np.inf for k in ids])
    y = np.array([pairs[k]["label"] for k in ids])
    best = (0.0, 1.0)
    for c in np.unique(z[np.isfinite(z)]):
        flag = z >= c
        spec = float((~flag & (y == 0)).sum() / max((y == 0).sum(), 1))
        rec = float((flag & (y == 1)).sum() / max((y == 1).sum(), 1))
        if spec >= spec_min and rec > best[0]:
            best = (round(rec, 4), round(spec, 4))
    return best


def oof(sensor, data, cfg, real_weight=0.5):
    zs, zr = T.out_of_fold(cfg, data, real_weight)
    op = T.operating_point(zs, zr, data, T.SPEC_MIN[sensor])
    op["ranking"] = ranking(zr, data["pairs"], T.SPEC_MIN[sensor])
    return op


def with_min_area(data, ha):
    """data with the real pairs' sites below ha left out."""
    ia = T.ALL_FEATURES.index("log_area_ha")
    d = dict(data)
    d["pairs"] = {}
    for k, p in data["pairs"].items():
        keep = [i for i, x in enumerate(p["X"]) if x[ia] >= math.log(ha) - 1e-9]
        d["pairs"][k] = dict(p, X=[p["X"][i] for i in keep],
                             amw=None if p["amw"] is None else [p["amw"][i] for i in keep])
    return d


def leak_patches(work):
    """A copy of the train split with BOA_ADD_OFFSET=-1000 stated on the
    second image of every 2022-2023 pair: the reflectance the engine read
    before its offset check (0.1 lower at the after date, mining pairs only)."""
    from osgeo import gdal
    out = os.path.join(work, "leak-patches")
    done = os.path.join(out, "dataset_train.csv")
    if os.path.isfile(done):
        return out
    os.makedirs(os.path.join(out, "train"), exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(T.PATCHES, "dataset_train.csv"))))
    for r in rows:
        for t in ("t0", "t1"):
            src = os.path.join(T.PATCHES, "train", "%s_%s.tif" % (r["sample_id"], t))
            dst = os.path.join(out, "train", os.path.basename(src))
            shutil.copyfile(src, dst)
            if t == "t1" and r["t1_end"][:4] >= "2022":
                ds = gdal.Open(dst, gdal.GA_Update)
                ds.SetMetadataItem("BOA_ADD_OFFSET", "-1000")
                ds = None
    shutil.copyfile(os.path.join(T.PATCHES, "dataset_train.csv"), done + ".tmp")
    os.replace(done + ".tmp", done)
    return out


def load(mw, a, sensor, change=None, patches=None):
    base = json.load(open(os.path.join(T.ROOT, "models", sensor + ".json")))
    ns = argparse.Namespace(work=a.work, train_seeds=0, real_weight=0.5, out=os.path.join(T.ROOT, "models"))
    if patches:
        saved = T.PATCHES, T.real_dir
        T.real_dir = (lambda s, aa: patches)
        try:
            return T.load_data(mw, ns, sensor, base, change or {}, val=False)
        finally:
            T.PATCHES, T.real_dir = saved
    return T.load_data(mw, ns, sensor, base, change or {}, val=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", nargs="+", choices=("pool", "leak", "minarea", "change", "features"))
    ap.add_argument("--feature-sets", nargs="*", default=["colour"], help="sets of train.py's SENSOR_SETS")
    ap.add_argument("--sensor", choices=("sentinel2", "landsat"), default="sentinel2")
    ap.add_argument("--minewatch", default=os.path.join(T.ROOT, "build", "src", "cli", "minewatch"))
    ap.add_argument("--work", default=os.path.join(T.ROOT, "build", "train-work"))
    ap.add_argument("--trees", type=int, default=T.DEFAULT_TREES)
    ap.add_argument("--change", nargs="*", type=json.loads, help="change settings (JSON) instead of CHANGE_GRID")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--gen-weights", nargs="*", type=float, default=[0.0, 1.0],
                    help="weights of the generated sites to compare (0: real pairs only)")
    a = ap.parse_args()
    T.JOBS, T.CLASSIFIER = 2, "trees"
    a.work = os.path.abspath(a.work)
    mw = os.path.abspath(a.minewatch)
    sensor = a.sensor
    cols = [T.ALL_FEATURES.index(f) for f in T.SENSOR_SETS[sensor]["all"]]
    cfg = dict(name="all", trees=a.trees, cols=cols)
    rows = []
    data = load(mw, a, sensor)
    if "pool" in a.what:
        for gw in a.gen_weights:
            T.GEN_WEIGHT = gw
            rows.append(row("%s: real + generated x %g" % (sensor, gw), oof(sensor, data, cfg)))
        T.GEN_WEIGHT = 1.0
    if "leak" in a.what and sensor == "sentinel2":
        leak = load(mw, a, sensor, patches=leak_patches(a.work))
        for gw in a.gen_weights:
            T.GEN_WEIGHT = gw
            rows.append(row("%s: old offset, real + generated x %g" % (sensor, gw),
                            oof(sensor, leak, cfg)))
        T.GEN_WEIGHT = 1.0
    if "features" in a.what:
        for name in a.feature_sets:
            c = dict(cfg, name=name, cols=[T.ALL_FEATURES.index(f) for f in T.SENSOR_SETS[sensor][name]])
            rows.append(row("%s: features %s (%d)" % (sensor, name, len(c["cols"])), oof(sensor, data, c)))
    if "minarea" in a.what:
        for ha in MIN_AREAS:
            rows.append(row("%s: min area %g ha" % (sensor, ha), oof(sensor, with_min_area(data, ha), cfg)))
    if "change" in a.what:
        for ch in (a.change if a.change is not None else CHANGE_GRID[sensor]):
            d = load(mw, a, sensor, change=ch)
            rows.append(row("%s: change %s" % (sensor, json.dumps(ch) if ch else "as in the model"),
                            oof(sensor, d, cfg)))
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
