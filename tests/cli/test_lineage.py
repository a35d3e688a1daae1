#!/usr/bin/python3
"""scan --previous: lineage fields, statuses, ids kept, every format read
back, the filters never hide a known site, invariance, bad inputs.

Scenes: a generated series (scripts/gen_scenes.py --series 4) of one place;
pair (d0, d1) makes the earlier file, pair (d1, d2) links to it.
"""
import glob
import json
import os
import shutil
import subprocess

from mwtest import (check, done, run, scene, read_json, tmpdir, SANITIZED)

SIZE = 400 if SANITIZED else 560
ser = scene("series-lineage-%d" % SIZE, "--series", "4", "--seed", "31", "--size", SIZE, "--quiet")
scenes = sorted(glob.glob(os.path.join(ser, "sentinel2_*.tif")))
truth = read_json(os.path.join(ser, "series_truth.json"))
d = tmpdir()
LINEAGE = ("site_id", "status", "first_seen", "last_seen", "n_detections", "area_change_ha", "merged_ids")


def scan(before, after, out, *extra, threads=2):
    rc, _o, err = run("scan", before, after, "-o", out, "--threads", threads, *extra)
    check(rc == 0, f"scan {os.path.basename(before)} {os.path.basename(after)} {extra}: rc {rc}: {err[-500:]}")
    return err


def props(path):
    return [f["properties"] for f in read_json(path)["features"]]


# 1. Without --previous: no lineage properties (the pair output is unchanged).
first = os.path.join(d, "first.geojson")
scan(scenes[0], scenes[1], first)
p0 = props(first)
check(len(p0) > 0, "the first pair finds sites")
check(all(k not in p for p in p0 for k in LINEAGE), "no lineage properties without --previous")

# 2. With --previous: every property, a status from the list, ids of earlier sites kept.
second = os.path.join(d, "second.geojson")
err = scan(scenes[1], scenes[2], second, "--previous", first)
p1 = props(second)
check(all(all(k in p for k in LINEAGE) for p in p1), "every alert has the lineage properties")
statuses = {"new", "growing", "persisting", "inactive", "unobserved"}
check(all(p["status"] in statuses for p in p1), f"statuses {sorted({p['status'] for p in p1})}")
old_ids = {p["id"] for p in p0}
carried = [p for p in p1 if p["first_seen"] == "2022-10-30"]
check(len(carried) >= len(p0), f"every earlier site is in the new file ({len(carried)} of {len(p0)})")
check(all(p["n_detections"] >= 1 for p in p1), "n_detections >= 1")
fc = read_json(second)
check(fc["minewatch"]["parameters"].get("previous") == first, "the run's parameters name the earlier file")
for s in ("new", "growing", "persisting", "inactive", "unobserved"):
    n = sum(p["status"] == s for p in p1)
    check(f"{n} {s}" in err, f"summary line counts {n} {s}: {err[-300:]}")
check(len({p["site_id"] for p in p1}) == len(p1), "site ids unique")
check(len({p["id"] for p in p1}) == len(p1), "alert ids unique")

# 3. Deterministic: a rerun, another thread count and tile size give the same bytes.
again = os.path.join(d, "again.geojson")
scan(scenes[1], scenes[2], again, "--previous", first, "--tile-size", "96", threads=1)
check(open(again, "rb").read() == open(second, "rb").read(), "same bytes for 1 thread and 96 px tiles")

# 4. The earlier file in every format minewatch writes gives the same lineage.
ref = [(p["site_id"], p["status"], p["first_seen"], p["n_detections"]) for p in p1]
for ext in (".gpkg", ".fgb", ".csv", ".kml", ".shp"):
    prev = os.path.join(d, "first" + ext)
    scan(scenes[0], scenes[1], prev)
    out = os.path.join(d, "from" + ext.replace(".", "_") + ".geojson")
    scan(scenes[1], scenes[2], out, "--previous", prev)
    got = [(p["site_id"], p["status"], p["first_seen"], p["n_detections"]) for p in props(out)]
    check(got == ref, f"--previous {ext}: same lineage as from GeoJSON: {got} vs {ref}")
# and the lineage fields reach the OGR formats
gp = os.path.join(d, "second.gpkg")
scan(scenes[1], scenes[2], gp, "--previous", first)
info = subprocess.run(["ogrinfo", "-so", "-al", gp], capture_output=True, text=True).stdout
check(all(k in info for k in LINEAGE), "gpkg has the lineage fields")

# 5. A chain: the second file as --previous of the third pair keeps first_seen and counts detections.
third = os.path.join(d, "third.geojson")
scan(scenes[2], scenes[3], third, "--previous", second)
p2 = props(third)
by_id = {p["site_id"]: p for p in p2}
for p in p1:
    q = by_id.get(p["site_id"]) or next((x for x in p2 if x["merged_ids"] and p["site_id"] in x["merged_ids"]), None)
    check(q is not None, f"site {p['site_id']} is still there (or merged) after the third pair")
    if q is not None and q["site_id"] == p["site_id"]:
        check(q["first_seen"] == p["first_seen"], f"{p['site_id']}: first_seen kept")
        check(q["n_detections"] >= p["n_detections"], f"{p['site_id']}: detections never go down")

# 6. The filters never hide a site reported before.
strict = os.path.join(d, "strict.geojson")
scan(scenes[1], scenes[2], strict, "--previous", first, "--min-confidence", "0.999", "--min-area", "500")
ps = props(strict)
ids = {p["site_id"] for p in ps}
for p in props(second):
    if p["status"] == "new":
        continue
    check(p["site_id"] in ids, f"strict filters keep earlier site {p['site_id']}")
check(all(p["status"] in ("persisting", "growing", "inactive", "unobserved") for p in ps),
      f"strict filters start no new site: {[p['status'] for p in ps]}")

# 7. Bad input: -o equal to --previous is a usage error; a broken earlier file fails cleanly.
rc, _o, err = run("scan", scenes[1], scenes[2], "-o", first, "--previous", first)
check(rc == 2 and "--previous" in err, f"-o == --previous: exit 2 ({rc}): {err}")
bad = os.path.join(d, "bad.geojson")
open(bad, "w").write("{not json")
out = os.path.join(d, "never.geojson")
rc, _o, err = run("scan", scenes[1], scenes[2], "-o", out, "--previous", bad)
check(rc == 1 and err.count("\n") == 1 and "bad.geojson" in err, f"broken --previous: exit 1, one line: {err}")
check(not os.path.exists(out), "no output after a failed --previous")
points = os.path.join(d, "points.geojson")
json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"date_after": "2023-01-01"},
          "geometry": {"type": "Point", "coordinates": [-56, -7]}}]}, open(points, "w"))
rc, _o, err = run("scan", scenes[1], scenes[2], "-o", out, "--previous", points)
check(rc == 1 and "no polygon" in err, f"--previous of points: exit 1 naming the problem: {err}")
check(not [f for f in os.listdir(d) if ".tmp-" in f], "no temporary file left")

shutil.rmtree(d, ignore_errors=True)
done()
