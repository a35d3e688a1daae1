/*
 * The two loops that build a read's validity mask (scene_reader.c), as
 * kernels of their own so tests can hold their vectorised clones
 * (core/mw_simd.h) against the baseline. Private to src/read.
 */
#ifndef MW_VALID_MASK_H
#define MW_VALID_MASK_H

#include <stddef.h>
#include <stdint.h>

/** valid[i] = 0 where v[i] is NaN (a band without a value there). */
void mw_valid_and_number(uint8_t *valid, const float *v, size_t n);

/**
 * valid[x] &= clear[col[x]] for x < w: one target row of a mask decoded at
 * a coarser resolution, spread by nearest neighbour (col: source column of
 * each target column).
 */
void mw_valid_and_spread(uint8_t *valid, const uint8_t *clear, const int *col, int w);

#endif
