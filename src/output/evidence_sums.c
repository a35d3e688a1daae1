/*
 * SHA256SUMS: every file of the package but itself, in bytewise order of
 * the relative path, in the format `sha256sum -c` reads. Chips, GeoTIFFs
 * and alert.json were hashed from memory as they were written (the table);
 * the folder is listed all the same, so any other file is hashed too, from
 * the page cache, on all threads.
 */
#include "mw_evidence_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

mw_status mw_sum_table_add(mw_sum_table *t, const char *name, const mw_digest *d)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 1024;
        char **nn = realloc(t->names, (size_t)cap * sizeof *nn);
        if (nn) t->names = nn;
        mw_digest *nd = realloc(t->d, (size_t)cap * sizeof *nd);
        if (nd) t->d = nd;
        if (!nn || !nd) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        t->cap = cap;
    }
    if (!(t->names[t->n] = strdup(name))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    t->d[t->n++] = *d;
    t->sorted = 0;
    return MW_OK;
}

void mw_sum_table_clear(mw_sum_table *t)
{
    for (int i = 0; i < t->n; i++) free(t->names[i]);
    free(t->names);
    free(t->d);
    memset(t, 0, sizeof *t);
}

static int cmp_index(const void *a, const void *b, void *table)
{
    const mw_sum_table *t = table;
    return strcmp(t->names[*(const int *)a], t->names[*(const int *)b]);
}

/* Sort names and digests together (one thread: the build's). */
static mw_status table_sort(mw_sum_table *t)
{
    if (t->sorted || t->n < 2) return MW_OK;
    int *idx = malloc((size_t)t->n * sizeof *idx);
    char **nn = malloc((size_t)t->n * sizeof *nn);
    mw_digest *nd = malloc((size_t)t->n * sizeof *nd);
    mw_status st = idx && nn && nd ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) {
        for (int i = 0; i < t->n; i++) idx[i] = i;
        qsort_r(idx, (size_t)t->n, sizeof *idx, cmp_index, t);
        for (int i = 0; i < t->n; i++) {
            nn[i] = t->names[idx[i]];
            nd[i] = t->d[idx[i]];
        }
        memcpy(t->names, nn, (size_t)t->n * sizeof *nn);
        memcpy(t->d, nd, (size_t)t->n * sizeof *nd);
        t->sorted = 1;
    }
    free(idx);
    free(nn);
    free(nd);
    return st;
}

static const mw_digest *table_find(const mw_sum_table *t, const char *name)
{
    int lo = 0, hi = t ? t->n : 0;
    while (lo < hi) {
        int mid = (lo + hi) / 2, c = strcmp(t->names[mid], name);
        if (c == 0) return &t->d[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

mw_status mw_evidence_sums(const char *root, mw_sum_table *known, mw_digest *out)
{
    char **names = NULL;
    int n = 0;
    mw_status st = known ? table_sort(known) : MW_OK;
    if (st == MW_OK) st = mw_evidence_list(root, &names, &n);
    if (st != MW_OK) return st;
    mw_digest *d = calloc(n > 0 ? (size_t)n : 1, sizeof *d);
    if (!d) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status first = MW_OK;
    char msg[1024] = "";
#pragma omp parallel for schedule(dynamic, 16) if (st == MW_OK)
    for (int i = 0; i < n; i++) {
        if (st != MW_OK) continue;
        const mw_digest *k = table_find(known, names[i]);
        if (k) {
            d[i] = *k;
            continue;
        }
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s", root, names[i]);
        if (mw_sha256_file(p, &d[i]) != MW_OK) {
#pragma omp critical(mw_evidence_sums)
            if (first == MW_OK) {
                first = MW_ERR_READ;
                mw_error_copy(msg, sizeof msg);
            }
        }
    }
    if (st == MW_OK && first != MW_OK) st = mw_error_set(first, "%s", msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = st == MW_OK ? open_memstream(&buf, &len) : NULL;
    if (st == MW_OK && !f) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (f) {
        for (int i = 0; i < n; i++) fprintf(f, "%s  %s\n", d[i].hex, names[i]);
        fclose(f);
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/SHA256SUMS", root);
        mw_sha256_mem(buf, len, out);
        st = mw_evidence_write_file(p, buf, len);
        free(buf);
    }
    free(d);
    mw_evidence_list_free(names, n);
    return st;
}
