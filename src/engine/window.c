/*
 * One window of both dates: read, validity, indices, change classes.
 * The same function serves the shift sample, the tile pass and the site
 * pass, so a pixel gets the same class in all three.
 */
#include "mw_engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "alerts/mw_alerts.h"
#include "core/mw_error.h"
#include "indices/mw_indices.h"
#include "io/mw_io.h"

static void free_pixels(mw_scene_pixels *p)
{
    for (int i = 0; i < MW_BAND_MASK; i++) free(p->band[i]);
    free(p->valid);
    memset(p, 0, sizeof *p);
}

static void window_free(mw_window *w)
{
    free_pixels(&w->before);
    free_pixels(&w->after);
    for (int k = 0; k < w->nstack; k++) free_pixels(&w->stack[k]);
    free(w->stack);
    free(w->valid);
    for (int i = 0; i < MW_INDEX_COUNT; i++) {
        free(w->before_idx[i]);
        free(w->after_idx[i]);
    }
    free(w->cls);
    free(w->dndvi);
    free(w->dmndwi);
    free(w->dndti);
    free(w->dbsi);
    free(w->aoi);
    memset(w, 0, sizeof *w);
}

static int alloc_pixels(mw_scene_pixels *p, const mw_scene *s, size_t n)
{
    for (int i = 0; i < MW_BAND_MASK; i++)
        if (mw_scene_has_band(s, (mw_band_role)i) && !(p->band[i] = malloc(n * sizeof(float)))) return 0;
    return (p->valid = malloc(n)) != NULL;
}

/* Grow the window's buffers to hold n pixels (never shrinks). */
static mw_status window_reserve(mw_worker *wk, const mw_scene *before, const mw_scene *after, size_t n)
{
    mw_window *w = &wk->win;
    if (n <= w->cap) return MW_OK;
    window_free(w);
    const int nstack = wk->nbefore > 1 ? wk->nbefore : 0;
    int ok = (!nstack || (w->stack = calloc((size_t)nstack, sizeof *w->stack)));
    if (ok) w->nstack = nstack;
    for (int k = 0; ok && k < nstack; k++) ok = alloc_pixels(&w->stack[k], before, n);
    ok = ok && alloc_pixels(&w->before, before, n) && alloc_pixels(&w->after, after, n) &&
             (w->valid = malloc(n)) && (w->cls = malloc(n)) && (w->aoi = malloc(n)) &&
             (w->dndvi = malloc(n * sizeof(float))) && (w->dmndwi = malloc(n * sizeof(float))) &&
             (w->dndti = malloc(n * sizeof(float))) && (w->dbsi = malloc(n * sizeof(float)));
    for (int i = 0; ok && i < MW_INDEX_COUNT; i++)
        ok = (w->before_idx[i] = malloc(n * sizeof(float))) && (w->after_idx[i] = malloc(n * sizeof(float)));
    if (!ok) {
        window_free(w);
        return mw_error_set(MW_ERR_NOMEM, "out of memory for a %zu pixel window", n);
    }
    w->cap = n;
    return MW_OK;
}

mw_status mw_worker_init(mw_worker *w, const mw_scene *const *befores, int nbefore, const mw_scene *after,
                         const mw_grid *grid)
{
    memset(w, 0, sizeof *w);
    /* The befores have the same bands (mw_scan_run checks): the first speaks for all. */
    w->use_ndwi = !mw_scene_has_band(befores[0], MW_BAND_SWIR1) || !mw_scene_has_band(after, MW_BAND_SWIR1);
    if (!(w->befores = calloc((size_t)nbefore, sizeof *w->befores)))
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    w->nbefore = nbefore;
    mw_status st = MW_OK;
    for (int k = 0; st == MW_OK && k < nbefore; k++) st = mw_scene_reader_create(befores[k], grid, &w->befores[k]);
    w->before = w->befores[0];
    if (st == MW_OK) st = mw_scene_reader_create(after, grid, &w->after);
    if (st != MW_OK) mw_worker_clear(w);
    return st;
}

mw_status mw_worker_lonlat(mw_worker *w, const char *crs_wkt, mw_lonlat **out)
{
    *out = NULL;
    if (!w->ll) {
        mw_status st = mw_lonlat_create(crs_wkt, &w->ll);
        if (st != MW_OK) return st;
    }
    *out = w->ll;
    return MW_OK;
}

