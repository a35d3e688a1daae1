/*
 * mw_batch_run_plan(): one process, pair after pair, every scan in one
 * context (the model read once, GDAL set up once).
 *
 * General plan
 *  1. Lock OUTDIR (one batch per folder), read the previous batch.json.
 *  2. For each entry of this shard: fingerprint its inputs; a pair done
 *     before with the same inputs, the same parameters and its alerts file
 *     still there is reused, everything else is pending.
 *  3. Nothing pending and batch.json unchanged (and, for a whole batch, the
 *     merged alerts there): nothing to do, nothing is written.
 *  4. Scan each pending pair into pairs/<id>.geojson (the scan writes under
 *     a temporary name and renames); a pair that fails is recorded with its
 *     reason and the batch goes on; batch.json is rewritten after each pair.
 *  5. A whole batch (no --shard) then merges its pairs' alerts (merge.c).
 */
#include "mw_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/mw_error.h"

typedef struct run_ctx {
    mw_batch_plan *plan;
    const mw_batch_run_args *args;
    mw_batch_doc prev;
    int have_prev, same_params;
    int todo, scanned;                 /* pairs to scan in this run, scanned so far */
    long long px_done, px_known;       /* pixels of finished pairs; of pairs whose size is known */
    int n_known;
    long long px_current;
    double t0;
} run_ctx;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int in_shard(const run_ctx *c, int index) { return index % c->args->shard_n == c->args->shard_k; }

static void say(const run_ctx *c, const char *fmt, ...) MW_PRINTF(2, 3);
static void say(const run_ctx *c, const char *fmt, ...)
{
    if (!c->args->message) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->args->message(line, c->args->user);
}

/* Progress over the whole run: pixels of the pairs done plus the share of
 * the current one; pairs not opened yet count as the mean of those seen. */
static int pair_progress(double done, const char *msg, void *arg)
{
    (void)msg;
    run_ctx *c = arg;
    if (!c->args->progress) return 1;
    double mean = c->n_known ? (double)c->px_known / c->n_known : 1.0;
    double total = c->px_known + mean * (c->todo - c->n_known);
    double cur = c->px_done + done * c->px_current;
    double frac = total > 0 ? cur / total : 1.0;
    if (frac > 1) frac = 1;
    double el = now_s() - c->t0;
    char text[200], eta[40] = "?";
    if (frac > 0.01) snprintf(eta, sizeof eta, "%.0f s", el / frac - el);
    snprintf(text, sizeof text, "pair %d/%d, %.1f of %.1f Mpx, ETA %s", c->scanned + 1, c->todo, cur / 1e6,
             total / 1e6, eta);
    return c->args->progress(frac, text, c->args->progress_user);
}

static char *pair_output(const char *outdir, const char *id)
{
    char name[300];
    snprintf(name, sizeof name, "pairs/%s.geojson", id);
    return mw_batch_join(outdir, name);
}

static int file_exists(const char *p) { return p && access(p, F_OK) == 0; }

static const mw_batch_entry *prev_entry(const run_ctx *c, const mw_batch_entry *e)
{
    for (int i = 0; c->have_prev && i < c->prev.count; i++) {
        const mw_batch_entry *p = &c->prev.entries[i];
        if (p->index == e->index && !strcmp(p->id, e->id)) return p;
    }
    return NULL;
}

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

/* Step 2 for one entry: fingerprints, then reuse or pending. */
static void classify(run_ctx *c, mw_batch_entry *e, const char *aoi)
{
    if (e->state == MW_BATCH_SKIPPED) return;
    mw_batch_fingerprint(e->before, e->extra_files, e->nextra, e->fp_before);
    mw_batch_fingerprint(e->after, e->extra_files, e->nextra, e->fp_after);
    if (aoi) mw_batch_fingerprint(aoi, NULL, 0, e->fp_aoi);
    e->state = MW_BATCH_PENDING;
    const mw_batch_entry *p = prev_entry(c, e);
    char *out = pair_output(c->args->outdir, e->id);
    if (p && c->same_params && p->state == MW_BATCH_DONE && same_str(p->before, e->before) &&
        same_str(p->after, e->after) && same_str(p->aoi, e->aoi) && !strcmp(p->fp_before, e->fp_before) &&
        !strcmp(p->fp_after, e->fp_after) && !strcmp(p->fp_aoi, e->fp_aoi) && file_exists(out)) {
        e->state = MW_BATCH_DONE;
        e->have_footprint = p->have_footprint;
        memcpy(e->footprint, p->footprint, sizeof e->footprint);
        memcpy(e->centre, p->centre, sizeof e->centre);
        e->alerts = p->alerts;
        e->pixels = p->pixels;
    }
    free(out);
}

