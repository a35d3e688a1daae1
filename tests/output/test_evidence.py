"""Evidence package (scan --evidence DIR) and minewatch verify.

On the bundled 400 x 400 sample (multiband stack) and on a generated
Sentinel-2 product folder (band files + MTD_MSIL2A.xml): every alert has
its chips, GeoTIFFs and Feature; the manifest's hashes equal sha256sum's;
the package's SHA256SUMS passes `sha256sum -c`; the KMZ reads through
GDAL's /vsizip/, the GPX has a waypoint per alert; verify passes on the
package and catches a changed chip, a changed manifest, a missing and an
added file, a changed input, and lists inputs no longer at their paths.
The package is byte-identical for any thread count and tile size (but the
manifest, which records them and the times, and the report's start time).
Refusals (non-empty DIR, an output inside DIR, a missing parent) exit 2
and leave nothing behind.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import MINEWATCH, SRC, check, done, read_json, run, scene, tmpdir  # noqa: E402

from osgeo import gdal, ogr  # noqa: E402

gdal.UseExceptions()
SAMPLE = os.path.join(SRC, "samples", "synthetic-s2")
CHIPS = ["before.png", "after.png", "before_swir.png", "after_swir.png", "change.png"]
FILES = CHIPS + ["before.tif", "after.tif", "alert.json"]


def sha256sum(path):
    """The digest as coreutils' sha256sum prints it (an independent implementation)."""
    return subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True).stdout.split()[0]


def scan(before, after, out_dir, *extra):
    alerts = os.path.join(out_dir, "alerts.geojson")
    ev = os.path.join(out_dir, "evidence")
    rc, _, err = run("scan", before, after, "-o", alerts, "--evidence", ev, "--quiet", *extra)
    check(rc == 0, f"scan --evidence exits 0 ({rc}): {err}")
    return alerts, ev


