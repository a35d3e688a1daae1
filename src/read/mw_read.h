/*
 * The pixel reader (module read): every band of both scenes is read onto
 * the target grid (grid/mw_grid.h) by a per-thread mw_scene_reader:
 *  - same CRS, same pixel size, whole-pixel offset: a direct window read;
 *  - same CRS, an integer multiple of the pixel size on an aligned origin
 *    (Sentinel-2 20 m on 10 m): our own upsampling, bilinear for
 *    reflectance and nearest for masks, computed from a window with a
 *    one-pixel margin so a pixel's value never depends on the tile it is in;
 *  - anything else (another CRS or UTM zone, another pixel size or a
 *    shifted origin): a GDAL warped VRT onto the target grid, opened per
 *    thread, exact transformer, read through its fixed 512 px blocks.
 */
#ifndef MW_READ_H
#define MW_READ_H

#include <stdint.h>

#include "grid/mw_grid.h"

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

/**
 * Decoded blocks shared by the readers of one scene (one reader per
 * thread), so a block that several windows touch -- the halo of
 * neighbouring tiles, the 20 m margin of the upsampling -- is decoded once.
 * Only files read through libtiff directly (mw_tiff_reader.h) are stored;
 * the others keep GDAL's path.
 *
 * Use, from the thread that owns the parallel region:
 *   plan(rects) -> n blocks to decode; then in parallel, each thread with
 *   its own reader of the same scene, fill(i) for i in [0, n); after the
 *   barrier every reader that uses the store reads those blocks from it.
 * Planning releases the blocks the new rectangles do not touch (their
 * buffers are reused), so memory follows the rectangles, not the scene;
 * plan(NULL, 0) empties the store; plan_keep() also keeps the held blocks
 * of other rectangles (a later pass reads them). A reader falls back to its own small
 * cache for blocks not in the store. Not thread-safe except fill() on
 * distinct jobs.
 */
typedef struct mw_block_store mw_block_store;

/** A store for the scene of @p tmpl (any reader of it; it must outlive the store). */
mw_status mw_block_store_create(const mw_scene_reader *tmpl, mw_block_store **out);
void mw_block_store_destroy(mw_block_store *store);
/** Keep/decode the blocks that reads of @p rects (target grid) touch; *todo = jobs to fill. */
mw_status mw_block_store_plan(mw_block_store *store, const mw_rect *rects, int n, int *todo);
/** The same, and the blocks held that @p keep touches stay (not decoded when missing). */
mw_status mw_block_store_plan_keep(mw_block_store *store, const mw_rect *rects, int n, const mw_rect *keep, int nkeep,
                                   int *todo);
/**
 * 1 when some file's blocks are decoded through GDAL's driver (JPEG 2000:
 * a 1024 px tile, costly to decode a second time, worth keeping).
 */
int mw_block_store_slow(const mw_block_store *store);
/** Decode job @p i with the calling thread's @p reader (of the same scene). */
mw_status mw_block_store_fill(mw_block_store *store, mw_scene_reader *reader, int i);
/** Let @p reader look blocks up in @p store first (NULL: stop). */
void mw_scene_reader_use_store(mw_scene_reader *reader, const mw_block_store *store);

/**
 * Bytes of block buffers the store holds now (a released block's buffer
 * stays for reuse until the store is emptied), the figure its memory
 * follows; and the blocks planned for decoding so far.
 */
size_t mw_block_store_bytes(const mw_block_store *store);
long long mw_block_store_decodes(const mw_block_store *store);

/** Decoded block @p id of the reader's file @p file, or NULL when the store does not hold it. */
const void *mw_block_store_lookup(const mw_block_store *store, int file, uint32_t id);

/** Size of the buffer that receives libtiff's messages (mw_tiff_open_quiet). */
#define MW_TIFF_MSG_SIZE 256

/**
 * TIFFOpenExt() with handlers of this handle only: libtiff's errors are
 * written to @p msg (MW_TIFF_MSG_SIZE bytes, which must outlive the handle)
 * instead of stderr, warnings (GeoTIFF tags libtiff does not know) are
 * dropped. NULL when the file cannot be opened (the reason in @p msg).
 * (libtiff's TIFF is struct tiff: callers that write TIFFs use it too.)
 */
struct tiff *mw_tiff_open_quiet(const char *name, const char *mode, char *msg);

#endif
