"""Coordinate-hashed value noise.

Every value is a pure function of (world coordinate, seed), so a scene rendered
in row strips of any height is identical to one rendered in one piece, and no
full-scene array is ever needed.
"""
import numpy as np

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S40 = (np.uint64(s) for s in (30, 27, 31, 40))


def hash01(ix, iy, seed):
    """Uniform [0,1) float32 from integer lattice coordinates (broadcasting)."""
    with np.errstate(over="ignore"):
        h = (np.asarray(ix, np.int64).view(np.uint64) * _M1) ^ \
            (np.asarray(iy, np.int64).view(np.uint64) * _M2) ^ \
            (np.uint64(seed & 0xFFFFFFFF) * _M3)
        h ^= h >> _S30
        h *= _C1
        h ^= h >> _S27
        h *= _C2
        h ^= h >> _S31
    return (h >> _S40).astype(np.float32) * np.float32(1.0 / (1 << 24))


def value_noise(u, v, spacing, seed):
    """Smooth value noise in [-1,1] on the grid u (columns, metres) x v (rows, metres)."""
    gu = np.asarray(u, np.float64) / spacing
    gv = np.asarray(v, np.float64) / spacing
    iu = np.floor(gu).astype(np.int64)
    iv = np.floor(gv).astype(np.int64)
    fu = (gu - iu).astype(np.float32)
    fv = (gv - iv).astype(np.float32)
    su = fu * fu * (3 - 2 * fu)
    sv = fv * fv * (3 - 2 * fv)
    u0, v0 = iu.min(), iv.min()
    lu = np.arange(u0, iu.max() + 2)
    lv = np.arange(v0, iv.max() + 2)
    lat = hash01(lu[None, :], lv[:, None], seed) * 2 - 1
    a = iu - u0
    b = iv - v0
    # interpolate along u on the (few) lattice rows first, then along v
    rows = lat[:, a] * (1 - su) + lat[:, a + 1] * su
    return rows[b] * (1 - sv)[:, None] + rows[b + 1] * sv[:, None]


def fbm(u, v, spacings, weights, seed):
    """Sum of value-noise octaves, scaled to roughly unit standard deviation."""
    out = None
    for k, (s, w) in enumerate(zip(spacings, weights)):
        n = value_noise(u, v, s, seed * 131 + k * 7919 + 17)
        out = n * w if out is None else out + n * w
    norm = 0.425 * float(np.sqrt(np.sum(np.square(weights))))
    return out / np.float32(norm)
