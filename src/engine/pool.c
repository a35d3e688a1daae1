/*
 * The scheduler (see mw_pool.h). OpenMP gives the threads; this file
 * gives them their order: one parallel region per wave, two stages in it
 * separated by barriers, shared block decodes in stage 0, the first error.
 */
#include "mw_pool.h"

#include <stdlib.h>

#include <cpl_error.h>
#include <omp.h>

#include "core/mw_error.h"
#include "mw_first_error.h"

struct mw_pool {
    int nthreads;
    mw_worker *workers;
    mw_block_store **stores;  /* decoded blocks shared by the threads: each before, then the after */
    int nstores;
    int *jobs_end;            /* planned decode jobs: store k's end at jobs_end[k] */
    int jobs;
    size_t block_peak;        /* the most bytes the stores held together, after a plan */
    mw_progress *progress;
};

mw_status mw_progress_report(mw_progress *p, double done, const char *msg)
{
    if (!p || !p->fn) return MW_OK;
    p->last_done = done;
    p->last_time = omp_get_wtime();
    if (!p->fn(done, msg, p->arg)) return mw_error_set(MW_ERR_CANCELLED, "cancelled");
    return MW_OK;
}

mw_status mw_progress_poll(mw_progress *p)
{
    if (!p || !p->fn || omp_get_wtime() - p->last_time < 0.2) return MW_OK;
    return mw_progress_report(p, p->last_done, NULL);
}

/* Worker @p wk's reader of store @p k's scene. */
static mw_scene_reader *store_reader(const mw_pool *p, mw_worker *wk, int k)
{
    return k < p->nstores - 1 ? wk->befores[k] : wk->after;
}

mw_status mw_pool_create(int nthreads, const mw_scene *const *befores, int nbefore, const mw_scene *after,
                         const mw_grid *grid, mw_progress *progress, mw_pool **out)
{
    *out = NULL;
    mw_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *p->workers)) ||
        !(p->stores = calloc((size_t)nbefore + 1, sizeof *p->stores)) ||
        !(p->jobs_end = calloc((size_t)nbefore + 1, sizeof *p->jobs_end))) {
        if (p) free(p->workers), free(p->stores);
        free(p);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    p->progress = progress;
    p->nstores = nbefore + 1;
    mw_status st = MW_OK;
    for (int t = 0; st == MW_OK && t < nthreads; t++) {
        st = mw_worker_init(&p->workers[t], befores, nbefore, after, grid);
        if (st == MW_OK) p->nthreads = t + 1;
    }
    for (int k = 0; st == MW_OK && k < p->nstores; k++)
        st = mw_block_store_create(store_reader(p, &p->workers[0], k), &p->stores[k]);
    for (int t = 0; st == MW_OK && t < nthreads; t++)
        for (int k = 0; k < p->nstores; k++) mw_scene_reader_use_store(store_reader(p, &p->workers[t], k), p->stores[k]);
    if (st != MW_OK) {
        mw_pool_destroy(p);
        return st;
    }
    *out = p;
    return MW_OK;
}

void mw_pool_destroy(mw_pool *p)
{
    if (!p) return;
    for (int k = 0; p->stores && k < p->nstores; k++) mw_block_store_destroy(p->stores[k]);
    for (int t = 0; t < p->nthreads; t++) mw_worker_clear(&p->workers[t]);
    free(p->stores);
    free(p->jobs_end);
    free(p->workers);
    free(p);
}

int mw_pool_threads(const mw_pool *p) { return p->nthreads; }

mw_worker *mw_pool_worker(mw_pool *p, int t) { return &p->workers[t]; }

int mw_pool_slow_blocks(const mw_pool *p)
{
    for (int k = 0; k < p->nstores; k++)
        if (mw_block_store_slow(p->stores[k])) return 1;
    return 0;
}

void mw_pool_block_stats(const mw_pool *p, size_t *peak_bytes, long long *decodes)
{
    *peak_bytes = p->block_peak;
    *decodes = 0;
    for (int k = 0; k < p->nstores; k++) *decodes += mw_block_store_decodes(p->stores[k]);
}

/* Keep/decode the blocks that reads of @p rects touch, keep those of
 * @p keep that are held (n = nkeep = 0: let all go). */
