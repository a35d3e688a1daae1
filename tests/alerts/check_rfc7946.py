#!/usr/bin/python3
"""Strict RFC 7946 checker for GeoJSON alert files (reusable).

Usage:
    check_rfc7946.py FILE [FILE...]          RFC 7946 + the minewatch alerts contract
    check_rfc7946.py --rfc-only FILE [...]   RFC 7946 only

Exit status 0 when every file passes, 1 otherwise (one line per problem).
From Python:  errors = check_rfc7946.check(doc, contract=True)  (doc parsed
with check_rfc7946.load(path), which rejects NaN/Infinity and duplicate keys).

RFC 7946 checks: FeatureCollection/Feature/geometry structure and types, no
`crs` member anywhere, forbidden members (§7.1), positions of 2-3 numbers
with lon in [-180, 180] and lat in [-90, 90], linear rings closed with >= 4
positions, exterior rings counter-clockwise and holes clockwise (shoelace
in lon/lat), bbox shape, Feature id a string or number.
Contract checks: geometry Polygon or MultiPolygon, `id` equal to
properties.id, every contract property present, value ranges, and the
`minewatch` foreign member.
"""
import json
import math
import re
import sys

CONTRACT_PROPERTIES = [
    "id", "class", "confidence", "area_ha", "centroid_lon", "centroid_lat",
    "date_before", "date_after", "sensor", "veg_loss_ha", "bare_soil_ha",
    "new_water_ha", "turbid_water_ha", "mean_dndvi", "mean_dndti",
    "river_turbidity_change", "valid_fraction", "protected_area",
]
SENSORS = {"sentinel2", "landsat", "generic"}
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString",
                  "Polygon", "MultiPolygon", "GeometryCollection"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate member %r" % k)
        obj[k] = v
    return obj


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


def load(path):
    """Parse strictly: UTF-8, no NaN/Infinity, no duplicate members."""
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # raises on invalid UTF-8
    return json.loads(text, object_pairs_hook=_no_duplicates,
                      parse_constant=_no_constant)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def ring_area2(ring):
    """Twice the signed shoelace area (positive = counter-clockwise)."""
    s = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]):
        s += x0 * y1 - x1 * y0
    return s


def _position(p, where, errs):
    if not isinstance(p, list) or not 2 <= len(p) <= 3 or not all(_is_number(c) for c in p):
        errs.append("%s: position must be 2 or 3 numbers, got %r" % (where, p))
        return False
    if not -180.0 <= p[0] <= 180.0:
        errs.append("%s: longitude %r outside [-180, 180]" % (where, p[0]))
    if not -90.0 <= p[1] <= 90.0:
        errs.append("%s: latitude %r outside [-90, 90]" % (where, p[1]))
    return True


def _ring(ring, exterior, where, errs):
    if not isinstance(ring, list):
        errs.append("%s: ring is not an array" % where)
        return
    if not all(_position(p, where, errs) for p in ring):
        return
    if len(ring) < 4:
        errs.append("%s: ring has %d positions, needs >= 4" % (where, len(ring)))
        return
    if ring[0] != ring[-1]:
        errs.append("%s: ring is not closed" % where)
        return
    a = ring_area2(ring)
    if a == 0:
        errs.append("%s: ring has zero area" % where)
    elif exterior and a < 0:
        errs.append("%s: exterior ring is clockwise (RFC 7946 wants counter-clockwise)" % where)
    elif not exterior and a > 0:
        errs.append("%s: hole is counter-clockwise (RFC 7946 wants clockwise)" % where)


def _polygon(coords, where, errs):
    if not isinstance(coords, list) or not coords:
        errs.append("%s: polygon needs at least one ring" % where)
        return
    for i, ring in enumerate(coords):
        _ring(ring, i == 0, "%s ring %d" % (where, i), errs)


def _bbox(obj, where, errs):
    if "bbox" in obj:
        b = obj["bbox"]
        if not isinstance(b, list) or len(b) not in (4, 6) or not all(_is_number(c) for c in b):
            errs.append("%s: bbox must be 4 or 6 numbers" % where)


