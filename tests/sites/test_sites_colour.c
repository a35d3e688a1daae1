/* Colour evidence of a site (src/sites/colour.c): ratios of sums over the
 * bare and the water pixels, NaN without them or without the bands. */
#include "sites/mw_site_colour.h"
#include "mw_test.h"

#include <math.h>

int main(void)
{
    /* two bare pixels (pale sand, red laterite) and one milky pond */
    static const float blue[3] = {0.10f, 0.04f, 0.08f}, green[3] = {0.12f, 0.06f, 0.09f};
    static const float red[3] = {0.14f, 0.12f, 0.07f}, nir[3] = {0.2f, 0.2f, 0.05f};
    static const float s1[3] = {0.30f, 0.25f, 0.02f}, s2[3] = {0.20f, 0.20f, NAN};
    const float *const ab[6] = {blue, green, red, nir, s1, s2};
    mw_colour_acc c = {0};
    mw_colour_add_bare(&c, ab, 0);
    mw_colour_add_bare(&c, ab, 1);
    mw_colour_add_water(&c, ab, 2);
    mw_site_features f;
    mw_colour_finish(&c, &f);
    CHECK_NEAR(f.bare_swir1, 0.275, 1e-6);
    CHECK_NEAR(f.bare_clay_ratio, 0.55 / 0.40, 1e-6);
    CHECK_NEAR(f.bare_red_blue, 0.26 / 0.14, 1e-6);
    CHECK_NEAR(f.water_blue_green, 0.08 / 0.09, 1e-6);
    /* the same sums in another order give the same ratios */
    mw_colour_acc r = {0};
    mw_colour_add_bare(&r, ab, 1);
    mw_colour_add_bare(&r, ab, 0);
    mw_site_features g;
    mw_colour_finish(&r, &g);
    CHECK(g.bare_clay_ratio == f.bare_clay_ratio && isnan(g.water_blue_green));
    /* no SWIR bands (NDWI sensors), a NaN pixel: NaN, not 0 */
    const float *const vis[6] = {blue, green, red, nir, NULL, NULL};
    mw_colour_acc v = {0};
    mw_colour_add_bare(&v, vis, 0);
    mw_colour_add_bare(&v, ab, 2);  /* SWIR2 NaN: no SWIR ratio from it */
    mw_colour_finish(&v, &g);
    CHECK(isnan(g.bare_clay_ratio) && isnan(g.bare_swir1));
    CHECK_NEAR(g.bare_red_blue, (0.14 + 0.07) / (0.10 + 0.08), 1e-6);
    MW_TEST_DONE();
}
