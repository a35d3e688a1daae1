/*
 * Mask decoding: Sentinel-2 SCL classes and Landsat C2 QA_PIXEL bits to
 * per-pixel validity (the contract lists in design.md, "Inputs").
 */
#include "io/mw_io.h"

#include <math.h>

/* QA_PIXEL: 0 fill, 1 dilated cloud, 2 cirrus, 3 cloud, 4 cloud shadow, 5 snow. */
enum { QA_INVALID_BITS = 0x3F };

/* SCL: 0 no data, 1 saturated/defective, 3 cloud shadow, 8 cloud medium,
 * 9 cloud high, 10 thin cirrus, 11 snow/ice are invalid; 2 dark area,
 * 4 vegetation, 5 bare, 6 water, 7 unclassified are valid. Anything else
 * is no SCL class at all (a corrupt band): invalid, never trusted. */
static int scl_valid(int c)
{
    switch (c) {
    case 2: case 4: case 5: case 6: case 7: return 1;
    default: return 0;
    }
}

/**
 * Decode one row of raw mask values (see mw_io.h). Thread-safe,
 * no allocation. MW_MASK_NONE marks every non-NaN value valid.
 */
void mw_mask_decode_row(mw_mask_kind kind, const float *raw, uint8_t *valid, int n)
{
    for (int i = 0; i < n; i++) {
        float v = raw[i];
        if (isnan(v) || v < 0.0f || v > 65535.0f) {
            valid[i] = 0;
            continue;
        }
        int c = (int)v;
        switch (kind) {
        case MW_MASK_SCL: valid[i] = (uint8_t)scl_valid(c); break;
        case MW_MASK_QA_PIXEL: valid[i] = (uint8_t)((c & QA_INVALID_BITS) == 0); break;
        default: valid[i] = 1; break;
        }
    }
}