def check_geometry(g, where, errs, contract=True):
    if g is None:
        return
    if not isinstance(g, dict):
        errs.append("%s: geometry must be an object or null" % where)
        return
    t = g.get("type")
    if t not in GEOMETRY_TYPES:
        errs.append("%s: unknown geometry type %r" % (where, t))
        return
    if "crs" in g:
        errs.append("%s: 'crs' member is not allowed (RFC 7946)" % where)
    for bad in ("geometry", "properties", "features"):
        if bad in g:
            errs.append("%s: geometry must not have %r (RFC 7946 7.1)" % (where, bad))
    _bbox(g, where, errs)
    if contract and t not in ("Polygon", "MultiPolygon"):
        errs.append("%s: alerts must be Polygon or MultiPolygon, got %s" % (where, t))
    if t == "GeometryCollection":
        if "coordinates" in g or not isinstance(g.get("geometries"), list):
            errs.append("%s: GeometryCollection needs 'geometries' and no 'coordinates'" % where)
            return
        for i, sub in enumerate(g["geometries"]):
            check_geometry(sub, "%s[%d]" % (where, i), errs, contract=False)
        return
    if "coordinates" not in g:
        errs.append("%s: no 'coordinates'" % where)
        return
    c = g["coordinates"]
    if t == "Point":
        _position(c, where, errs)
    elif t in ("MultiPoint", "LineString"):
        if not isinstance(c, list):
            errs.append("%s: coordinates must be an array" % where)
        else:
            for p in c:
                _position(p, where, errs)
            if t == "LineString" and len(c) < 2:
                errs.append("%s: LineString needs >= 2 positions" % where)
    elif t == "MultiLineString":
        if not isinstance(c, list):
            errs.append("%s: coordinates must be an array" % where)
        else:
            for line in c:
                if not isinstance(line, list) or len(line) < 2:
                    errs.append("%s: LineString needs >= 2 positions" % where)
                    continue
                for p in line:
                    _position(p, where, errs)
    elif t == "Polygon":
        _polygon(c, where, errs)
    elif t == "MultiPolygon":
        if not isinstance(c, list) or not c:
            errs.append("%s: MultiPolygon needs at least one polygon" % where)
        else:
            for i, poly in enumerate(c):
                _polygon(poly, "%s polygon %d" % (where, i), errs)


def _contract_properties(props, fid, where, errs):
    for name in CONTRACT_PROPERTIES:
        if name not in props:
            errs.append("%s: property %r missing" % (where, name))
    if props.get("id") != fid:
        errs.append("%s: id %r differs from properties.id %r" % (where, fid, props.get("id")))
    if not isinstance(props.get("id"), str) or not props.get("id"):
        errs.append("%s: properties.id must be a non-empty string" % where)
    if not isinstance(props.get("class"), str):
        errs.append("%s: class must be a string" % where)
    conf = props.get("confidence")
    if not _is_number(conf) or not 0 <= conf <= 1:
        errs.append("%s: confidence %r not in [0, 1]" % (where, conf))
    area = props.get("area_ha")
    if not _is_number(area) or area < 0:
        errs.append("%s: area_ha %r must be a number >= 0" % (where, area))
    lon, lat = props.get("centroid_lon"), props.get("centroid_lat")
    if not _is_number(lon) or not -180 <= lon <= 180:
        errs.append("%s: centroid_lon %r invalid" % (where, lon))
    if not _is_number(lat) or not -90 <= lat <= 90:
        errs.append("%s: centroid_lat %r invalid" % (where, lat))
    for d in ("date_before", "date_after"):
        v = props.get(d)
        if v is not None and (not isinstance(v, str) or not DATE_RE.match(v)):
            errs.append("%s: %s %r is not an ISO 8601 date" % (where, d, v))
    s = props.get("sensor")
    if s is not None and s not in SENSORS:
        errs.append("%s: sensor %r not one of %s" % (where, s, sorted(SENSORS)))
    pa = props.get("protected_area")
    if pa is not None and not isinstance(pa, str):
        errs.append("%s: protected_area must be a string or null" % where)
    for name in CONTRACT_PROPERTIES[9:17]:
        v = props.get(name)
        if v is not None and not _is_number(v):
            errs.append("%s: %s %r must be a number or null" % (where, name, v))
    vf = props.get("valid_fraction")
    if _is_number(vf) and not 0 <= vf <= 1:
        errs.append("%s: valid_fraction %r not in [0, 1]" % (where, vf))


