#!/usr/bin/python3
"""minewatch monitor: a series in any order, step files, sites.gpkg with
histories, the timeline page in headless Chromium, all-or-nothing output.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import time

from mwtest import (check, done, run, scene, read_json, tmpdir, MINEWATCH, SANITIZED)
from osgeo import ogr

SIZE = 400 if SANITIZED else 560
ser = scene("series-lineage-%d" % SIZE, "--series", "4", "--seed", "31", "--size", SIZE, "--quiet")
scenes = sorted(glob.glob(os.path.join(ser, "sentinel2_*.tif")))
truth = read_json(os.path.join(ser, "series_truth.json"))
dates = truth["dates"]
d = tmpdir()

# 1. Sorted and shuffled command lines give the same bytes.
a, b = os.path.join(d, "a"), os.path.join(d, "b")
rc, _o, err = run("monitor", *scenes, "-o", a, "--threads", "2")
check(rc == 0, f"monitor: {rc} {err[-500:]}")
rc, _o, err2 = run("monitor", scenes[2], scenes[0], scenes[3], scenes[1], "-o", b, "--threads", "1", "-q")
check(rc == 0 and err2 == "", f"monitor shuffled, quiet: {rc} {err2[-500:]}")
names = sorted(os.listdir(a))
check(names == sorted([x + ".geojson" for x in dates[1:]] + ["sites.gpkg", "timeline.html"]), f"files {names}")
for n in names:  # sites.gpkg too: its last_change is the last date, not the clock
    check(open(os.path.join(a, n), "rb").read() == open(os.path.join(b, n), "rb").read(),
          f"{n}: same bytes in any order and thread count")
for x in dates[1:]:
    check(x + ":" in err, f"a summary line for {x}")

# 2. Step files chain: first step all new; site ids kept from step to step.
steps = [read_json(os.path.join(a, x + ".geojson")) for x in dates[1:]]
check(all(f["properties"]["status"] == "new" for f in steps[0]["features"]), "first step: every site new")
for k in range(1, len(steps)):
    before = {f["properties"]["site_id"] for f in steps[k - 1]["features"]}
    now = {f["properties"]["site_id"] for f in steps[k]["features"]}
    merged = set()
    for f in steps[k]["features"]:
        merged |= set((f["properties"]["merged_ids"] or "").split(","))
    check(before <= now | merged, f"step {k + 1}: every earlier site id is still there or merged")

# 3. sites.gpkg: one row per site, history consistent with the step files.
ds = ogr.Open(os.path.join(a, "sites.gpkg"))
lyr = ds.GetLayer(0)
rows = {f.GetField("site_id"): f for f in lyr}
all_ids = {f["properties"]["site_id"] for s in steps for f in s["features"]}
check(set(rows) == all_ids, f"sites.gpkg: one row per site ({len(rows)} vs {len(all_ids)})")
for sid, f in rows.items():
    hist = json.loads(f.GetField("history"))
    check(len(hist) == len(f.GetField("dates").split(",")), f"{sid}: history and dates agree")
    for h in hist:
        k = dates[1:].index(h["date"])
        p = next(x["properties"] for x in steps[k]["features"] if x["properties"]["site_id"] == sid)
        check(p["status"] == h["status"] and abs(p["area_ha"] - h["area_ha"]) < 1e-3, f"{sid} {h['date']}: history")
    check(f.GetGeometryRef() is not None, f"{sid}: an outline")

# 4. The timeline page: self-contained, and Chromium renders it (not blank).
html = open(os.path.join(a, "timeline.html")).read()
check("<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", ""), "inline SVG, no link out")
check("<script" not in html, "no script")
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium and not SANITIZED:
    shot = os.path.join(d, "shot.png")
    prof = os.path.join(d, "chromium-profile")
    p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + prof, "--window-size=1000,900", "--screenshot=" + shot,
                        "file://" + os.path.join(a, "timeline.html")], capture_output=True, text=True, timeout=120)
    check(os.path.exists(shot), f"chromium made a screenshot: {p.stderr[-500:]}")
    if os.path.exists(shot):
        from osgeo import gdal
        img = gdal.Open(shot).ReadAsArray()
        coloured = ((img[0].astype(int) - img[1]) ** 2 + (img[1].astype(int) - img[2]) ** 2 > 400).sum()
        check(img.std() > 5 and coloured > 50, f"screenshot not blank (std {img.std():.1f}, {coloured} coloured px)")
        keep = os.environ.get("MW_KEEP_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
elif not chromium:
    print("note: no chromium: the page was not rendered")

# 5. All or nothing: a failing series leaves the folder as it was.
c = os.path.join(d, "c")
os.makedirs(c)
open(os.path.join(c, "mine.txt"), "w").write("keep")
broken = os.path.join(d, "sentinel2_20240101.tif")
open(broken, "w").write("not a raster")
rc, _o, err = run("monitor", *scenes, broken, "-o", c)
check(rc == 1 and err.count("\n") == 1, f"broken scene: exit 1, one line: {err}")
check(sorted(os.listdir(c)) == ["mine.txt"], f"folder unchanged: {os.listdir(c)}")
rc, _o, err = run("monitor", scenes[0], scenes[0], "-o", c)
check(rc == 2 and "two scenes" in err, f"two scenes of one date: exit 2: {err}")
check(sorted(os.listdir(c)) == ["mine.txt"], f"folder unchanged: {os.listdir(c)}")
rc, _o, err = run("monitor", scenes[0], "-o", c)
check(rc == 2, f"one scene: usage error ({rc})")

# 6. Files the user owns: a read-only file in the way is refused before
#    any scan (exit 1, untouched); other files stay; a rerun replaces the
#    series' own files in one commit; a scene inside DIR is never replaced.
ro = os.path.join(c, "sites.gpkg")
open(ro, "w").write("my notes")
os.chmod(ro, 0o444)
rc, _o, err = run("monitor", *scenes, "-o", c)
check(rc == 1 and "read-only" in err and err.count("\n") == 1, f"read-only sites.gpkg refused: {rc} {err}")
check(open(ro).read() == "my notes" and sorted(os.listdir(c)) == ["mine.txt", "sites.gpkg"],
      f"nothing written, nothing left: {os.listdir(c)}")
os.chmod(ro, 0o644)
os.unlink(ro)
rc, _o, err = run("monitor", *scenes, "-o", c, "-q")
first = {n: open(os.path.join(c, n), "rb").read() for n in os.listdir(c)}
rc2, _o, err2 = run("monitor", *scenes, "-o", c, "-q")
again = {n: open(os.path.join(c, n), "rb").read() for n in os.listdir(c)}
check(rc == 0 and rc2 == 0 and first == again and first["mine.txt"] == b"keep",
      f"rerun: same files, same bytes, mine.txt kept: {rc} {rc2} {sorted(again)} {err}{err2}")
for delay in (0.3, 1.0, 2.5):  # killed mid-series: the earlier files stay, nothing staged is left
    p = subprocess.Popen([MINEWATCH, "monitor", *scenes, "-o", c, "-q"], stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(signal.SIGTERM)
    _o, err = p.communicate(timeout=120)
    now = {n: open(os.path.join(c, n), "rb").read() for n in os.listdir(c)}
    check(now == first, f"SIGTERM at {delay} s (exit {p.returncode}): files as they were {sorted(now)} {err}")
inside = os.path.join(c, dates[1] + ".geojson")
os.unlink(inside)
shutil.copy(scenes[1], inside)  # a scene named like a step file
rc, _o, err = run("monitor", scenes[0], inside, "-o", c, "--sensor", "sentinel2",
                  "--before-date", dates[0], "--after-date", dates[1])
check(rc in (1, 2) and os.path.exists(inside) and open(inside, "rb").read() == open(scenes[1], "rb").read(),
      f"a scene named like an output is never replaced: {rc} {err}")

shutil.rmtree(d, ignore_errors=True)
done()
