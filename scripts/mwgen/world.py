"""The vector world: every object of the scene as a shape, generated once from
the seed, then rasterised strip by strip by `render`.

Coordinates: scene metres (u to the east from the left edge, v to the south
from the top edge).  Projected X = x0 + u, Y = y0 - v.  Shapes are OGR
geometries in scene metres; `Feature` rows carry the material code per date.
"""
import math

import numpy as np
from osgeo import ogr

from .looks import POND_CODE

ogr.UseExceptions()

# ---------------------------------------------------------------------------
# Materials: surface reflectance of the six optical bands
# (S2 B02 B03 B04 B08 B11 B12 = Landsat SR_B2 B3 B4 B5 B6 B7), texture
# amplitude, vegetation flag.  Values follow the real sat-mining-detector
# patches (medians of forest / bare / sand / pond pixels) and published
# spectra of Amazon land covers.
# ---------------------------------------------------------------------------
MATERIALS = [
    # name               B      G      R      NIR    SWIR1  SWIR2  tex   veg
    ("forest",         (0.025, 0.045, 0.024, 0.290, 0.150, 0.062), 0.14, 1.0),
    ("secondary",      (0.033, 0.060, 0.038, 0.330, 0.190, 0.085), 0.10, 1.0),
    ("pasture",        (0.045, 0.078, 0.065, 0.290, 0.250, 0.130), 0.12, 0.8),
    ("bare_laterite",  (0.085, 0.125, 0.175, 0.240, 0.320, 0.250), 0.14, 0.0),
    ("farm_soil",      (0.070, 0.100, 0.130, 0.210, 0.305, 0.245), 0.10, 0.1),
    ("sand_tailings",  (0.160, 0.210, 0.260, 0.330, 0.360, 0.270), 0.12, 0.0),
    ("pond_brown",     (0.085, 0.130, 0.160, 0.120, 0.060, 0.040), 0.08, 0.0),
    ("pond_milky",     (0.080, 0.130, 0.100, 0.075, 0.038, 0.024), 0.08, 0.0),
    ("pond_turquoise", (0.090, 0.140, 0.085, 0.050, 0.026, 0.016), 0.08, 0.0),
    ("pond_yellowgrn", (0.070, 0.130, 0.120, 0.095, 0.045, 0.030), 0.08, 0.0),
    ("water_clear",    (0.035, 0.045, 0.030, 0.020, 0.012, 0.008), 0.06, 0.0),
    ("river_brown",    (0.055, 0.085, 0.095, 0.065, 0.030, 0.020), 0.05, 0.0),
    ("river_black",    (0.030, 0.040, 0.030, 0.022, 0.012, 0.008), 0.05, 0.0),
    ("road",           (0.080, 0.110, 0.150, 0.230, 0.310, 0.230), 0.08, 0.0),
    ("burn",           (0.030, 0.040, 0.050, 0.120, 0.170, 0.150), 0.12, 0.0),
    ("sandbar",        (0.130, 0.170, 0.200, 0.250, 0.300, 0.220), 0.10, 0.0),
    ("pioneer",        (0.040, 0.070, 0.055, 0.300, 0.220, 0.110), 0.12, 0.7),
    ("old_mine_reveg", (0.060, 0.090, 0.090, 0.270, 0.270, 0.160), 0.15, 0.5),
    ("river_plume",    (0.075, 0.120, 0.150, 0.110, 0.050, 0.035), 0.05, 0.0),
    ("mud",            (0.060, 0.090, 0.110, 0.160, 0.200, 0.150), 0.12, 0.0),
]
CODE = {m[0]: i for i, m in enumerate(MATERIALS)}
WATER_CODES = {CODE[n] for n in ("pond_brown", "pond_milky", "pond_turquoise",
                                 "pond_yellowgrn", "water_clear", "river_brown",
                                 "river_black", "river_plume")}
CLOUD_REFL = (0.40, 0.41, 0.43, 0.48, 0.36, 0.26)

# Truth kinds (codes of truth_mask.tif; 0 = nothing)
KINDS = ["none", "mining", "farm_clearing", "pasture", "burn_scar", "cloud_missed",
         "haze", "river_shift", "sandbar", "road", "plume"]
KIND_CODE = {k: i for i, k in enumerate(KINDS)}

POND_COLOURS = ["pond_brown", "pond_milky", "pond_turquoise", "pond_yellowgrn"]
POND_P = [0.40, 0.25, 0.20, 0.15]


# ---------------------------------------------------------------------------
# geometry helpers
# ---------------------------------------------------------------------------
def poly_from_xy(xy):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in xy:
        ring.AddPoint_2D(float(x), float(y))
    ring.AddPoint_2D(float(xy[0][0]), float(xy[0][1]))
    p = ogr.Geometry(ogr.wkbPolygon)
    p.AddGeometry(ring)
    return p


