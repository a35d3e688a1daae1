/*
 * The lineage step of a scan with an earlier alert file (--previous).
 *
 * General Plan:
 *  1. How much of each earlier outline this pair saw clear: the outline,
 *     taken to the grid's CRS, is rasterised (pixel centres inside) over
 *     its bounding box in strips of at most STRIP_PX pixels; each strip's
 *     part inside the grid is read through the same window code as the
 *     tiles (validity of both dates and the AOI). Share = clear inside
 *     pixels / all inside pixels, so the part outside the scenes counts as
 *     not seen. Sites in parallel, one share per site: the result does not
 *     depend on threads or tiles; memory is one strip per thread.
 *  2. mw_lineage_link() (alerts module) turns detections and earlier sites
 *     into the run's alert list.
 */
#include "mw_scan_internal.h"
#include "mw_first_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_srs_api.h>
#include <omp.h>

#include "core/mw_error.h"

enum { STRIP_PX = 1 << 18 };  /* a 512 x 512 tile's pixels: the tile pass's memory per thread */

/* Pixel rectangle of the grid (unclipped) covering envelope @p e. */
static mw_rect env_rect(const mw_grid *g, const OGREnvelope *e)
{
    double x0 = (e->MinX - g->gt[0]) / g->gt[1], x1 = (e->MaxX - g->gt[0]) / g->gt[1];
    double y0 = (e->MaxY - g->gt[3]) / g->gt[5], y1 = (e->MinY - g->gt[3]) / g->gt[5];
    if (x0 > x1) { double t = x0; x0 = x1; x1 = t; }
    if (y0 > y1) { double t = y0; y0 = y1; y1 = t; }
    mw_rect r = {(int)floor(x0), (int)floor(y0), 0, 0};
    r.w = (int)ceil(x1) - r.x;
    r.h = (int)ceil(y1) - r.y;
    if (r.w < 1) r.w = 1;
    if (r.h < 1) r.h = 1;
    return r;
}

/* Burn @p g (grid CRS) into @p mask over rectangle @p r of the grid. */
static mw_status burn(const mw_grid *grid, OGRGeometryH g, mw_rect r, int all_touched, uint8_t *mask)
{
    memset(mask, 0, (size_t)r.w * r.h);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "DATAPOINTER=%p", (void *)mask);
    char *opts[] = {ptr, NULL};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", r.w, r.h, 0, GDT_Byte, NULL);
    if (!ds) return mw_error_set(MW_ERR_INTERNAL, "cannot make a memory raster");
    GDALAddBand(ds, GDT_Byte, opts);
    double gt[6] = {grid->gt[0] + r.x * grid->gt[1] + r.y * grid->gt[2], grid->gt[1], grid->gt[2],
                    grid->gt[3] + r.x * grid->gt[4] + r.y * grid->gt[5], grid->gt[4], grid->gt[5]};
    GDALSetGeoTransform(ds, gt);
    int band = 1;
    double one = 1.0;
    char *ropts[] = {all_touched ? "ALL_TOUCHED=TRUE" : NULL, NULL};
    CPLErr e = GDALRasterizeGeometries(ds, 1, &band, 1, &g, NULL, NULL, &one, ropts, NULL, NULL);
    GDALClose(ds);
    return e == CE_None ? MW_OK : mw_error_set(MW_ERR_GEOMETRY, "cannot rasterise an earlier outline");
}

/* Clear share of one outline (grid CRS) on the worker's readers. */
static mw_status outline_share(const mw_scan_setup *su, mw_worker *wk, OGRGeometryH g, uint8_t **mask,
                               size_t *cap, double *share)
{
    const mw_grid *grid = su->grid;
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    mw_rect r = env_rect(grid, &e);
    const mw_rect all = {0, 0, grid->width, grid->height};
    int rows = STRIP_PX / r.w > 0 ? STRIP_PX / r.w : 1;
    if ((size_t)r.w * rows > *cap) {
        uint8_t *p = realloc(*mask, (size_t)r.w * rows);
        if (!p) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        *mask = p;
        *cap = (size_t)r.w * rows;
    }
    for (int touched = 0; touched < 2; touched++) {
        long long inside = 0, clear = 0;
        for (int y = r.y; y < r.y + r.h; y += rows) {
            mw_rect s = {r.x, y, r.w, y + rows <= r.y + r.h ? rows : r.y + r.h - y};
            mw_status st = burn(grid, g, s, touched, *mask);
            if (st != MW_OK) return st;
            mw_rect in = mw_rect_intersect(s, all);
            for (size_t k = 0; k < (size_t)s.w * s.h; k++) inside += (*mask)[k];
            if (in.w <= 0 || in.h <= 0) continue;
            st = mw_window_compute(wk, grid, in, su->aoi, NULL, &su->shift);
            if (st != MW_OK) return st;
            for (int j = 0; j < in.h; j++)
                for (int i = 0; i < in.w; i++)
                    clear += (*mask)[(size_t)(in.y - s.y + j) * s.w + (in.x - s.x + i)] &&
                             wk->win.valid[(size_t)j * in.w + i];
        }
        if (inside > 0) {
            *share = (double)clear / (double)inside;
            return MW_OK;
        }
    }
    *share = 0.0;  /* nothing of it on the grid's pixels */
    return MW_OK;
}

