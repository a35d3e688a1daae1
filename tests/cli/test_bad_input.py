"""Bad input: exit 1 (2 for usage), one 'minewatch: error:' line naming the
file and the problem, and never an output file (issue 5)."""
import os
import shutil
import signal
import stat
import subprocess
import time

import json

import numpy as np
from osgeo import gdal

from mwtest import MINEWATCH, check, check_sanitizers, done, run, s2_pair, tmpdir, write_stack

gdal.UseExceptions()
d = tmpdir()
before, after = s2_pair(d)
out = os.path.join(d, "out", "alerts.geojson")
os.makedirs(os.path.dirname(out))


def expect_error(args, needles, what, code=1, output=out):
    rc, so, se = run("scan", *args, "-o", output, "--quiet")
    lines = [l for l in se.splitlines() if l.strip()]
    ok = check(rc == code, f"{what}: exit {rc}, want {code}; stderr {se!r}")
    if ok and code == 1:
        check(len(lines) == 1 and lines[0].startswith("minewatch: error: "), f"{what}: one error line, got {se!r}")
        for n in needles:
            check(n in se, f"{what}: message should mention {n!r}: {se!r}")
    check(not os.path.exists(output), f"{what}: no output left")
    leftovers = [f for f in os.listdir(os.path.dirname(output)) if f != "ro"] if os.path.isdir(os.path.dirname(output)) else []
    check(not leftovers, f"{what}: no temporary files left: {leftovers}")


# The good pair works (so the failures below are the inputs' fault).
rc, so, se = run("scan", before, after, "-o", out, "--quiet", "--min-area", "0.01")
check(rc == 0 and os.path.exists(out), f"good pair scans: {se}")
os.remove(out)

empty = os.path.join(d, "empty.tif")
open(empty, "w").close()
expect_error([empty, after], ["empty.tif"], "empty file")

text = os.path.join(d, "notes.tif")
with open(text, "w") as f:
    f.write("this is not a raster\n")
expect_error([before, text], ["notes.tif"], "text file named .tif")

trunc = os.path.join(d, "truncated.tif")
with open(before, "rb") as f:
    data = f.read()
