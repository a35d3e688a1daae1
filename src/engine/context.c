/*
 * mw_context: what scans of one process share (see minewatch/context.h):
 * the model cache, the default thread count, the warnings callback.
 */
#include "mw_context_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "minewatch/minewatch.h"
#include "core/mw_error.h"

mw_status mw_context_create(mw_context **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "mw_context_create: NULL argument");
    *out = NULL;
    mw_init();
    mw_context *c = calloc(1, sizeof *c);
    if (c) c->models = mw_model_cache_create();
    if (!c || !c->models) {
        free(c);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    *out = c;
    return MW_OK;
}

void mw_context_destroy(mw_context *c)
{
    if (!c) return;
    mw_model_cache_destroy(c->models);
    free(c->model_dir);
    free(c);
}

mw_status mw_context_set_threads(mw_context *c, int threads)
{
    if (!c) return mw_error_set(MW_ERR_USAGE, "mw_context_set_threads: NULL context");
    if (threads < 0 || threads > 1024)
        return mw_error_set(MW_ERR_USAGE, "threads must be 1..1024 (or 0 for all cores), not %d", threads);
    c->threads = threads;
    return MW_OK;
}

int mw_context_threads(const mw_context *c) { return c ? c->threads : 0; }

void mw_context_set_warning_handler(mw_context *c, mw_warning_fn fn, void *user)
{
    if (!c) return;
    c->warn = fn;
    c->warn_user = user;
}

mw_status mw_context_set_model_dir(mw_context *c, const char *dir)
{
    if (!c) return mw_error_set(MW_ERR_USAGE, "mw_context_set_model_dir: NULL context");
    char *copy = NULL;
    if (dir && !(copy = strdup(dir))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    free(c->model_dir);
    c->model_dir = copy;
    return MW_OK;
}

int mw_context_models_loaded(const mw_context *c) { return c ? mw_model_cache_loads(c->models) : 0; }

int mw_context_scan_threads(const mw_context *c, const mw_options *opt)
{
    if (opt && opt->threads > 0) return opt->threads;
    if (c && c->threads > 0) return c->threads;
    return omp_get_num_procs();
}

mw_status mw_context_model(mw_context *c, const mw_options *o, const mw_scene *after,
                           const mw_model **out)
{
    *out = NULL;
    if (o->model) return mw_model_cache_acquire(c->models, o->model, out);
    mw_sensor s = mw_scene_sensor(after);
    const char *name = mw_sensor_name(s == MW_SENSOR_AUTO ? MW_SENSOR_GENERIC : s);
    const char *dirs[4] = {o->model_dir, c->model_dir, getenv("MINEWATCH_MODEL_DIR"), mw_model_default_dir()};
    char path[4096];
    for (int i = 0; i < 4; i++) {
        if (!dirs[i] || !*dirs[i]) continue;
        snprintf(path, sizeof path, "%s/%s.json", dirs[i], name);
        if (access(path, R_OK) == 0) return mw_model_cache_acquire(c->models, path, out);
    }
    return mw_error_set(MW_ERR_MODEL, "%s.json: no model file for sensor '%s' (give one with --model)",
                        name, name);
}
