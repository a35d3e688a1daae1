/*
 * Pass 2: every tile of the target grid, in parallel: a client of the
 * scheduler (mw_pool.h), two waves per tile row. Its jobs: the tiles (the
 * row's first wave), the overlap job writing rows, after the tiles the
 * search for sites complete by then, and their measurement (the row's
 * second wave); the merge of all tiles ends the pass.
 *
 * General plan
 *  1. Tiles are taken one tile row at a time (a wave); the tiles of a
 *     wave run in parallel, each thread with its own GDAL handles. A wave
 *     decodes the blocks its reads touch and keeps those the next wave
 *     reads, no others (plan_wave): memory follows a tile row.
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
 *     (wave_sites.c) and measured in a second wave of the row, which
 *     plans their windows alone: in the tiles' wave they held blocks of
 *     the row above beside the whole strip. The site pass measures what
 *     is left.
 *  2c. Slow blocks (JPEG 2000: a 1024 px tile, 16 times the pixels of a
 *     256 px DEFLATE block and each far slower to decode;
 *     mw_pool_slow_blocks): every wave also keeps every held block from
 *     keep_row down (its keep rectangle; the windows of sites the next row
 *     may complete are not planned then, they lie below keep_row). The
 *     tiles the shift pass decoded wait there for the tiles to reach them;
 *     rows above the tile row stay while a site that may still grow
 *     downwards has its window there, so that wave_sites can measure it
 *     from held blocks once it is complete (merging the tile rows from
 *     keep_row down). Kept rows and the next tile row touch three rows of
 *     blocks at most (keep_floor); a site reaching higher goes to the site
 *     pass. Each tile is so decoded once per scan. Which sites are
 *     measured early changes no byte (the site pass checks each against
 *     the merge).
 *  3. The wave's rows go to one of two row buffers; thread 0 writes the
 *     previous row's rows (compression included) at the start of the next
 *     row's tiles (the pool's overlap job), while the other threads decode and
 *     classify, so the writing overlaps the work. Rows are written in order
 *     by one thread, so output bytes do not depend on which thread ran which
 *     tile. Memory: two row buffers of tile x width x 17 bytes.
 *  4. The component pieces of all tiles are merged into sites. The change
 *     raster stays open (as a temporary file) until the alerts are written.
 */
#include "mw_scan_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "core/mw_error.h"
#include "output/mw_output.h"

/* Sites a tile (or a wave) measured. */
typedef struct tile_pre {
    int n;
    mw_site_pre *items;
} tile_pre;

typedef struct wave_rows {
    uint8_t *cls;
    float *d[4];  /* dndvi, dndti, dbsi, dmndwi */
} wave_rows;

/* The pass's state, shared by its callbacks. */
typedef struct tile_pass {
    const mw_scan_setup *s;
    mw_tile_result *out;
    int ts, tiles_x, tiles_y, nthreads;
    int halo;                                /* slow: blocks are kept for a site's whole window */
    mw_tile_sites **tiles;                   /* components of each tile */
    long long (*counts)[MW_CLASS_COUNT + 1]; /* per thread: class pixels, then valid pixels */
    tile_pre *pre;                           /* per tile: sites it measured itself */
    tile_pre *wave;                          /* per wave: sites measured after it */
    wave_rows rowbuf[2];
    int pending;                             /* tile row whose rows wait in rowbuf[pending & 1] */
    int ty, phase;                           /* the current wave: tile row, first or second */
    mw_rect *open;                           /* windows of sites the next row may complete */
    int nopen;
    mw_rect *rects;                          /* what the current wave reads */
    int rects_cap;
    int slow;                                /* slow blocks (JPEG 2000): keep them, see plan step 2c */
    int keep_row;                            /* slow: blocks from this grid row down stay held */
    int block_rows;                          /* slow: height of a block in grid rows (keep_floor) */
    mw_rect keep;
    double p0, p1;
} tile_pass;

/* Measure the tile's standalone sites (see plan step 2) whose windows lie
 * inside the window computed for it; the others are measured after the wave. */