def check(doc, contract=True):
    """List of problems of a parsed GeoJSON document (empty if it passes)."""
    errs = []
    if not isinstance(doc, dict):
        return ["top level is not an object"]
    if doc.get("type") != "FeatureCollection":
        return ["top level type is %r, not FeatureCollection" % doc.get("type")]
    if "crs" in doc:
        errs.append("'crs' member is not allowed (RFC 7946)")
    for bad in ("coordinates", "geometries", "geometry", "properties"):
        if bad in doc:
            errs.append("FeatureCollection must not have %r (RFC 7946 7.1)" % bad)
    _bbox(doc, "FeatureCollection", errs)
    feats = doc.get("features")
    if not isinstance(feats, list):
        return errs + ["'features' must be an array"]
    if contract:
        mw = doc.get("minewatch")
        if not isinstance(mw, dict):
            errs.append("foreign member 'minewatch' missing")
        else:
            for k in ("version", "before", "after", "model", "parameters"):
                if k not in mw:
                    errs.append("minewatch.%s missing" % k)
            for k in ("before", "after"):
                if isinstance(mw.get(k), dict):
                    for kk in ("path", "date", "sensor"):
                        if kk not in mw[k]:
                            errs.append("minewatch.%s.%s missing" % (k, kk))
            if "parameters" in mw and not isinstance(mw["parameters"], dict):
                errs.append("minewatch.parameters must be an object")
    seen = set()
    for i, f in enumerate(feats):
        where = "feature %d" % i
        if not isinstance(f, dict) or f.get("type") != "Feature":
            errs.append("%s: not a Feature" % where)
            continue
        if "crs" in f:
            errs.append("%s: 'crs' member is not allowed (RFC 7946)" % where)
        for bad in ("coordinates", "geometries", "features"):
            if bad in f:
                errs.append("%s: Feature must not have %r (RFC 7946 7.1)" % (where, bad))
        _bbox(f, where, errs)
        if "geometry" not in f:
            errs.append("%s: no 'geometry' member" % where)
        if "properties" not in f:
            errs.append("%s: no 'properties' member" % where)
        props = f.get("properties")
        if props is not None and not isinstance(props, dict):
            errs.append("%s: properties must be an object or null" % where)
            props = None
        fid = f.get("id")
        if "id" in f and not (isinstance(fid, str) or _is_number(fid)):
            errs.append("%s: id must be a string or a number" % where)
        check_geometry(f.get("geometry"), where, errs, contract=contract)
        if contract:
            if "id" not in f:
                errs.append("%s: no id" % where)
            elif fid in seen:
                errs.append("%s: duplicate id %r" % (where, fid))
            seen.add(fid)
            if f.get("geometry") is None:
                errs.append("%s: alerts need a geometry" % where)
            _contract_properties(props or {}, fid, where, errs)
    return errs


def main(argv):
    contract = True
    files = []
    for a in argv[1:]:
        if a == "--rfc-only":
            contract = False
        else:
            files.append(a)
    if not files:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    status = 0
    for path in files:
        try:
            doc = load(path)
        except (OSError, ValueError) as e:
            print("%s: %s" % (path, e))
            status = 1
            continue
        errs = check(doc, contract=contract)
        for e in errs:
            print("%s: %s" % (path, e))
        if errs:
            status = 1
        else:
            print("%s: ok (%d features)" % (path, len(doc["features"])))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
