#!/usr/bin/python3
"""Score minewatch alerts against a truth GeoJSON (e.g. from gen_scenes.py).

    score.py ALERTS.geojson TRUTH.geojson [--min-area HA] [--clear MASK] [--json]

Matching is by polygon overlap (OGR):
  * an alert of class `mining` that overlaps a `mining` truth object is a TP;
  * a `mining` alert that overlaps only look-alikes (or nothing) is a FP,
    counted under the look-alike kind it overlaps most (or `none`);
  * a `mining` truth object of at least --min-area ha (default 0.5) that no
    `mining` alert overlaps is a FN (smaller sites still count as TP when hit);
  * a `mining` truth object less than half clear in both dates (band 2 of
    gen_scenes.py's truth_mask.tif, found next to TRUTH or given by --clear:
    under a flagged cloud, its shadow or the nodata edge) is unobservable: no
    sensor saw it, so it is left out of recall and listed apart.
Precision = TP alerts / mining alerts; recall = detected sites / sites >= min
area; look-alike alert rate = look-alike objects hit by a FP alert / look-alike
objects (each FP alert is charged to one look-alike: the ground kind it overlaps
most, haze/cloud only when no ground look-alike is under it); area error = mean |alert area - site area| / site area over detected
sites (alert area = `area_ha` of the alerts matched to the site, split
by overlap when an alert matches several sites).
Calibration: every alert, whatever its class, is a (confidence, mining?)
pair -- mining when it overlaps a `mining` truth object; the reliability
table bins them by confidence (tenths) and the expected calibration error
(ECE) is the alert-weighted mean |mean confidence - mining share| over the
bins. The alerts' `confidence` is P(mining) for every class, so a scan
with `--min-confidence 0` gives the whole curve.  Exit status 0.
"""
import argparse
import json
import os
import sys

from osgeo import gdal, ogr, osr

ogr.UseExceptions()
osr.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")    # invalid rings are repaired below
ATMOSPHERE = ("haze", "cloud_missed")


def load(path):
    ds = ogr.Open(path)
    if ds is None:
        raise SystemExit("score.py: cannot open %s" % path)
    lyr = ds.GetLayer(0)
    out = []
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty():
            continue
        g = g.Clone()
        if not g.IsValid():
            g = g.MakeValid() if hasattr(g, "MakeValid") else g.Buffer(0)
        props = {lyr.GetLayerDefn().GetFieldDefn(i).GetName(): f.GetField(i) for i in range(f.GetFieldCount())}
        out.append(dict(geom=g, props=props, env=g.GetEnvelope()))
    return out


_ct_cache = {}


def area_ha(g):
    """Area of a lon/lat geometry in hectares, through the local UTM zone."""
    c = g.Centroid()
    lon, lat = c.GetX(), c.GetY()
    zone = int((lon + 180) // 6) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    ct = _ct_cache.get(epsg)
    if ct is None:
        a = osr.SpatialReference()
        a.ImportFromEPSG(4326)
        a.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        b = osr.SpatialReference()
        b.ImportFromEPSG(epsg)
        b.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = _ct_cache[epsg] = osr.CoordinateTransformation(a, b)
    h = g.Clone()
    h.Transform(ct)
    return h.GetArea() / 1e4


def env_hit(a, b):
    return not (a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2])


def overlap(a, b):
    """Overlap area (degrees^2, only used to rank) or 0."""
    if not env_hit(a["env"], b["env"]) or not a["geom"].Intersects(b["geom"]):
        return 0.0
    i = a["geom"].Intersection(b["geom"])
    return i.GetArea() if i is not None and not i.IsEmpty() else 0.0


def clear_fractions(truth, path):
    """{id(truth object): share of its pixels clear in both dates} from band 2
    of a truth mask; {} when the mask has no such band."""
    ds = gdal.Open(path)
    if ds is None or ds.RasterCount < 2:
        return {}
    band = ds.GetRasterBand(2)
    gt = ds.GetGeoTransform()
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference(wkt=ds.GetProjection())
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(wgs, dst)
    out = {}
    for t in truth:
        g = t["geom"].Clone()
        g.Transform(ct)
        x0, x1, y0, y1 = g.GetEnvelope()
        c0 = max(0, int((x0 - gt[0]) / gt[1]))
        c1 = min(ds.RasterXSize, int((x1 - gt[0]) / gt[1]) + 1)
        r0 = max(0, int((y1 - gt[3]) / gt[5]))
        r1 = min(ds.RasterYSize, int((y0 - gt[3]) / gt[5]) + 1)
        if c1 <= c0 or r1 <= r0:
            out[id(t)] = 0.0
            continue
        mem = gdal.GetDriverByName("MEM").Create("", c1 - c0, r1 - r0, 1, gdal.GDT_Byte)
        mem.SetGeoTransform((gt[0] + c0 * gt[1], gt[1], 0, gt[3] + r0 * gt[5], 0, gt[5]))
        lds = ogr.GetDriverByName("Memory").CreateDataSource("")
        lyr = lds.CreateLayer("t", dst, ogr.wkbUnknown)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetGeometry(g)
        lyr.CreateFeature(f)
        gdal.RasterizeLayer(mem, [1], lyr, burn_values=[1], options=["ALL_TOUCHED=FALSE"])
        inside = mem.ReadAsArray() == 1
        cl = band.ReadAsArray(c0, r0, c1 - c0, r1 - r0)
        out[id(t)] = float(cl[inside].mean()) if inside.any() else 0.0
    return out


