/*
 * Geometry for lineage on lon/lat outlines: metric distance in a local
 * frame, union, RFC 7946 winding.
 *
 * Distances are small (tens of metres between a site and its new front),
 * so an equirectangular frame centred on the pair is exact to well under
 * a pixel; no PROJ context is needed, and the functions are thread-safe.
 */
#include "mw_lineage.h"

#include <math.h>

#include <ogr_api.h>

enum { M_PER_DEG_LAT = 111320 };

/* Copy of @p g with (lon, lat) -> metres about latitude @p lat0. */
static void to_local(OGRGeometryH g, double lon0, double lat0)
{
    int nsub = OGR_G_GetGeometryCount(g);
    if (nsub > 0) {
        for (int i = 0; i < nsub; i++) to_local(OGR_G_GetGeometryRef(g, i), lon0, lat0);
        return;
    }
    double kx = M_PER_DEG_LAT * cos(lat0 * M_PI / 180.0);
    int n = OGR_G_GetPointCount(g);
    for (int i = 0; i < n; i++)
        OGR_G_SetPoint_2D(g, i, (OGR_G_GetX(g, i) - lon0) * kx, (OGR_G_GetY(g, i) - lat0) * M_PER_DEG_LAT);
}

/** See mw_lineage.h. */
double mw_lineage_distance_m(OGRGeometryH a, OGRGeometryH b)
{
    if (!a || !b) return INFINITY;
    OGREnvelope ea, eb;
    OGR_G_GetEnvelope(a, &ea);
    OGR_G_GetEnvelope(b, &eb);
    double lon0 = (ea.MinX + eb.MaxX) / 2, lat0 = (ea.MinY + eb.MaxY) / 2;
    OGRGeometryH la = OGR_G_Clone(a), lb = OGR_G_Clone(b);
    double d = INFINITY;
    if (la && lb) {
        to_local(la, lon0, lat0);
        to_local(lb, lon0, lat0);
        d = OGR_G_Distance(la, lb);
        if (d < 0) d = INFINITY;
    }
    if (la) OGR_G_DestroyGeometry(la);
    if (lb) OGR_G_DestroyGeometry(lb);
    return d;
}

/** See mw_lineage.h. */
double mw_lineage_core_area_m2(OGRGeometryH det, OGRGeometryH old, double band_m)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(old, &e);
    double lon0 = (e.MinX + e.MaxX) / 2, lat0 = (e.MinY + e.MaxY) / 2;
    OGRGeometryH d = OGR_G_Clone(det), o = OGR_G_Clone(old);
    to_local(d, lon0, lat0);
    to_local(o, lon0, lat0);
    double area = OGR_G_Area(d);
    OGRGeometryH b = OGR_G_Boundary(o);
    OGRGeometryH band = b ? OGR_G_Buffer(b, band_m, 4) : NULL;
    OGRGeometryH dv = OGR_G_IsValid(d) ? NULL : OGR_G_MakeValid(d);
    OGRGeometryH core = band ? OGR_G_Difference(dv ? dv : d, band) : NULL;
    if (core) area = OGR_G_Area(core);
    for (OGRGeometryH *g = (OGRGeometryH[]){d, o, b, band, dv, core}, *end = g + 6; g < end; g++)
        if (*g) OGR_G_DestroyGeometry(*g);
    return area;
}

/* Twice the signed area of a ring (shoelace): > 0 counter-clockwise. */
static double ring_area2(OGRGeometryH ring)
{
    int n = OGR_G_GetPointCount(ring);
    double s = 0;
    for (int i = 0; i + 1 < n; i++)
        s += OGR_G_GetX(ring, i) * OGR_G_GetY(ring, i + 1) - OGR_G_GetX(ring, i + 1) * OGR_G_GetY(ring, i);
    return s;
}

static void reverse_ring(OGRGeometryH ring)
{
    int n = OGR_G_GetPointCount(ring);
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        double xi = OGR_G_GetX(ring, i), yi = OGR_G_GetY(ring, i);
        OGR_G_SetPoint_2D(ring, i, OGR_G_GetX(ring, j), OGR_G_GetY(ring, j));
        OGR_G_SetPoint_2D(ring, j, xi, yi);
    }
}

static void fix_polygon(OGRGeometryH poly)
{
    int nr = OGR_G_GetGeometryCount(poly);
    for (int r = 0; r < nr; r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
        double a = ring_area2(ring);
        if ((r == 0 && a < 0) || (r > 0 && a > 0)) reverse_ring(ring);
    }
}

/** See mw_lineage.h. */
void mw_lineage_fix_winding(OGRGeometryH g)
{
    if (!g) return;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon) {
        fix_polygon(g);
    } else if (t == wkbMultiPolygon) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) fix_polygon(OGR_G_GetGeometryRef(g, i));
    }
}

/* Keep only the polygons of @p g (a union may return a collection with
 * lines where outlines touch along an edge). New geometry or NULL. */
