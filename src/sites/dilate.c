/*
 * Square dilation of binary masks (max filter), separable.
 *
 * General Plan
 *  1. Horizontal pass: per row, slide a window of 2r+1 pixels keeping the
 *     count of set pixels; out = count > 0. One add and one subtract per
 *     pixel, whatever r.
 *  2. Vertical pass: the same with one count per column, walking rows
 *     top to bottom so that memory is read row by row (cache friendly,
 *     vectorisable inner loops).
 */
#include <stdlib.h>

#include "core/mw_error.h"
#include "mw_sites_internal.h"

/* Step 1 for one row: dst[x] = any(src[x-r .. x+r] != 0). */
static void dilate_row(const uint8_t *src, uint8_t *dst, int w, int r)
{
    int count = 0;
    int hi = r < w - 1 ? r : w - 1;
    for (int x = 0; x <= hi; x++) count += src[x] != 0;
    for (int x = 0; x < w; x++) {
        dst[x] = count > 0;
        int in = x + r + 1, out = x - r;
        if (in < w) count += src[in] != 0;
        if (out >= 0) count -= src[out] != 0;
    }
}

mw_status mw_mask_dilate(const uint8_t *src, int w, int h, int radius, uint8_t *dst)
{
    if (w <= 0 || h <= 0) return MW_OK;
    if (radius < 0) return mw_error_set(MW_ERR_USAGE, "dilation radius %d < 0", radius);
    size_t n = (size_t)w * (size_t)h;
    if (radius == 0) {
        for (size_t i = 0; i < n; i++) dst[i] = src[i] != 0;
        return MW_OK;
    }
    uint8_t *hrz = malloc(n);
    int32_t *count = calloc((size_t)w, sizeof *count);
    if (!hrz || !count) {
        free(hrz);
        free(count);
        return mw_error_set(MW_ERR_NOMEM, "dilation: out of memory for %dx%d mask", w, h);
    }
    for (int y = 0; y < h; y++)
        dilate_row(src + (size_t)y * w, hrz + (size_t)y * w, w, radius);

    int hi = radius < h - 1 ? radius : h - 1;
    for (int y = 0; y <= hi; y++) {
        const uint8_t *row = hrz + (size_t)y * w;
        for (int x = 0; x < w; x++) count[x] += row[x];
    }
    for (int y = 0; y < h; y++) {
        uint8_t *out = dst + (size_t)y * w;
        for (int x = 0; x < w; x++) out[x] = count[x] > 0;
        int in = y + radius + 1, old = y - radius;
        if (in < h) {
            const uint8_t *row = hrz + (size_t)in * w;
            for (int x = 0; x < w; x++) count[x] += row[x];
        }
        if (old >= 0) {
            const uint8_t *row = hrz + (size_t)old * w;
            for (int x = 0; x < w; x++) count[x] -= row[x];
        }
    }
    free(hrz);
    free(count);
    return MW_OK;
}