def calibration(pairs, nbins=10):
    """pairs: [(confidence, is_mining)] -> (bins, ECE); a bin is
    dict(lo, hi, n, mean_confidence, mining_share), empty bins left out."""
    bins = []
    for i in range(nbins):
        lo, hi = i / nbins, (i + 1) / nbins
        sel = [(c, m) for c, m in pairs if lo <= c < hi or (i == nbins - 1 and c == 1.0)]
        if sel:
            bins.append(dict(lo=lo, hi=hi, n=len(sel), mean_confidence=sum(c for c, _ in sel) / len(sel),
                             mining_share=sum(m for _, m in sel) / len(sel)))
    n = sum(b["n"] for b in bins)
    ece = sum(b["n"] * abs(b["mean_confidence"] - b["mining_share"]) for b in bins) / n if n else None
    return bins, ece


def score(alerts, truth, min_area=0.5, clear=None):
    """clear: {id(truth object): clear fraction} (clear_fractions), or None."""
    mining_alerts = [a for a in alerts if str(a["props"].get("class", "")).lower() == "mining"]
    other_alerts = len(alerts) - len(mining_alerts)
    sites = [t for t in truth if t["props"].get("kind") == "mining"]
    looks = [t for t in truth if t["props"].get("kind") != "mining"]
    for t in truth:
        a = t["props"].get("area_ha")
        t["area"] = float(a) if a is not None else area_ha(t["geom"])
        t["alert_area"] = 0.0
        t["hit"] = False
    tp = fp = 0
    fp_kind = {}
    for a in mining_alerts:
        aa = a["props"].get("area_ha")
        a_area = float(aa) if aa is not None else area_ha(a["geom"])
        ov = [(overlap(a, s), s) for s in sites]
        ov = [(o, s) for o, s in ov if o > 0]
        if ov:
            tp += 1
            tot = sum(o for o, _ in ov)
            for o, s in ov:
                s["hit"] = True
                s["alert_area"] += a_area * o / tot
            continue
        fp += 1
        lo = [(overlap(a, t), t) for t in looks]
        lo = [(o, t) for o, t in lo if o > 0]
        if lo:
            # surface look-alikes explain an alert before the atmosphere over them does
            ground = [(o, t) for o, t in lo if t["props"]["kind"] not in ATMOSPHERE]
            best = max(ground or lo, key=lambda x: x[0])[1]
            fp_kind[best["props"]["kind"]] = fp_kind.get(best["props"]["kind"], 0) + 1
            best["hit"] = True
        else:
            fp_kind["none"] = fp_kind.get("none", 0) + 1
    clear = clear or {}
    unobservable = [s for s in sites if s["area"] >= min_area and clear.get(id(s), 1.0) < 0.5]
    eligible = [s for s in sites if s["area"] >= min_area and clear.get(id(s), 1.0) >= 0.5]
    found = [s for s in eligible if s["hit"]]
    fn = len(eligible) - len(found)
    precision = tp / (tp + fp) if tp + fp else None
    recall = len(found) / len(eligible) if eligible else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else
          (0.0 if precision is not None and recall is not None else None))
    per_kind = {}
    for t in looks:
        k = t["props"]["kind"]
        d = per_kind.setdefault(k, dict(objects=0, alerted=0, fp_alerts=0))
        d["objects"] += 1
        d["alerted"] += int(t["hit"])
    for k, n in fp_kind.items():
        per_kind.setdefault(k, dict(objects=0, alerted=0, fp_alerts=0))["fp_alerts"] = n
    n_look = sum(1 for t in looks)
    n_look_hit = sum(1 for t in looks if t["hit"])
    errs = [abs(s["alert_area"] - s["area"]) / s["area"] for s in sites if s["hit"] and s["area"] > 0]
    conf = [(float(a["props"]["confidence"]), int(any(overlap(a, t) > 0 for t in sites)))
            for a in alerts if a["props"].get("confidence") is not None]
    bins, ece = calibration(conf)
    return dict(
        alerts=len(alerts), mining_alerts=len(mining_alerts), other_class_alerts=other_alerts,
        tp_alerts=tp, fp_alerts=fp, sites=len(sites), sites_eligible=len(eligible),
        sites_detected=len(found), fn_sites=fn, min_area_ha=min_area,
        sites_unobservable=[dict(id=s["props"].get("id"), area_ha=round(s["area"], 3),
                                 clear=round(clear[id(s)], 3), detected=s["hit"]) for s in unobservable],
        small_sites_detected=sum(1 for s in sites if s["hit"] and s["area"] < min_area),
        precision=precision, recall=recall, f1=f1,
        lookalikes=n_look, lookalikes_alerted=n_look_hit,
        lookalike_alert_rate=(n_look_hit / n_look) if n_look else None,
        mean_rel_area_error=(sum(errs) / len(errs)) if errs else None,
        fp_by_kind=dict(sorted(fp_kind.items())), lookalike_kinds=dict(sorted(per_kind.items())),
        missed_sites=[dict(id=s["props"].get("id"), area_ha=round(s["area"], 3))
                      for s in eligible if not s["hit"]],
        confidences=conf, calibration=bins, ece=ece,
    )


