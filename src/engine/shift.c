/*
 * Pass 1: the shift of each index between the dates, from stable pixels.
 *
 * Illumination, phenology and atmosphere move every pixel's indices a
 * little between two acquisitions; what matters is change beyond that.
 * General plan:
 *  1. Sample a fixed lattice of windows, each inside one block of the
 *     input so a window costs one block decode per band: at every 6th
 *     block across and down on a full tile (1 block in 36), closer on
 *     smaller scenes so that 4 x 4 windows fit, each window the whole
 *     block where that samples at most 4 % of the pixels: 4.2 M pixels on
 *     a full Sentinel-2 tile, where 128 x 128 windows at every 3rd block
 *     decoded a quarter of the tile's blocks a second time (0.64 s of a
 *     9.5 s scan) for 3.7 M. The lattice is independent of tile size and
 *     thread count, and cheap next to the full pass; the scheduler polls
 *     for cancellation between its jobs.
 *  2. Keep each clear pixel's index changes, quantised to 0.001 (8 bytes
 *     a pixel, 34 MB at most), leaving out pixels whose water state
 *     differs between the dates (change whatever the shift).
 *  3. The shift: medians over the pixels that stay stable under it
 *     (change/stable_shift.c), held within a bound per index. Integer
 *     histograms: the result does not depend on the order of the work.
 *  4. Also count sampled pixels whose indices are identical at both
 *     dates: the same image given twice.
 */
#include "mw_scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "change/mw_change.h"
#include "core/mw_error.h"

enum { SAMPLE_EDGE = 128 };

/* The lattice along a side of @p size pixels with blocks of @p block
 * (see the plan): every s-th block for the largest s of 6..3 that fits 4
 * windows, a window being the whole block from s = 5 (at most 4 % of the
 * pixels sampled) and SAMPLE_EDGE square below; a side too short even
 * for s = 3 gets 4 windows of SAMPLE_EDGE a quarter of the side apart. */
static void lattice_side(int size, int block, int *step, int *edge)
{
    for (int s = 6; s >= 3; s--)
        if (size / (block * s) >= 4) {
            *step = block * s;
            *edge = s >= 5 ? block : SAMPLE_EDGE;
            return;
        }
    *step = size / 4 > SAMPLE_EDGE ? size / 4 : SAMPLE_EDGE;
    *edge = SAMPLE_EDGE;
}

_Static_assert((int)MW_INDEX_NDVI == (int)MW_SHIFT_NDVI && (int)MW_INDEX_MNDWI == (int)MW_SHIFT_MNDWI &&
                   (int)MW_INDEX_NDTI == (int)MW_SHIFT_NDTI && (int)MW_INDEX_BSI == (int)MW_SHIFT_BSI,
               "a sample's indices in the engine's order");

/* The pass's state: the lattice, and per window its samples and counts
 * (each window written by the one job that samples it). */
typedef struct shift_pass {
    const mw_grid *grid;
    const mw_aoi *aoi;
    const mw_change_params *params;
    int nx, sx, sy, ex, ey, nwin;
    mw_rect *wins;      /* the lattice's windows, clipped to the grid */
    mw_shift_run *runs;
    long long *counts;  /* per window: clear pixels, identical pixels */
} shift_pass;

/* One wave: the windows' blocks are planned, so the pool decodes each
 * block once for every thread. Read through the readers' own small
 * caches instead, a block two windows share was decoded by each thread
 * that met it: nothing on 256 px GeoTIFF blocks, but a JPEG 2000 tile is
 * 1024 px (four windows of a 5490 px scene fall in one; the pass cost
 * 2.5 times a whole read of the scene). Such slow blocks also stay
 * decoded after the pass (keep_blocks): the tile pass keeps them until its
 * tile rows read them, so each tile is decoded once per scan, not twice. */
static mw_status plan(void *arg, int wave, mw_wave *out)
{
    (void)wave;
    const shift_pass *sp = arg;
    out->rects = sp->wins;
    out->nrects = sp->nwin;
    out->jobs[1] = sp->nwin;
    out->last = 1;
    return MW_OK;
}

