#!/usr/bin/python3
"""Score a `minewatch monitor` output folder against a generated series.

    score_series.py SERIES_DIR MONITOR_DIR [--json]

For every step (after date) and every truth site with a status at that date,
the predicted site is the alert of MONITOR_DIR/<date>.geojson that overlaps
the site's footprint most (its footprint before the step for sites that did
not change); no overlap means the site was missed.  Reports the share of
observable site-steps (truth not `unobserved`) whose status is right, and how
often an unobserved site was called inactive (must be never).
"""
import json
import os
import sys

from osgeo import ogr

ogr.UseExceptions()
gdal_quiet = __import__("osgeo.gdal", fromlist=["gdal"])
gdal_quiet.PushErrorHandler("CPLQuietErrorHandler")


def load_alerts(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for feat in json.load(f)["features"]:
            g = ogr.CreateGeometryFromJson(json.dumps(feat["geometry"]))
            if not g.IsValid():         # pixel outlines touching at a corner
                g = g.MakeValid()
            out.append((g, feat["properties"]))
    return out


def score(series_dir, monitor_dir):
    truth = json.load(open(os.path.join(series_dir, "series_truth.json")))
    rows = []
    for k, date in enumerate(truth["dates"][1:], start=1):
        alerts = load_alerts(os.path.join(monitor_dir, date + ".geojson"))
        for s in truth["sites"]:
            if date not in s["status"]:
                continue
            fp = ogr.CreateGeometryFromJson(json.dumps(s["footprint"][date]))
            if not fp.IsValid():
                fp = fp.MakeValid()
            best, best_a = None, 0.0
            for g, p in alerts:
                if not g.Intersects(fp):
                    continue
                a = g.Intersection(fp).GetArea()
                if a > best_a:
                    best, best_a = p, a
            pred = best["status"] if best else "missed"
            rows.append(dict(date=date, site=s["id"], truth=s["status"][date], pred=pred,
                             site_id=best["site_id"] if best else None))
    obs = [r for r in rows if r["truth"] != "unobserved"]
    right = sum(r["truth"] == r["pred"] for r in obs)
    unobs = [r for r in rows if r["truth"] == "unobserved"]
    return dict(rows=rows, observable=len(obs), right=right, accuracy=right / len(obs) if obs else 1.0,
                unobserved=len(unobs), unobserved_as_inactive=sum(r["pred"] == "inactive" for r in unobs))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    r = score(argv[1], argv[2])
    if "--json" in argv:
        print(json.dumps(r, indent=1))
    else:
        for x in r["rows"]:
            print("%s %s truth %-10s pred %-10s %s%s" % (x["date"], x["site"], x["truth"], x["pred"], x["site_id"],
                                                       "" if x["truth"] == x["pred"] else "  <--"))
        print("status right for %d of %d observable site-steps (%.3f); unobserved called inactive: %d of %d"
              % (r["right"], r["observable"], r["accuracy"], r["unobserved_as_inactive"], r["unobserved"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
