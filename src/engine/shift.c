/*
 * Pass 1: the scene-wide median shift of each index between the dates.
 *
 * Illumination, phenology and atmosphere move every pixel's indices a
 * little between two acquisitions; what matters is change beyond that.
 * The median of (after - before) over clear pixels is a robust estimate of
 * the common shift. It is taken on a fixed lattice of sample windows,
 * each inside one block of the input so a window costs one block decode
 * per band: at every 6th block across and down on a full tile (1 block in
 * 36), closer on smaller scenes so that 4 x 4 windows fit, each window the
 * whole block where that samples at most 4 % of the pixels: 4.2 M pixels
 * on a full Sentinel-2 tile, where 128 x 128 windows at every 3rd block
 * decoded a quarter of the tile's blocks a second time (0.64 s of a 9.5 s
 * scan) for 3.7 M. The lattice is independent of tile size and thread
 * count, and cheap next to the full pass. Histograms are integer counts,
 * merged by addition, so the result does not depend on the order of the
 * work either.
 */
#include "mw_scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

enum { SHIFT_BINS = 4000 };           /* 0.001 wide over [-2, 2] */
static const double SHIFT_LO = -2.0, SHIFT_BIN = 0.001;
enum { SAMPLE_EDGE = 128 };

static double hist_median(const long long *h, long long total)
{
    if (total == 0) return 0.0;
    long long half = (total + 1) / 2, acc = 0;
    for (int i = 0; i < SHIFT_BINS; i++) {
        acc += h[i];
        if (acc >= half) return SHIFT_LO + (i + 0.5) * SHIFT_BIN;
    }
    return 0.0;
}

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

/* The pass's state: the lattice and a histogram set per thread. */
typedef struct shift_pass {
    const mw_grid *grid;
    const mw_aoi *aoi;
    int nx, sx, sy, ex, ey, nwin;
    mw_rect *wins;                  /* the lattice's windows, clipped to the grid */
    long long (*hist)[SHIFT_BINS];  /* MW_INDEX_COUNT per thread */
} shift_pass;

/* One wave: the windows' blocks are planned, so the pool decodes each
 * block once for every thread. Read through the readers' own small
 * caches instead, a block two windows share was decoded by each thread
 * that met it: nothing on 256 px GeoTIFF blocks, but a JPEG 2000 tile is
 * 1024 px (four windows of a 5490 px scene fall in one; the pass cost
 * 2.5 times a whole read of the scene). */
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

/* Window @p i of the lattice into thread @p t's histograms. */
static mw_status sample(void *arg, mw_worker *wk, int t, int stage, int i)
{
    (void)stage;
    const shift_pass *sp = arg;
    const mw_grid *grid = sp->grid;
    long long(*h)[SHIFT_BINS] = sp->hist + (size_t)t * MW_INDEX_COUNT;
    mw_rect r = sp->wins[i];
    mw_status st = mw_window_compute(wk, grid, r, sp->aoi, NULL, NULL);
    if (st != MW_OK) return st;
    const mw_window *w = &wk->win;
    size_t n = (size_t)r.w * r.h;
    for (int k = 0; k < MW_INDEX_COUNT; k++) {
        const float *b = w->before_idx[k], *a = w->after_idx[k];
        for (size_t p = 0; p < n; p++) {
            if (!w->valid[p]) continue;
            float d = a[p] - b[p];
            if (!isfinite(d)) continue;
            /* Clamped as a double: a float of 1e38 is no int. */
            const double v = floor((d - SHIFT_LO) / SHIFT_BIN);
            const int bin = v < 0 ? 0 : v >= SHIFT_BINS ? SHIFT_BINS - 1 : (int)v;
            h[k][bin]++;
        }
    }
    return MW_OK;
}

mw_status mw_estimate_shift(mw_pool *pool, const mw_grid *grid, const mw_scene *after, const mw_aoi *aoi,
                            mw_index_shift *shift, long long *sampled_valid)
{
    memset(shift, 0, sizeof *shift);
    *sampled_valid = 0;
    const int nthreads = mw_pool_threads(pool);

    /* The lattice: windows at block origins (lattice_side). */
    int bx, by;
    mw_scene_block_size(after, grid, &bx, &by);
    if (bx < SAMPLE_EDGE) bx = SAMPLE_EDGE;
    if (by < SAMPLE_EDGE) by = SAMPLE_EDGE;
    shift_pass sp = {.grid = grid, .aoi = aoi};
    lattice_side(grid->width, bx, &sp.sx, &sp.ex);
    lattice_side(grid->height, by, &sp.sy, &sp.ey);
    sp.nx = (grid->width + sp.sx - 1) / sp.sx;
    sp.nwin = sp.nx * ((grid->height + sp.sy - 1) / sp.sy);

    long long(*hist)[SHIFT_BINS] = calloc((size_t)nthreads * MW_INDEX_COUNT, sizeof *hist);
    sp.wins = malloc((size_t)sp.nwin * sizeof *sp.wins);
    if (!hist || !sp.wins) {
        free(hist);
        free(sp.wins);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    mw_rect all = {0, 0, grid->width, grid->height};
    for (int i = 0; i < sp.nwin; i++)
        sp.wins[i] = mw_rect_intersect((mw_rect){(i % sp.nx) * sp.sx, (i / sp.nx) * sp.sy, sp.ex, sp.ey}, all);
    sp.hist = hist;
    const mw_pool_client client = {.arg = &sp, .plan = plan, .work = sample};
    mw_status st = mw_pool_run(pool, &client);
    free(sp.wins);
    if (st != MW_OK) {
        free(hist);
        return st;
    }
    for (int t = 1; t < nthreads; t++)
        for (int k = 0; k < MW_INDEX_COUNT; k++)
            for (int b = 0; b < SHIFT_BINS; b++) hist[k][b] += hist[(size_t)t * MW_INDEX_COUNT + k][b];
    long long total[MW_INDEX_COUNT] = {0};
    for (int k = 0; k < MW_INDEX_COUNT; k++)
        for (int b = 0; b < SHIFT_BINS; b++) total[k] += hist[k][b];
    shift->ndvi = (float)hist_median(hist[MW_INDEX_NDVI], total[MW_INDEX_NDVI]);
    shift->mndwi = (float)hist_median(hist[MW_INDEX_MNDWI], total[MW_INDEX_MNDWI]);
    shift->ndti = (float)hist_median(hist[MW_INDEX_NDTI], total[MW_INDEX_NDTI]);
    shift->bsi = (float)hist_median(hist[MW_INDEX_BSI], total[MW_INDEX_BSI]);
    *sampled_valid = total[MW_INDEX_NDVI];
    free(hist);
    return MW_OK;
}
