"""Outputs never hurt what the user owns: every output path is checked
before a pixel is read (the same file as an input or another output, a
wrong extension, a folder, an empty name, an unwritable folder, an
unreadable --protected), outputs are committed together or not at all,
a symbolic link is written through to its target, a read-only file is
never replaced, and every format is byte-identical across runs."""
import hashlib
import os
import shutil
import stat
import subprocess
import time

from mwtest import MINEWATCH, SANITIZED, check, check_sanitizers, done, run, s2_pair, tmpdir

d = tmpdir()
before, after = s2_pair(d)
out = os.path.join(d, "out")
os.makedirs(out)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def listing():
    return sorted(os.listdir(out))


def refused(args, needles, what, code=2, keep=()):
    """A run refused before the scan: exit @code, one error line naming
    @needles, the files @keep unchanged, nothing new in @out."""
    sums = {k: digest(k) for k in keep}
    files = listing()
    t0 = time.monotonic()
    rc, so, se = run("scan", *args, "--quiet")
    lines = [l for l in se.splitlines() if l.strip()]
    check(rc == code, f"{what}: exit {rc}, want {code}: {se!r}")
    check(len(lines) == 1 and lines[0].startswith("minewatch: error: "), f"{what}: one error line: {se!r}")
    for n in needles:
        check(n in se, f"{what}: message names {n!r}: {se!r}")
    for k, v in sums.items():
        check(os.path.exists(k) and digest(k) == v, f"{what}: {k} unchanged")
    check(listing() == files, f"{what}: nothing new left: {set(listing()) ^ set(files)}")
    return time.monotonic() - t0


# 1. The same file as an input, through every path to it.
inputs = os.path.join(d, "inputs")
os.makedirs(inputs)
aoi = os.path.join(inputs, "aoi.geojson")
with open(aoi, "w") as f:
    f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"all"},'
            '"geometry":{"type":"Polygon","coordinates":[[[-70,-20],[-50,-20],[-50,0],[-70,0],[-70,-20]]]}}]}')
model = os.path.join(inputs, "m.json")
shutil.copy(os.path.join(os.environ.get("MW_SOURCE_ROOT", "."), "models", "sentinel2.json"), model)
o = os.path.join(out, "a.geojson")
refused([before, after, "-o", o, "--change-raster", before], [before, "before scene"], "--change-raster onto the before scene",
        keep=[before])
refused([before, after, "-o", aoi, "--aoi", aoi], [aoi, "--aoi"], "-o onto the AOI", keep=[aoi])
refused([before, after, "-o", model, "--model", model], [model, "model"], "-o onto the model", keep=[model])
refused([before, after, "-o", aoi, "--protected", aoi], ["--protected"], "-o onto the protected areas", keep=[aoi])
link = os.path.join(out, "link.tif")
os.symlink(after, link)
refused([before, after, "-o", o, "--change-raster", link], [link, after, "after scene"],
        "--change-raster through a symbolic link to the after scene", keep=[after])
os.remove(link)
hard = os.path.join(out, "hard.tif")
os.link(before, hard)
refused([before, after, "-o", o, "--change-raster", hard], [hard, before], "a hard link to the before scene", keep=[before])
os.remove(hard)
rel = os.path.relpath(before, out)
refused([before, after, "-o", o, "--change-raster", os.path.join(out, ".", rel)],
        ["before scene"], "another spelling of the before scene's path", keep=[before])

