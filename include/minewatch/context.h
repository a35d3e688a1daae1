/**
 * A reusable context for scans: the model cache, the default thread count
 * and a warnings callback.
 *
 * Create one context and run every scan of a process through it: a model
 * file is read and validated once, however many scene pairs use it.
 *
 * Thread-safety: a context may be shared by scans running at the same time
 * in different threads (the model cache is locked; a cached model is
 * read-only and shared). Setters are not synchronised: call them before the
 * context is shared, not while a scan runs. The warnings callback may then
 * be called from several threads at once (each call comes from the thread
 * that runs the scan it concerns).
 */
#ifndef MINEWATCH_CONTEXT_H
#define MINEWATCH_CONTEXT_H

#include "minewatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mw_context mw_context;

/**
 * Warnings callback: a one-line message worth showing the user ("the area
 * of interest does not overlap the scenes: no alerts", sites too large to
 * outline, ...). Called from the thread that runs the scan; @p message is
 * valid only during the call.
 */
typedef void (*mw_warning_fn)(const char *message, void *user);

/**
 * Create a context: all cores, no warnings callback, an empty model cache.
 * Calls mw_init(). On success *out owns the context (free it with
 * mw_context_destroy()); on failure *out is NULL (MW_ERR_NOMEM).
 */
MW_API mw_status mw_context_create(mw_context **out);

/**
 * Free a context and every model it cached; NULL is accepted. No scan may
 * be running with it; alert sets it produced stay valid.
 */
MW_API void mw_context_destroy(mw_context *ctx);

/**
 * Worker threads of the scans run with @p ctx, 0 = all cores (the
 * default). MW_OPT_THREADS of a scan's options, when set (> 0), wins.
 * Returns MW_ERR_USAGE outside 0..1024.
 */
MW_API mw_status mw_context_set_threads(mw_context *ctx, int threads);

/** Threads a scan of @p ctx uses when its options do not say (0 = all cores). */
MW_API int mw_context_threads(const mw_context *ctx);

/**
 * Install (or with NULL remove) the warnings callback. Scans also keep
 * their warnings in the alert set (mw_alert_set_warning()).
 */
MW_API void mw_context_set_warning_handler(mw_context *ctx, mw_warning_fn fn, void *user);

/**
 * Folder searched first for the default model of a sensor
 * ("<dir>/<sensor>.json") when a scan gives no MW_OPT_MODEL; NULL resets.
 * MW_OPT_MODEL_DIR of a scan's options wins over it.
 */
MW_API mw_status mw_context_set_model_dir(mw_context *ctx, const char *dir);

/**
 * Models loaded so far (each model file once; a file that changed on disk
 * since it was loaded is loaded again). For tests and curious callers.
 */
MW_API int mw_context_models_loaded(const mw_context *ctx);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_CONTEXT_H */
