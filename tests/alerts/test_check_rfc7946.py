#!/usr/bin/python3
"""The RFC 7946 checker must pass a good document and catch each defect."""
import copy
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_rfc7946 as c  # noqa: E402

GOOD = {
    "type": "FeatureCollection",
    "minewatch": {"version": "0.1.0", "before": {"path": "a", "date": "2023-01-01", "sensor": "sentinel2"},
                  "after": {"path": "b", "date": "2024-01-01", "sensor": "sentinel2"},
                  "model": {"name": "m", "path": "p"}, "parameters": {}},
    "features": [{
        "type": "Feature", "id": "mw-1",
        "geometry": {"type": "Polygon", "coordinates": [
            [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]],
            [[0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5], [0.5, 0.5]]]},
        "properties": {n: 0.5 for n in c.CONTRACT_PROPERTIES},
    }],
}
GOOD["features"][0]["properties"].update(
    {"id": "mw-1", "class": "mining", "date_before": "2023-01-01", "date_after": "2024-01-01",
     "sensor": "sentinel2", "protected_area": None, "river_turbidity_change": None})

failures = 0


def expect(doc, ok, what, contract=True):
    global failures
    errs = c.check(doc, contract=contract)
    if bool(errs) == ok:
        failures += 1
        print("FAIL: %s: %s" % (what, errs or "no error found"))


expect(GOOD, True, "good document")


def bad(what, mutate, contract=True):
    d = copy.deepcopy(GOOD)
    mutate(d)
    expect(d, False, what, contract)


f0 = lambda d: d["features"][0]  # noqa: E731
bad("crs member", lambda d: d.update(crs={"type": "name"}))
bad("not a FeatureCollection", lambda d: d.update(type="Feature"))
bad("clockwise exterior", lambda d: f0(d)["geometry"]["coordinates"][0].reverse())
bad("counter-clockwise hole", lambda d: f0(d)["geometry"]["coordinates"][1].reverse())
bad("open ring", lambda d: f0(d)["geometry"]["coordinates"][0].pop())
bad("short ring", lambda d: f0(d)["geometry"].update(coordinates=[[[0, 0], [1, 0], [0, 0]]]))
bad("latitude out of range", lambda d: f0(d)["geometry"].update(
    coordinates=[[[0, 0], [2, 0], [2, 95], [0, 0]]]))
bad("longitude out of range (lat/lon swapped UTM)", lambda d: f0(d)["geometry"].update(
    coordinates=[[[500000, 0], [500100, 0], [500100, 100], [500000, 0]]]))
bad("id differs", lambda d: f0(d).update(id="other"))
bad("id missing", lambda d: f0(d).pop("id"))
bad("property missing", lambda d: f0(d)["properties"].pop("valid_fraction"))
bad("confidence > 1", lambda d: f0(d)["properties"].update(confidence=1.5))
bad("point geometry", lambda d: f0(d).update(geometry={"type": "Point", "coordinates": [0, 0]}))
bad("no minewatch member", lambda d: d.pop("minewatch"))
bad("bad sensor", lambda d: f0(d)["properties"].update(sensor="modis"))
bad("feature with 'features'", lambda d: f0(d).update(features=[]), contract=False)
bad("crs in geometry", lambda d: f0(d)["geometry"].update(crs={}), contract=False)
bad("cw exterior (rfc only)", lambda d: f0(d)["geometry"]["coordinates"][0].reverse(), contract=False)
d = copy.deepcopy(GOOD)
d.pop("minewatch")
expect(d, True, "rfc-only mode ignores the contract", contract=False)

# Strict loading: NaN and duplicate keys are not JSON.
with tempfile.TemporaryDirectory() as tmp:
    for name, text in (("nan", '{"type": "FeatureCollection", "features": [], "x": NaN}'),
                       ("dup", '{"type": "FeatureCollection", "features": [], "features": []}')):
        p = os.path.join(tmp, name + ".geojson")
        with open(p, "w") as fh:
            fh.write(text)
        try:
            c.load(p)
            failures += 1
            print("FAIL: load accepted %s" % name)
        except ValueError:
            pass
    # The command line: exit 1 on a bad file, 0 on a good one.
    good, badp = os.path.join(tmp, "good.geojson"), os.path.join(tmp, "bad.geojson")
    with open(good, "w") as fh:
        json.dump(GOOD, fh)
    d = copy.deepcopy(GOOD)
    d["crs"] = {}
    with open(badp, "w") as fh:
        json.dump(d, fh)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_rfc7946.py")
    if subprocess.run([sys.executable, script, good], capture_output=True).returncode != 0:
        failures += 1
        print("FAIL: CLI rejected a good file")
    if subprocess.run([sys.executable, script, badp], capture_output=True).returncode != 1:
        failures += 1
        print("FAIL: CLI accepted a bad file")

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
