/*
 * Per-pixel change classes between two dates. Pure, no I/O.
 *
 * Class codes (written as band 1 of --change-raster):
 *   0 nodata       masked (cloud, shadow, nodata) in either date
 *   1 no change
 *   2 vegetation loss       vegetated before, NDVI dropped strongly, not water after
 *   3 bare soil exposed     bare/sand after (high BSI or bright low-NDVI), not before
 *   4 new water             water after, not water before (ponds, pits)
 *   5 new turbid water      new water whose colour is sediment-laden
 *   6 turbidity rise        water in both dates, NDTI rose strongly
 * Codes 2..6 are "disturbance" and feed site detection.
 */
#ifndef MW_CHANGE_H
#define MW_CHANGE_H

#include <stdint.h>

enum {
    MW_CLASS_NODATA = 0,
    MW_CLASS_NO_CHANGE = 1,
    MW_CLASS_VEG_LOSS = 2,
    MW_CLASS_BARE_SOIL = 3,
    MW_CLASS_NEW_WATER = 4,
    MW_CLASS_TURBID_WATER = 5,
    MW_CLASS_TURBIDITY_RISE = 6,
    MW_CLASS_COUNT = 7
};

static inline int mw_class_is_disturbance(uint8_t c) { return c >= 2 && c <= 6; }

/** Static name of a class code ("vegetation loss", ...). */
const char *mw_class_name(int code);

/** Thresholds, from the model file's "change" object. */
typedef struct mw_change_params {
    float veg_ndvi_before;   /**< vegetated before: NDVI >= this */
    float ndvi_drop;         /**< vegetation loss: dNDVI <= -this */
    float bare_bsi;          /**< bare after: BSI >= this ... */
    float bare_ndvi_max;     /**< ... and NDVI <= this */
    float bsi_rise;          /**< bare soil exposed: dBSI >= this */
    float water_mndwi;       /**< water: MNDWI >= this */
    float turbid_ndti;       /**< turbid water: NDTI >= this */
    float ndti_rise;         /**< turbidity rise: dNDTI >= this */
    /* Added after the first contract (zero-initialised values stay sensible): */
    float turbid_water_mndwi; /**< sediment-laden water: MNDWI >= this (below water_mndwi)
                                   with NDTI >= turbid_ndti and NDVI <= bare_ndvi_max */
    float turbid_water_ndvi;  /**< water whose NDVI >= this is sediment/algae-laden
                                   (NIR backscatter), i.e. turbid whatever its hue */
} mw_change_params;

/**
 * The water test of the classes (change.c, plan step 3), the same on both
 * dates. NaN-safe: a comparison with NaN is false, so a missing index
 * never asserts a condition.
 */
static inline int mw_change_is_water(const mw_change_params *p, float ndvi, float mndwi, float ndti)
{
    if (mndwi >= p->water_mndwi) return 1;
    return mndwi >= p->turbid_water_mndwi && ndti >= p->turbid_ndti && ndvi <= p->bare_ndvi_max;
}

/** Shift of each index (after minus before) between the dates, estimated
 *  on stable pixels (mw_stable_shift.h) and removed before thresholding so
 *  illumination and season do not read as change. */
typedef struct mw_index_shift {
    float ndvi, mndwi, ndti, bsi;
} mw_index_shift;

/** Indices of one date over a row; any pointer may hold NaN values. */
typedef struct mw_index_rows {
    const float *ndvi, *mndwi, *ndti, *bsi;
} mw_index_rows;

/** Per-pixel outputs; the d* rows may be NULL when not wanted. */
typedef struct mw_change_rows {
    uint8_t *cls;
    float *dndvi, *dmndwi, *dndti, *dbsi;
} mw_change_rows;

/**
 * Classify @p n pixels. @p valid is 1 where the pixel is valid in both dates.
 * Index changes are after - before - shift; they are NaN where invalid.
 * A pixel is class 0 when !valid or when its NDVI is NaN in either date (a
 * zero red+nir sum only happens on zero-filled pixels). Precedence and the
 * water test are documented in change.c. Thread-safe (pure); @p shift may be
 * NULL (no shift).
 */
void mw_change_classify_row(const mw_change_params *params, const mw_index_shift *shift,
                            const mw_index_rows *before, const mw_index_rows *after,
                            const uint8_t *valid, mw_change_rows *out, int n);

#endif