static OGRGeometryH polygons_only(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon) return OGR_G_Clone(g);
    OGRGeometryH m = OGR_G_CreateGeometry(wkbMultiPolygon);
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
        OGRGeometryH s = OGR_G_GetGeometryRef(g, i);
        OGRwkbGeometryType st = wkbFlatten(OGR_G_GetGeometryType(s));
        if (st == wkbPolygon) OGR_G_AddGeometry(m, s);
        else if (st == wkbMultiPolygon)
            for (int j = 0; j < OGR_G_GetGeometryCount(s); j++) OGR_G_AddGeometry(m, OGR_G_GetGeometryRef(s, j));
    }
    if (OGR_G_GetGeometryCount(m) == 0) {
        OGR_G_DestroyGeometry(m);
        return NULL;
    }
    return m;
}

/* Vertices to 7 decimals (~1 cm), as the writers round them: an outline
 * read back from a file and today's unrounded one then union without
 * slivers. */
static void round7(OGRGeometryH g)
{
    int nsub = OGR_G_GetGeometryCount(g);
    if (nsub > 0) {
        for (int i = 0; i < nsub; i++) round7(OGR_G_GetGeometryRef(g, i));
        return;
    }
    int n = OGR_G_GetPointCount(g);
    for (int i = 0; i < n; i++)
        OGR_G_SetPoint_2D(g, i, round(OGR_G_GetX(g, i) * 1e7) / 1e7, round(OGR_G_GetY(g, i) * 1e7) / 1e7);
}

/* Ring without repeated consecutive points, or NULL when it has no area left. */
static OGRGeometryH clean_ring(OGRGeometryH ring)
{
    OGRGeometryH r = OGR_G_CreateGeometry(wkbLinearRing);
    int n = OGR_G_GetPointCount(ring), m = 0;
    double px = NAN, py = NAN;
    for (int i = 0; i < n; i++) {
        double x = OGR_G_GetX(ring, i), y = OGR_G_GetY(ring, i);
        if (x == px && y == py) continue;
        OGR_G_AddPoint_2D(r, x, y);
        px = x, py = y, m++;
    }
    if (m < 4 || fabs(ring_area2(r)) < 1e-13) {  /* 1e-13 deg^2: ~0.001 m^2 */
        OGR_G_DestroyGeometry(r);
        return NULL;
    }
    return r;
}

/* @p g (Polygon/MultiPolygon) rounded as the writers round, without the
 * rings the rounding collapsed; valid (repaired once if not). New geometry. */
static OGRGeometryH tidy(OGRGeometryH g)
{
    round7(g);
    OGRGeometryH m = OGR_G_CreateGeometry(wkbMultiPolygon);
    int multi = wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon;
    int np = multi ? OGR_G_GetGeometryCount(g) : 1;
    for (int i = 0; i < np; i++) {
        OGRGeometryH poly = multi ? OGR_G_GetGeometryRef(g, i) : g;
        OGRGeometryH q = OGR_G_CreateGeometry(wkbPolygon);
        for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
            OGRGeometryH ring = clean_ring(OGR_G_GetGeometryRef(poly, r));
            if (!ring && r == 0) break;  /* the exterior collapsed: drop the polygon */
            if (ring) OGR_G_AddGeometryDirectly(q, ring);
        }
        if (OGR_G_GetGeometryCount(q) > 0) OGR_G_AddGeometryDirectly(m, q);
        else OGR_G_DestroyGeometry(q);
    }
    if (OGR_G_GetGeometryCount(m) > 0 && !OGR_G_IsValid(m)) {
        OGRGeometryH v = OGR_G_MakeValid(m);
        OGR_G_DestroyGeometry(m);
        m = v ? polygons_only(v) : NULL;
        if (v) OGR_G_DestroyGeometry(v);
        if (m) round7(m);
    }
    if (m && OGR_G_GetGeometryCount(m) == 0) {
        OGR_G_DestroyGeometry(m);
        m = NULL;
    }
    return m;
}

/** See mw_lineage.h. */
OGRGeometryH mw_lineage_union(OGRGeometryH a, OGRGeometryH b)
{
    if (!a || !b) {
        OGRGeometryH c = a ? OGR_G_Clone(a) : b ? OGR_G_Clone(b) : NULL;
        if (c) round7(c);
        return c;
    }
    OGRGeometryH ra = OGR_G_Clone(a), rb = OGR_G_Clone(b);
    round7(ra);
    round7(rb);
    OGRGeometryH u = OGR_G_Union(ra, rb);
    if (!u) {
        /* Invalid input GEOS cannot union: repair and try once more. */
        OGRGeometryH ma = OGR_G_MakeValid(ra), mb = OGR_G_MakeValid(rb);
        if (ma && mb) u = OGR_G_Union(ma, mb);
        if (ma) OGR_G_DestroyGeometry(ma);
        if (mb) OGR_G_DestroyGeometry(mb);
    }
    OGR_G_DestroyGeometry(ra);
    OGR_G_DestroyGeometry(rb);
    if (!u) return NULL;
    OGRGeometryH p0 = polygons_only(u);
    OGR_G_DestroyGeometry(u);
    OGRGeometryH p = p0 ? tidy(p0) : NULL;
    if (p0) OGR_G_DestroyGeometry(p0);
    if (p && wkbFlatten(OGR_G_GetGeometryType(p)) == wkbMultiPolygon && OGR_G_GetGeometryCount(p) == 1) {
        OGRGeometryH one = OGR_G_Clone(OGR_G_GetGeometryRef(p, 0));
        OGR_G_DestroyGeometry(p);
        p = one;
    }
    mw_lineage_fix_winding(p);
    return p;
}
