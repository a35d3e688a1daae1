/*
 * Private to src/read: DN -> reflectance (reflectance.c), shared by the
 * GDAL and the libtiff reading paths of scene_reader.c so both give the
 * same values bit for bit.
 */
#ifndef MW_REFLECTANCE_H
#define MW_REFLECTANCE_H

#include <stddef.h>

#include "io/mw_io.h"
#include "mw_tiff_reader.h"

/** In place, @p n values read as Float32 by GDAL: v * scale + offset, NaN
 *  for nodata and non-finite values; a mask (@p is_mask) is left raw. */
void mw_to_reflectance(const mw_band_src *src, int is_mask, float *v, size_t n);

/**
 * @p n samples of a decoded libtiff block -> @p out: sample @p s of every
 * pixel (@p spp samples per pixel, contiguous) of type @p type, converted
 * as mw_to_reflectance() would (raw values for a mask).
 */
void mw_span_to_reflectance(const mw_band_src *src, int is_mask, mw_tiff_type type, const void *blk, size_t s,
                            int spp, int n, float *out);

#endif
