/*
 * Change raster writer (see mw_output.h for the file layout).
 *
 * General plan:
 *  1. create: build "<dir>/.<name>.tmp-<pid>.tif", create a tiled DEFLATE
 *     GeoTIFF with GDAL and set every piece of metadata before any pixel is
 *     written (GTiff writes its directory once, at the first flush).
 *  2. write_rows: encode incoming rows into a 256-row, band-sequential
 *     UInt16 buffer. When the buffer holds a whole block row (or the last
 *     rows of the raster), write it with one GDALDatasetRasterIO() and flush
 *     each band's block cache. GDAL therefore sees the same call sequence
 *     whatever the caller's chunk heights, which makes the file bytes
 *     identical, and at most one block row is held in memory.
 *  3. commit: check all rows came, close, write the QGIS style, rename the
 *     .aux.xml and .qml sidecars then the .tif onto the final names.
 *     abort: close and unlink all temporaries.
 * GDAL errors are captured with a quiet handler (the library never prints)
 * and reported as MW_ERR_WRITE "<final path>: <GDAL message>".
 */
#include "mw_output.h"
#include "mw_output_internal.h"

#include "core/mw_error.h"
#include "change/mw_change.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>

enum { NBANDS = 5 };

struct mw_change_raster {
    char *path;        /* final name */
    char *tmp;         /* temporary .tif */
    GDALDatasetH ds;
    int width, height;
    int next_row;      /* rows received so far */
    int buf_y0;        /* raster row of buffer row 0 (a multiple of the block) */
    int buf_rows;      /* rows held in the buffer */
    int failed;        /* a write failed: only abort is allowed */
    uint16_t *buf;     /* NBANDS planes of BLOCK x width */
    mw_raw_tiles *raw; /* pixels as raw tiles compressed by the team; NULL: through GDAL */
};

static const char *const band_desc[NBANDS] = {"change class", "dNDVI", "dNDTI", "dBSI",
                                              "dMNDWI"};

/* Colours chosen to read at a glance in QGIS: water blue, turbid water brown,
 * vegetation loss orange, bare soil sand, no change pale grey, nodata clear. */
static const GDALColorEntry class_colours[MW_CLASS_COUNT] = {
    {0, 0, 0, 0},         {225, 225, 225, 255}, {235, 140, 30, 255}, {240, 215, 110, 255},
    {30, 110, 230, 255},  {150, 95, 40, 255},   {205, 50, 160, 255},
};

/* Store an index change; NaN -> 0 (nodata). Clamped to 1..65535 so a value
 * can neither wrap nor collide with nodata. */
static inline uint16_t encode(float d)
{
    if (isnan(d)) return 0;
    double v = nearbyint((double)d * 1e4) + 32768.0;
    if (v < 1.0) v = 1.0;
    if (v > 65535.0) v = 65535.0;
    return (uint16_t)v;
}

static char *tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(path) + 64;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%.*s.%s.tmp-%ld.tif", dirlen, path, base, (long)getpid());
    return s;
}

static char *aux_name(const char *tif)
{
    size_t n = strlen(tif) + 9;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s.aux.xml", tif);
    return s;
}

/* QGIS loads "<name without .tif>.qml" next to a raster as its default style. */
static char *qml_name(const char *tif)
{
    size_t n = strlen(tif);
    if (n > 4 && strcasecmp(tif + n - 4, ".tif") == 0) n -= 4;
    else if (n > 5 && strcasecmp(tif + n - 5, ".tiff") == 0) n -= 5;
    char *s = malloc(n + 5);
    if (s) snprintf(s, n + 5, "%.*s.qml", (int)n, tif);
    return s;
}

/* A paletted renderer on band 1 with the class colours and names, so the
 * raster opens styled in any QGIS 3 (the RAT is only used by >= 3.30). */
static int write_qml(const char *file)
{
    FILE *f = fopen(file, "w");
    if (!f) return -1;
    fprintf(f, "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
               "<qgis version=\"3.22.0\" styleCategories=\"Symbology\">\n"
               "  <pipe>\n"
               "    <rasterrenderer type=\"paletted\" band=\"1\" opacity=\"1\" "
               "alphaBand=\"-1\" nodataColor=\"\">\n"
               "      <colorPalette>\n");
    for (int c = 1; c < MW_CLASS_COUNT; c++) {
        const GDALColorEntry *e = &class_colours[c];
        fprintf(f, "        <paletteEntry value=\"%d\" color=\"#%02x%02x%02x\" alpha=\"%d\" "
                   "label=\"%s\"/>\n", c, e->c1, e->c2, e->c3, e->c4, mw_class_name(c));
    }
    fprintf(f, "      </colorPalette>\n"
               "    </rasterrenderer>\n"
               "  </pipe>\n"
               "</qgis>\n");
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* GDAL prints through its default handler; we want the message only. */
static void gdal_quiet_begin(void)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
}