def fmt(x, pct=False):
    if x is None:
        return "n/a"
    return "%.3f" % x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("alerts")
    ap.add_argument("truth")
    ap.add_argument("--min-area", type=float, default=0.5, help="ha; smaller truth sites are not FN")
    ap.add_argument("--clear", help="truth mask with band 2 = clear in both dates "
                                    "(default: truth_mask.tif next to TRUTH, if any)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args(argv)
    truth = load(a.truth)
    mask = a.clear or os.path.join(os.path.dirname(os.path.abspath(a.truth)), "truth_mask.tif")
    clear = clear_fractions(truth, mask) if (a.clear or os.path.exists(mask)) else {}
    r = score(load(a.alerts), truth, a.min_area, clear)
    r["alerts_file"], r["truth_file"] = a.alerts, a.truth
    if a.json:
        print(json.dumps(r, indent=2))
        return 0
    print("alerts: %d (%d mining, %d other class)" % (r["alerts"], r["mining_alerts"], r["other_class_alerts"]))
    print("mining sites: %d, %d >= %.2f ha and observable, detected %d (+%d smaller)" % (
        r["sites"], r["sites_eligible"], a.min_area, r["sites_detected"], r["small_sites_detected"]))
    if r["sites_unobservable"]:
        print("unobservable (under flagged cloud/shadow/nodata, left out of recall): " + ", ".join(
            "%s (%.2f ha, %.0f%% clear%s)" % (u["id"], u["area_ha"], 100 * u["clear"],
                                             ", detected" if u["detected"] else "")
            for u in r["sites_unobservable"]))
    print("TP alerts %d  FP alerts %d  FN sites %d" % (r["tp_alerts"], r["fp_alerts"], r["fn_sites"]))
    print("precision %s  recall %s  F1 %s" % (fmt(r["precision"]), fmt(r["recall"]), fmt(r["f1"])))
    print("look-alike alert rate %s (%d of %d)" % (fmt(r["lookalike_alert_rate"]), r["lookalikes_alerted"],
                                                   r["lookalikes"]))
    print("mean relative area error %s" % fmt(r["mean_rel_area_error"]))
    sys.stdout.flush()
    if r["lookalike_kinds"]:
        print("%-14s %7s %7s %9s" % ("kind", "objects", "alerted", "FP alerts"))
        for k, d in r["lookalike_kinds"].items():
            print("%-14s %7d %7d %9d" % (k, d["objects"], d["alerted"], d["fp_alerts"]))
    if r["calibration"]:
        print("calibration (all alerts): ECE %s" % fmt(r["ece"]))
        print("%-9s %5s %15s %12s" % ("confidence", "alerts", "mean confidence", "mining share"))
        for c in r["calibration"]:
            print("%.1f-%.1f   %5d %15.3f %12.3f" % (c["lo"], c["hi"], c["n"], c["mean_confidence"], c["mining_share"]))
    if r["missed_sites"]:
        print("missed: " + ", ".join("%s (%.2f ha)" % (m["id"], m["area_ha"]) for m in r["missed_sites"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