static mw_status premeasure(const mw_scan_setup *s, mw_worker *wk, const mw_tile_sites *ts, tile_pre *out)
{
    int cap = mw_tile_sites_count(ts);
    if (cap == 0) return MW_OK;
    mw_site_acc *sites = malloc((size_t)cap * sizeof *sites);
    if (!sites) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    int n = mw_tile_sites_standalone(ts, s->min_pixels, sites);
    mw_status st = n < 0 ? mw_error_set(MW_ERR_NOMEM, "out of memory") : MW_OK;
    if (st == MW_OK && n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items)))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; st == MW_OK && i < n; i++) {
        mw_rect win = mw_site_window_of(s, &sites[i]);
        mw_rect in = mw_rect_intersect(win, wk->win.r);
        if (in.x != win.x || in.y != win.y || in.w != win.w || in.h != win.h) continue;  /* after the wave */
        double t0 = omp_get_wtime();
        st = mw_window_extract(wk, win);
        wk->t_sites += omp_get_wtime() - t0;
        mw_site_pre *p = &out->items[out->n];
        if (st == MW_OK) st = mw_site_measure_window(s, wk, &sites[i], &wk->sub, &p->slot);
        if (st == MW_OK) {
            p->seed = sites[i].seed;
            p->acc = sites[i];
            out->n++;
        }
    }
    free(sites);
    return st;
}

/* With slow blocks: the highest grid row tile row @p ty + 1 may keep for
 * a growing site. Kept rows and that row's reads touch three rows of
 * blocks at most: a tall site (a 1046 px window on the bench's .SAFE)
 * straddles three 1024 px rows. Blocks are taken to start at grid row 0, as a .SAFE's do:
 * this bounds memory, never what is read. */
static int keep_floor(const tile_pass *tp, int ty)
{
    const int bh = tp->block_rows, h = tp->s->grid->height;
    const int bottom = (ty + 2) * tp->ts + tp->halo - 1;
    return ((bottom < h ? bottom : h - 1) / bh - 2) * bh;
}

/* The tile rows tile row @p ty merges and the blocks it holds (plan step 2c). */
static mw_wave_scope wave_scope(const tile_pass *tp, int ty)
{
    if (!tp->slow) return (mw_wave_scope){.ty = ty, .ty0 = ty > 0 ? ty - 1 : 0, .held_top = 0, .keep_floor = 0};
    return (mw_wave_scope){.ty = ty, .ty0 = tp->keep_row / tp->ts, .held_top = tp->keep_row,
                           .keep_floor = keep_floor(tp, ty)};
}

/* The sites complete after tile row @p ty that no tile measured
 * (wave_sites.c), as empty entries of @p out for the row's second wave to
 * measure; in tp->open the windows of the sites the next row may
 * complete; with slow blocks, the row from which the waves keep blocks. */
static mw_status wave_sites(tile_pass *tp, int ty, tile_pre *out)
{
    const mw_wave_scope sc = wave_scope(tp, ty);
    const int ty0 = sc.ty0, tiles_x = tp->tiles_x;
    size_t ndone = 0;
    for (int i = ty0 * tiles_x; i < (ty + 1) * tiles_x; i++) ndone += (size_t)tp->pre[i].n;
    int64_t *done = malloc((ndone ? ndone : 1) * sizeof *done);
    if (!done) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    ndone = 0;
    for (int i = ty0 * tiles_x; i < (ty + 1) * tiles_x; i++)
        for (int j = 0; j < tp->pre[i].n; j++) done[ndone++] = tp->pre[i].items[j].seed;
    qsort(done, ndone, sizeof *done, mw_cmp_seed);
    mw_site_acc *found = NULL;
    int n = 0, open_top = INT_MAX;
    free(tp->open);
    tp->open = NULL;
    tp->nopen = 0;
    mw_status st = mw_wave_sites_find(tp->s, tp->tiles, tiles_x, tp->tiles_y, &sc, done, (int)ndone, &found, &n,
                                      &tp->open, &tp->nopen, &open_top);
    free(done);
    if (st == MW_OK && n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items)))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; st == MW_OK && i < n; i++) {
        out->items[i].seed = found[i].seed;
        out->items[i].acc = found[i];
    }
    if (st == MW_OK) out->n = n;
    free(found);
    /* Released blocks are gone: the row only moves down. */
    const int next_top = (ty + 1) * tp->ts - tp->halo, want = open_top < next_top ? open_top : next_top;
    if (tp->slow && want > tp->keep_row) tp->keep_row = want;
    return st;
}

/* Move the measured sites of @p n lists to out->pre (room made by the caller). */
static void pre_move(mw_tile_result *out, tile_pre *lists, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lists[i].n) memcpy(out->pre + out->npre, lists[i].items, (size_t)lists[i].n * sizeof *out->pre);
        out->npre += lists[i].n;
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

