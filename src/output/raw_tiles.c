/*
 * Raw DEFLATE tiles for the change raster (mw_output_internal.h).
 *
 * Plan, per tile row: for each band and tile column (a task each), copy
 * the tile out of the row planes (zero padding at the right and bottom
 * edges), apply TIFF predictor 2 (horizontal differencing, modulo 2^16,
 * row by row), compress with libdeflate's zlib format into the task's own
 * buffer; then append the tiles with TIFFWriteRawTile in band-major,
 * column order. Compressors are per thread of the team (indexed by
 * omp_get_thread_num()); buffers are per tile of the row.
 */
#include "mw_output_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <tiffio.h>

#include "core/mw_error.h"
#include "core/mw_config.h"
#include "read/mw_read.h"

#ifdef MW_HAVE_LIBDEFLATE
#include <libdeflate.h>

/** DEFLATE level. Not GDAL's default (6): on these tiles (predictor 2 over
 *  encoded index changes) libdeflate's level 1 is both faster and smaller:
 *  full S2 tile 19.1 -> 16.6 s and 683 -> 673 MB (interleaved runs, median
 *  of 2; level 3: 18.2 s, 681 MB). Same pixels either way. */
#define MW_RAW_TILES_LEVEL 1

struct mw_raw_tiles {
    TIFF *tif;
    char *label;
    char msg[MW_TIFF_MSG_SIZE]; /* libtiff's last error */
    int width, height, nbands, block, tiles_x, tiles_y;
    int ncomp;
    struct libdeflate_compressor **comp;  /* per thread */
    size_t bound;             /* output capacity per tile */
    uint8_t **out;            /* nbands * tiles_x buffers */
    size_t *size;             /* their compressed sizes; 0 = failed */
    uint16_t **scratch;       /* per thread: one tile */
};

int mw_raw_tiles_available(void) { return 1; }

static void free_tiles(mw_raw_tiles *t)
{
    if (!t) return;
    for (int i = 0; t->comp && i < t->ncomp; i++) {
        if (t->comp[i]) libdeflate_free_compressor(t->comp[i]);
        if (t->scratch) free(t->scratch[i]);
    }
    free(t->comp);
    free(t->scratch);
    for (int i = 0; t->out && i < t->nbands * t->tiles_x; i++) free(t->out[i]);
    free(t->out);
    free(t->size);
    free(t->label);
    free(t);
}

/* One compressor and scratch tile per thread of the calling team (a
 * --threads larger than the default team size asks for more). */
static int ensure_threads(mw_raw_tiles *t, int nthreads)
{
    if (nthreads <= t->ncomp) return 1;
    struct libdeflate_compressor **c = realloc(t->comp, (size_t)nthreads * sizeof *c);
    if (!c) return 0;
    t->comp = c;
    uint16_t **s = realloc(t->scratch, (size_t)nthreads * sizeof *s);
    if (!s) return 0;
    t->scratch = s;
    for (int i = t->ncomp; i < nthreads; i++) {
        t->comp[i] = libdeflate_alloc_compressor(MW_RAW_TILES_LEVEL);
        t->scratch[i] = malloc((size_t)t->block * t->block * sizeof(uint16_t));
        t->ncomp = i + 1;
        if (!t->comp[i] || !t->scratch[i]) return 0;
    }
    return 1;
}

mw_status mw_raw_tiles_open(const char *file, const char *label, int width, int height,
                            int nbands, int block, mw_raw_tiles **out)
{
    *out = NULL;
    mw_raw_tiles *t = calloc(1, sizeof *t);
    if (!t || !(t->label = strdup(label))) {
        free(t);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", label);
    }
    t->width = width;
    t->height = height;
    t->nbands = nbands;
    t->block = block;
    t->tiles_x = (width + block - 1) / block;
    t->tiles_y = (height + block - 1) / block;
    const size_t n = (size_t)nbands * t->tiles_x, tile_bytes = (size_t)block * block * sizeof(uint16_t);
    t->out = calloc(n, sizeof *t->out);
    t->size = calloc(n, sizeof *t->size);
    int ok = t->out && t->size && ensure_threads(t, omp_get_max_threads());
    if (ok) t->bound = libdeflate_zlib_compress_bound(t->comp[0], tile_bytes);
    for (size_t i = 0; ok && i < n; i++) ok = (t->out[i] = malloc(t->bound)) != NULL;
    if (!ok) {
        free_tiles(t);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory for the tile buffers", label);
    }
    t->tif = mw_tiff_open_quiet(file, "r+", t->msg);
    if (!t->tif) {
        mw_status st = mw_error_set(MW_ERR_WRITE, "%s: cannot reopen for writing: %s", label, t->msg);
        free_tiles(t);
        return st;
    }
    *out = t;
    return MW_OK;
}

