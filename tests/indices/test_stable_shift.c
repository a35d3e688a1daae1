/* The index shift from stable pixels (change/stable_shift.c): a scene that
 * is mostly change keeps the shift of its unchanged part; the result does
 * not depend on how the samples are split or ordered; the bound holds. */
#include "change/mw_change.h"
#include "mw_test.h"

#include <math.h>
#include <stdlib.h>

static const mw_change_params P = {.ndvi_drop = 0.15f, .bsi_rise = 0.08f};

static uint64_t rng = 12345;
static double uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* n samples: a share @p stable at (ndvi, bsi) = (s_ndvi, s_bsi) +- 0.03,
 * the rest vegetation loss around (-0.5, +0.3) spread +- 0.2. */
static mw_shift_sample *make(int n, double stable, float s_ndvi, float s_bsi)
{
    mw_shift_sample *v = malloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++) {
        int st = uniform() < stable;
        float j1 = (float)(uniform() - 0.5), j2 = (float)(uniform() - 0.5);
        float dn = st ? s_ndvi + 0.06f * j1 : -0.5f + 0.4f * j1;
        float db = st ? s_bsi + 0.06f * j2 : 0.3f + 0.4f * j2;
        v[i].d[MW_SHIFT_NDVI] = mw_shift_quantize(dn);
        v[i].d[MW_SHIFT_MNDWI] = mw_shift_quantize(st ? 0.02f : -0.3f);
        v[i].d[MW_SHIFT_NDTI] = mw_shift_quantize(st ? -0.01f : 0.2f);
        v[i].d[MW_SHIFT_BSI] = mw_shift_quantize(db);
    }
    return v;
}

static void test_mostly_change(void)
{
    enum { N = 20000 };
    mw_shift_sample *v = make(N, 0.3, 0.04f, -0.02f);  /* 70 % loss */
    mw_shift_run one = {v, N};
    mw_stable_shift r;
    CHECK(mw_stable_shift_estimate(&P, &one, 1, &r) == 0);
    /* the plain median would be the loss (~ -0.4); the stable part says +0.04 */
    CHECK_NEAR(r.shift.ndvi, 0.04, 0.006);
    CHECK_NEAR(r.shift.bsi, -0.02, 0.006);
    CHECK_NEAR(r.shift.mndwi, 0.02, 0.0011);
    CHECK_NEAR(r.shift.ndti, -0.01, 0.0011);
    CHECK(r.stable > N / 4 && r.stable < N / 2);
    CHECK(r.clamped == 0);
    /* the same samples in three runs, reversed: the same bits */
    mw_shift_sample *w = malloc(N * sizeof *w);
    for (int i = 0; i < N; i++) w[i] = v[N - 1 - i];
    mw_shift_run three[3] = {{w, 7}, {w + 7, N / 2}, {w + 7 + N / 2, N - 7 - N / 2}};
    mw_stable_shift r3;
    CHECK(mw_stable_shift_estimate(&P, three, 3, &r3) == 0);
    CHECK(r3.shift.ndvi == r.shift.ndvi && r3.shift.mndwi == r.shift.mndwi && r3.shift.ndti == r.shift.ndti &&
          r3.shift.bsi == r.shift.bsi && r3.stable == r.stable);
    free(w);
    free(v);
}

static void test_season_and_bound(void)
{
    enum { N = 5000 };
    /* a whole-scene season of -0.12 NDVI: found though it starts from 0 */
    mw_shift_sample *v = make(N, 1.0, -0.12f, 0.03f);
    mw_shift_run one = {v, N};
    mw_stable_shift r;
    CHECK(mw_stable_shift_estimate(&P, &one, 1, &r) == 0);
    CHECK_NEAR(r.shift.ndvi, -0.12, 0.006);
    CHECK(r.stable > N * 9 / 10);
    free(v);
    /* NDTI of the whole scene up 0.4 (another sensor or scaling): held at the bound */
    v = make(N, 1.0, 0.0f, 0.0f);
    for (int i = 0; i < N; i++) v[i].d[MW_SHIFT_NDTI] = mw_shift_quantize(0.4f);
    one.s = v;
    CHECK(mw_stable_shift_estimate(&P, &one, 1, &r) == 0);
    CHECK(r.clamped == 1u << MW_SHIFT_NDTI);
    CHECK_NEAR(r.shift.ndti, mw_shift_max[MW_SHIFT_NDTI], 1e-6);
    free(v);
    /* nothing stable (all loss): no shift, 0 stable */
    v = make(N, 0.0, 0.0f, 0.0f);
    for (int i = 0; i < N; i++) v[i].d[MW_SHIFT_NDVI] = mw_shift_quantize(-0.6f);
    one.s = v;
    CHECK(mw_stable_shift_estimate(&P, &one, 1, &r) == 0);
    CHECK(r.stable == 0 && r.shift.ndvi == 0.0f);
    free(v);
    /* quantising: NaN is missing, out of range is clamped, 0 is 0 */
    CHECK(mw_shift_quantize(NAN) == MW_SHIFT_MISSING);
    CHECK(mw_shift_quantize(5.0f) == MW_SHIFT_QMAX && mw_shift_quantize(-INFINITY) == -MW_SHIFT_QMAX);
    CHECK(mw_shift_quantize(0.0f) == 0 && mw_shift_quantize(0.0124f) == 12);
}

int main(void)
{
    test_mostly_change();
    test_season_and_bound();
    MW_TEST_DONE();
}
