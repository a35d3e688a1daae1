/*
 * Outline of a site mask as a Polygon / MultiPolygon in the target CRS.
 *
 * General Plan:
 *  1. Copy the mask as 0/1 bytes into a one-band MEM raster whose
 *     geotransform is the whole grid's, shifted by (area.x, area.y) pixels.
 *  2. GDALPolygonize it (4-connectivity, the band as its own mask so only
 *     1-pixels become polygons) into a Memory vector layer: one polygon per
 *     4-connected piece, holes kept, vertices on pixel corners.
 *  3. Remove collinear (and repeated) vertices of every ring, so a straight
 *     pixel edge is two points and a square is 5 positions.
 *  4. One piece: that Polygon; several: a MultiPolygon in polygonize order
 *     (deterministic for a given mask).
 *
 * Thread-safety: every call creates its own datasets; GDAL errors are
 * silenced on this thread during the call and turned into mw statuses.
 */
#include "mw_alerts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <gdal_alg.h>

#include "core/mw_error.h"

/* polygonize_guard.cpp: GDALPolygonize() with std::bad_alloc caught. */
int mw_polygonize_guarded(GDALRasterBandH band, GDALRasterBandH mask, OGRLayerH layer, int field,
                          int *out_of_memory);

/* Is b redundant between a and c (collinear or repeated)? */
static int collinear(double ax, double ay, double bx, double by, double cx, double cy)
{
    double ux = bx - ax, uy = by - ay, vx = cx - bx, vy = cy - by;
    double cross = ux * vy - uy * vx;
    double lu = hypot(ux, uy), lv = hypot(vx, vy);
    if (lu == 0.0 || lv == 0.0) return 1;
    return fabs(cross) <= 1e-9 * lu * lv;
}

/* Rewrite one closed ring without collinear vertices. */
static mw_status simplify_ring(OGRGeometryH ring)
{
    int n = OGR_G_GetPointCount(ring);
    if (n < 4) return MW_OK;
    int m = n - 1; /* the last position repeats the first */
    double *x = malloc(sizeof(double) * (size_t)n * 2);
    if (!x) return mw_error_set(MW_ERR_NOMEM, "outline: out of memory");
    double *y = x + n;
    OGR_G_GetPoints(ring, x, sizeof(double), y, sizeof(double), NULL, 0);

    int k = 0;
    for (int i = 0; i < m; i++) {
        x[k] = x[i];
        y[k] = y[i];
        k++;
        while (k >= 3 && collinear(x[k - 3], y[k - 3], x[k - 2], y[k - 2], x[k - 1], y[k - 1])) {
            x[k - 2] = x[k - 1];
            y[k - 2] = y[k - 1];
            k--;
        }
    }
    /* The seam where the ring closes. */
    for (int changed = 1; changed && k >= 3;) {
        changed = 0;
        if (collinear(x[k - 2], y[k - 2], x[k - 1], y[k - 1], x[0], y[0])) {
            k--;
            changed = 1;
        } else if (collinear(x[k - 1], y[k - 1], x[0], y[0], x[1], y[1])) {
            memmove(x, x + 1, sizeof(double) * (size_t)(k - 1));
            memmove(y, y + 1, sizeof(double) * (size_t)(k - 1));
            k--;
            changed = 1;
        }
    }
    if (k >= 3 && k < m) {
        x[k] = x[0];
        y[k] = y[0];
        OGR_G_SetPoints(ring, k + 1, x, sizeof(double), y, sizeof(double), NULL, 0);
    }
    free(x);
    return MW_OK;
}

static mw_status simplify_polygon(OGRGeometryH poly)
{
    int nr = OGR_G_GetGeometryCount(poly);
    for (int r = 0; r < nr; r++) {
        mw_status st = simplify_ring(OGR_G_GetGeometryRef(poly, r));
        if (st != MW_OK) return st;
    }
    return MW_OK;
}

/**
 * Outline of the non-zero pixels of @p mask (row-major, area.w * area.h
 * bytes; any non-zero byte counts as 1) in the CRS of @p gt, the
 * geotransform of the whole target grid of which @p area is a window.
 * On success *out is a new Polygon (one 4-connected piece) or MultiPolygon
 * (several) owned by the caller (OGR_G_DestroyGeometry); holes are kept and
 * straight pixel edges carry no intermediate vertices. An empty mask or
 * area is MW_ERR_USAGE. Thread-safe.
 */
/* Step 1: the mask as a one-band MEM raster of 0/1 on the window's
 * georeferencing (*rds; MW_ERR_USAGE when no pixel is set). */
static mw_status mask_raster(const uint8_t *mask, mw_rect area, const double gt[6], GDALDriverH mem,
                             GDALDatasetH *rds)
{
    size_t npix = (size_t)area.w * (size_t)area.h;
    size_t ones = 0;
    uint8_t *bin = malloc(npix);
    if (!bin) return mw_error_set(MW_ERR_NOMEM, "outline: out of memory");
    for (size_t i = 0; i < npix; i++) {
        bin[i] = mask[i] != 0;
        ones += bin[i];
    }
    mw_status st = MW_OK;
    if (ones == 0) st = mw_error_set(MW_ERR_USAGE, "outline: the site mask has no pixel");
    if (st == MW_OK && !(*rds = GDALCreate(mem, "", area.w, area.h, 1, GDT_Byte, NULL)))
        st = mw_error_from_gdal(MW_ERR_NOMEM, "outline", "cannot create MEM raster");
    if (st == MW_OK) {
        double sgt[6] = {gt[0] + area.x * gt[1] + area.y * gt[2], gt[1], gt[2],
                         gt[3] + area.x * gt[4] + area.y * gt[5], gt[4], gt[5]};
        GDALSetGeoTransform(*rds, sgt);
        if (GDALRasterIO(GDALGetRasterBand(*rds, 1), GF_Write, 0, 0, area.w, area.h, bin, area.w, area.h,
                         GDT_Byte, 0, 0) != CE_None)
            st = mw_error_from_gdal(MW_ERR_INTERNAL, "outline", "cannot fill MEM raster");
    }
    free(bin);
    return st;
}

