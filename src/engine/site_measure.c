/*
 * Measuring one site, the step both the tile pass and the site pass run
 * (so a site gets the same alert whichever pass measures it).
 *
 * General plan
 *  1. A site's window is its bbox grown by the ring buffer and twice the
 *     join radius (site_halo), so the site's pixels (the component of the
 *     dilated mask holding its seed) are recovered exactly and the ring
 *     around it is complete. The window is computed with the same code as
 *     the tiles (or cut from a tile's window: the same values).
 *  2. Features (sites module), the outline (alerts module), lon/lat with
 *     the PROJ context of the thread, geodesic area, class and confidence
 *     (model), and the filters of the options.
 */
#include "mw_scan_internal.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <math.h>

#include "core/mw_error.h"
#include "grid/mw_grid.h"
#include "output/mw_output.h"

mw_rect mw_site_window_of(const mw_scan_setup *s, const mw_site_acc *site)
{
    const mw_grid *g = s->grid;
    mw_rect bbox = {site->x0, site->y0, site->x1 - site->x0 + 1, site->y1 - site->y0 + 1};
    mw_rect all = {0, 0, g->width, g->height};
    return mw_rect_intersect(mw_rect_expand(bbox, s->site_halo), all);
}

static void pixel_centroid(const uint8_t *mask, mw_rect r, const double gt[6], double *x, double *y)
{
    double sx = 0, sy = 0;
    long long n = 0;
    for (int j = 0; j < r.h; j++)
        for (int i = 0; i < r.w; i++)
            if (mask[(size_t)j * r.w + i]) {
                sx += i;
                sy += j;
                n++;
            }
    double cx = n ? sx / n : r.w / 2.0, cy = n ? sy / n : r.h / 2.0;
    *x = gt[0] + (r.x + cx + 0.5) * gt[1];
    *y = gt[3] + (r.y + cy + 0.5) * gt[5];
}

/* What mw_site_measure() reads: window @p w's rasters; the bands from
 * wk->win (a sub window copies indices only, from wk->win). */
static mw_site_window site_window(const mw_scan_setup *s, const mw_worker *wk, const mw_window *w)
{
    const mw_grid *g = s->grid;
    mw_site_window sw = {
        .area = w->r, .cls = w->cls, .valid = w->valid,
        .before_ndvi = w->before_idx[MW_INDEX_NDVI], .before_mndwi = w->before_idx[MW_INDEX_MNDWI],
        .before_ndti = w->before_idx[MW_INDEX_NDTI], .before_bsi = w->before_idx[MW_INDEX_BSI],
        .after_ndvi = w->after_idx[MW_INDEX_NDVI], .after_mndwi = w->after_idx[MW_INDEX_MNDWI],
        .after_ndti = w->after_idx[MW_INDEX_NDTI], .after_bsi = w->after_idx[MW_INDEX_BSI],
        .dndvi = w->dndvi, .dmndwi = w->dmndwi, .dndti = w->dndti, .dbsi = w->dbsi,
        .grid_w = g->width, .radius = s->radius, .buffer_px = s->buffer_px,
        .pixel_w_m = g->pixel_w_m, .pixel_h_m = g->pixel_h_m,
        .water_mndwi = s->params->water_mndwi};
    const mw_window *bw = &wk->win;
    const size_t boff = (size_t)(w->r.y - bw->r.y) * bw->r.w + (size_t)(w->r.x - bw->r.x);
    sw.band_stride = bw->r.w;
    for (int b = 0; b < MW_BAND_MASK; b++) {
        sw.before_band[b] = bw->before.band[b] ? bw->before.band[b] + boff : NULL;
        sw.after_band[b] = bw->after.band[b] ? bw->after.band[b] + boff : NULL;
    }
    return sw;
}

/* The outline of the site's pixels @p mask over @p win in lon/lat, its
 * pixel centroid and its geodesic area. */
static mw_status outline(const mw_scan_setup *s, mw_worker *wk, const uint8_t *mask, mw_rect win,
                         OGRGeometryH *geom, double *lon, double *lat, double *area_ha)
{
    mw_lonlat *ll = NULL;
    mw_status st = mw_worker_lonlat(wk, s->grid->crs_wkt, &ll);
    if (st == MW_OK) st = mw_outline_from_mask(mask, win, s->grid->gt, geom);
    if (st != MW_OK) return st;
    double cx, cy;
    pixel_centroid(mask, win, s->grid->gt, &cx, &cy);
    st = mw_lonlat_point(ll, cx, cy, lon, lat);
    if (st == MW_OK) st = mw_lonlat_transform(ll, *geom);
    if (st != MW_OK) {
        OGR_G_DestroyGeometry(*geom);
        *geom = NULL;
        return st;
    }
    *area_ha = mw_geodesic_area_m2(*geom) / 1e4;
    return MW_OK;
}

