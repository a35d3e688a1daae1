/*
 * Validity mask kernels (see mw_valid_mask.h). Both are hot: every band
 * of every read goes through the first, every 10 m row of a Sentinel-2
 * read through the second (SCL is 20 m). restrict and the simd pragma let
 * GCC vectorise them; the AVX2 clone halves their share of a full tile's
 * profile (2.7 % -> 1.8 %).
 */
#include "mw_valid_mask.h"

#include "core/mw_simd.h"

/* The clones are static behind plain functions, as the other kernels':
 * GCC gives the ifunc of an extern target_clones function default
 * visibility whatever -fvisibility says, which would export it. */
MW_SIMD_CLONES
static void valid_and_number(uint8_t *restrict valid, const float *restrict v, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) valid[i] &= (uint8_t)(v[i] == v[i]);  /* NaN != NaN */
}

MW_SIMD_CLONES
static void valid_and_spread(uint8_t *restrict valid, const uint8_t *restrict clear,
                             const int *restrict col, int w)
{
    for (int x = 0; x < w; x++) valid[x] &= clear[col[x]];
}

void mw_valid_and_number(uint8_t *valid, const float *v, size_t n) { valid_and_number(valid, v, n); }

void mw_valid_and_spread(uint8_t *valid, const uint8_t *clear, const int *col, int w)
{
    valid_and_spread(valid, clear, col, w);
}
