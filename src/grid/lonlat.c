/*
 * Target CRS -> WGS84 lon/lat, with RFC 7946 winding.
 *
 * General Plan:
 *  1. One PJ_CONTEXT per mw_lonlat (so one per thread), logging off.
 *  2. proj_create_crs_to_crs(target WKT -> EPSG:4326), then
 *     proj_normalize_for_visualization so outputs are (lon, lat).
 *  3. Per ring: read all vertices, one proj_trans_generic call, reject
 *     non-finite results, then orient by the shoelace sign in lon/lat
 *     (exterior counter-clockwise, holes clockwise) and write back.
 *
 * Rings crossing the antimeridian are not split (RFC 7946 §3.1.9): sites
 * are small and the target grids of scenes do not straddle it in practice.
 */
#include "mw_grid.h"

#include <math.h>
#include <stdlib.h>

#include <proj.h>

#include "core/mw_error.h"

struct mw_lonlat {
    PJ_CONTEXT *ctx;
    PJ *pj;
};

/**
 * Create a transformer from the CRS given as WKT (any string proj_create()
 * accepts) to WGS84 longitude/latitude in degrees. *out is owned by the
 * caller (mw_lonlat_destroy). Not thread-safe to share: create one per
 * thread. Fails with MW_ERR_CRS "<reason>".
 */
mw_status mw_lonlat_create(const char *target_crs_wkt, mw_lonlat **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "lonlat: no output handle");
    *out = NULL;
    if (!target_crs_wkt || !*target_crs_wkt)
        return mw_error_set(MW_ERR_CRS, "target grid has no CRS");
    mw_lonlat *t = calloc(1, sizeof *t);
    if (!t) return mw_error_set(MW_ERR_NOMEM, "lonlat: out of memory");
    t->ctx = proj_context_create();
    if (!t->ctx) {
        free(t);
        return mw_error_set(MW_ERR_NOMEM, "lonlat: cannot create PROJ context");
    }
    proj_log_level(t->ctx, PJ_LOG_NONE);
    PJ *raw = proj_create_crs_to_crs(t->ctx, target_crs_wkt, "EPSG:4326", NULL);
    if (!raw) {
        int e = proj_context_errno(t->ctx);
        mw_error_set(MW_ERR_CRS, "cannot transform the target CRS to WGS84: %s",
                     e ? proj_context_errno_string(t->ctx, e) : "unknown PROJ error");
        mw_lonlat_destroy(t);
        return MW_ERR_CRS;
    }
    t->pj = proj_normalize_for_visualization(t->ctx, raw);
    proj_destroy(raw);
    if (!t->pj) {
        mw_lonlat_destroy(t);
        return mw_error_set(MW_ERR_CRS, "cannot normalise the WGS84 axis order");
    }
    *out = t;
    return MW_OK;
}

/** Destroy a transformer (NULL accepted). */
void mw_lonlat_destroy(mw_lonlat *t)
{
    if (!t) return;
    if (t->pj) proj_destroy(t->pj);
    if (t->ctx) proj_context_destroy(t->ctx);
    free(t);
}

/**
 * Transform one point of the target CRS to lon/lat degrees. MW_ERR_CRS if
 * the point cannot be transformed. Use from the thread that owns @p t.
 */
mw_status mw_lonlat_point(mw_lonlat *t, double x, double y, double *lon, double *lat)
{
    if (!t || !lon || !lat) return mw_error_set(MW_ERR_USAGE, "lonlat: NULL argument");
    proj_errno_reset(t->pj);
    PJ_COORD c = proj_trans(t->pj, PJ_FWD, proj_coord(x, y, 0, 0));
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || fabs(c.xy.x) > 1e10)
        return mw_error_set(MW_ERR_CRS, "cannot transform point (%.3f, %.3f) to WGS84", x, y);
    *lon = c.xy.x;
    *lat = c.xy.y;
    return MW_OK;
}

/* Transform one ring in place; orient it CCW (want_ccw) or CW. */
static mw_status transform_ring(mw_lonlat *t, OGRGeometryH ring, int want_ccw)
{
    int n = OGR_G_GetPointCount(ring);
    if (n == 0) return MW_OK;
    double *x = malloc(sizeof(double) * (size_t)n * 2);
    if (!x) return mw_error_set(MW_ERR_NOMEM, "lonlat: out of memory");
    double *y = x + n;
    OGR_G_GetPoints(ring, x, sizeof(double), y, sizeof(double), NULL, 0);
    proj_errno_reset(t->pj);
    size_t done = proj_trans_generic(t->pj, PJ_FWD, x, sizeof(double), (size_t)n, y,
                                     sizeof(double), (size_t)n, NULL, 0, 0, NULL, 0, 0);
    if (done != (size_t)n) {
        free(x);
        return mw_error_set(MW_ERR_CRS, "cannot transform an outline to WGS84");
    }
    double a2 = 0.0; /* twice the signed shoelace area, closed ring */
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]) || fabs(x[i]) > 1e10) {
            free(x);
            return mw_error_set(MW_ERR_CRS, "an outline vertex falls outside the WGS84 domain");
        }
        int j = (i + 1) % n;
        a2 += x[i] * y[j] - x[j] * y[i];
    }
    if ((a2 > 0) != (want_ccw != 0) && a2 != 0.0) {
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            double tx = x[i], ty = y[i];
            x[i] = x[j];
            y[i] = y[j];
            x[j] = tx;
            y[j] = ty;
        }
    }
    OGR_G_SetPoints(ring, n, x, sizeof(double), y, sizeof(double), NULL, 0);
    free(x);
    return MW_OK;
}

static mw_status transform_polygon(mw_lonlat *t, OGRGeometryH poly)
{
    int nr = OGR_G_GetGeometryCount(poly);
    for (int r = 0; r < nr; r++) {
        mw_status st = transform_ring(t, OGR_G_GetGeometryRef(poly, r), r == 0);
        if (st != MW_OK) return st;
    }
    return MW_OK;
}

/**
 * Transform a Polygon or MultiPolygon of the target CRS in place to lon/lat
 * (x = longitude), then orient rings as RFC 7946 asks: exterior rings
 * counter-clockwise, holes clockwise. Each ring is one proj_trans_generic
 * call. Other geometry types are MW_ERR_USAGE. On failure the geometry may
 * be partly transformed. Use from the thread that owns @p t.
 */
mw_status mw_lonlat_transform(mw_lonlat *t, OGRGeometryH geometry)
{
    if (!t || !geometry) return mw_error_set(MW_ERR_USAGE, "lonlat: NULL argument");
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(geometry));
    if (type == wkbPolygon) return transform_polygon(t, geometry);
    if (type == wkbMultiPolygon) {
        int np = OGR_G_GetGeometryCount(geometry);
        for (int i = 0; i < np; i++) {
            mw_status st = transform_polygon(t, OGR_G_GetGeometryRef(geometry, i));
            if (st != MW_OK) return st;
        }
        return MW_OK;
    }
    return mw_error_set(MW_ERR_USAGE, "lonlat: outline is a %s, not a polygon",
                        OGR_G_GetGeometryName(geometry));
}