static mw_status valid_shares(const mw_scan_setup *su, mw_pool *pool, mw_prev_set *prev)
{
    const int n = mw_prev_count(prev);
    if (n == 0) return MW_OK;
    mw_first_error err = {0};
#pragma omp parallel num_threads(mw_pool_threads(pool))
    {
        mw_worker *wk = mw_pool_worker(pool, omp_get_thread_num());
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRSpatialReferenceH ll = OSRNewSpatialReference(NULL), tgt = OSRNewSpatialReference(su->grid->crs_wkt);
        OSRImportFromEPSG(ll, 4326);
        OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(tgt, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(ll, tgt);
        uint8_t *mask = NULL;
        size_t cap = 0;
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; i++) {
            if (mw_first_error_seen(&err)) continue;
            OGRGeometryH g = OGR_G_Clone(mw_prev_geometry(prev, i));
            double share = 0.0;
            mw_status s = MW_OK;
            if (!ct || !g || OGR_G_Transform(g, ct) != OGRERR_NONE)
                s = mw_error_set(MW_ERR_CRS, "site %s: cannot bring its outline to the scenes' CRS",
                                 mw_prev_site_id(prev, i));
            else
                s = outline_share(su, wk, g, &mask, &cap, &share);
            if (g) OGR_G_DestroyGeometry(g);
            if (s != MW_OK) mw_first_error_record(&err, s);
            else mw_prev_set_valid_share(prev, i, share);
        }
        free(mask);
        if (ct) OCTDestroyCoordinateTransformation(ct);
        OSRDestroySpatialReference(ll);
        OSRDestroySpatialReference(tgt);
        CPLPopErrorHandler();
    }
    return mw_first_error_raise(&err);
}

/** See mw_scan_internal.h. */
double mw_scan_link_distance_m(const mw_model *model, const mw_grid *grid)
{
    double d = mw_model_merge_distance_m(model), px = fmax(grid->pixel_w_m, grid->pixel_h_m);
    return fmax(d, 2.0 * px);
}

/** See mw_scan_internal.h. */
mw_status mw_scan_lineage(const mw_scan_setup *su, mw_pool *pool, mw_prev_set *prev, mw_site_result *sites,
                          int counts[MW_SITE_STATUS_COUNT])
{
    mw_status st = pool ? valid_shares(su, pool, prev) : MW_OK;
    if (st != MW_OK) return st;
    mw_lineage_params p;
    mw_lineage_params_default(&p);
    p.link_distance_m = mw_scan_link_distance_m(su->model, su->grid);
    p.new_min_ha = fmax(su->opt->min_area_ha, p.min_piece_ha);
    p.date_before = mw_scene_date(su->before);
    p.date_after = mw_scene_date(su->after);
    uint8_t none = 0;
    mw_alert *out = NULL;
    int nout = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);  /* GEOS notes on pixel outlines touching at corners */
    st = mw_lineage_link(prev, sites->alerts, sites->held ? sites->held : &none, sites->nalerts, &p, &out, &nout);
    CPLPopErrorHandler();
    if (st != MW_OK) return st;
    free(sites->alerts);
    free(sites->held);
    sites->held = NULL;
    sites->alerts = out;
    sites->nalerts = nout;
    for (int i = 0; i < nout; i++) counts[out[i].lineage.status]++;
    return MW_OK;
}

/** See mw_scan_internal.h: the lineage as properties after the fixed table. */
mw_status mw_scan_lineage_properties(mw_alert_set *set)
{
    static const struct { const char *name, *short_name; mw_alert_kind kind; int decimals; } props[] = {
        {"site_id", "site_id", MW_AK_STRING, 0},      {"status", "status", MW_AK_STRING, 0},
        {"first_seen", "first_seen", MW_AK_STRING, 0}, {"last_seen", "last_seen", MW_AK_STRING, 0},
        {"n_detections", "n_detect", MW_AK_INT, 0},    {"area_change_ha", "area_chg", MW_AK_REAL, 4},
        {"merged_ids", "merged_ids", MW_AK_STRING, 0}};
    int k[7];
    for (int j = 0; j < 7; j++)
        if ((k[j] = mw_alert_set_add_property(set, props[j].name, props[j].short_name, props[j].kind,
                                              props[j].decimals)) < 0)
            return mw_last_status();
    mw_status st = MW_OK;
    for (int i = 0; st == MW_OK && i < mw_alert_set_count(set); i++) {
        const mw_lineage *l = &mw_alert_set_at(set, i)->lineage;
        st = mw_alert_set_set_string(set, i, k[0], l->site_id[0] ? l->site_id : NULL);
        if (st == MW_OK) st = mw_alert_set_set_string(set, i, k[1], mw_site_status_name(l->status));
        if (st == MW_OK) st = mw_alert_set_set_string(set, i, k[2], l->first_seen[0] ? l->first_seen : NULL);
        if (st == MW_OK) st = mw_alert_set_set_string(set, i, k[3], l->last_seen[0] ? l->last_seen : NULL);
        if (st == MW_OK) st = mw_alert_set_set_int(set, i, k[4], l->n_detections);
        if (st == MW_OK) st = mw_alert_set_set_double(set, i, k[5], l->area_change_ha);
        if (st == MW_OK) st = mw_alert_set_set_string(set, i, k[6], l->merged_ids);
    }
    return st;
}
