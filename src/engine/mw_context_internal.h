/* The context's fields and the engine's use of it (see minewatch/context.h). */
#ifndef MW_CONTEXT_INTERNAL_H
#define MW_CONTEXT_INTERNAL_H

#include "minewatch/context.h"
#include "minewatch/scan.h"
#include "model/mw_model.h"
#include "mw_options_internal.h"

struct mw_context {
    int threads;                 /* 0 = all cores */
    mw_warning_fn warn;
    void *warn_user;
    char *model_dir;
    mw_model_cache *models;
};

/**
 * The model a scan of @p after with options @p opt uses: MW_OPT_MODEL, else
 * "<sensor>.json" from the first folder of MW_OPT_MODEL_DIR, the context's
 * model folder, $MINEWATCH_MODEL_DIR, mw_model_default_dir() that holds it. From the context's cache; give it back
 * with mw_model_cache_release(ctx->models, model).
 */
mw_status mw_context_model(mw_context *ctx, const mw_options *opt, const mw_scene *after,
                           const mw_model **out);

/** Worker threads for a scan with @p opt (never < 1). */
int mw_context_scan_threads(const mw_context *ctx, const mw_options *opt);

#endif
