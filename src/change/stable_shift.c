/*
 * The index shift from stable pixels (see mw_change.h).
 *
 * General plan:
 *  1. Start from no shift. A scene-wide median is only a season
 *     correction while most pixels are unchanged: on a scene dominated by
 *     change (a small window inside a mining area, dates swapped) it moves
 *     so far that stable or greening forest reads as loss. Zero is where
 *     a season or illumination change is small against the thresholds.
 *  2. Stable pixels: shifted NDVI and BSI changes within the change
 *     thresholds (what the classes of change.c test on land), water state
 *     the same at both dates (the caller leaves the others out).
 *  3. Median of each index over the stable pixels, held within
 *     mw_shift_max; back to 2 with it until it no longer moves. A fixed
 *     point is a shift the stable pixels themselves agree on: the mode of
 *     unchanged ground nearest to no shift, whatever share of the scene
 *     changed.
 * Histograms are integer counts of quantised samples, so the result does
 * not depend on the order the samples came in.
 */
#include "mw_change.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NBINS = 2 * MW_SHIFT_QMAX + 1, MAX_ITER = 20 };

/*                                          NDVI  MNDWI  NDTI   BSI */
const float mw_shift_max[MW_SHIFT_NINDEX] = {0.25f, 0.25f, 0.15f, 0.15f};
const float mw_shift_large[MW_SHIFT_NINDEX] = {0.10f, 0.10f, 0.06f, 0.06f};

int16_t mw_shift_quantize(float d)
{
    if (isnan(d)) return MW_SHIFT_MISSING;
    float q = roundf(d * (float)MW_SHIFT_QUANTA);
    if (q > MW_SHIFT_QMAX) q = MW_SHIFT_QMAX;
    if (q < -MW_SHIFT_QMAX) q = -MW_SHIFT_QMAX;
    return (int16_t)q;
}

/* Lower median of a histogram of quantised values; 0 when it is empty. */
static int hist_median(const long long *h, long long total)
{
    if (total == 0) return 0;
    long long half = (total + 1) / 2, acc = 0;
    for (int i = 0; i < NBINS; i++) {
        acc += h[i];
        if (acc >= half) return i - MW_SHIFT_QMAX;
    }
    return 0;
}

static int quanta(float v) { return (int)lroundf(v * (float)MW_SHIFT_QUANTA); }

/* Histograms of the pixels stable under shift @p s; returns their count. */
static long long stable_hist(const mw_shift_run *runs, int nruns, const int s[MW_SHIFT_NINDEX], int lim_ndvi,
                             int lim_bsi, long long (*h)[NBINS])
{
    memset(h, 0, sizeof(long long) * NBINS * MW_SHIFT_NINDEX);
    long long n = 0;
    for (int r = 0; r < nruns; r++)
        for (size_t i = 0; i < runs[r].n; i++) {
            const int16_t *d = runs[r].s[i].d;
            if (d[MW_SHIFT_NDVI] == MW_SHIFT_MISSING || abs(d[MW_SHIFT_NDVI] - s[MW_SHIFT_NDVI]) >= lim_ndvi)
                continue;
            if (d[MW_SHIFT_BSI] != MW_SHIFT_MISSING && abs(d[MW_SHIFT_BSI] - s[MW_SHIFT_BSI]) >= lim_bsi)
                continue;
            n++;
            for (int k = 0; k < MW_SHIFT_NINDEX; k++)
                if (d[k] != MW_SHIFT_MISSING) h[k][d[k] + MW_SHIFT_QMAX]++;
        }
    return n;
}

int mw_stable_shift_estimate(const mw_change_params *p, const mw_shift_run *runs, int nruns,
                             mw_stable_shift *out)
{
    memset(out, 0, sizeof *out);
    long long(*h)[NBINS] = malloc(sizeof(long long) * NBINS * MW_SHIFT_NINDEX);
    if (!h) return -1;
    /* A threshold of 0 would leave nothing stable: at least one quantum. */
    int lim_ndvi = quanta(p->ndvi_drop), lim_bsi = quanta(p->bsi_rise);
    if (lim_ndvi < 1) lim_ndvi = 1;
    if (lim_bsi < 1) lim_bsi = 1;
    int s[MW_SHIFT_NINDEX] = {0};
    for (int it = 1; it <= MAX_ITER; it++) {
        long long n = stable_hist(runs, nruns, s, lim_ndvi, lim_bsi, h);
        out->iterations = it;
        out->stable = n;
        if (n == 0) break;
        int next[MW_SHIFT_NINDEX];
        unsigned clamped = 0;
        for (int k = 0; k < MW_SHIFT_NINDEX; k++) {
            long long total = 0;
            for (int b = 0; b < NBINS; b++) total += h[k][b];
            int m = hist_median(h[k], total), lim = quanta(mw_shift_max[k]);
            if (m > lim || m < -lim) {
                m = m > 0 ? lim : -lim;
                clamped |= 1u << k;
            }
            next[k] = m;
        }
        out->clamped = clamped;
        int same = memcmp(next, s, sizeof s) == 0;
        memcpy(s, next, sizeof s);
        if (same) break;
    }
    free(h);
    out->shift.ndvi = (float)s[MW_SHIFT_NDVI] / MW_SHIFT_QUANTA;
    out->shift.mndwi = (float)s[MW_SHIFT_MNDWI] / MW_SHIFT_QUANTA;
    out->shift.ndti = (float)s[MW_SHIFT_NDTI] / MW_SHIFT_QUANTA;
    out->shift.bsi = (float)s[MW_SHIFT_BSI] / MW_SHIFT_QUANTA;
    return 0;
}
