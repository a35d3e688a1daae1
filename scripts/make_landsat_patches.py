#!/usr/bin/python3
"""Landsat-like pairs from the real Sentinel-2 patch pairs.

    make_landsat_patches.py [--data DIR] --out DIR [--split train|val|both]

No real Landsat mining pairs exist in the project, so the real Sentinel-2
pairs of sat-mining-detector-patches are turned into what Landsat 8/9 OLI
would have recorded: every band through the HLS bandpass adjustment from
MSI to OLI (OLI = slope * MSI + offset; HLS v2 user guide, after Claverie
et al. 2018, Remote Sens. Environ. 219: 145-161), then averaged over 3 x 3
pixels to 30 m (48 x 48 px at 10 m -> 16 x 16 px), written as a Landsat
C2 L2 stack (SR_B2..SR_B7 as DN = (rho + 0.2) / 2.75e-5, QA_PIXEL clear,
fill where any 10 m pixel of the block had no data) on the patch's own
UTM grid, with the patch's metadata (label, dates).

Composites mix Sentinel-2A and 2B, so the coefficients are the mean of the
two platforms'. HLS adjusts the narrow NIR band B8A; the patches carry the
broad B08, adjusted here with B8A's coefficients (B08 reads about 1-3 %
above B8A over vegetation: NDVI differs by about 0.01). Deterministic; a
pair takes milliseconds. Writes OUT/<split>/<id>_t0.tif, _t1.tif and copies
dataset_<split>.csv.
"""
import argparse
import os
import shutil
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
DATA = "/work/shared/data/sat-mining-detector-patches"
# (slope, offset) per band B02 B03 B04 B08(B8A) B11 B12: HLS v2, Sentinel-2A and 2B -> OLI
HLS_S2A = [(0.9778, -0.0040), (1.0053, -0.0009), (0.9765, 0.0009), (0.9983, -0.0001),
           (0.9987, -0.0011), (1.0030, -0.0012)]
HLS_S2B = [(0.9778, -0.0040), (1.0075, -0.0008), (0.9761, 0.0010), (0.9966, 0.0000),
           (1.0000, -0.0003), (0.9867, 0.0004)]
HLS = [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(HLS_S2A, HLS_S2B)]
NAMES = ["SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7", "QA_PIXEL"]
QA_FILL, QA_CLEAR = 1, 21824
FACTOR = 3


def convert(src, dst):
    ds = gdal.Open(src)
    dn = ds.ReadAsArray().astype(np.float64)           # (6, 48, 48), reflectance x 10000
    bands, h, w = dn.shape
    if bands != 6:
        raise SystemExit("make_landsat_patches.py: %s: %d bands, expected 6" % (src, bands))
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    bad = (dn == 0).all(axis=0) if nodata is None else (dn == nodata).any(axis=0)
    rho = np.stack([s * dn[i] / 1e4 + o for i, (s, o) in enumerate(HLS)])
    H, W = h // FACTOR, w // FACTOR
    rho = rho[:, :H * FACTOR, :W * FACTOR].reshape(6, H, FACTOR, W, FACTOR).mean(axis=(2, 4))
    fill = bad[:H * FACTOR, :W * FACTOR].reshape(H, FACTOR, W, FACTOR).any(axis=(1, 3))
    out = np.clip(np.round((rho + 0.2) / 2.75e-5), 1, 65535).astype(np.uint16)
    out[:, fill] = 0
    qa = np.where(fill, QA_FILL, QA_CLEAR).astype(np.uint16)
    gt = list(ds.GetGeoTransform())
    gt[1] *= FACTOR
    gt[5] *= FACTOR
    tmp = dst + ".tmp.tif"
    o = gdal.GetDriverByName("GTiff").Create(tmp, W, H, 7, gdal.GDT_UInt16, ["COMPRESS=DEFLATE"])
    o.SetProjection(ds.GetProjection())
    o.SetGeoTransform(gt)
    md = dict(ds.GetMetadata())
    md["SOURCE_SENSOR"] = "Sentinel-2 MSI patch, HLS bandpass-adjusted to Landsat OLI, 3x3 mean to 30 m"
    md["SCALE"] = "Landsat C2 L2: rho = DN * 2.75e-5 - 0.2"
    md.pop("BAND_ORDER", None)
    o.SetMetadata(md)
    for i, name in enumerate(NAMES):
        b = o.GetRasterBand(i + 1)
        b.SetDescription(name)
        b.WriteArray(out[i] if i < 6 else qa)
        if i < 6:
            b.SetNoDataValue(0)
    o = None
    os.replace(tmp, dst)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", choices=["train", "val", "both"], default="both")
    a = ap.parse_args(argv)
    for split in (("train", "val") if a.split == "both" else (a.split,)):
        src = os.path.join(a.data, split)
        dst = os.path.join(a.out, split)
        os.makedirs(dst, exist_ok=True)
        n = 0
        for f in sorted(os.listdir(src)):
            if f.endswith(".tif") and not os.path.exists(os.path.join(dst, f)):
                convert(os.path.join(src, f), os.path.join(dst, f))
                n += 1
        csv = os.path.join(a.data, "dataset_%s.csv" % split)
        if os.path.exists(csv):
            shutil.copyfile(csv, os.path.join(a.out, "dataset_%s.csv" % split))
        sys.stderr.write("%s: %d rasters written to %s\n" % (split, n, dst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
