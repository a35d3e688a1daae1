#!/usr/bin/python3
"""Patch-level accuracy of minewatch on the real sat-mining-detector patches.

    score_patches.py --split val --minewatch build/src/cli/minewatch [--jobs 2] [--json] [-- EXTRA SCAN ARGS]

For every pair <id>_t0.tif / <id>_t1.tif in DATA/<split>/ scans t0 against
t1 in this process through the Python module (src/python/minewatch over the
libminewatch of --minewatch's build tree, or --library), with the scan
options EXTRA as `minewatch scan` takes them (--min-area, --model, ...);
one context for all pairs, so the model is read once. A pair is flagged
when its alerts hold at least one feature with class `mining`.  Labels come from
DATA/dataset_<split>.csv (or the tif metadata LABEL/CATEGORY).  Prints recall,
specificity, precision, F1, the confusion counts and the flagged rate per
category.  The patches are 48 x 48 px at 10 m (23 ha): pass e.g.
`-- --min-area 0.1` so small sites are not filtered out.  Exit 0 (1 when no
pair could be scored).

With --reference (default: Amazon Mining Watch's yearly footprints in
../shared/data/amazon-mining-watch-gt, when present) every pair is also
placed by what that independent map says about the patch's footprint: AMW
maps mining there by the end of the second date's window (`by_t1`), only in
later years (`after_t1`: the mining the label speaks of came after the
imagery), or never (`none`); recall and specificity are printed per group.
AMW is itself a Sentinel-2 model (partly hand-checked), not ground truth:
the groups say where a label and the imagery's dates disagree, they do not
replace the labels.

Site-level truth: in the pairs where AMW maps mining by the end of the
second date, every `mining` alert is checked against that footprint
(within 300 m of the patch centre): `alerts_on_mapped_mining` is the share
of those alerts whose outline overlaps it (the pair-level figures count a
pair as found even when its alert sits beside the mine).

Direction check: every `mining` alert's raw NDVI change (mean over its
outline, from the two rasters, no shift removed); `ndvi_rose_alerts` lists
the alerts whose NDVI rose although neither new nor turbid water is among
their evidence (none should: vegetation loss needs NDVI to fall).

Every pair is also placed by its second image: `closed_t1` when fewer than
0.5 % of its pixels have NDVI < 0.6 (closed canopy everywhere: no cleared
ground, sand or water for any detector to see), else `open_t1`.
"""
import argparse
import concurrent.futures as cf
import csv
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score  # noqa: E402  (calibration table)

DATA = "/work/shared/data/sat-mining-detector-patches"
AMW = "/work/shared/data/amazon-mining-watch-gt/yearly_footprints"


def split_rows(data, split):
    """The rows of DATA/dataset_<split>.csv ([] without it)."""
    path = os.path.join(data, "dataset_%s.csv" % split)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def labels(data, split):
    return {r["sample_id"]: (int(r["label"]), r["category"]) for r in split_rows(data, split)}


def t1_end_years(data, split):
    """{pair id: year the second date's window ends} from the CSV."""
    return {r["sample_id"]: int(r["t1_end"][:4]) for r in split_rows(data, split) if r.get("t1_end")}


def label_from_tif(path):
    try:
        from osgeo import gdal
        ds = gdal.Open(path)
        md = ds.GetMetadata() if ds else {}
        return int(md.get("LABEL", -1)), md.get("CATEGORY", "unknown")
    except Exception:
        return -1, "unknown"


# `minewatch scan` options (as after "--") -> keyword of minewatch.scan()
SCAN_OPTIONS = {
    "--min-area": ("min_area", float), "--min-confidence": ("min_confidence", float),
    "--model": ("model", str), "--threads": ("threads", int), "--tile-size": ("tile_size", int),
    "--sensor": ("sensor", str), "--band-map": ("band_map", str), "--aoi": ("aoi", str),
    "--protected": ("protected", str), "--before-date": ("before_date", str),
    "--after-date": ("after_date", str),
}


def scan_options(extra):
    """{keyword: value} of minewatch.scan() from `minewatch scan` options
    (`--opt value` or `--opt=value`); SystemExit naming an unknown one."""
    out, i = {}, 0
    while i < len(extra):
        opt, _, value = extra[i].partition("=")
        if opt not in SCAN_OPTIONS:
            raise SystemExit("score_patches.py: scan option %s is not supported here (use one of %s)" % (
                extra[i], ", ".join(sorted(SCAN_OPTIONS))))
        if not _:
            i += 1
            if i >= len(extra):
                raise SystemExit("score_patches.py: %s needs a value" % opt)
            value = extra[i]
        key, conv = SCAN_OPTIONS[opt]
        try:
            out[key] = conv(value)
        except ValueError:
            raise SystemExit("score_patches.py: %s: %r is not a valid value" % (opt, value))
        i += 1
    return out