# A folder scene: its band files and its STAC item (even read-only).
folder = os.path.join(d, "S2B_MSIL2A_20210110_folder")
os.makedirs(folder)
from osgeo import gdal  # noqa: E402
src = gdal.Open(after)
for i, n in enumerate(["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]):
    gdal.Translate(os.path.join(folder, f"T20LQR_20210110T140051_{n}_10m.tif"), src, bandList=[i + 1])
src = None
item = os.path.join(folder, "item.json")
with open(item, "w") as f:
    f.write('{"type": "Feature", "stac_version": "1.0.0", "id": "x", "properties": {"datetime": "2021-01-10T14:00:00Z"}, '
            '"assets": {}}')
os.chmod(item, 0o444)
rc, so, se = run("scan", before, folder, "-o", o, "--quiet")
check(rc == 0, f"the folder scene scans: {se!r}")
os.remove(o)
item_json = os.path.join(out, "item.json")
os.symlink(item, item_json)
refused([before, folder, "-o", item_json], [item, "after scene"], "-o onto a folder scene's STAC item", keep=[item])
os.remove(item_json)
band = os.path.join(folder, "T20LQR_20210110T140051_B04_10m.tif")
refused([before, folder, "-o", o, "--change-raster", band], [band, "after scene"], "--change-raster onto a band file",
        keep=[band])

# Two outputs that are one file, and names that fit no output.
refused([before, after, "-o", o, "--change-raster", o], ["GeoTIFF"], "--change-raster with the alerts' name")
refused([before, after, "-o", os.path.join(out, "c.tif"), "--change-raster", os.path.join(out, "c.tif")],
        ["unknown output format"], "-o with a raster extension")
refused([before, after, "-o", ""], ["empty"], "an empty -o")
refused([before, after, "-o", o, "--change-raster", ""], ["empty"], "an empty --change-raster")
refused([before, after, "-o", out + "/"], ["not a file name"], "-o naming a folder with a slash")
sub = os.path.join(out, "sub.geojson")
os.makedirs(sub)
refused([before, after, "-o", sub], ["is a folder"], "-o onto a folder")
shp = os.path.join(out, "s.shp")
os.makedirs(shp)
refused([before, after, "-o", shp], ["is a folder"], "-o s.shp onto a folder")
os.rmdir(shp)
os.rmdir(sub)
refused([before, after, "-o", o, "--protected", os.path.join(d, "missing.gpkg")], ["missing.gpkg"],
        "a missing --protected", code=1)
unreadable = os.path.join(d, "unreadable.geojson")
shutil.copy(aoi, unreadable)
os.chmod(unreadable, 0)
if os.geteuid() != 0:
    refused([before, after, "-o", o, "--protected", unreadable], ["unreadable.geojson"], "an unreadable --protected",
            code=1)
elif shutil.which("setpriv"):
    # Root reads anything: run as nobody (the rest made readable to it).
    os.chmod(d, 0o755)
    os.chmod(out, 0o777)
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", MINEWATCH, "scan", before,
                        after, "-o", o, "--protected", unreadable, "--quiet"], capture_output=True, text=True, timeout=300)
    check_sanitizers(p.stderr, "unreadable --protected")
    check(p.returncode == 1 and p.stderr.startswith(f"minewatch: error: {unreadable}: Permission denied"),
          f"an unreadable --protected (as nobody): {p.returncode} {p.stderr!r}")
    check(not os.listdir(out), f"an unreadable --protected: nothing left: {os.listdir(out)}")
    os.chmod(out, 0o755)
    os.chmod(d, 0o700)
refused([before, after, "-o", os.path.join(d, "nodir", "a.geojson")], ["nodir"], "a missing folder", code=1)

# The checks come before the scan: a refused run of a big pair is quick.
big = tmpdir()
bb, ba = s2_pair(big, size=512 if SANITIZED else 1536)
t_refused = refused([bb, ba, "-o", os.path.join(out, "a.tif")], ["unknown output format"], "wrong extension, big pair")
t0 = time.monotonic()
rc, so, se = run("scan", bb, ba, "-o", os.path.join(out, "big.geojson"), "--quiet", "--threads", "1")
t_run = time.monotonic() - t0
check(rc == 0, f"big pair scans: {se!r}")
os.remove(os.path.join(out, "big.geojson"))
# A refused run reads no pixel: well under a scan of the pair. Only a
# loose bound, since the machine may be loaded (the exact no-read rule is
# the kill test's and the messages' business).
check(t_refused < t_run * 0.8, f"refused before the scan: {t_refused:.2f} s vs a run of {t_run:.2f} s")
shutil.rmtree(big)

# 2. A commit that cannot finish rolls back: the change raster's name
# turns into a folder while the scan runs; the older alerts stay as they were.
old = b'{"older": true}\n'
with open(o, "wb") as f:
    f.write(old)