static void gdal_quiet_end(void) { CPLPopErrorHandler(); }

/* Close r->ds. GDAL 3.6's GDALClose() returns void: a failure to write the
 * last tiles, the header or the directory shows as a CE_Failure left on
 * this thread; it becomes MW_ERR_WRITE "<path>: <what>: <GDAL message>". */
static mw_status close_checked(mw_change_raster *r, const char *path, const char *what)
{
    mw_status st = MW_OK;
    gdal_quiet_begin();
    GDALClose(r->ds);
    r->ds = NULL;
    if (CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal)
        st = mw_error_from_gdal(MW_ERR_WRITE, path, what);
    gdal_quiet_end();
    return st;
}

static void free_writer(mw_change_raster *r)
{
    free(r->buf);
    free(r->tmp);
    free(r->path);
    free(r);
}

static void remove_tmp(const mw_change_raster *r)
{
    unlink(r->tmp);
    char *aux = aux_name(r->tmp), *qml = qml_name(r->tmp);
    if (aux) unlink(aux);
    if (qml) unlink(qml);
    free(aux);
    free(qml);
}

static mw_status set_metadata(mw_change_raster *r, const double gt[6], const char *crs_wkt)
{
    if (gt && GDALSetGeoTransform(r->ds, (double *)gt) != CE_None)
        return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set geotransform");
    if (crs_wkt && *crs_wkt && GDALSetProjection(r->ds, crs_wkt) != CE_None)
        return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set CRS");

    for (int b = 0; b < NBANDS; b++) {
        GDALRasterBandH band = GDALGetRasterBand(r->ds, b + 1);
        GDALSetDescription(band, band_desc[b]);
        if (GDALSetRasterNoDataValue(band, 0.0) != CE_None)
            return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set nodata");
        if (b > 0 && (GDALSetRasterScale(band, MW_CHANGE_RASTER_SCALE) != CE_None ||
                      GDALSetRasterOffset(band, MW_CHANGE_RASTER_OFFSET) != CE_None))
            return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set scale/offset");
    }

    /* Colours: TIFF palettes need SamplesPerPixel <= 2 (GDAL refuses
     * SetColorTable() on this 5-band file), so the class colours travel as a
     * raster attribute table (Value, Class, Red, Green, Blue, Alpha; kept by
     * GDAL in the .aux.xml, rendered by QGIS >= 3.30) and as a QGIS style
     * sidecar written at commit for older QGIS. */
    GDALRasterBandH cls = GDALGetRasterBand(r->ds, 1);
    GDALSetRasterColorInterpretation(cls, GCI_GrayIndex);
    GDALRasterAttributeTableH rat = GDALCreateRasterAttributeTable();
    GDALRATCreateColumn(rat, "Value", GFT_Integer, GFU_MinMax);
    GDALRATCreateColumn(rat, "Class", GFT_String, GFU_Name);
    static const char *const comp[4] = {"Red", "Green", "Blue", "Alpha"};
    static const GDALRATFieldUsage use[4] = {GFU_Red, GFU_Green, GFU_Blue, GFU_Alpha};
    for (int k = 0; k < 4; k++) GDALRATCreateColumn(rat, comp[k], GFT_Integer, use[k]);
    for (int c = 0; c < MW_CLASS_COUNT; c++) {
        const GDALColorEntry *e = &class_colours[c];
        const int v[4] = {e->c1, e->c2, e->c3, e->c4};
        GDALRATSetValueAsInt(rat, c, 0, c);
        GDALRATSetValueAsString(rat, c, 1, mw_class_name(c));
        for (int k = 0; k < 4; k++) GDALRATSetValueAsInt(rat, c, 2 + k, v[k]);
    }
    CPLErr e = GDALSetDefaultRAT(cls, rat);
    GDALDestroyRasterAttributeTable(rat);
    if (e != CE_None)
        return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set attribute table");

    char *names[MW_CLASS_COUNT + 1];
    for (int c = 0; c < MW_CLASS_COUNT; c++) names[c] = (char *)mw_class_name(c);
    names[MW_CLASS_COUNT] = NULL;
    if (GDALSetRasterCategoryNames(cls, names) != CE_None)
        return mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot set category names");
    return MW_OK;
}

/**
 * Create a change raster writer (see mw_output.h).
 * Ownership: the caller owns *out and must end it with commit or abort.
 */
