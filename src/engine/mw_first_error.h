/*
 * The first failure inside a parallel loop (cf. libvips' pool->error):
 * workers check mw_first_error_seen() and skip their remaining items; the
 * first one to fail records its status and message; the caller re-raises it
 * on its own thread after the parallel region.
 */
#ifndef MW_FIRST_ERROR_H
#define MW_FIRST_ERROR_H

#include "core/mw_error.h"

typedef struct mw_first_error {
    int failed;
    mw_status status;
    char message[1024];
} mw_first_error;

static inline int mw_first_error_seen(mw_first_error *e)
{
    int f;
#pragma omp atomic read
    f = e->failed;
    return f;
}

/** Record @p st with this thread's last error message, unless one is recorded already. */
static inline void mw_first_error_record(mw_first_error *e, mw_status st)
{
#pragma omp critical(mw_first_error)
    if (!e->failed) {
        e->status = st;
        mw_error_copy(e->message, sizeof e->message);
#pragma omp atomic write
        e->failed = 1;
    }
}

/** After the region: MW_OK, or the recorded status with its message on this thread. */
static inline mw_status mw_first_error_raise(const mw_first_error *e)
{
    return e->failed ? mw_error_set(e->status, "%s", e->message) : MW_OK;
}

#endif
