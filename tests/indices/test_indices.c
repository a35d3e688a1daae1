/* Index kernels: hand-computed values, zero denominators, negative
 * reflectance, NaN propagation, clamping. */
#include "indices/mw_indices.h"
#include "mw_test.h"

#include <math.h>
#include <string.h>

#define TOL 1e-6

static void test_normdiff(void)
{
    const float a[] = {0.3f, 0.0f, 0.1f, NAN, 0.2f, -0.05f, 0.0f, 1e-7f, 0.4f};
    const float b[] = {0.1f, 0.0f, 0.1f, 0.2f, NAN, 0.15f, 0.2f, 1e-7f, -0.1f};
    float out[9];
    mw_normdiff_row(a, b, out, 9);
    CHECK_NEAR(out[0], 0.5, TOL);          /* (0.3-0.1)/(0.4) */
    CHECK(isnan(out[1]));                  /* 0/0 */
    CHECK_NEAR(out[2], 0.0, TOL);
    CHECK(isnan(out[3]));                  /* NaN a */
    CHECK(isnan(out[4]));                  /* NaN b */
    CHECK_NEAR(out[5], -1.0, TOL);         /* (-0.2)/(0.1) = -2 -> clamp */
    CHECK_NEAR(out[6], -1.0, TOL);         /* exactly -1 */
    CHECK(isnan(out[7]));                  /* den 2e-7 <= 1e-6 */
    CHECK_NEAR(out[8], 1.0, TOL);          /* 0.5/0.3 = 1.67 -> clamp */
    /* negative denominator -> NaN, not a sign-flipped ratio */
    const float c[] = {-0.1f}, d[] = {0.05f};
    mw_normdiff_row(c, d, out, 1);
    CHECK(isnan(out[0]));
}

static void test_named(void)
{
    /* forest-like pixel: blue .03 green .06 red .04 nir .35 swir1 .15 */
    const float blue[] = {0.03f, 0.06f}, green[] = {0.06f, 0.09f}, red[] = {0.04f, 0.12f};
    const float nir[] = {0.35f, 0.08f}, swir1[] = {0.15f, 0.03f};
    float out[2];
    mw_ndvi_row(red, nir, out, 2);
    CHECK_NEAR(out[0], 0.31 / 0.39, TOL);
    CHECK_NEAR(out[1], -0.04 / 0.20, TOL);
    mw_mndwi_row(green, swir1, out, 2);
    CHECK_NEAR(out[0], -0.09 / 0.21, TOL);
    CHECK_NEAR(out[1], 0.06 / 0.12, TOL);
    mw_ndwi_row(green, nir, out, 2);
    CHECK_NEAR(out[0], -0.29 / 0.41, TOL);
    CHECK_NEAR(out[1], 0.01 / 0.17, TOL);
    mw_ndti_row(red, green, out, 2);
    CHECK_NEAR(out[0], -0.02 / 0.10, TOL);
    CHECK_NEAR(out[1], 0.03 / 0.21, TOL);
    mw_bsi_row(blue, red, nir, swir1, out, 2);
    CHECK_NEAR(out[0], (0.19 - 0.38) / 0.57, TOL);
    CHECK_NEAR(out[1], (0.15 - 0.14) / 0.29, TOL);
}

static void test_bsi_edges(void)
{
    const float z[] = {0, 0, NAN, 0.1f};
    const float blue[] = {0, -0.1f, 0.1f, 0.1f};
    const float red[] = {0, 0.1f, 0.1f, 0.1f};
    const float nir[] = {0, -0.2f, 0.1f, -0.25f};
    float out[4];
    mw_bsi_row(blue, red, nir, z, out, 4);
    CHECK(isnan(out[0]));                 /* all zero */
    CHECK(isnan(out[1]));                 /* p=0.1, q=-0.3: den -0.2 -> NaN */
    CHECK(isnan(out[2]));                 /* NaN swir */
    CHECK_NEAR(out[3], 1.0, TOL);         /* (0.2 - -0.15)/(0.05) = 7 -> clamp */
}

static void test_long_row(void)
{
    /* Exercise the vector body and the scalar tail with an odd length. */
    enum { N = 1037 };
    static float a[N], b[N], out[N];
    for (int i = 0; i < N; i++) {
        a[i] = (float)(i % 17) * 0.01f;
        b[i] = (float)(i % 5) * 0.02f;
    }
    a[1000] = NAN;
    mw_normdiff_row(a, b, out, N);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        float s = a[i] + b[i];
        if (i == 1000) { bad += !isnan(out[i]); continue; }
        if (s <= 1e-6f) bad += !isnan(out[i]);
        else bad += fabsf(out[i] - (a[i] - b[i]) / s) > 1e-6f;
    }
    CHECK(bad == 0);
}

int main(void)
{
    test_normdiff();
    test_named();
    test_bsi_edges();
    test_long_row();
    MW_TEST_DONE();
}