def check_package(alerts_path, ev, label):
    alerts = read_json(alerts_path)
    ids = [f["id"] for f in alerts["features"]]
    check(len(ids) > 0, f"{label}: the scan finds alerts")
    for name in ["manifest.json", "report.html", "overview.png", "alerts.kmz", "alerts.gpx", "SHA256SUMS"]:
        check(os.path.isfile(os.path.join(ev, name)), f"{label}: {name} present")
    check(sorted(os.listdir(os.path.join(ev, "alerts"))) == sorted(ids), f"{label}: one folder per alert")
    feats = {f["id"]: f for f in alerts["features"]}
    for i in ids:
        d = os.path.join(ev, "alerts", i)
        for name in FILES:
            check(os.path.isfile(os.path.join(d, name)), f"{label}: {i}/{name} present")
        for name in CHIPS:
            ds = gdal.Open(os.path.join(d, name))
            check(ds.GetDriver().ShortName == "PNG" and ds.RasterCount == 3
                  and 128 <= max(ds.RasterXSize, ds.RasterYSize) <= 400, f"{label}: {i}/{name} is an RGB PNG, 128..400 px")
            a = ds.ReadAsArray()
            check(a.std() > 5, f"{label}: {i}/{name} is not blank (std {a.std():.1f})")
            # the outline: the chip holds its yellow (255, 230, 0)
            yellow = ((a[0] == 255) & (a[1] == 230) & (a[2] == 0)).sum()
            check(yellow > 50, f"{label}: {i}/{name} shows the outline ({yellow} px)")
        check(read_json(os.path.join(d, "alert.json")) == feats[i], f"{label}: {i}/alert.json is the Feature")
        t = gdal.Open(os.path.join(d, "before.tif"))
        check(t.GetSpatialRef() is not None and t.GetGeoTransform()[1] > 0 and t.RasterCount >= 4,
              f"{label}: {i}/before.tif is georeferenced with the bands")
    m = read_json(os.path.join(ev, "manifest.json"))
    for k in ["tool", "libraries", "command_line", "started_utc", "finished_utc", "parameters", "model", "scenes",
              "alerts", "chips"]:
        check(k in m, f"{label}: manifest has {k}")
    check(m["tool"]["source_commit"] != "", f"{label}: source commit stated")
    check(all(m["libraries"].get(k) for k in ("gdal", "proj", "libtiff")), f"{label}: GDAL/PROJ/libtiff versions")
    check(m["chips"]["stretch"]["true_colour"]["reflectance_max"] > 0, f"{label}: the stretch is stated")
    check(m["model"]["sha256"] == sha256sum(m["model"]["path"]), f"{label}: model SHA-256 = sha256sum")
    check(m["alerts"]["sha256"] == sha256sum(alerts_path), f"{label}: alert file SHA-256 = sha256sum")
    for s in m["scenes"]:
        check(len(s["files"]) > 0, f"{label}: {s['role']} lists its files")
        for f in s["files"]:
            check(f["sha256"] == sha256sum(f["path"]) and f["size"] == os.path.getsize(f["path"]),
                  f"{label}: {f['path']} SHA-256 and size = sha256sum's")
    p = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=ev, capture_output=True, text=True)
    check(p.returncode == 0, f"{label}: sha256sum -c SHA256SUMS passes: {p.stdout[-500:]}")
    listed = [ln.split("  ", 1)[1] for ln in open(os.path.join(ev, "SHA256SUMS")).read().splitlines()]
    present = sorted(os.path.relpath(p, ev) for p in glob.glob(os.path.join(ev, "**"), recursive=True)
                     if os.path.isfile(p) and not p.endswith("SHA256SUMS"))
    check(listed == present, f"{label}: SHA256SUMS lists every file")
    # KMZ through GDAL's /vsizip/, GPX through OGR
    kml = ogr.Open("/vsizip/" + os.path.join(ev, "alerts.kmz") + "/doc.kml")
    names = [f.GetField("Name") for f in kml.GetLayer(0)]
    check(sorted(names) == sorted(ids), f"{label}: KMZ placemarks named by id")
    with zipfile.ZipFile(os.path.join(ev, "alerts.kmz")) as z:
        zn = set(z.namelist())
        check(z.testzip() is None, f"{label}: every KMZ entry reads back with its CRC")
        png = z.read(f"files/{ids[0]}/after.png")
    check(png == open(os.path.join(ev, "alerts", ids[0], "after.png"), "rb").read(),
          f"{label}: the KMZ's chip is the package's chip")
    check(all(f"files/{i}/before.png" in zn and f"files/{i}/after.png" in zn for i in ids),
          f"{label}: KMZ carries the before/after chips")
    gpx = ogr.Open(os.path.join(ev, "alerts.gpx"))
    check(gpx.GetLayerByName("waypoints").GetFeatureCount() == len(ids), f"{label}: a GPX waypoint per alert")
    rc, out, err = run("verify", ev)
    check(rc == 0 and "intact" in out, f"{label}: verify passes on the package ({rc}): {out} {err}")
    return m, ids


def tamper(ev, work, ids):
    def copy():
        d = os.path.join(work, "copy")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(ev, d)
        return d

    d = copy()
    chip = os.path.join(d, "alerts", ids[0], "after.png")
    with open(chip, "r+b") as f:
        f.seek(200)
        b = f.read(1)
        f.seek(200)
        f.write(bytes([b[0] ^ 1]))
    rc, _, err = run("verify", d)
    check(rc == 1 and f"alerts/{ids[0]}/after.png: altered" in err.splitlines()[0], f"verify names a changed chip: {err}")
    d = copy()
    with open(os.path.join(d, "manifest.json"), "a") as f:
        f.write(" ")
    rc, _, err = run("verify", d)
    check(rc == 1 and "manifest.json: altered" in err.splitlines()[0], f"verify names a changed manifest: {err}")
    d = copy()
    os.remove(os.path.join(d, "alerts", ids[-1], "before.tif"))
    rc, _, err = run("verify", d)
    check(rc == 1 and f"alerts/{ids[-1]}/before.tif: missing" in err.splitlines()[0], f"verify names a missing file: {err}")
    d = copy()
    with open(os.path.join(d, "alerts", "notes.txt"), "w") as f:
        f.write("added later\n")
    rc, _, err = run("verify", d)
    check(rc == 1 and "alerts/notes.txt: added" in err.splitlines()[0], f"verify names an added file: {err}")


