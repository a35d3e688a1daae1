/*
 * libtiff direct block decoding (see mw_tiff_reader.h).
 *
 * General plan
 *  1. Open: GDAL has opened the name already; accept it only when its
 *     driver is GTiff on a plain file and libtiff's first directory has
 *     GDAL's size, band count and a sample type whose values GDAL copies
 *     unchanged into Float32 (8/16-bit integers, 32-bit float), a lossless
 *     codec (no JPEG colour conversion) and no sparse block. Anything else
 *     stays with GDAL.
 *  2. Memory mapping is off ("rm"): the file's pages would otherwise count
 *     in the resident set of a scan.
 *  3. libtiff's errors go to the handle (TIFFOpenOptions handlers with user
 *     data), never to stderr, and come back as a status naming the file.
 *  4. JPEG 2000 (GDAL's JP2OpenJPEG driver: Sentinel-2 .SAFE bands) has no
 *     libtiff, but its blocks are the codestream's tiles: such a file gets
 *     the same layout (one plane per band) and its blocks are decoded with
 *     GDALReadBlock on the reader's own handle. So the block store decodes
 *     each tile once for all threads; window reads through RasterIO on
 *     per-thread handles decoded a 1024 px tile once per thread and tile
 *     that touched it (no shared block cache between handles).
 */
#include "mw_tiff_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>
#include <tiffio.h>

#include "core/mw_error.h"
#include "core/mw_config.h"

#ifdef MW_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct mw_tiff_file {
    TIFF *tif;           /* NULL: blocks come from GDAL's driver (gds) */
    GDALDatasetH gds;    /* JPEG 2000: the reader's handle, not owned */
    char *name;
    mw_tiff_layout l;
    char msg[MW_TIFF_MSG_SIZE];
    int tiled;
    int fast;            /* DEFLATE, predictor 1 or 2: raw read + libdeflate + our predictor */
    int predictor;
    size_t row_bytes;    /* bytes of one decoded block row (tile or strip width) */
    uint8_t *raw;        /* compressed block */
    size_t raw_cap;
#ifdef MW_HAVE_LIBDEFLATE
    struct libdeflate_decompressor *dec;
#endif
};

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)module;
    if (user) vsnprintf(user, MW_TIFF_MSG_SIZE, fmt, ap);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;  /* GeoTIFF tags libtiff does not know: not our concern */
}

/** See mw_tiff_reader.h. */
TIFF *mw_tiff_open_quiet(const char *name, const char *mode, char *msg)
{
    msg[0] = '\0';
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) {
        snprintf(msg, MW_TIFF_MSG_SIZE, "out of memory");
        return NULL;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, msg);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, NULL);
    TIFF *tif = TIFFOpenExt(name, mode, opts);
    TIFFOpenOptionsFree(opts);
    return tif;
}

static int lossless_codec(uint16_t c)
{
    switch (c) {
    case COMPRESSION_NONE:
    case COMPRESSION_LZW:
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE:
    case COMPRESSION_PACKBITS:
#ifdef COMPRESSION_ZSTD
    case COMPRESSION_ZSTD:
#endif
#ifdef COMPRESSION_LZMA
    case COMPRESSION_LZMA:
#endif
        return TIFFIsCODECConfigured(c);
    default:
        return 0;
    }
}

static int disabled(void)
{
    const char *e = getenv("MINEWATCH_LIBTIFF");
    return e && (!strcmp(e, "0") || !strcasecmp(e, "no") || !strcasecmp(e, "off"));
}

