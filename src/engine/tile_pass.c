/*
 * Pass 2: every tile of the target grid, in parallel.
 *
 * General plan
 *  1. Tiles are taken one tile row at a time (a wave); the tiles of a
 *     wave run in parallel, each thread with its own GDAL handles.
 *  2. A tile reads its core plus a halo of `radius` pixels (what the
 *     dilation that joins fragments needs), classifies change and labels
 *     its components (sites module). A site lying inside the tile's core --
 *     on none of its edge strips, hence united with nothing by the merge --
 *     whose window (bbox + site_halo) lies inside the computed area too is
 *     measured right here from it, byte for byte as the site pass would
 *     (same window values: they do not depend on the window). A halo as
 *     wide as site_halo would let every such site be measured here, but it
 *     costs a quarter more pixels per 512 tile; the sites near the tile's
 *     edge cost less when their windows are computed after the wave.
 *     Classes and index changes of the core are copied into the wave's row
 *     buffer when a change raster is wanted.
 *  2b. After the tiles of a wave, the sites complete by then that no tile
 *     measured (spanning tiles, or too near a tile's edge) are listed
 *     (wave_sites.c) and measured from windows computed on the blocks still
 *     decoded, in the next wave's decode loop (one barrier less per wave;
 *     an extra iteration after the last wave does the last ones): a wave
 *     decodes its strip with a margin of site_halo and keeps the two
 *     strips above. The site pass measures what is left.
 *  3. The wave's rows go to one of two row buffers; thread 0 writes the
 *     previous wave's rows (compression included) at the start of the next
 *     wave's parallel region, while the other threads decode and classify,
 *     so the writing overlaps the work. Rows are written in order by one
 *     thread, so output bytes do not depend on which thread ran which
 *     tile; the main thread reports progress after each wave. Memory: two
 *     row buffers of tile x width x 17 bytes. The first failing tile stops the rest; its message is
 *     reported once.
 *  4. The component pieces of all tiles are merged into sites. The change
 *     raster stays open (as a temporary file) until the alerts are written.
 */
#include "mw_scan_internal.h"
#include "mw_first_error.h"

#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <omp.h>

#include "core/mw_error.h"
#include "output/mw_evidence.h"
#include "output/mw_output.h"

/* Sites a tile measured itself. */
typedef struct tile_pre {
    int n;
    mw_site_pre *items;
} tile_pre;

/* Measure the tile's standalone sites (see plan step 2) whose windows lie
 * inside the window computed for it; the others are measured after the wave. */
static mw_status premeasure(mw_scan_ctx *ctx, mw_worker *wk, mw_lonlat *ll, const mw_tile_sites *ts,
                            uint8_t **mask, size_t *mask_cap, tile_pre *out)
{
    int cap = mw_tile_sites_count(ts);
    if (cap == 0) return MW_OK;
    mw_site_acc *sites = malloc((size_t)cap * sizeof *sites);
    if (!sites) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    int n = mw_tile_sites_standalone(ts, ctx->min_pixels, sites);
    mw_status st = n < 0 ? mw_error_set(MW_ERR_NOMEM, "out of memory") : MW_OK;
    if (st == MW_OK && n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items)))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; st == MW_OK && i < n; i++) {
        mw_rect win = mw_scan_site_window(ctx, &sites[i]);
        mw_rect in = mw_rect_intersect(win, wk->win.r);
        if (in.x != win.x || in.y != win.y || in.w != win.w || in.h != win.h) continue;  /* after the wave */
        double t0 = omp_get_wtime();
        st = mw_window_extract(wk, win);
        wk->t_sites += omp_get_wtime() - t0;
        mw_site_pre *p = &out->items[out->n];
        if (st == MW_OK) st = mw_site_measure_window(ctx, wk, ll, &sites[i], &wk->sub, mask, mask_cap, &p->slot);
        if (st == MW_OK) {
            p->seed = sites[i].seed;
            p->acc = sites[i];
            out->n++;
        }
    }
    free(sites);
    return st;
}

/* The sites complete after wave @p ty that no tile measured (wave_sites.c),
 * as empty entries of @p out for the wave's parallel loop to measure. */
