/*
 * Colour evidence of a site (mw_site_colour.h). Ratios of sums, not means
 * of ratios: a dark pixel's noisy ratio weighs as little as its light.
 * Band ratios of surface reflectance are what sensors agree on (Sentinel-2
 * MSI and Landsat OLI have matching blue..SWIR2 bands) where absolute
 * brightness is not (haze, illumination, calibration):
 *
 *  bare_swir1       mean SWIR1 of the bare pixels: fresh sand and tailings
 *                   are dry and bright at 1.6 um, tilled or wet farm soil
 *                   darker (brightness, the one absolute value here).
 *  bare_clay_ratio  sum SWIR1 / sum SWIR2 of the bare pixels: kaolinite,
 *                   the clay of weathered tailings, absorbs at 2.2 um (in
 *                   SWIR2), so clay-rich spoil has a high ratio; quartz
 *                   sand and dry vegetation lower.
 *  bare_red_blue    sum red / sum blue of the bare pixels: iron oxides of
 *                   laterite (the red soil of farm clearings and roads)
 *                   raise red over blue; washed sand and tailings are pale.
 *  water_blue_green sum blue / sum green of the water pixels: milky and
 *                   turquoise ponds (kaolinite suspensions) keep blue near
 *                   green, brown and yellow-green sediment-laden water and
 *                   algae-green fish ponds absorb blue.
 */
#include "mw_site_colour.h"

#include <math.h>

enum { B_BLUE, B_GREEN, B_RED, B_NIR, B_SWIR1, B_SWIR2 };

static int have(const float *const ab[6], int b, size_t j) { return ab[b] && !isnan(ab[b][j]); }

void mw_colour_add_bare(mw_colour_acc *c, const float *const ab[6], size_t j)
{
    if (have(ab, B_SWIR1, j) && have(ab, B_SWIR2, j)) {
        c->bare_swir1 += ab[B_SWIR1][j];
        c->bare_swir2 += ab[B_SWIR2][j];
        c->n_bare_swir++;
    }
    if (have(ab, B_RED, j) && have(ab, B_BLUE, j)) {
        c->bare_red += ab[B_RED][j];
        c->bare_blue += ab[B_BLUE][j];
        c->n_bare_rb++;
    }
}

void mw_colour_add_water(mw_colour_acc *c, const float *const ab[6], size_t j)
{
    if (have(ab, B_BLUE, j) && have(ab, B_GREEN, j)) {
        c->water_blue += ab[B_BLUE][j];
        c->water_green += ab[B_GREEN][j];
        c->n_water++;
    }
}

/* a / b when there were pixels and b is a usable positive sum. */
static double ratio(double a, double b, int64_t n) { return n > 0 && b > 0.0 ? a / b : NAN; }

void mw_colour_finish(const mw_colour_acc *c, mw_site_features *f)
{
    f->bare_swir1 = c->n_bare_swir > 0 ? c->bare_swir1 / (double)c->n_bare_swir : NAN;
    f->bare_clay_ratio = ratio(c->bare_swir1, c->bare_swir2, c->n_bare_swir);
    f->bare_red_blue = ratio(c->bare_red, c->bare_blue, c->n_bare_rb);
    f->water_blue_green = ratio(c->water_blue, c->water_green, c->n_water);
}