def line_from_xy(xy):
    ln = ogr.Geometry(ogr.wkbLineString)
    for x, y in xy:
        ln.AddPoint_2D(float(x), float(y))
    return ln


def clean(g):
    """Valid polygonal geometry (or None when empty)."""
    if g is None or g.IsEmpty():
        return None
    if not g.IsValid():
        g = g.Buffer(0)
    t = ogr.GT_Flatten(g.GetGeometryType())
    if t == ogr.wkbGeometryCollection:
        out = ogr.Geometry(ogr.wkbMultiPolygon)
        for i in range(g.GetGeometryCount()):
            s = g.GetGeometryRef(i)
            st = ogr.GT_Flatten(s.GetGeometryType())
            if st == ogr.wkbPolygon:
                out.AddGeometry(s)
            elif st == ogr.wkbMultiPolygon:
                for j in range(s.GetGeometryCount()):
                    out.AddGeometry(s.GetGeometryRef(j))
        g = out
    if ogr.GT_Flatten(g.GetGeometryType()) not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
        return None
    if g.IsEmpty() or g.GetArea() <= 0:
        return None
    return g


def blob(rng, cx, cy, r, aspect=1.0, angle=0.0, rough=0.25, n=28):
    """Irregular star-shaped polygon of mean radius r (metres)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rad = np.ones(n)
    for k in (2, 3, 5, 7):
        rad += rng.normal(0, rough / math.sqrt(k)) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    rad = np.clip(rad, 0.35, 2.0) * r
    x = rad * np.cos(t) * math.sqrt(aspect)
    y = rad * np.sin(t) / math.sqrt(aspect)
    ca, sa = math.cos(angle), math.sin(angle)
    return poly_from_xy(np.c_[cx + ca * x - sa * y, cy + sa * x + ca * y])


def rect(cx, cy, w, h, angle):
    c = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    ca, sa = math.cos(angle), math.sin(angle)
    return poly_from_xy(np.c_[cx + ca * c[:, 0] - sa * c[:, 1], cy + sa * c[:, 0] + ca * c[:, 1]])


def ellipse(cx, cy, rx, ry, angle, n=36):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    ca, sa = math.cos(angle), math.sin(angle)
    return poly_from_xy(np.c_[cx + ca * x - sa * y, cy + sa * x + ca * y])


def meander(rng, start, heading, length, step, amp, wavelength, bounds=None):
    """Meandering centreline: heading oscillates around `heading`."""
    pts = [np.array(start, float)]
    phase = rng.uniform(0, 2 * np.pi)
    drift = 0.0
    s = 0.0
    while s < length:
        drift = 0.9 * drift + rng.normal(0, 0.08)
        h = heading + amp * math.sin(2 * np.pi * s / wavelength + phase) + drift
        p = pts[-1] + step * np.array([math.cos(h), math.sin(h)])
        pts.append(p)
        s += step
        if bounds is not None:
            x0, y0, x1, y1 = bounds
            if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1):
                break
    return np.array(pts)


def _rings(g):
    """All rings of a (multi)polygon as arrays of vertices."""
    out = []
    parts = [g] if ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbPolygon else \
        [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
    for p in parts:
        for i in range(p.GetGeometryCount()):
            out.append(np.array(p.GetGeometryRef(i).GetPoints())[:, :2])
    return out


def _inside(rings, q):
    """Even-odd point-in-polygon test of points q (N,2) against all rings."""
    x, y = q[:, 0:1], q[:, 1:2]
    ins = np.zeros(len(q), bool)
    for ring in rings:
        x0, y0 = ring[:-1, 0][None], ring[:-1, 1][None]
        x1, y1 = ring[1:, 0][None], ring[1:, 1][None]
        cross = ((y0 > y) != (y1 > y)) & (x < (x1 - x0) * (y - y0) / np.where(y1 == y0, 1e-12, y1 - y0) + x0)
        ins ^= (cross.sum(axis=1) % 2).astype(bool)
    return ins


class Feature:
    __slots__ = ("geom", "code", "gain", "z")

    def __init__(self, geom, code, gain, z):
        self.geom, self.code, self.gain, self.z = geom, code, gain, z


class World:
    """All objects of a scene pair, generated from one seed."""

    def __init__(self, seed, width_m, height_m, n_sites=None, lookalikes=False, look=None):
        self.seed = seed
        self.look = look               # mwgen.looks setting dict, None: the generator's own look
        self.rng = np.random.default_rng(seed)
        self.W, self.H = float(width_m), float(height_m)
        self.area_km2 = self.W * self.H / 1e6
        self.lookalikes = lookalikes
        self.river_season = 0.0        # sediment gain of all water at date 2 (gen_scenes --river-season)
        self.feats = ([], [])          # per date
        self.truth = []                # dicts: geom, kind, id, props
        self.occupied = []             # geometries to keep objects apart
        self.rivers = []
        self.clouds = []               # dicts: date, ellipses [(cx,cy,rx,ry,ang)], opacity, shadow (dx,dy)
        self.hazes = []                # dicts: date, cx, cy, rx, ry, ang, strength
        self.nodata = None             # dict: date, nx, ny, c  (u*nx+v*ny > c is nodata)
        self.illum = None              # per-band gain of date 2, veg NIR factor
        self.shift = (0.0, 0.0)        # co-registration shift of date 2 (metres)
        self.bounds = (0.0, 0.0, self.W, self.H)
        self.plumes = []               # (geometry, river) sediment plumes of date 2
        self._occ_env = []

        if n_sites is None:
            n_sites = int(np.clip(round(self.area_km2 / 8.0), 3, 400))
        self.n_sites = n_sites

        self._base_land()
        self._rivers()
        self._roads()
        self._old_mosaics()
        self._mining_sites()
        self._global_effects()
        if lookalikes:
            self._lookalikes()

    # ------------------------------------------------------------------
    def add(self, geom, code, z, dates=(0, 1), gain=0.0):
        if geom is None:
            return
        g = clean(geom)
        if g is None:
            return
        for d in dates:
            self.feats[d].append(Feature(g, CODE[code] if isinstance(code, str) else code, gain, z))

    def add_truth(self, geom, kind, **props):
        g = clean(geom)
        if g is None or g.GetArea() < 100:     # < 0.01 ha: invisible
            return None
        n = sum(1 for t in self.truth if t["kind"] == kind) + 1
        tid = "%s_%03d" % (kind, n)
        self.truth.append(dict(geom=g, kind=kind, id=tid, props=props))
        return tid

    def free(self, g, margin=60.0):
        """True when g (buffered) does not touch occupied space or leave the scene."""
        env = g.GetEnvelope()
        if env[0] < 0 or env[2] < 0 or env[1] > self.W or env[3] > self.H:
            return False
        e = (env[0] - margin, env[1] + margin, env[2] - margin, env[3] + margin)
        near = [o for o, oe in self.occupied_env() if not (oe[1] < e[0] or e[1] < oe[0] or oe[3] < e[2] or e[3] < oe[2])]
        if not near:
            return True
        gb = g.Buffer(margin, 4)
        return not any(gb.Intersects(o) for o in near)

    def occupied_env(self):
        # envelopes cached per geometry (the list only grows)
        c = self._occ_env
        while len(c) < len(self.occupied):
            c.append(self.occupied[len(c)].GetEnvelope())
        return zip(self.occupied, c)

    def random_point(self, margin=200.0):
        r = self.rng
        return np.array([r.uniform(margin, self.W - margin), r.uniform(margin, self.H - margin)])

    # ------------------------------------------------------------------
    def _base_land(self):
        """Background patches of secondary forest and pasture (date-invariant)."""
        r = self.rng
        n = int(r.poisson(max(1.0, self.area_km2 / 12.0)))
        for _ in range(n):
            c = self.random_point(0)
            rr = r.uniform(150, 700)
            code = "secondary" if r.random() < 0.6 else "pasture"
            self.add(blob(r, c[0], c[1], rr, r.uniform(1, 2.5), r.uniform(0, np.pi), 0.35), code, 1,
                     gain=r.uniform(-0.08, 0.08))

    def _rivers(self):
        r = self.rng
        n_main = 1 + int(self.area_km2 // 400)
        n_stream = int(r.poisson(max(1.0, self.area_km2 / 40.0)))
        specs = [("main", r.uniform(40, 90)) for _ in range(n_main)] + \
                [("stream", r.uniform(10, 22)) for _ in range(n_stream)]
        B = (-300, -300, self.W + 300, self.H + 300)
        for kind, width in specs:
            # enter from the left or top edge, flow across the scene
            if r.random() < 0.5:
                start = (-250, r.uniform(0.15, 0.85) * self.H)
                heading = r.uniform(-0.5, 0.5)
            else:
                start = (r.uniform(0.15, 0.85) * self.W, -250)
                heading = np.pi / 2 + r.uniform(-0.5, 0.5)
            wl = width * r.uniform(10, 16) if kind == "main" else r.uniform(200, 500)
            pts = meander(r, start, heading, 3 * (self.W + self.H), max(10.0, width / 3),
                          r.uniform(0.5, 0.9), wl, B)
            turbid = r.random() < (0.5 if kind == "main" else 0.3)
            code = "river_brown" if turbid else ("river_black" if kind == "main" else "water_clear")
            line = line_from_xy(pts)
            poly = line.Buffer(width / 2, 4)
            riv = dict(kind=kind, width=width, pts=pts, code=code, turbid=turbid,
                       poly=[poly, poly], line=line)
            # gallery of riparian secondary vegetation along streams
            self.rivers.append(riv)
        # riverbank features are added in finalize_rivers (after shifts)

    def _roads(self):
        r = self.rng
        n = int(r.poisson(max(0.6, self.area_km2 / 60.0)))
        self.roads = []
        for _ in range(n):
            start = (r.uniform(0, self.W), -100) if r.random() < 0.5 else (-100, r.uniform(0, self.H))
            heading = (np.pi / 2 if start[1] < 0 else 0.0) + r.uniform(-0.6, 0.6)
            pts = meander(r, start, heading, 2 * (self.W + self.H), 40, 0.15, 3000,
                          (-200, -200, self.W + 200, self.H + 200))
            w = r.uniform(8, 14)
            self.add(line_from_xy(pts).Buffer(w / 2, 2), "road", 7, gain=r.uniform(-0.1, 0.1))
            self.roads.append(pts)
            # fishbone side roads with clearings (old: present at both dates)
            total = len(pts)
            k = int(r.integers(15, 40))
            while k < total - 5:
                p = pts[k]
                d = pts[k + 1] - pts[k]
                side = 1 if r.random() < 0.5 else -1
                perp = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9) * side
                L = r.uniform(800, 3000)
                sp = [p + perp * t for t in np.linspace(0, L, 12)]
                self.add(line_from_xy(sp).Buffer(4, 2), "road", 7)
                for _c in range(int(r.integers(1, 4))):
                    t = r.uniform(100, L)
                    cw, ch = r.uniform(150, 600), r.uniform(150, 500)
                    ang = math.atan2(perp[1], perp[0])
                    cc = p + perp * t + np.array([-perp[1], perp[0]]) * (ch / 2 + 8) * (1 if r.random() < .5 else -1)
                    code = ["pasture", "pasture", "secondary", "farm_soil"][int(r.integers(0, 4))]
                    self.add(rect(cc[0], cc[1], cw, ch, ang), code, 2, gain=r.uniform(-0.1, 0.1))
                k += int(r.integers(25, 60))

    # ------------------------------------------------------------------
    def river_bank_point(self, riv, rng, offset_range):
        """A point beside a river, the local flow direction and the centreline index."""
        pts = riv["pts"]
        for _ in range(50):
            i = int(rng.integers(5, max(6, len(pts) - 6)))
            p = pts[i]
            if not (300 < p[0] < self.W - 300 and 300 < p[1] < self.H - 300):
                continue
            d = pts[i + 1] - pts[i - 1]
            d = d / (np.hypot(*d) + 1e-9)
            perp = np.array([-d[1], d[0]]) * (1 if rng.random() < 0.5 else -1)
            off = riv["width"] / 2 + rng.uniform(*offset_range)
            return p + perp * off, d, perp, i
        return None

    def mosaic(self, start, d, perp, area_ha, pond_density, sand_frac, old=False):
        """An irregular mining mosaic near start, elongated along d.

        Returns (outline, list of (geom, code, gain, z))."""
        r = self.rng
        look = self.look
        if look is not None and look["tailings"] == "dry":
            # dry tailings: wide pale sand, the pits drained
            sand_frac, pond_density = min(1.0, sand_frac * 2.5), pond_density * 0.15
        if look is not None and look["ponds"] == "none":
            pond_density = 0.0
        area = area_ha * 1e4
        nb = 2 + int(math.sqrt(area_ha) * 1.5)
        rb = math.sqrt(area * 2.2 / nb / math.pi)
        p = np.array(start, float)
        parts = []
        for _ in range(nb):
            parts.append(blob(r, p[0], p[1], rb * r.uniform(0.6, 1.3), r.uniform(1.2, 3.0),
                              math.atan2(d[1], d[0]) + r.normal(0, 0.4), 0.35))
            p = p + d * rb * r.uniform(0.8, 1.6) * (1 if r.random() < 0.8 else -1) + \
                perp * rb * r.normal(0, 0.5)
        outline = parts[0]
        for g in parts[1:]:
            outline = outline.Union(g)
        oe = outline.GetEnvelope()
        for riv in self.rivers:
            ko = riv.get("keepout")
            if ko is None:
                ko = riv["keepout"] = riv["poly"][0].Buffer(riv["width"] * 0.1 + 5, 2)
                riv["keepout_env"] = ko.GetEnvelope()
            ke = riv["keepout_env"]
            if ke[1] < oe[0] or oe[1] < ke[0] or ke[3] < oe[2] or oe[3] < ke[2]:
                continue
            box = poly_from_xy([(oe[0] - 1, oe[2] - 1), (oe[1] + 1, oe[2] - 1), (oe[1] + 1, oe[3] + 1),
                                (oe[0] - 1, oe[3] + 1)])
            local = ko.Intersection(box)
            if local is not None and not local.IsEmpty():
                outline = outline.Difference(local)
        outline = clean(outline)
        if outline is None:
            return None, []
        env = outline.GetEnvelope()
        sub = []
        base = ("old_mine_reveg" if old else ["bare_laterite", "mud", "bare_laterite"][int(r.integers(0, 3))])
        if look is not None and look["tailings"] == "dry" and not old and r.random() < 0.5:
            base = "sand_tailings"
        sub.append((outline, base, r.uniform(-0.1, 0.1), 4))
        a_ha = outline.GetArea() / 1e4

        rings = _rings(outline)
        pool = []

        def inside_point():
            # candidates drawn in batches, tested with a vectorised even-odd rule
            for _ in range(4):
                if not pool:
                    q = np.c_[r.uniform(env[0], env[1], 32), r.uniform(env[2], env[3], 32)]
                    pool.extend(map(tuple, q[_inside(rings, q)][::-1]))
                if pool:
                    return pool.pop()
            return None

        # sand / tailings heaps and exposed bare soil patches
        n_sand = int(r.poisson(max(1, a_ha * sand_frac * 3)))
        for _ in range(n_sand):
            q = inside_point()
            if q is None:
                continue
            g = blob(r, q[0], q[1], r.uniform(15, 80), r.uniform(1, 3), r.uniform(0, np.pi), 0.4)
            code = "sand_tailings" if (not old or r.random() < 0.4) else "bare_laterite"
            sub.append((g.Intersection(outline), code, r.uniform(-0.12, 0.12), 5))
        if old:   # revegetating old mosaic: grass/shrub patches over tailings
            for _ in range(int(r.poisson(a_ha * 2 + 1))):
                q = inside_point()
                if q is None:
                    continue
                g = blob(r, q[0], q[1], r.uniform(15, 50), 1.5, r.uniform(0, np.pi), 0.4)
                sub.append((g.Intersection(outline), "pioneer", r.uniform(-0.1, 0.1), 5))
        # ponds: many small irregular pits, brown but also milky green/turquoise
        n_pond = int(r.poisson(a_ha * pond_density * (0.6 if not old else 1.0)))
        for _ in range(n_pond):
            q = inside_point()
            if q is None:
                continue
            rad = math.exp(r.uniform(math.log(8), math.log(60)))
            g = blob(r, q[0], q[1], rad, r.uniform(1, 2.5), r.uniform(0, np.pi), 0.3, 18)
            colour = POND_COLOURS[int(r.choice(4, p=POND_P))]
            if look is not None and POND_CODE[look["ponds"]] is not None:
                colour = POND_CODE[look["ponds"]]
            if old and r.random() < 0.3:
                colour = "water_clear"
            sub.append((g.Intersection(outline), colour, r.uniform(-0.2, 0.2), 6))
        return outline, sub

    def _old_mosaics(self):
        """Mining mosaics that already exist at date 1."""
        r = self.rng
        self.old = []
        n = max(1, int(round(self.n_sites * 0.4)))
        for _ in range(n):
            riv = self.rivers[int(r.integers(0, len(self.rivers)))]
            bp = self.river_bank_point(riv, r, (5, 120))
            if bp is None:
                continue
            p, d, perp, i = bp
            outline, sub = self.mosaic(p, d, perp, math.exp(r.uniform(math.log(2), math.log(40))),
                                       r.uniform(1, 5), r.uniform(0.2, 0.5), old=True)
            if outline is None or not self.free(outline, 30):
                continue
            for g, code, gain, z in sub:
                self.add(g, code, z, gain=gain)
            self.occupied.append(outline)
            self.old.append(dict(outline=outline, river=riv, d=d, perp=perp, i=i))

    def _mining_sites(self):
        r = self.rng
        made = 0
        tries = 0
        while made < self.n_sites and tries < self.n_sites * 30:
            tries += 1
            area_ha = math.exp(r.uniform(math.log(0.3), math.log(50)))
            growth = self.old and r.random() < 0.45
            if growth:
                o = self.old[int(r.integers(0, len(self.old)))]
                riv, d, perp = o["river"], o["d"], o["perp"]
                # start on the far edge of the old mosaic, along the river
                env = o["outline"].GetEnvelope()
                c = o["outline"].Centroid()
                ext = 0.5 * max(env[1] - env[0], env[3] - env[2])
                sgn = 1 if r.random() < 0.5 else -1
                start = np.array([c.GetX(), c.GetY()]) + d * sgn * ext * r.uniform(0.6, 1.0)
                d = d * sgn
            else:
                riv = self.rivers[int(r.integers(0, len(self.rivers)))]
                bp = self.river_bank_point(riv, r, (5, 250))
                if bp is None:
                    continue
                start, d, perp, _i = bp
            # fresh sand fronts with little water on some sites
            pond_density = 0.3 if r.random() < 0.25 else r.uniform(2, 8)
            outline, sub = self.mosaic(start, d, perp, area_ha, pond_density, r.uniform(0.2, 0.6))
            if outline is None:
                continue
            if growth:
                new_part = outline
                oe = outline.GetEnvelope()
                for o in self.old:
                    e = o["outline"].GetEnvelope()
                    if not (e[1] < oe[0] or oe[1] < e[0] or e[3] < oe[2] or oe[3] < e[2]):
                        new_part = new_part.Difference(o["outline"])
                new_part = clean(new_part)
                if new_part is None or not self._free_except_old(new_part):
                    continue
            else:
                if not self.free(outline, 60):
                    continue
                new_part = outline
            # date 2 only; clip every sub-shape to the new part
            for g, code, gain, z in sub:
                gg = clean(g.Intersection(new_part)) if growth else g
                self.add(gg, code, z + 10, dates=(1,), gain=gain)
            ponds = sum(1 for _g, c, _a, _z in sub if c.startswith("pond"))
            tid = self.add_truth(new_part, "mining", growth=bool(growth), ponds=int(ponds),
                                 pond_density=round(float(pond_density), 2))
            if tid is None:
                continue
            self.occupied.append(new_part)
            made += 1
            self._plume(riv, new_part, tid, ponds)

    def _free_except_old(self, g):
        gb = g.Buffer(20, 4)
        ge = gb.GetEnvelope()
        olds = {id(q["outline"]) for q in self.old}
        for o, oe in self.occupied_env():
            if id(o) in olds or oe[1] < ge[0] or ge[1] < oe[0] or oe[3] < ge[2] or ge[3] < oe[2]:
                continue
            if gb.Intersects(o):
                return False
        env = g.GetEnvelope()
        return env[0] >= 0 and env[2] >= 0 and env[1] <= self.W and env[3] <= self.H

    def _plume(self, riv, site, tid, ponds):
        """Sediment plume: river downstream of the site turns (more) turbid at date 2."""
        r = self.rng
        if ponds == 0 and r.random() < 0.5:
            return
        if site.Distance(riv["poly"][1]) > 150:
            return
        pts = riv["pts"]
        c = site.Centroid()
        k = int(np.argmin(np.hypot(pts[:, 0] - c.GetX(), pts[:, 1] - c.GetY())))
        L = r.uniform(800, 4000)
        step = np.hypot(*(pts[1] - pts[0]))
        k1 = min(len(pts) - 1, k + int(L / step))
        if k1 - k < 3:
            return
        seg = line_from_xy(pts[k:k1 + 1]).Buffer(riv["width"] / 2 + 2, 4)
        plume = clean(seg.Intersection(riv["poly"][1]))
        if plume is None:
            return
        self.plumes.append((plume, riv))
        self.add_truth(plume, "plume", site=tid)

    # ------------------------------------------------------------------
    def _global_effects(self):
        r = self.rng
        # illumination / season change of date 2 (per band gain), vegetation NIR change
        g = 0.93 + r.normal(0, 0.015)
        self.illum = dict(gain=tuple(float(g * (1 + r.normal(0, 0.015))) for _ in range(6)),
                          veg_nir=float(r.uniform(0.92, 0.99)))
        # sub-pixel co-registration error of date 2
        self.shift = (float(r.normal(0, 2.5)), float(r.normal(0, 2.5)))
        # nodata edge: a slanted swath edge crossing one side of one date
        date = 1 if r.random() < 0.7 else 0
        ang = r.uniform(-0.25, 0.25)           # near north-south, slanted
        nx, ny = math.cos(ang), math.sin(ang)
        side = 1 if r.random() < 0.5 else -1
        frac = r.uniform(0.05, 0.18)
        cx = self.W * (1 - frac) if side > 0 else self.W * frac
        c = (cx * nx + self.H / 2 * ny) * side
        self.nodata = dict(date=date, nx=nx * side, ny=ny * side, c=c)

    def _lookalikes(self):
        r = self.rng
        k = max(1, int(round(self.area_km2 / 25.0)))

        def place(make, kind, tries=60, **props):
            for _ in range(tries):
                g = make()
                if g is None:
                    continue
                g = clean(g)
                if g is not None and self.free(g, 60):
                    self.occupied.append(g)
                    return g
            return None

        def near_river_point():
            riv = self.rivers[int(r.integers(0, len(self.rivers)))]
            bp = self.river_bank_point(riv, r, (20, 300))
            return None if bp is None else (bp[0], bp[1])

        # rectangular farm clearings (some next to rivers), dry soil, no ponds
        for _ in range(k):
            def mk():
                a = math.exp(r.uniform(math.log(2), math.log(60))) * 1e4
                asp = r.uniform(1, 3)
                w, h = math.sqrt(a * asp), math.sqrt(a / asp)
                if r.random() < 0.35:
                    q = near_river_point()
                    if q is None:
                        return None
                    c, d = q
                    ang = math.atan2(d[1], d[0])
                else:
                    c, ang = self.random_point(400), r.uniform(0, np.pi)
                return rect(c[0], c[1], w, h, ang)
            g = place(mk, "farm_clearing")
            if g is not None:
                code = "farm_soil" if r.random() < 0.6 else "bare_laterite"
                self.add(g, code, 3, dates=(1,), gain=r.uniform(-0.1, 0.1))
                # windrows of unburnt slash
                env = g.GetEnvelope()
                for _w in range(int(r.integers(0, 4))):
                    y = r.uniform(env[2], env[3])
                    ln = line_from_xy([(env[0], y), (env[1], y + r.normal(0, 20))]).Buffer(6, 2)
                    self.add(ln.Intersection(g), "pioneer", 3.5, dates=(1,))
                self.add_truth(g, "farm_clearing")
        # pasture: forest converted to grass, straight edges
        for _ in range(k):
            def mk():
                c = self.random_point(400)
                rad = r.uniform(150, 500)
                t = np.sort(r.uniform(0, 2 * np.pi, int(r.integers(4, 8))))
                return poly_from_xy(np.c_[c[0] + rad * np.cos(t) * r.uniform(0.7, 1.3),
                                          c[1] + rad * np.sin(t) * r.uniform(0.7, 1.3)]).ConvexHull()
            g = place(mk, "pasture")
            if g is not None:
                self.add(g, "pasture", 3, dates=(1,), gain=r.uniform(-0.1, 0.1))
                self.add_truth(g, "pasture")
        # burn scars: dark, low NIR/SWIR2
        for _ in range(k):
            def mk():
                c = self.random_point(400)
                return blob(r, c[0], c[1], r.uniform(100, 500), r.uniform(1, 2.5), r.uniform(0, np.pi), 0.45)
            g = place(mk, "burn_scar")
            if g is not None:
                self.add(g, "burn", 3, dates=(1,), gain=r.uniform(-0.15, 0.1))
                self.add_truth(g, "burn_scar")
        # new roads
        for _ in range(max(1, k // 2)):
            def mk():
                c = self.random_point(400)
                pts = meander(r, c, r.uniform(0, 2 * np.pi), r.uniform(800, 3000), 30, 0.15, 2000)
                return line_from_xy(pts).Buffer(r.uniform(4, 7), 2)
            g = place(mk, "road")
            if g is not None:
                self.add(g, "road", 7, dates=(1,), gain=r.uniform(-0.1, 0.1))
                self.add_truth(g, "road")
        # sandbars that come and go (inside the main channels)
        for _ in range(2 * k):
            mains = [rv for rv in self.rivers if rv["kind"] == "main"]
            if not mains:
                break
            riv = mains[int(r.integers(0, len(mains)))]
            pts = riv["pts"]
            i = int(r.integers(3, len(pts) - 3))
            d = pts[i + 1] - pts[i - 1]
            ang = math.atan2(d[1], d[0])
            off = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9) * riv["width"] * r.uniform(-0.3, 0.3)
            g = ellipse(pts[i][0] + off[0], pts[i][1] + off[1], r.uniform(60, 250),
                        riv["width"] * r.uniform(0.2, 0.45), ang)
            g = clean(g.Intersection(riv["poly"][0]))
            if g is None or not (0 < pts[i][0] < self.W and 0 < pts[i][1] < self.H):
                continue
            date = int(r.integers(0, 2))
            self.add(g, "sandbar", 9, dates=(date,), gain=r.uniform(-0.1, 0.1))
            self.add_truth(g, "sandbar", present="after" if date else "before")
        # river shift: a meander cut-off on one main river
        mains = [rv for rv in self.rivers if rv["kind"] == "main"]
        if mains:
            self._river_shift(mains[int(r.integers(0, len(mains)))])
        # clouds with shadows (the mask misses their thin edges)
        for _ in range(max(1, int(round(self.area_km2 / 40.0)))):
            c = self.random_point(0)
            date = 1 if r.random() < 0.7 else 0
            ell = []
            for _e in range(int(r.integers(2, 8))):
                ell.append((c[0] + r.normal(0, 250), c[1] + r.normal(0, 250), r.uniform(80, 450),
                            r.uniform(80, 350), r.uniform(0, np.pi)))
            dist = r.uniform(500, 1500)
            az = r.uniform(0.6, 1.2)     # sun in the north-east: shadows fall to the south-west
            shadow = (-dist * math.sin(az), dist * math.cos(az) * 0.5)
            cl = dict(date=date, ellipses=ell, opacity=r.uniform(0.8, 1.0), shadow=shadow,
                      seed=int(r.integers(0, 2**31)))
            self.clouds.append(cl)
            g = None
            for cx, cy, rx, ry, a in ell:
                for dx, dy in ((0, 0), shadow):
                    e = ellipse(cx + dx, cy + dy, rx, ry, a)
                    g = e if g is None else g.Union(e)
            g = clean(g.Intersection(poly_from_xy([(0, 0), (self.W, 0), (self.W, self.H), (0, self.H)])))
            if g is not None:
                self.add_truth(g, "cloud_missed", date="after" if date else "before")
        # haze: additive brightening over a region, partly flagged as cirrus
        for _ in range(max(1, int(round(self.area_km2 / 150.0)))):
            c = self.random_point(0)
            hz = dict(date=int(r.integers(0, 2)), cx=c[0], cy=c[1], rx=r.uniform(800, 3000),
                      ry=r.uniform(600, 2000), ang=r.uniform(0, np.pi), strength=r.uniform(0.5, 1.0),
                      seed=int(r.integers(0, 2**31)))
            self.hazes.append(hz)
            g = ellipse(hz["cx"], hz["cy"], hz["rx"], hz["ry"], hz["ang"])
            g = clean(g.Intersection(poly_from_xy([(0, 0), (self.W, 0), (self.W, self.H), (0, self.H)])))
            if g is not None:
                self.add_truth(g, "haze", date="after" if hz["date"] else "before")

    def _river_shift(self, riv):
        r = self.rng
        pts = riv["pts"]
        step = np.hypot(*(pts[1] - pts[0]))
        n = int(r.uniform(900, 2200) / step)
        best = None
        for _ in range(40):
            i0 = int(r.integers(2, max(3, len(pts) - n - 2)))
            i1 = i0 + n
            if i1 >= len(pts) - 1:
                continue
            if not all(200 < q < lim - 200 for q, lim in ((pts[i0][0], self.W), (pts[i0][1], self.H),
                                                          (pts[i1][0], self.W), (pts[i1][1], self.H))):
                continue
            chord = np.hypot(*(pts[i1] - pts[i0]))
            sin = n * step / max(chord, 1)
            if best is None or sin > best[0]:
                best = (sin, i0, i1)
        if best is None:
            return
        _s, i0, i1 = best
        m = max(3, int(np.hypot(*(pts[i1] - pts[i0])) / step))
        t = np.linspace(0, 1, m)[:, None]
        cut = pts[i0] * (1 - t) + pts[i1] * t
        nrm = pts[i1] - pts[i0]
        nrm = np.array([-nrm[1], nrm[0]]) / (np.hypot(*nrm) + 1e-9)
        cut = cut + nrm * (np.sin(np.pi * t) * r.normal(0, riv["width"]))
        new_pts = np.vstack([pts[:i0], cut, pts[i1 + 1:]])
        new_poly = line_from_xy(new_pts).Buffer(riv["width"] / 2, 4)
        old_poly = riv["poly"][0]
        riv["poly"][1] = new_poly
        riv["pts_after"] = new_pts
        abandoned = clean(old_poly.Difference(new_poly))
        if abandoned is not None:
            # fresh sand on the old channel, pioneer vegetation on parts of it
            self.add(abandoned, "sandbar", 8.5, dates=(1,), gain=r.uniform(-0.1, 0.05))
            env = abandoned.GetEnvelope()
            for _ in range(6):
                q = (r.uniform(env[0], env[1]), r.uniform(env[2], env[3]))
                g = blob(r, q[0], q[1], r.uniform(40, 150), 2, r.uniform(0, np.pi), 0.4)
                self.add(g.Intersection(abandoned), "pioneer", 8.6, dates=(1,))
        self._shift_truth = clean(old_poly.SymDifference(new_poly))
        if self._shift_truth is not None:
            self.add_truth(self._shift_truth, "river_shift")

    # ------------------------------------------------------------------
    def finalize(self):
        """Add the river channels (after shifts) and plumes; sort features by z."""
        r = np.random.default_rng(self.seed + 99991)
        for riv in self.rivers:
            for d in (0, 1):
                self.add(riv["poly"][d], riv["code"], 8, dates=(d,), gain=r.uniform(-0.05, 0.05))
                # narrow muddy banks
        for plume, riv in self.plumes:
            code = "river_plume"
            self.add(plume.Intersection(riv["poly"][1]), code, 8.2, dates=(1,), gain=r.uniform(-0.05, 0.1))
        for d in (0, 1):
            self.feats[d].sort(key=lambda f: f.z)     # stable: equal z keep creation order
        # truth: look-alikes under mining (mining painted last in truth_mask)
        order = {k: i for i, k in enumerate(["haze", "cloud_missed", "plume", "sandbar", "river_shift",
                                             "road", "pasture", "farm_clearing", "burn_scar", "mining"])}
        self.truth.sort(key=lambda t: order.get(t["kind"], 0))