/* Compress tile (band b, column c) of the row into t->out[k]. */
static void compress_tile(mw_raw_tiles *t, const uint16_t *planes, int rows, int b, int c)
{
    const int k = b * t->tiles_x + c, bs = t->block;
    const int me = omp_get_thread_num(); /* < t->ncomp: ensure_threads() */
    uint16_t *tile = t->scratch[me];
    const size_t plane = (size_t)bs * t->width;
    const int x0 = c * bs, w = t->width - x0 < bs ? t->width - x0 : bs;
    for (int y = 0; y < bs; y++) {
        uint16_t *d = tile + (size_t)y * bs;
        if (y < rows) {
            memcpy(d, planes + (size_t)b * plane + (size_t)y * t->width + x0, (size_t)w * sizeof *d);
            if (w < bs) memset(d + w, 0, (size_t)(bs - w) * sizeof *d);
        } else {
            memset(d, 0, (size_t)bs * sizeof *d);
        }
        for (int x = bs - 1; x > 0; x--) d[x] = (uint16_t)(d[x] - d[x - 1]); /* predictor 2 */
    }
    t->size[k] = libdeflate_zlib_compress(t->comp[me], tile, (size_t)bs * bs * sizeof *tile, t->out[k],
                                          t->bound);
}


mw_status mw_raw_tiles_write_row(mw_raw_tiles *t, int trow, const uint16_t *planes, int rows)
{
    const int n = t->nbands * t->tiles_x;
    if (!ensure_threads(t, omp_get_num_threads()))
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory for the compressors", t->label);
    /* The calling thread and, inside a parallel region, the team's idle
     * threads run the tasks; the taskgroup ends when all are done. */
#pragma omp taskloop grainsize(1)
    for (int k = 0; k < n; k++) compress_tile(t, planes, rows, k / t->tiles_x, k % t->tiles_x);
    const uint32_t per_band = (uint32_t)t->tiles_x * (uint32_t)t->tiles_y;
    for (int b = 0; b < t->nbands; b++)
        for (int c = 0; c < t->tiles_x; c++) {
            const int k = b * t->tiles_x + c;
            if (t->size[k] == 0)
                return mw_error_set(MW_ERR_WRITE, "%s: cannot compress a tile", t->label);
            const uint32_t tile = (uint32_t)b * per_band + (uint32_t)trow * (uint32_t)t->tiles_x + (uint32_t)c;
            t->msg[0] = 0;
            if (TIFFWriteRawTile(t->tif, tile, t->out[k], (tmsize_t)t->size[k]) != (tmsize_t)t->size[k])
                return mw_error_set(MW_ERR_WRITE, "%s: cannot write pixels%s%s", t->label,
                                    t->msg[0] ? ": " : "", t->msg);
        }
    return MW_OK;
}

mw_status mw_raw_tiles_close(mw_raw_tiles *t)
{
    if (!t) return MW_OK;
    mw_status st = MW_OK;
    t->msg[0] = 0;
    /* TIFFClose() returns nothing: flush first to see a failed directory write. */
    if (!TIFFFlush(t->tif))
        st = mw_error_set(MW_ERR_WRITE, "%s: cannot finish the file%s%s", t->label, t->msg[0] ? ": " : "",
                          t->msg);
    TIFFClose(t->tif);
    free_tiles(t);
    return st;
}

#else /* !MW_HAVE_LIBDEFLATE */

int mw_raw_tiles_available(void) { return 0; }

mw_status mw_raw_tiles_open(const char *file, const char *label, int width, int height, int nbands,
                            int block, mw_raw_tiles **out)
{
    (void)file, (void)width, (void)height, (void)nbands, (void)block;
    *out = NULL;
    return mw_error_set(MW_ERR_INTERNAL, "%s: raw tiles need libdeflate", label);
}

mw_status mw_raw_tiles_write_row(mw_raw_tiles *t, int trow, const uint16_t *planes, int rows)
{
    (void)t, (void)trow, (void)planes, (void)rows;
    return mw_error_set(MW_ERR_INTERNAL, "raw tiles need libdeflate");
}

mw_status mw_raw_tiles_close(mw_raw_tiles *t)
{
    (void)t;
    return MW_OK;
}

#endif
