/*
 * Colour evidence of a site (colour.c): ratios of reflectance bands over
 * its bare and its water pixels after, which say what the ground and the
 * water are made of rather than how much of them changed.
 */
#ifndef MW_SITE_COLOUR_H
#define MW_SITE_COLOUR_H

#include <stddef.h>
#include <stdint.h>

#include "mw_site_features.h"

/** Sums over one site's pixels; zero-initialise. */
typedef struct mw_colour_acc {
    double bare_swir1, bare_swir2, bare_red, bare_blue;
    int64_t n_bare_swir, n_bare_rb;
    double water_blue, water_green;
    int64_t n_water;
} mw_colour_acc;

/** Add pixel @p j of the after bands @p ab (blue, green, red, nir, swir1,
 *  swir2; a band may be NULL, a value NaN) as bare ground / as water. */
void mw_colour_add_bare(mw_colour_acc *c, const float *const ab[6], size_t j);
void mw_colour_add_water(mw_colour_acc *c, const float *const ab[6], size_t j);

/** Set the colour features of @p f (NaN where the site has no such pixel
 *  or the bands are missing). */
void mw_colour_finish(const mw_colour_acc *c, mw_site_features *f);

#endif