/* The doc of this folder: this shard's entries (shallow copies). */
static mw_status write_state(run_ctx *c, int only_compare, int *unchanged)
{
    const mw_batch_run_args *a = c->args;
    mw_batch_doc doc = {.version = (char *)mw_version(), .input = c->plan->input, .kind = (char *)c->plan->kind,
                        .parameters = (char *)a->parameters, .shard_k = a->shard_k, .shard_n = a->shard_n,
                        .total = c->plan->count};
    doc.entries = malloc((size_t)(c->plan->count ? c->plan->count : 1) * sizeof *doc.entries);
    if (!doc.entries) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < c->plan->count; i++)
        if (in_shard(c, i)) doc.entries[doc.count++] = c->plan->entries[i];
    mw_status st = MW_OK;
    if (only_compare) *unchanged = mw_batch_state_unchanged(a->outdir, &doc);
    else st = mw_batch_state_write(a->outdir, &doc);
    if (st == MW_OK && !only_compare) mw_batch_tidy(a->outdir, &doc);
    free(doc.entries);
    return st;
}

static void set_reason(mw_batch_entry *e, mw_batch_state state, const char *why)
{
    free(e->reason);
    e->reason = mw_batch_strdup(why);
    e->state = state;
}

/* Step 4 for one pair. Returns MW_ERR_CANCELLED only when the user stopped the batch. */
static mw_status scan_one(run_ctx *c, mw_batch_entry *e)
{
    const mw_batch_run_args *a = c->args;
    mw_scene_open_args ob = a->open, oa = a->open;
    if (e->sensor != MW_SENSOR_AUTO) ob.sensor = oa.sensor = e->sensor;
    if (e->before_date) ob.date = e->before_date;
    if (e->after_date) oa.date = e->after_date;
    mw_scene *before = NULL, *after = NULL;
    mw_alert_set *set = NULL;
    char *out = pair_output(a->outdir, e->id);
    const char *aoi = e->aoi ? e->aoi : a->global_aoi;
    mw_status st = out ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_scene_open(e->before, &ob, &before);
    if (st == MW_OK) st = mw_scene_open(e->after, &oa, &after);
    if (st == MW_OK) {
        c->px_current = (long long)mw_scene_width(after) * mw_scene_height(after);
        c->px_known += c->px_current;
        c->n_known++;
        e->have_footprint = mw_batch_footprint(after, e->footprint, e->centre) == MW_OK;
        st = mw_options_set_string(a->scan, MW_OPT_AOI, aoi);
    }
    const mw_scene *befores[1] = {before};
    if (st == MW_OK) st = mw_scan_run(a->ctx, befores, 1, after, a->scan, pair_progress, c, &set);
    /* Written under a temporary name and renamed: a killed batch leaves no half file. */
    if (st == MW_OK) st = mw_alert_set_write(set, out);
    if (st == MW_OK) {
        e->state = MW_BATCH_DONE;
        e->alerts = mw_alert_set_count(set);
        e->pixels = mw_alert_set_pixels(set);
        free(e->reason);
        e->reason = NULL;
    } else if (st != MW_ERR_CANCELLED) {
        set_reason(e, MW_BATCH_FAILED, mw_last_error());
        if (out) unlink(out);  /* an older result of this pair is no longer true */
    }
    c->px_done += c->px_current;
    c->px_current = 0;
    mw_alert_set_destroy(set);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
    free(out);
    return st == MW_ERR_CANCELLED ? st : MW_OK;
}

