/*
 * minewatch verify DIR: the package against its SHA256SUMS, then the
 * inputs the manifest names against their recorded SHA-256.
 *
 * General plan
 *  1. Parse SHA256SUMS ("<64 hex>  <relative path>" lines).
 *  2. List the folder; walk the union of listed and present paths in
 *     bytewise order: listed but absent = missing, present but unlisted =
 *     added, listed and present = hashed (all threads) and compared.
 *  3. manifest.json: every input file (scenes, model, AOI, protected
 *     areas) and the alert file; where still at its path, re-hashed.
 */
#include "minewatch/evidence.h"
#include "mw_evidence_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "core/mw_error.h"

typedef struct entry {
    char *path;
    char hex[65];
} entry;

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->path, ((const entry *)b)->path); }

static int parse_sums(char *txt, entry **out, int *n)
{
    int cap = 0, ok = 1;
    *out = NULL;
    *n = 0;
    for (char *line = strtok(txt, "\n"); line && ok; line = strtok(NULL, "\n")) {
        size_t len = strlen(line);
        if (len < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') || strspn(line, "0123456789abcdef") != 64)
            return 0;
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            entry *e = realloc(*out, (size_t)cap * sizeof *e);
            if (!e) return 0;
            *out = e;
        }
        entry *e = &(*out)[*n];
        memcpy(e->hex, line, 64);
        e->hex[64] = '\0';
        if (!(e->path = strdup(line + 66))) return 0;
        (*n)++;
    }
    qsort(*out, (size_t)*n, sizeof **out, cmp_entry);
    return ok;
}

static int package(const char *dir, entry *e, int ne, char **names, int nn, mw_verify_fn report, void *arg)
{
    /* hash every listed file that is present, in parallel */
    int *same = calloc(ne > 0 ? (size_t)ne : 1, sizeof *same);
    if (!same) return 0;
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < ne; i++) {
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s", dir, e[i].path);
        mw_digest d;
        struct stat sb;
        if (lstat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) same[i] = -1;
        else same[i] = mw_sha256_file(p, &d) == MW_OK && !strcmp(d.hex, e[i].hex);
    }
    int intact = 1, i = 0, j = 0;
    while (i < ne || j < nn) {
        int c = i >= ne ? 1 : j >= nn ? -1 : strcmp(e[i].path, names[j]);
        if (j < nn && !strcmp(names[j], "SHA256SUMS")) {
            j++;
            continue;
        }
        if (c < 0) {
            intact = 0;
            report(arg, MW_VERIFY_MISSING, e[i++].path);
        } else if (c > 0) {
            intact = 0;
            report(arg, MW_VERIFY_ADDED, names[j++]);
        } else {
            if (same[i] != 1) {
                intact = 0;
                report(arg, same[i] < 0 ? MW_VERIFY_MISSING : MW_VERIFY_ALTERED, e[i].path);
            }
            i++, j++;
        }
    }
    free(same);
    return intact;
}

static int check_input(json_object *file, mw_verify_fn report, void *arg)
{
    json_object *p, *h;
    if (!json_object_object_get_ex(file, "path", &p) || !json_object_object_get_ex(file, "sha256", &h)) return 1;
    const char *path = json_object_get_string(p);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        report(arg, MW_VERIFY_INPUT_ABSENT, path);
        return 1;
    }
    mw_digest d;
    int same = mw_sha256_file(path, &d) == MW_OK && !strcmp(d.hex, json_object_get_string(h));
    report(arg, same ? MW_VERIFY_INPUT_MATCHES : MW_VERIFY_INPUT_CHANGED, path);
    return same;
}

static int files_of(json_object *o, mw_verify_fn report, void *arg)
{
    json_object *files;
    int ok = 1;
    if (!o || !json_object_object_get_ex(o, "files", &files)) return 1;
    for (size_t i = 0; i < json_object_array_length(files); i++)
        ok &= check_input(json_object_array_get_idx(files, i), report, arg);
    return ok;
}

static int inputs(const char *dir, mw_verify_fn report, void *arg)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    char *txt = mw_evidence_slurp(p, 256L << 20);
    json_object *m = txt ? json_tokener_parse(txt) : NULL;
    free(txt);
    if (!m) return 1;   /* a missing or broken manifest is already reported by the package check */
    int ok = 1;
    json_object *v;
    if (json_object_object_get_ex(m, "scenes", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) ok &= files_of(json_object_array_get_idx(v, i), report, arg);
    if (json_object_object_get_ex(m, "model", &v)) ok &= check_input(v, report, arg);
    if (json_object_object_get_ex(m, "aoi", &v)) ok &= files_of(v, report, arg);
    if (json_object_object_get_ex(m, "protected_areas", &v)) ok &= files_of(v, report, arg);
    if (json_object_object_get_ex(m, "alerts", &v)) ok &= check_input(v, report, arg);
    json_object_put(m);
    return ok;
}

mw_status mw_evidence_verify(const char *dir, mw_verify_fn report, void *arg, int *intact)
{
    *intact = 0;
    struct stat sb;
    if (!dir || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return mw_error_set(MW_ERR_OPEN, "%s: not a folder", dir ? dir : "(null)");
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/SHA256SUMS", dir);
    /* stat first: GDAL's ingest would print its own error for a folder
     * that is no package at all. */
    char *txt = stat(p, &sb) == 0 ? mw_evidence_slurp(p, 256L << 20) : NULL;
    if (!txt) {
        report(arg, MW_VERIFY_MISSING, "SHA256SUMS");
        return MW_OK;
    }
    entry *e = NULL;
    int ne = 0;
    if (!parse_sums(txt, &e, &ne)) {
        free(txt);
        for (int i = 0; i < ne; i++) free(e[i].path);
        free(e);
        report(arg, MW_VERIFY_ALTERED, "SHA256SUMS");
        return MW_OK;
    }
    free(txt);
    char **names = NULL;
    int nn = 0;
    mw_status st = mw_evidence_list(dir, &names, &nn);
    if (st == MW_OK) {
        int ok = package(dir, e, ne, names, nn, report, arg);
        ok &= inputs(dir, report, arg);
        *intact = ok;
    }
    mw_evidence_list_free(names, nn);
    for (int i = 0; i < ne; i++) free(e[i].path);
    free(e);
    return st;
}
