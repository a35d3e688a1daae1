/*
 * mw_monitor(): a dated series of one place as consecutive pairs with
 * lineage, in one process.
 *
 * General Plan:
 *  1. Sort the scenes by date (a missing or repeated date is a usage
 *     error); make a temporary folder inside the output folder.
 *  2. Step k scans scenes k-1 and k with the earlier step's file as its
 *     --previous (the first step links to nothing: every site is new),
 *     writing <after date>.geojson; one context for all steps, so the
 *     model is parsed once (its cache).
 *  3. The steps' files give each site's history: sites.gpkg and the
 *     timeline page (output module).
 *  4. Every file is moved into the output folder at the end; a failure
 *     removes the temporary folder and leaves the output folder as it was.
 */
#include "minewatch/minewatch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Remove every file of @p dir, then the folder. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p = join(dir, e->d_name);
                if (p) unlink(p);
                free(p);
            }
        closedir(d);
    }
    rmdir(dir);
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

static mw_status make_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) return S_ISDIR(sb.st_mode) ? MW_OK : mw_error_set(MW_ERR_WRITE, "%s: not a folder", dir);
    if (mkdir(dir, 0777) != 0) return mw_error_set(MW_ERR_WRITE, "%s: %s", dir, strerror(errno));
    return MW_OK;
}

/* Step k (1..n-1): scenes k-1 and k; step files named by date in @p tmp. */
static mw_status run_step(mw_context *ctx, mw_scene **s, int k, int n, const mw_options *opt, const char *tmp,
                          char **paths, mw_monitor_result *r, mw_progress_fn fn, void *arg)
{
    mw_status st = MW_OK;
    char name[32];
    snprintf(name, sizeof name, "%s.geojson", mw_scene_date(s[k]));
    if (!(paths[k - 1] = join(tmp, name))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_options step = *opt;
    step.output = paths[k - 1];
    step.previous = k > 1 ? paths[k - 2] : NULL;
    char label[32];
    snprintf(label, sizeof label, "%s.geojson", mw_scene_date(s[k - 1]));
    step.previous_label = k > 1 ? label : NULL;  /* its name once committed, beside this file */
    step.lineage = 1;
    step.change_raster = NULL;
    step.output = NULL;
    scaled_progress sp = {fn, arg, 0.95 * (k - 1) / (n - 1), 0.95 * k / (n - 1)};
    mw_alert_set *set = NULL;
    const mw_scene *before[1] = {s[k - 1]};
    st = mw_scan_run(ctx, before, 1, s[k], &step, scaled, &sp, &set);
    if (st == MW_OK) st = mw_alert_set_write(set, paths[k - 1]);
    if (st == MW_OK) {
        snprintf(r->dates[k - 1], sizeof r->dates[k - 1], "%s", mw_scene_date(s[k]));
        for (int i = 0; i < mw_alert_set_count(set); i++) r->counts[k - 1][mw_alert_set_at(set, i)->lineage.status]++;
    }
    mw_alert_set_destroy(set);
    return st;
}

/* sites.gpkg and timeline.html from the step files. */
static mw_status write_history(char **paths, mw_monitor_result *r, const char *tmp)
{
    const char **dates = malloc((size_t)r->nsteps * sizeof *dates);
    if (!dates) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int k = 0; k < r->nsteps; k++) dates[k] = r->dates[k];
    mw_series s;
    mw_status st = mw_series_read((const char *const *)paths, dates, r->nsteps, &s);
    free(dates);
    if (st != MW_OK) return st;
    char *gpkg = join(tmp, "sites.gpkg"), *html = join(tmp, "timeline.html");
    st = gpkg && html ? mw_series_write_gpkg(&s, gpkg) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_series_write_html(&s, html);
    r->nsites = s.nsites;
    mw_series_clear(&s);
    free(gpkg);
    free(html);
    return st;
}

/* Move every file of @p tmp into @p outdir. */
static mw_status commit(const char *tmp, const char *outdir, char **paths, int nsteps)
{
    const char *names[] = {"sites.gpkg", "timeline.html"};
    mw_status st = MW_OK;
    for (int k = 0; k < nsteps + 2 && st == MW_OK; k++) {
        const char *from = k < nsteps ? paths[k] : NULL;
        char *fromj = k < nsteps ? NULL : join(tmp, names[k - nsteps]);
        if (!from) from = fromj;
        const char *base = strrchr(from, '/') + 1;
        char *to = join(outdir, base);
        if (!to || rename(from, to) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", to ? to : outdir, strerror(errno));
        free(to);
        free(fromj);
    }
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

mw_status mw_monitor(mw_context *context, mw_scene *const *scenes, int n, const mw_options *opt,
                     const char *outdir, mw_progress_fn progress, void *progress_arg, mw_monitor_result **result)
{
    if (result) *result = NULL;
    if (!scenes || !opt || !outdir || n < 2)
        return mw_error_set(MW_ERR_USAGE, "monitor needs at least two scenes and an output folder");
    mw_scene **s = malloc((size_t)n * sizeof *s);
    char **paths = calloc((size_t)n, sizeof *paths);
    mw_monitor_result *r = result_new(n - 1);
    char tmpname[64];
    snprintf(tmpname, sizeof tmpname, ".monitor.tmp-%ld", (long)getpid());
    char *tmp = join(outdir, tmpname);
    mw_context *own = NULL;
    mw_status st = s && paths && r && tmp ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK && !context) st = mw_context_create(&own);
    if (st == MW_OK) {
        memcpy(s, scenes, (size_t)n * sizeof *s);
        st = check_dates(s, n);
    }
    int made_tmp = 0;
    if (st == MW_OK) st = make_dir(outdir);
    if (st == MW_OK) {
        if (mkdir(tmp, 0700) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", outdir, strerror(errno));
        else made_tmp = 1;
    }
    for (int k = 1; k < n && st == MW_OK; k++)
        st = run_step(context ? context : own, s, k, n, opt, tmp, paths, r, progress, progress_arg);
    if (st == MW_OK) st = write_history(paths, r, tmp);
    if (st == MW_OK && progress && !progress(1.0, "done", progress_arg))
        st = mw_error_set(MW_ERR_CANCELLED, "cancelled");
    if (st == MW_OK) st = commit(tmp, outdir, paths, n - 1);
    if (made_tmp) remove_tree(tmp);
    mw_context_destroy(own);
    for (int i = 0; i < n; i++) free(paths ? paths[i] : NULL);
    free(paths);
    free(s);
    free(tmp);
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