def load_minewatch(mw_binary, library=None):
    """The minewatch Python module over @library, else over the libminewatch
    of the build tree @mw_binary (build/src/cli/minewatch) belongs to, else
    the installed one."""
    if not library:
        build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(mw_binary))))
        cand = os.path.join(build, "libminewatch.so.0")
        library = cand if os.path.exists(cand) else None
    if library:
        os.environ["MINEWATCH_LIBRARY"] = os.path.abspath(library)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "python"))
    import minewatch
    return minewatch


def run_one(mw, ctx, t0, t1, options, timeout):
    """Scan one pair with module @mw in context @ctx; the pair's summary."""
    t = time.time()
    deadline = t + timeout
    try:
        fc = ctx.scan(t0, t1, progress=lambda done, msg: time.time() < deadline, **options)
    except mw.MinewatchError as e:
        dt = time.time() - t
        return dict(ok=False, error="timeout" if e.status == 600 else str(e), seconds=dt)
    dt = time.time() - t
    feats = fc.get("features", [])
    mining = [x for x in feats if str((x.get("properties") or {}).get("class", "")).lower() == "mining"]
    conf = max([float((x.get("properties") or {}).get("confidence") or 0) for x in mining], default=None)
    # the best site's P(mining), whatever its class: the pair's confidence
    pair_conf = max([float((x.get("properties") or {}).get("confidence") or 0) for x in feats], default=None)
    return dict(ok=True, flagged=bool(mining), n_features=len(feats), n_mining=len(mining),
                max_confidence=conf, pair_confidence=pair_conf, seconds=dt, mining=mining)


def ratio(a, b):
    return a / b if b else None


def reference_years(ref_dir, tif):
    """Years of the reference footprints (mining_YYYY*.geojson in ref_dir,
    EPSG:4326) that intersect the footprint of patch raster `tif`."""
    from osgeo import gdal, ogr, osr
    ds = gdal.Open(tif)
    if ds is None or not ds.GetProjection():
        return set()  # no footprint to look up: the pair goes to "none"
    gt, w, h = ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize
    src = osr.SpatialReference(wkt=ds.GetProjection())
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for c, r in ((0, 0), (w, 0), (w, h), (0, h), (0, 0)):
        ring.AddPoint_2D(gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5])
    box = ogr.Geometry(ogr.wkbPolygon)
    box.AddGeometry(ring)
    box.Transform(osr.CoordinateTransformation(src, wgs))
    x0, x1, y0, y1 = box.GetEnvelope()
    years = set()
    for year, lyr in reference_layers(ref_dir):
        lyr.SetSpatialFilterRect(x0, y0, x1, y1)
        if any(f.GetGeometryRef() is not None and f.GetGeometryRef().Intersects(box) for f in lyr):
            years.add(year)
    return years


_REFERENCE = {}


def reference_layers(ref_dir):
    """[(year, OGR layer)] of ref_dir, each file opened (and parsed) once."""
    from osgeo import ogr
    if ref_dir not in _REFERENCE:
        out = []
        for path in sorted(os.listdir(ref_dir)):
            if path.startswith("mining_") and path.endswith(".geojson") and path[7:11].isdigit():
                ds = ogr.Open(os.path.join(ref_dir, path))
                if ds is None:
                    raise SystemExit("score_patches.py: %s: not a readable vector file" % os.path.join(ref_dir, path))
                out.append((int(path[7:11]), ds, ds.GetLayer(0)))
        _REFERENCE[ref_dir] = out
    return [(y, lyr) for y, _ds, lyr in _REFERENCE[ref_dir]]


def reference_group(years, t1_end):
    """by_t1 / after_t1 / none: see the module doc."""
    if not years:
        return "none"
    return "by_t1" if min(years) <= t1_end else "after_t1"


# A second image whose pixels are all closed canopy shows no mining at all,
# whatever its label says: the label's mining came later or lies outside the
# patch.  "Closed" = fewer than CANOPY_OPEN_SHARE of its pixels below
# CANOPY_NDVI (pixels with no data do not count).
CANOPY_NDVI = 0.6
CANOPY_OPEN_SHARE = 0.005