def inputs_moved_or_changed(work):
    """A scan of copies of the sample; then one copy is changed, the other removed."""
    d = os.path.join(work, "inputs")
    os.makedirs(d)
    b, a = os.path.join(d, "before.tif"), os.path.join(d, "after.tif")
    shutil.copy(os.path.join(SAMPLE, "before.tif"), b)
    shutil.copy(os.path.join(SAMPLE, "after.tif"), a)
    alerts, ev = scan(b, a, d)
    os.remove(b)
    rc, out, err = run("verify", ev)
    check(rc == 0 and "not at its recorded path" in out and "before.tif" in out,
          f"verify lists an absent input and passes ({rc}): {out} {err}")
    with open(a, "r+b") as f:
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 1]))
    rc, out, err = run("verify", ev)
    check(rc == 1 and "after.tif: input changed" in err, f"verify names a changed input ({rc}): {err}")


def refusals(work):
    b, a = os.path.join(SAMPLE, "before.tif"), os.path.join(SAMPLE, "after.tif")
    full = os.path.join(work, "full")
    os.makedirs(full)
    with open(os.path.join(full, "keep.txt"), "w") as f:
        f.write("mine\n")
    out = os.path.join(work, "r.geojson")
    rc, _, err = run("scan", b, a, "-o", out, "--evidence", full, "--quiet")
    check(rc == 2 and "not empty" in err, f"a non-empty DIR is refused with exit 2 ({rc}): {err}")
    check(os.listdir(full) == ["keep.txt"] and not os.path.exists(out), "a refused run leaves DIR and -o untouched")
    ev = os.path.join(work, "ev-inside")
    rc, _, err = run("scan", b, a, "-o", os.path.join(ev, "x.geojson"), "--evidence", ev, "--quiet")
    check(rc == 2, f"an output inside DIR is refused ({rc}): {err}")
    rc, _, err = run("scan", b, a, "-o", out, "--evidence", os.path.join(work, "no", "such", "dir"), "--quiet")
    check(rc == 2 and not os.path.exists(out), f"a DIR whose parent is missing is refused ({rc}): {err}")
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    rc, _, err = run("scan", b, a, "-o", out, "--evidence", empty, "--quiet")
    check(rc == 0 and os.path.isfile(os.path.join(empty, "SHA256SUMS")), f"an empty DIR is filled ({rc}): {err}")
    left = [n for n in os.listdir(work) if ".tmp-" in n]
    check(not left, f"no temporary folder left behind: {left}")
    same = os.path.join(work, "same.geojson")
    rc, _, err = run("scan", b, a, "-o", same, "--evidence", same, "--quiet")
    check(rc == 2 and not os.path.exists(same), f"DIR that is -o is refused ({rc}): {err}")
    rc, _, err = run("scan", b, a, "-o", out, "--evidence", b, "--quiet")
    check(rc == 2 and "not a folder" in err, f"DIR that is an input is refused ({rc}): {err}")
    rc, _, err = run("verify", os.path.join(work, "full"))
    check(rc == 1 and "SHA256SUMS: missing: not an evidence package" in err and err.count("\n") == 1,
          f"verify of a folder without SHA256SUMS: exit 1, one line ({rc}): {err}")


def together(work):
    """Alert file, change raster and package are one transaction: a run
    interrupted at any moment leaves all three or none, and no staging
    folder."""
    b, a = os.path.join(SAMPLE, "before.tif"), os.path.join(SAMPLE, "after.tif")
    for i, delay in enumerate((0.2, 0.6, 1.2, 2.5)):
        d = os.path.join(work, f"t{i}")
        os.makedirs(d)
        out, ras, ev = os.path.join(d, "a.geojson"), os.path.join(d, "c.tif"), os.path.join(d, "ev")
        p = subprocess.Popen([MINEWATCH, "scan", b, a, "-o", out, "--change-raster", ras, "--evidence", ev,
                              "--quiet"], stderr=subprocess.PIPE, text=True)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGINT)
        p.communicate(timeout=600)
        have = [os.path.exists(x) for x in (out, ras, ev)]
        left = [n for n in os.listdir(d) if ".tmp-" in n]
        check(have in ([True] * 3, [False] * 3) and not left,
              f"interrupted after {delay} s (exit {p.returncode}): alerts, raster, DIR {have}; left {left}")
        if all(have):
            m = read_json(os.path.join(ev, "manifest.json"))
            digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
            check(digest in json.dumps(m), "the manifest holds the committed alert file's SHA-256")