/* --evidence: the chips of a kept site from the window in memory (no
 * second read of the scene). The outline again in grid coordinates, from
 * the site's mask; the north arrow follows true north, the bearing of the
 * grid's up direction at the centroid. */
static mw_status capture(const mw_scan_setup *s, mw_worker *wk, const mw_site_acc *site, const mw_window *w,
                         const mw_site_window *sw, const mw_alert *a, mw_site_slot *slot)
{
    const mw_grid *g = s->grid;
    OGRGeometryH grid_geom = NULL;
    mw_lonlat *ll = NULL;
    mw_status st = mw_outline_from_mask(wk->mask, w->r, g->gt, &grid_geom);
    if (st == MW_OK) st = mw_worker_lonlat(wk, g->crs_wkt, &ll);
    double cx, cy, lon2, lat2, north = 0;
    pixel_centroid(wk->mask, w->r, g->gt, &cx, &cy);
    if (st == MW_OK && mw_lonlat_point(ll, cx - 10 * g->gt[2], cy - 10 * g->gt[5], &lon2, &lat2) == MW_OK)
        north = -atan2((lon2 - a->centroid_lon) * cos(a->centroid_lat * M_PI / 180), lat2 - a->centroid_lat);
    mw_evidence_site es = {.window = w->r,
                           .bbox = {site->x0, site->y0, site->x1 - site->x0 + 1, site->y1 - site->y0 + 1},
                           .band_stride = sw->band_stride, .cls = w->cls, .cls_stride = (size_t)w->r.w,
                           .outline = grid_geom, .north_angle = north};
    for (int b = 0; b < MW_BAND_MASK && b < 6; b++) {
        es.before[b] = sw->before_band[b];
        es.after[b] = sw->after_band[b];
    }
    if (st == MW_OK) st = mw_evidence_capture(s->evidence, &es, &slot->evidence_stage);
    OGR_G_DestroyGeometry(grid_geom);
    return st;
}

mw_status mw_site_measure_window(const mw_scan_setup *s, mw_worker *wk, const mw_site_acc *site,
                                 const mw_window *w, mw_site_slot *slot)
{
    size_t n = (size_t)w->r.w * w->r.h;
    if (n > wk->mask_cap) {
        uint8_t *p = realloc(wk->mask, n);
        if (!p) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        wk->mask = p;
        wk->mask_cap = n;
    }
    const mw_site_window sw = site_window(s, wk, w);
    mw_site_features f;
    double t0 = omp_get_wtime();
    mw_status st = mw_site_measure(&sw, site, wk->mask, &f);
    if (st != MW_OK) return st;
    OGRGeometryH geom = NULL;
    double lon, lat;
    st = outline(s, wk, wk->mask, w->r, &geom, &lon, &lat, &f.area_ha);
    wk->t_sites += omp_get_wtime() - t0;
    if (st != MW_OK) return st;
    /* With an earlier run, a site that fails the filters is held when it
     * may continue an earlier site: the filters never hide a known site. */
    const int hold = s->prev && mw_prev_near(s->prev, geom, s->link_m);
    const char *cls = NULL;
    double p = f.area_ha < s->opt->min_area_ha && !hold ? 0 : mw_model_score(s->model, &f, &cls);
    const int pass = f.area_ha >= s->opt->min_area_ha && p >= s->opt->min_confidence;
    if (!pass && !hold) {
        OGR_G_DestroyGeometry(geom);
        return MW_OK;
    }
    mw_alert *a = &slot->alert;
    memset(a, 0, sizeof *a);
    a->class_name = cls;
    a->confidence = p;
    a->area_ha = f.area_ha;
    a->centroid_lon = lon;
    a->centroid_lat = lat;
    a->features = f;
    a->geometry = geom;
    mw_alert_make_id(lon, lat, mw_scene_date(s->before), mw_scene_date(s->after), a->id, sizeof a->id);
    slot->keep = pass ? 1 : 2;  /* 2: held, for lineage only */
    /* Held sites get no chips now: the evidence reads any alert it lacks. */
    return s->evidence && pass ? capture(s, wk, site, w, &sw, a, slot) : MW_OK;
}

mw_status mw_site_compute_measure(const mw_scan_setup *s, mw_worker *wk, const mw_site_acc *site,
                                  mw_site_slot *slot)
{
    mw_status st = mw_window_compute(wk, s->grid, mw_site_window_of(s, site), s->aoi, s->params, &s->shift);
    if (st != MW_OK) return st;
    return mw_site_measure_window(s, wk, site, &wk->win, slot);
}
