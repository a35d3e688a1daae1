/* Change classes: one hand-built pixel per class, precedence, NaN, shift. */
#include "change/mw_change.h"
#include "mw_test.h"

#include <math.h>
#include <string.h>

static const mw_change_params P = {
    .veg_ndvi_before = 0.55f, .ndvi_drop = 0.25f, .bare_bsi = 0.0f,
    .bare_ndvi_max = 0.25f, .bsi_rise = 0.15f, .water_mndwi = 0.0f,
    .turbid_ndti = 0.0f, .ndti_rise = 0.10f,
    .turbid_water_mndwi = -0.10f, .turbid_water_ndvi = -0.05f,
};

typedef struct px { float ndvi, mndwi, ndti, bsi; } px;

/* Typical pixels (index values as a remote-sensing textbook would give). */
static const px FOREST = {0.80f, -0.50f, -0.30f, -0.40f};
static const px PASTURE = {0.60f, -0.40f, -0.15f, -0.20f};
static const px SOIL = {0.10f, -0.40f, 0.15f, 0.20f};
static const px SCRUB = {0.40f, -0.35f, -0.10f, -0.10f};
static const px CLEAR_WATER = {-0.45f, 0.50f, -0.20f, -0.30f};
static const px BROWN_WATER = {-0.10f, 0.30f, 0.10f, -0.10f};
static const px MUDDY_WATER = {0.02f, -0.05f, 0.12f, 0.05f};   /* MNDWI < 0 */
static const px MILKY_WATER = {-0.02f, 0.40f, -0.12f, -0.20f};  /* green hue, NIR up */

static uint8_t classify1(px b, px a, uint8_t valid, const mw_index_shift *shift, float d[4])
{
    mw_index_rows rb = {&b.ndvi, &b.mndwi, &b.ndti, &b.bsi};
    mw_index_rows ra = {&a.ndvi, &a.mndwi, &a.ndti, &a.bsi};
    uint8_t cls = 255;
    float dn = 0, dm = 0, dt = 0, db = 0;
    mw_change_rows out = {&cls, &dn, &dm, &dt, &db};
    mw_change_classify_row(&P, shift, &rb, &ra, &valid, &out, 1);
    if (d) { d[0] = dn; d[1] = dm; d[2] = dt; d[3] = db; }
    return cls;
}

