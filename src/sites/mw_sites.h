/*
 * Sites: connected groups of disturbance pixels, across tiles.
 *
 * General plan
 *  1. Per tile (any thread): the disturbance mask (change classes 2..6) is
 *     dilated by `radius` pixels (square structuring element) so that
 *     fragments closer than the merge distance touch; the dilated mask D is
 *     labelled with 8-connectivity inside the tile core. Each D component
 *     accumulates only the real disturbance pixels it covers. Components
 *     that touch no core edge and hold fewer than `min_pixels` are dropped
 *     at once (they can never grow), so memory follows sites, not pixels.
 *     The D labels along the four core edges are kept for step 2.
 *  2. Once (main thread): tiles of a regular tile grid are merged with a
 *     union-find over (tile, label) ids: across shared edges with
 *     8-connectivity, including the diagonal at tile corners. The smallest
 *     id is the root; accumulators are summed into roots. Sites are sorted
 *     by seed (first pixel in raster order), so the result does not depend
 *     on tile size or thread count.
 *  3. Per site (any thread): the engine reads a window around the site and
 *     mw_site_measure() recovers the exact pixel mask of the site (same
 *     dilation, the component holding the seed) and computes features.
 */
#ifndef MW_SITES_H
#define MW_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "minewatch/status.h"
#include "core/mw_rect.h"
#include "change/mw_change.h"
#include "mw_site_features.h"

/** What pass 2 learns about a site. */
typedef struct mw_site_acc {
    int64_t seed;                      /**< y * grid_w + x of its first pixel in raster order */
    int x0, y0, x1, y1;                /**< bbox of its disturbance pixels, inclusive */
    int64_t n_pixels;                  /**< disturbance pixels */
    int64_t n_class[MW_CLASS_COUNT];   /**< per change class */
    double sum_dndvi, sum_dndti, sum_dbsi, sum_dmndwi;  /**< over its pixels (NaN skipped) */
} mw_site_acc;

/** Input of one tile. All rasters share the layout of @c area. */
typedef struct mw_label_input {
    mw_rect core;            /**< the tile, global pixel coordinates */
    mw_rect area;            /**< buffer extent: core expanded by radius, clipped to the grid */
    const uint8_t *cls;      /**< change classes over area */
    const float *dndvi, *dndti, *dbsi, *dmndwi;  /**< over area; may hold NaN */
    int radius;              /**< dilation radius in pixels, >= 0 */
    int grid_w, grid_h;      /**< size of the whole target grid */
    int64_t min_pixels;      /**< drop interior components smaller than this */
} mw_label_input;

typedef struct mw_tile_sites mw_tile_sites;

/**
 * Label one tile. Thread-safe (no shared state).
 * @param in   the tile; its rasters are only read during the call.
 * @param out  receives a new tile result (caller destroys it), NULL on error.
 * @return MW_OK; MW_ERR_USAGE if the core is not inside the grid or the
 *         area does not hold the core expanded by radius (clipped to the
 *         grid); MW_ERR_NOMEM.
 * Memory kept (label_tile.c): 120 bytes per kept component plus
 * 8 * (core.w + core.h) bytes of edge strips.
 */
mw_status mw_tile_sites_label(const mw_label_input *in, mw_tile_sites **out);
/**
 * The components of a labelled tile that are whole sites by themselves:
 * on none of the tile's four edge strips, so mw_sites_merge() unites them
 * with nothing, and not smaller than @p min_pixels. Each is written to
 * @p out (room for mw_tile_sites_count(t)) exactly as mw_sites_merge()
 * lists it, so a site can be measured before the merge. Returns how many,
 * or -1 when out of memory. Thread-safe.
 */
int mw_tile_sites_standalone(const mw_tile_sites *t, int64_t min_pixels, mw_site_acc *out);
/** Components kept by a tile. */
int mw_tile_sites_count(const mw_tile_sites *t);
/** Free a tile result; NULL is allowed. */
void mw_tile_sites_destroy(mw_tile_sites *t);
/** Bytes held by a tile result (for memory accounting). */
size_t mw_tile_sites_bytes(const mw_tile_sites *t);

/** Sites of the whole grid, sorted by seed. */
typedef struct mw_site_list {
    mw_site_acc *sites;
    int count;
} mw_site_list;

/**
 * Merge the tiles of a regular grid of tiles_x * tiles_y tiles, given in
 * row-major order (tiles[ty * tiles_x + tx]); entries may be NULL for
 * skipped tiles (outside the AOI). Sites with fewer than @p min_pixels are
 * dropped. The tiles are left intact (caller destroys them).
 * Sums of index changes are accumulated as int64 fixed point,
 * round(d * 1e6) (merge.c, mw_sites_internal.h), so every field of the
 * list is bit-identical for any tiling and thread count. Adjacent tiles
 * must abut (MW_ERR_USAGE otherwise). Call from one thread; *out is owned
 * by the caller (mw_site_list_destroy). Memory: 4 bytes per component
 * plus 120 bytes per root while merging.
 */
mw_status mw_sites_merge(mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                         int64_t min_pixels, mw_site_list **out);
/** Free a site list; NULL is allowed. */
void mw_site_list_destroy(mw_site_list *list);

/** A window of both dates around one site (pass 3). Same layout for all rasters. */
typedef struct mw_site_window {
    mw_rect area;                  /**< global pixel coordinates */
    const uint8_t *cls;            /**< change classes */
    const uint8_t *valid;          /**< 1 = valid in both dates */
    const float *before_ndvi, *before_mndwi, *before_ndti, *before_bsi;
    const float *after_ndvi, *after_mndwi, *after_ndti, *after_bsi;
    const float *dndvi, *dmndwi, *dndti, *dbsi;
    /** Reflectance per band role (blue, green, red, NIR, SWIR1, SWIR2 =
     * mw_band_role 0..5), NULL if absent; pixel (x, y) of the window is at
     * [y * band_stride + x] (the bands may live in a larger buffer). */
    const float *before_band[6], *after_band[6];
    int band_stride;               /**< row stride of the bands; 0 = area.w */
    int grid_w;                    /**< to decode seeds */
    int radius;                    /**< same as in pass 2 */
    int buffer_px;                 /**< ring around the site for river/context features */
    double pixel_w_m, pixel_h_m;   /**< pixel size on the ground, metres */
    float water_mndwi;             /**< water threshold (model) */
} mw_site_window;

/**
 * Recover the pixel mask of @p site inside the window (site_mask[i] = 1 for
 * its disturbance pixels, 0 elsewhere; caller allocates area.w * area.h) and
 * compute its features. The window must contain the site's bbox expanded by
 * 2 * radius + 1 (and by buffer_px for the ring features).
 * Thread-safe. The ring is the set of pixels within Chebyshev distance
 * buffer_px of the site, outside it; dist_water_m is the Euclidean
 * distance between pixel centres; means skip NaN and are NaN without any
 * value (context_disturbed_share is NaN without valid ring pixels).
 * @return MW_OK; MW_ERR_USAGE if the seed is outside the window or not a
 *         disturbance pixel; MW_ERR_INTERNAL if the recovered pixel count
 *         differs from site->n_pixels (window too small or classes that
 *         differ from pass 2); MW_ERR_NOMEM. On error the mask is zeroed.
 */
mw_status mw_site_measure(const mw_site_window *w, const mw_site_acc *site,
                          uint8_t *site_mask, mw_site_features *features);

#endif
