/*
 * The AVX2 clones of the vectorised kernels (core/mw_simd.h) give the
 * same bits as the baseline code. The library's kernels (mw_*, the clone
 * the CPU picks) are held against the same sources built without clones
 * under other names (base_mw_*, tests/indices/meson.build), on random rows
 * with the values that trip vector code: NaN, infinities, zeros,
 * denormals, nodata, thresholds, odd lengths and unaligned starts.
 * On a CPU without AVX2 both sides run the baseline and the test checks
 * nothing new; it skips when the CPU lacks AVX2.
 */
#include "change/mw_change.h"
#include "read/mw_reflectance.h"
#include "read/mw_valid_mask.h"
#include "indices/mw_indices.h"
#include "mw_test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The baseline build (renamed by -D in meson.build). */
void base_mw_normdiff_row(const float *a, const float *b, float *out, int n);
void base_mw_bsi_row(const float *blue, const float *red, const float *nir, const float *swir1, float *out, int n);
void base_mw_change_classify_row(const mw_change_params *params, const mw_index_shift *shift,
                                 const mw_index_rows *before, const mw_index_rows *after, const uint8_t *valid,
                                 mw_change_rows *out, int n);
void base_mw_span_to_reflectance(const mw_band_src *src, int is_mask, mw_tiff_type type, const void *blk,
                                 size_t s, int spp, int n, float *out);
void base_mw_valid_and_number(uint8_t *valid, const float *v, size_t n);
void base_mw_valid_and_spread(uint8_t *valid, const uint8_t *clear, const int *col, int w);

enum { N = 4099, ROUNDS = 40 };  /* N: no multiple of any vector width */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* An index-like value, often one of the awkward ones. */
static float awkward(void)
{
    switch (next_u32() % 16) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 0.0f;
    case 4: return -0.0f;
    case 5: return 1e-40f;  /* denormal */
    case 6: return 1e-6f;
    case 7: return (next_u32() % 2) ? 0.25f : -0.15f;  /* on thresholds */
    default: return ((float)(next_u32() % 2000001) - 1000000.0f) / 1000000.0f;
    }
}

static void fill(float *v, int n)
{
    for (int i = 0; i < n; i++) v[i] = awkward();
}

static int same_bits(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

static void test_indices(void)
{
    static float a[N + 1], b[N + 1], c[N + 1], d[N + 1], o1[N + 1], o2[N + 1];
    for (int r = 0; r < ROUNDS; r++) {
        fill(a, N + 1), fill(b, N + 1), fill(c, N + 1), fill(d, N + 1);
        const int off = r % 2, n = N - (r % 7);  /* unaligned starts, odd tails */
        mw_normdiff_row(a + off, b + off, o1, n);
        base_mw_normdiff_row(a + off, b + off, o2, n);
        CHECK(same_bits(o1, o2, (size_t)n * sizeof *o1));
        mw_bsi_row(a + off, b + off, c + off, d + off, o1, n);
        base_mw_bsi_row(a + off, b + off, c + off, d + off, o2, n);
        CHECK(same_bits(o1, o2, (size_t)n * sizeof *o1));
    }
}

static void test_classify(void)
{
    static float in[8][N];
    static float d1[4][N], d2[4][N];
    static uint8_t valid[N], c1[N], c2[N];
    const mw_change_params p = {
        .veg_ndvi_before = 0.45f, .ndvi_drop = 0.15f, .bare_bsi = 0.0f, .bare_ndvi_max = 0.25f,
        .bsi_rise = 0.08f, .water_mndwi = 0.0f, .turbid_ndti = 0.0f, .ndti_rise = 0.05f,
        .turbid_water_mndwi = -0.1f, .turbid_water_ndvi = -0.05f};  /* models/sentinel2.json */
    const mw_index_shift shift = {-0.0125f, 0.0135f, 0.0075f, 0.0175f};
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < 8; k++) fill(in[k], N);
        for (int i = 0; i < N; i++) valid[i] = (next_u32() % 8) != 0;
        mw_index_rows before = {in[0], in[1], in[2], in[3]}, after = {in[4], in[5], in[6], in[7]};
        mw_change_rows o1 = {c1, d1[0], d1[1], d1[2], d1[3]}, o2 = {c2, d2[0], d2[1], d2[2], d2[3]};
        mw_change_classify_row(&p, &shift, &before, &after, valid, &o1, N);
        base_mw_change_classify_row(&p, &shift, &before, &after, valid, &o2, N);
        CHECK(same_bits(c1, c2, sizeof c1));
        CHECK(same_bits(d1, d2, sizeof d1));
    }
}

static void test_reflectance(void)
{
    static uint16_t dn[N];
    static float o1[N], o2[N];
    /* Sentinel-2 from baseline 04.00 (offset), Landsat C2 L2, and no offset. */
    const double scales[3] = {1e-4, 2.75e-5, 1e-4}, offsets[3] = {-0.1, -0.2, 0.0};
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++) dn[i] = (uint16_t)(next_u32() % 4 == 0 ? 0 : next_u32());
        mw_band_src src = {.scale = scales[r % 3], .offset = offsets[r % 3], .has_nodata = r % 2, .nodata = 0};
        const int n = N - (r % 5);
        mw_span_to_reflectance(&src, 0, MW_TIFF_U16, dn, 0, 1, n, o1);
        base_mw_span_to_reflectance(&src, 0, MW_TIFF_U16, dn, 0, 1, n, o2);
        CHECK(same_bits(o1, o2, (size_t)n * sizeof *o1));
    }
}

static void test_valid_mask(void)
{
    static float v[N];
    static uint8_t m1[N], m2[N], clear[N];
    static int col[N];
    for (int r = 0; r < ROUNDS; r++) {
        fill(v, N);
        for (int i = 0; i < N; i++) {
            m1[i] = m2[i] = (uint8_t)(next_u32() % 2);
            clear[i] = (uint8_t)(next_u32() % 2);
            col[i] = (int)(next_u32() % N);
        }
        mw_valid_and_number(m1, v, N);
        base_mw_valid_and_number(m2, v, N);
        CHECK(same_bits(m1, m2, sizeof m1));
        mw_valid_and_spread(m1, clear, col, N);
        base_mw_valid_and_spread(m2, clear, col, N);
        CHECK(same_bits(m1, m2, sizeof m1));
    }
}

int main(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) MW_TEST_SKIP("this CPU has no AVX2: both sides run the baseline");
#endif
    test_indices();
    test_classify();
    test_reflectance();
    test_valid_mask();
    MW_TEST_DONE();
}