static void test_classes(void)
{
    float d[4];
    CHECK(classify1(FOREST, FOREST, 1, NULL, d) == MW_CLASS_NO_CHANGE);
    CHECK(d[0] == 0.0f);
    /* invalid -> 0 with NaN d* */
    CHECK(classify1(FOREST, SOIL, 0, NULL, d) == MW_CLASS_NODATA);
    CHECK(isnan(d[0]) && isnan(d[1]) && isnan(d[2]) && isnan(d[3]));
    /* NDVI NaN in one date -> nodata */
    px nan_px = FOREST;
    nan_px.ndvi = NAN;
    CHECK(classify1(nan_px, FOREST, 1, NULL, d) == MW_CLASS_NODATA);
    CHECK(isnan(d[0]));
    /* 2 vegetation loss: forest -> scrub (drop 0.40, not bare) */
    CHECK(classify1(FOREST, SCRUB, 1, NULL, d) == MW_CLASS_VEG_LOSS);
    CHECK_NEAR(d[0], -0.40, 1e-6);
    /* 3 via vegetation loss ending bare: bare wins over veg loss */
    CHECK(classify1(FOREST, SOIL, 1, NULL, d) == MW_CLASS_BARE_SOIL);
    /* 3 bare exposed from non-vegetated scrub (NDVI 0.40 < 0.55): dBSI 0.30 */
    CHECK(classify1(SCRUB, SOIL, 1, NULL, d) == MW_CLASS_BARE_SOIL);
    CHECK_NEAR(d[3], 0.30, 1e-6);
    /* bare both dates -> no change */
    CHECK(classify1(SOIL, SOIL, 1, NULL, NULL) == MW_CLASS_NO_CHANGE);
    /* bare after but rise too small -> no change */
    px low_soil = {0.20f, -0.3f, 0.0f, 0.02f};
    px almost = {0.30f, -0.3f, 0.0f, -0.05f};  /* not bare before (BSI < 0) */
    CHECK(classify1(almost, low_soil, 1, NULL, NULL) == MW_CLASS_NO_CHANGE);
    /* 4 new clear water on pasture: NDTI -0.20 < 0, dNDTI -0.05, NDVI -0.45 */
    CHECK(classify1(PASTURE, CLEAR_WATER, 1, NULL, NULL) == MW_CLASS_NEW_WATER);
    /* 5 new brown water (NDTI after 0.10 >= 0) */
    CHECK(classify1(PASTURE, BROWN_WATER, 1, NULL, NULL) == MW_CLASS_TURBID_WATER);
    /* 5 sediment-laden pond with MNDWI -0.05 (relaxed water test) */
    CHECK(classify1(FOREST, MUDDY_WATER, 1, NULL, NULL) == MW_CLASS_TURBID_WATER);
    /* 5 milky/yellow-green pond: NDTI < 0 but NIR-bright (NDVI -0.02 >= -0.05),
     * from soil so dNDTI = -0.27 does not decide it */
    CHECK(classify1(SOIL, MILKY_WATER, 1, NULL, NULL) == MW_CLASS_TURBID_WATER);
    /* new water from forest: water wins over vegetation loss */
    CHECK(classify1(FOREST, CLEAR_WATER, 1, NULL, NULL) != MW_CLASS_VEG_LOSS);
    /* 6 turbidity rise: clear -> brown water (dNDTI 0.30) */
    CHECK(classify1(CLEAR_WATER, BROWN_WATER, 1, NULL, d) == MW_CLASS_TURBIDITY_RISE);
    CHECK_NEAR(d[2], 0.30, 1e-6);
    /* water both dates, no rise -> no change; brown -> clear is not a rise */
    CHECK(classify1(CLEAR_WATER, CLEAR_WATER, 1, NULL, NULL) == MW_CLASS_NO_CHANGE);
    CHECK(classify1(BROWN_WATER, CLEAR_WATER, 1, NULL, NULL) == MW_CLASS_NO_CHANGE);
    /* a muddy pond that cleared up is not "new water" (same test both dates) */
    CHECK(classify1(MUDDY_WATER, CLEAR_WATER, 1, NULL, NULL) == MW_CLASS_NO_CHANGE);
    /* wet-looking but dry soil (MNDWI -0.40) is not water */
    CHECK(classify1(PASTURE, SOIL, 1, NULL, NULL) == MW_CLASS_BARE_SOIL);
    /* NaN MNDWI in a date = the water test fails: pasture -> water then
     * reads as plain vegetation loss (NDVI 0.60 -> -0.45), never nodata */
    px nomndwi = CLEAR_WATER;
    nomndwi.mndwi = NAN;
    CHECK(classify1(PASTURE, nomndwi, 1, NULL, d) == MW_CLASS_VEG_LOSS);
    CHECK(isnan(d[1]));
}

static void test_shift(void)
{
    /* After-date is uniformly greener by 0.10 (season): a 0.30 raw drop
     * becomes 0.40 after shift removal -> vegetation loss; without the
     * shift it is below ndvi_drop?  0.30 >= 0.25 is loss either way, so use
     * a 0.20 raw drop: no change raw, loss once the +0.10 greening is removed. */
    px b = FOREST, a = FOREST;
    a.ndvi = b.ndvi - 0.20f;
    float d[4];
    CHECK(classify1(b, a, 1, NULL, d) == MW_CLASS_NO_CHANGE);
    mw_index_shift s = {0.10f, 0.05f, -0.02f, 0.01f};
    CHECK(classify1(b, a, 1, &s, d) == MW_CLASS_VEG_LOSS);
    CHECK_NEAR(d[0], -0.30, 1e-6);
    CHECK_NEAR(d[1], -0.05, 1e-6);
    CHECK_NEAR(d[2], 0.02, 1e-6);
    CHECK_NEAR(d[3], -0.01, 1e-6);
    /* a brightening shift hides a fake turbidity rise */
    mw_index_shift t = {0, 0, 0.25f, 0};
    CHECK(classify1(CLEAR_WATER, BROWN_WATER, 1, &t, NULL) == MW_CLASS_NO_CHANGE);
}