mw_status mw_change_raster_create(const char *path, int width, int height, const double gt[6],
                                  const char *crs_wkt, mw_change_raster **out)
{
    *out = NULL;
    if (!path || !*path || width <= 0 || height <= 0)
        return mw_error_set(MW_ERR_USAGE, "change raster: bad path or size %dx%d", width, height);

    mw_change_raster *r = calloc(1, sizeof *r);
    if (!r) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    r->width = width;
    r->height = height;
    r->path = strdup(path);
    r->tmp = tmp_name(path);
    r->buf = malloc((size_t)NBANDS * MW_CHANGE_RASTER_BLOCK * (size_t)width * sizeof *r->buf);
    if (!r->path || !r->tmp || !r->buf) {
        free_writer(r);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }

    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    if (!drv) {
        free_writer(r);
        return mw_error_set(MW_ERR_WRITE, "%s: GDAL has no GTiff driver", path);
    }
    char block[16];
    snprintf(block, sizeof block, "%d", MW_CHANGE_RASTER_BLOCK);
    char **opts = NULL;
    opts = CSLSetNameValue(opts, "TILED", "YES");
    opts = CSLSetNameValue(opts, "BLOCKXSIZE", block);
    opts = CSLSetNameValue(opts, "BLOCKYSIZE", block);
    opts = CSLSetNameValue(opts, "COMPRESS", "DEFLATE");
    opts = CSLSetNameValue(opts, "PREDICTOR", "2");
    /* Band-interleaved: each band compresses on its own (class codes and
     * index changes do not share statistics) and a GIS reading one band
     * decodes only its tiles. */
    opts = CSLSetNameValue(opts, "INTERLEAVE", "BAND");
    opts = CSLSetNameValue(opts, "BIGTIFF", "IF_SAFER");
    /* With raw tiles GDAL only writes the header: no tile may be filled in
     * at close, the tiles come later through libtiff. */
    const int raw = mw_raw_tiles_available();
    if (raw) opts = CSLSetNameValue(opts, "SPARSE_OK", "TRUE");

    gdal_quiet_begin();
    r->ds = GDALCreate(drv, r->tmp, width, height, NBANDS, GDT_UInt16, opts);
    CSLDestroy(opts);
    mw_status st = r->ds ? set_metadata(r, gt, crs_wkt)
                         : mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create file");
    gdal_quiet_end();
    if (st == MW_OK && raw) {
        /* Header, georeferencing and the PAM sidecar are written now. */
        st = close_checked(r, path, "cannot write the header");
        if (st == MW_OK)
            st = mw_raw_tiles_open(r->tmp, path, width, height, NBANDS, MW_CHANGE_RASTER_BLOCK, &r->raw);
    }
    if (st != MW_OK) {
        mw_change_raster_abort(r);
        return st;
    }
    *out = r;
    return MW_OK;
}

/* The buffered rows as one block row through GDAL, flushed to disk. */
static mw_status write_through_gdal(mw_change_raster *r)
{
    size_t plane = (size_t)MW_CHANGE_RASTER_BLOCK * (size_t)r->width;
    mw_status st = MW_OK;
    gdal_quiet_begin();
    CPLErr e = GDALDatasetRasterIO(r->ds, GF_Write, 0, r->buf_y0, r->width, r->buf_rows,
                                   r->buf, r->width, r->buf_rows, GDT_UInt16, NBANDS, NULL,
                                   sizeof(uint16_t), (int)sizeof(uint16_t) * r->width,
                                   (GSpacing)(plane * sizeof(uint16_t)));
    for (int b = 1; e == CE_None && b <= NBANDS; b++)
        e = GDALFlushRasterCache(GDALGetRasterBand(r->ds, b));
    if (e != CE_None) st = mw_error_from_gdal(MW_ERR_WRITE, r->path, "cannot write pixels");
    gdal_quiet_end();
    return st;
}

/* Write the buffered rows as one block row: raw tiles, or through GDAL. */
static mw_status flush_buffer(mw_change_raster *r)
{
    if (r->buf_rows == 0) return MW_OK;
    mw_status st = r->raw ? mw_raw_tiles_write_row(r->raw, r->buf_y0 / MW_CHANGE_RASTER_BLOCK, r->buf,
                                                   r->buf_rows)
                          : write_through_gdal(r);
    if (st != MW_OK) {
        r->failed = 1;
        return st;
    }
    r->buf_y0 += r->buf_rows;
    r->buf_rows = 0;
    return MW_OK;
}

