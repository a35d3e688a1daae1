/*
 * The common target grid of a scan and reading scenes onto it.
 *
 * The target is the after scene's reference grid, cropped to the part the
 * before scene covers (and to the AOI's extent when there is one). Every
 * band of both scenes is read onto it by a per-thread mw_scene_reader:
 *  - same CRS, same pixel size, whole-pixel offset: a direct window read;
 *  - same CRS, an integer multiple of the pixel size on an aligned origin
 *    (Sentinel-2 20 m on 10 m): our own upsampling, bilinear for
 *    reflectance and nearest for masks, computed from a window with a
 *    one-pixel margin so a pixel's value never depends on the tile it is in;
 *  - anything else (another CRS or UTM zone, another pixel size or a
 *    shifted origin): a GDAL warped VRT onto the target grid, opened per
 *    thread, exact transformer, read through its fixed 512 px blocks.
 */
#ifndef MW_GRID_H
#define MW_GRID_H

#include <stdint.h>

#include "minewatch/scene.h"
#include "core/mw_rect.h"

typedef struct mw_grid {
    int width, height;
    double gt[6];
    char *crs_wkt;
    double pixel_w_m, pixel_h_m;  /**< ground size of a pixel at the grid centre, metres */
} mw_grid;

/**
 * Compute the target grid of a scan. @p aoi_envelope (minx, miny, maxx,
 * maxy in the after scene's CRS) may be NULL. Fails with MW_ERR_NO_OVERLAP
 * naming both scenes when they share no pixel. Free with mw_grid_clear().
 */
mw_status mw_grid_for_pair(const mw_scene *before, const mw_scene *after,
                           const double *aoi_envelope, mw_grid *grid);
void mw_grid_clear(mw_grid *grid);

/** The pixels of one scene over one rectangle of the target grid. */
typedef struct mw_scene_pixels {
    float *band[MW_BAND_ROLE_COUNT - 1];  /**< reflectance per role (NaN invalid); NULL if the scene lacks it */
    uint8_t *valid;                       /**< 1 clear (mask and nodata), 0 otherwise */
} mw_scene_pixels;

typedef struct mw_scene_reader mw_scene_reader;

/** Open one scene's files for reading onto @p grid. One per thread. */
mw_status mw_scene_reader_create(const mw_scene *scene, const mw_grid *grid,
                                 mw_scene_reader **out);
void mw_scene_reader_destroy(mw_scene_reader *reader);
/** The scene a reader reads. */
const mw_scene *mw_scene_reader_scene(const mw_scene_reader *reader);
/** How many of the reader's files it decodes itself with libtiff (the others: GDAL). */
int mw_scene_reader_direct_files(const mw_scene_reader *reader);

/**
 * Read rectangle @p r of the target grid (it may stick out of the grid:
 * outside pixels are invalid). @p px must hold buffers of r.w * r.h for every
 * role the scene has (mw_scene_has_band) and for valid.
 */
mw_status mw_scene_reader_read(mw_scene_reader *reader, mw_rect r, mw_scene_pixels *px);

/** Block size (in target pixels) of the scene's red band, for sampling. */
void mw_scene_block_size(const mw_scene *scene, const mw_grid *grid, int *bx, int *by);

#endif
