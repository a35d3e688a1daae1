/*
 * The scheduler of a scan (cf. libvips' threadpool): one place owns the
 * worker threads and their per-thread handles (mw_worker), the decoded
 * blocks shared between them, the waves, the first error and progress.
 * The passes (shift.c, tile_pass.c, site_pass.c) are its clients: they
 * say what a wave reads and what its jobs do, through the callbacks of
 * mw_pool_client, and never schedule threads themselves.
 *
 * A run is a sequence of waves. For each wave, on the calling thread:
 *   plan(w)        the rectangles the wave reads and its job counts; the
 *                  pool plans the blocks of those rectangles (the blocks
 *                  of the previous wave that they do not touch are let go,
 *                  but for those under the wave's keep rectangles)
 * then one parallel region, every thread with its own worker:
 *   start(t)       per thread, before any job (scratch, handles)
 *   overlap(w)     thread 0 only, while the others begin stage 0: work
 *                  that runs beside the wave (writing the previous rows)
 *   stage 0        the client's stage-0 jobs first, then the decode of
 *                  every planned block, shared by all threads, dynamic
 *                  schedule; a barrier
 *   stage 1        the client's stage-1 jobs (they may read every block
 *                  planned); a barrier
 *   stop(t)        per thread (free scratch)
 * and back on the calling thread:
 *   after_wave(w)  serial work between waves; it names the progress
 *                  reached, which the pool reports.
 * The first job that fails stops the others (they skip what is left) and
 * the run, and its message is reported once, on the calling thread. Jobs
 * write their results to slots of their own: results never depend on
 * which thread ran a job. GDAL's messages are silenced inside the region
 * (failures come back as statuses).
 */
#ifndef MW_POOL_H
#define MW_POOL_H

#include "minewatch/status.h"
#include "mw_engine.h"

/** Where progress goes: the user's callback (fn may be NULL). */
typedef struct mw_progress {
    mw_progress_fn fn;
    void *arg;
    double last_done;   /* what was last reported, and when (omp_get_wtime) */
    double last_time;
} mw_progress;

/** Call the user's progress callback; MW_ERR_CANCELLED if it says stop. */
mw_status mw_progress_report(mw_progress *p, double done, const char *msg);

/**
 * From the calling thread between jobs: at most every 0.2 s, ask the
 * callback again (at the progress last reported) whether to go on, so a
 * cancellation reaches a long wave (a huge shift lattice, a wide tile
 * row) within a second. MW_ERR_CANCELLED if it says stop.
 */
mw_status mw_progress_poll(mw_progress *p);

typedef struct mw_pool mw_pool;

/**
 * @p nthreads workers, each with its own readers of both scenes onto
 * @p grid, sharing one block store per scene. @p progress must outlive
 * the pool.
 */
mw_status mw_pool_create(int nthreads, const mw_scene *const *befores, int nbefore, const mw_scene *after,
                         const mw_grid *grid, mw_progress *progress, mw_pool **out);
void mw_pool_destroy(mw_pool *pool);
int mw_pool_threads(const mw_pool *pool);
/** Worker @p t (thread t of every wave; 0 is the calling thread's). */
mw_worker *mw_pool_worker(mw_pool *pool, int t);

/**
 * The decoded blocks of every store so far: the most bytes they held at
 * once (what the scan's memory follows) and the blocks decoded.
 */
void mw_pool_block_stats(const mw_pool *pool, size_t *peak_bytes, long long *decodes);

enum { MW_POOL_STAGES = 2 };

/** What a wave holds, set by the client's plan(). */
typedef struct mw_wave {
    const mw_rect *rects;            /**< rectangles whose blocks the wave reads (NULL: none planned) */
    int nrects;
    const mw_rect *keep;             /**< rectangles whose blocks stay if held (a later wave reads them) */
    int nkeep;
    int jobs[MW_POOL_STAGES];        /**< the client's jobs in each stage */
    int chunk[MW_POOL_STAGES];       /**< dynamic schedule chunk of each stage (< 1: 1) */
    int last;                        /**< set by plan(): no wave after this one */
} mw_wave;

/** A client of the pool: a pass. Callbacks may be NULL except work. */
typedef struct mw_pool_client {
    void *arg;
    mw_status (*plan)(void *arg, int wave, mw_wave *out);
    mw_status (*start)(void *arg, mw_worker *wk, int thread);
    void (*stop)(void *arg, mw_worker *wk, int thread);
    mw_status (*overlap)(void *arg, int wave);
    mw_status (*work)(void *arg, mw_worker *wk, int thread, int stage, int job);
    /** *done: the progress reached after this wave (< 0: nothing to report). */
    mw_status (*after_wave)(void *arg, int wave, double *done, const char **msg);
    /** Leave the blocks of the last wave held at the end (the next pass keeps what it reads later). */
    int keep_blocks;
} mw_pool_client;

/**
 * 1 when some scene's blocks are slow to decode (JPEG 2000 tiles through
 * GDAL's driver): passes then keep decoded blocks for later reads
 * (mw_wave.keep, mw_pool_client.keep_blocks) rather than decode them again.
 */
int mw_pool_slow_blocks(const mw_pool *pool);

/** Run waves until plan() sets last (or a failure); the blocks are let go at the end unless keep_blocks. */
mw_status mw_pool_run(mw_pool *pool, const mw_pool_client *client);

#endif