/** Append rows (see mw_output.h). */
mw_status mw_change_raster_write_rows(mw_change_raster *r, int y0, int nrows,
                                      const uint8_t *cls, const float *dndvi,
                                      const float *dndti, const float *dbsi,
                                      const float *dmndwi)
{
    if (r->failed) return mw_error_set(MW_ERR_WRITE, "%s: earlier write failed", r->path);
    if (y0 != r->next_row || nrows <= 0 || nrows > r->height - y0 || !cls)
        return mw_error_set(MW_ERR_INTERNAL,
                            "%s: rows %d..%d written out of order (expected row %d of %d)",
                            r->path, y0, y0 + nrows - 1, r->next_row, r->height);

    const float *d[NBANDS - 1] = {dndvi, dndti, dbsi, dmndwi};
    size_t w = (size_t)r->width;
    size_t plane = (size_t)MW_CHANGE_RASTER_BLOCK * w;
    int done = 0;
    while (done < nrows) {
        int take = MW_CHANGE_RASTER_BLOCK - r->buf_rows;
        if (take > nrows - done) take = nrows - done;
        size_t src = (size_t)done * w, dst = (size_t)r->buf_rows * w, n = (size_t)take * w;
        uint16_t *p = r->buf + dst;
        for (size_t i = 0; i < n; i++) p[i] = cls[src + i];
        for (int b = 0; b < NBANDS - 1; b++) {
            p = r->buf + (size_t)(b + 1) * plane + dst;
            if (d[b])
                for (size_t i = 0; i < n; i++) p[i] = encode(d[b][src + i]);
            else
                memset(p, 0, n * sizeof *p);
        }
        r->buf_rows += take;
        done += take;
        r->next_row += take;
        if (r->buf_rows == MW_CHANGE_RASTER_BLOCK || r->next_row == r->height) {
            mw_status st = flush_buffer(r);
            if (st) return st;
        }
    }
    return MW_OK;
}

/** Finish the file and rename it into place (see mw_output.h). */
mw_status mw_change_raster_commit(mw_change_raster *r)
{
    if (!r) return mw_error_set(MW_ERR_INTERNAL, "change raster: commit of NULL writer");
    mw_status st = MW_OK;
    if (r->failed)
        st = mw_error_set(MW_ERR_WRITE, "%s: earlier write failed", r->path);
    else if (r->next_row != r->height)
        st = mw_error_set(MW_ERR_INTERNAL, "%s: only %d of %d rows written", r->path,
                          r->next_row, r->height);
    if (st != MW_OK) {
        mw_change_raster_abort(r);
        return st;
    }

    if (r->raw) {
        st = mw_raw_tiles_close(r->raw);
        r->raw = NULL;
    } else {
        st = close_checked(r, r->path, "cannot close file");
    }

    char *aux_tmp = aux_name(r->tmp), *aux_final = aux_name(r->path);
    char *qml_tmp = qml_name(r->tmp), *qml_final = qml_name(r->path);
    if (st == MW_OK && (!aux_tmp || !aux_final || !qml_tmp || !qml_final))
        st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", r->path);
    if (st == MW_OK && write_qml(qml_tmp) != 0)
        st = mw_error_set(MW_ERR_WRITE, "%s: cannot write %s: %s", r->path, qml_tmp,
                          strerror(errno));
    if (st == MW_OK) {
        /* Sidecars first, the raster last: a stale .aux.xml from an earlier
         * run must not survive next to the new raster. */
        if (access(aux_tmp, F_OK) == 0) {
            if (rename(aux_tmp, aux_final) != 0)
                st = mw_error_set(MW_ERR_WRITE, "%s: cannot rename %s: %s", aux_final, aux_tmp,
                                  strerror(errno));
        } else if (unlink(aux_final) != 0 && errno != ENOENT) {
            st = mw_error_set(MW_ERR_WRITE, "%s: cannot remove stale sidecar: %s", aux_final,
                              strerror(errno));
        }
    }
    if (st == MW_OK && rename(qml_tmp, qml_final) != 0)
        st = mw_error_set(MW_ERR_WRITE, "%s: cannot rename %s: %s", qml_final, qml_tmp,
                          strerror(errno));
    if (st == MW_OK && rename(r->tmp, r->path) != 0)
        st = mw_error_set(MW_ERR_WRITE, "%s: cannot rename %s: %s", r->path, r->tmp,
                          strerror(errno));
    if (st != MW_OK && aux_final && qml_final) {
        /* nothing half-committed: drop the sidecars we may have moved */
        unlink(aux_final);
        unlink(qml_final);
    }
    free(aux_tmp);
    free(aux_final);
    free(qml_tmp);
    free(qml_final);
    if (st != MW_OK) remove_tmp(r);
    free_writer(r);
    return st;
}

/** Discard the temporary files and free the writer (NULL ok). */
void mw_change_raster_abort(mw_change_raster *r)
{
    if (!r) return;
    if (r->raw) {
        mw_raw_tiles_close(r->raw); /* its errors do not matter: the file goes */
        r->raw = NULL;
    }
    if (r->ds) {
        gdal_quiet_begin();
        GDALClose(r->ds);
        gdal_quiet_end();
        r->ds = NULL;
    }
    remove_tmp(r);
    free_writer(r);
}
