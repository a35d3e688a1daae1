/*
 * Context features of a site's ring (the pixels within buffer_px of the
 * site, outside it), at both dates.
 *
 * Why: on real imagery much mining is the growth of a mosaic of pits,
 * ponds and bare sand that was already there at the first date, so what
 * surrounds a change site says as much as the site itself. Around a farm
 * clearing the ring is pasture or forest; around a lake or a town it is
 * uniform water or roofs; around a garimpo it is many small ponds in bare
 * sand, a rough NDVI texture and often further subtle loss.
 *
 * Plan, over the ring rectangle r (window coordinates):
 *  1. Water masks before/after over r (valid pixels, ring or site), and
 *     their restriction to the ring for the pond counts.
 *  2. Ponds: 4-connected groups (>= 2 px) of ring water, each date.
 *  3. Mosaic: valid ring pixels that are bare and within 30 m (Chebyshev,
 *     at least one pixel) of water of the same date, as a share.
 *  4. Texture: mean |NDVI difference| over right and lower neighbour pairs
 *     of valid ring pixels, each date (NaN-skipping).
 *  5. Water colour (mean NDTI after of ring water after) and the share of
 *     ring pixels with a subtle NDVI loss (dNDVI <= -0.1, below the
 *     vegetation-loss class threshold).
 * Every sum runs in raster order over r, which depends only on the site
 * and the grid, so the features do not depend on tiling or threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "mw_sites_internal.h"

/** Mosaic: a bare pixel within this distance of water (metres). */
#define MW_MOSAIC_DISTANCE_M 30.0
/** A ring pixel lost vegetation, subtly, if dNDVI <= this. */
#define MW_SUBTLE_LOSS_DNDVI (-0.1f)

static int water_at(const float *mndwi, size_t i, float t) { return mndwi && mndwi[i] >= t; }

static int bare_at(const float *bsi, const float *ndvi, size_t i)
{
    return bsi && ndvi && bsi[i] > MW_CONTEXT_BARE_BSI && ndvi[i] < MW_CONTEXT_BARE_NDVI;
}

/* Mean |a - b| of the NDVI over right/lower pairs of valid ring pixels. */
static double texture(const float *ndvi, const mw_site_window *w, mw_rect r, const uint8_t *ring)
{
    if (!ndvi) return NAN;
    const int ww = w->area.w;
    double sum = 0.0;
    int64_t n = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x;
            if (!ring[j]) continue;
            const float v = ndvi[(size_t)(r.y + y) * ww + r.x + x];
            if (isnan(v)) continue;
            if (x + 1 < r.w && ring[j + 1]) {
                const float u = ndvi[(size_t)(r.y + y) * ww + r.x + x + 1];
                if (!isnan(u)) {
                    sum += fabsf(v - u);
                    n++;
                }
            }
            if (y + 1 < r.h && ring[j + r.w]) {
                const float u = ndvi[(size_t)(r.y + y + 1) * ww + r.x + x];
                if (!isnan(u)) {
                    sum += fabsf(v - u);
                    n++;
                }
            }
        }
    return n ? sum / (double)n : NAN;
}

/* Steps 1-3 for one date: pond count and mosaic share of the ring. */
static mw_status ponds_and_mosaic(const mw_site_window *w, mw_rect r, const uint8_t *ring,
                                  const float *mndwi, const float *bsi, const float *ndvi,
                                  uint8_t *water, uint8_t *near, int32_t *stack, int *ponds,
                                  double *mosaic)
{
    const int ww = w->area.w;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            water[j] = (!w->valid || w->valid[i]) && water_at(mndwi, i, w->water_mndwi);
        }
    const double pmin = w->pixel_w_m < w->pixel_h_m ? w->pixel_w_m : w->pixel_h_m;
    int radius = (int)lround(MW_MOSAIC_DISTANCE_M / (pmin > 0.0 ? pmin : 1.0));
    if (radius < 1) radius = 1;
    mw_status st = mw_mask_dilate(water, r.w, r.h, radius, near);
    if (st != MW_OK) return st;
    int64_t n_ring = 0, n_mosaic = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            if (!ring[j]) {
                water[j] = 0; /* ponds count ring water only */
                continue;
            }
            n_ring++;
            if (!water[j] && near[j] && bare_at(bsi, ndvi, i)) n_mosaic++;
        }
    *mosaic = n_ring ? (double)n_mosaic / (double)n_ring : NAN;
    *ponds = mw_count_ponds(water, r.w, r.h, stack);
    return MW_OK;
}

/** See mw_sites_internal.h. */
mw_status mw_ring_context(const mw_site_window *w, mw_rect r, const uint8_t *ring,
                          mw_site_features *f)
{
    const size_t rn = (size_t)r.w * r.h;
    f->ring_pond_count_before = f->ring_pond_count_after = 0;
    f->ring_mosaic_before = f->ring_mosaic_after = NAN;
    f->ring_texture_before = f->ring_texture_after = NAN;
    f->ring_water_ndti = f->ring_loss_share = NAN;
    if (rn == 0) return MW_OK;

    uint8_t *water = malloc(rn), *near = malloc(rn);
    int32_t *stack = malloc(rn * sizeof *stack);
    mw_status st = MW_OK;
    if (!water || !near || !stack) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for the ring context");
        goto done;
    }
    st = ponds_and_mosaic(w, r, ring, w->before_mndwi, w->before_bsi, w->before_ndvi, water,
                          near, stack, &f->ring_pond_count_before, &f->ring_mosaic_before);
    if (st != MW_OK) goto done;
    st = ponds_and_mosaic(w, r, ring, w->after_mndwi, w->after_bsi, w->after_ndvi, water, near,
                          stack, &f->ring_pond_count_after, &f->ring_mosaic_after);
    if (st != MW_OK) goto done;
    f->ring_texture_before = texture(w->before_ndvi, w, r, ring);
    f->ring_texture_after = texture(w->after_ndvi, w, r, ring);

    const int ww = w->area.w;
    double sum_ndti = 0.0;
    int64_t n_ndti = 0, n_ring = 0, n_loss = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            if (!ring[j]) continue;
            n_ring++;
            if (w->dndvi && w->dndvi[i] <= MW_SUBTLE_LOSS_DNDVI) n_loss++;
            if (water_at(w->after_mndwi, i, w->water_mndwi) && w->after_ndti &&
                !isnan(w->after_ndti[i])) {
                sum_ndti += w->after_ndti[i];
                n_ndti++;
            }
        }
    f->ring_water_ndti = n_ndti ? sum_ndti / (double)n_ndti : NAN;
    f->ring_loss_share = n_ring && w->dndvi ? (double)n_loss / (double)n_ring : NAN;

done:
    free(water);
    free(near);
    free(stack);
    return st;
}