static mw_status wave_sites(mw_scan_ctx *ctx, mw_tile_sites *const *tiles, const tile_pre *pre, int tiles_x,
                            int tiles_y, int ty, tile_pre *out)
{
    const int ty0 = ty > 0 ? ty - 1 : 0;
    size_t ndone = 0;
    for (int i = ty0 * tiles_x; i < (ty + 1) * tiles_x; i++) ndone += (size_t)pre[i].n;
    int64_t *done = malloc((ndone ? ndone : 1) * sizeof *done);
    if (!done) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    ndone = 0;
    for (int i = ty0 * tiles_x; i < (ty + 1) * tiles_x; i++)
        for (int j = 0; j < pre[i].n; j++) done[ndone++] = pre[i].items[j].seed;
    qsort(done, ndone, sizeof *done, mw_cmp_seed);
    mw_site_acc *found = NULL;
    int n = 0;
    mw_status st = mw_wave_sites_find(ctx, tiles, tiles_x, tiles_y, ty, done, (int)ndone, &found, &n);
    free(done);
    if (st == MW_OK && n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items)))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; st == MW_OK && i < n; i++) {
        out->items[i].seed = found[i].seed;
        out->items[i].acc = found[i];
    }
    if (st == MW_OK) out->n = n;
    free(found);
    return st;
}

/* Move the measured sites of @p n lists to ctx->pre (room made by the caller). */
static void pre_move(mw_scan_ctx *ctx, tile_pre *lists, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lists[i].n) memcpy(ctx->pre + ctx->npre, lists[i].items, (size_t)lists[i].n * sizeof *ctx->pre);
        ctx->npre += lists[i].n;
        lists[i].n = 0;
    }
}

/* Free @p n lists and what is left in them (NULL: nothing). */
static void pre_free(tile_pre *lists, size_t n)
{
    if (!lists) return;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < lists[i].n; j++) mw_alert_clear(&lists[i].items[j].slot.alert);
        free(lists[i].items);
    }
    free(lists);
}

typedef struct wave_rows {
    uint8_t *cls;
    float *d[4];  /* dndvi, dndti, dbsi, dmndwi */
} wave_rows;

static void copy_core(const mw_window *w, mw_rect core, int wave_y0, int width, wave_rows *rows)
{
    const float *src[4] = {w->dndvi, w->dndti, w->dbsi, w->dmndwi};
    for (int y = 0; y < core.h; y++) {
        size_t from = (size_t)(core.y + y - w->r.y) * w->r.w + (core.x - w->r.x);
        size_t to = (size_t)(core.y + y - wave_y0) * width + core.x;
        memcpy(rows->cls + to, w->cls + from, (size_t)core.w);
        for (int k = 0; k < 4; k++) memcpy(rows->d[k] + to, src[k] + from, (size_t)core.w * sizeof(float));
    }
}