def invariance(work):
    """Same inputs, other threads and tile sizes (sites cut by tile edges,
    chips made on other threads): the same bytes in every file."""
    b, a = os.path.join(SAMPLE, "before.tif"), os.path.join(SAMPLE, "after.tif")
    packages = []
    for threads, tile in ((1, 128), (2, 512), (2, 77)):
        d = os.path.join(work, f"inv-{threads}-{tile}")
        os.makedirs(d)
        _, ev = scan(b, a, d, "--threads", threads, "--tile-size", tile, "--min-confidence", 0)
        files = {}
        for root, _, names in os.walk(ev):
            for n in names:
                p = os.path.join(root, n)
                data = open(p, "rb").read()
                if n == "report.html":
                    data = re.sub(rb"Scan started</dt><dd>[^<]*", b"", data)
                files[os.path.relpath(p, ev)] = data
        files.pop("manifest.json")
        files.pop("SHA256SUMS")
        packages.append(files)
    check(len(packages[0]) > 20, f"the package has files to compare ({len(packages[0])})")
    for k, other in enumerate(packages[1:], 1):
        diff = sorted(n for n in set(packages[0]) | set(other) if packages[0].get(n) != other.get(n))
        check(not diff, f"package {k} equals the first but for the manifest: differs in {diff[:5]}")


def main():
    work = tmpdir()
    try:
        alerts, ev = scan(os.path.join(SAMPLE, "before.tif"), os.path.join(SAMPLE, "after.tif"), work)
        m, ids = check_package(alerts, ev, "sample")
        s = m["scenes"][1]
        check(s["product_id"].startswith("S2A_MSIL2A_20230707") and s["tile"] == "T21MYN"
              and s["processing_baseline"] == "04.00" and s["acquisition_datetime"].startswith("2023-07-07T"),
              f"sample: after scene provenance from its metadata: {s}")
        # native values: the after scene's grid is the target grid, so before.tif of
        # the after date holds the input's DN at the same place
        t = gdal.Open(os.path.join(ev, "alerts", ids[0], "after.tif"))
        src = gdal.Open(os.path.join(SAMPLE, "after.tif"))
        gt, sgt = t.GetGeoTransform(), src.GetGeoTransform()
        x0, y0 = round((gt[0] - sgt[0]) / sgt[1]), round((gt[3] - sgt[3]) / sgt[5])
        w = min(t.RasterXSize, src.RasterXSize - max(x0, 0)) - max(0, -x0)
        h = min(t.RasterYSize, src.RasterYSize - max(y0, 0)) - max(0, -y0)
        got = t.GetRasterBand(3).ReadAsArray(max(0, -x0), max(0, -y0), w, h)
        want = src.GetRasterBand(3).ReadAsArray(max(x0, 0), max(y0, 0), w, h)
        check((got == want).all(), "after.tif holds the product's DN (red band)")
        tamper(ev, work, ids)
        invariance(work)
        inputs_moved_or_changed(work)
        refusals(work)
        together(work)
        # a generated product folder: band files + MTD_MSIL2A.xml
        pair = scene("s2-folder-400-seed3", "--seed", 3, "--sensor", "sentinel2", "--layout", "folder", "--size", 400)
        g = os.path.join(work, "generated")
        os.makedirs(g)
        alerts, ev = scan(os.path.join(pair, "before"), os.path.join(pair, "after"), g)
        m, _ = check_package(alerts, ev, "generated folder")
        for s in m["scenes"]:
            names = [os.path.basename(f["path"]) for f in s["files"]]
            check(any(n.endswith("MTD_MSIL2A.xml") for n in names) and sum(n.endswith(".tif") for n in names) >= 7,
                  f"generated: {s['role']} lists its band files and MTD_MSIL2A.xml: {names}")
            check(s["product_id"] and s["tile"] and s["processing_baseline"] and s["acquisition_datetime"],
                  f"generated: {s['role']} provenance from MTD_MSIL2A.xml: {s}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