/* Step 2: the raster's 4-connected pieces as polygons of a Memory layer. */
static mw_status polygonize(GDALDatasetH rds, GDALDriverH memv, GDALDatasetH *vds, OGRLayerH *layer)
{
    *vds = GDALCreate(memv, "", 0, 0, 0, GDT_Unknown, NULL);
    *layer = *vds ? GDALDatasetCreateLayer(*vds, "outline", NULL, wkbPolygon, NULL) : NULL;
    if (!*layer) return mw_error_from_gdal(MW_ERR_INTERNAL, "outline", "cannot create Memory layer");
    OGRFieldDefnH fld = OGR_Fld_Create("v", OFTInteger);
    OGRErr oe = OGR_L_CreateField(*layer, fld, TRUE);
    OGR_Fld_Destroy(fld);
    if (oe != OGRERR_NONE) return mw_error_from_gdal(MW_ERR_INTERNAL, "outline", "cannot create field");
    /* Default options: 4-connectivity. The band is its own mask: 0 skipped. */
    GDALRasterBandH band = GDALGetRasterBand(rds, 1);
    int oom = 0;
    if (mw_polygonize_guarded(band, band, *layer, 0, &oom) != 0)
        return oom ? mw_error_set(MW_ERR_NOMEM, "out of memory outlining a site")
                   : mw_error_from_gdal(MW_ERR_INTERNAL, "outline", "GDALPolygonize failed");
    return MW_OK;
}

/* Step 3: the pieces of value 1, simplified: one Polygon, or a MultiPolygon. */
static mw_status collect_pieces(OGRLayerH layer, OGRGeometryH *out)
{
    mw_status st = MW_OK;
    int npieces = 0;
    OGRGeometryH first = NULL, result = NULL;
    OGR_L_ResetReading(layer);
    for (OGRFeatureH f; st == MW_OK && (f = OGR_L_GetNextFeature(layer)) != NULL;) {
        OGRGeometryH g = OGR_F_GetFieldAsInteger(f, 0) == 1 ? OGR_F_StealGeometry(f) : NULL;
        OGR_F_Destroy(f);
        if (!g) continue;
        if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPolygon) {
            OGR_G_DestroyGeometry(g);
            continue;
        }
        st = simplify_polygon(g);
        if (st != MW_OK) {
            OGR_G_DestroyGeometry(g);
            break;
        }
        npieces++;
        if (npieces == 1) {
            first = g;
            continue;
        }
        if (npieces == 2) {
            result = OGR_G_CreateGeometry(wkbMultiPolygon);
            OGR_G_AddGeometryDirectly(result, first);
            first = NULL;
        }
        OGR_G_AddGeometryDirectly(result, g);
    }
    if (npieces == 1) result = first;
    if (st == MW_OK && !result) st = mw_error_set(MW_ERR_INTERNAL, "outline: polygonize produced no polygon");
    if (st != MW_OK && result) {
        OGR_G_DestroyGeometry(result);
        result = NULL;
    }
    if (st != MW_OK && first) OGR_G_DestroyGeometry(first);
    *out = result;
    return st;
}

mw_status mw_outline_from_mask(const uint8_t *mask, mw_rect area, const double gt[6],
                               OGRGeometryH *out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "outline: no output geometry");
    *out = NULL;
    if (!mask || !gt || mw_rect_is_empty(area))
        return mw_error_set(MW_ERR_USAGE, "outline: empty mask area");
    mw_status st = MW_OK;
    GDALDatasetH rds = NULL, vds = NULL;
    OGRLayerH layer = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDriverH memv = GDALGetDriverByName("Memory");
    if (!mem || !memv) {
        GDALAllRegister();
        mem = GDALGetDriverByName("MEM");
        memv = GDALGetDriverByName("Memory");
    }
    if (!mem || !memv) st = mw_error_set(MW_ERR_INTERNAL, "outline: GDAL MEM/Memory drivers missing");
    if (st == MW_OK) st = mask_raster(mask, area, gt, mem, &rds);
    if (st == MW_OK) st = polygonize(rds, memv, &vds, &layer);
    if (st == MW_OK) st = collect_pieces(layer, out);
    CPLPopErrorHandler();
    if (vds) GDALClose(vds);
    if (rds) GDALClose(rds);
    return st;
}

/**
 * Free what @p alert owns: its geometry, protected_area string (which
 * must come from malloc/strdup) and props. The struct itself is not freed; the owned
 * pointers are set to NULL, so clearing twice is safe. NULL is accepted.
 */
void mw_alert_clear(mw_alert *alert)
{
    if (!alert) return;
    if (alert->geometry) OGR_G_DestroyGeometry(alert->geometry);
    alert->geometry = NULL;
    free(alert->protected_area);
    alert->protected_area = NULL;
    for (int k = 0; k < alert->nprops; k++) free(alert->props[k].s);
    free(alert->props);
    alert->props = NULL;
    alert->nprops = 0;
    free(alert->lineage.merged_ids);
    alert->lineage.merged_ids = NULL;
}
