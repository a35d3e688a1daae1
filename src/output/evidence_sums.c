/*
 * SHA256SUMS: every file of the package but itself, in bytewise order of
 * the relative path, in the format `sha256sum -c` reads. The files were
 * just written, so they are hashed from the page cache, on all threads.
 */
#include "mw_evidence_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

mw_status mw_evidence_sums(const char *root, mw_digest *out)
{
    char **names = NULL;
    int n = 0;
    mw_status st = mw_evidence_list(root, &names, &n);
    if (st != MW_OK) return st;
    mw_digest *d = calloc(n > 0 ? (size_t)n : 1, sizeof *d);
    if (!d) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status first = MW_OK;
    char msg[1024] = "";
#pragma omp parallel for schedule(dynamic, 16) if (st == MW_OK)
    for (int i = 0; i < n; i++) {
        if (st != MW_OK) continue;
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
