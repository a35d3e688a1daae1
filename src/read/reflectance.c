/*
 * DN -> reflectance, the one conversion every band read goes through:
 * scale and offset of the product, nodata and non-finite values -> NaN,
 * masks (SCL, QA_PIXEL) left raw. Private to src/read.
 */
#include "mw_reflectance.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/mw_simd.h"

void mw_to_reflectance(const mw_band_src *src, int is_mask, float *v, size_t n)
{
    if (is_mask) return;
    const float scale = (float)src->scale, offset = (float)src->offset;
    const int has_nd = src->has_nodata;
    const float nd = (float)src->nodata;
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        v[i] = (has_nd && x == nd) || !isfinite(x) ? NAN : x * scale + offset;
    }
}

/* The same arithmetic as mw_to_reflectance() on GDAL's Float32 copy,
 * which holds these sample types exactly. */
#define SPAN_LOOP(T, FINITE)                                                              \
    do {                                                                                  \
        const T *p = (const T *)blk + s;                                                  \
        if (is_mask) {                                                                    \
            for (int i = 0; i < n; i++) out[i] = (float)p[(size_t)i * spp];               \
        } else if (has_nd) {                                                              \
            for (int i = 0; i < n; i++) {                                                 \
                float x = (float)p[(size_t)i * spp];                                      \
                out[i] = x == nd || !(FINITE) ? NAN : x * scale + offset;                 \
            }                                                                             \
        } else {                                                                          \
            for (int i = 0; i < n; i++) {                                                 \
                float x = (float)p[(size_t)i * spp];                                      \
                out[i] = !(FINITE) ? NAN : x * scale + offset;                            \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* The common case, one 16-bit band per block, branch-free so it vectorises:
 * the nodata test is an integer compare (a uint16 equals the float nodata
 * only when that is a whole number in range) and NaN is blended in by bits. */
MW_SIMD_CLONES
static void span_u16(const uint16_t *restrict p, int n, float scale, float offset, int has_nd, float nd,
                     float *restrict out)
{
    const int match = has_nd && nd >= 0.0f && nd <= 65535.0f && nd == floorf(nd);
    const uint16_t ndu = match ? (uint16_t)nd : 0;
    const uint32_t nan_bits = 0x7fc00000u;  /* NAN */
#pragma omp simd
    for (int i = 0; i < n; i++) {
        float v = (float)p[i] * scale + offset;
        uint32_t u;
        memcpy(&u, &v, sizeof u);
        uint32_t m = 0u - (uint32_t)(match & (p[i] == ndu));
        u = (u & ~m) | (nan_bits & m);
        memcpy(&out[i], &u, sizeof u);
    }
}

void mw_span_to_reflectance(const mw_band_src *src, int is_mask, mw_tiff_type type, const void *blk, size_t s,
                            int spp, int n, float *restrict out)
{
    const float scale = (float)src->scale, offset = (float)src->offset;
    const int has_nd = src->has_nodata;
    const float nd = (float)src->nodata;
    if (type == MW_TIFF_U16 && spp == 1 && !is_mask) {
        span_u16((const uint16_t *)blk, n, scale, offset, has_nd, nd, out);
        return;
    }
    switch (type) {
    case MW_TIFF_U8: SPAN_LOOP(uint8_t, 1); break;
    case MW_TIFF_U16: SPAN_LOOP(uint16_t, 1); break;
    case MW_TIFF_I16: SPAN_LOOP(int16_t, 1); break;
    case MW_TIFF_F32: SPAN_LOOP(float, isfinite(x)); break;
    }
}