/* A class only where the raw index moved its way (change.c, plan step 4),
 * whatever the shift: a scene-wide shift can make greening read as loss. */
static void test_raw_direction(void)
{
    /* Forest 0.05 greener: with a +0.35 NDVI shift the shifted change is
     * -0.30, loss by the thresholds, but the raw NDVI rose. */
    px b = FOREST, a = FOREST;
    a.ndvi = b.ndvi + 0.05f;
    mw_index_shift up = {0.35f, 0, 0, 0};
    float d[4];
    CHECK(classify1(b, a, 1, &up, d) == MW_CLASS_NO_CHANGE);
    CHECK_NEAR(d[0], -0.30, 1e-6);
    /* raw NDVI unchanged is no loss either; a raw fall of 0.01 is */
    a.ndvi = b.ndvi;
    CHECK(classify1(b, a, 1, &up, NULL) == MW_CLASS_NO_CHANGE);
    a.ndvi = b.ndvi - 0.01f;
    CHECK(classify1(b, a, 1, &up, NULL) == MW_CLASS_VEG_LOSS);
    /* vegetation lost to bare ground whose BSI fell (a wet scar): loss, not bare soil */
    px scar = SOIL;
    scar.bsi = FOREST.bsi - 0.05f;
    scar.ndvi = 0.10f;
    CHECK(classify1(FOREST, scar, 1, NULL, NULL) == MW_CLASS_VEG_LOSS);
    /* bare soil by a BSI rise that is only the shift: none */
    px before = {0.30f, -0.40f, 0.10f, 0.05f};  /* not bare before: NDVI 0.30 > 0.25 */
    px after = {0.10f, -0.40f, 0.15f, 0.03f};   /* bare after, raw BSI fell 0.02 */
    mw_index_shift bsi_down = {0, 0, 0, -0.30f};
    CHECK(classify1(before, after, 1, &bsi_down, NULL) == MW_CLASS_NO_CHANGE);
    after.bsi = 0.07f;                           /* raw BSI rose 0.02 */
    CHECK(classify1(before, after, 1, &bsi_down, NULL) == MW_CLASS_BARE_SOIL);
    /* a turbidity rise that is only the shift: water both dates, raw NDTI fell */
    px brown2 = BROWN_WATER;
    brown2.ndti = BROWN_WATER.ndti - 0.02f;
    mw_index_shift ndti_down = {0, 0, -0.30f, 0};
    CHECK(classify1(BROWN_WATER, brown2, 1, &ndti_down, NULL) == MW_CLASS_NO_CHANGE);
    brown2.ndti = BROWN_WATER.ndti + 0.02f;
    CHECK(classify1(BROWN_WATER, brown2, 1, &ndti_down, NULL) == MW_CLASS_TURBIDITY_RISE);
    /* new water whose raw NDTI fell is not turbid by NDTI: clear, brownish
     * before (NDTI 0.30, not water: MNDWI -0.3) to brown water of NDTI 0.10
     * with the NIR-backscatter test off (NDVI -0.10 < -0.05) */
    px red_soil = {0.20f, -0.30f, 0.30f, 0.10f};
    CHECK(classify1(red_soil, BROWN_WATER, 1, NULL, NULL) == MW_CLASS_NEW_WATER);
}

static void test_row_and_null_outputs(void)
{
    /* several pixels in one call, d* outputs NULL */
    float bn[3] = {0.8f, 0.8f, 0.8f}, an[3] = {0.8f, 0.3f, 0.8f};
    float m[3] = {-0.5f, -0.5f, -0.5f}, t[3] = {-0.3f, -0.3f, -0.3f};
    float bb[3] = {-0.4f, -0.4f, -0.4f}, ab[3] = {-0.4f, -0.1f, -0.4f};
    uint8_t valid[3] = {1, 1, 0}, cls[3];
    mw_index_rows rb = {bn, m, t, bb}, ra = {an, m, t, ab};
    mw_change_rows out = {cls, NULL, NULL, NULL, NULL};
    mw_change_classify_row(&P, NULL, &rb, &ra, valid, &out, 3);
    CHECK(cls[0] == MW_CLASS_NO_CHANGE);
    CHECK(cls[1] == MW_CLASS_VEG_LOSS);
    CHECK(cls[2] == MW_CLASS_NODATA);
}