with open(trunc, "wb") as f:
    f.write(data[: len(data) // 3])
expect_error([trunc, after], ["truncated.tif"], "truncated GeoTIFF")

expect_error([os.path.join(d, "missing.tif"), after], ["missing.tif"], "missing file")

# Missing band: no red.
ds = gdal.Open(before)
arrs = [ds.GetRasterBand(i + 1).ReadAsArray() for i in range(ds.RasterCount)]
ds = None
nored = write_stack(os.path.join(d, "nored.tif"), [arrs[0], arrs[1], arrs[3], arrs[4], arrs[5], arrs[6]],
                    ["B02", "B03", "B08", "B11", "B12", "SCL"])
expect_error([nored, after], ["nored.tif", "red"], "missing band")

# Band map naming a band that does not exist.
expect_error([before, after, "--band-map", "blue=1,green=2,red=3,nir=9,swir1=5,swir2=6"],
             ["before_20200105.tif", "nir=9", "7 bands"], "band map to a missing band")
expect_error([before, after, "--band-map", "blue=1,green=2,red=3"], ["before_20200105.tif", "nir"],
             "band map without a required role")

# Bands of one scene with different extents: a per-band product folder
# whose B11 covers less ground, and one whose SCL mask has the wrong size.
names = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
for odd, what in (("B11", "a band with another extent"), ("SCL", "a mask band of the wrong size")):
    folder = os.path.join(d, f"S2A_MSIL2A_20200105T140051_{odd}_odd")
    os.makedirs(folder)
    for a, n in zip(arrs, names):
        write_stack(os.path.join(folder, f"T20LQR_20200105T140051_{n}_10m.tif"), [a[:40, :50] if n == odd else a], [n])
    expect_error([folder, after], [f"T20LQR_20200105T140051_{odd}_10m.tif", "extent"], what)

# A zero-size raster. GDAL refuses to create one ("Attempt to create 0x0
# dataset is illegal"), so write the TIFF header by hand: width 0.
def zero_tiff(path, w, h):
    import struct
    tags = [(256, 3, w), (257, 3, h), (258, 3, 16), (259, 3, 1), (262, 3, 1), (273, 4, 8),
            (277, 3, 1), (278, 3, max(h, 1)), (279, 4, 0)]
    ifd = struct.pack("<H", len(tags))
    for tag, typ, val in tags:
        ifd += struct.pack("<HHII", tag, typ, 1, val) if typ == 4 else struct.pack("<HHIHH", tag, typ, 1, val, 0)
    with open(path, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0))
    return path


try:
    gdal.GetDriverByName("GTiff").Create(os.path.join(d, "gdal_zero.tif"), 0, 64, 1, gdal.GDT_UInt16)
    check(False, "GDAL created a 0-wide GeoTIFF: test one")
except RuntimeError:
    pass
expect_error([zero_tiff(os.path.join(d, "zero_width.tif"), 0, 64), after], ["zero_width.tif"], "zero-width raster")
expect_error([before, zero_tiff(os.path.join(d, "zero_size.tif"), 0, 0)], ["zero_size.tif"], "0 x 0 raster")

# Scenes that do not overlap.
far = write_stack(os.path.join(d, "far.tif"), arrs, ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"],
                  origin=(700000.0, 8000000.0))
expect_error([far, after], ["overlap"], "disjoint scenes")

# All cloud (SCL 9 everywhere) and all nodata (DN 0).
cb, ca = s2_pair(tmpdir(), scl_before=9, scl_after=9)
expect_error([cb, ca], ["clear"], "all-cloud pair")
nd = write_stack(os.path.join(d, "nodata.tif"), [np.zeros_like(a) for a in arrs[:6]] + [np.zeros_like(arrs[6])],
                 ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"])
expect_error([nd, nd], ["clear"], "all-nodata pair")

# A corrupt SCL band: values that are no SCL class (12..255) are invalid
# pixels, not clear ones (they used to count as clear: a scene with a
# garbage mask was scanned as cloud-free). All corrupt: nothing is clear.
scl_bad = write_stack(os.path.join(d, "scl_corrupt.tif"), arrs[:6] + [np.full_like(arrs[6], 200)],
                      ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"])
expect_error([scl_bad, after], ["scl_corrupt.tif", "clear"], "SCL band with values outside its classes")
stripes = np.where(np.arange(arrs[6].shape[1])[None, :] % 2 == 0, 255, 4) * np.ones_like(arrs[6])
scl_half = write_stack(os.path.join(d, "scl_half.tif"), arrs[:6] + [stripes.astype(np.uint8)],
                       ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"])
rc, so, se = run("scan", scl_half, after, "-o", out, "--quiet")
check(rc == 0, f"SCL half corrupt: the clear half is scanned: {rc} {se!r}")
if os.path.exists(out):
    os.remove(out)
# A corrupt QA_PIXEL band (float, negative everywhere): no valid pixel.
qa_bad = write_stack(os.path.join(d, "qa_corrupt.tif"),
                     [a.astype(np.float32) for a in arrs[:6]] + [np.full(arrs[6].shape, -7.0, np.float32)],
                     ["SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7", "QA_PIXEL"], dtype=gdal.GDT_Float32)
expect_error([qa_bad, qa_bad, "--sensor", "landsat"], ["qa_corrupt.tif", "clear"], "QA_PIXEL band with values outside its bits")

# NaN / Inf in float inputs: those pixels are invalid, the run still works.
fl = [a.astype(np.float32) / 10000.0 for a in arrs[:6]]
fl[2][0:10, :] = np.nan
fl[3][10:20, :] = np.inf
fb = write_stack(os.path.join(d, "float_before.tif"), fl, ["blue", "green", "red", "nir", "swir1", "swir2"],
                 dtype=gdal.GDT_Float32)
rc, so, se = run("scan", fb, fb, "-o", out, "--quiet", "--sensor", "generic")
check(rc == 0, f"NaN/Inf float input scans: {se}")
if os.path.exists(out):
    import json

    def no_nan(c):
        raise ValueError(f"{c} in the alerts")
    try:
        json.load(open(out), parse_constant=no_nan)
    except ValueError as e:
        check(False, f"NaN/Inf float input: alerts are strict JSON: {e}")
    os.remove(out)
fl[0][:, :] = np.nan
nan_all = write_stack(os.path.join(d, "float_nan.tif"), fl, ["blue", "green", "red", "nir", "swir1", "swir2"],
                      dtype=gdal.GDT_Float32)
expect_error([nan_all, fb, "--sensor", "generic"], ["float_nan.tif", "clear"], "a float band all NaN")

# No CRS at all, and an unknown CRS.
nocrs = write_stack(os.path.join(d, "nocrs.tif"), arrs, ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"], epsg=None)
expect_error([nocrs, after], ["nocrs.tif"], "raster without CRS")


def with_srs(src, path, srs):
    """A VRT of @src whose SRS is replaced by @srs (any text)."""
    import re
    from xml.sax.saxutils import escape
    gdal.Translate(path, src, format="VRT")
    with open(path) as f:
        t = f.read()
    with open(path, "w") as f:
        f.write(re.sub(r"<SRS[^>]*>.*?</SRS>", lambda m: "<SRS>%s</SRS>" % escape(srs), t, flags=re.S))
    return path


# A CRS GDAL cannot use: garbage WKT and an EPSG code that does not exist
# (GDAL drops both at open: "no coordinate reference system").
expect_error([with_srs(before, os.path.join(d, "garbage_crs.vrt"), "garbage"), after],
             ["garbage_crs.vrt", "coordinate reference system"], "garbage WKT")
expect_error([with_srs(before, os.path.join(d, "epsg999999.vrt"), "EPSG:999999"), after],
             ["epsg999999.vrt", "coordinate reference system"], "EPSG code that does not exist (VRT)")
# A GeoTIFF whose ProjectedCSTypeGeoKey is an EPSG code that does not exist
# (32799): GDAL reads it as an engineering CRS nothing transforms to. Used
# to print GDAL's own "ERROR 6" line before ours.
import struct
with open(before, "rb") as f:
    tif = bytearray(f.read())
key = tif.find(struct.pack("<HHHH", 3072, 0, 1, 32720))
check(key > 0, "ProjectedCSTypeGeoKey found in the fixture")
tif[key:key + 8] = struct.pack("<HHHH", 3072, 0, 1, 32799)
bad_epsg = os.path.join(d, "epsg32799.tif")
with open(bad_epsg, "wb") as f:
    f.write(tif)
expect_error([bad_epsg, after], ["epsg32799.tif", "transform"], "EPSG code that does not exist (GeoTIFF key)")
# Both scenes in an engineering CRS: they overlap, but nothing places them
# on the Earth. Used to fail after the whole tile pass with "cannot
# transform the target CRS to WGS84: unknown PROJ error" naming no file.
eng = 'LOCAL_CS["arbitrary",UNIT["metre",1]]'
expect_error([with_srs(before, os.path.join(d, "local_before.vrt"), eng),
              with_srs(after, os.path.join(d, "local_after.vrt"), eng)],
             ["local_after.vrt", "WGS84"], "engineering CRS in both scenes")

# Malformed, non-polygon and outside AOIs.
bad_aoi = os.path.join(d, "bad.geojson")
with open(bad_aoi, "w") as f:
    f.write('{"type": "FeatureCollection", "features": [ {"type": ')
expect_error([before, after, "--aoi", bad_aoi], ["bad.geojson"], "malformed AOI")
pt_aoi = os.path.join(d, "points.geojson")
with open(pt_aoi, "w") as f:
    f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Point","coordinates":[-63.0,-9.0]}}]}')
expect_error([before, after, "--aoi", pt_aoi], ["points.geojson", "polygon"], "non-polygon AOI")
far_aoi = os.path.join(d, "far.geojson")
with open(far_aoi, "w") as f:
    f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}}]}')
rc, so, se = run("scan", before, after, "-o", out, "--aoi", far_aoi, "--quiet")
check(rc == 0 and "warning" in se, f"AOI outside the scenes: exit 0 with a warning: {rc} {se!r}")
if check(os.path.exists(out), "AOI outside: an (empty) output is written"):
    import json
    check(json.load(open(out))["features"] == [], "AOI outside: zero alerts")
    os.remove(out)

# A whole-world AOI is the whole scene (its edges are cut to the scenes and
# densified before the transform; its corners alone said "no overlap").
world = os.path.join(d, "world.geojson")
with open(world, "w") as f:
    f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}]}')
