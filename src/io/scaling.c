/*
 * DN -> reflectance rules per sensor (reflectance = DN * scale + offset).
 *
 * Sentinel-2 L2A: scale 1/BOA_QUANTIFICATION_VALUE (10000). Offset, first
 * rule that applies:
 *   1. STAC raster:bands scale/offset of the band's asset;
 *   2. BOA_ADD_OFFSET stated by the metadata (MTD_MSIL2A.xml, GDAL items,
 *      or STAC earthsearch:boa_offset_applied=true meaning 0);
 *   3. processing baseline known: -1000 DN when >= 04.00, else 0;
 *   4. nothing known: -1000 DN when acquired on/after 2022-01-25 (the day
 *      baseline 04.00 went live), else 0; but 0 when the pixels show that
 *      the offset was already removed (scene_build.c: a tenth of the blue
 *      band's DNs below 950 would be reflectance under -0.005 once it is
 *      applied: harmonised exports, e.g. annual composites, whose dates
 *      say 04.00 and whose values say otherwise).
 * Landsat C2 L2: MTL REFLECTANCE_MULT/ADD_BAND_n, default 2.75e-5 / -0.2.
 * Generic: see mw_io_generic_scaling().
 */
#include "io/mw_io_internal.h"

#include <math.h>
#include <string.h>

void mw_io_s2_scaling(const mw_s2_meta *meta, const char *date, mw_band_role role, double *scale,
                      double *offset)
{
    if (role == MW_BAND_MASK) {
        *scale = 1.0;
        *offset = 0.0;
        return;
    }
    if (meta && meta->have_band_scale[role] && meta->band_scale[role] > 0) {
        *scale = meta->band_scale[role];
        *offset = meta->band_offset[role];
        return;
    }
    double q = (meta && meta->quantification > 0) ? meta->quantification : 10000.0;
    double off_dn;
    if (meta && meta->have_boa_offset)
        off_dn = meta->boa_offset[role];
    else if (meta && meta->have_baseline)
        off_dn = meta->baseline >= 4.0 - 1e-9 ? -1000.0 : 0.0;
    else
        off_dn = (date && date[0] && strcmp(date, "2022-01-25") >= 0) ? -1000.0 : 0.0;
    *scale = 1.0 / q;
    *offset = off_dn / q;
}

int mw_io_s2_offset_guessed(const mw_s2_meta *meta, const char *date, mw_band_role role)
{
    if (role == MW_BAND_MASK || (meta && (meta->have_band_scale[role] || meta->have_boa_offset || meta->have_baseline)))
        return 0;
    return date && date[0] && strcmp(date, "2022-01-25") >= 0;
}

void mw_io_landsat_scaling(const mw_landsat_meta *meta, int landsat_band, mw_band_role role,
                           double *scale, double *offset)
{
    if (role == MW_BAND_MASK) {
        *scale = 1.0;
        *offset = 0.0;
        return;
    }
    *scale = 2.75e-5;
    *offset = -0.2;
    if (meta && landsat_band >= 1 && landsat_band <= 9) {
        if (meta->have_mult[landsat_band] && meta->mult[landsat_band] != 0) *scale = meta->mult[landsat_band];
        if (meta->have_add[landsat_band]) *offset = meta->add[landsat_band];
    }
}

void mw_io_generic_scaling(int is_float, double sample_max, mw_band_role role, double *scale,
                           double *offset)
{
    *offset = 0.0;
    if (role == MW_BAND_MASK) {
        *scale = 1.0;
        return;
    }
    if (is_float && (isnan(sample_max) || sample_max <= 2.0))
        *scale = 1.0;
    else
        *scale = 1.0e-4;
}