def canopy_group(tif):
    """'closed_t1' when the raster's pixels are all closed canopy (see above),
    else 'open_t1'; None when it cannot be read.  Red and NIR are the bands
    described B04 and B08 (else bands 3 and 4, the patches' order)."""
    from osgeo import gdal
    import numpy as np
    ds = gdal.Open(tif)
    if ds is None or ds.RasterCount < 4:
        return None
    desc = [ds.GetRasterBand(b + 1).GetDescription() for b in range(ds.RasterCount)]
    red = ds.GetRasterBand(desc.index("B04") + 1 if "B04" in desc else 3)
    nir = ds.GetRasterBand(desc.index("B08") + 1 if "B08" in desc else 4)
    r, n = red.ReadAsArray().astype(np.float64), nir.ReadAsArray().astype(np.float64)
    ok = (r + n) > 0
    for b, a in ((red, r), (nir, n)):
        if b.GetNoDataValue() is not None:
            ok &= a != b.GetNoDataValue()
    if not ok.any():
        return None
    ndvi = (n[ok] - r[ok]) / (n[ok] + r[ok])
    return "closed_t1" if (ndvi < CANOPY_NDVI).mean() < CANOPY_OPEN_SHARE else "open_t1"


def raw_dndvi(t0, t1, feature):
    """Mean raw NDVI(t1) - NDVI(t0) over a GeoJSON feature's outline (lon/lat),
    from bands B04/B08 (or SR_B4/SR_B5; else bands 3 and 4); None when it
    covers no pixel."""
    from osgeo import gdal, ogr, osr
    import numpy as np
    nd = []
    mask = None
    for path in (t0, t1):
        ds = gdal.Open(path)
        desc = [ds.GetRasterBand(b + 1).GetDescription() for b in range(ds.RasterCount)]
        idx = lambda names, k: next((desc.index(n) + 1 for n in names if n in desc), k)  # noqa: E731
        r = ds.GetRasterBand(idx(("B04", "SR_B4"), 3)).ReadAsArray().astype(np.float64)
        n = ds.GetRasterBand(idx(("B08", "SR_B5"), 4)).ReadAsArray().astype(np.float64)
        if mask is None:
            wgs = osr.SpatialReference()
            wgs.ImportFromEPSG(4326)
            wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            mem = ogr.GetDriverByName("Memory").CreateDataSource("m")
            lyr = mem.CreateLayer("a", wgs, ogr.wkbUnknown)
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetGeometry(ogr.CreateGeometryFromJson(json.dumps(feature["geometry"])))
            lyr.CreateFeature(f)
            m = gdal.GetDriverByName("MEM").Create("", ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Byte)
            m.SetGeoTransform(ds.GetGeoTransform())
            m.SetProjection(ds.GetProjection())
            gdal.RasterizeLayer(m, [1], lyr, burn_values=[1], options=["ALL_TOUCHED=FALSE"])
            mask = m.GetRasterBand(1).ReadAsArray() == 1
        if path.endswith(".tif") and "SR_B4" in desc:      # Landsat C2 scaling (offset matters)
            r, n = r * 2.75e-5 - 0.2, n * 2.75e-5 - 0.2
        with np.errstate(invalid="ignore", divide="ignore"):
            nd.append((n - r) / (n + r))
    ok = mask & np.isfinite(nd[0]) & np.isfinite(nd[1])
    return float(np.mean(nd[1][ok] - nd[0][ok])) if ok.any() else None


def group_figures(rows, key):
    """{group: counts, recall, specificity} of the scored rows by row[key]."""
    groups = {}
    for row in rows:
        g = row.get(key)
        if g is None or row["label"] not in (0, 1):
            continue
        d = groups.setdefault(g, dict(mining=0, flagged_mining=0, other=0, flagged_other=0))
        k = "mining" if row["label"] == 1 else "other"
        d[k] += 1
        d["flagged_" + k] += row["flagged"]
    for d in groups.values():
        d["recall"] = ratio(d["flagged_mining"], d["mining"])
        d["specificity"] = ratio(d["other"] - d["flagged_other"], d["other"])
    return dict(sorted(groups.items()))


