/*
 * The package folder: refused when it holds anything or touches an input
 * or another output; built in the staging folder of the scan's output
 * transaction, which moves it onto DIR with the alert file.
 */
#include "mw_evidence_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_vsi.h>

#include "core/mw_error.h"

/* Absolute, symlink-free form of a path that may not exist yet (its
 * existing parent resolved, the last component kept). */
int mw_evidence_resolve(const char *path, char out[PATH_MAX])
{
    if (realpath(path, out)) return 1;
    char a[PATH_MAX], b[PATH_MAX], parent[PATH_MAX];
    snprintf(a, sizeof a, "%s", path);
    snprintf(b, sizeof b, "%s", path);
    if (!realpath(dirname(a), parent)) {
        /* the parent does not exist either: lexically absolute, enough to compare */
        if (path[0] == '/') return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX;
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return 0;
        int n = snprintf(out, PATH_MAX, "%s/%s", cwd, path);
        return n > 0 && n < PATH_MAX;
    }
    int n = snprintf(out, PATH_MAX, "%s/%s", parent, basename(b));
    return n > 0 && n < PATH_MAX;
}

/* 1 when @p inner is @p outer or lies inside it. */
static int within(const char *inner, const char *outer)
{
    size_t n = strlen(outer);
    return !strncmp(inner, outer, n) && (inner[n] == '\0' || inner[n] == '/' || !strcmp(outer, "/"));
}

mw_status mw_evidence_dir_check(const char *dir, const char *const *inputs, int ninputs,
                                 const char *const *outputs)
{
    char d[PATH_MAX];
    if (!dir || !*dir) return mw_error_set(MW_ERR_USAGE, "--evidence needs a folder name");
    if (!mw_evidence_resolve(dir, d))
        return mw_error_set(MW_ERR_USAGE, "%s: the folder it would be made in does not exist", dir);
    struct stat sb;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", d);
    if (stat(dirname(parent), &sb) != 0 || !S_ISDIR(sb.st_mode))
        return mw_error_set(MW_ERR_USAGE, "%s: the folder it would be made in does not exist", dir);
    if (stat(d, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return mw_error_set(MW_ERR_USAGE, "%s: exists and is not a folder: refusing to replace it", dir);
        DIR *dd = opendir(d);
        if (!dd) return mw_error_set(MW_ERR_USAGE, "%s: %s", dir, strerror(errno));
        struct dirent *e;
        int empty = 1;
        while (empty && (e = readdir(dd)) != NULL) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
        closedir(dd);
        if (!empty) return mw_error_set(MW_ERR_USAGE, "%s: the folder is not empty: refusing to write evidence into it", dir);
    }
    for (int i = 0; i < ninputs; i++) {
        char in[PATH_MAX];
        if (!inputs[i] || !mw_evidence_resolve(inputs[i], in)) continue;
        if (within(in, d) || within(d, in))
            return mw_error_set(MW_ERR_USAGE, "%s: the evidence folder would overlap the input %s", dir, inputs[i]);
    }
    for (int i = 0; outputs && outputs[i]; i++) {
        char out[PATH_MAX];
        if (mw_evidence_resolve(outputs[i], out) && within(out, d))
            return mw_error_set(MW_ERR_USAGE, "%s: the output %s would be inside the evidence folder", dir, outputs[i]);
    }
    return MW_OK;
}

mw_status mw_evidence_check_dir(const char *dir, const char *const *outputs)
{
    return mw_evidence_dir_check(dir, NULL, 0, outputs);
}

mw_status mw_evidence_mkdirs(const char *root, const char *rel)
{
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", root, rel);
    if (n < 0 || n >= (int)sizeof p) return mw_error_set(MW_ERR_WRITE, "%s/%s: path too long", root, rel);
    for (char *s = p + strlen(root) + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) return mw_error_set(MW_ERR_WRITE, "%s: %s", p, strerror(errno));
            *s = c;
            if (!c) break;
        }
    }
    return MW_OK;
}

void mw_evidence_dir_remove(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) mw_evidence_dir_remove(p);
            else unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk(const char *root, const char *rel, char ***names, int *n, int *cap)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(p);
    if (!d) return 0;
    struct dirent *e;
    int ok = 1;
    while (ok && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char r[PATH_MAX], full[PATH_MAX * 2];
        snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, r);
        struct stat sb;
        if (lstat(full, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            ok = walk(root, r, names, n, cap);
            continue;
        }
        if (*n == *cap) {
            int nc = *cap ? *cap * 2 : 64;
            char **nn = realloc(*names, (size_t)nc * sizeof *nn);
            if (!nn) { ok = 0; break; }
            *names = nn;
            *cap = nc;
        }
        if (!((*names)[*n] = strdup(r))) ok = 0;
        else (*n)++;
    }
    closedir(d);
    return ok;
}

mw_status mw_evidence_list(const char *root, char ***names, int *n)
{
    int cap = 0;
    *names = NULL;
    *n = 0;
    if (!walk(root, "", names, n, &cap)) {
        mw_evidence_list_free(*names, *n);
        *names = NULL;
        *n = 0;
        return mw_error_set(MW_ERR_READ, "%s: cannot list the folder", root);
    }
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return MW_OK;
}

void mw_evidence_list_free(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

mw_status mw_evidence_write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            mw_status st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
            close(fd);
            return st;
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    return MW_OK;
}

mw_status mw_evidence_write_hashed(const char *path, const void *data, size_t n, mw_digest *digest)
{
    if (digest) mw_sha256_mem(data, n, digest);
    return mw_evidence_write_file(path, data, n);
}

char *mw_evidence_slurp(const char *path, long max_bytes)
{
    GByte *data = NULL;
    vsi_l_offset n = 0;
    if (!VSIIngestFile(NULL, path, &data, &n, max_bytes)) return NULL;
    char *out = malloc((size_t)n + 1);
    if (out) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    VSIFree(data);
    return out;
}
