/*
 * PNG of an RGB canvas, encoded in memory with libdeflate.
 *
 * A full tile's thousand alerts make five thousand chips: GDAL's PNG driver
 * (a MEM copy, libpng trying every row filter, zlib) was the largest cost of
 * the package. Chips are mostly pixels enlarged by an integer factor, so
 * one cheap filter per row does as well: a row equal to the one above gets
 * "Up" (all zeros), any other "Sub" (zeros along a repeated pixel). The
 * bytes come back in memory, so the caller hashes them as it writes them.
 */
#include "mw_evidence_internal.h"

#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "core/mw_error.h"

/* libdeflate level 1: as small as zlib's level 6 on chips, several times faster */
enum { PNG_LEVEL = 1 };

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One chunk at @p p: length, type, data (already in place after the type), CRC. */
static size_t chunk(uint8_t *p, const char type[4], size_t n)
{
    be32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    be32(p + 8 + n, libdeflate_crc32(0, p + 4, n + 4));
    return n + 12;
}

/* The filtered scanlines: a filter byte, then the row. */
static void filter_rows(const uint8_t *rgb, int w, int h, uint8_t *out)
{
    const size_t row = (size_t)w * 3;
    for (int y = 0; y < h; y++) {
        const uint8_t *cur = rgb + (size_t)y * row;
        uint8_t *o = out + (size_t)y * (row + 1);
        if (y > 0 && memcmp(cur, cur - row, row) == 0) {
            o[0] = 2;  /* Up: the row repeats */
            memset(o + 1, 0, row);
            continue;
        }
        o[0] = 1;  /* Sub */
        memcpy(o + 1, cur, 3 < row ? 3 : row);
        for (size_t i = 3; i < row; i++) o[1 + i] = (uint8_t)(cur[i] - cur[i - 3]);
    }
}

mw_status mw_png_encode(const uint8_t *rgb, int w, int h, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const size_t raw_n = ((size_t)w * 3 + 1) * h;
    uint8_t *raw = malloc(raw_n);
    struct libdeflate_compressor *z = libdeflate_alloc_compressor(PNG_LEVEL);
    const size_t bound = z ? libdeflate_zlib_compress_bound(z, raw_n) : 0;
    uint8_t *png = malloc(8 + 25 + 12 + bound + 12);
    if (!raw || !z || !png) {
        free(raw);
        free(png);
        if (z) libdeflate_free_compressor(z);
        return mw_error_set(MW_ERR_NOMEM, "out of memory for a %d x %d image", w, h);
    }
    filter_rows(rgb, w, h, raw);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(png, sig, 8);
    size_t n = 8;
    uint8_t *ihdr = png + n + 8;
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;   /* bits per sample */
    ihdr[9] = 2;   /* truecolour */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;  /* deflate, adaptive filtering, no interlace */
    n += chunk(png + n, "IHDR", 13);
    size_t zn = libdeflate_zlib_compress(z, raw, raw_n, png + n + 8, bound);
    libdeflate_free_compressor(z);
    free(raw);
    if (zn == 0) {
        free(png);
        return mw_error_set(MW_ERR_INTERNAL, "a %d x %d image does not compress", w, h);
    }
    n += chunk(png + n, "IDAT", zn);
    n += chunk(png + n, "IEND", 0);
    *out = png;
    *len = n;
    return MW_OK;
}
