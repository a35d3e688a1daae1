"""Per-strip rendering of a World into surface reflectance, masks and truth.

Everything in a strip is a function of world coordinates (rasterised shapes,
hashed noise) except the white sensor noise, which comes from a Generator
seeded by (seed, date, first row, first column); strips and column blocks
therefore have fixed sizes (STRIP_ROWS, CHUNK_COLS) so that output is
deterministic.
"""
import math

import numpy as np
from osgeo import gdal, ogr

from . import noise
from .world import MATERIALS, CLOUD_REFL, KIND_CODE, WATER_CODES

gdal.UseExceptions()
STRIP_ROWS = 256
CHUNK_COLS = 2048

_MAT = np.array([m[1] for m in MATERIALS], np.float32).T          # (6, ncodes)
_WATER = np.array(sorted(WATER_CODES))
_TEX = np.array([m[2] for m in MATERIALS], np.float32)
_VEG = np.array([m[3] for m in MATERIALS], np.float32)
_HAZE = np.array([0.055, 0.048, 0.040, 0.030, 0.014, 0.008], np.float32)[:, None, None]
_SHADOW = np.array([0.55, 0.60, 0.65, 0.75, 0.80, 0.80], np.float32)[:, None, None]
_CLOUD = np.array(CLOUD_REFL, np.float32)[:, None, None]
_NOISE_ABS = np.array([0.0015, 0.0015, 0.0015, 0.003, 0.0025, 0.002], np.float32)[:, None, None]


def _mem_layer(features, attr):
    drv = ogr.GetDriverByName("Memory")
    ds = drv.CreateDataSource("w")
    lyr = ds.CreateLayer("f", geom_type=ogr.wkbUnknown)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    defn = lyr.GetLayerDefn()
    for f in features:
        o = ogr.Feature(defn)
        o.SetGeometry(f.geom if attr is None else f["geom"])
        o.SetField("v", attr(f) if attr is not None and callable(attr) else
                   int(f.code) * 1000 + int(round(np.clip(f.gain, -1.0, 1.0) * 400)) + 500)
        lyr.CreateFeature(o)
    return ds, lyr


