/*
 * A cache of loaded models keyed by the path string they were named by
 * (the model's path goes into the alert file's run description, so two
 * spellings of one file stay two entries and each run's bytes are those
 * of a fresh load). A file whose bytes changed since it was loaded is
 * loaded again; models still used by a running scan live on until
 * released.
 *
 * Thread-safety: every call may come from any thread at any time (one
 * mutex); a model handed out is read-only and may be used by many threads.
 */
#ifndef MW_MODEL_CACHE_H
#define MW_MODEL_CACHE_H

#include "minewatch/status.h"

typedef struct mw_model mw_model;

typedef struct mw_model_cache mw_model_cache;

/** New empty cache; NULL when out of memory. */
mw_model_cache *mw_model_cache_create(void);
/** Free the cache and its models; NULL accepted. No model may still be acquired. */
void mw_model_cache_destroy(mw_model_cache *cache);

/**
 * The model of file @p path, loaded on first use or when the file's bytes
 * changed. Every successful acquire is paired with mw_model_cache_release().
 * Errors as mw_model_load() (MW_ERR_MODEL naming the file).
 */
mw_status mw_model_cache_acquire(mw_model_cache *cache, const char *path, const mw_model **out);
/** Give back a model acquired from @p cache; NULL accepted. */
void mw_model_cache_release(mw_model_cache *cache, const mw_model *model);
/** How many times a model file was parsed (for tests: once per file). */
int mw_model_cache_loads(const mw_model_cache *cache);

#endif
