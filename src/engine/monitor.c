/*
 * mw_monitor(): a dated series of one place as consecutive pairs with
 * lineage, in one process.
 *
 * General Plan:
 *  1. Sort the scenes by date (a missing or repeated date is a usage
 *     error); check every output against the inputs (output plan) and
 *     stage them all in one output transaction.
 *  2. Step k scans scenes k-1 and k with the earlier step's file as its
 *     --previous (the first step links to nothing: every site is new),
 *     writing <after date>.geojson; one context for all steps, so the
 *     model is parsed once (its cache).
 *  3. The steps' files give each site's history: sites.gpkg and the
 *     timeline page (output module).
 *  4. One commit puts every file in place; a failure or a signal at any
 *     moment leaves the output folder as it was (module output).
 */
#include "minewatch/minewatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minewatch/output.h"

#include "core/mw_error.h"
#include "mw_options_internal.h"
#include "alerts/mw_alerts.h"
#include "output/mw_output.h"

struct mw_monitor_result {
    int nsteps, nsites;
    char (*dates)[11];
    int (*counts)[MW_SITE_STATUS_COUNT];
};

typedef struct scaled_progress {
    mw_progress_fn fn;
    void *arg;
    double p0, p1;
} scaled_progress;

static int scaled(double done, const char *msg, void *arg)
{
    scaled_progress *s = arg;
    return s->fn ? s->fn(s->p0 + (s->p1 - s->p0) * done, msg, s->arg) : 1;
}

static int cmp_date(const void *a, const void *b)
{
    return strcmp(mw_scene_date(*(mw_scene *const *)a), mw_scene_date(*(mw_scene *const *)b));
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static mw_status check_dates(mw_scene **s, int n)
{
    for (int i = 0; i < n; i++)
        if (!mw_scene_date(s[i]))
            return mw_error_set(MW_ERR_USAGE, "%s: no acquisition date (name it with YYYYMMDD)", mw_scene_path(s[i]));
    qsort(s, (size_t)n, sizeof *s, cmp_date);
    for (int i = 1; i < n; i++)
        if (!strcmp(mw_scene_date(s[i]), mw_scene_date(s[i - 1])))
            return mw_error_set(MW_ERR_USAGE, "%s and %s: two scenes of %s in one series", mw_scene_path(s[i - 1]),
                                mw_scene_path(s[i]), mw_scene_date(s[i]));
    return MW_OK;
}

/* The output folder, made when missing (*made set: removed again if the
 * run fails and it is still empty). */
static mw_status make_dir(const char *dir, int *made)
{
    struct stat sb;
    *made = 0;
    if (stat(dir, &sb) == 0) return S_ISDIR(sb.st_mode) ? MW_OK : mw_error_set(MW_ERR_USAGE, "-o %s: exists and is no folder", dir);
    if (mkdir(dir, 0777) != 0) return mw_error_set(MW_ERR_WRITE, "%s: %s", dir, strerror(errno));
    *made = 1;
    return MW_OK;
}

/* The series' files in @p outdir: one per step (after date), then
 * sites.gpkg and timeline.html; NULL-terminated. */
static char **output_names(mw_scene **s, int n, const char *outdir)
{
    char **out = calloc((size_t)n + 2, sizeof *out);
    for (int k = 1; out && k <= n + 1; k++) {
        char name[32];
        if (k < n) snprintf(name, sizeof name, "%s.geojson", mw_scene_date(s[k]));
        else snprintf(name, sizeof name, "%s", k == n ? "sites.gpkg" : "timeline.html");
        if (!(out[k - 1] = join(outdir, name))) {
            for (int i = 0; i < k; i++) free(out[i]);
            free(out);
            return NULL;
        }
    }
    return out;
}

/* Every output checked against every input and each other before a pixel
 * is read (a read-only file, a scene inside @p outdir named like a step,
 * a folder in the way), then staged in one transaction: the same rules,
 * messages and kill-safety as a scan's outputs (module output). */
static mw_status plan_and_stage(mw_scene **s, int n, const mw_options *opt, char **finals, mw_output_txn *txn,
                                const char **staged)
{
    mw_output_plan *plan = mw_output_plan_new();
    mw_status st = plan ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && st == MW_OK; i++) st = mw_output_plan_add_scene(plan, s[i], "a scene of the series");
    if (st == MW_OK && opt->aoi) st = mw_output_plan_add_input(plan, opt->aoi, "--aoi", 1);
    if (st == MW_OK && opt->protected_areas) st = mw_output_plan_add_input(plan, opt->protected_areas, "--protected", 1);
    if (st == MW_OK && opt->model) st = mw_output_plan_add_input(plan, opt->model, "the model", 0);
    for (int k = 0; finals[k] && st == MW_OK; k++)
        st = mw_output_plan_add_output(plan, finals[k], finals[k + 1] ? MW_OUTPUT_ALERTS : MW_OUTPUT_DOCUMENT, "-o");
    mw_output_plan_free(plan);
    for (int k = 0; finals[k] && st == MW_OK; k++)
        st = mw_output_txn_stage(txn, finals[k], finals[k + 1] ? MW_OUTPUT_ALERTS : MW_OUTPUT_DOCUMENT, &staged[k]);
    return st;
}

/* Step k (1..n-1): scenes k-1 and k, written to staged[k-1]; the earlier
 * step's staged file is its --previous. */