def site_level(a, folder, rows, results, t1_end):
    """Mining alerts of the pairs where the reference maps mining by the end
    of the second date, and how many overlap that footprint."""
    import protocol
    from osgeo import ogr
    centre = {r["sample_id"]: (float(r["longitude"]), float(r["latitude"])) for r in split_rows(a.data, a.split)}
    n = hit = 0
    for row in rows:
        mining = results[row["id"]].get("mining") or []
        if row.get("reference") != "by_t1" or not mining or row["id"] not in centre:
            continue
        fp = protocol.amw_footprint(*centre[row["id"]], t1_end[row["id"]], ref_dir=a.reference, half_m=300)
        for f in mining:
            g = ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
            n += 1
            hit += bool(fp is not None and g is not None and g.Intersects(fp))
    return dict(alerts=n, on_mapped_mining=hit, share=hit / n if n else None)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 usage="%(prog)s --split val|train --minewatch PATH [--jobs N] [--json] "
                                       "[-- EXTRA SCAN ARGS]")
    ap.add_argument("--split", choices=["val", "train"], default="val")
    ap.add_argument("--minewatch", default="build/src/cli/minewatch",
                    help="the build's minewatch: its build tree's libminewatch is used (default %(default)s)")
    ap.add_argument("--library", help="libminewatch to scan with (default: --minewatch's build tree's)")
    ap.add_argument("--data", default=DATA, help="patch data folder (default %(default)s)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="score only the first N pairs (sorted ids)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per pair")
    ap.add_argument("--per-patch", metavar="CSV", help="also write one row per pair to CSV")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reference", default=AMW if os.path.isdir(AMW) else "",
                    help="folder of yearly mining footprints (mining_YYYY*.geojson) to group the pairs by "
                         "(default %(default)s; '' for none)")
    a = ap.parse_args(argv)

    mw = a.minewatch
    if not a.library and not (os.path.isfile(mw) and os.access(mw, os.X_OK)):
        sys.stderr.write("score_patches.py: minewatch binary not found or not executable: %s\n" % mw)
        return 1
    options = scan_options(extra)
    try:
        module = load_minewatch(mw, a.library)
    except ImportError as e:
        sys.stderr.write("score_patches.py: %s\n" % e)
        return 1
    ctx = module.Context()
    folder = os.path.join(a.data, a.split)
    ids = sorted(f[:-7] for f in os.listdir(folder) if f.endswith("_t0.tif")
                 and os.path.exists(os.path.join(folder, f[:-7] + "_t1.tif")))
    if a.limit:
        ids = ids[:a.limit]
    lab = labels(a.data, a.split)
    t_start = time.time()
    results = {}
    # Scans release the GIL: --jobs threads scan pairs at once, one context.
    with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {ex.submit(run_one, module, ctx, os.path.join(folder, i + "_t0.tif"),
                          os.path.join(folder, i + "_t1.tif"), options, a.timeout): i for i in ids}
        for k, fu in enumerate(cf.as_completed(futs)):
            results[futs[fu]] = fu.result()
            if not a.json and sys.stderr.isatty():
                sys.stderr.write("\r%d/%d" % (k + 1, len(ids)))
    if not a.json and sys.stderr.isatty():
        sys.stderr.write("\n")

    tp = fp = tn = fn = 0
    errors = []
    cats = {}
    rows = []
    for i in ids:
        r = results[i]
        label, cat = lab.get(i) or label_from_tif(os.path.join(folder, i + "_t0.tif"))
        c = cats.setdefault(cat, dict(pairs=0, flagged=0, errors=0, label=label))
        c["pairs"] += 1
        if not r["ok"]:
            errors.append(dict(id=i, error=r["error"]))
            c["errors"] += 1
        flagged = bool(r.get("flagged"))       # a failed run counts as not flagged
        c["flagged"] += int(flagged)
        if label == 1:
            tp += flagged
            fn += not flagged
        elif label == 0:
            fp += flagged
            tn += not flagged
        rows.append(dict(id=i, label=label, category=cat, flagged=int(flagged), ok=int(r["ok"]),
                         n_mining=r.get("n_mining", ""), max_confidence=r.get("max_confidence", ""),
                         pair_confidence=r.get("pair_confidence", "") if r.get("pair_confidence") is not None else "",
                         seconds=round(r.get("seconds", 0), 3), error=r.get("error", "")))
    for c in cats.values():
        c["flagged_rate"] = ratio(c["flagged"], c["pairs"])
    groups = {}
    if a.reference:
        t1_end = t1_end_years(a.data, a.split)
        for row in rows:
            t1 = t1_end.get(row["id"])
            if t1 is not None:
                row["reference"] = reference_group(
                    reference_years(a.reference, os.path.join(folder, row["id"] + "_t0.tif")), t1)
        groups = group_figures(rows, "reference")
        site = site_level(a, folder, rows, results, t1_end)
    else:
        site = None
    rose = []
    for row in rows:
        for f in results[row["id"]].get("mining") or []:
            p = f.get("properties") or {}
            d = raw_dndvi(os.path.join(folder, row["id"] + "_t0.tif"), os.path.join(folder, row["id"] + "_t1.tif"), f)
            water = float(p.get("new_water_ha") or 0) + float(p.get("turbid_water_ha") or 0)
            if d is not None and d > 0 and water <= 0:
                rose.append(dict(id=row["id"], alert=p.get("id"), raw_dndvi=round(d, 4)))
    for row in rows:
        row["canopy"] = canopy_group(os.path.join(folder, row["id"] + "_t1.tif"))
    canopy = group_figures(rows, "canopy")
    # calibration at the pair level (site labels are unknown): each pair with
    # an alert is (its best alert's confidence, label); `-- --min-confidence 0`
    # gives the whole curve
    bins, ece = score.calibration([(r["pair_confidence"], r["label"] == 1) for r in rows
                                   if r["pair_confidence"] != "" and r["label"] in (0, 1)])
    precision, recall, spec = ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(tn, tn + fp)
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    res = dict(split=a.split, minewatch=mw, library=module.library_path, models_loaded=ctx.models_loaded,
               extra_args=extra, pairs=len(ids), errors=len(errors),
               tp=tp, fp=fp, tn=tn, fn=fn, recall=recall, specificity=spec, precision=precision, f1=f1,
               accuracy=ratio(tp + tn, tp + tn + fp + fn), categories=dict(sorted(cats.items())),
               calibration=bins, ece=ece, reference=a.reference, reference_groups=groups, canopy_groups=canopy,
               alerts_on_mapped_mining=site, ndvi_rose_alerts=rose, seconds=round(time.time() - t_start, 2), error_examples=errors[:10])
    if a.per_patch:
        with open(a.per_patch, "w", newline="") as f:
            fields = list(dict.fromkeys(k for row in rows for k in row)) or ["id"]
            w = csv.DictWriter(f, fieldnames=fields, restval="")
            w.writeheader()
            w.writerows(rows)
    if a.json:
        print(json.dumps(res, indent=2))
    else:
        f = lambda x: "n/a" if x is None else "%.3f" % x  # noqa: E731
        print("split %s: %d pairs (%d errors) in %.1f s, extra args: %s" % (
            a.split, len(ids), len(errors), res["seconds"], " ".join(extra) or "-"))
        print("TP %d  FN %d  FP %d  TN %d" % (tp, fn, fp, tn))
        print("recall %s  specificity %s  precision %s  F1 %s" % (f(recall), f(spec), f(precision), f(f1)))
        print("%-18s %5s %7s %6s %6s" % ("category", "pairs", "flagged", "rate", "errors"))
        for k, c in sorted(cats.items()):
            print("%-18s %5d %7d %6s %6d" % (k, c["pairs"], c["flagged"], f(c["flagged_rate"]), c["errors"]))
        if groups:
            print("by the reference map (%s) of the patch footprint:" % a.reference)
            for k, d in sorted(groups.items()):
                print("  %-8s mining pairs %3d, recall %s; other pairs %3d, specificity %s" % (
                    k, d["mining"], f(d["recall"]), d["other"], f(d["specificity"])))
        if site:
            print("alerts on AMW's mapped mining (pairs AMW maps by the second date): %d of %d (%s)" % (
                site["on_mapped_mining"], site["alerts"], f(site["share"])))
        print("mining alerts whose raw NDVI rose without new or turbid water: %d%s" % (
            len(rose), "".join(" %s/%s (%+.3f)" % (x["id"], x["alert"], x["raw_dndvi"]) for x in rose[:5])))
        if canopy:
            print("by the second image (closed_t1: all pixels closed canopy, < %.1f %% with NDVI < %.1f):" % (
                100 * CANOPY_OPEN_SHARE, CANOPY_NDVI))
            for k, d in canopy.items():
                print("  %-9s mining pairs %3d, recall %s; other pairs %3d, specificity %s" % (
                    k, d["mining"], f(d["recall"]), d["other"], f(d["specificity"])))
        if bins:
            print("calibration (pairs with an alert, by their best alert): ECE %s" % f(ece))
            for b in bins:
                print("  %.1f-%.1f %4d pairs, mean confidence %.3f, mining share %.3f" % (
                    b["lo"], b["hi"], b["n"], b["mean_confidence"], b["mining_share"]))
        for e in errors[:5]:
            print("error %s: %s" % (e["id"], e["error"]))
    return 0 if len(errors) < len(ids) or not ids else 1


if __name__ == "__main__":
    sys.exit(main())