/* Step 4: a JPEG 2000 file read block by block through GDAL's driver. */
static mw_tiff_file *open_gdal_blocks(const char *name, GDALDatasetH ds)
{
    int nb = GDALGetRasterCount(ds), bw = 0, bh = 0;
    if (nb < 1) return NULL;
    GDALRasterBandH b1 = GDALGetRasterBand(ds, 1);
    GDALDataType gt = GDALGetRasterDataType(b1);
    GDALGetBlockSize(b1, &bw, &bh);
    for (int b = 2; b <= nb; b++) {
        int w2 = 0, h2 = 0;
        GDALGetBlockSize(GDALGetRasterBand(ds, b), &w2, &h2);
        if (GDALGetRasterDataType(GDALGetRasterBand(ds, b)) != gt || w2 != bw || h2 != bh) return NULL;
    }
    mw_tiff_layout l = {.width = GDALGetRasterXSize(ds), .height = GDALGetRasterYSize(ds), .bw = bw, .bh = bh,
                        .spp = 1, .separate = 1, .nbands = nb};
    if (gt == GDT_Byte) l.type = MW_TIFF_U8;
    else if (gt == GDT_UInt16) l.type = MW_TIFF_U16;
    else if (gt == GDT_Int16) l.type = MW_TIFF_I16;
    else if (gt == GDT_Float32) l.type = MW_TIFF_F32;
    else return NULL;
    if (bw < 1 || bh < 1) return NULL;
    l.nbx = (l.width + bw - 1) / bw;
    l.nby = (l.height + bh - 1) / bh;
    l.block_bytes = (size_t)bw * bh * (size_t)GDALGetDataTypeSizeBytes(gt);
    l.nblocks = (uint32_t)l.nbx * l.nby * nb;
    mw_tiff_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name))) {
        free(f);
        return NULL;
    }
    f->gds = ds;
    f->l = l;
    return f;
}

/* Step 1, GDAL's side: a GTiff on a plain readable file, every band of one
 * data type (*gt). */
static int gtiff_candidate(const char *name, GDALDatasetH ds, GDALDataType *gt)
{
    if (strncmp(name, "/vsi", 4) == 0 || access(name, R_OK) != 0) return 0;
    int nb = GDALGetRasterCount(ds);
    if (nb < 1) return 0;
    *gt = GDALGetRasterDataType(GDALGetRasterBand(ds, 1));
    for (int b = 2; b <= nb; b++)
        if (GDALGetRasterDataType(GDALGetRasterBand(ds, b)) != *gt) return 0;
    return 1;
}

/* Step 1, libtiff's side: GDAL's size and band count, a lossless codec
 * without colour conversion, and a sample type GDAL copies unchanged
 * into Float32. Sets the layout's type, size, bands and planes; *comp is
 * the codec. */
static int sample_layout(mw_tiff_file *f, GDALDatasetH ds, GDALDataType gt, uint16_t *comp)
{
    TIFF *t = f->tif;
    int nb = GDALGetRasterCount(ds);
    uint32_t w = 0, h = 0;
    uint16_t spp = 1, bps = 0, fmt = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG, photo = 0;
    *comp = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, comp);
    TIFFGetFieldDefaulted(t, TIFFTAG_PHOTOMETRIC, &photo);
    if ((int)w != GDALGetRasterXSize(ds) || (int)h != GDALGetRasterYSize(ds) || spp != nb) return 0;
    if (!lossless_codec(*comp) || photo == PHOTOMETRIC_YCBCR || photo == PHOTOMETRIC_PALETTE) return 0;

    mw_tiff_layout *l = &f->l;
    if (gt == GDT_Byte && bps == 8 && fmt == SAMPLEFORMAT_UINT) l->type = MW_TIFF_U8;
    else if (gt == GDT_UInt16 && bps == 16 && fmt == SAMPLEFORMAT_UINT) l->type = MW_TIFF_U16;
    else if (gt == GDT_Int16 && bps == 16 && fmt == SAMPLEFORMAT_INT) l->type = MW_TIFF_I16;
    else if (gt == GDT_Float32 && bps == 32 && fmt == SAMPLEFORMAT_IEEEFP) l->type = MW_TIFF_F32;
    else return 0;
    l->width = (int)w;
    l->height = (int)h;
    l->nbands = nb;
    l->separate = planar == PLANARCONFIG_SEPARATE && spp > 1;
    l->spp = l->separate ? 1 : spp;
    return 1;
}

/* Step 1, the blocks: tiles or strips whose sizes and count are what the
 * layout implies, none sparse (GDAL fills those, not libtiff). */