void mw_worker_free_scratch(mw_worker *w)
{
    free(w->mask);
    w->mask = NULL;
    w->mask_cap = 0;
}

void mw_worker_clear(mw_worker *w)
{
    mw_worker_free_scratch(w);
    mw_lonlat_destroy(w->ll);
    w->ll = NULL;
    window_free(&w->sub);
    for (int k = 0; k < w->nbefore; k++) mw_scene_reader_destroy(w->befores[k]);
    free(w->befores);
    w->befores = NULL;
    w->nbefore = 0;
    mw_scene_reader_destroy(w->after);
    window_free(&w->win);
    w->before = w->after = NULL;
}

static void all_nan(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) v[i] = NAN;
}

static void compute_indices(const mw_scene_pixels *p, float *idx[MW_INDEX_COUNT], int use_ndwi, size_t n)
{
    float *const *b = p->band;
    const int nn = (int)n;
    mw_ndvi_row(b[MW_BAND_RED], b[MW_BAND_NIR], idx[MW_INDEX_NDVI], nn);
    if (use_ndwi)
        mw_ndwi_row(b[MW_BAND_GREEN], b[MW_BAND_NIR], idx[MW_INDEX_MNDWI], nn);
    else
        mw_mndwi_row(b[MW_BAND_GREEN], b[MW_BAND_SWIR1], idx[MW_INDEX_MNDWI], nn);
    mw_ndti_row(b[MW_BAND_RED], b[MW_BAND_GREEN], idx[MW_INDEX_NDTI], nn);
    if (b[MW_BAND_SWIR1] && b[MW_BAND_BLUE])
        mw_bsi_row(b[MW_BAND_BLUE], b[MW_BAND_RED], b[MW_BAND_NIR], b[MW_BAND_SWIR1], idx[MW_INDEX_BSI], nn);
    else
        all_nan(idx[MW_INDEX_BSI], n);
}

/* The median of the k values of v (sorted in place); NaN when k is 0. An
 * even count takes the mean of the middle two: no order of the befores
 * changes a bit of it. */
static float median_of(float *v, int k)
{
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            float t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    if (k == 0) return NAN;
    return k % 2 ? v[k / 2] : 0.5f * (v[k / 2 - 1] + v[k / 2]);
}

/* The before pixels of window r: one scene's as read, or with several the
 * per-pixel, per-band median of the befores that are clear there (none
 * clear: invalid). Each before is read by its own reader. */
static mw_status read_before(mw_worker *wk, mw_rect r, size_t n)
{
    mw_window *w = &wk->win;
    if (wk->nbefore == 1) return mw_scene_reader_read(wk->before, r, &w->before);
    for (int k = 0; k < wk->nbefore; k++) {
        mw_status st = mw_scene_reader_read(wk->befores[k], r, &w->stack[k]);
        if (st != MW_OK) return st;
    }
    float v[MW_MAX_BEFORES];
    const int nb = wk->nbefore < MW_MAX_BEFORES ? wk->nbefore : MW_MAX_BEFORES;
    for (size_t i = 0; i < n; i++) {
        int clear = 0;
        for (int k = 0; k < nb; k++) clear |= w->stack[k].valid[i];
        w->before.valid[i] = (uint8_t)(clear != 0);
        for (int b = 0; b < MW_BAND_MASK; b++) {
            if (!w->before.band[b]) continue;
            int m = 0;
            for (int k = 0; k < nb; k++) {
                const float x = w->stack[k].band[b][i];
                if (w->stack[k].valid[i] && !isnan(x)) v[m++] = x;
            }
            w->before.band[b][i] = median_of(v, m);
        }
    }
    return MW_OK;
}