static mw_status run_step(mw_context *ctx, mw_scene **s, int k, int n, const mw_options *opt,
                          const char **staged, mw_monitor_result *r, mw_progress_fn fn, void *arg)
{
    mw_options step = *opt;
    step.previous = k > 1 ? (char *)staged[k - 2] : NULL;  /* borrowed: step is a shallow copy, never freed */
    char label[32];
    snprintf(label, sizeof label, "%s.geojson", mw_scene_date(s[k - 1]));
    step.previous_label = k > 1 ? label : NULL;  /* its name once committed, beside this file */
    step.lineage = 1;
    step.change_raster = NULL;
    step.output = NULL;
    step.evidence = NULL;
    scaled_progress sp = {fn, arg, 0.95 * (k - 1) / (n - 1), 0.95 * k / (n - 1)};
    mw_alert_set *set = NULL;
    const mw_scene *before[1] = {s[k - 1]};
    mw_status st = mw_scan_run(ctx, before, 1, s[k], &step, scaled, &sp, &set);
    if (st == MW_OK) st = mw_alert_set_write(set, staged[k - 1]);
    if (st == MW_OK) {
        snprintf(r->dates[k - 1], sizeof r->dates[k - 1], "%s", mw_scene_date(s[k]));
        for (int i = 0; i < mw_alert_set_count(set); i++) r->counts[k - 1][mw_alert_set_at(set, i)->lineage.status]++;
    }
    mw_alert_set_destroy(set);
    return st;
}

/* sites.gpkg and timeline.html (staged[nsteps], staged[nsteps+1]) from
 * the step files. */
static mw_status write_history(const char **staged, mw_monitor_result *r)
{
    const char **dates = malloc((size_t)r->nsteps * sizeof *dates);
    if (!dates) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int k = 0; k < r->nsteps; k++) dates[k] = r->dates[k];
    mw_series s;
    mw_status st = mw_series_read((const char *const *)staged, dates, r->nsteps, &s);
    free(dates);
    if (st != MW_OK) return st;
    st = mw_series_write_gpkg(&s, staged[r->nsteps]);
    if (st == MW_OK) st = mw_series_write_html(&s, staged[r->nsteps + 1]);
    r->nsites = s.nsites;
    mw_series_clear(&s);
    return st;
}

static mw_monitor_result *result_new(int nsteps)
{
    mw_monitor_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->nsteps = nsteps;
    r->dates = calloc((size_t)nsteps, sizeof *r->dates);
    r->counts = calloc((size_t)nsteps, sizeof *r->counts);
    if (!r->dates || !r->counts) {
        mw_monitor_result_free(r);
        return NULL;
    }
    return r;
}

/* Steps, history, then one commit of every file. */
static mw_status run_series(mw_context *ctx, mw_scene **s, int n, const mw_options *opt, char **finals,
                            mw_monitor_result *r, mw_progress_fn progress, void *arg)
{
    mw_output_txn *txn = mw_output_txn_new();
    const char **staged = calloc((size_t)n + 2, sizeof *staged);
    mw_status st = txn && staged ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = plan_and_stage(s, n, opt, finals, txn, staged);
    for (int k = 1; k < n && st == MW_OK; k++) st = run_step(ctx, s, k, n, opt, staged, r, progress, arg);
    if (st == MW_OK) st = write_history(staged, r);
    if (st == MW_OK && progress && !progress(1.0, "done", arg)) st = mw_error_set(MW_ERR_CANCELLED, "cancelled");
    if (st == MW_OK) st = mw_output_txn_commit(txn);
    mw_output_txn_free(txn);
    free(staged);
    return st;
}

mw_status mw_monitor(mw_context *context, mw_scene *const *scenes, int n, const mw_options *opt,
                     const char *outdir, mw_progress_fn progress, void *progress_arg, mw_monitor_result **result)
{
    if (result) *result = NULL;
    if (!scenes || !opt || !outdir || n < 2)
        return mw_error_set(MW_ERR_USAGE, "monitor needs at least two scenes and an output folder");
    mw_scene **s = malloc((size_t)n * sizeof *s);
    mw_monitor_result *r = result_new(n - 1);
    char **finals = NULL;
    mw_context *own = NULL;
    int made = 0;
    mw_status st = s && r ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK && !context) st = mw_context_create(&own);
    if (st == MW_OK) {
        memcpy(s, scenes, (size_t)n * sizeof *s);
        st = check_dates(s, n);
    }
    if (st == MW_OK && !(finals = output_names(s, n, outdir))) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = make_dir(outdir, &made);
    if (st == MW_OK) st = run_series(context ? context : own, s, n, opt, finals, r, progress, progress_arg);
    if (st != MW_OK && made) rmdir(outdir);  /* only when still empty */
    mw_context_destroy(own);
    for (int k = 0; finals && finals[k]; k++) free(finals[k]);
    free(finals);
    free(s);
    if (st != MW_OK || !result) {
        mw_monitor_result_free(r);
        return st;
    }
    *result = r;
    return MW_OK;
}

void mw_monitor_result_free(mw_monitor_result *r)
{
    if (!r) return;
    free(r->dates);
    free(r->counts);
    free(r);
}

int mw_monitor_result_steps(const mw_monitor_result *r) { return r ? r->nsteps : 0; }
int mw_monitor_result_sites(const mw_monitor_result *r) { return r ? r->nsites : 0; }

const char *mw_monitor_result_step_date(const mw_monitor_result *r, int k)
{
    return r && k >= 0 && k < r->nsteps ? r->dates[k] : NULL;
}

int mw_monitor_result_step_count(const mw_monitor_result *r, int k, const char *status)
{
    if (!r || k < 0 || k >= r->nsteps || !status) return 0;
    for (int c = MW_SITE_NEW; c < MW_SITE_STATUS_COUNT; c++)
        if (!strcmp(status, mw_site_status_name((mw_site_status)c))) return r->counts[k][c];
    return 0;
}
