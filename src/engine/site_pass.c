/*
 * Pass 3: every site found by the tile pass, in parallel.
 *
 * General plan
 *  1. A site's window is its bbox grown by the ring buffer and twice the
 *     join radius, so the site's pixels (the component of the dilated mask
 *     holding its seed) are recovered exactly and the ring around it is
 *     complete. The window is recomputed with the same code as the tiles.
 *  2. Features (sites module), the outline (alerts module), lon/lat with a
 *     PROJ context of the thread, geodesic area, class and confidence
 *     (model), and the filters of the options.
 *  3. Results go to slot i of an array: the order of alerts is the order of
 *     sites (by seed), whatever thread measured them.
 */
#include "mw_scan_internal.h"
#include "mw_first_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <omp.h>

#include "core/mw_error.h"
#include "output/mw_evidence.h"

enum { SITE_BATCH = 64 };


/* --evidence: the chips of a kept site, from the window in memory. The
 * north arrow follows true north: the bearing of the grid's up direction
 * at the site, from the thread's lon/lat transformer. */
static mw_status capture(mw_scan_ctx *ctx, mw_lonlat *ll, const mw_site_acc *site, const mw_window *w,
                         const mw_site_window *sw, OGRGeometryH grid_outline, double cx, double cy, double lon,
                         double lat, mw_site_slot *slot)
{
    const mw_grid *g = &ctx->grid;
    double lon2, lat2, north = 0;
    if (mw_lonlat_point(ll, cx - 10 * g->gt[2], cy - 10 * g->gt[5], &lon2, &lat2) == MW_OK)
        north = -atan2((lon2 - lon) * cos(lat * M_PI / 180), lat2 - lat);
    mw_evidence_site es = {.window = w->r, .bbox = {site->x0, site->y0, site->x1 - site->x0 + 1, site->y1 - site->y0 + 1},
                           .band_stride = sw->band_stride, .cls = w->cls, .cls_stride = (size_t)w->r.w,
                           .outline = grid_outline, .north_angle = north};
    for (int b = 0; b < MW_BAND_MASK && b < 6; b++) {
        es.before[b] = sw->before_band[b];
        es.after[b] = sw->after_band[b];
    }
    return mw_evidence_capture(ctx->evidence, &es, &slot->evidence_stage);
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

/* The window a site is measured on (see the plan above). */
mw_rect mw_scan_site_window(const mw_scan_ctx *ctx, const mw_site_acc *site)
{
    const mw_grid *g = &ctx->grid;
    int margin = ctx->site_halo;  /* max(buffer, 2 radius + 1) + 1, set in scan.c */
    mw_rect bbox = {site->x0, site->y0, site->x1 - site->x0 + 1, site->y1 - site->y0 + 1};
    mw_rect all = {0, 0, g->width, g->height};
    return mw_rect_intersect(mw_rect_expand(bbox, margin), all);
}

mw_status mw_site_measure_window(mw_scan_ctx *ctx, mw_worker *wk, mw_lonlat *ll, const mw_site_acc *site,
                                 const mw_window *w, uint8_t **mask, size_t *mask_cap, mw_site_slot *slot)
{
    const mw_grid *g = &ctx->grid;
    const mw_rect win = w->r;
    mw_status st;
    size_t n = (size_t)win.w * win.h;
    if (n > *mask_cap) {
        uint8_t *p = realloc(*mask, n);
        if (!p) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        *mask = p;
        *mask_cap = n;
    }
    mw_site_window sw = {
        .area = win, .cls = w->cls, .valid = w->valid,
        .before_ndvi = w->before_idx[MW_INDEX_NDVI], .before_mndwi = w->before_idx[MW_INDEX_MNDWI],
        .before_ndti = w->before_idx[MW_INDEX_NDTI], .before_bsi = w->before_idx[MW_INDEX_BSI],
        .after_ndvi = w->after_idx[MW_INDEX_NDVI], .after_mndwi = w->after_idx[MW_INDEX_MNDWI],
        .after_ndti = w->after_idx[MW_INDEX_NDTI], .after_bsi = w->after_idx[MW_INDEX_BSI],
        .dndvi = w->dndvi, .dmndwi = w->dmndwi, .dndti = w->dndti, .dbsi = w->dbsi,
        .grid_w = g->width, .radius = ctx->radius, .buffer_px = ctx->buffer_px,
        .pixel_w_m = g->pixel_w_m, .pixel_h_m = g->pixel_h_m,
        .water_mndwi = ctx->params->water_mndwi};
    /* Bands: only wk->win holds them (a sub window copies indices only, from wk->win). */
    const mw_window *bw = &wk->win;
    const size_t boff = (size_t)(win.y - bw->r.y) * bw->r.w + (size_t)(win.x - bw->r.x);
    sw.band_stride = bw->r.w;
    for (int b = 0; b < MW_BAND_MASK; b++) {
        sw.before_band[b] = bw->before.band[b] ? bw->before.band[b] + boff : NULL;
        sw.after_band[b] = bw->after.band[b] ? bw->after.band[b] + boff : NULL;
    }
    mw_site_features f;
    double t0 = omp_get_wtime();
    st = mw_site_measure(&sw, site, *mask, &f);
    if (st != MW_OK) return st;

    OGRGeometryH geom = NULL;
    st = mw_outline_from_mask(*mask, win, g->gt, &geom);
    if (st != MW_OK) return st;
    double cx, cy, lon, lat;
    pixel_centroid(*mask, win, g->gt, &cx, &cy);
    OGRGeometryH grid_geom = ctx->evidence ? OGR_G_Clone(geom) : NULL;
    st = mw_lonlat_point(ll, cx, cy, &lon, &lat);
    if (st == MW_OK) st = mw_lonlat_transform(ll, geom);
    if (st != MW_OK) {
        OGR_G_DestroyGeometry(geom);
        OGR_G_DestroyGeometry(grid_geom);
        return st;
    }
    f.area_ha = mw_geodesic_area_m2(geom) / 1e4;
    wk->t_sites += omp_get_wtime() - t0;
    const char *cls = NULL;
    double p = f.area_ha < ctx->opt->min_area_ha ? -1 : mw_model_score(ctx->model, &f, &cls);
    if (!(p >= ctx->opt->min_confidence)) {
        OGR_G_DestroyGeometry(geom);
        OGR_G_DestroyGeometry(grid_geom);
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
    mw_alert_make_id(lon, lat, mw_scene_date(ctx->before), mw_scene_date(ctx->after), a->id, sizeof a->id);
    slot->keep = 1;
    if (ctx->evidence) st = capture(ctx, ll, site, w, &sw, grid_geom, cx, cy, lon, lat, slot);
    OGR_G_DestroyGeometry(grid_geom);
    return st;
}

mw_status mw_scan_measure_site(mw_scan_ctx *ctx, mw_worker *wk, mw_lonlat *ll, const mw_site_acc *site,
                               uint8_t **mask, size_t *mask_cap, mw_site_slot *slot)
{
    mw_status st = mw_window_compute(wk, &ctx->grid, mw_scan_site_window(ctx, site), ctx->aoi, ctx->params, &ctx->shift);
    if (st != MW_OK) return st;
    return mw_site_measure_window(ctx, wk, ll, site, &wk->win, mask, mask_cap, slot);
}

mw_status mw_site_pass(mw_scan_ctx *ctx, double p0, double p1)
{
    const int n = ctx->sites ? ctx->sites->count : 0;
    mw_site_slot *slots = calloc(n > 0 ? (size_t)n : 1, sizeof *slots);
    if (!slots) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = MW_OK;
    double t0 = omp_get_wtime();
    /* Sites the tile pass measured already (whole inside one tile, or
     * complete after a wave): take their results when the final merge
     * gives the same site; the others are measured here. */
    int *todo = malloc((n > 0 ? (size_t)n : 1) * sizeof *todo);
    if (!todo) {
        free(slots);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    int ntodo = 0;
    for (int i = 0; i < n; i++) {
        mw_site_pre *p = ctx->npre ? bsearch(&ctx->sites->sites[i].seed, ctx->pre, (size_t)ctx->npre,
                                             sizeof *ctx->pre, mw_cmp_seed) : NULL;
        if (p && !p->taken && mw_site_acc_equal(&p->acc, &ctx->sites->sites[i])) {
            slots[i] = p->slot;
            p->taken = 1;
        } else {
            const mw_site_acc *a = &ctx->sites->sites[i];
            mw_rect w = mw_scan_site_window(ctx, a);
            if ((int64_t)w.w * w.h > MW_SITE_WINDOW_MAX_PX) {
                /* not outlined; the warning says where the largest one is
                 * (sites come in seed order: the first of equals wins) */
                mw_rect box = {a->x0, a->y0, a->x1 - a->x0 + 1, a->y1 - a->y0 + 1};
                const mw_rect best = ctx->too_large_box;
                if (!ctx->too_large || (int64_t)box.w * box.h > (int64_t)best.w * best.h)
                    ctx->too_large_box = box;
                ctx->too_large++;
            } else {
                todo[ntodo++] = i;
            }
        }
    }
    mw_rect wins[SITE_BATCH];
    for (int b0 = 0; b0 < ntodo && st == MW_OK; b0 += SITE_BATCH) {
        int b1 = b0 + SITE_BATCH < ntodo ? b0 + SITE_BATCH : ntodo;
        mw_first_error err = {0};
        /* The batch's blocks, decoded once for all its windows (sites are
         * in raster order, so neighbouring sites share blocks). */
        for (int i = b0; i < b1; i++) wins[i - b0] = mw_scan_site_window(ctx, &ctx->sites->sites[todo[i]]);
        int jobs = 0;
        st = mw_scan_plan_blocks(ctx, wins, b1 - b0, &jobs);
        if (st != MW_OK) break;
#pragma omp parallel num_threads(ctx->nthreads)
        {
            mw_worker *wk = &ctx->workers[omp_get_thread_num()];
            CPLPushErrorHandler(CPLQuietErrorHandler);
            mw_lonlat *ll = NULL;
            uint8_t *mask = NULL;
            size_t mask_cap = 0;
            mw_status s0 = mw_worker_lonlat(wk, ctx->grid.crs_wkt, &ll);
#pragma omp for schedule(dynamic, 2)
            for (int i = 0; i < jobs; i++) {
                mw_status s = mw_scan_fill_block(ctx, wk, i);
                if (s != MW_OK) {
                    mw_first_error_record(&err, s);
                }
            }
#pragma omp for schedule(dynamic, 1)
            for (int j = b0; j < b1; j++) {
                if (mw_first_error_seen(&err)) continue;
                int i = todo[j];
                mw_status s = s0 != MW_OK ? s0 : mw_scan_measure_site(ctx, wk, ll, &ctx->sites->sites[i], &mask, &mask_cap, &slots[i]);
                if (s != MW_OK) {
                    mw_first_error_record(&err, s);
                }
            }
            free(mask);
            CPLPopErrorHandler();
        }
        st = mw_first_error_raise(&err);
        if (st == MW_OK) st = mw_scan_progress(ctx, p0 + (p1 - p0) * b1 / ntodo, "measuring sites");
    }
    free(todo);
    ctx->t_sites = omp_get_wtime() - t0;
    {
        int none;
        mw_status s2 = mw_scan_plan_blocks(ctx, NULL, 0, &none);  /* give the blocks back */
        if (st == MW_OK) st = s2;
    }

    /* Compact kept alerts in site order; make ids unique deterministically. */
    int kept = 0;
    for (int i = 0; i < n; i++) kept += slots[i].keep;
    ctx->alerts = calloc(kept > 0 ? (size_t)kept : 1, sizeof *ctx->alerts);
    ctx->alert_stages = calloc(kept > 0 ? (size_t)kept : 1, sizeof *ctx->alert_stages);
    if ((!ctx->alerts || !ctx->alert_stages) && st == MW_OK) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!slots[i].keep) continue;
        if (st == MW_OK) {
            ctx->alert_stages[ctx->nalerts] = slots[i].evidence_stage;
            mw_alert *a = &ctx->alerts[ctx->nalerts++];
            *a = slots[i].alert;
            int dup = 1;
            for (int j = 0; j < ctx->nalerts - 1; j++)
                if (strncmp(ctx->alerts[j].id, a->id, strlen(a->id)) == 0) dup++;
            if (dup > 1) {
                size_t len = strlen(a->id);
                snprintf(a->id + len, sizeof a->id - len, "-%d", dup);
            }
        } else {
            mw_alert_clear(&slots[i].alert);
        }
    }
    free(slots);
    return st;
}
