/*
 * The evidence package's life cycle (mw_evidence.h): begin before the scan
 * reads pixels, build after the alert file is written, commit last.
 *
 * General plan of mw_evidence_build()
 *  1. alerts/<id>/ for every alert, in parallel (evidence_chips.c);
 *  2. overview.png and report.html; alerts.kmz and alerts.gpx;
 *  3. the alert file's SHA-256; wait for the input hashes (started at
 *     begin, usually done long before); manifest.json;
 *  4. SHA256SUMS over everything else (chips, GeoTIFFs and alert.json
 *     were hashed from memory as they were written): its own SHA-256 is
 *     the package's fingerprint, printed by the command line for the record.
 */
#include "mw_evidence.h"
#include "mw_evidence_internal.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/mw_error.h"

struct mw_evidence {
    mw_evidence_setup setup;
    char *dir, *tmp, *command_line, *model_path, *aoi, *protected_areas;
    mw_provenance prov[2];
    mw_hasher *hasher;
    char started[32];
    mw_digest fingerprint;
    int built, committed;
    const mw_grid *grid;
    mw_evidence_cap cap;
    mw_quicklook ql;
    uint8_t *ql_rgb;              /* overview sampled from the tiles */
    _Atomic int ql_used;
    json_object *manifest;        /* made by build, finished by seal */
    mw_sum_table sums;            /* files hashed as written (SHA256SUMS) */
};

void mw_utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Every input file (scenes, model, layers): for the folder checks and the hasher. */
static int input_files(mw_evidence *ev, char ***out)
{
    int n = 0, cap = ev->prov[0].nfiles + ev->prov[1].nfiles + 24;
    char **v = calloc((size_t)cap, sizeof *v);
    if (!v) return -1;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < ev->prov[k].nfiles; i++) v[n++] = strdup(ev->prov[k].files[i]);
    const char *layers[3] = {ev->model_path, ev->aoi, ev->protected_areas};
    for (int k = 0; k < 3; k++) {
        char **f = NULL;
        int m = layers[k] ? mw_layer_files(layers[k], &f) : 0;
        for (int i = 0; i < m; i++) {
            if (n < cap) v[n++] = f[i];
            else free(f[i]);
        }
        free(f);
    }
    for (int i = 0; i < n; i++)
        if (!v[i]) n = -1;
    *out = v;
    return n;
}