/* The samples of window @p w (step 2) into @p run; 0, or -1 out of memory. */
static int keep_samples(const mw_window *w, const mw_change_params *p, mw_shift_run *run, long long *valid,
                        long long *identical)
{
    size_t n = (size_t)w->r.w * w->r.h;
    mw_shift_sample *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!w->valid[i]) continue;
        float b[MW_INDEX_COUNT], a[MW_INDEX_COUNT];
        int same = 1;
        for (int j = 0; j < MW_INDEX_COUNT; j++) {
            b[j] = w->before_idx[j][i], a[j] = w->after_idx[j][i];
            same &= (a[j] == b[j]) | (isnan(a[j]) & isnan(b[j]));
        }
        if (isnan(b[MW_INDEX_NDVI]) || isnan(a[MW_INDEX_NDVI])) continue;  /* nodata to the classes */
        (*valid)++;
        *identical += same;
        if (mw_change_is_water(p, b[MW_INDEX_NDVI], b[MW_INDEX_MNDWI], b[MW_INDEX_NDTI]) !=
            mw_change_is_water(p, a[MW_INDEX_NDVI], a[MW_INDEX_MNDWI], a[MW_INDEX_NDTI]))
            continue;
        for (int j = 0; j < MW_INDEX_COUNT; j++) s[k].d[j] = mw_shift_quantize(a[j] - b[j]);
        k++;
    }
    mw_shift_sample *fit = realloc(s, (k ? k : 1) * sizeof *s);  /* keep only what is used */
    run->s = fit ? fit : s;
    run->n = k;
    return 0;
}

/* Window @p i of the lattice: its samples. */
static mw_status sample(void *arg, mw_worker *wk, int t, int stage, int i)
{
    (void)stage, (void)t;
    shift_pass *sp = arg;
    const mw_grid *grid = sp->grid;
    mw_rect r = sp->wins[i];
    mw_status st = mw_window_compute(wk, grid, r, sp->aoi, NULL, NULL);
    if (st != MW_OK) return st;
    if (keep_samples(&wk->win, sp->params, &sp->runs[i], &sp->counts[2 * i], &sp->counts[2 * i + 1]))
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    return MW_OK;
}

/* Step 3 over the samples of every window. */
static mw_status estimate(const shift_pass *sp, mw_shift_estimate *out)
{
    for (int i = 0; i < sp->nwin; i++) out->sampled += sp->counts[2 * i], out->identical += sp->counts[2 * i + 1];
    mw_stable_shift est;
    if (mw_stable_shift_estimate(sp->params, sp->runs, sp->nwin, &est)) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    out->unsure = est.stable < MW_SHIFT_MIN_STABLE || est.stable * MW_SHIFT_MIN_STABLE_DEN < out->sampled;
    if (!out->unsure) out->shift = est.shift;
    out->stable = est.stable;
    out->clamped = est.clamped;
    out->iterations = est.iterations;
    return MW_OK;
}

mw_status mw_estimate_shift(mw_pool *pool, const mw_grid *grid, const mw_scene *after, const mw_aoi *aoi,
                            const mw_change_params *params, mw_shift_estimate *out)
{
    memset(out, 0, sizeof *out);
    /* The lattice: windows at block origins (lattice_side). */
    int bx, by;
    mw_scene_block_size(after, grid, &bx, &by);
    if (bx < SAMPLE_EDGE) bx = SAMPLE_EDGE;
    if (by < SAMPLE_EDGE) by = SAMPLE_EDGE;
    shift_pass sp = {.grid = grid, .aoi = aoi, .params = params};
    lattice_side(grid->width, bx, &sp.sx, &sp.ex);
    lattice_side(grid->height, by, &sp.sy, &sp.ey);
    sp.nx = (grid->width + sp.sx - 1) / sp.sx;
    sp.nwin = sp.nx * ((grid->height + sp.sy - 1) / sp.sy);

    sp.runs = calloc((size_t)sp.nwin, sizeof *sp.runs);
    sp.counts = calloc((size_t)sp.nwin * 2, sizeof *sp.counts);
    sp.wins = malloc((size_t)sp.nwin * sizeof *sp.wins);
    mw_status st = sp.runs && sp.counts && sp.wins ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_rect all = {0, 0, grid->width, grid->height};
    for (int i = 0; st == MW_OK && i < sp.nwin; i++)
        sp.wins[i] = mw_rect_intersect((mw_rect){(i % sp.nx) * sp.sx, (i / sp.nx) * sp.sy, sp.ex, sp.ey}, all);
    const mw_pool_client client = {.arg = &sp, .plan = plan, .work = sample,
                                   .keep_blocks = mw_pool_slow_blocks(pool)};
    if (st == MW_OK) st = mw_pool_run(pool, &client);
    if (st == MW_OK) st = estimate(&sp, out);
    for (int i = 0; sp.runs && i < sp.nwin; i++) free((void *)sp.runs[i].s);
    free(sp.runs);
    free(sp.counts);
    free(sp.wins);
    return st;
}
