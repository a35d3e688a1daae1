/*
 * The index shift between two dates from pixels that did not change.
 * Pure, no I/O (the engine's shift pass collects the samples).
 */
#ifndef MW_STABLE_SHIFT_H
#define MW_STABLE_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "mw_change.h"

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
