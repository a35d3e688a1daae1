/*
 * Decoded blocks shared by the readers of one scene (grid internals used
 * by the engine).
 */
#ifndef MW_BLOCK_STORE_H
#define MW_BLOCK_STORE_H

#include <stdint.h>

#include "mw_grid.h"

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
 * plan(NULL, 0) empties the store. A reader falls back to its own small
 * cache for blocks not in the store. Not thread-safe except fill() on
 * distinct jobs.
 */
typedef struct mw_block_store mw_block_store;

/** A store for the scene of @p tmpl (any reader of it; it must outlive the store). */
mw_status mw_block_store_create(const mw_scene_reader *tmpl, mw_block_store **out);
void mw_block_store_destroy(mw_block_store *store);
/** Keep/decode the blocks that reads of @p rects (target grid) touch; *todo = jobs to fill. */
mw_status mw_block_store_plan(mw_block_store *store, const mw_rect *rects, int n, int *todo);
/** Decode job @p i with the calling thread's @p reader (of the same scene). */
mw_status mw_block_store_fill(mw_block_store *store, mw_scene_reader *reader, int i);
/** Let @p reader look blocks up in @p store first (NULL: stop). */
void mw_scene_reader_use_store(mw_scene_reader *reader, const mw_block_store *store);

/** Decoded block @p id of the reader's file @p file, or NULL when the store does not hold it. */
const void *mw_block_store_lookup(const mw_block_store *store, int file, uint32_t id);

#endif