ids = []
for extra in ([], ["--aoi", world]):
    rc, so, se = run("scan", before, after, "-o", out, "--quiet", "--min-area", "0.01", *extra)
    check(rc == 0 and "warning" not in se, f"scan {extra}: {rc} {se!r}")
    ids.append([f["id"] for f in json.load(open(out))["features"]] if os.path.exists(out) else None)
    if os.path.exists(out):
        os.remove(out)
check(ids[0] and ids[0] == ids[1], f"a whole-world AOI gives the alerts of no AOI: {ids}")

# A model file that is not a model.
bad_model = os.path.join(d, "model.json")
with open(bad_model, "w") as f:
    f.write('{"format": "minewatch-model/1", "name": 3}')
expect_error([before, after, "--model", bad_model], ["model.json"], "malformed model")

# A model path that is a raster, and one that is a folder.
expect_error([before, after, "--model", before], ["before_20200105.tif"], "a raster given as model")
expect_error([before, after, "--model", d], [d], "a folder given as model")

# Usage errors (exit 2) leave nothing either.
for args, what in (([before, after, "--bogus"], "unknown option"),
                   ([before, after, "--min-area", "-1"], "--min-area -1"),
                   ([before, after, "--threads", "0"], "--threads 0"),
                   ([before, after, "--tile-size", "3"], "--tile-size 3"),
                   ([before, after, "--min-confidence", "nan"], "--min-confidence nan")):
    expect_error(args, [], what, code=2)
    rc, so, se = run("scan", *args, "-o", out, "--quiet")
    check(se.startswith("minewatch: ") and what.split()[0] in se.splitlines()[0], f"{what}: message {se!r}")