/* Room for @p n rectangles in tp->rects. */
static mw_status rects_room(tile_pass *tp, int n)
{
    if (n <= tp->rects_cap) return MW_OK;
    mw_rect *q = realloc(tp->rects, (size_t)n * sizeof *q);
    if (!q) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    tp->rects = q;
    tp->rects_cap = n;
    return MW_OK;
}

/* Two waves per tile row (wave w: row w / 2), each decoding what it reads
 * and keeping what the next one reads, nothing more:
 *   first   the tiles: the row with the tiles' halo (radius), and the
 *           windows of the sites of the row above that this row may
 *           complete (kept from the previous wave);
 *   second  the sites the row completed that no tile measured: their
 *           windows, the windows of the sites the next row may complete,
 *           and the rows the next tile row's halo shares with this one.
 * One wave holding the tiles and the previous row's sites held the union
 * of both (and earlier the two tile rows above whole: three times the
 * blocks of a row, per scene). With slow blocks both also keep the held
 * blocks from keep_row down (plan step 2c). */
static mw_status plan_wave(void *arg, int w, mw_wave *wave)
{
    tile_pass *tp = arg;
    const mw_grid *g = tp->s->grid;
    const mw_rect all = {0, 0, g->width, g->height};
    const int ts = tp->ts, r = tp->s->radius, ty = w / 2;
    if (tp->tiles_y == 0) {  /* an empty grid: nothing to read */
        wave->last = 1;
        return MW_OK;
    }
    const tile_pre *left = &tp->wave[ty];
    tp->ty = ty;
    tp->phase = w % 2;
    mw_status st = rects_room(tp, tp->nopen + left->n + 1);
    if (st != MW_OK) return st;
    int n = 0;
    if (tp->phase == 0) {
        tp->rects[n++] = mw_rect_intersect(mw_rect_expand((mw_rect){0, ty * ts, g->width, ts}, r), all);
        wave->jobs[1] = tp->tiles_x;
    } else {
        for (int i = 0; i < left->n; i++) tp->rects[n++] = mw_site_window_of(tp->s, &left->items[i].acc);
        if (ty + 1 < tp->tiles_y)
            tp->rects[n++] = mw_rect_intersect((mw_rect){0, (ty + 1) * ts - r, g->width, 2 * r + 1}, all);
        wave->jobs[1] = left->n;
        wave->last = ty == tp->tiles_y - 1;
    }
    for (int i = 0; !tp->slow && i < tp->nopen; i++) tp->rects[n++] = tp->open[i];
    wave->rects = tp->rects;
    wave->nrects = n;
    if (tp->slow) {
        tp->keep = mw_rect_intersect((mw_rect){0, tp->keep_row, g->width, g->height - tp->keep_row}, all);
        wave->keep = &tp->keep;
        wave->nkeep = 1;
    }
    return MW_OK;
}

/* Job 1 (thread 0, beside the tiles of the next row, or the last row's
 * sites): write the previous row's rows. */
static mw_status write_rows(void *arg, int w)
{
    tile_pass *tp = arg;
    if (tp->pending < 0 || (w % 2 == 1 && w / 2 != tp->tiles_y - 1)) return MW_OK;
    const mw_grid *g = tp->s->grid;
    const int y0 = tp->pending * tp->ts, h = g->height - y0 < tp->ts ? g->height - y0 : tp->ts;
    const wave_rows *rw = &tp->rowbuf[tp->pending & 1];
    tp->pending = -1;
    return mw_change_raster_write_rows(tp->out->raster, y0, h, rw->cls, rw->d[0], rw->d[1], rw->d[2], rw->d[3]);
}

/* Job 3: tile (tx, ty): classes, counts, components, the sites it can
 * measure itself, its rows of the change raster. */