class Renderer:
    def __init__(self, world, res, ss=1):
        self.w = world
        self.res = float(res)          # output pixel size (m)
        self.ss = int(ss)              # supersampling factor
        self.ri = self.res / self.ss   # internal pixel size
        self.layers = [_mem_layer(world.feats[d], None) for d in (0, 1)]
        truth = [dict(geom=t["geom"], kind=t["kind"]) for t in world.truth]
        self.truth_layer = _mem_layer(truth, lambda t: KIND_CODE[t["kind"]])

    # ------------------------------------------------------------------
    def _rasterize(self, lyr, u0, v0, px, nx, ny, background=0):
        ds = gdal.GetDriverByName("MEM").Create("", nx, ny, 1, gdal.GDT_Int32)
        ds.SetGeoTransform((u0, px, 0, v0, 0, px))
        if background:
            ds.GetRasterBand(1).Fill(background)
        lyr.SetSpatialFilterRect(u0, v0, u0 + nx * px, v0 + ny * px)
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            gdal.RasterizeLayer(ds, [1], lyr, options=["ATTRIBUTE=v"])
        finally:
            gdal.PopErrorHandler()
        lyr.SetSpatialFilter(None)
        return ds.GetRasterBand(1).ReadAsArray()

    def truth_strip(self, r0, r1, width):
        return self._rasterize(self.truth_layer[1], 0.0, r0 * self.res, self.res, width, r1 - r0).astype(np.uint8)

    # ------------------------------------------------------------------
    def _cloud_density(self, cl, u, v, du=0.0, dv=0.0):
        """Cloud optical density in [0,1] on the grid (u, v) for cloud cl, offset by (du, dv)."""
        cover = np.zeros((len(v), len(u)), np.float32)
        uu = (u - du)[None, :]
        vv = (v - dv)[:, None]
        hit = False
        for cx, cy, rx, ry, a in cl["ellipses"]:
            R = max(rx, ry) * 1.3
            if cy + R < vv[0, 0] or cy - R > vv[-1, 0]:
                continue
            hit = True
            ca, sa = math.cos(a), math.sin(a)
            x = (uu - cx) * ca + (vv - cy) * sa
            y = -(uu - cx) * sa + (vv - cy) * ca
            q = 1 - (x / rx) ** 2 - (y / ry) ** 2
            np.maximum(cover, q.astype(np.float32), out=cover)
        if not hit:
            return None
        f = noise.fbm(u - du, v - dv, [60, 150, 400], [1, 0.8, 0.6], cl["seed"])
        edge = np.clip(cover / 0.15, 0, 1)
        d = np.clip((cover * 2.2 + 0.35 * f - 0.15) * edge, 0, 1) * cl["opacity"]
        return d if d.any() else None

    def _haze(self, hz, u, v):
        ca, sa = math.cos(hz["ang"]), math.sin(hz["ang"])
        uu, vv = u[None, :] - hz["cx"], v[:, None] - hz["cy"]
        x = uu * ca + vv * sa
        y = -uu * sa + vv * ca
        q = np.clip(1 - (x / hz["rx"]) ** 2 - (y / hz["ry"]) ** 2, 0, 1).astype(np.float32)
        if not q.any():
            return None
        f = noise.fbm(u, v, [300, 900], [1, 0.7], hz["seed"])
        return np.clip(q * 1.5, 0, 1) * np.clip(0.65 + 0.3 * f, 0, 1) * hz["strength"]

    # ------------------------------------------------------------------
    def strip(self, r0, r1, width):
        """Render output rows [r0, r1) of both dates.

        Returns a list of two dicts with refl (6,h,width) float32, valid, cloud,
        shadow (h,width) float32 and cirrus (h,width) bool.  Works in blocks of
        CHUNK_COLS columns to bound memory."""
        h = r1 - r0
        out = [dict(refl=np.empty((6, h, width), np.float32), valid=np.empty((h, width), bool),
                    cloud=np.empty((h, width), np.float32), shadow=np.empty((h, width), np.float32),
                    cirrus=np.empty((h, width), bool)) for _ in (0, 1)]
        for c0 in range(0, width, CHUNK_COLS):
            c1 = min(width, c0 + CHUNK_COLS)
            blk = self._block(r0, r1, c0, c1)
            for d in (0, 1):
                for k, a in blk[d].items():
                    out[d][k][..., c0:c1] = a
        return out

    def blocks(self, r0, r1, width):
        """Yield (c0, [date0, date1]) blocks of output rows [r0, r1), CHUNK_COLS wide."""
        for c0 in range(0, width, CHUNK_COLS):
            yield c0, self._block(r0, r1, c0, min(width, c0 + CHUNK_COLS))

    def _block(self, r0, r1, c0, c1):
        w, ss, ri = self.w, self.ss, self.ri
        h = r1 - r0
        width = c1 - c0
        i0 = r0 * ss - 1                 # one halo row and column for the PSF
        j0 = c0 * ss - 1
        nyi = h * ss + 2
        nxi = width * ss + 2
        u = (np.arange(j0, j0 + nxi) + 0.5) * ri
        v = (np.arange(i0, i0 + nyi) + 0.5) * ri
        # static texture of the ground, common to both dates
        fine = max(1.5 * ri, 12.0)
        out = []
        tags = getattr(w, "noise_tags", (0, 1))     # series.py: a distinct noise per date
        for d in (0, 1):
            su, sv = w.shift if d == 1 else (0.0, 0.0)
            ug, vg = u + su, v + sv
            val = self._rasterize(self.layers[d][1], j0 * ri + su, i0 * ri + sv, ri, nxi, nyi, 500)
            code = val // 1000
            gain = ((val % 1000) - 500).astype(np.float32) / 400.0
            ts = noise.fbm(ug, vg, [fine, 40, 90, 200, 450], [1, 0.8, 0.6, 0.5, 0.4], w.seed)
            tv = noise.fbm(ug, vg, [fine, 60, 250], [1, 0.7, 0.5], w.seed + 5)
            tl = noise.fbm(ug, vg, [1500, 5000], [1, 1], w.seed + 9)
            td = noise.fbm(ug, vg, [30, 120, 480], [1, 0.8, 0.6], w.seed + 101 + tags[d])
            tex = _TEX[code]
            veg = _VEG[code]
            refl = _MAT[:, code]                                 # (6, nyi, nxi)
            m = (1 + tex * (0.8 * ts + 0.35 * td)) * (1 + gain) * (1 + 0.035 * tl)
            refl *= m[None]
            refl[3] *= 1 + veg * 0.07 * tv
            refl[2] *= 1 - veg * 0.12 * tv
            if d == 1:
                refl *= np.array(w.illum["gain"], np.float32)[:, None, None]
                refl[3] *= 1 - (1 - w.illum["veg_nir"]) * veg
                if w.river_season:
                    # wet season: every river and pond carries more sediment
                    wet = np.isin(code, _WATER)
                    refl[2][wet] *= 1 + w.river_season
                    refl[1][wet] *= 1 + 0.5 * w.river_season
                    refl[3][wet] *= 1 + 0.5 * w.river_season
            # atmosphere (not shifted): haze, shadows, clouds
            cirrus = np.zeros((nyi, nxi), bool)
            for hz in w.hazes:
                if hz["date"] != d:
                    continue
                a = self._haze(hz, u, v)
                if a is None:
                    continue
                refl *= 1 - 0.08 * a[None]
                refl += _HAZE * a[None]
                cirrus |= a > 0.62 * hz["strength"]
            cloud = np.zeros((nyi, nxi), np.float32)
            shadow = np.zeros((nyi, nxi), np.float32)
            for cl in w.clouds:
                if cl["date"] != d:
                    continue
                s = self._cloud_density(cl, u, v, *cl["shadow"])
                if s is not None:
                    np.maximum(shadow, s, out=shadow)
                c = self._cloud_density(cl, u, v)
                if c is not None:
                    np.maximum(cloud, c, out=cloud)
            if shadow.any():
                refl *= 1 - _SHADOW * shadow[None]
            if cloud.any():
                cn = noise.fbm(u, v, [40, 160], [1, 1], w.seed + 77 + tags[d])
                refl = refl * (1 - cloud[None]) + _CLOUD * (1 + 0.08 * cn[None]) * cloud[None]
            # point spread function (separable, mild), then crop halo and average
            k0, k1 = 0.7, 0.15
            refl = k0 * refl[:, :, 1:-1] + k1 * (refl[:, :, :-2] + refl[:, :, 2:])
            refl = k0 * refl[:, 1:-1] + k1 * (refl[:, :-2] + refl[:, 2:])
            cloud, shadow, cirrus = cloud[1:-1, 1:-1], shadow[1:-1, 1:-1], cirrus[1:-1, 1:-1]
            code = code[:, 1:-1]
            if ss > 1:
                refl = refl.reshape(6, h, ss, width, ss).mean(axis=(2, 4))
                cloud = cloud.reshape(h, ss, width, ss).mean(axis=(1, 3))
                shadow = shadow.reshape(h, ss, width, ss).mean(axis=(1, 3))
                cirrus = cirrus.reshape(h, ss, width, ss).mean(axis=(1, 3)) > 0.5
            # sensor noise (per-strip generator: fixed strip height keeps it deterministic)
            g = np.random.default_rng([w.seed, tags[d], r0, c0, 0x5E45])
            vfrac = _VEG[code[1:-1]] if ss == 1 else _VEG[code[1:-1]].reshape(h, ss, width, ss).mean(axis=(1, 3))
            rel = np.float32(0.025) + np.float32(0.025) * vfrac            # crowns: extra speckle
            refl *= 1 + g.standard_normal(refl.shape, np.float32) * rel[None]
            refl += g.standard_normal(refl.shape, np.float32) * _NOISE_ABS
            # nodata swath edge
            uo = (np.arange(c0, c1) + 0.5) * self.res
            vo = (np.arange(r0, r1) + 0.5) * self.res
            valid = np.ones((h, width), bool)
            nd = w.nodata
            if nd is not None and nd["date"] == d:
                valid = (uo[None, :] * nd["nx"] + vo[:, None] * nd["ny"]) <= nd["c"]
            out.append(dict(refl=refl, valid=valid, cloud=cloud, shadow=shadow, cirrus=cirrus))
        return out