big = tmpdir()
bb, ba = s2_pair(big, size=512 if SANITIZED else 1024)
cr = os.path.join(out, "c.tif")
p = subprocess.Popen([MINEWATCH, "scan", bb, ba, "-o", o, "--change-raster", cr, "--threads", "1"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p.stderr.read(1)  # under way: the checks are done
os.makedirs(os.path.join(cr, "inside"))
se = p.communicate(timeout=300)[1]
check_sanitizers(se, "commit onto a folder")
check(p.returncode == 1 and cr in se, f"commit onto a folder fails naming it: {p.returncode} {se[-300:]!r}")
check(open(o, "rb").read() == old, "a failed commit leaves the older alerts exactly as they were")
shutil.rmtree(cr)
check(listing() == ["a.geojson"], f"a failed commit leaves nothing: {listing()}")
shutil.rmtree(big)

# Shapefile sets are one unit: an older set with a .cpg the new one lacks
# loses it (no stale part), and a refused run leaves the old set whole.
shp = os.path.join(out, "s.shp")
rc, so, se = run("scan", before, after, "-o", shp, "--quiet", "--min-area", "0.01")
check(rc == 0, f"shapefile: {se!r}")
parts = sorted(f for f in listing() if f.startswith("s."))
check({"s.shp", "s.shx", "s.dbf", "s.prj"} <= set(parts), f"shapefile parts: {parts}")
with open(os.path.join(out, "s.qix"), "wb") as f:
    f.write(b"stale index")
rc, so, se = run("scan", before, after, "-o", shp, "--quiet", "--min-area", "0.01")
check(rc == 0 and not os.path.exists(os.path.join(out, "s.qix")), "a stale part of the old set goes with the commit")
refused([before, after, "-o", shp, "--aoi", os.path.join(out, "s.shp")], ["--aoi"], "-o onto the AOI shapefile",
        keep=[os.path.join(out, f) for f in parts])
for f in parts:
    os.remove(os.path.join(out, f))

# 7. A symbolic link is written through (the link stays, its target gets
# the alerts); a dangling link and a read-only file are refused.
target_dir = os.path.join(d, "elsewhere")
os.makedirs(target_dir)
target = os.path.join(target_dir, "latest.geojson")
with open(target, "wb") as f:
    f.write(old)
link = os.path.join(out, "latest.geojson")
os.symlink(target, link)
rc, so, se = run("scan", before, after, "-o", link, "--quiet")
check(rc == 0, f"scan to a symbolic link: {se!r}")
check(os.path.islink(link) and os.readlink(link) == target, "the link stays a link to its target")
check(b"FeatureCollection" in open(target, "rb").read(), "the target holds the alerts")
check(sorted(os.listdir(target_dir)) == ["latest.geojson"], f"nothing left beside the target: {os.listdir(target_dir)}")
os.remove(link)
dangling = os.path.join(out, "dangling.geojson")
os.symlink(os.path.join(d, "nowhere", "x.geojson"), dangling)
refused([before, after, "-o", dangling], ["symbolic link"], "a dangling symbolic link")
os.remove(dangling)
ro = os.path.join(out, "ro.geojson")
with open(ro, "wb") as f:
    f.write(old)
os.chmod(ro, 0o444)
refused([before, after, "-o", ro], [ro, "read-only"], "a read-only output", code=1, keep=[ro])
check(stat.S_IMODE(os.stat(ro).st_mode) == 0o444, "the read-only file keeps its mode")
os.chmod(ro, 0o644)
os.remove(ro)

# 6. Every format byte-identical across runs (GeoPackage included: no clock
# in the file).
for ext in ("geojson", "gpkg", "fgb", "kml", "csv", "shp"):
    sums = []
    for k in range(2):
        f = os.path.join(out, f"det{k}", "alerts." + ext)
        os.makedirs(os.path.dirname(f), exist_ok=True)
        rc, so, se = run("scan", before, after, "-o", f, "--quiet", "--min-area", "0.01", "--min-confidence", "0")
        check(rc == 0, f".{ext}: {se!r}")
        sums.append({n: digest(os.path.join(os.path.dirname(f), n)) for n in sorted(os.listdir(os.path.dirname(f)))})
        if k == 0:
            time.sleep(1.1)  # a timestamp would differ
    check(sums[0] == sums[1], f".{ext}: byte-identical across runs")
    for k in range(2):
        shutil.rmtree(os.path.join(out, f"det{k}"))

# 4. Text is valid UTF-8 in every format: a protected-area name with bytes
# that are no UTF-8 is repaired (U+FFFD) with a warning; an empty name is
# null, not the feature id; `info --json` on such a path is valid JSON.
import json  # noqa: E402
for label, name, want in (("bad", b"Reserva \xff\xfe Sul", "Reserva \ufffd\ufffd Sul"), ("empty", b"", None)):
    pa = os.path.join(d, f"protected_{label}.csv")
    with open(pa, "wb") as f:
        f.write(b'WKT,NAME\n"POLYGON ((-64 -10,-62 -10,-62 -8,-64 -8,-64 -10))",' + name + b"\n")
    for ext in ("geojson", "gpkg", "fgb", "csv", "shp", "kml"):
        f = os.path.join(out, f"pa_{label}.{ext}")
        rc, so, se = run("scan", before, after, "-o", f, "--protected", pa, "--quiet", "--min-area", "0.01")
        check(rc == 0, f"protected {label}, .{ext}: {se!r}")
        if label == "bad":
            check("not valid UTF-8" in se and pa in se, f"protected {label}, .{ext}: a warning names the layer: {se!r}")
        ds = gdal.OpenEx(f, gdal.OF_VECTOR)
        lyr = ds.GetLayer(0)
        names = set()
        for feat in lyr:
            k = feat.GetFieldIndex("protected_area" if ext != "shp" else "protected")
            names.add(feat.GetFieldAsBinary(k).decode("utf-8") if feat.IsFieldSetAndNotNull(k) else None)
        ds = None
        if ext == "csv":  # CSV has no null: an empty field is one
            names = {n or None for n in names}
        check(names == {want}, f"protected {label}, .{ext}: names {names}, want {{{want!r}}}")
        for x in [n for n in os.listdir(out) if n.startswith(f"pa_{label}.")]:
            os.remove(os.path.join(out, x))
odd = os.path.join(out.encode(), b"after_\xff_20210110.tif")
shutil.copy(after, odd)
p = subprocess.run([MINEWATCH.encode(), b"info", odd, b"--json"], capture_output=True)
check_sanitizers(p.stderr.decode("utf-8", "replace"), "info --json")
try:
    info = json.loads(p.stdout.decode("utf-8"))
    check(info["path"].endswith("after_\ufffd_20210110.tif"), f"info --json: repaired path {info['path']!r}")
except (UnicodeDecodeError, ValueError) as e:
    check(False, f"info --json on a path that is no UTF-8: valid JSON: {e}: {p.stdout[:200]!r}")
os.remove(odd)

shutil.rmtree(d, ignore_errors=True)
done()