static mw_status tile_job(tile_pass *tp, mw_worker *wk, int t, int tx, int ty)
{
    const mw_scan_setup *s = tp->s;
    const mw_grid *g = s->grid;
    const int ts = tp->ts;
    const mw_rect all = {0, 0, g->width, g->height};
    const mw_rect core = mw_rect_intersect((mw_rect){tx * ts, ty * ts, ts, ts}, all);
    const mw_rect area = mw_rect_intersect(mw_rect_expand(core, s->radius), all);
    mw_status st = mw_window_compute(wk, g, area, s->aoi, s->params, &s->shift);
    if (st != MW_OK) return st;
    const mw_window *w = &wk->win;
    /* with an AOI, windows outside it read no pixels: the overview reads afterwards */
    if (s->evidence && !s->aoi) mw_evidence_quicklook_add(s->evidence, core, area, &w->after);
    double t0 = omp_get_wtime();
    for (int y = 0; y < core.h; y++) {
        size_t off = (size_t)(core.y + y - area.y) * area.w + (core.x - area.x);
        for (int x = 0; x < core.w; x++) {
            tp->counts[t][w->cls[off + x]]++;
            tp->counts[t][MW_CLASS_COUNT] += w->valid[off + x];
        }
    }
    const size_t k = (size_t)ty * tp->tiles_x + tx;
    mw_label_input in = {
        .core = core, .area = area, .cls = w->cls, .dndvi = w->dndvi, .dndti = w->dndti,
        .dbsi = w->dbsi, .dmndwi = w->dmndwi, .radius = s->radius,
        .grid_w = g->width, .grid_h = g->height, .min_pixels = s->min_pixels};
    st = mw_tile_sites_label(&in, &tp->tiles[k]);
    wk->t_sites += omp_get_wtime() - t0;  /* premeasure counts itself */
    if (st == MW_OK) st = premeasure(s, wk, tp->tiles[k], &tp->pre[k]);
    if (st == MW_OK && tp->out->raster) copy_core(w, core, ty * ts, g->width, &tp->rowbuf[ty & 1]);
    return st;
}

/* Stage 1: tile @p i of the row (first wave), or its site @p i left to
 * measure (second wave). */
static mw_status work(void *arg, mw_worker *wk, int t, int stage, int i)
{
    (void)stage;
    tile_pass *tp = arg;
    if (tp->phase == 0) return tile_job(tp, wk, t, i, tp->ty);
    mw_site_pre *p = &tp->wave[tp->ty].items[i];
    return mw_site_compute_measure(tp->s, wk, &p->acc, &p->slot);
}

static void free_scratch(void *arg, mw_worker *wk, int t)
{
    (void)arg, (void)t;
    mw_worker_free_scratch(wk);
}