static mw_status plan_blocks(mw_pool *p, const mw_rect *rects, int n, const mw_rect *keep, int nkeep)
{
    mw_status st = MW_OK;
    int total = 0;
    for (int k = 0; k < p->nstores; k++) {
        int todo = 0;
        if (st == MW_OK) st = mw_block_store_plan_keep(p->stores[k], rects, n, keep, nkeep, &todo);
        p->jobs_end[k] = total += todo;
    }
    p->jobs = st == MW_OK ? total : 0;
    size_t held = 0;
    for (int k = 0; k < p->nstores; k++) held += mw_block_store_bytes(p->stores[k]);
    if (held > p->block_peak) p->block_peak = held;
    return st;
}

/* Decode planned job @p i with worker @p wk's readers (distinct i: thread-safe). */
static mw_status fill_block(mw_pool *p, mw_worker *wk, int i)
{
    double t0 = omp_get_wtime();
    int k = 0;
    while (i >= p->jobs_end[k]) k++;
    const int first = k ? p->jobs_end[k - 1] : 0;
    mw_status st = mw_block_store_fill(p->stores[k], store_reader(p, wk, k), i - first);
    wk->t_read += omp_get_wtime() - t0;
    return st;
}

/* One wave's parallel region (see mw_pool.h). */
static void run_wave(mw_pool *p, const mw_pool_client *c, int w, const mw_wave *wave, mw_first_error *err)
{
    const int n0 = wave->jobs[0], n1 = wave->jobs[1], decode = p->jobs;
    const int chunk0 = wave->chunk[0] > 1 ? wave->chunk[0] : 1, chunk1 = wave->chunk[1] > 1 ? wave->chunk[1] : 1;
#pragma omp parallel num_threads(p->nthreads)
    {
        const int t = omp_get_thread_num();
        mw_worker *wk = &p->workers[t];
        CPLPushErrorHandler(CPLQuietErrorHandler);  /* errors come back as statuses */
        mw_status s = c->start ? c->start(c->arg, wk, t) : MW_OK;
        if (s != MW_OK) mw_first_error_record(err, s);
        if (t == 0 && c->overlap && !mw_first_error_seen(err)) {
            s = c->overlap(c->arg, w);
            if (s != MW_OK) mw_first_error_record(err, s);
        }
        /* Stage 0: the client's jobs (larger and uneven, they balance best
         * before the many small decodes), then the blocks. */
#pragma omp for schedule(dynamic, chunk0)
        for (int i = 0; i < n0 + decode; i++) {
            if (mw_first_error_seen(err)) continue;
            /* The calling thread asks, between jobs, whether to go on. */
            s = t == 0 ? mw_progress_poll(p->progress) : MW_OK;
            if (s == MW_OK) s = i < n0 ? c->work(c->arg, wk, t, 0, i) : fill_block(p, wk, i - n0);
            if (s != MW_OK) mw_first_error_record(err, s);
        }
        /* Stage 1: every planned block is decoded now. */
#pragma omp for schedule(dynamic, chunk1)
        for (int i = 0; i < n1; i++) {
            if (mw_first_error_seen(err)) continue;
            s = t == 0 ? mw_progress_poll(p->progress) : MW_OK;
            if (s == MW_OK) s = c->work(c->arg, wk, t, 1, i);
            if (s != MW_OK) mw_first_error_record(err, s);
        }
        if (c->stop) c->stop(c->arg, wk, t);
        CPLPopErrorHandler();
    }
}

mw_status mw_pool_run(mw_pool *p, const mw_pool_client *c)
{
    mw_status st = MW_OK;
    for (int w = 0; st == MW_OK; w++) {
        mw_wave wave = {0};
        st = c->plan ? c->plan(c->arg, w, &wave) : MW_OK;
        if (!c->plan) wave.last = 1;
        if (st == MW_OK && wave.rects) st = plan_blocks(p, wave.rects, wave.nrects, wave.keep, wave.nkeep);
        else p->jobs = 0;  /* no reads planned: the blocks stay, nothing to decode */
        if (st != MW_OK) break;
        mw_first_error err = {0};
        run_wave(p, c, w, &wave, &err);
        st = mw_first_error_raise(&err);
        double done = -1;
        const char *msg = NULL;
        if (st == MW_OK && c->after_wave) st = c->after_wave(c->arg, w, &done, &msg);
        if (st == MW_OK && done >= 0) st = mw_progress_report(p->progress, done, msg);
        if (wave.last) break;
    }
    /* Give the blocks back, unless the next pass is to read them. */
    mw_status s2 = st == MW_OK && c->keep_blocks ? MW_OK : plan_blocks(p, NULL, 0, NULL, 0);
    return st == MW_OK ? s2 : st;
}
