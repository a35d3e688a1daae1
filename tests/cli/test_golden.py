"""Golden alerts: the bundled synthetic sample must give the alerts in
tests/cli/golden/ (same ids, classes, geometry within 1e-6 degrees, numbers
within a small tolerance). After an intended change of the model or the
detection, regenerate with:

    build/src/cli/minewatch scan samples/synthetic-s2/before.tif \
        samples/synthetic-s2/after.tif -o tests/cli/golden/synthetic-s2.geojson --quiet
"""
import math
import os

from mwtest import SRC, check, done, read_json, run, tmpdir

golden_path = os.path.join(SRC, "tests", "cli", "golden", "synthetic-s2.geojson")
sample = os.path.join(SRC, "samples", "synthetic-s2")
d = tmpdir()
out = os.path.join(d, "alerts.geojson")
rc, so, se = run("scan", os.path.join(sample, "before.tif"), os.path.join(sample, "after.tif"), "-o", out, "--quiet")
check(rc == 0, f"scan: {se}")
got, want = read_json(out), read_json(golden_path)


def close(a, b, tol, where):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return check(math.isclose(a, b, rel_tol=tol, abs_tol=tol), f"{where}: {a} != {b}")
    if isinstance(a, list) and isinstance(b, list):
        if not check(len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"):
            return False
        return all(close(x, y, tol, f"{where}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, dict) and isinstance(b, dict):
        if not check(sorted(a) == sorted(b), f"{where}: keys {sorted(a)} != {sorted(b)}"):
            return False
        return all(close(a[k], b[k], tol, f"{where}.{k}") for k in a)
    return check(a == b, f"{where}: {a!r} != {b!r}")


check(len(got["features"]) == len(want["features"]),
      f"{len(got['features'])} alerts, golden has {len(want['features'])}")
for g, w in zip(got["features"], want["features"]):
    where = w["id"]
    check(g["id"] == w["id"], f"id {g['id']} != {w['id']}")
    close(g["geometry"], w["geometry"], 1e-6, where + ".geometry")
    close(g["properties"], w["properties"], 1e-3, where + ".properties")
for k in ("version", "before", "after", "parameters"):
    if k == "before" or k == "after":
        check(got["minewatch"][k]["date"] == want["minewatch"][k]["date"], f"minewatch.{k}.date")
    elif k == "parameters":
        close(got["minewatch"][k], want["minewatch"][k], 1e-3, "minewatch.parameters")
done()