# Outputs that cannot be written.
expect_error([before, after], ["nodir"], "output in a missing folder",
             output=os.path.join(d, "nodir", "sub", "a.geojson"))
ro = os.path.join(d, "out", "ro")
os.makedirs(ro)
os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
if os.geteuid() != 0:
    expect_error([before, after], ["ro"], "output in a read-only folder", output=os.path.join(ro, "a.geojson"))
elif shutil.which("setpriv"):
    # Root ignores permissions: run as nobody (inputs made readable to it).
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "out"), 0o755)
    o = os.path.join(ro, "a.geojson")
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", MINEWATCH, "scan",
                        before, after, "-o", o, "--quiet"], capture_output=True, text=True, timeout=300)
    check_sanitizers(p.stderr, "read-only folder")
    check(p.returncode == 1 and p.stderr.startswith(f"minewatch: error: {o}: ") and len(p.stderr.splitlines()) == 1,
          f"output in a read-only folder (as nobody): {p.returncode} {p.stderr!r}")
    check(not os.listdir(ro), "read-only folder: nothing left")
    os.chmod(d, 0o700)
rc, so, se = run("scan", before, after, "-o", "/dev/full/a.geojson", "--quiet")
check(rc == 1 and "minewatch: error:" in se, f"output under /dev/full fails cleanly: {rc} {se!r}")
rc, so, se = run("scan", before, after, "-o", "/dev/full", "--quiet")
check(rc == 2 and se.startswith("minewatch: error: -o /dev/full: "), f"output /dev/full refused: {rc} {se!r}")
full_link = os.path.join(d, "out", "full.geojson")
os.symlink("/dev/full", full_link)
rc, so, se = run("scan", before, after, "-o", full_link, "--quiet")
check(rc == 1 and se.startswith(f"minewatch: error: {full_link}: not a regular file"),
      f"output linked to /dev/full is refused: {rc} {se!r}")
