/*
 * Spectral index kernels (see mw_indices.h).
 *
 * General plan:
 *  1. Every index is a normalised difference num / den of sums of bands.
 *  2. One static inline helper turns (num, den) into the result: NaN when the
 *     denominator is <= 1e-6 (zero-filled pixels, negative/saturated pairs) or
 *     NaN, else num / den clamped to [-1, 1]. The clamp matters because L2A /
 *     C2 L2 reflectance can be slightly negative over dark water and shadow,
 *     which pushes |num| above den.
 *  3. Each public kernel is a plain counted loop over restrict-qualified rows
 *     with no calls through pointers (the helper compiles to compares and
 *     blends; NaN is kept by using comparisons that are false for NaN instead
 *     of fminf/fmaxf, which would drop it). "#pragma omp simd" is there
 *     because GCC 12 at -O2 uses the "very cheap" vectoriser cost model, which
 *     rejects loops of unknown trip count; the library is built with
 *     -fopenmp, and without it the pragma is simply ignored.
 *
 * Thread-safety: all functions are pure; rows must not alias out.
 */
#include "mw_indices.h"

#include <math.h>

#include "core/mw_simd.h"

/** Smallest denominator accepted: below it the ratio is noise or Inf. */
#define MW_INDEX_MIN_DEN 1e-6f

/* Why the comparisons are written this way: a NaN num or den must give NaN,
 * and "x > 1.0f" / "den > MIN" are false for NaN, so NaN falls through. */
static inline float ratio_clamped(float num, float den)
{
    float r = num / den;
    r = r > 1.0f ? 1.0f : r;
    r = r < -1.0f ? -1.0f : r;
    return den > MW_INDEX_MIN_DEN ? r : NAN;
}

MW_SIMD_CLONES
static void normdiff(const float *restrict a, const float *restrict b,
                     float *restrict out, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++)
        out[i] = ratio_clamped(a[i] - b[i], a[i] + b[i]);
}

/**
 * Normalised difference (a - b) / (a + b) over @p n pixels.
 * @param a,b  input rows (reflectance), may hold NaN
 * @param out  output row, must not alias a or b
 * Result is NaN where a + b <= 1e-6 or an input is NaN, else clamped to [-1, 1].
 * Thread-safe (pure).
 */
void mw_normdiff_row(const float *a, const float *b, float *out, int n)
{
    normdiff(a, b, out, n);
}

/** NDVI = (nir - red) / (nir + red); see mw_normdiff_row() for edge cases. */
void mw_ndvi_row(const float *red, const float *nir, float *out, int n)
{
    normdiff(nir, red, out, n);
}

/** MNDWI (Xu 2006) = (green - swir1) / (green + swir1); as mw_normdiff_row(). */
void mw_mndwi_row(const float *green, const float *swir1, float *out, int n)
{
    normdiff(green, swir1, out, n);
}

/** NDWI (McFeeters 1996) = (green - nir) / (green + nir); as mw_normdiff_row(). */
void mw_ndwi_row(const float *green, const float *nir, float *out, int n)
{
    normdiff(green, nir, out, n);
}

/** NDTI (Lacaux 2007) = (red - green) / (red + green); as mw_normdiff_row(). */
void mw_ndti_row(const float *red, const float *green, float *out, int n)
{
    normdiff(red, green, out, n);
}

MW_SIMD_CLONES
static void bsi(const float *restrict blue, const float *restrict red,
                const float *restrict nir, const float *restrict swir1,
                float *restrict out, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++) {
        float p = swir1[i] + red[i];
        float q = nir[i] + blue[i];
        out[i] = ratio_clamped(p - q, p + q);
    }
}

/**
 * Bare Soil Index = ((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue)).
 * NaN where the total <= 1e-6 or any band is NaN; clamped to [-1, 1] (the
 * partial sums may be negative with negative reflectance). Thread-safe (pure).
 */
void mw_bsi_row(const float *blue, const float *red, const float *nir,
                const float *swir1, float *out, int n)
{
    bsi(blue, red, nir, swir1, out, n);
}
