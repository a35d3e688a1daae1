/*
 * A ZIP archive for alerts.kmz: entries stored or deflated (libdeflate),
 * every time stamp 1980-01-01 so the archive is the same bytes on every
 * run. GDAL's writer (zlib at its default level, no level to choose) spent
 * a second of a full tile's scan on doc.kml alone. No ZIP64: at most 65535
 * entries and 4 GiB, refused beyond (a KMZ holds two chips per alert).
 */
#include "mw_evidence_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "core/mw_error.h"

enum { ZIP_LEVEL = 6, ZIP_MAX_ENTRIES = 65535 };
#define ZIP_MAX_BYTES 0xFFFFFFFFull

typedef struct zip_entry {
    char *name;
    uint32_t crc, csize, usize, offset;
    uint16_t method;
} zip_entry;

struct mw_zip {
    FILE *f;
    char *path;
    zip_entry *e;
    int n, cap;
    unsigned long long pos;
    int failed;
};

static void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xFFFF);
    le16(p + 2, v >> 16);
}

static mw_status put(mw_zip *z, const void *data, size_t n)
{
    if (n && fwrite(data, 1, n, z->f) != n) {
        z->failed = 1;
        return mw_error_set(MW_ERR_WRITE, "%s: %s", z->path, strerror(errno));
    }
    z->pos += n;
    return MW_OK;
}

mw_status mw_zip_open(const char *path, mw_zip **out)
{
    *out = NULL;
    mw_zip *z = calloc(1, sizeof *z);
    if (!z || !(z->path = strdup(path))) {
        free(z);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    if (!(z->f = fopen(path, "wbx"))) {
        mw_status st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
        free(z->path);
        free(z);
        return st;
    }
    *out = z;
    return MW_OK;
}

/* A local header (30 bytes + name) or a central one (46 + name). */
static size_t header(uint8_t *h, const zip_entry *e, int central)
{
    const size_t nlen = strlen(e->name);
    const int k = central ? 2 : 0;  /* the central header has "version made by" first */
    memset(h, 0, 46);
    le32(h, central ? 0x02014b50 : 0x04034b50);
    if (central) le16(h + 4, 20);
    le16(h + 4 + k, 20);            /* version needed: 2.0 */
    le16(h + 8 + k, e->method);
    le16(h + 12 + k, 0x21);         /* 1980-01-01, 00:00 */
    le32(h + 14 + k, e->crc);
    le32(h + 18 + k, e->csize);
    le32(h + 22 + k, e->usize);
    le16(h + 26 + k, (unsigned)nlen);
    if (central) le32(h + 42, e->offset);
    return central ? 46 : 30;
}

mw_status mw_zip_add(mw_zip *z, const char *name, const void *data, size_t n, int compress)
{
    if (z->n >= ZIP_MAX_ENTRIES || n > ZIP_MAX_BYTES || z->pos + n > ZIP_MAX_BYTES)
        return mw_error_set(MW_ERR_WRITE, "%s: over 65535 files or 4 GiB (ZIP64 is not written)", z->path);
    if (z->n == z->cap) {
        int cap = z->cap ? 2 * z->cap : 256;
        zip_entry *p = realloc(z->e, (size_t)cap * sizeof *p);
        if (!p) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        z->e = p;
        z->cap = cap;
    }
    zip_entry *e = &z->e[z->n];
    *e = (zip_entry){.crc = libdeflate_crc32(0, data, n), .usize = (uint32_t)n, .csize = (uint32_t)n,
                     .offset = (uint32_t)z->pos};
    void *packed = NULL;
    if (compress && n > 0) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(ZIP_LEVEL);
        size_t bound = c ? libdeflate_deflate_compress_bound(c, n) : 0;
        packed = c ? malloc(bound) : NULL;
        size_t m = packed ? libdeflate_deflate_compress(c, data, n, packed, bound) : 0;
        if (c) libdeflate_free_compressor(c);
        if (m > 0 && m < n) {
            e->method = 8;
            e->csize = (uint32_t)m;
        }
    }
    if (!(e->name = strdup(name))) {
        free(packed);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    z->n++;
    uint8_t h[46];
    mw_status st = put(z, h, header(h, e, 0));
    if (st == MW_OK) st = put(z, name, strlen(name));
    if (st == MW_OK) st = put(z, e->method ? packed : data, e->csize);
    free(packed);
    return st;
}

mw_status mw_zip_close(mw_zip *z, int keep)
{
    mw_status st = z->failed ? mw_error_set(MW_ERR_WRITE, "%s: cannot write", z->path) : MW_OK;
    const unsigned long long start = z->pos;
    for (int i = 0; keep && st == MW_OK && i < z->n; i++) {
        uint8_t h[46];
        st = put(z, h, header(h, &z->e[i], 1));
        if (st == MW_OK) st = put(z, z->e[i].name, strlen(z->e[i].name));
    }
    if (keep && st == MW_OK) {
        uint8_t end[22] = {0};
        le32(end, 0x06054b50);
        le16(end + 8, (unsigned)z->n);
        le16(end + 10, (unsigned)z->n);
        le32(end + 12, (uint32_t)(z->pos - start));
        le32(end + 16, (uint32_t)start);
        if (z->pos > ZIP_MAX_BYTES) st = mw_error_set(MW_ERR_WRITE, "%s: over 4 GiB (ZIP64 is not written)", z->path);
        if (st == MW_OK) st = put(z, end, sizeof end);
    }
    if (fclose(z->f) != 0 && st == MW_OK) st = mw_error_set(MW_ERR_WRITE, "%s: %s", z->path, strerror(errno));
    if (!keep || st != MW_OK) remove(z->path);
    for (int i = 0; i < z->n; i++) free(z->e[i].name);
    free(z->e);
    free(z->path);
    free(z);
    return keep ? st : MW_OK;
}
