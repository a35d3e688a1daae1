#!/usr/bin/env python3
"""Write small scene fixtures for the io module's tests.

usage: make_io_fixtures.py OUTDIR

Every fixture is a few kilobytes (20 x 20 pixels at 10 m, 10 x 10 at 20 m,
UTM zone 20S). Good fixtures cover both sensors, the stack and per-band
layouts, mixed 10/20 m resolutions, a .SAFE folder and its .zip, Landsat
folders with MTL.txt and MTL.json; bad fixtures cover a missing band, a
text file named .tif, an empty file, bands with different extents or CRSs
and a raster without CRS. tests/io/test_io_fixtures.c states what each
one must open as.
"""
import json
import os
import shutil
import sys
import zipfile

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

EPSG = 32720            # WGS 84 / UTM zone 20S
X0, Y0 = 600000.0, 8800000.0
N10 = 20                # pixels of a 10 m band


def srs_wkt(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    return s.ExportToWkt()


def write(path, arrays, res, names=None, dtype=gdal.GDT_UInt16, metadata=None,
          epsg=EPSG, x0=X0, y0=Y0, driver="GTiff", nodata=None, options=None):
    """Write a raster of len(arrays) bands (creation @options, e.g. tiling);
    returns path."""
    h, w = arrays[0].shape
    if driver == "JP2OpenJPEG":
        # JP2 is written from an in-memory GeoTIFF copy (no Create support).
        tmp = write("/vsimem/tmp.tif", arrays, res, names, dtype, metadata, epsg, x0, y0)
        gdal.Translate(path, tmp, format="JP2OpenJPEG", creationOptions=["QUALITY=100", "REVERSIBLE=YES"])
        gdal.Unlink(tmp)
        return path
    ds = gdal.GetDriverByName(driver).Create(path, w, h, len(arrays), dtype, options or [])
    ds.SetGeoTransform((x0, res, 0.0, y0, 0.0, -res))
    if epsg:
        ds.SetProjection(srs_wkt(epsg))
    for i, a in enumerate(arrays):
        b = ds.GetRasterBand(i + 1)
        b.WriteArray(a)
        if names:
            b.SetDescription(names[i])
        if nodata is not None:
            b.SetNoDataValue(nodata)
    if metadata:
        ds.SetMetadata(metadata)
    ds = None
    return path


def refl(n, base):
    """A small DN ramp: base + 10 * (row + col)."""
    r = np.arange(n)
    return (base + 10 * (r[:, None] + r[None, :])).astype(np.uint16)


def scl(n):
    a = np.full((n, n), 4, np.uint8)   # vegetation
    a[0, :] = 9                         # cloud high
    a[1, :] = 3                         # shadow
    return a


S2_BANDS = [("B02", 10, 500), ("B03", 10, 700), ("B04", 10, 600), ("B08", 10, 3000),
            ("B11", 20, 2000), ("B12", 20, 1500)]

MTD = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-2A_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd">
  <n1:General_Info>
    <Product_Info>
      <PRODUCT_START_TIME>{date}T10:00:00.024Z</PRODUCT_START_TIME>
      <PRODUCT_STOP_TIME>{date}T10:00:00.024Z</PRODUCT_STOP_TIME>
      <PROCESSING_LEVEL>Level-2A</PROCESSING_LEVEL>
      <PRODUCT_TYPE>S2MSI2A</PRODUCT_TYPE>
      <PROCESSING_BASELINE>{baseline}</PROCESSING_BASELINE>
      <Datatake datatakeIdentifier="GS2A_X">
        <SPACECRAFT_NAME>Sentinel-2A</SPACECRAFT_NAME>
      </Datatake>
    </Product_Info>
    <Product_Image_Characteristics>
      <QUANTIFICATION_VALUES_LIST>
        <BOA_QUANTIFICATION_VALUE unit="none">10000</BOA_QUANTIFICATION_VALUE>
        <AOT_QUANTIFICATION_VALUE unit="none">1000.0</AOT_QUANTIFICATION_VALUE>
      </QUANTIFICATION_VALUES_LIST>
{offsets}
    </Product_Image_Characteristics>
  </n1:General_Info>
</n1:Level-2A_User_Product>
"""


def mtd_text(date, baseline, offset):
    if offset is None:
        offs = ""
    else:
        offs = "      <BOA_ADD_OFFSET_VALUES_LIST>\n" + "".join(
            '        <BOA_ADD_OFFSET band_id="%d">%d</BOA_ADD_OFFSET>\n' % (i, offset) for i in range(13)) + \
            "      </BOA_ADD_OFFSET_VALUES_LIST>"
    return MTD.format(date=date, baseline=baseline, offsets=offs)


def s2_folder(d, prefix, ext="tif", driver="GTiff", skip=(), extra_20m=True, shift_b11=0.0,
              b03_epsg=EPSG, mtd=None, dn_offset=0):
    """dn_offset: added to every DN (1000 for products of baseline 04.00)."""
    os.makedirs(d, exist_ok=True)
    for name, res, base in S2_BANDS:
        base += dn_offset
        if name in skip:
            continue
        n = N10 * 10 // res
        x0 = X0 + (shift_b11 if name == "B11" else 0.0)
        epsg = b03_epsg if name == "B03" else EPSG
        write(os.path.join(d, "%s_%s_%dm.%s" % (prefix, name, res, ext)), [refl(n, base)], res,
              driver=driver, x0=x0, epsg=epsg)
        if res == 10 and extra_20m:   # the coarser copy must lose to the 10 m one
            write(os.path.join(d, "%s_%s_20m.%s" % (prefix, name, ext)), [refl(N10 // 2, base)], 20,
                  driver=driver)
    write(os.path.join(d, "%s_SCL_20m.%s" % (prefix, ext)), [scl(N10 // 2)], 20, dtype=gdal.GDT_Byte,
          driver=driver)
    if mtd:
        with open(os.path.join(d, "MTD_MSIL2A.xml"), "w") as f:
            f.write(mtd)


def safe_product(out, name, date, baseline):
    root = os.path.join(out, name)
    tile = "T20LQR_%sT140000" % date.replace("-", "")
    img = os.path.join(root, "GRANULE", "L2A_T20LQR_A040000_%sT140500" % date.replace("-", ""), "IMG_DATA")
    for sub in ("R10m", "R20m", "R60m"):
        os.makedirs(os.path.join(img, sub), exist_ok=True)
    for bname, res, base in S2_BANDS:
        if res == 10:
            write(os.path.join(img, "R10m", "%s_%s_10m.jp2" % (tile, bname)), [refl(N10, base)], 10,
                  driver="JP2OpenJPEG")
        write(os.path.join(img, "R20m", "%s_%s_20m.jp2" % (tile, bname)), [refl(N10 // 2, base)], 20,
              driver="JP2OpenJPEG")
    write(os.path.join(img, "R20m", "%s_SCL_20m.jp2" % tile), [scl(N10 // 2)], 20, dtype=gdal.GDT_Byte,
          driver="JP2OpenJPEG")
    write(os.path.join(img, "R60m", "%s_SCL_60m.jp2" % tile), [scl(N10 // 6 + 1)], 60, dtype=gdal.GDT_Byte,
          driver="JP2OpenJPEG", )
    with open(os.path.join(root, "MTD_MSIL2A.xml"), "w") as f:
        f.write(mtd_text(date, baseline, -1000))
    os.makedirs(os.path.join(root, "DATASTRIP"), exist_ok=True)
    zpath = os.path.join(out, name.replace(".SAFE", ".zip"))
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, out)
            z.write(dirpath, rel + "/")
            for fn in sorted(filenames):
                z.write(os.path.join(dirpath, fn), os.path.join(rel, fn))
    for fn in list(os.listdir(os.path.join(img, "R60m"))):   # drop .aux.xml side files if any
        if fn.endswith(".aux.xml"):
            os.remove(os.path.join(img, "R60m", fn))


LS_MTL = """GROUP = LANDSAT_METADATA_FILE
  GROUP = PRODUCT_CONTENTS
    ORIGIN = "Image courtesy of the U.S. Geological Survey"
    LANDSAT_PRODUCT_ID = "{pid}"
    PROCESSING_LEVEL = "L2SP"
    FILE_NAME_BAND_2 = "{pid}_SR_B2.TIF"
  END_GROUP = PRODUCT_CONTENTS
  GROUP = IMAGE_ATTRIBUTES
    SPACECRAFT_ID = "{craft}"
    SENSOR_ID = "OLI_TIRS"
    WRS_PATH = 227
    WRS_ROW = 65
    DATE_ACQUIRED = {date}
    SCENE_CENTER_TIME = "14:05:06.1234560Z"
    CLOUD_COVER = 12.34
  END_GROUP = IMAGE_ATTRIBUTES
  GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS
{sr}
  END_GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS
  GROUP = LEVEL1_RADIOMETRIC_RESCALING
{l1}
  END_GROUP = LEVEL1_RADIOMETRIC_RESCALING
END_GROUP = LANDSAT_METADATA_FILE
END
"""

LS_BANDS = [("SR_B2", 8000), ("SR_B3", 9000), ("SR_B4", 8500), ("SR_B5", 20000), ("SR_B6", 15000),
            ("SR_B7", 12000)]


def ls_mult(n):
    """Fixture MTL factors: band 5 gets 3e-5 / -0.1 to prove the MTL is read."""
    return (3.0e-05, -0.1) if n == 5 else (2.75e-05, -0.2)


def qa(n):
    a = np.full((n, n), 21824, np.uint16)   # clear land
    a[0, :] = 1                               # fill
    a[1, :] = 22280                           # cloud
    return a


def landsat_folder(d, pid, craft, date, meta="txt"):
    os.makedirs(d, exist_ok=True)
    for name, base in LS_BANDS:
        write(os.path.join(d, "%s_%s.TIF" % (pid, name)), [refl(N10, base)], 30)
    write(os.path.join(d, "%s_QA_PIXEL.TIF" % pid), [qa(N10)], 30)
    # a thermal band and a QA band the reader must ignore
    write(os.path.join(d, "%s_ST_B10.TIF" % pid), [refl(N10, 30000)], 30)
    write(os.path.join(d, "%s_QA_RADSAT.TIF" % pid), [refl(N10, 0)], 30)
    if meta == "txt":
        sr = "\n".join("    REFLECTANCE_MULT_BAND_%d = %.2e" % (n, ls_mult(n)[0]) for n in range(1, 8)) + "\n" + \
             "\n".join("    REFLECTANCE_ADD_BAND_%d = %g" % (n, ls_mult(n)[1]) for n in range(1, 8))
        l1 = "\n".join("    REFLECTANCE_MULT_BAND_%d = 2.0000E-05" % n for n in range(1, 10)) + "\n" + \
             "\n".join("    REFLECTANCE_ADD_BAND_%d = -0.100000" % n for n in range(1, 10))
        with open(os.path.join(d, "%s_MTL.txt" % pid), "w") as f:
            f.write(LS_MTL.format(pid=pid, craft=craft, date=date, sr=sr, l1=l1))
    else:
        srp = {}
        for n in range(1, 8):
            srp["REFLECTANCE_MULT_BAND_%d" % n] = "%.2e" % ls_mult(n)[0]
            srp["REFLECTANCE_ADD_BAND_%d" % n] = "%g" % ls_mult(n)[1]
        doc = {"LANDSAT_METADATA_FILE": {
            "PRODUCT_CONTENTS": {"LANDSAT_PRODUCT_ID": pid, "PROCESSING_LEVEL": "L2SP"},
            "IMAGE_ATTRIBUTES": {"SPACECRAFT_ID": craft, "DATE_ACQUIRED": date, "CLOUD_COVER": "1.00"},
            "LEVEL2_SURFACE_REFLECTANCE_PARAMETERS": srp,
            "LEVEL1_RADIOMETRIC_RESCALING": {"REFLECTANCE_MULT_BAND_5": "2.0000E-05",
                                             "REFLECTANCE_ADD_BAND_5": "-0.100000"}}}
        with open(os.path.join(d, "%s_MTL.json" % pid), "w") as f:
            json.dump(doc, f, indent=2)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_io_fixtures.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    j = os.path.join

    # ---- Sentinel-2 ----------------------------------------------------
    s2_names = [b[0] for b in S2_BANDS] + ["SCL"]
    s2_arrays = [refl(N10, b[2]) for b in S2_BANDS] + [scl(N10).astype(np.uint16)]
    write(j(out, "s2_stack.tif"), s2_arrays, 10, names=s2_names,
          metadata={"SPACECRAFT_NAME": "Sentinel-2A", "PROCESSING_BASELINE": "04.00", "BOA_ADD_OFFSET": "-1000",
                    "PRODUCT_START_TIME": "2021-06-30T10:00:00Z"})
    # an old-baseline stack, date only in the name: no offset
    write(j(out, "S2A_MSIL2A_20200105T140000_stack.tif"), s2_arrays[:6], 10, names=s2_names[:6])
    s2_folder(j(out, "s2_folder"), "T20LQR_20210630T100000",
              mtd=mtd_text("2021-06-30", "04.00", -1000))
    # JP2 band folder, no metadata, date 2022-02-01 from the names -> offset by date rule
    # (its DNs carry the +1000 of baseline 04.00, or the pixels would overrule the date)
    s2_folder(j(out, "s2_jp2_folder"), "T20LQR_20220201T100000", ext="jp2", driver="JP2OpenJPEG",
              extra_20m=False, dn_offset=1000)
    # a COG-style folder B02.tif ... with a STAC item stating scale and offset
    d = j(out, "s2_cog_stac")
    os.makedirs(d, exist_ok=True)
    assets = {}
    for (name, res, base), common in zip(S2_BANDS, ["blue", "green", "red", "nir", "swir16", "swir22"]):
        write(j(d, name + ".tif"), [refl(N10 * 10 // res, base)], res, nodata=0)
        assets[common] = {"href": "https://example.com/x/%s.tif" % name,
                          "raster:bands": [{"nodata": 0, "scale": 0.0001, "offset": -0.1}]}
    write(j(d, "SCL.tif"), [scl(N10 // 2)], 20, dtype=gdal.GDT_Byte, nodata=0)
    assets["scl"] = {"href": "https://example.com/x/SCL.tif", "raster:bands": [{"nodata": 0}]}
    with open(j(d, "S2B_20LQR_20230102_0_L2A.json"), "w") as f:
        json.dump({"type": "Feature", "stac_version": "1.0.0", "id": "S2B_20LQR_20230102_0_L2A",
                   "properties": {"datetime": "2023-01-02T14:05:00.000000Z", "platform": "sentinel-2b",
                                  "s2:processing_baseline": "05.09", "earthsearch:boa_offset_applied": False},
                   "assets": assets}, f)
    safe_product(out, "S2A_MSIL2A_20230315T140000_N0509_R010_T20LQR_20230315T170000.SAFE", "2023-03-15",
                 "05.09")

    # ---- Landsat ---------------------------------------------------------
    ls_names = [b[0] for b in LS_BANDS] + ["QA_PIXEL"]
    write(j(out, "ls_stack.tif"), [refl(N10, b[1]) for b in LS_BANDS] + [qa(N10)], 30, names=ls_names,
          metadata={"SPACECRAFT_ID": "LANDSAT_8", "DATE_ACQUIRED": "2021-06-30"})
    landsat_folder(j(out, "ls_folder_txt"), "LC08_L2SP_227065_20210630_20210708_02_T1", "LANDSAT_8",
                   "2021-06-30", "txt")
    landsat_folder(j(out, "ls_folder_json"), "LC09_L2SP_227065_20220110_20220112_02_T1", "LANDSAT_9",
                   "2022-01-10", "json")

    # ---- generic ---------------------------------------------------------
    gnames = ["blue", "green", "red", "nir", "swir1", "swir2"]
    write(j(out, "generic_float.tif"), [refl(N10, 500 + 100 * i).astype(np.float32) / 10000.0 for i in range(6)],
          10, names=gnames, dtype=gdal.GDT_Float32)
    write(j(out, "generic_float_dn.tif"), [refl(N10, 500 + 100 * i).astype(np.float32) for i in range(4)],
          10, names=gnames[:4], dtype=gdal.GDT_Float32)
    # no descriptions: needs --band-map; band 5 is a mask
    write(j(out, "generic_unnamed.tif"), [refl(N10, 500 + 100 * i) for i in range(4)] + [scl(N10).astype(np.uint16)],
          10, dtype=gdal.GDT_UInt16)

    # ---- bad inputs ------------------------------------------------------
    s2_folder(j(out, "bad_missing_red"), "T20LQR_20210630T100000", skip=("B04",), extra_20m=False)
    s2_folder(j(out, "bad_extent"), "T20LQR_20210630T100000", extra_20m=False, shift_b11=200.0)
    s2_folder(j(out, "bad_crs"), "T20LQR_20210630T100000", extra_20m=False, b03_epsg=32721)
    s2_folder(j(out, "bad_text_band"), "T20LQR_20210630T100000", extra_20m=False)
    with open(j(out, "bad_text_band", "T20LQR_20210630T100000_B04_10m.tif"), "w") as f:
        f.write("this is not a raster\n")
    with open(j(out, "bad_text.tif"), "w") as f:
        f.write("hello, I am text\n" * 20)
    open(j(out, "bad_empty.tif"), "w").close()
    write(j(out, "bad_nocrs.tif"), s2_arrays, 10, names=s2_names, epsg=None)
    os.makedirs(j(out, "bad_empty_folder"), exist_ok=True)
    # drop GDAL side files so listings stay as written
    for dirpath, _, filenames in os.walk(out):
        for fn in filenames:
            if fn.endswith(".aux.xml"):
                os.remove(j(dirpath, fn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
