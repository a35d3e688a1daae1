"""Real Sentinel-2 scenes with change but no mining: the OSCD cities in
../shared/data/oscd-sentinel2 (Águas Claras, a growing suburb of Brasília
with new buildings, roads and bare construction ground, 2015 -> 2017; Bercy,
Paris, 2016 -> 2017; L1C, clear). Construction fronts clear vegetation to
bare soil, as mining does; none of it may become a `mining` alert at the
defaults. Measured (README "## Accuracy"): 0 mining alerts (9 and 6 alerts
of other classes); 31 and 15 candidate sites at --min-confidence 0, the
most confident 0.650 and 0.681. Skip (77) without ../shared/data.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import SANITIZED, SHARED_DATA, check, done, run, skip, tmpdir  # noqa: E402

DATA = os.path.join(SHARED_DATA, "oscd-sentinel2")
# guard: the most confident candidate of any class stays below the model's
# mining threshold (0.86 in models/sentinel2.json); measured 0.650 and 0.681
# (candidates of class clearing or water_change, none mining)
MAX_CONFIDENCE = 0.75

if SANITIZED:
    skip("accuracy floors are not run under sanitizers")
if not os.path.isdir(DATA):
    skip("no OSCD scenes at %s" % DATA)
d = tmpdir()
for city in ("aguasclaras", "bercy"):
    dates = dict(line.split(": ") for line in open(os.path.join(DATA, city, "dates.txt")).read().split("\n") if ": " in line)
    day = lambda s: "%s-%s-%s" % (s[:4], s[4:6], s[6:8])  # noqa: E731
    common = ["scan", os.path.join(DATA, city, "imgs_1"), os.path.join(DATA, city, "imgs_2"),
              "--before-date", day(dates["date_1"]), "--after-date", day(dates["date_2"]), "--quiet"]
    out = os.path.join(d, city + ".geojson")
    rc, _, err = run(*common, "-o", out)
    if not check(rc == 0, "%s: scan failed: %s" % (city, err.strip())):
        continue
    alerts = json.load(open(out))["features"]
    mining = [f for f in alerts if f["properties"]["class"] == "mining"]
    out_all = os.path.join(d, city + "_all.geojson")
    rc, _, err = run(*common, "-o", out_all, "--min-confidence", "0")
    if not check(rc == 0, "%s: scan at --min-confidence 0 failed: %s" % (city, err.strip())):
        continue
    sites = [f["properties"] for f in json.load(open(out_all))["features"]]
    best = max((s["confidence"] for s in sites), default=0.0)
    print("%s: %d alerts (%d mining) at the defaults; %d candidate sites at --min-confidence 0, "
          "highest confidence %.3f" % (city, len(alerts), len(mining), len(sites), best))
    check(not mining, "%s: %d mining alerts on a scene without mining" % (city, len(mining)))
    check(len(sites) > 0, "%s: no candidate site at all: the construction change was not seen" % city)
    check(best <= MAX_CONFIDENCE, "%s: a candidate at confidence %.3f > %.2f" % (city, best, MAX_CONFIDENCE))
done()
