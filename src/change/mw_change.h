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

#include <stddef.h>
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

/* ---- the index shift from stable pixels (stable_shift.c) ---- */

/** Index slots of a sample, in the order of mw_index_shift. */
enum { MW_SHIFT_NDVI = 0, MW_SHIFT_MNDWI, MW_SHIFT_NDTI, MW_SHIFT_BSI, MW_SHIFT_NINDEX };

/** Sample quantum: index changes are kept in steps of 1/MW_SHIFT_QUANTA. */
enum { MW_SHIFT_QUANTA = 1000, MW_SHIFT_QMAX = 2000, MW_SHIFT_MISSING = INT16_MIN };

/**
 * The largest shift each index may take (NDVI, MNDWI, NDTI, BSI), and the
 * magnitude from which a shift is reported as large. Between two dates of
 * one place a season or illumination moves NDVI by up to ~0.1 and the
 * colour indices by a few hundredths; more means the scene is mostly
 * change, a wrong scaling or another sensor, and removing it would invent
 * change: the estimate is held at the bound and the scan warns.
 */
extern const float mw_shift_max[MW_SHIFT_NINDEX];
extern const float mw_shift_large[MW_SHIFT_NINDEX];

/** The scan warns when fewer than NUM/DEN of the sampled clear pixels are
 *  stable under the estimate: most of the scene changed. */
enum { MW_SHIFT_FEW_STABLE_NUM = 1, MW_SHIFT_FEW_STABLE_DEN = 4 };
/** Under MW_SHIFT_MIN_STABLE stable pixels, or under 1/MW_SHIFT_MIN_STABLE_DEN
 *  of the sampled ones, a median says nothing about the season: no shift
 *  is removed (the raw changes are used as they are) and the scan warns. */
enum { MW_SHIFT_MIN_STABLE = 50, MW_SHIFT_MIN_STABLE_DEN = 20 };

/** One sampled pixel: after - before per index, quantised; a pixel whose
 *  water state differs between the dates is never stored (it is change). */
typedef struct mw_shift_sample {
    int16_t d[MW_SHIFT_NINDEX];
} mw_shift_sample;

/** @p d (after - before) as a sample value; NaN -> MW_SHIFT_MISSING. */
int16_t mw_shift_quantize(float d);

/** A run of samples (one sample window's pixels). */
typedef struct mw_shift_run {
    const mw_shift_sample *s;
    size_t n;
} mw_shift_run;

typedef struct mw_stable_shift {
    mw_index_shift shift;
    long long stable;     /**< pixels the final estimate rests on */
    int iterations;       /**< re-estimates made (1 = stable set never moved) */
    unsigned clamped;     /**< bit k: index k was held at mw_shift_max[k] */
} mw_stable_shift;

/**
 * Shift of each index from the stable pixels of @p runs: starting from no
 * shift, a pixel is stable when its shifted NDVI and BSI changes both lie
 * within the change thresholds of @p p (|dNDVI| < ndvi_drop, |dBSI| <
 * bsi_rise; a missing BSI does not count against it); each index's shift
 * is re-estimated as the median over the stable pixels, until the estimate
 * stops moving (at most 20 times). Every result is held within
 * +-mw_shift_max. Integer histograms: the result depends only on the
 * multiset of samples, never on their order or split into runs.
 * Returns 0, or -1 when out of memory. Thread-safe (pure).
 */
int mw_stable_shift_estimate(const mw_change_params *p, const mw_shift_run *runs, int nruns,
                             mw_stable_shift *out);

#endif