static void free_list(char **v, int n)
{
    for (int i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

mw_status mw_evidence_begin(const mw_evidence_setup *setup, mw_evidence **out)
{
    *out = NULL;
    mw_evidence *ev = calloc(1, sizeof *ev);
    if (!ev) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_utc_now(ev->started);
    ev->setup = *setup;
    ev->dir = dup_or_null(setup->dir);
    ev->command_line = dup_or_null(setup->command_line);
    ev->model_path = dup_or_null(setup->model_path);
    ev->aoi = dup_or_null(setup->aoi);
    ev->protected_areas = dup_or_null(setup->protected_areas);
    ev->setup.dir = ev->dir;
    ev->setup.command_line = ev->command_line;
    ev->setup.model_path = ev->model_path;
    ev->setup.aoi = ev->aoi;
    ev->setup.protected_areas = ev->protected_areas;
    ev->setup.outputs = NULL;
    mw_status st = ev->dir ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_provenance_read(setup->before, &ev->prov[0]);
    if (st == MW_OK) st = mw_provenance_read(setup->after, &ev->prov[1]);
    char **files = NULL;
    int n = st == MW_OK ? input_files(ev, &files) : 0;
    if (n < 0) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) {
        /* the scene arguments themselves too: a folder scene must not hold the package */
        const char **all = calloc((size_t)n + 2, sizeof *all);
        if (!all) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        for (int i = 0; all && i < n; i++) all[i] = files[i];
        if (all) {
            all[n] = mw_scene_path(setup->before);
            all[n + 1] = mw_scene_path(setup->after);
            st = mw_evidence_dir_check(ev->dir, all, n + 2, setup->outputs);
        }
        free(all);
    }
    if (st == MW_OK && !setup->staged) st = mw_error_set(MW_ERR_INTERNAL, "%s: no staging folder", ev->dir);
    if (st == MW_OK && !(ev->tmp = strdup(setup->staged))) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_hasher_start((const char *const *)files, n, &ev->hasher);
    free_list(files, n);
    if (st != MW_OK) {
        mw_evidence_destroy(ev);
        return st;
    }
    *out = ev;
    return MW_OK;
}

mw_status mw_evidence_set_grid(mw_evidence *ev, const mw_grid *grid)
{
    ev->grid = grid;
    mw_quicklook_layout(grid, &ev->ql);
    free(ev->ql_rgb);
    ev->ql_rgb = calloc((size_t)ev->ql.w * ev->ql.h, 3);
    return ev->ql_rgb ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
}

static mw_chip_ctx chip_ctx(const mw_evidence *ev)
{
    return (mw_chip_ctx){.grid = ev->grid, .prov_before = &ev->prov[0], .prov_after = &ev->prov[1],
                         .before = ev->setup.before, .after = ev->setup.after, .root = ev->tmp};
}

mw_status mw_evidence_capture(mw_evidence *ev, const mw_evidence_site *site, int *stage)
{
    *stage = 0;
    if (!ev->grid) return mw_error_set(MW_ERR_INTERNAL, "evidence capture before the grid is known");
    mw_chip_ctx cc = chip_ctx(ev);
    return mw_evidence_capture_into(&ev->cap, &cc, site, stage);
}

void mw_evidence_quicklook_add(mw_evidence *ev, mw_rect core, mw_rect area, const mw_scene_pixels *px)
{
    if (!ev->ql_rgb || !ev->grid) return;
    mw_quicklook_add(&ev->ql, ev->ql_rgb, ev->grid, core, area, px);
    atomic_store(&ev->ql_used, 1);
}

/* Captured chips become alerts/<id>/; every alert gets its alert.json. */
static mw_status place_alerts(mw_evidence *ev, const mw_evidence_scan *scan, mw_chip_info *info)
{
    mw_status st = mw_evidence_mkdirs(ev->tmp, "alerts");
    for (int i = 0; st == MW_OK && i < scan->nalerts; i++) {
        int s = scan->stages ? scan->stages[i] : 0;
        if (s <= 0 || !mw_evidence_stage_info(&ev->cap, s, &info[i])) continue;
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/.stage/%d", ev->tmp, s);
        snprintf(to, sizeof to, "%s/alerts/%s", ev->tmp, scan->alerts[i].id);
        if (rename(from, to) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: cannot move the chips into place", to);
        info[i].captured = 1;
    }
    return st;
}

/* alert.json of every alert; the digests of what each alert folder holds. */
static mw_status write_features(mw_evidence *ev, const mw_evidence_scan *scan, const mw_chip_info *info)
{
    mw_status st = MW_OK;
    for (int i = 0; st == MW_OK && i < scan->nalerts; i++) {
        char path[PATH_MAX], rel[PATH_MAX];
        const char *id = scan->alerts[i].id;
        snprintf(path, sizeof path, "%s/alerts/%s/alert.json", ev->tmp, id);
        char *json = mw_evidence_feature_json(scan, i);
        mw_digest d;
        st = json ? mw_evidence_write_hashed(path, json, strlen(json), &d) : mw_error_set(MW_ERR_NOMEM, "out of memory");
        free(json);
        snprintf(rel, sizeof rel, "alerts/%s/alert.json", id);
        if (st == MW_OK) st = mw_sum_table_add(&ev->sums, rel, &d);
        for (int k = 0; st == MW_OK && info[i].hashed && k < MW_CHIP_NFILES; k++) {
            if (!info[i].files[k].hex[0]) continue;
            snprintf(rel, sizeof rel, "alerts/%s/%s", id, mw_chip_files[k]);
            st = mw_sum_table_add(&ev->sums, rel, &info[i].files[k]);
        }
    }
    return st;
}

static mw_status path_in(const mw_evidence *ev, const char *name, char out[PATH_MAX])
{
    int n = snprintf(out, PATH_MAX, "%s/%s", ev->tmp, name);
    return n > 0 && n < PATH_MAX ? MW_OK : mw_error_set(MW_ERR_WRITE, "%s: path too long", ev->tmp);
}

mw_status mw_evidence_build(mw_evidence *ev, const mw_evidence_scan *scan)
{
    char p[PATH_MAX];
    mw_chip_info *info = calloc(scan->nalerts > 0 ? (size_t)scan->nalerts : 1, sizeof *info);
    if (!info) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (!ev->grid) ev->grid = scan->grid;
    mw_chip_ctx cc = chip_ctx(ev);
    cc.scan = scan;
    mw_status st = place_alerts(ev, scan, info);
    if (st == MW_OK) st = mw_evidence_chips(&cc, info);
    if (st == MW_OK) st = write_features(ev, scan, info);
    if (st == MW_OK && (st = path_in(ev, ".stage", p)) == MW_OK) mw_evidence_dir_remove(p);  /* sites not kept */
    mw_quicklook ql;
    if (st == MW_OK && (st = path_in(ev, "overview.png", p)) == MW_OK)
        st = mw_evidence_quicklook(ev->setup.after, scan, atomic_load(&ev->ql_used) ? ev->ql_rgb : NULL, p, &ql);
    if (st == MW_OK && (st = path_in(ev, "report.html", p)) == MW_OK) {
        mw_report_ctx rc = {.scan = scan, .info = info, .ql = &ql, .prov_before = &ev->prov[0],
                            .prov_after = &ev->prov[1], .started_utc = ev->started};
        st = mw_evidence_report(&rc, p);
    }
    if (st == MW_OK && (st = path_in(ev, "alerts.kmz", p)) == MW_OK) st = mw_evidence_kmz(scan, ev->tmp, p);
    if (st == MW_OK && (st = path_in(ev, "alerts.gpx", p)) == MW_OK) st = mw_evidence_gpx(scan, p);
    free(info);
    if (st == MW_OK) {
        double secs = 0;
        mw_hasher_wait(ev->hasher, &secs);
        mw_manifest_ctx mc = {.setup = &ev->setup, .scan = scan, .prov = {&ev->prov[0], &ev->prov[1]},
                              .hasher = ev->hasher, .hash_seconds = secs, .started_utc = ev->started};
        ev->manifest = mw_evidence_manifest_make(&mc, &st);
    }
    if (st == MW_OK) ev->built = 1;
    return st;
}

mw_status mw_evidence_seal(mw_evidence *ev, const char *alert_file, const char *alert_path)
{
    if (!ev->built) return mw_error_set(MW_ERR_INTERNAL, "%s: the package is not complete", ev->dir);
    if (!alert_path) return mw_error_set(MW_ERR_USAGE, "%s: the evidence needs the alert file", ev->dir);
    if (!alert_file) alert_file = alert_path;
    char p[PATH_MAX], alert_real[PATH_MAX], finished[32];
    mw_digest alerts;
    /* The staged file is hashed: it becomes alert_path when the run's
     * transaction commits, right after this. */
    mw_status st = mw_sha256_file(alert_file, &alerts);
    if (!mw_evidence_resolve(alert_path, alert_real)) snprintf(alert_real, sizeof alert_real, "%s", alert_path);
    mw_utc_now(finished);
    if (st == MW_OK && (st = path_in(ev, "manifest.json", p)) == MW_OK)
        st = mw_evidence_manifest_finish(ev->manifest, alert_real, &alerts, finished, p);
    if (st == MW_OK) st = mw_evidence_sums(ev->tmp, &ev->sums, &ev->fingerprint);
    if (st == MW_OK) ev->committed = 1;
    return st;
}

const char *mw_evidence_fingerprint(const mw_evidence *ev)
{
    return ev && ev->committed ? ev->fingerprint.hex : NULL;
}

void mw_evidence_destroy(mw_evidence *ev)
{
    if (!ev) return;
    mw_hasher_destroy(ev->hasher);
    json_object_put(ev->manifest);
    mw_sum_table_clear(&ev->sums);
    mw_evidence_cap_clear(&ev->cap);
    free(ev->ql_rgb);
    mw_provenance_clear(&ev->prov[0]);
    mw_provenance_clear(&ev->prov[1]);
    free(ev->tmp);
    free(ev->dir);
    free(ev->command_line);
    free(ev->model_path);
    free(ev->aoi);
    free(ev->protected_areas);
    free(ev);
}
