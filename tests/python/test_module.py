#!/usr/bin/python3
"""The Python module (src/python/minewatch) against the build tree's library:
scan() returns the same content as the command line's .geojson file; one
process, one parsed model; errors, options, warnings, cancellation, files
written through the set (the change raster committed with them)."""
import json
import os
import subprocess
import sys
import tempfile
import warnings

root = os.environ["MW_SOURCE_ROOT"]
if os.environ.get("MW_SANITIZED"):
    # An ASan library cannot be loaded into an uninstrumented python3; the
    # same calls are covered by tests/library/test_api.c under sanitizers.
    print("SKIP: sanitizer build")
    sys.exit(77)
os.environ["MINEWATCH_LIBRARY"] = sys.argv[1]  # the build tree's libminewatch
sys.path.insert(0, os.path.join(root, "src", "python"))
import minewatch  # noqa: E402

S = os.path.join(root, "samples", "synthetic-s2")
before, after = os.path.join(S, "before.tif"), os.path.join(S, "after.tif")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as td:
    # The command line's file and the module's dict say the same.
    cli_out = os.path.join(td, "cli.geojson")
    subprocess.run([os.environ["MINEWATCH"], "scan", before, after, "-o", cli_out, "--quiet"], check=True)
    with open(cli_out) as f:
        cli = json.load(f)
    fc = minewatch.scan(before, after)
    check(fc == cli, "scan() equals the CLI's GeoJSON")
    check(fc["type"] == "FeatureCollection" and len(fc["features"]) >= 1, "features")
    p = fc["features"][0]["properties"]
    check(p["class"] == "mining" and 0.5 <= p["confidence"] <= 1 and p["id"] == fc["features"][0]["id"],
          "properties of the first alert")
    check(fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon"), "geometry")

    # Many pairs, one model: the default context parsed the model once.
    for _ in range(3):
        again = minewatch.scan(before, after, threads=1)
        check(again == fc, "same alerts with 1 thread")
    check(minewatch.default_context().models_loaded == 1, "the model is parsed once per process")

    # An own context, options, an AlertSet written in two formats.
    ctx = minewatch.Context(threads=2)
    s = ctx.scan_set(before, after, min_area=5.0, min_confidence=0.9)
    check(0 < len(s) <= len(fc["features"]), "min_area / min_confidence filter")
    check(s.metadata["parameters"]["min_area_ha"] == 5, "run metadata")
    check(s.pixels == 400 * 400, "pixels")
    s.write(os.path.join(td, "s.gpkg"))
    s.write(os.path.join(td, "s.geojson"))
    with open(os.path.join(td, "s.geojson")) as f:
        check(json.load(f) == s.to_dict(), "write() and to_dict() agree")
    s.close()
    check(os.path.exists(os.path.join(td, "s.gpkg")), "gpkg written")

    # output= writes the alerts, and the change raster with them.
    ctx.scan(before, after, output=os.path.join(td, "o.fgb"), change_raster=os.path.join(td, "o.tif"))
    check(os.path.exists(os.path.join(td, "o.fgb")) and os.path.exists(os.path.join(td, "o.tif")),
          "output and change raster")
    # change_raster alone is committed by the scan.
    ctx.scan(before, after, change_raster=os.path.join(td, "c.tif"))
    check(os.path.exists(os.path.join(td, "c.tif")), "change raster alone")

    # Errors: a missing scene names the file; a bad value names the option.
    try:
        minewatch.scan(os.path.join(td, "missing.tif"), after)
        check(False, "a missing scene raises")
    except minewatch.MinewatchError as e:
        check("missing.tif" in str(e) and 200 <= e.status < 300, "missing scene: %s" % e)
    for bad in ({"min_confidence": 2}, {"threads": -1}, {"sensor": "modis"}, {"colour": 1}):
        try:
            minewatch.scan(before, after, **bad)
            check(False, "%r raises" % bad)
        except (ValueError, TypeError) as e:
            check(str(e), "%r: %s" % (bad, e))

    # Cancelled from the progress callback: nothing is written.
    seen = []

    def stop(done, msg):
        seen.append(done)
        return done < 0.5

    try:
        ctx.scan(before, after, progress=stop, output=os.path.join(td, "x.geojson"),
                 change_raster=os.path.join(td, "x.tif"))
        check(False, "cancel raises")
    except minewatch.MinewatchError as e:
        check(e.status == 600, "cancelled status")
    check(seen and seen[0] == 0.0, "progress from 0")
    check(not [n for n in os.listdir(td) if n.startswith(("x.", ".x"))], "nothing left after cancel")

    # An exception in the progress callable (as Ctrl-C's KeyboardInterrupt)
    # cancels the scan and comes back to the caller.
    class Stop(Exception):
        pass

    def boom(done, msg):
        if done > 0.2:
            raise Stop()

    try:
        ctx.scan(before, after, progress=boom, output=os.path.join(td, "y.geojson"))
        check(False, "an exception in progress is raised")
    except Stop:
        pass
    check(not [n for n in os.listdir(td) if n.startswith(("y.", ".y"))], "nothing left after an exception")

    # Warnings come as MinewatchWarning.
    aoi = os.path.join(td, "aoi.geojson")
    with open(aoi, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                   "geometry": {"type": "Polygon",
                                "coordinates": [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10]]]}}]}, f)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = minewatch.scan(before, after, aoi=aoi)
    check(out["features"] == [] and any(issubclass(x.category, minewatch.MinewatchWarning) and
                                        "does not overlap" in str(x.message) for x in w), "AOI warning")
    ctx.close()

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
