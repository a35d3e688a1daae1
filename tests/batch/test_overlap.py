"""Overlap de-duplication: two overlapping crops of one generated scene,
batched together, give each site once, and the sites the crops do not cut
are those of the whole scene's scan (same ids)."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import SANITIZED, check, done, read_json, run, scene, tmpdir  # noqa: E402
from osgeo import gdal, ogr, osr  # noqa: E402

gdal.UseExceptions()
SIZE = 300 if SANITIZED else 480
S = scene(f"batch-overlap-{SIZE}", "--seed", 32, "--layout", "stack", "--size", SIZE, "--sites", 24)
A = (0, int(SIZE * 0.62))             # columns [x0, x1) of crop A
B = (int(SIZE * 0.38), SIZE)          # of crop B: they overlap by a quarter of the scene

w = tmpdir()
for name, (x0, x1) in (("A", A), ("B", B)):
    for date in ("before", "after"):
        gdal.Translate(os.path.join(w, f"{name}_{date}.tif"), os.path.join(S, f"{date}.tif"),
                       srcWin=[x0, 0, x1 - x0, SIZE], creationOptions=["COMPRESS=DEFLATE"])
with open(os.path.join(w, "m.csv"), "w") as f:
    f.write("id,before,after\n")
    for name in "AB":
        f.write(f"{name},{name}_before.tif,{name}_after.tif\n")
whole = os.path.join(w, "whole.geojson")
rc, _, err = run("scan", os.path.join(S, "before.tif"), os.path.join(S, "after.tif"), "-o", whole, "-q")
check(rc == 0, f"whole scan: {err}")
rc, _, err = run("batch", os.path.join(w, "m.csv"), "-o", os.path.join(w, "out"), "-q")
check(rc == 0, f"batch of the crops: {rc} {err}")

ds = gdal.Open(os.path.join(S, "after.tif"))
gt = ds.GetGeoTransform()
utm = osr.SpatialReference(wkt=ds.GetProjection())
ll = osr.SpatialReference()
ll.ImportFromEPSG(4326)
ll.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_utm = osr.CoordinateTransformation(ll, utm)
# A site is cut when it reaches within the merge distance and a pixel of a crop edge inside the scene.
edges = [gt[0] + A[1] * gt[1], gt[0] + B[0] * gt[1]]
margin = 60.0 + 2 * gt[1]


def geom(f):
    g = ogr.CreateGeometryFromJson(str(f["geometry"]).replace("'", '"'))
    return g


def cut(f):
    g = geom(f)
    g.Transform(to_utm)
    x0, x1, _, _ = g.GetEnvelope()
    return any(x0 - margin <= e <= x1 + margin for e in edges)


whole_f = read_json(whole)["features"]
merged_f = read_json(os.path.join(w, "out", "alerts.geojson"))["features"]
pairs = {n: read_json(os.path.join(w, "out", "pairs", f"{n}.geojson"))["features"] for n in "AB"}
check(len(whole_f) >= 4, f"the scene has sites to compare ({len(whole_f)})")
# both crops saw some sites of the overlap: there was something to de-duplicate
ida, idb = {f["id"] for f in pairs["A"]}, {f["id"] for f in pairs["B"]}
check(len(ida & idb) >= 1 or SANITIZED, f"the crops share sites in their overlap ({len(ida & idb)})")
# each site once: no two merged alerts intersect, no id twice
gs = [geom(f) for f in merged_f]
overlaps = [(merged_f[i]["id"], merged_f[j]["id"]) for i in range(len(gs)) for j in range(i + 1, len(gs))
            if gs[i].Intersects(gs[j])]
check(not overlaps, f"no site twice in the merged alerts: {overlaps}")
ids = [f["id"] for f in merged_f]
check(len(ids) == len(set(ids)), "merged ids unique")
# the uncut sites of the whole scene (ids; areas within 2 %: a crop's scene-wide index shift differs a little)
uncut = {f["id"]: f for f in whole_f if not cut(f)}
got = {f["id"]: f for f in merged_f if not cut(f)}
check(len(uncut) >= 2, f"enough uncut sites ({len(uncut)})")
check(set(got) == set(uncut), f"uncut sites equal the whole scene's: missing {sorted(set(uncut) - set(got))}, "
                              f"extra {sorted(set(got) - set(uncut))}")
for i in set(got) & set(uncut):
    a, b = got[i]["properties"], uncut[i]["properties"]
    check(abs(a["area_ha"] - b["area_ha"]) <= 0.02 * b["area_ha"] + 0.05, f"{i}: area {a['area_ha']} vs {b['area_ha']}")
# the owner of a site in the overlap is the crop whose centre is nearer
st = read_json(os.path.join(w, "out", "batch.json"))
centre = {p["id"]: p["centre"] for p in st["pairs"]}
for f in merged_f:
    if f["id"] in ida & idb:
        p = f["properties"]
        d = {n: (p["centroid_lon"] - centre[n][0]) ** 2 + (p["centroid_lat"] - centre[n][1]) ** 2 for n in "AB"}
        check(p["pair_id"] == min(d, key=d.get), f"{f['id']}: owned by the nearer crop")
print(f"whole {len(whole_f)} alerts, uncut {len(uncut)}, merged {len(merged_f)}, shared by the crops "
      f"{len(ida & idb)}", file=sys.stderr)
shutil.rmtree(w, ignore_errors=True)
done()
