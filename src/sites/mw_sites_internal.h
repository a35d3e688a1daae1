/*
 * Internals shared by the files of the sites module (and its tests).
 * Not part of the engine-facing contract (mw_sites.h).
 */
#ifndef MW_SITES_INTERNAL_H
#define MW_SITES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mw_sites.h"

/**
 * Index changes are summed as int64 fixed point, round(d * 1e6), so that
 * the sum of a site does not depend on the order in which its pixels and
 * tile pieces were added (integer addition is associative; double is not).
 * 1e-6 is far below the precision of any index; with |d| clamped to
 * MW_FIXED_CLAMP a site of 2^43 pixels cannot overflow.
 */
#define MW_FIXED_SCALE 1e6
#define MW_FIXED_CLAMP 1e3

/** Fixed-point value of @p d; the caller skips non-finite values. */
static inline int64_t mw_fixed_from_double(double d)
{
    if (d > MW_FIXED_CLAMP) d = MW_FIXED_CLAMP;
    if (d < -MW_FIXED_CLAMP) d = -MW_FIXED_CLAMP;
    double s = d * MW_FIXED_SCALE;
    return (int64_t)(s < 0 ? s - 0.5 : s + 0.5);
}

static inline double mw_fixed_to_double(int64_t f) { return (double)f / MW_FIXED_SCALE; }

/**
 * Accumulator of one component while labelling and merging: as
 * mw_site_acc, with exact integer sums. 120 bytes.
 * A component without disturbance pixels has n_pixels 0, seed INT64_MAX and
 * an empty bbox (x0 > x1).
 */
typedef struct mw_comp_acc {
    int64_t seed;
    int32_t x0, y0, x1, y1;
    int64_t n_pixels;
    int64_t n_class[MW_CLASS_COUNT];
    int64_t fx_dndvi, fx_dndti, fx_dbsi, fx_dmndwi;
} mw_comp_acc;

/** Empty accumulator. */
void mw_comp_acc_init(mw_comp_acc *a);
/** a += b (order-independent: min/max and integer sums only). */
void mw_comp_acc_add(mw_comp_acc *a, const mw_comp_acc *b);

/**
 * Result of labelling one tile (pass 2). Components are numbered 1..count
 * in the order of their first D pixel in the core (raster order); label 0
 * is background. The edge strips hold the label of every core edge pixel:
 * top and bottom rows (core.w each, left to right), left and right columns
 * (core.h each, top to bottom). One allocation holds all four strips.
 *
 * Memory: sizeof(mw_comp_acc) = 120 bytes per kept component plus
 * 8 * (core.w + core.h) bytes of strips, independent of the pixel count.
 */
struct mw_tile_sites {
    mw_rect core;
    int grid_w, grid_h;
    int32_t count;
    mw_comp_acc *comps;       /**< comps[label - 1] */
    int32_t *strips;          /**< the allocation behind the four strips */
    int32_t *top, *bottom, *left, *right;
};

/**
 * Dilate a binary mask by a (2 radius + 1)^2 square: dst[i] = 1 if any
 * non-zero src pixel lies within Chebyshev distance @p radius, else 0.
 * Pixels outside the w x h raster count as 0. Separable running-count
 * filter: O(w h) whatever the radius. @p src and @p dst must not overlap.
 * Thread-safe. Returns MW_ERR_NOMEM when the scratch row buffer cannot be
 * allocated.
 */
mw_status mw_mask_dilate(const uint8_t *src, int w, int h, int radius, uint8_t *dst);


/* Union-find over int32 labels, shared by the tile labelling and the
 * cross-tile merge: path halving, and the smaller root wins so the result
 * does not depend on the order of the unions. */
static inline int32_t mw_uf_find(int32_t *parent, int32_t l)
{
    while (parent[l] != l) {
        parent[l] = parent[parent[l]];
        l = parent[l];
    }
    return l;
}

static inline void mw_uf_union(int32_t *parent, int32_t a, int32_t b)
{
    a = mw_uf_find(parent, a);
    b = mw_uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/** Context rule: a pixel is bare if BSI > this ... */
#define MW_CONTEXT_BARE_BSI 0.05
/** ... and NDVI < this. */
#define MW_CONTEXT_BARE_NDVI 0.3

/** Water at pixel i: MNDWI >= t (0 without the index). */
static inline int mw_is_water(const float *mndwi, size_t i, float t) { return mndwi && mndwi[i] >= t; }

/** Bare at pixel i by the context rule (0 without the indices). */
static inline int mw_is_bare(const float *bsi, const float *ndvi, size_t i)
{
    return bsi && ndvi && bsi[i] > MW_CONTEXT_BARE_BSI && ndvi[i] < MW_CONTEXT_BARE_NDVI;
}

/**
 * Number of 4-connected groups of >= 2 pixels where m[i] == 1 in a w x h
 * raster (single pixels are noise at 10-30 m, not ponds). @p m is consumed
 * (visited pixels become 2); @p stack holds w * h entries. Thread-safe.
 */
int mw_count_ponds(uint8_t *m, int w, int h, int32_t *stack);

/**
 * Context features of a site's ring (mw_site_features.ring_*): @p r is the
 * ring rectangle in window coordinates, @p ring its r.w x r.h raster with
 * non-zero at the valid ring pixels. Fills the ring_pond_count_*,
 * ring_mosaic_*, ring_texture_*, ring_water_ndti and ring_loss_share
 * fields of @p f. Scratch: ~7 bytes per pixel of r. Returns MW_ERR_NOMEM.
 */
mw_status mw_ring_context(const mw_site_window *w, mw_rect r, const uint8_t *ring,
                          mw_site_features *f);

#endif