/* Sites by bbox area, largest first, then by seed. */
static int larger_first(const void *a, const void *b)
{
    const mw_site_acc *x = &((const mw_site_pre *)a)->acc, *y = &((const mw_site_pre *)b)->acc;
    const int64_t ax = (int64_t)(x->x1 - x->x0 + 1) * (x->y1 - x->y0 + 1);
    const int64_t ay = (int64_t)(y->x1 - y->x0 + 1) * (y->y1 - y->y0 + 1);
    if (ax != ay) return ax > ay ? -1 : 1;
    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

/* Job 4, after the tiles of a row: the sites complete now that no tile
 * measured (the row's second wave measures them); the row's rows wait for
 * the overlap job of the next wave that writes. */
static mw_status after_wave(void *arg, int w, double *done, const char **msg)
{
    tile_pass *tp = arg;
    const int ty = w / 2;
    if (tp->tiles_y == 0) return MW_OK;
    if (w % 2 == 0) {
        mw_status st = wave_sites(tp, ty, &tp->wave[ty]);
        if (st != MW_OK) return st;
        /* Largest first, so the second wave does not end on one thread
         * measuring a large site while the others wait (each result goes
         * to its own slot; merge() sorts them by seed). */
        if (tp->wave[ty].n > 1) qsort(tp->wave[ty].items, (size_t)tp->wave[ty].n, sizeof *tp->wave[ty].items,
                                      larger_first);
        if (tp->out->raster) tp->pending = ty;
    }
    *done = tp->p0 + (tp->p1 - tp->p0) * 0.95 * (2 * ty + 1 + w % 2) / (2 * tp->tiles_y);
    *msg = "classifying tiles";
    return MW_OK;
}

/* The pass's buffers, and the change raster when one is asked for. */
static mw_status tile_pass_init(tile_pass *tp)
{
    const mw_grid *g = tp->s->grid;
    const size_t ntiles = (size_t)tp->tiles_x * tp->tiles_y;
    tp->tiles = calloc(ntiles, sizeof *tp->tiles);
    tp->counts = calloc((size_t)tp->nthreads, sizeof *tp->counts);
    tp->pre = calloc(ntiles, sizeof *tp->pre);
    tp->wave = calloc((size_t)tp->tiles_y, sizeof *tp->wave);
    if (!tp->tiles || !tp->counts || !tp->pre || !tp->wave) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (!tp->s->opt->change_raster) return MW_OK;
    size_t n = (size_t)tp->ts * g->width;
    int ok = 1;
    for (int j = 0; j < 2; j++) {
        ok = ok && (tp->rowbuf[j].cls = malloc(n));
        for (int k = 0; k < 4; k++) ok = ok && (tp->rowbuf[j].d[k] = malloc(n * sizeof(float)));
    }
    if (!ok) return mw_error_set(MW_ERR_NOMEM, "out of memory for the change raster rows");
    return mw_change_raster_create(tp->s->raster_path, g->width, g->height, g->gt, g->crs_wkt,
                                   &tp->out->raster);
}

static void tile_pass_free(tile_pass *tp)
{
    pre_free(tp->pre, (size_t)tp->tiles_x * tp->tiles_y);
    pre_free(tp->wave, (size_t)tp->tiles_y);
    if (tp->tiles)
        for (size_t i = 0; i < (size_t)tp->tiles_x * tp->tiles_y; i++) mw_tile_sites_destroy(tp->tiles[i]);
    free(tp->tiles);
    free(tp->counts);
    free(tp->rects);
    free(tp->open);
    for (int j = 0; j < 2; j++) {
        free(tp->rowbuf[j].cls);
        for (int k = 0; k < 4; k++) free(tp->rowbuf[j].d[k]);
    }
}

/* Step 4: the pixel counts, the sites merged across tiles, and every site
 * the tiles and waves measured, by seed, for the site pass. */
static mw_status merge(tile_pass *tp)
{
    mw_tile_result *out = tp->out;
    for (int t = 0; t < tp->nthreads; t++) {
        for (int c = 0; c < MW_CLASS_COUNT; c++) out->class_pixels[c] += tp->counts[t][c];
        out->valid_pixels += tp->counts[t][MW_CLASS_COUNT];
    }
    double t0 = omp_get_wtime();
    mw_status st = mw_sites_merge(tp->tiles, tp->tiles_x, tp->tiles_y, tp->s->min_pixels, &out->sites);
    out->t_merge = omp_get_wtime() - t0;
    if (st != MW_OK) return st;
    const size_t ntiles = (size_t)tp->tiles_x * tp->tiles_y;
    size_t total = 0;
    for (size_t i = 0; i < ntiles; i++) total += (size_t)tp->pre[i].n;
    for (int i = 0; i < tp->tiles_y; i++) total += (size_t)tp->wave[i].n;
    out->pre = malloc((total ? total : 1) * sizeof *out->pre);
    if (!out->pre) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    pre_move(out, tp->pre, ntiles);
    pre_move(out, tp->wave, (size_t)tp->tiles_y);
    qsort(out->pre, (size_t)out->npre, sizeof *out->pre, mw_cmp_seed);
    return MW_OK;
}

mw_status mw_tile_pass(const mw_scan_setup *s, mw_pool *pool, double p0, double p1, mw_tile_result *out)
{
    const mw_grid *g = s->grid;
    tile_pass tp = {.s = s, .out = out, .ts = s->opt->tile_size, .pending = -1, .p0 = p0, .p1 = p1,
                    .halo = s->site_halo > s->radius ? s->site_halo : s->radius};
    if ((tp.slow = mw_pool_slow_blocks(pool))) {
        int bx, by, bx2, by2;
        mw_scene_block_size(s->after, g, &bx, &by);
        mw_scene_block_size(s->before, g, &bx2, &by2);
        tp.block_rows = by > by2 ? by : by2;
    }
    tp.tiles_x = (g->width + tp.ts - 1) / tp.ts;
    tp.tiles_y = (g->height + tp.ts - 1) / tp.ts;
    tp.nthreads = mw_pool_threads(pool);
    mw_status st = tile_pass_init(&tp);
    if (st == MW_OK) {
        const mw_pool_client client = {.arg = &tp, .plan = plan_wave, .stop = free_scratch,
                                       .overlap = write_rows, .work = work, .after_wave = after_wave};
        double t0 = omp_get_wtime();
        st = mw_pool_run(pool, &client);
        out->t_tiles = omp_get_wtime() - t0;
    }
    if (st == MW_OK) st = merge(&tp);
    tile_pass_free(&tp);
    return st;
}

void mw_tile_result_clear(mw_tile_result *r)
{
    for (int i = 0; i < r->npre; i++)
        if (!r->pre[i].taken) mw_alert_clear(&r->pre[i].slot.alert);
    free(r->pre);
    mw_site_list_destroy(r->sites);
    mw_change_raster_abort(r->raster);
    memset(r, 0, sizeof *r);
}
