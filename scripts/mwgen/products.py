"""Writers: Sentinel-2 L2A-like and Landsat C2 L2-like GeoTIFF stacks and
product folders (with MTD_MSIL2A.xml / *_MTL.txt), truth GeoJSON and mask."""
import datetime as dt
import os

import numpy as np
from osgeo import gdal, ogr, osr

from .render import scl, qa_pixel

gdal.UseExceptions()

CO_S2 = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR=2",
         "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"]
CO_LS = CO_S2
S2_BANDS = ["B02", "B03", "B04", "B08", "B11", "B12"]
LS_BANDS = ["SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
S2_BAND_ID = {"B01": 0, "B02": 1, "B03": 2, "B04": 3, "B05": 4, "B06": 5, "B07": 6, "B08": 7,
              "B8A": 8, "B09": 9, "B10": 10, "B11": 11, "B12": 12}


class Acq:
    """One acquisition's identity: dates, names, baseline."""

    def __init__(self, sensor, date, tile, pathrow, baseline_opt, seed):
        self.sensor = sensor
        self.date = date                                   # datetime.date
        r = np.random.default_rng([seed, date.toordinal()])
        if sensor == "sentinel2":
            self.time = dt.datetime(date.year, date.month, date.day, 14, 0, 51, 24000)
            if baseline_opt == "auto":
                self.baseline = "04.00" if date >= dt.date(2022, 1, 25) else "03.00"
            else:
                self.baseline = baseline_opt
            self.offset = -1000 if float(self.baseline) >= 4.0 else 0
            self.tile = tile
            self.stamp = self.time.strftime("%Y%m%dT%H%M%S")
            self.product = "S2A_MSIL2A_%s_N%s_R067_%s_%sT%02d%02d%02d" % (
                self.stamp, self.baseline.replace(".", ""), tile, self.stamp[:8],
                18 + int(r.integers(0, 4)), int(r.integers(0, 60)), int(r.integers(0, 60)))
            self.prefix = "%s_%s_" % (tile, self.stamp)
        else:
            self.time = dt.datetime(date.year, date.month, date.day, 13, 58, 21, 123456)
            proc = date + dt.timedelta(days=int(r.integers(7, 14)))
            self.product = "LC08_L2SP_%s_%s_%s_02_T1" % (pathrow, date.strftime("%Y%m%d"),
                                                        proc.strftime("%Y%m%d"))
            self.proc = proc
            self.prefix = self.product + "_"


def to_dn_s2(refl, valid, offset):
    dn = np.rint(refl * np.float32(10000.0) - np.float32(offset))
    dn = np.clip(dn, 1, 65535, out=dn).astype(np.uint16)
    dn[:, ~valid] = 0
    return dn


def to_dn_ls(refl, valid):
    dn = np.rint((refl + np.float32(0.2)) * np.float32(1 / 2.75e-5))
    dn = np.clip(dn, 1, 65535, out=dn).astype(np.uint16)
    dn[:, ~valid] = 0
    return dn


def avg2(a):
    """2x2 block mean (last two axes, even sizes)."""
    s = a.shape
    return a.reshape(s[:-2] + (s[-2] // 2, 2, s[-1] // 2, 2)).mean(axis=(-3, -1))


def _create(path, w, h, n, srs, gt, nodata, co):
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, n, gdal.GDT_UInt16, co)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform(gt)
    for i in range(n):
        ds.GetRasterBand(i + 1).SetNoDataValue(nodata[i] if isinstance(nodata, (list, tuple)) else nodata)
    return ds


class DateWriter:
    """Writes one date (stack or folder) strip by strip."""

    def __init__(self, sensor, layout, path, acq, width, height, res, srs, origin, meta):
        self.sensor, self.layout, self.acq = sensor, layout, acq
        self.width, self.height = width, height
        x0, y0 = origin
        gt = (x0, res, 0, y0, 0, -res)
        self.ds = {}
        meta = dict(meta)
        if sensor == "sentinel2":
            meta.update(SPACECRAFT_NAME="Sentinel-2A", PRODUCT_TYPE="S2MSI2A",
                        PROCESSING_BASELINE=acq.baseline,
                        PRODUCT_START_TIME=acq.time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                        BOA_QUANTIFICATION_VALUE="10000", TILE_ID=acq.tile, PRODUCT_URI=acq.product + ".SAFE")
            if acq.offset:
                meta["BOA_ADD_OFFSET"] = str(acq.offset)
            if layout == "stack":
                ds = _create(path, width, height, 7, srs, gt, 0, CO_S2)
                for i, name in enumerate(S2_BANDS + ["SCL"]):
                    ds.GetRasterBand(i + 1).SetDescription(name)
                ds.SetMetadata(meta)
                self.ds["stack"] = ds
            else:
                os.makedirs(path, exist_ok=True)
                gt20 = (x0, 2 * res, 0, y0, 0, -2 * res)
                w2, h2 = (width + 1) // 2, (height + 1) // 2
                for b in S2_BANDS + ["SCL"]:
                    is20 = b in ("B11", "B12", "SCL")
                    fn = os.path.join(path, "%s%s_%s.tif" % (acq.prefix, b, "20m" if is20 else "10m"))
                    ds = _create(fn, w2 if is20 else width, h2 if is20 else height, 1, srs,
                                 gt20 if is20 else gt, 0, CO_S2)
                    ds.GetRasterBand(1).SetDescription(b)
                    self.ds[b] = ds
                write_mtd(os.path.join(path, "MTD_MSIL2A.xml"), acq)
        else:
            meta.update(SPACECRAFT_ID="LANDSAT_8", SENSOR_ID="OLI_TIRS",
                        DATE_ACQUIRED=acq.date.isoformat(),
                        SCENE_CENTER_TIME=acq.time.strftime("%H:%M:%S.%f") + "0Z",
                        LANDSAT_PRODUCT_ID=acq.product, PROCESSING_LEVEL="L2SP")
            for n in range(1, 8):
                meta["REFLECTANCE_MULT_BAND_%d" % n] = "2.75e-05"
                meta["REFLECTANCE_ADD_BAND_%d" % n] = "-0.2"
            if layout == "stack":
                ds = _create(path, width, height, 7, srs, gt, 0, CO_LS)   # GTiff: one nodata per dataset
                for i, name in enumerate(LS_BANDS + ["QA_PIXEL"]):
                    ds.GetRasterBand(i + 1).SetDescription(name)
                ds.SetMetadata(meta)
                self.ds["stack"] = ds
            else:
                os.makedirs(path, exist_ok=True)
                for b in LS_BANDS + ["QA_PIXEL"]:
                    fn = os.path.join(path, "%s%s.TIF" % (acq.prefix, b))
                    ds = _create(fn, width, height, 1, srs, gt, 1 if b == "QA_PIXEL" else 0, CO_LS)
                    self.ds[b] = ds
                write_mtl(os.path.join(path, acq.prefix + "MTL.txt"), acq, width, height, res, origin)
        self.stats = dict(valid=0, cloud=0, total=0)

    def write(self, r0, o, c0=0):
        h, w = o["refl"].shape[1:]
        self.stats["total"] += h * w
        self.stats["valid"] += int(o["valid"].sum())
        self.stats["cloud"] += int(((o["cloud"] > 0.3) & o["valid"]).sum())
        if self.sensor == "sentinel2":
            off = self.acq.offset
            dn10 = to_dn_s2(o["refl"][:4], o["valid"], off)
            # 20 m: SWIR and SCL computed on 2x2 aggregates (pad odd widths/heights)
            ph, pw = h % 2, w % 2
            pad = lambda a: np.pad(a, [(0, 0)] * (a.ndim - 2) + [(0, ph), (0, pw)], mode="edge")
            o20 = dict(refl=avg2(pad(o["refl"])), cloud=avg2(pad(o["cloud"])),
                       shadow=avg2(pad(o["shadow"])), cirrus=avg2(pad(o["cirrus"].astype(np.float32))) > 0.5,
                       valid=avg2(pad(o["valid"].astype(np.float32))) > 0.99)
            dn20 = to_dn_s2(o20["refl"][4:], o20["valid"], off)
            scl20 = scl(o20).astype(np.uint16)
            if self.layout == "stack":
                up = lambda a: np.repeat(np.repeat(a, 2, axis=-2), 2, axis=-1)[..., :h, :w]
                inval = ~o["valid"]
                for i, a in enumerate(list(dn10) + [up(dn20[0]), up(dn20[1]), up(scl20)]):
                    a[inval] = 0
                    self.ds["stack"].GetRasterBand(i + 1).WriteArray(a, c0, r0)
            else:
                for i, b in enumerate(S2_BANDS[:4]):
                    self.ds[b].GetRasterBand(1).WriteArray(dn10[i], c0, r0)
                r20, c20 = r0 // 2, c0 // 2
                self.ds["B11"].GetRasterBand(1).WriteArray(dn20[0], c20, r20)
                self.ds["B12"].GetRasterBand(1).WriteArray(dn20[1], c20, r20)
                self.ds["SCL"].GetRasterBand(1).WriteArray(scl20, c20, r20)
        else:
            dn = to_dn_ls(o["refl"], o["valid"])
            qa = qa_pixel(o)
            if self.layout == "stack":
                for i, a in enumerate(list(dn) + [qa]):
                    self.ds["stack"].GetRasterBand(i + 1).WriteArray(a, c0, r0)
            else:
                for i, b in enumerate(LS_BANDS):
                    self.ds[b].GetRasterBand(1).WriteArray(dn[i], c0, r0)
                self.ds["QA_PIXEL"].GetRasterBand(1).WriteArray(qa, c0, r0)

    def close(self):
        for k in list(self.ds):
            self.ds[k].FlushCache()
            self.ds[k] = None
        self.ds = {}


def write_mtd(path, acq):
    t0 = acq.time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    t1 = (acq.time + dt.timedelta(seconds=5, microseconds=123000)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    gen = (acq.time + dt.timedelta(hours=5, minutes=13)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    phys = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]
    res = [60, 10, 10, 10, 20, 20, 20, 10, 20, 60, 60, 20, 20]
    spec = "\n".join('        <Spectral_Information bandId="%d" physicalBand="%s">\n'
                     '          <RESOLUTION>%d</RESOLUTION>\n        </Spectral_Information>' % (i, p, r)
                     for i, (p, r) in enumerate(zip(phys, res)))
    offs = ""
    if acq.offset:
        offs = "      <BOA_ADD_OFFSET_VALUES_LIST>\n" + "\n".join(
            '        <BOA_ADD_OFFSET band_id="%d">%d</BOA_ADD_OFFSET>' % (i, acq.offset) for i in range(13)) + \
            "\n      </BOA_ADD_OFFSET_VALUES_LIST>\n"
    xml = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<n1:Level-2A_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd">
  <!-- Synthetic product written by minewatch scripts/gen_scenes.py (not ESA data). -->
  <n1:General_Info>
    <Product_Info>
      <PRODUCT_START_TIME>{t0}</PRODUCT_START_TIME>
      <PRODUCT_STOP_TIME>{t1}</PRODUCT_STOP_TIME>
      <PRODUCT_URI>{acq.product}.SAFE</PRODUCT_URI>
      <PROCESSING_LEVEL>Level-2A</PROCESSING_LEVEL>
      <PRODUCT_TYPE>S2MSI2A</PRODUCT_TYPE>
      <PROCESSING_BASELINE>{acq.baseline}</PROCESSING_BASELINE>
      <PRODUCT_DOI>https://doi.org/10.5270/S2_-znk9xsj</PRODUCT_DOI>
      <GENERATION_TIME>{gen}</GENERATION_TIME>
      <PREVIEW_IMAGE_URL>Not applicable</PREVIEW_IMAGE_URL>
      <PREVIEW_GEO_INFO>Not applicable</PREVIEW_GEO_INFO>
      <Datatake datatakeIdentifier="GS2A_{acq.stamp}_000000_N{acq.baseline.replace('.', '')}">
        <SPACECRAFT_NAME>Sentinel-2A</SPACECRAFT_NAME>
        <DATATAKE_TYPE>INS-NOBS</DATATAKE_TYPE>
        <DATATAKE_SENSING_START>{t0}</DATATAKE_SENSING_START>
        <SENSING_ORBIT_NUMBER>67</SENSING_ORBIT_NUMBER>
        <SENSING_ORBIT_DIRECTION>DESCENDING</SENSING_ORBIT_DIRECTION>
      </Datatake>
      <Product_Organisation>
        <Granule_List>
          <Granule granuleIdentifier="L2A_{acq.tile}_{acq.stamp}" imageFormat="GeoTIFF">
{chr(10).join('            <IMAGE_FILE>' + acq.prefix + b + '</IMAGE_FILE>' for b in ['B02_10m', 'B03_10m', 'B04_10m', 'B08_10m', 'B11_20m', 'B12_20m', 'SCL_20m'])}
          </Granule>
        </Granule_List>
      </Product_Organisation>
    </Product_Info>
    <Product_Image_Characteristics>
      <Special_Values>
        <SPECIAL_VALUE_TEXT>NODATA</SPECIAL_VALUE_TEXT>
        <SPECIAL_VALUE_INDEX>0</SPECIAL_VALUE_INDEX>
      </Special_Values>
      <Special_Values>
        <SPECIAL_VALUE_TEXT>SATURATED</SPECIAL_VALUE_TEXT>
        <SPECIAL_VALUE_INDEX>65535</SPECIAL_VALUE_INDEX>
      </Special_Values>
      <Image_Display_Order>
        <RED_CHANNEL>3</RED_CHANNEL>
        <GREEN_CHANNEL>2</GREEN_CHANNEL>
        <BLUE_CHANNEL>1</BLUE_CHANNEL>
      </Image_Display_Order>
      <QUANTIFICATION_VALUES_LIST>
        <BOA_QUANTIFICATION_VALUE unit="none">10000</BOA_QUANTIFICATION_VALUE>
        <AOT_QUANTIFICATION_VALUE unit="none">1000.0</AOT_QUANTIFICATION_VALUE>
        <WVP_QUANTIFICATION_VALUE unit="cm">1000.0</WVP_QUANTIFICATION_VALUE>
      </QUANTIFICATION_VALUES_LIST>
{offs}      <Spectral_Information_List>
{spec}
      </Spectral_Information_List>
    </Product_Image_Characteristics>
  </n1:General_Info>
</n1:Level-2A_User_Product>
"""
    with open(path, "w") as f:
        f.write(xml)


def write_mtl(path, acq, width, height, res, origin):
    x0, y0 = origin
    p = acq.product
    L = ['GROUP = LANDSAT_METADATA_FILE', '  GROUP = PRODUCT_CONTENTS',
         '    ORIGIN = "Synthetic scene written by minewatch scripts/gen_scenes.py (not USGS data)"',
         '    DIGITAL_OBJECT_IDENTIFIER = "https://doi.org/10.5066/P9OGBGM6"',
         '    LANDSAT_PRODUCT_ID = "%s"' % p, '    PROCESSING_LEVEL = "L2SP"',
         '    COLLECTION_NUMBER = 02', '    COLLECTION_CATEGORY = "T1"', '    OUTPUT_FORMAT = "GEOTIFF"']
    for n in range(2, 8):
        L.append('    FILE_NAME_BAND_%d = "%s_SR_B%d.TIF"' % (n, p, n))
    L.append('    FILE_NAME_QUALITY_L1_PIXEL = "%s_QA_PIXEL.TIF"' % p)
    L.append('    FILE_NAME_METADATA_ODL = "%s_MTL.txt"' % p)
    for n in range(2, 8):
        L.append('    DATA_TYPE_BAND_%d = "UINT16"' % n)
    L.append('    DATA_TYPE_QUALITY_L1_PIXEL = "UINT16"')
    path_, row = p.split("_")[2][:3], p.split("_")[2][3:]
    L += ['  END_GROUP = PRODUCT_CONTENTS', '  GROUP = IMAGE_ATTRIBUTES',
          '    SPACECRAFT_ID = "LANDSAT_8"', '    SENSOR_ID = "OLI_TIRS"', '    WRS_TYPE = 2',
          '    WRS_PATH = %d' % int(path_), '    WRS_ROW = %d' % int(row),
          '    DATE_ACQUIRED = %s' % acq.date.isoformat(),
          '    SCENE_CENTER_TIME = "%s0Z"' % acq.time.strftime("%H:%M:%S.%f"),
          '    SUN_AZIMUTH = 52.10000000', '    SUN_ELEVATION = 51.20000000',
          '  END_GROUP = IMAGE_ATTRIBUTES', '  GROUP = PROJECTION_ATTRIBUTES',
          '    MAP_PROJECTION = "UTM"', '    DATUM = "WGS84"', '    ELLIPSOID = "WGS84"',
          '    UTM_ZONE = %d' % acq.zone, '    GRID_CELL_SIZE_REFLECTIVE = %.2f' % res,
          '    REFLECTIVE_LINES = %d' % height, '    REFLECTIVE_SAMPLES = %d' % width,
          '    ORIENTATION = "NORTH_UP"',
          '    CORNER_UL_PROJECTION_X_PRODUCT = %.3f' % x0, '    CORNER_UL_PROJECTION_Y_PRODUCT = %.3f' % y0,
          '    CORNER_LR_PROJECTION_X_PRODUCT = %.3f' % (x0 + width * res),
          '    CORNER_LR_PROJECTION_Y_PRODUCT = %.3f' % (y0 - height * res),
          '  END_GROUP = PROJECTION_ATTRIBUTES', '  GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS']
    for n in range(1, 8):
        L += ['    REFLECTANCE_MAXIMUM_BAND_%d = 1.602213' % n, '    REFLECTANCE_MINIMUM_BAND_%d = -0.199972' % n]
    for n in range(1, 8):
        L += ['    QUANTIZE_CAL_MAX_BAND_%d = 65535' % n, '    QUANTIZE_CAL_MIN_BAND_%d = 1' % n]
    for n in range(1, 8):
        L.append('    REFLECTANCE_MULT_BAND_%d = 2.75e-05' % n)
    for n in range(1, 8):
        L.append('    REFLECTANCE_ADD_BAND_%d = -0.2' % n)
    L += ['  END_GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS', '  GROUP = LEVEL2_PROCESSING_RECORD',
          '    DATE_PRODUCT_GENERATED = %sT04:12:33Z' % acq.proc.isoformat(),
          '  END_GROUP = LEVEL2_PROCESSING_RECORD', 'END_GROUP = LANDSAT_METADATA_FILE', 'END']
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


# ----------------------------------------------------------------------
def _map_geom(g, fn):
    """Copy of a (multi)polygon with every vertex mapped by fn(x, y)."""
    t = ogr.GT_Flatten(g.GetGeometryType())
    if t == ogr.wkbPolygon:
        out = ogr.Geometry(ogr.wkbPolygon)
        for i in range(g.GetGeometryCount()):
            ring = g.GetGeometryRef(i)
            nr = ogr.Geometry(ogr.wkbLinearRing)
            for x, y in ring.GetPoints():
                nr.AddPoint_2D(*fn(x, y))
            out.AddGeometry(nr)
        return out
    out = ogr.Geometry(ogr.wkbMultiPolygon)
    for i in range(g.GetGeometryCount()):
        out.AddGeometry(_map_geom(g.GetGeometryRef(i), fn))
    return out


def _tidy(g):
    """Drop slivers (parts and holes under 1 m2) and simplify by 0.5 m, so the
    polygons stay valid after rounding to 1e-7 degrees."""
    g = g.Buffer(-0.25, 1).Buffer(0.25, 1).SimplifyPreserveTopology(0.5)   # opening: no slivers
    out = ogr.Geometry(ogr.wkbMultiPolygon)
    parts = [g] if ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbPolygon else \
        [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
    for p in parts:
        if ogr.GT_Flatten(p.GetGeometryType()) != ogr.wkbPolygon or p.GetArea() < 1.0:
            continue
        q = ogr.Geometry(ogr.wkbPolygon)
        for i in range(p.GetGeometryCount()):
            ring = p.GetGeometryRef(i)
            rp = ogr.Geometry(ogr.wkbPolygon)
            rp.AddGeometry(ring)
            if i == 0 or rp.GetArea() >= 1.0:
                q.AddGeometry(ring)
        out.AddGeometry(q)
    out = out.Buffer(0) if not out.IsValid() else out
    return out


def write_truth(path, world, srs, origin, extra):
    x0, y0 = origin
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    s = srs.Clone()
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(s, wgs)
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName("GeoJSON").CreateDataSource(path)
    lyr = ds.CreateLayer("truth", wgs, ogr.wkbMultiPolygon,
                         ["RFC7946=YES", "WRITE_NAME=NO", "COORDINATE_PRECISION=7"])
    fields = [("id", ogr.OFTString), ("kind", ogr.OFTString), ("area_ha", ogr.OFTReal),
              ("growth", ogr.OFTInteger), ("ponds", ogr.OFTInteger), ("site", ogr.OFTString),
              ("date", ogr.OFTString), ("present", ogr.OFTString)]
    for n, t in fields:
        fd = ogr.FieldDefn(n, t)
        if n == "growth":
            fd.SetSubType(ogr.OFSTBoolean)
        lyr.CreateField(fd)
    for t in world.truth:
        g = _map_geom(_tidy(t["geom"]), lambda u, v: (x0 + u, y0 - v))
        area = g.GetArea() / 1e4
        g.Transform(ct)
        if not g.IsValid():
            g = g.MakeValid()
            if ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbGeometryCollection:
                mp = ogr.Geometry(ogr.wkbMultiPolygon)
                for i in range(g.GetGeometryCount()):
                    s = g.GetGeometryRef(i)
                    if ogr.GT_Flatten(s.GetGeometryType()) in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
                        for p in ([s] if ogr.GT_Flatten(s.GetGeometryType()) == ogr.wkbPolygon else
                                  [s.GetGeometryRef(j) for j in range(s.GetGeometryCount())]):
                            mp.AddGeometry(p)
                g = mp
        if ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbPolygon:
            g = ogr.ForceToMultiPolygon(g)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("id", t["id"])
        f.SetField("kind", t["kind"])
        f.SetField("area_ha", round(area, 4))
        for k, v in t["props"].items():
            if k in ("growth", "ponds", "site", "date", "present"):
                f.SetField(k, int(v) if isinstance(v, bool) else v)
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    ds = None
