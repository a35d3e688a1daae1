/*
 * Spectral index kernels: pure functions over float rows, no I/O.
 * Inputs are surface reflectance (0..1, may be slightly negative); NaN marks
 * an invalid pixel and propagates. A zero or negative denominator gives NaN
 * (e.g. both bands 0 or a saturated/negative pair), never Inf.
 */
#ifndef MW_INDICES_H
#define MW_INDICES_H

/** out = (a - b) / (a + b); NaN where a + b <= 1e-6 or either is NaN. */
void mw_normdiff_row(const float *a, const float *b, float *out, int n);

/** NDVI = (nir - red) / (nir + red) */
void mw_ndvi_row(const float *red, const float *nir, float *out, int n);
/** MNDWI = (green - swir1) / (green + swir1) */
void mw_mndwi_row(const float *green, const float *swir1, float *out, int n);
/** NDWI (McFeeters) = (green - nir) / (green + nir), for sensors without SWIR */
void mw_ndwi_row(const float *green, const float *nir, float *out, int n);
/** NDTI = (red - green) / (red + green) */
void mw_ndti_row(const float *red, const float *green, float *out, int n);
/** BSI = ((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue)) */
void mw_bsi_row(const float *blue, const float *red, const float *nir,
                const float *swir1, float *out, int n);

#endif
