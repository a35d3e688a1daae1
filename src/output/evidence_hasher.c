/*
 * Hashing the inputs on a background thread while the scan runs.
 *
 * The scan reads the same files through GDAL and libtiff: whichever comes
 * first brings a file into the page cache and the other reads it from
 * memory, so no file is read from disk twice. Files are hashed in the
 * order given (before scene, after scene, then the small layers).
 */
#include "mw_evidence_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mw_error.h"

struct mw_hasher {
    mw_hash_item *items;
    int n;
    pthread_t thread;
    int started, joined;
    atomic_int stop;
    double seconds;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    mw_hasher *h = arg;
    double t0 = now_s();
    for (int i = 0; i < h->n && !atomic_load(&h->stop); i++) {
        mw_hash_item *it = &h->items[i];
        it->ok = mw_sha256_file(it->path, &it->d) == MW_OK;
        if (!it->ok) mw_error_copy(it->err, sizeof it->err);
    }
    h->seconds = now_s() - t0;
    return NULL;
}

mw_status mw_hasher_start(const char *const *paths, int n, mw_hasher **out)
{
    *out = NULL;
    mw_hasher *h = calloc(1, sizeof *h);
    if (!h || !(h->items = calloc(n > 0 ? (size_t)n : 1, sizeof *h->items))) {
        free(h);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    h->n = n;
    for (int i = 0; i < n; i++)
        if (!(h->items[i].path = strdup(paths[i]))) {
            mw_hasher_destroy(h);
            return mw_error_set(MW_ERR_NOMEM, "out of memory");
        }
    if (pthread_create(&h->thread, NULL, run, h) != 0) {
        mw_hasher_destroy(h);
        return mw_error_set(MW_ERR_INTERNAL, "cannot start the hashing thread");
    }
    h->started = 1;
    *out = h;
    return MW_OK;
}

void mw_hasher_wait(mw_hasher *h, double *seconds)
{
    if (h->started && !h->joined) {
        pthread_join(h->thread, NULL);
        h->joined = 1;
    }
    if (seconds) *seconds = h->seconds;
}

const mw_hash_item *mw_hasher_find(const mw_hasher *h, const char *path)
{
    for (int i = 0; h && i < h->n; i++)
        if (!strcmp(h->items[i].path, path)) return &h->items[i];
    return NULL;
}

void mw_hasher_destroy(mw_hasher *h)
{
    if (!h) return;
    atomic_store(&h->stop, 1);
    mw_hasher_wait(h, NULL);
    for (int i = 0; i < h->n; i++) free(h->items[i].path);
    free(h->items);
    free(h);
}