mw_status mw_window_compute(mw_worker *wk, const mw_grid *grid, mw_rect r, const mw_aoi *aoi,
                            const mw_change_params *params, const mw_index_shift *shift)
{
    const size_t n = (size_t)r.w * r.h;
    mw_status st = window_reserve(wk, mw_scene_reader_scene(wk->before), mw_scene_reader_scene(wk->after), n);
    if (st != MW_OK) return st;
    mw_window *w = &wk->win;
    w->r = r;

    double t0 = omp_get_wtime();
    long long inside = (long long)n;
    if (aoi) {
        st = mw_aoi_rasterize(aoi, grid, r, w->aoi, &inside);
        if (st != MW_OK) return st;
    }
    if (inside == 0) {
        /* Nothing of this window is in the AOI: no read at all. */
        memset(w->valid, 0, n);
        memset(w->cls, MW_CLASS_NODATA, n);
        all_nan(w->dndvi, n);
        all_nan(w->dmndwi, n);
        all_nan(w->dndti, n);
        all_nan(w->dbsi, n);
        for (int i = 0; i < MW_INDEX_COUNT; i++) {
            all_nan(w->before_idx[i], n);
            all_nan(w->after_idx[i], n);
        }
        return MW_OK;
    }
    st = read_before(wk, r, n);
    if (st == MW_OK) st = mw_scene_reader_read(wk->after, r, &w->after);
    if (st != MW_OK) return st;
    double t1 = omp_get_wtime();
    wk->t_read += t1 - t0;

    for (size_t i = 0; i < n; i++) w->valid[i] = w->before.valid[i] & w->after.valid[i];
    if (aoi)
        for (size_t i = 0; i < n; i++) w->valid[i] &= w->aoi[i];
    compute_indices(&w->before, w->before_idx, wk->use_ndwi, n);
    compute_indices(&w->after, w->after_idx, wk->use_ndwi, n);
    if (params) {
        mw_index_rows b = {w->before_idx[0], w->before_idx[1], w->before_idx[2], w->before_idx[3]};
        mw_index_rows a = {w->after_idx[0], w->after_idx[1], w->after_idx[2], w->after_idx[3]};
        mw_change_rows out = {w->cls, w->dndvi, w->dmndwi, w->dndti, w->dbsi};
        mw_change_classify_row(params, shift, &b, &a, w->valid, &out, (int)n);
    }
    wk->t_compute += omp_get_wtime() - t1;
    return MW_OK;
}

mw_status mw_window_extract(mw_worker *wk, mw_rect r)
{
    const mw_window *w = &wk->win;
    mw_window *o = &wk->sub;
    mw_rect in = mw_rect_intersect(r, w->r);
    if (in.x != r.x || in.y != r.y || in.w != r.w || in.h != r.h)
        return mw_error_set(MW_ERR_INTERNAL, "window extract outside the window");
    const size_t n = (size_t)r.w * r.h;
    if (n > o->cap) {
        window_free(o);
        int ok = (o->valid = malloc(n)) && (o->cls = malloc(n)) && (o->dndvi = malloc(n * sizeof(float))) &&
                 (o->dmndwi = malloc(n * sizeof(float))) && (o->dndti = malloc(n * sizeof(float))) &&
                 (o->dbsi = malloc(n * sizeof(float)));
        for (int i = 0; ok && i < MW_INDEX_COUNT; i++)
            ok = (o->before_idx[i] = malloc(n * sizeof(float))) && (o->after_idx[i] = malloc(n * sizeof(float)));
        if (!ok) {
            window_free(o);
            return mw_error_set(MW_ERR_NOMEM, "out of memory for a %zu pixel window", n);
        }
        o->cap = n;
    }
    o->r = r;
    const float *fs[4 + 2 * MW_INDEX_COUNT] = {w->dndvi, w->dmndwi, w->dndti, w->dbsi};
    float *fd[4 + 2 * MW_INDEX_COUNT] = {o->dndvi, o->dmndwi, o->dndti, o->dbsi};
    for (int i = 0; i < MW_INDEX_COUNT; i++) {
        fs[4 + i] = w->before_idx[i];
        fd[4 + i] = o->before_idx[i];
        fs[4 + MW_INDEX_COUNT + i] = w->after_idx[i];
        fd[4 + MW_INDEX_COUNT + i] = o->after_idx[i];
    }
    for (int y = 0; y < r.h; y++) {
        size_t from = (size_t)(r.y + y - w->r.y) * w->r.w + (r.x - w->r.x), to = (size_t)y * r.w;
        memcpy(o->valid + to, w->valid + from, (size_t)r.w);
        memcpy(o->cls + to, w->cls + from, (size_t)r.w);
        for (int k = 0; k < 4 + 2 * MW_INDEX_COUNT; k++)
            memcpy(fd[k] + to, fs[k] + from, (size_t)r.w * sizeof(float));
    }
    return MW_OK;
}