static int block_layout(mw_tiff_file *f)
{
    TIFF *t = f->tif;
    mw_tiff_layout *l = &f->l;
    if (TIFFIsTiled(t)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
        if (!tw || !th) return 0;
        l->bw = (int)tw;
        l->bh = (int)th;
        l->block_bytes = (size_t)TIFFTileSize(t);
        l->nblocks = TIFFNumberOfTiles(t);
    } else {
        uint32_t rps = (uint32_t)l->height;
        TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0 || rps > (uint32_t)l->height) rps = (uint32_t)l->height;
        l->bw = l->width;
        l->bh = (int)rps;
        l->block_bytes = (size_t)TIFFStripSize(t);
        l->nblocks = TIFFNumberOfStrips(t);
    }
    l->nbx = (l->width + l->bw - 1) / l->bw;
    l->nby = (l->height + l->bh - 1) / l->bh;
    size_t bytes = l->type == MW_TIFF_U8 ? 1 : l->type == MW_TIFF_F32 ? 4 : 2;
    if (l->block_bytes != (size_t)l->bw * l->bh * l->spp * bytes) return 0;
    if (l->nblocks != (uint32_t)l->nbx * l->nby * (l->separate ? l->nbands : 1)) return 0;
    for (uint32_t i = 0; i < l->nblocks; i++)
        if (TIFFGetStrileByteCount(t, i) == 0) return 0;
    f->tiled = TIFFIsTiled(t);
    f->row_bytes = (size_t)l->bw * l->spp * bytes;
    return 1;
}

mw_tiff_file *mw_tiff_file_open(const char *name, GDALDatasetH ds)
{
    if (disabled() || !ds) return NULL;
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if (drv && strcmp(GDALGetDriverShortName(drv), "JP2OpenJPEG") == 0) return open_gdal_blocks(name, ds);
    if (!drv || strcmp(GDALGetDriverShortName(drv), "GTiff") != 0) return NULL;
    GDALDataType gt;
    if (!gtiff_candidate(name, ds, &gt)) return NULL;

    mw_tiff_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name))) goto reject;
    f->tif = mw_tiff_open_quiet(name, "rm", f->msg);
    if (!f->tif) goto reject;
    uint16_t comp;
    if (!sample_layout(f, ds, gt, &comp) || !block_layout(f)) goto reject;
#ifdef MW_HAVE_LIBDEFLATE
    /* libdeflate straight on the block's bytes: plain DEFLATE in native
     * byte order, no predictor or an integer one (undone here) */
    TIFF *t = f->tif;
    uint16_t pred = PREDICTOR_NONE, fill = FILLORDER_MSB2LSB;
    TIFFGetFieldDefaulted(t, TIFFTAG_PREDICTOR, &pred);
    TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
    f->predictor = pred;
    f->fast = (comp == COMPRESSION_ADOBE_DEFLATE || comp == COMPRESSION_DEFLATE) && !TIFFIsByteSwapped(t) &&
              fill == FILLORDER_MSB2LSB &&
              (pred == PREDICTOR_NONE || (pred == PREDICTOR_HORIZONTAL && f->l.type != MW_TIFF_F32)) &&
              (f->dec = libdeflate_alloc_decompressor()) != NULL;
#endif
    return f;

reject:
    mw_tiff_file_close(f);
    return NULL;
}

void mw_tiff_file_close(mw_tiff_file *f)
{
    if (!f) return;
    if (f->tif) TIFFClose(f->tif);
#ifdef MW_HAVE_LIBDEFLATE
    if (f->dec) libdeflate_free_decompressor(f->dec);
#endif
    free(f->raw);
    free(f->name);
    free(f);
}

const mw_tiff_layout *mw_tiff_file_layout(const mw_tiff_file *f) { return &f->l; }

uint32_t mw_tiff_block_id(const mw_tiff_layout *l, int band, int bx, int by)
{
    uint32_t plane = l->separate ? (uint32_t)(band - 1) : 0;
    return (plane * (uint32_t)l->nby + (uint32_t)by) * (uint32_t)l->nbx + (uint32_t)bx;
}

#ifdef MW_HAVE_LIBDEFLATE
/* Undo horizontal differencing (TIFF predictor 2) of one row of n samples
 * of one channel: a running sum, mod 2^16. libtiff's loop adds through
 * memory, a store-to-load chain per sample; this keeps the sum in a
 * register, eight lanes at a time with SSE2 (log-step prefix sum). */
