/*
 * The scan's outputs (the alerts, the change raster): checked against the
 * inputs before a pixel is read, written under staging names, committed
 * together at the end (module output's plan and transaction).
 */
#include "mw_scan_internal.h"

#include "minewatch/output.h"

#include "core/mw_error.h"

#include <stdlib.h>
#include <string.h>

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_prepare(mw_scan_ctx *ctx)
{
    const mw_options *o = ctx->opt;
    mw_output_plan *plan = mw_output_plan_new();
    if (!plan) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = mw_output_plan_add_scene(plan, ctx->before, "the before scene");
    if (st == MW_OK) st = mw_output_plan_add_scene(plan, ctx->after, "the after scene");
    if (st == MW_OK && o->aoi) st = mw_output_plan_add_input(plan, o->aoi, "--aoi", 1);
    if (st == MW_OK && o->protected_areas) st = mw_output_plan_add_input(plan, o->protected_areas, "--protected", 1);
    if (st == MW_OK && mw_model_path(ctx->model))
        st = mw_output_plan_add_input(plan, mw_model_path(ctx->model), "the model", 0);
    if (st == MW_OK) st = mw_output_plan_add_output(plan, o->output, MW_OUTPUT_ALERTS, "-o");
    if (st == MW_OK && o->change_raster)
        st = mw_output_plan_add_output(plan, o->change_raster, MW_OUTPUT_RASTER, "--change-raster");
    mw_output_plan_free(plan);

    if (st == MW_OK && !(ctx->txn = mw_output_txn_new())) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_output_txn_stage(ctx->txn, o->output, MW_OUTPUT_ALERTS, &ctx->alerts_path);
    if (st == MW_OK && o->change_raster)
        st = mw_output_txn_stage(ctx->txn, o->change_raster, MW_OUTPUT_RASTER, &ctx->raster_path);
    return st;
}

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_commit(mw_scan_ctx *ctx)
{
    mw_status st = mw_output_txn_commit(ctx->txn);
    mw_output_txn_free(ctx->txn);
    ctx->txn = NULL;
    return st;
}

/* @p msg with every @p from replaced by @p to (malloc'ed; NULL: no change). */
static char *replace_all(const char *msg, const char *from, const char *to)
{
    if (!from || !to || !*from || !strstr(msg, from)) return NULL;
    size_t fl = strlen(from), tl = strlen(to), n = strlen(msg) + 1;
    for (const char *p = strstr(msg, from); p; p = strstr(p + fl, from)) n += tl;
    char *out = malloc(n), *w = out;
    if (!out) return NULL;
    for (const char *p = msg, *q; *p; p = q + fl) {
        q = strstr(p, from);
        if (!q) {
            strcpy(w, p);
            return out;
        }
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to, tl);
        w += tl;
        *w = '\0';
    }
    return out;
}

/** See mw_scan_internal.h. */
void mw_scan_outputs_blame(mw_scan_ctx *ctx)
{
    const char *staged[2] = {ctx->alerts_path, ctx->raster_path};
    const char *user[2] = {ctx->opt->output, ctx->opt->change_raster};
    mw_status code = mw_last_status();
    for (int i = 0; i < 2; i++) {
        char *m = replace_all(mw_last_error(), staged[i], user[i]);
        if (m) mw_error_set(code, "%s", m);
        free(m);
    }
}