/* The vectorised path (every row present) against the per-pixel reference
 * path (taken when a d* output is NULL): same class bytes on random pixels
 * that sit on and around every threshold, with NaNs, masked pixels, a shift
 * and a row length that is not a multiple of any vector width; d* bits equal
 * after - before - shift, or the NAN constant on class 0. */
static void test_vector_path_matches_reference(void)
{
    enum { N = 4099 };
    static float in[8][N], d[4][N];
    static uint8_t valid[N], fast[N], ref[N];
    const float grid[] = {-0.6f, -0.3f, -0.15f, -0.10f, -0.05f, 0.0f, 0.02f, 0.10f,
                          0.15f, 0.25f, 0.30f, 0.40f, 0.55f, 0.80f, NAN};
    const int ng = (int)(sizeof grid / sizeof grid[0]);
    uint32_t x = 12345u;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 8; k++) {
            x = x * 1664525u + 1013904223u;
            float v = grid[(x >> 8) % (uint32_t)ng];
            /* a quarter of values off the grid, just above or below it */
            if (((x >> 4) & 3) == 0 && !isnan(v)) v += ((x >> 20) & 1) ? 1e-3f : -1e-3f;
            in[k][i] = v;
        }
        x = x * 1664525u + 1013904223u;
        valid[i] = (x >> 24) % 8 != 0;
    }
    const mw_index_shift s = {0.05f, -0.02f, 0.03f, 0.0f};
    mw_index_rows rb = {in[0], in[1], in[2], in[3]}, ra = {in[4], in[5], in[6], in[7]};
    mw_change_rows o_fast = {fast, d[0], d[1], d[2], d[3]};
    mw_change_rows o_ref = {ref, NULL, NULL, NULL, NULL};
    int counts[MW_CLASS_COUNT] = {0};
    for (int pass = 0; pass < 2; pass++) {
        const mw_index_shift *sh = pass ? &s : NULL;
        mw_change_classify_row(&P, sh, &rb, &ra, valid, &o_fast, N);
        mw_change_classify_row(&P, sh, &rb, &ra, valid, &o_ref, N);
        int same = memcmp(fast, ref, N) == 0;
        CHECK(same);
        const float sv[4] = {sh ? s.ndvi : 0, sh ? s.mndwi : 0, sh ? s.ndti : 0, sh ? s.bsi : 0};
        const float nan = NAN;
        int bits_ok = 1;
        for (int i = 0; i < N; i++) {
            counts[fast[i] < MW_CLASS_COUNT ? fast[i] : 0]++;
            for (int k = 0; k < 4; k++) {
                float want = fast[i] == MW_CLASS_NODATA ? nan : in[4 + k][i] - in[k][i] - sv[k];
                if (memcmp(&want, &d[k][i], sizeof want) != 0) bits_ok = 0;
            }
        }
        CHECK(bits_ok);
    }
    for (int c = 0; c < MW_CLASS_COUNT; c++) CHECK(counts[c] > 0);
}

static void test_names(void)
{
    CHECK_STR(mw_class_name(0), "nodata");
    CHECK_STR(mw_class_name(2), "vegetation loss");
    CHECK_STR(mw_class_name(5), "new turbid water");
    CHECK_STR(mw_class_name(6), "turbidity rise");
    CHECK_STR(mw_class_name(7), "unknown");
    CHECK_STR(mw_class_name(-1), "unknown");
    for (int c = 0; c < MW_CLASS_COUNT; c++)
        CHECK(mw_class_is_disturbance((uint8_t)c) == (c >= 2));
}

int main(void)
{
    test_classes();
    test_shift();
    test_raw_direction();
    test_row_and_null_outputs();
    test_vector_path_matches_reference();
    test_names();
    MW_TEST_DONE();
}
