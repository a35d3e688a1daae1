/*
 * The pixels of the change raster, compressed by the threads of the tile
 * pass and appended as raw tiles (change module internals).
 *
 * Why: with GDAL writing the change raster, DEFLATE ran on the one thread
 * that writes (about 9 s of a full Sentinel-2 tile's 23 s) while the other
 * threads waited at the end of each wave. Here each tile is compressed as
 * an OpenMP task (predictor 2, then zlib-wrapped DEFLATE with libdeflate,
 * exactly what TIFF's Adobe DEFLATE expects) and the tiles are appended in
 * a fixed order, so the file's bytes do not depend on the thread count.
 * GDAL still creates the file (tags, georeferencing, PAM sidecar); libtiff
 * only appends tile data to it.
 */
#ifndef MW_RAW_TILES_H
#define MW_RAW_TILES_H

#include <stdint.h>

#include "minewatch/status.h"

typedef struct mw_raw_tiles mw_raw_tiles;

/** 1 when this build can write raw tiles (libdeflate present). */
int mw_raw_tiles_available(void);

/**
 * Open @p file, a tiled (block x block), band-separate, UInt16, DEFLATE,
 * predictor-2 GeoTIFF of @p nbands bands whose tiles are all still empty
 * (created with SPARSE_OK), for appending. @p label names the file in
 * errors. MW_ERR_WRITE or MW_ERR_NOMEM on failure.
 */
mw_status mw_raw_tiles_open(const char *file, const char *label, int width, int height,
                            int nbands, int block, mw_raw_tiles **out);

/**
 * Compress and append tile row @p trow: @p planes holds nbands planes of
 * block x width samples of which the first @p rows rows are valid (the
 * rest is written as 0, nodata). Compression runs as OpenMP tasks: inside
 * a parallel region the team's idle threads help. MW_ERR_WRITE naming the
 * file on failure.
 */
mw_status mw_raw_tiles_write_row(mw_raw_tiles *t, int trow, const uint16_t *planes, int rows);

/** Write the directory and close; MW_ERR_WRITE on failure. Frees @p t (NULL ok). */
mw_status mw_raw_tiles_close(mw_raw_tiles *t);

#endif
