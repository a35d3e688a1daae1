/*
 * Inputs' fingerprints: has an input changed since the pair was scanned?
 *
 * The rule (cheap, as make's): every file of the input -- the file itself,
 * or every file under a folder (.SAFE, band folder), recursively, sorted by
 * name -- contributes its relative name, size and modification time; files
 * of at most 1 MiB (metadata: MTD_MSIL2A.xml, *_MTL.txt, STAC JSON, AOI
 * layers, models, the per-band VRTs of a STAC scene) also contribute their
 * whole content. The SHA-256 of all that is the fingerprint. Band rasters
 * are not read whole: hashing a full Sentinel-2 tile pair would cost more
 * than a third of its scan. So a rewrite that keeps a band's size and
 * mtime to the nanosecond goes unseen; `touch` is enough to force a rescan.
 * Remote files (/vsicurl/, /vsis3/ ...) give what their server states
 * (size, Last-Modified) and are never downloaded for this.
 */
#include "mw_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_string.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

#define SMALL_FILE (1 << 20)

static int is_remote(const char *p)
{
    return !strncmp(p, "/vsicurl", 8) || !strncmp(p, "/vsis3", 6) || !strncmp(p, "/vsigs", 6) ||
           !strncmp(p, "/vsiaz", 6) || !strncmp(p, "/vsihttp", 8) || strstr(p, "://") != NULL;
}

static void hash_content(mw_sha256 *c, const char *path)
{
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) {
        mw_sha256_update(c, "unreadable", 10);
        return;
    }
    char buf[65536];
    size_t n;
    while ((n = VSIFReadL(buf, 1, sizeof buf, f)) > 0) mw_sha256_update(c, buf, n);
    VSIFCloseL(f);
}

static void hash_file(mw_sha256 *c, const char *path, const char *name)
{
    char line[512];
    VSIStatBufL sb;
    if (VSIStatL(path, &sb) != 0) {
        snprintf(line, sizeof line, "%s missing\n", name);
        mw_sha256_update(c, line, strlen(line));
        return;
    }
    long long mtime_ns = (long long)sb.st_mtime * 1000000000LL;
    struct stat lsb;
    if (!is_remote(path) && strncmp(path, "/vsi", 4) && stat(path, &lsb) == 0)
        mtime_ns = (long long)lsb.st_mtim.tv_sec * 1000000000LL + lsb.st_mtim.tv_nsec;
    snprintf(line, sizeof line, "%s %lld %lld\n", name, (long long)sb.st_size, mtime_ns);
    mw_sha256_update(c, line, strlen(line));
    if (sb.st_size <= SMALL_FILE && !is_remote(path)) hash_content(c, path);
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void hash_tree(mw_sha256 *c, const char *path, const char *name, int depth)
{
    VSIStatBufL sb;
    if (depth > 8 || VSIStatL(path, &sb) != 0 || !VSI_ISDIR(sb.st_mode)) {
        hash_file(c, path, name);
        return;
    }
    char **names = VSIReadDir(path);
    /* sorted: the order does not depend on the file system */
    if (names) qsort(names, (size_t)CSLCount(names), sizeof *names, cmp_name);
    for (int i = 0; names && names[i]; i++) {
        if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) continue;
        char *p = mw_batch_join(path, names[i]);
        char *n = mw_batch_join(name, names[i]);
        if (p && n) hash_tree(c, p, n, depth + 1);
        free(p);
        free(n);
    }
    CSLDestroy(names);
}

mw_status mw_batch_fingerprint(const char *path, char *const *extra, int nextra, char out[65])
{
    mw_sha256 c;
    mw_sha256_init(&c);
    if (path) hash_tree(&c, path, ".", 0);
    for (int i = 0; i < nextra; i++) hash_file(&c, extra[i], extra[i]);
    mw_sha256_hex(&c, out);
    return MW_OK;
}
