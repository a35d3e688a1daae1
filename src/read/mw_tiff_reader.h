/*
 * Tiled and stripped GeoTIFFs read with libtiff directly, and JPEG 2000
 * files block by block through GDAL (read module internals).
 *
 * GDAL's generic path (block cache, per-band RasterIO, a Float32 copy)
 * costs several times the decompression on the DEFLATE GeoTIFFs / COGs
 * users download. For those files a reader decodes blocks itself with
 * TIFFReadEncodedTile / TIFFReadEncodedStrip into its own buffers; GDAL is
 * kept for opening, metadata, warping and every other format. A file goes
 * this way only when the result is the same, value for value, as GDAL's:
 * a plain file path, GDAL's dataset being the file's first directory,
 * 8/16-bit integer or 32-bit float samples, a lossless codec, no sparse
 * block. Set MINEWATCH_LIBTIFF=0 in the environment to read everything
 * through GDAL.
 *
 * Thread-safety: a mw_tiff_file belongs to one thread (one TIFF* each).
 */
#ifndef MW_TIFF_READER_H
#define MW_TIFF_READER_H

#include <stddef.h>
#include <stdint.h>

#include <gdal.h>
#include <tiffio.h>

#include "minewatch/status.h"
#include "mw_read.h"

typedef struct mw_tiff_file mw_tiff_file;

typedef enum mw_tiff_type { MW_TIFF_U8, MW_TIFF_U16, MW_TIFF_I16, MW_TIFF_F32 } mw_tiff_type;

/** Layout of a file's blocks, the same for every handle on that file. */
typedef struct mw_tiff_layout {
    int width, height;       /**< raster size */
    int bw, bh;              /**< block size (strips: image width x rows per strip) */
    int nbx, nby;            /**< blocks across and down (per plane) */
    int spp;                 /**< samples per pixel in a block (1 when planes are separate) */
    int separate;            /**< PLANARCONFIG_SEPARATE: one plane per band */
    int nbands;              /**< GDAL's band count */
    mw_tiff_type type;
    size_t block_bytes;      /**< bytes of one decoded block */
    uint32_t nblocks;        /**< all blocks of all planes */
    int slow;                /**< decoded through GDAL's driver (JPEG 2000 tiles), not libtiff */
} mw_tiff_layout;

/**
 * Open @p name with libtiff if GDAL's dataset @p ds on the same name can be
 * read directly with identical values; NULL otherwise (or when
 * MINEWATCH_LIBTIFF=0). Never sets an error: NULL just means "use GDAL".
 */
mw_tiff_file *mw_tiff_file_open(const char *name, GDALDatasetH ds);

/** Close a file; NULL is accepted. */
void mw_tiff_file_close(mw_tiff_file *f);

const mw_tiff_layout *mw_tiff_file_layout(const mw_tiff_file *f);

/** Number of block (bx, by) of 1-based GDAL band @p band (its plane when separate). */
uint32_t mw_tiff_block_id(const mw_tiff_layout *l, int band, int bx, int by);

/**
 * Decode block @p id into @p dst (block_bytes). On failure returns
 * MW_ERR_READ with "<name>: <libtiff's message>" as the last error.
 */
mw_status mw_tiff_file_decode(mw_tiff_file *f, uint32_t id, void *dst);

#endif