# ----------------------------------------------------------------------
def scl(o):
    """Sentinel-2 SCL-like classes from rendered reflectance and atmosphere."""
    b, g, r, n, s1, s2 = o["refl"]
    ndvi = (n - r) / (n + r + 1e-6)
    mndwi = (g - s1) / (g + s1 + 1e-6)
    c = np.full(b.shape, 5, np.uint8)                      # not vegetated
    c[ndvi > 0.42] = 4                                      # vegetation
    c[((b + g + r) < 0.13) & (n < 0.17) & (ndvi <= 0.42)] = 2   # dark area pixels
    c[(mndwi > 0.08) & (n < 0.2)] = 6                       # water
    c[(b > 0.09) & (ndvi < 0.3) & (mndwi > -0.05) & (mndwi <= 0.08)] = 7   # unclassified
    c[o["cirrus"]] = 10
    c[o["shadow"] > 0.45] = 3
    cl = o["cloud"]
    c[cl > 0.3] = 8
    c[cl > 0.7] = 9
    c[~o["valid"]] = 0
    return c


def clear(o, sensor):
    """Pixels the product's own mask leaves usable: valid, and not flagged as
    cloud, shadow or cirrus by scl() (classes 0, 3, 8, 9, 10) or qa_pixel()
    (fill, dilated cloud, cloud, shadow, cirrus). Truth for what a sensor
    could see, independent of how minewatch reads the masks."""
    thr = 0.3 if sensor == "sentinel2" else 0.18
    return o["valid"] & ~o["cirrus"] & (o["shadow"] <= 0.45) & (o["cloud"] <= thr)


QA_FILL, QA_CLEAR, QA_WATER = 1, 21824, 21952
QA_DILATED, QA_CLOUD, QA_SHADOW, QA_CIRRUS = 21762, 22280, 23888, 54596


def qa_pixel(o):
    """Landsat C2 QA_PIXEL-like bit flags from rendered reflectance and atmosphere."""
    b, g, r, n, s1, s2 = o["refl"]
    mndwi = (g - s1) / (g + s1 + 1e-6)
    q = np.full(b.shape, QA_CLEAR, np.uint16)
    q[(mndwi > 0.08) & (n < 0.2)] = QA_WATER
    q[o["cirrus"]] = QA_CIRRUS
    q[o["shadow"] > 0.45] = QA_SHADOW
    cl = o["cloud"]
    q[(cl > 0.18) & (cl <= 0.3)] = QA_DILATED
    q[cl > 0.3] = QA_CLOUD
    q[~o["valid"]] = QA_FILL
    return q
