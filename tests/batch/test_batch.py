"""minewatch batch / merge: the three INPUT kinds, pairing rules, a failing
pair, skip on rerun, resume after a kill, shards + merge byte for byte."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import MINEWATCH, SANITIZED, check, check_sanitizers, done, read_json, run, scene, tmpdir  # noqa: E402

SIZE = 120 if SANITIZED else 200
S2 = scene(f"batch-s2-folder-{SIZE}", "--seed", 21, "--layout", "folder", "--size", SIZE)
S2B = scene(f"batch-s2-stack-{SIZE}", "--seed", 22, "--layout", "stack", "--size", SIZE)
LS = scene(f"batch-ls-folder-{SIZE}", "--seed", 23, "--sensor", "landsat", "--layout", "folder", "--size", SIZE)


def tree(d):
    """{relative path: bytes} of every file under d but the lock."""
    out = {}
    for p in sorted(glob.glob(os.path.join(d, "**"), recursive=True)):
        if os.path.isfile(p) and not p.endswith(".batch.lock"):
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


def features(path):
    return [(f["id"], f["properties"]["area_ha"]) for f in read_json(path)["features"]]


def write_csv(path, rows, header="id,before,after"):
    with open(path, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def stamp_date(src, dst, date):
    """A copy of a stack whose metadata says another acquisition date."""
    from osgeo import gdal
    ds = gdal.Translate(dst, src, creationOptions=["COMPRESS=DEFLATE"])
    ds.SetMetadataItem("PRODUCT_START_TIME", date + "T14:00:00Z")
    ds = None


def test_manifest(w):
    m = os.path.join(w, "m.csv")
    # relative paths are relative to the manifest; the second row's after is missing
    shutil.copytree(S2B, os.path.join(w, "sc"))
    write_csv(m, [["good", "sc/before.tif", "sc/after.tif"], ["bad", "sc/before.tif", "sc/nothere.tif"],
                  ["", "sc/after.tif", "sc/before.tif"]])
    out = os.path.join(w, "out")
    rc, _, err = run("batch", m, "-o", out, "--threads", 2)
    check(rc == 3, f"a failing pair gives exit 3, not {rc}: {err}")
    check("bad: " in err and "nothere.tif" in err, f"the failed pair is listed with its reason: {err}")
    st = read_json(os.path.join(out, "batch.json"))
    states = {p["id"]: p["state"] for p in st["pairs"]}
    check(states == {"good": "done", "bad": "failed", "pair-003": "done"}, f"states {states}")
    bad = [p for p in st["pairs"] if p["id"] == "bad"][0]
    check("nothere.tif" in (bad["reason"] or ""), f"reason recorded: {bad}")
    check(sorted(os.listdir(os.path.join(out, "pairs"))) == ["good.geojson", "pair-003.geojson"], "per-pair alerts")
    # the pair's alerts are those of a plain scan of the same pair
    single = os.path.join(w, "single.geojson")
    run("scan", os.path.join(w, "sc/before.tif"), os.path.join(w, "sc/after.tif"), "-o", single, "-q")
    check(features(single) == features(os.path.join(out, "pairs", "good.geojson")) and (features(single) or SANITIZED),
          "a pair's alerts equal its own scan's")
    merged = read_json(os.path.join(out, "alerts.geojson"))
    check(all(f["properties"]["pair_id"] in ("good", "pair-003") for f in merged["features"]), "pair_id property")
    check(os.path.getsize(os.path.join(out, "alerts.gpkg")) > 0, "alerts.gpkg written")

    # the bad pair fixed: only it is scanned; then a rerun does nothing
    write_csv(m, [["good", "sc/before.tif", "sc/after.tif"], ["bad", "sc/before.tif", "sc/after.tif"],
                  ["", "sc/after.tif", "sc/before.tif"]])
    rc, _, err = run("batch", m, "-o", out)
    check(rc == 0, f"fixed manifest: exit 0, not {rc}: {err}")
    check("2 pairs already done" in err and "[1/1] bad" in err, f"only the fixed pair is scanned: {err}")
    before = tree(out)
    mtimes = {p: os.stat(os.path.join(out, p)).st_mtime_ns for p in before}
    rc, _, err = run("batch", m, "-o", out)
    check(rc == 0 and "nothing to do" in err, f"rerun says nothing to do: {rc} {err}")
    check({p: os.stat(os.path.join(out, p)).st_mtime_ns for p in before} == mtimes, "rerun writes nothing")
    # threads and tile size do not change results: still nothing to do
    rc, _, err = run("batch", m, "-o", out, "--threads", 1, "--tile-size", 64)
    check(rc == 0 and "nothing to do" in err, f"other threads/tile size: nothing to do: {err}")
    # a parameter that changes results rescans everything
    rc, _, err = run("batch", m, "-o", out, "--min-area", 0.6)
    check(rc == 0 and "parameters changed" in err and "[3/3]" in err, f"new parameters rescan: {err}")
    # an input touched is scanned again
    os.utime(os.path.join(w, "sc/after.tif"))
    rc, _, err = run("batch", m, "-o", out, "--min-area", 0.6)
    check(rc == 0 and "[3/3]" in err, f"a touched input rescans its pairs: {err}")

    # usage: output folder of someone else's files, bad shard
    os.makedirs(os.path.join(w, "theirs"))
    open(os.path.join(w, "theirs", "notes.txt"), "w").write("mine")
    rc, _, err = run("batch", m, "-o", os.path.join(w, "theirs"))
    check(rc == 2 and open(os.path.join(w, "theirs", "notes.txt")).read() == "mine", f"foreign folder refused: {err}")
    rc, _, err = run("batch", m, "-o", os.path.join(w, "o2"), "--shard", "2/2")
    check(rc == 2, f"--shard 2/2 is a usage error: {rc}")
    write_csv(os.path.join(w, "bad.csv"), [["x", "y"]], header="first,second")
    rc, _, err = run("batch", os.path.join(w, "bad.csv"), "-o", os.path.join(w, "o3"))
    check(rc in (1, 2) and "bad.csv" in err and "before" in err, f"manifest without before/after: {err}")


def test_folder(w):
    d = os.path.join(w, "scenes")
    os.makedirs(d)
    stamp_date(os.path.join(S2B, "before.tif"), os.path.join(d, "T21MYN_a.tif"), "2022-07-02")
    stamp_date(os.path.join(S2B, "after.tif"), os.path.join(d, "T21MYN_b.tif"), "2023-07-07")
    stamp_date(os.path.join(S2B, "after.tif"), os.path.join(d, "T21MYN_c.tif"), "2024-01-05")
    stamp_date(os.path.join(S2B, "after.tif"), os.path.join(d, "T20ABC_x.tif"), "2024-01-05")
    shutil.copytree(os.path.join(LS, "before"), os.path.join(d, "ls_before"))
    shutil.copytree(os.path.join(LS, "after"), os.path.join(d, "ls_after"))
    open(os.path.join(d, "README.txt"), "w").write("not a scene")
    for mode, want in (("consecutive", ["T21MYN_20220702_20230707", "T21MYN_20230707_20240105"]),
                       ("first", ["T21MYN_20220702_20230707", "T21MYN_20220702_20240105"])):
        out = os.path.join(w, "out-" + mode)
        rc, _, err = run("batch", d, "-o", out, "--pairing", mode)
        check(rc == 0, f"folder batch ({mode}): exit {rc}: {err}")
        st = read_json(os.path.join(out, "batch.json"))
        ids = {p["id"]: p["state"] for p in st["pairs"]}
        ls = [i for i in ids if i.startswith("WRS")]
        check(all(ids.get(i) == "done" for i in want), f"{mode}: pairs {ids}")
        check(len(ls) == 1 and ids[ls[0]] == "done", f"{mode}: the Landsat band folders pair by path/row: {ids}")
        check(ids.get("T20ABC_20240105") == "skipped", f"{mode}: a lone tile is skipped: {ids}")
        check(len(ids) == 4, f"{mode}: README.txt is no entry: {ids}")


def stac_item(iid, date, folder, keys, sensor, props=None, rb=None):
    files = sorted(glob.glob(os.path.join(folder, "*")))
    assets = {}
    for key, token in keys.items():
        f = [p for p in files if token in os.path.basename(p)]
        # the finest file of a band (10 m before 20 m)
        a = {"href": os.path.relpath(sorted(f)[0], os.path.dirname(folder) + "/..") , "type": "image/tiff"}
        if rb and key not in ("scl", "qa_pixel", "SCL"):
            a["raster:bands"] = [dict(rb)]
        assets[key] = a
    p = {"datetime": date + "T10:00:00Z"}
    p.update(props or {})
    coll = "sentinel-2-l2a" if sensor == "s2" else "landsat-c2-l2"
    return {"type": "Feature", "stac_version": "1.0.0", "id": iid, "collection": coll, "properties": p,
            "geometry": None, "assets": assets, "links": []}


def test_stac(w):
    es = {"blue": "_B02_", "green": "_B03_", "red": "_B04_", "nir": "_B08_", "swir16": "_B11_", "swir22": "_B12_",
          "scl": "_SCL_"}
    pc = {"B02": "_B02_", "B03": "_B03_", "B04": "_B04_", "B08": "_B08_", "B11": "_B11_", "B12": "_B12_",
          "SCL": "_SCL_"}
    ref = os.path.join(w, "ref.geojson")
    run("scan", os.path.join(S2, "before"), os.path.join(S2, "after"), "-o", ref, "-q")
    sub = os.path.join(w, "stac", "json")
    os.makedirs(sub)
    for name, keys, props, rb in (
            ("earth-search", es, {"grid:code": "MGRS-21MYN"}, {"scale": 0.0001, "offset": -0.1, "nodata": 0}),
            ("planetary", pc, {"s2:mgrs_tile": "21MYN", "s2:processing_baseline": "04.00"}, None)):
        # hrefs relative to the JSON file (one folder down from the scenes)
        items = [stac_item(f"S2A_21MYN_{d.replace('-', '')}_0_L2A", d, os.path.join(S2, side), keys, "s2", props, rb)
                 for d, side in (("2022-07-02", "before"), ("2023-07-07", "after"))]
        for it in items:
            for a in it["assets"].values():
                a["href"] = os.path.relpath(os.path.abspath(os.path.join(os.path.dirname(S2), a["href"])), sub)
        path = os.path.join(sub, name + ".json")
        json.dump({"type": "FeatureCollection", "features": items}, open(path, "w"))
        out = os.path.join(w, "out-" + name)
        rc, _, err = run("batch", path, "-o", out)
        check(rc == 0, f"STAC {name}: exit {rc}: {err}")
        pid = "T21MYN_20220702_20230707"
        got = os.path.join(out, "pairs", pid + ".geojson")
        check(os.path.exists(got) and features(got) == features(ref) and features(ref),
              f"STAC {name}: the pair's alerts equal the band folders' scan")
    # Landsat, Planetary Computer keys and raster:bands scale/offset
    lk = {"blue": "_SR_B2", "green": "_SR_B3", "red": "_SR_B4", "nir08": "_SR_B5", "swir16": "_SR_B6",
          "swir22": "_SR_B7", "qa_pixel": "_QA_PIXEL"}
    lref = os.path.join(w, "lref.geojson")
    run("scan", os.path.join(LS, "before"), os.path.join(LS, "after"), "-o", lref, "-q")
    items = [stac_item(f"LC08_L2SP_228065_{d.replace('-', '')}_02_T1", d, os.path.join(LS, side), lk, "ls",
                       {"landsat:wrs_path": "228", "landsat:wrs_row": "065", "platform": "landsat-8"},
                       {"scale": 2.75e-05, "offset": -0.2, "nodata": 0})
             for d, side in (("2022-07-04", "before"), ("2023-07-07", "after"))]
    for it in items:
        for a in it["assets"].values():
            a["href"] = os.path.abspath(os.path.join(os.path.dirname(LS), a["href"]))
    path = os.path.join(w, "ls.json")
    json.dump({"type": "FeatureCollection", "features": items}, open(path, "w"))
    rc, _, err = run("batch", path, "-o", os.path.join(w, "out-ls"))
    got = os.path.join(w, "out-ls", "pairs", "WRS228065_20220704_20230707.geojson")
    check(rc == 0 and os.path.exists(got) and features(got) == features(lref),
          f"STAC Landsat: the pair's alerts equal the band folders' scan: {rc} {err}")


def test_real_stac(w):
    src = os.path.abspath(os.path.join(os.environ.get("MW_SOURCE_ROOT", "."), "..", "shared", "data",
                                       "s2-l2a-cog-29RKH-100m"))
    if not os.path.isdir(src):
        print("real STAC item absent: skipped that part", file=sys.stderr)
        return
    item = read_json(os.path.join(src, "S2A_29RKH_20200219_0_L2A.json"))
    for a in item["assets"].values():
        base = os.path.basename(a["href"])
        a["href"] = os.path.join(src, base) if os.path.exists(os.path.join(src, base)) else a["href"]
    later = json.loads(json.dumps(item))
    later["id"] = "S2A_29RKH_20200310_0_L2A"
    later["properties"]["datetime"] = "2020-03-10T11:34:25Z"
    path = os.path.join(w, "real.json")
    json.dump({"type": "FeatureCollection", "features": [item, later]}, open(path, "w"))
    out = os.path.join(w, "out-real")
    rc, _, err = run("batch", path, "-o", out)
    st = read_json(os.path.join(out, "batch.json")) if os.path.exists(os.path.join(out, "batch.json")) else {}
    ids = {p["id"]: p["state"] for p in st.get("pairs", [])}
    check(rc == 0 and ids == {"T29RKH_20200219_20200310": "done"}, f"real Earth Search item pairs: {rc} {ids} {err}")


def test_kill_resume_and_shards(w):
    rows = []
    for i in range(6):
        rows.append([f"p{i}", os.path.join(S2B, "before.tif" if i % 2 == 0 else "after.tif"),
                     os.path.join(S2B, "after.tif" if i % 2 == 0 else "before.tif")])
    m = os.path.join(w, "six.csv")
    write_csv(m, rows)
    whole = os.path.join(w, "whole")
    rc, _, err = run("batch", m, "-o", whole, "-q")
    check(rc == 0, f"six pairs: exit {rc}: {err}")
    # killed (SIGKILL) after its first pair: the rerun scans the rest only
    killed = os.path.join(w, "killed")
    p = subprocess.Popen([MINEWATCH, "batch", m, "-o", killed, "--threads", "1"], stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while time.time() - t0 < 120:
        try:
            st = read_json(os.path.join(killed, "batch.json"))
            if any(e["state"] == "done" for e in st["pairs"]):
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.communicate()
    st = read_json(os.path.join(killed, "batch.json"))
    ndone = sum(e["state"] == "done" for e in st["pairs"])
    check(0 < ndone < 6 or ndone == 6, f"state after the kill is readable: {ndone} done")
    rc, _, err = run("batch", m, "-o", killed)
    check(rc == 0 and (ndone == 6 or f"{ndone} pair" in err), f"resume keeps the {ndone} done: {err}")
    check(not [f for f in os.listdir(os.path.join(killed, "pairs")) if ".tmp-" in f], "no temporary file left")
    check(tree(killed) == tree(whole), "killed + resumed batch equals the uninterrupted one, byte for byte")
    # SIGTERM: clean stop, exit 1, resumable
    term = os.path.join(w, "term")
    p = subprocess.Popen([MINEWATCH, "batch", m, "-o", term, "--threads", "1"], stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate()
    check_sanitizers(err, "batch under SIGTERM")
    check(p.returncode in (0, 1), f"SIGTERM: exit {p.returncode}: {err}")
    rc, _, err = run("batch", m, "-o", term, "-q")
    check(rc == 0 and tree(term) == tree(whole), "terminated + resumed batch equals the whole one")
    # shards, merged in any order, equal the one-process batch
    shards = []
    for k in (2, 0, 1):
        d = os.path.join(w, f"shard-{k}")
        rc, _, err = run("batch", m, "-o", d, "--shard", f"{k}/3", "-q")
        check(rc == 0, f"shard {k}/3: exit {rc}: {err}")
        shards.append(d)
    merged = os.path.join(w, "merged")
    rc, _, err = run("merge", *shards, "-o", merged)
    check(rc == 0, f"merge: exit {rc}: {err}")
    a, b = tree(merged), tree(whole)
    check(a == b, f"3 shards merged equal one batch byte for byte: {sorted(set(a) ^ set(b))} "
                  f"{[k for k in a if k in b and a[k] != b[k]]}")
    rc, _, err = run("merge", shards[0], shards[1], "-o", os.path.join(w, "m2"))
    check(rc == 2 and "none of the folders" in err, f"a missing shard is refused: {rc} {err}")
    rc, _, err = run("merge", shards[0], shards[0], shards[1], shards[2], "-o", os.path.join(w, "m3"))
    check(rc == 2, f"a shard given twice is refused: {rc} {err}")
    rc, _, err = run("merge", *shards, "-o", shards[0])
    check(rc == 2, f"merge into one of its inputs is refused: {rc}")


w = tmpdir()
os.makedirs(os.path.join(w, "a"))
test_manifest(os.path.join(w, "a"))
os.makedirs(os.path.join(w, "b"))
test_folder(os.path.join(w, "b"))
os.makedirs(os.path.join(w, "c"))
test_stac(os.path.join(w, "c"))
os.makedirs(os.path.join(w, "d"))
test_real_stac(os.path.join(w, "d"))
os.makedirs(os.path.join(w, "e"))
test_kill_resume_and_shards(os.path.join(w, "e"))
shutil.rmtree(w, ignore_errors=True)
done()