static void undo_pred16(uint16_t *p, int n)
{
    int i = 0;
    uint16_t acc = 0;
#ifdef __SSE2__
    __m128i carry = _mm_setzero_si128();
    for (; i + 8 <= n; i += 8) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        x = _mm_add_epi16(x, _mm_slli_si128(x, 2));
        x = _mm_add_epi16(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi16(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi16(x, carry);
        _mm_storeu_si128((__m128i *)(p + i), x);
        __m128i hi = _mm_shufflehi_epi16(x, 0xFF);
        carry = _mm_unpackhi_epi64(hi, hi);
    }
    if (i) acc = p[i - 1];
#endif
    for (; i < n; i++) {
        acc = (uint16_t)(acc + p[i]);
        p[i] = acc;
    }
}

/* Predictor 2 for any channel count and 8/16-bit samples, row by row. */
static void undo_predictor(const mw_tiff_file *f, uint8_t *blk, size_t bytes)
{
    const int spp = f->l.spp, w = f->l.bw;
    for (size_t off = 0; off + f->row_bytes <= bytes; off += f->row_bytes) {
        if (f->l.type == MW_TIFF_U8) {
            uint8_t *p = blk + off;
            for (int i = spp; i < w * spp; i++) p[i] = (uint8_t)(p[i] + p[i - spp]);
        } else if (spp == 1) {
            undo_pred16((uint16_t *)(blk + off), w);
        } else {
            uint16_t *p = (uint16_t *)(blk + off);
            for (int i = spp; i < w * spp; i++) p[i] = (uint16_t)(p[i] + p[i - spp]);
        }
    }
}

/* Raw block through libtiff, inflate with libdeflate, undo the predictor.
 * Returns 0 when anything is unexpected: the caller asks libtiff then. */
static int decode_fast(mw_tiff_file *f, uint32_t id, void *dst)
{
    uint64_t n = TIFFGetStrileByteCount(f->tif, id);
    if (n == 0 || n > (uint64_t)1 << 31) return 0;
    if (n > f->raw_cap) {
        uint8_t *p = realloc(f->raw, (size_t)n);
        if (!p) return 0;
        f->raw = p;
        f->raw_cap = (size_t)n;
    }
    tmsize_t got = f->tiled ? TIFFReadRawTile(f->tif, id, f->raw, (tmsize_t)n)
                            : TIFFReadRawStrip(f->tif, id, f->raw, (tmsize_t)n);
    if (got != (tmsize_t)n) return 0;
    size_t want = f->l.block_bytes;
    if (!f->tiled) {
        /* The last strip of a plane may be short. */
        uint32_t row0 = (id % (uint32_t)f->l.nby) * (uint32_t)f->l.bh;
        uint32_t rows = (uint32_t)f->l.height - row0 < (uint32_t)f->l.bh ? (uint32_t)f->l.height - row0 : (uint32_t)f->l.bh;
        want = rows * f->row_bytes;
    }
    size_t out = 0;
    if (libdeflate_zlib_decompress(f->dec, f->raw, (size_t)n, dst, f->l.block_bytes, &out) != LIBDEFLATE_SUCCESS ||
        out != want)
        return 0;
    if (f->predictor == PREDICTOR_HORIZONTAL) undo_predictor(f, dst, out);
    return 1;
}
#endif

/* Block @p id of a GDAL-decoded file: its band, then GDALReadBlock. */
static mw_status decode_gdal(mw_tiff_file *f, uint32_t id, void *dst)
{
    const mw_tiff_layout *l = &f->l;
    uint32_t per_band = (uint32_t)l->nbx * l->nby;
    int band = (int)(id / per_band) + 1, by = (int)(id % per_band) / l->nbx, bx = (int)(id % per_band) % l->nbx;
    CPLErrorReset();
    if (GDALReadBlock(GDALGetRasterBand(f->gds, band), bx, by, dst) != CE_None)
        return mw_error_set(MW_ERR_READ, "%s: cannot decode block %u: %s", f->name, (unsigned)id,
                            CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "read error");
    return MW_OK;
}

mw_status mw_tiff_file_decode(mw_tiff_file *f, uint32_t id, void *dst)
{
    if (!f->tif) return decode_gdal(f, id, dst);
#ifdef MW_HAVE_LIBDEFLATE
    if (f->fast && decode_fast(f, id, dst)) return MW_OK;
#endif
    f->msg[0] = '\0';
    tmsize_t n = TIFFIsTiled(f->tif) ? TIFFReadEncodedTile(f->tif, id, dst, (tmsize_t)f->l.block_bytes)
                                      : TIFFReadEncodedStrip(f->tif, id, dst, (tmsize_t)f->l.block_bytes);
    if (n < 0)
        return mw_error_set(MW_ERR_READ, "%s: cannot decode block %u: %s", f->name, (unsigned)id,
                            f->msg[0] ? f->msg : "read error");
    return MW_OK;
}