static mw_status open_outdir(const char *outdir, int *lock_fd)
{
    mw_status st = mw_batch_mkdir(outdir);
    char *pairs = mw_batch_join(outdir, "pairs"), *lock = mw_batch_join(outdir, ".batch.lock");
    if (st == MW_OK) st = pairs && lock ? mw_batch_mkdir(pairs) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) {
        *lock_fd = open(lock, O_RDWR | O_CREAT, 0666);
        if (*lock_fd < 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", lock, strerror(errno));
        else if (flock(*lock_fd, LOCK_EX | LOCK_NB) != 0)
            st = mw_error_set(MW_ERR_WRITE, "%s: another batch is running in this folder", outdir);
    }
    free(pairs);
    free(lock);
    return st;
}

static mw_status scan_pending(run_ctx *c, mw_batch_summary *sum)
{
    mw_status st = MW_OK;
    for (int i = 0; i < c->plan->count && st == MW_OK; i++) {
        mw_batch_entry *e = &c->plan->entries[i];
        if (!in_shard(c, i) || e->state != MW_BATCH_PENDING) continue;
        double t = now_s();
        st = scan_one(c, e);
        if (st != MW_OK) break;
        c->scanned++;
        sum->scanned++;
        if (e->state == MW_BATCH_DONE)
            say(c, "[%d/%d] %s: %d alert%s, %.1f s", c->scanned, c->todo, e->id, e->alerts,
                e->alerts == 1 ? "" : "s", now_s() - t);
        else say(c, "[%d/%d] %s: failed: %s", c->scanned, c->todo, e->id, e->reason);
        st = write_state(c, 0, NULL);
    }
    return st;
}

static void count_states(const run_ctx *c, mw_batch_summary *sum)
{
    for (int i = 0; i < c->plan->count; i++) {
        const mw_batch_entry *e = &c->plan->entries[i];
        if (!in_shard(c, i)) continue;
        if (e->state == MW_BATCH_DONE) sum->done++;
        else if (e->state == MW_BATCH_SKIPPED) sum->skipped++;
        else if (e->state == MW_BATCH_PENDING) sum->pending++;
        else {
            mw_batch_summary_add_failed(sum, e);
            sum->failed++;
        }
    }
}

static int merged_outputs_exist(const char *outdir)
{
    char *g = mw_batch_join(outdir, "alerts.geojson"), *p = mw_batch_join(outdir, "alerts.gpkg");
    int yes = file_exists(g) && file_exists(p);
    free(g);
    free(p);
    return yes;
}

mw_status mw_batch_run_plan(mw_batch_plan *plan, const mw_batch_run_args *args, mw_batch_summary *sum)
{
    run_ctx c = {.plan = plan, .args = args, .t0 = now_s()};
    int lock_fd = -1;
    mw_status st = open_outdir(args->outdir, &lock_fd);
    if (st == MW_OK) {
        c.have_prev = mw_batch_state_read(args->outdir, &c.prev) == MW_OK;
        c.same_params = c.have_prev && c.prev.parameters && same_str(c.prev.parameters, args->parameters) &&
                        same_str(c.prev.version, mw_version());
        if (c.have_prev && !c.same_params) say(&c, "the parameters changed since the last run: every pair is scanned again");
        mw_error_reset();
    }
    for (int i = 0; st == MW_OK && i < plan->count; i++) {
        if (!in_shard(&c, i)) continue;
        mw_batch_entry *e = &plan->entries[i];
        classify(&c, e, e->aoi ? e->aoi : args->global_aoi);
        if (e->state == MW_BATCH_DONE) sum->reused++;
        if (e->state == MW_BATCH_PENDING) c.todo++;
    }
    int unchanged = 0;
    if (st == MW_OK && c.todo == 0) write_state(&c, 1, &unchanged);
    if (st == MW_OK && c.todo == 0 && unchanged && (args->shard_n > 1 || merged_outputs_exist(args->outdir))) {
        sum->nothing_to_do = 1;
    } else if (st == MW_OK) {
        if (sum->reused) say(&c, "%d pair%s already done with the same inputs and parameters: kept", sum->reused,
                             sum->reused == 1 ? "" : "s");
        st = write_state(&c, 0, NULL);
        if (st == MW_OK) st = scan_pending(&c, sum);
        if (st == MW_OK && args->shard_n <= 1) st = mw_batch_merge_alerts(args->outdir);
    }
    count_states(&c, sum);
    if (c.have_prev) mw_batch_doc_clear(&c.prev);
    if (lock_fd >= 0) close(lock_fd);
    return st;
}