mw_status mw_tile_pass(mw_scan_ctx *ctx, double p0, double p1)
{
    const mw_grid *g = &ctx->grid;
    const int ts = ctx->opt->tile_size;
    const int tiles_x = (g->width + ts - 1) / ts, tiles_y = (g->height + ts - 1) / ts;
    mw_tile_sites **tiles = calloc((size_t)tiles_x * tiles_y, sizeof *tiles);
    long long(*counts)[MW_CLASS_COUNT + 1] = calloc((size_t)ctx->nthreads, sizeof *counts);
    tile_pre *pre = calloc((size_t)tiles_x * tiles_y, sizeof *pre);
    tile_pre *wave = calloc((size_t)tiles_y, sizeof *wave);  /* sites measured after each wave */
    /* Blocks are kept for a site's whole window around the strip. */
    const int halo = ctx->site_halo > ctx->radius ? ctx->site_halo : ctx->radius;
    wave_rows rowbuf[2];
    memset(rowbuf, 0, sizeof rowbuf);
    int pending = -1;  /* tile row whose rows wait in rowbuf[pending & 1] */
    mw_status st = MW_OK;
    if (!tiles || !counts || !pre || !wave) {
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (ctx->opt->change_raster) {
        size_t n = (size_t)ts * g->width;
        int ok = 1;
        for (int j = 0; j < 2; j++) {
            ok = ok && (rowbuf[j].cls = malloc(n));
            for (int k = 0; k < 4; k++) ok = ok && (rowbuf[j].d[k] = malloc(n * sizeof(float)));
        }
        if (!ok) {
            st = mw_error_set(MW_ERR_NOMEM, "out of memory for the change raster rows");
            goto done;
        }
        st = mw_change_raster_create(ctx->opt->change_raster, g->width, g->height, g->gt, g->crs_wkt, &ctx->raster);
        if (st != MW_OK) goto done;
    }

    double t0 = omp_get_wtime();
    /* Iteration ty == tiles_y only measures the last wave's sites. */
    for (int ty = 0; ty <= tiles_y && st == MW_OK; ty++) {
        mw_first_error err = {0};
        const int has_tiles = ty < tiles_y;
        /* The wave's windows: one strip of the grid with the halo. The two
         * strips above stay decoded: the previous wave's sites, measured
         * in this wave's decode loop, lie in them (wave_sites.c). */
        mw_rect all_rect = {0, 0, g->width, g->height};
        const int ty0 = ty > 1 ? ty - 2 : 0, ty1 = has_tiles ? ty : tiles_y - 1;
        mw_rect strip = mw_rect_intersect(
            mw_rect_expand((mw_rect){0, ty0 * ts, g->width, (ty1 - ty0 + 1) * ts}, halo), all_rect);
        int jobs = 0;
        st = mw_scan_plan_blocks(ctx, &strip, 1, &jobs);
        if (st != MW_OK) break;
        /* Sites of the previous wave first: larger and uneven, they
         * balance best before the many small decode jobs. */
        const int nprev = ty > 0 ? wave[ty - 1].n : 0;
#pragma omp parallel num_threads(ctx->nthreads)
        {
            int t = omp_get_thread_num();
            mw_worker *wk = &ctx->workers[t];
            CPLPushErrorHandler(CPLQuietErrorHandler);
            mw_lonlat *ll = NULL;
            uint8_t *mask = NULL;
            size_t mask_cap = 0;
            mw_status s_ll = mw_worker_lonlat(wk, ctx->grid.crs_wkt, &ll);
            /* 0. Thread 0 writes the previous wave's rows meanwhile. */
            if (t == 0 && pending >= 0) {
                int y0 = pending * ts, h = g->height - y0 < ts ? g->height - y0 : ts;
                const wave_rows *rw = &rowbuf[pending & 1];
                mw_status s = mw_change_raster_write_rows(ctx->raster, y0, h, rw->cls, rw->d[0], rw->d[1],
                                                          rw->d[2], rw->d[3]);
                if (s != MW_OK) {
                    mw_first_error_record(&err, s);
                }
            }
            /* 1. Decode every block of the wave once, shared by all threads;
             * meanwhile, measure the previous wave's sites (their blocks
             * are decoded already and stay). */
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < nprev + jobs; i++) {
                if (mw_first_error_seen(&err)) continue;
                mw_status s;
                if (i < nprev) {
                    mw_site_pre *p = &wave[ty - 1].items[i];
                    s = s_ll != MW_OK ? s_ll : mw_scan_measure_site(ctx, wk, ll, &p->acc, &mask, &mask_cap, &p->slot);
                } else {
                    double tf0 = omp_get_wtime();
                    s = mw_scan_fill_block(ctx, wk, i - nprev);
                    wk->t_read += omp_get_wtime() - tf0;
                }
                if (s != MW_OK) {
                    mw_first_error_record(&err, s);
                }
            }
            /* 2. The tiles. */
#pragma omp for schedule(dynamic, 1)
            for (int tx = 0; tx < (has_tiles ? tiles_x : 0); tx++) {
                if (mw_first_error_seen(&err)) continue;
                mw_rect all = {0, 0, g->width, g->height};
                mw_rect core = mw_rect_intersect((mw_rect){tx * ts, ty * ts, ts, ts}, all);
                mw_rect area = mw_rect_intersect(mw_rect_expand(core, ctx->radius), all);
                mw_status s = mw_window_compute(wk, g, area, ctx->aoi, ctx->params, &ctx->shift);
                if (s == MW_OK) {
                    const mw_window *w = &wk->win;
                    /* with an AOI, windows outside it read no pixels: the overview reads afterwards */
                    if (ctx->evidence && !ctx->aoi) mw_evidence_quicklook_add(ctx->evidence, core, area, &w->after);
                    double ts0 = omp_get_wtime();
                    for (int y = 0; y < core.h; y++) {
                        size_t off = (size_t)(core.y + y - area.y) * area.w + (core.x - area.x);
                        for (int x = 0; x < core.w; x++) {
                            counts[t][w->cls[off + x]]++;
                            counts[t][MW_CLASS_COUNT] += w->valid[off + x];
                        }
                    }
                    mw_label_input in = {
                        .core = core, .area = area, .cls = w->cls, .dndvi = w->dndvi, .dndti = w->dndti,
                        .dbsi = w->dbsi, .dmndwi = w->dmndwi, .radius = ctx->radius,
                        .grid_w = g->width, .grid_h = g->height, .min_pixels = ctx->min_pixels};
                    s = mw_tile_sites_label(&in, &tiles[(size_t)ty * tiles_x + tx]);
                    wk->t_sites += omp_get_wtime() - ts0;  /* premeasure counts itself */
                    if (s == MW_OK) s = s_ll;
                    if (s == MW_OK)
                        s = premeasure(ctx, wk, ll, tiles[(size_t)ty * tiles_x + tx], &mask, &mask_cap,
                                       &pre[(size_t)ty * tiles_x + tx]);
                    if (s == MW_OK && ctx->raster) copy_core(w, core, ty * ts, g->width, &rowbuf[ty & 1]);
                }
                if (s != MW_OK) {
                    mw_first_error_record(&err, s);
                }
            }
            /* 3. The sites complete now that no tile measured: measured
             * in the next wave's decode loop. */
#pragma omp single
            if (has_tiles && !mw_first_error_seen(&err)) {
                mw_status s = wave_sites(ctx, tiles, pre, tiles_x, tiles_y, ty, &wave[ty]);
                if (s != MW_OK) mw_first_error_record(&err, s);
            }
            free(mask);
            CPLPopErrorHandler();
        }
        if (err.failed) {
            st = mw_first_error_raise(&err);
            break;
        }
        if (!has_tiles) break;
        /* The last wave's rows are written while its sites are measured. */
        if (ctx->raster) pending = ty;
        st = mw_scan_progress(ctx, p0 + (p1 - p0) * 0.95 * (ty + 1) / tiles_y, "classifying tiles");
    }
    ctx->t_tiles = omp_get_wtime() - t0;
    {
        int none;
        mw_status s2 = mw_scan_plan_blocks(ctx, NULL, 0, &none);  /* give the blocks back */
        if (st == MW_OK) st = s2;
    }
    if (st != MW_OK) goto done;

    for (int t = 0; t < ctx->nthreads; t++) {
        for (int c = 0; c < MW_CLASS_COUNT; c++) ctx->class_pixels[c] += counts[t][c];
        ctx->valid_pixels += counts[t][MW_CLASS_COUNT];
    }
    t0 = omp_get_wtime();
    st = mw_sites_merge(tiles, tiles_x, tiles_y, ctx->min_pixels, &ctx->sites);
    ctx->t_merge = omp_get_wtime() - t0;
    if (st == MW_OK) {
        /* The sites measured by the tiles, by seed, for the site pass. */
        size_t total = 0;
        for (size_t i = 0; i < (size_t)tiles_x * tiles_y; i++) total += (size_t)pre[i].n;
        for (int i = 0; i < tiles_y; i++) total += (size_t)wave[i].n;
        ctx->pre = malloc((total ? total : 1) * sizeof *ctx->pre);
        if (!ctx->pre) {
            st = mw_error_set(MW_ERR_NOMEM, "out of memory");
            goto done;
        }
        pre_move(ctx, pre, (size_t)tiles_x * tiles_y);
        pre_move(ctx, wave, (size_t)tiles_y);
        qsort(ctx->pre, (size_t)ctx->npre, sizeof *ctx->pre, mw_cmp_seed);
    }

done:
    pre_free(pre, (size_t)tiles_x * tiles_y);
    pre_free(wave, (size_t)tiles_y);
    if (tiles)
        for (size_t i = 0; i < (size_t)tiles_x * tiles_y; i++) mw_tile_sites_destroy(tiles[i]);
    free(tiles);
    free(counts);
    for (int j = 0; j < 2; j++) {
        free(rowbuf[j].cls);
        for (int k = 0; k < 4; k++) free(rowbuf[j].d[k]);
    }
    return st;
}
