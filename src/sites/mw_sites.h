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

#include <stdint.h>

#include "minewatch/status.h"
#include "../core/mw_rect.h"
#include "../change/mw_change.h"
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

/** Label one tile. Thread-safe (no shared state). */
mw_status mw_tile_sites_label(const mw_label_input *in, mw_tile_sites **out);
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
 */
mw_status mw_sites_merge(mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                         int64_t min_pixels, mw_site_list **out);
void mw_site_list_destroy(mw_site_list *list);

/** A window of both dates around one site (pass 3). Same layout for all rasters. */
typedef struct mw_site_window {
    mw_rect area;                  /**< global pixel coordinates */
    const uint8_t *cls;            /**< change classes */
    const uint8_t *valid;          /**< 1 = valid in both dates */
    const float *before_ndvi, *before_mndwi, *before_ndti, *before_bsi;
    const float *after_ndvi, *after_mndwi, *after_ndti, *after_bsi;
    const float *dndvi, *dmndwi, *dndti, *dbsi;
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
 */
mw_status mw_site_measure(const mw_site_window *w, const mw_site_acc *site,
                          uint8_t *site_mask, mw_site_features *features);

#endif