os.remove(full_link)
check(stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full is still the device")


def full_disk_run(outdir, args):
    """Run a scan writing into @outdir on a full file system: a filled 64 kB
    tmpfs in a private mount namespace where we may mount (root), else a
    file-size limit (writes fail with EFBIG instead of ENOSPC). Returns
    (exit code, stderr, files left in @outdir besides the filler)."""
    sh = ('mount -t tmpfs -o size=64k tmpfs "$0" 2>/dev/null || exit 99; '
          'head -c 65536 /dev/zero > "$0/fill" 2>/dev/null; "$@"; rc=$?; ls -A "$0"; exit $rc')
    if shutil.which("unshare") and os.geteuid() == 0:
        p = subprocess.run(["unshare", "-m", "sh", "-c", sh, outdir, MINEWATCH, *args],
                           capture_output=True, text=True, timeout=300)
        check_sanitizers(p.stderr, "full disk")
        if p.returncode != 99:
            return p.returncode, p.stderr, [f for f in p.stdout.split() if f != "fill"]
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    p = subprocess.run([MINEWATCH, *args], capture_output=True, text=True, timeout=300, preexec_fn=limit)
    check_sanitizers(p.stderr, "full disk")
    return p.returncode, p.stderr, os.listdir(outdir)


# A full disk, every output format: FlatGeobuf, KML and CSV used to
# ignore the failed writes, exit 0 and leave an empty output.
full = os.path.join(d, "full")
os.makedirs(full)
for ext in ("geojson", "fgb", "gpkg", "kml", "csv", "shp"):
    o = os.path.join(full, "alerts." + ext)
    rc, se, left = full_disk_run(full, ["scan", before, after, "-o", o, "--quiet", "--min-area", "0.01",
                                        "--min-confidence", "0"])
    lines = [l for l in se.splitlines() if l.strip()]
    check(rc == 1 and len(lines) == 1 and lines[0].startswith(f"minewatch: error: {o}: "),
          f"full disk, .{ext}: exit 1 and one line naming the output: {rc} {se!r}")
    check(len(se) < 600, f"full disk, .{ext}: a readable message: {se!r}")
    check(not left, f"full disk, .{ext}: nothing left: {left}")
rc, se, left = full_disk_run(full, ["scan", before, after, "-o", os.path.join(full, "a.geojson"), "--quiet",
                                    "--change-raster", os.path.join(full, "change.tif")])
check(rc == 1 and se.startswith("minewatch: error: ") and len(se.splitlines()) == 1,
      f"full disk with a change raster: {rc} {se!r}")
check(not left, f"full disk with a change raster: nothing left: {left}")
expect_error([before, after], ["xyz"], "unknown output format", code=2, output=os.path.join(d, "out", "a.xyz"))

# FIFOs and devices as scenes fail at once (GDAL would block on a FIFO for ever).
fifo = os.path.join(d, "fifo.tif")
os.mkfifo(fifo)
t0 = time.monotonic()
expect_error([fifo, after], ["fifo.tif", "FIFO"], "a FIFO as a scene")
expect_error([before, "/dev/zero"], ["/dev/zero", "device"], "a device as a scene")
check(time.monotonic() - t0 < 30, "FIFO and device scenes fail at once")
fifo_folder = os.path.join(d, "S2A_MSIL2A_20200105_fifo")
os.makedirs(fifo_folder)
for a, n in zip(arrs, names):
    p_ = os.path.join(fifo_folder, f"T20LQR_20200105T140051_{n}_10m.tif")
    os.mkfifo(p_) if n == "B04" else write_stack(p_, [a], [n])
expect_error([fifo_folder, after], ["B04_10m.tif", "FIFO"], "a FIFO as a band file of a folder scene")

# Dates that are no dates: usage errors naming the option.
for opt, val in (("--before-date", "2020-13-01"), ("--after-date", "yesterday"), ("--before-date", "2021-02-29"),
                 ("--after-date", "2021/01/10")):
    rc, so, se = run("scan", before, after, "-o", out, opt, val, "--quiet")
    check(rc == 2 and se.startswith(f"minewatch: {opt}: '{val}'"), f"{opt} {val}: exit 2 naming the option: {rc} {se!r}")
    check(not os.path.exists(out), f"{opt} {val}: no output")

# Models whose confidence could be NaN or infinite are refused at load:
# trees with learning rate 0 and 1e308 leaves (0 x inf), logistic
# coefficients of +-1e308.
import json
base_model = json.load(open(os.path.join(os.environ["MW_SOURCE_ROOT"], "models", "sentinel2.json")))
huge = json.loads(json.dumps(base_model))
huge["classifier"]["learning_rate"] = 0
for t in huge["classifier"]["trees"]:
    t["value"] = [1e308 if f < 0 else v for f, v in zip(t["feature"], t["value"])]
huge_path = os.path.join(d, "huge_leaves.json")
json.dump(huge, open(huge_path, "w"))
expect_error([before, after, "--model", huge_path], ["huge_leaves.json", "classifier.trees", "overflow"],
             "trees model with 1e308 leaves and learning rate 0")
lin = json.loads(json.dumps(base_model))
nf = len(lin["classifier"]["features"])
lin["classifier"] = {"type": "logistic", "features": lin["classifier"]["features"], "mean": [0.0] * nf,
                     "scale": [1.0] * nf, "coef": [1e308 if i % 2 else -1e308 for i in range(nf)], "intercept": 0.0,
                     "threshold": 0.5}
lin_path = os.path.join(d, "huge_coef.json")
json.dump(lin, open(lin_path, "w"))
expect_error([before, after, "--model", lin_path], ["huge_coef.json", "classifier.coef"], "logistic model with 1e308 coefficients")

# MTL reflectance factors that cannot be right (1e308, a negative scale, an
# offset of 5): the scene is refused naming it, not scanned into 0 alerts.
import re
import sys
sys.path.insert(0, os.path.join(os.environ["MW_SOURCE_ROOT"], "scripts"))
import make_io_fixtures  # noqa: E402
pid = "LC08_L2SP_227065_20210110_20210120_02_T1"
for bad, what in (("1.00e+308", "1e308"), ("-2.75e-05", "negative"), ("5", "5")):
    ls = os.path.join(d, f"ls_{what}", pid)
    make_io_fixtures.landsat_folder(ls, pid, "LANDSAT_8", "2021-01-10")
    mtl = os.path.join(ls, pid + "_MTL.txt")
    text = open(mtl).read()
    key = "REFLECTANCE_ADD_BAND_4" if what == "5" else "REFLECTANCE_MULT_BAND_4"
    text = re.sub(rf"(LEVEL2_SURFACE_REFLECTANCE_PARAMETERS.*?{key} = )\S+", lambda m: m.group(1) + bad, text, flags=re.S)
    open(mtl, "w").write(text)
    rc, so, se = run("info", ls)
    check(rc == 1 and se.startswith(f"minewatch: error: {ls}: ") and "red band reflectance" in se,
          f"MTL factor {what}: refused naming the scene: {rc} {se!r}")

# Pixels of 1e-9 m and 1e7 m: a clear error naming the file (no int
# overflow: the sanitizer build checks float-to-int casts).
for px, name in ((1e-9, "tiny_pixels.tif"), (1e7, "huge_pixels.tif")):
    odd = write_stack(os.path.join(d, name), [a[:32, :32] for a in arrs], ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"],
                      pixel=px, origin=(500000.0, 9000000.0) if px < 1 else (0.0, 9000000.0))
    expect_error([odd, odd], [name, "pixel size"], f"pixel size {px:g} m")

# Interrupted runs leave nothing (a bigger pair so the run is still going).
big = tmpdir()
bb, ba = s2_pair(big, size=2048)
for sig in (signal.SIGINT, signal.SIGTERM):
    o = os.path.join(big, "alerts.geojson")
    p = subprocess.Popen([MINEWATCH, "scan", bb, ba, "-o", o, "--threads", "1", "--tile-size", "64",
                          "--change-raster", os.path.join(big, "change.tif")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Signal once the run is under way: the first progress tick comes after
    # the handlers are installed (before that the default action just ends
    # the process, which has written nothing yet; a fixed sleep raced on a
    # loaded machine).
    first = p.stderr.read(1)
    time.sleep(0.2)
    p.send_signal(sig)
    so, se = p.communicate(timeout=120)
    se = first + se
    check_sanitizers(se, f"signal {sig}")
    if p.returncode == 0:
        print("note: run finished before the signal", sig)
        os.remove(o)
        os.remove(os.path.join(big, "change.tif"))
        continue
    check(p.returncode == 1 and "interrupted" in se, f"{sig}: exit 1 and 'interrupted': {p.returncode} {se!r}")
    left = [f for f in os.listdir(big) if f not in (os.path.basename(bb), os.path.basename(ba))]
    check(not left, f"{sig}: nothing left behind: {left}")

shutil.rmtree(d, ignore_errors=True)
done()
