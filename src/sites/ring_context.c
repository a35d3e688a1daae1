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

/* Bits of the water raster: water before, water after. */
enum { WATER_B = 1, WATER_A = 2 };

/* dst = src dilated by a (2 radius + 1)^2 square, bitwise OR (both dates at
 * once); tmp is scratch of the same size. Direct sliding OR: the radius is
 * 30 m in pixels (1..3 for 10-30 m sensors), so 2 radius + 1 ORs per pixel
 * and pass beat a running count per bit. */
static void dilate_or(const uint8_t *src, int w, int h, int radius, uint8_t *tmp, uint8_t *dst)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * w;
        uint8_t *t = tmp + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            const int a = x - radius < 0 ? 0 : x - radius, b = x + radius >= w ? w - 1 : x + radius;
            uint8_t v = 0;
            for (int k = a; k <= b; k++) v |= s[k];
            t[x] = v;
        }
    }
    for (int y = 0; y < h; y++) {
        const int a = y - radius < 0 ? 0 : y - radius, b = y + radius >= h ? h - 1 : y + radius;
        uint8_t *d = dst + (size_t)y * w;
        memcpy(d, tmp + (size_t)a * w, (size_t)w);
        for (int k = a + 1; k <= b; k++) {
            const uint8_t *t = tmp + (size_t)k * w;
            for (int x = 0; x < w; x++) d[x] |= t[x];
        }
    }
}

/* |NDVI difference| of pixel i with its neighbour at offset di (window
 * index), summed when both are numbers. */
static inline void texture_pair(const float *ndvi, size_t i, size_t di, double *sum, int64_t *n)
{
    const float v = ndvi[i], u = ndvi[i + di];
    if (!isnan(v) && !isnan(u)) {
        *sum += fabsf(v - u);
        (*n)++;
    }
}

/* Ponds of one date: ring water of that bit, counted (step 2); m is scratch. */
static int ring_ponds(const uint8_t *bits, const uint8_t *ring, size_t rn, int bit, int w, int h,
                      uint8_t *m, int32_t *stack)
{
    for (size_t j = 0; j < rn; j++) m[j] = ring[j] && (bits[j] & bit);
    return mw_count_ponds(m, w, h, stack);
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

    uint8_t *bits = malloc(rn), *near = malloc(rn), *tmp = malloc(rn);
    int32_t *stack = malloc(rn * sizeof *stack);
    mw_status st = MW_OK;
    if (!bits || !near || !tmp || !stack) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for the ring context");
        goto done;
    }
    const int ww = w->area.w;
    /* Step 1: water of both dates over r (valid pixels, ring or site). */
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            const int ok = !w->valid || w->valid[i];
            bits[j] = (uint8_t)((ok && mw_is_water(w->before_mndwi, i, w->water_mndwi) ? WATER_B : 0) |
                                (ok && mw_is_water(w->after_mndwi, i, w->water_mndwi) ? WATER_A : 0));
        }
    const double pmin = w->pixel_w_m < w->pixel_h_m ? w->pixel_w_m : w->pixel_h_m;
    int radius = (int)lround(MW_MOSAIC_DISTANCE_M / (pmin > 0.0 ? pmin : 1.0));
    if (radius < 1) radius = 1;
    dilate_or(bits, r.w, r.h, radius, tmp, near);

    /* Steps 3-5 in one sweep over the ring; each sum keeps raster order. */
    int64_t n_ring = 0, n_mos_b = 0, n_mos_a = 0, n_loss = 0, n_ndti = 0, n_tb = 0, n_ta = 0;
    double sum_ndti = 0.0, sum_tb = 0.0, sum_ta = 0.0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            if (!ring[j]) continue;
            n_ring++;
            if (!(bits[j] & WATER_B) && (near[j] & WATER_B) && mw_is_bare(w->before_bsi, w->before_ndvi, i))
                n_mos_b++;
            if (!(bits[j] & WATER_A) && (near[j] & WATER_A) && mw_is_bare(w->after_bsi, w->after_ndvi, i))
                n_mos_a++;
            if (w->dndvi && w->dndvi[i] <= MW_SUBTLE_LOSS_DNDVI) n_loss++;
            if ((bits[j] & WATER_A) && w->after_ndti && !isnan(w->after_ndti[i])) {  /* ring: valid */
                sum_ndti += w->after_ndti[i];
                n_ndti++;
            }
            const int right = x + 1 < r.w && ring[j + 1], down = y + 1 < r.h && ring[j + r.w];
            if (w->before_ndvi) {
                if (right) texture_pair(w->before_ndvi, i, 1, &sum_tb, &n_tb);
                if (down) texture_pair(w->before_ndvi, i, (size_t)ww, &sum_tb, &n_tb);
            }
            if (w->after_ndvi) {
                if (right) texture_pair(w->after_ndvi, i, 1, &sum_ta, &n_ta);
                if (down) texture_pair(w->after_ndvi, i, (size_t)ww, &sum_ta, &n_ta);
            }
        }
    if (n_ring) {
        f->ring_mosaic_before = (double)n_mos_b / (double)n_ring;
        f->ring_mosaic_after = (double)n_mos_a / (double)n_ring;
        if (w->dndvi) f->ring_loss_share = (double)n_loss / (double)n_ring;
    }
    f->ring_texture_before = n_tb ? sum_tb / (double)n_tb : NAN;
    f->ring_texture_after = n_ta ? sum_ta / (double)n_ta : NAN;
    f->ring_water_ndti = n_ndti ? sum_ndti / (double)n_ndti : NAN;
    /* Step 2 */
    f->ring_pond_count_before = ring_ponds(bits, ring, rn, WATER_B, r.w, r.h, tmp, stack);
    f->ring_pond_count_after = ring_ponds(bits, ring, rn, WATER_A, r.w, r.h, tmp, stack);

done:
    free(bits);
    free(near);
    free(tmp);
    free(stack);
    return st;
}
