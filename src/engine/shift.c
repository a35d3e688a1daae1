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
 *     thread count, and cheap next to the full pass. The windows go in
 *     waves, the main thread polling for cancellation between them.
 *  2. Keep each clear pixel's index changes, quantised to 0.001 (8 bytes
 *     a pixel, 34 MB at most), leaving out pixels whose water state
 *     differs between the dates (change whatever the shift).
 *  3. The shift: medians over the pixels that stay stable under it
 *     (change/stable_shift.c), held within a bound per index. Integer
 *     histograms: the result does not depend on the order of the work.
 *  4. Also count sampled pixels whose indices are identical at both
 *     dates: the same image given twice.
 */
#include "mw_engine.h"
#include "mw_first_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <omp.h>

#include "change/mw_stable_shift.h"
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

/* The samples of window @p w (step 2): appended to *run. */
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

/* Step 1's windows: *nx across, rectangle i by window_rect(). */
typedef struct lattice {
    int sx, sy, ex, ey, nx, ny;
} lattice;

static lattice make_lattice(const mw_grid *grid, const mw_scene *after)
{
    lattice l;
    int bx, by;
    mw_scene_block_size(after, grid, &bx, &by);
    if (bx < SAMPLE_EDGE) bx = SAMPLE_EDGE;
    if (by < SAMPLE_EDGE) by = SAMPLE_EDGE;
    lattice_side(grid->width, bx, &l.sx, &l.ex);
    lattice_side(grid->height, by, &l.sy, &l.ey);
    l.nx = (grid->width + l.sx - 1) / l.sx, l.ny = (grid->height + l.sy - 1) / l.sy;
    return l;
}

static mw_rect window_rect(const lattice *l, const mw_grid *grid, int i)
{
    mw_rect r = {(i % l->nx) * l->sx, (i / l->nx) * l->sy, l->ex, l->ey};
    mw_rect all = {0, 0, grid->width, grid->height};
    return mw_rect_intersect(r, all);
}

mw_status mw_estimate_shift(mw_worker *workers, int nthreads, const mw_grid *grid, const mw_scene *after,
                            const mw_aoi *aoi, const mw_change_params *params, mw_poll_fn poll, void *poll_arg,
                            mw_shift_estimate *out)
{
    memset(out, 0, sizeof *out);
    lattice l = make_lattice(grid, after);
    int nwin = l.nx * l.ny;
    mw_shift_run *runs = calloc((size_t)nwin, sizeof *runs);
    long long *valid = calloc((size_t)nwin * 2, sizeof *valid);  /* valid, identical per window */
    if (!runs || !valid) {
        free(runs);
        free(valid);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    mw_first_error err = {0};
    mw_status st = MW_OK;
    const int wave = nthreads * 4;
    for (int w0 = 0; w0 < nwin && st == MW_OK; w0 += wave) {
        int w1 = w0 + wave < nwin ? w0 + wave : nwin;
#pragma omp parallel num_threads(nthreads)
        {
            mw_worker *wk = &workers[omp_get_thread_num()];
            CPLPushErrorHandler(CPLQuietErrorHandler);  /* errors come back as statuses */
#pragma omp for schedule(dynamic, 1)
            for (int i = w0; i < w1; i++) {
                if (mw_first_error_seen(&err)) continue;
                mw_status ws = mw_window_compute(wk, grid, window_rect(&l, grid, i), aoi, NULL, NULL);
                if (ws == MW_OK && keep_samples(&wk->win, params, &runs[i], &valid[2 * i], &valid[2 * i + 1]))
                    ws = mw_error_set(MW_ERR_NOMEM, "out of memory");
                if (ws != MW_OK) mw_first_error_record(&err, ws);
            }
            CPLPopErrorHandler();
        }
        if (err.failed) st = mw_first_error_raise(&err);
        else if (poll) st = poll(poll_arg, (double)w1 / nwin);
    }
    if (st == MW_OK) {
        for (int i = 0; i < nwin; i++) out->sampled += valid[2 * i], out->identical += valid[2 * i + 1];
        mw_stable_shift est;
        if (mw_stable_shift_estimate(params, runs, nwin, &est)) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        out->unsure = est.stable < MW_SHIFT_MIN_STABLE || est.stable * MW_SHIFT_MIN_STABLE_DEN < out->sampled;
        if (!out->unsure) out->shift = est.shift;
        out->stable = est.stable;
        out->clamped = est.clamped;
        out->iterations = est.iterations;
    }
    for (int i = 0; i < nwin; i++) free((void *)runs[i].s);
    free(runs);
    free(valid);
    return st;
}
