"""A Sentinel-2 .SAFE with JPEG 2000 bands gives byte-identical alerts and
change rasters for any thread count and tile size, and the same alerts as
the same pixels in tiled GeoTIFFs of the same block size.

JPEG 2000 tiles are slow to decode, so the scan keeps them decoded from the
shift pass to the tile pass, and keeps rows above the tile pass's strip for
sites that grow over several tile rows (src/engine/tile_pass.c): which sites
are measured early then depends on the tile size, which must change no
byte. The JPEG 2000 tiles (512 px) are taller than most tile sizes here, so
that path runs; the GeoTIFF copy (512 px blocks: the same shift lattice)
goes the other way."""
import glob
import json
import os
import re
import shutil

from mwtest import check, done, run, scan_same_bytes, scene, skip, tmpdir, SANITIZED

from osgeo import gdal

gdal.UseExceptions()
if gdal.GetDriverByName("JP2OpenJPEG") is None:
    skip("GDAL has no JP2OpenJPEG driver")

size, block = (700, 256) if SANITIZED else (1100, 512)
pair = scene(f"s2-folder-{size}-seed11-look", "--seed", 11, "--sensor", "sentinel2", "--layout", "folder",
             "--size", size, "--lookalikes")
d = tmpdir()


def convert(date):
    """The band folder as a .SAFE (JPEG 2000, lossless, block px tiles) and as
    GeoTIFFs tiled block px."""
    src = os.path.join(pair, date)
    mtd = open(os.path.join(src, "MTD_MSIL2A.xml"), encoding="utf-8").read()
    granule = re.search(r'granuleIdentifier="([^"]+)"', mtd).group(1)
    product, tifs = os.path.join(d, date + ".SAFE"), os.path.join(d, date)
    for out in (product, tifs):
        os.makedirs(out)
        shutil.copy(os.path.join(src, "MTD_MSIL2A.xml"), out)
    for f in sorted(glob.glob(os.path.join(src, "*.tif"))):
        res = "20m" if "_20m" in f else "10m"
        img = os.path.join(product, "GRANULE", granule, "IMG_DATA", "R" + res)
        os.makedirs(img, exist_ok=True)
        name = os.path.basename(f)[:-4]
        gdal.Translate(os.path.join(img, name + ".jp2"), f, format="JP2OpenJPEG",
                       creationOptions=["QUALITY=100", "REVERSIBLE=YES", f"BLOCKXSIZE={block}",
                                        f"BLOCKYSIZE={block}"])
        gdal.Translate(os.path.join(tifs, name + ".tif"), f,
                       creationOptions=["TILED=YES", f"BLOCKXSIZE={block}", f"BLOCKYSIZE={block}",
                                        "COMPRESS=DEFLATE"])
    return product, tifs


(before, before_tif), (after, after_tif) = convert("before"), convert("after")


def scan(b, a, tag, threads, tile):
    o, r = os.path.join(d, f"a-{tag}.geojson"), os.path.join(d, f"c-{tag}.tif")
    rc, so, se = run("scan", b, a, "-o", o, "--change-raster", r, "--threads", threads, "--tile-size", tile,
                     "--quiet", "--min-confidence", "0")
    check(rc == 0, f"{tag}: exit {rc}: {se}")
    return o, r


ref = scan_same_bytes(before, after, d, [(2, 512), (1, 512), (2, 256), (3, 77), (2, 1000)], "-safe")

# The GeoTIFF copy: the same features (the inputs' names differ, so the
# metadata members are left out) and the same change raster pixels.
o, r = scan(before_tif, after_tif, "tif", 2, 256)
jp2, tif = json.load(open(ref[0])), json.load(open(o))
check(jp2["features"] == tif["features"], "the GeoTIFF copy gives other alerts than the .SAFE")
a, b = gdal.Open(ref[1]), gdal.Open(r)
for k in range(1, a.RasterCount + 1):
    check(a.GetRasterBand(k).ReadRaster() == b.GetRasterBand(k).ReadRaster(),
          f"change raster band {k}: the GeoTIFF copy differs from the .SAFE")
done()
