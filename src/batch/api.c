/*
 * The public batch API (minewatch/batch.h) over the plan, the run loop and
 * the shard merge: options, one context for every pair, the summary.
 */
#include "mw_batch.h"

#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "engine/mw_engine.h"

mw_batch_options *mw_batch_options_new(void)
{
    mw_batch_options *o = calloc(1, sizeof *o);
    if (o) o->shard_n = 1;
    return o;
}

void mw_batch_options_free(mw_batch_options *o)
{
    if (!o) return;
    free(o->band_map);
    free(o);
}

mw_status mw_batch_options_set_sensor(mw_batch_options *o, mw_sensor sensor)
{
    if (sensor < MW_SENSOR_AUTO || sensor > MW_SENSOR_GENERIC)
        return mw_error_set(MW_ERR_USAGE, "sensor %d is not a mw_sensor", (int)sensor);
    o->sensor = sensor;
    return MW_OK;
}

mw_status mw_batch_options_set_band_map(mw_batch_options *o, const char *band_map)
{
    char *copy = NULL;
    if (band_map && !(copy = strdup(band_map))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    free(o->band_map);
    o->band_map = copy;
    return MW_OK;
}

mw_status mw_batch_options_set_pairing(mw_batch_options *o, mw_batch_pairing pairing)
{
    if (pairing != MW_BATCH_PAIR_CONSECUTIVE && pairing != MW_BATCH_PAIR_FIRST)
        return mw_error_set(MW_ERR_USAGE, "pairing %d is not consecutive or first", (int)pairing);
    o->pairing_first = pairing == MW_BATCH_PAIR_FIRST;
    return MW_OK;
}

mw_status mw_batch_options_set_shard(mw_batch_options *o, int k, int n)
{
    if (n < 1 || k < 0 || k >= n) return mw_error_set(MW_ERR_USAGE, "shard %d/%d: want K/N with 0 <= K < N", k, n);
    o->shard_k = k, o->shard_n = n;
    return MW_OK;
}

void mw_batch_options_set_message_handler(mw_batch_options *o, mw_batch_message_fn fn, void *user)
{
    o->message = fn;
    o->message_user = user;
}

/* Plan, parameters and run, with the context and scan options ready. */
static mw_status run(mw_context *ctx, const char *input, const char *outdir, mw_options *opt,
                     const mw_batch_options *b, mw_progress_fn progress, void *parg, mw_batch_summary *sum)
{
    mw_batch_plan_args pa = {.pairing_first = b->pairing_first, .open = {b->sensor, b->band_map, NULL},
                             .outdir = outdir};
    mw_batch_plan *plan = NULL;
    mw_status st = mw_batch_plan_from_input(input, &pa, &plan);
    char *params = st == MW_OK ? mw_batch_parameters_json(b, opt) : NULL;
    if (st == MW_OK && !params) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) {
        mw_batch_run_args ra = {.outdir = outdir, .ctx = ctx, .scan = opt, .parameters = params, .open = pa.open,
                                .shard_k = b->shard_k, .shard_n = b->shard_n,
                                .global_aoi = mw_options_get_string(opt, MW_OPT_AOI), .message = b->message,
                                .user = b->message_user, .progress = progress, .progress_user = parg};
        st = mw_batch_run_plan(plan, &ra, sum);
    }
    free(params);
    mw_batch_plan_destroy(plan);
    return st;
}

mw_status mw_batch_run(mw_context *ctx, const char *input, const char *outdir, const mw_options *scan,
                       const mw_batch_options *batch, mw_progress_fn progress, void *progress_arg,
                       mw_batch_summary **out)
{
    if (out) *out = NULL;
    if (!input || !outdir || !out) return mw_error_set(MW_ERR_USAGE, "mw_batch_run: input, outdir and out are required");
    mw_batch_options defaults = {.shard_n = 1};
    const mw_batch_options *b = batch ? batch : &defaults;
    if (scan && mw_options_get_string(scan, MW_OPT_CHANGE_RASTER))
        return mw_error_set(MW_ERR_USAGE, "a batch writes no change raster: leave MW_OPT_CHANGE_RASTER unset");
    mw_status st = mw_batch_check_outdir(outdir, input);
    if (st != MW_OK) return st;
    mw_context *own = NULL;
    if (!ctx && (st = mw_context_create(&own)) != MW_OK) return st;
    mw_options *opt = mw_options_copy(scan);
    mw_batch_summary *sum = calloc(1, sizeof *sum);
    st = opt && sum ? run(own ? own : ctx, input, outdir, opt, b, progress, progress_arg, sum)
                    : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK || st == MW_ERR_CANCELLED) *out = sum;
    else mw_batch_summary_destroy(sum);
    mw_options_free(opt);
    mw_context_destroy(own);
    return st;
}

mw_status mw_batch_merge(const char *const *dirs, int ndirs, const char *outdir, mw_batch_summary **out)
{
    if (out) *out = NULL;
    if (!dirs || ndirs < 1 || !outdir || !out)
        return mw_error_set(MW_ERR_USAGE, "mw_batch_merge: at least one folder, outdir and out are required");
    mw_init();
    mw_batch_summary *sum = calloc(1, sizeof *sum);
    mw_status st = sum ? mw_batch_merge_dirs(dirs, ndirs, outdir, sum) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) *out = sum;
    else mw_batch_summary_destroy(sum);
    return st;
}

void mw_batch_summary_destroy(mw_batch_summary *s)
{
    if (!s) return;
    mw_batch_summary_clear(s);
    free(s);
}

int mw_batch_summary_count(const mw_batch_summary *s, mw_batch_state state)
{
    if (!s) return 0;
    switch (state) {
    case MW_BATCH_PENDING: return s->pending;
    case MW_BATCH_DONE: return s->done;
    case MW_BATCH_FAILED: return s->failed;
    case MW_BATCH_SKIPPED: return s->skipped;
    }
    return 0;
}

int mw_batch_summary_scanned(const mw_batch_summary *s) { return s ? s->scanned : 0; }
int mw_batch_summary_reused(const mw_batch_summary *s) { return s ? s->reused : 0; }
int mw_batch_summary_up_to_date(const mw_batch_summary *s) { return s ? s->nothing_to_do : 0; }

const char *mw_batch_summary_failed_id(const mw_batch_summary *s, int i)
{
    return s && i >= 0 && i < s->nlisted ? s->failed_ids[i] : NULL;
}

const char *mw_batch_summary_failed_reason(const mw_batch_summary *s, int i)
{
    return s && i >= 0 && i < s->nlisted ? s->failed_reasons[i] : NULL;
}

void mw_batch_summary_clear(mw_batch_summary *s)
{
    for (int i = 0; i < s->nlisted; i++) {
        free(s->failed_ids[i]);
        free(s->failed_reasons[i]);
    }
    free(s->failed_ids);
    free(s->failed_reasons);
    memset(s, 0, sizeof *s);
}

void mw_batch_summary_add_failed(mw_batch_summary *s, const mw_batch_entry *e)
{
    int n = s->nlisted;
    char **ids = realloc(s->failed_ids, (size_t)(n + 1) * sizeof *ids);
    if (ids) s->failed_ids = ids;
    char **rs = realloc(s->failed_reasons, (size_t)(n + 1) * sizeof *rs);
    if (rs) s->failed_reasons = rs;
    if (!ids || !rs) return;
    ids[n] = mw_batch_strdup(e->id);
    rs[n] = mw_batch_strdup(e->reason ? e->reason : "failed");
    s->nlisted++;
}
