/*
 * Reading one scene's bands onto the target grid, per thread.
 *
 * General plan
 *  1. At creation, each distinct file of the scene is opened once (the
 *     handles belong to this reader, hence to one thread), and each band is
 *     given a read mode by comparing its grid with the target grid: DIRECT
 *     (same CRS and pixel size, whole-pixel offset), UPSAMPLE (same CRS, an
 *     integer multiple of the pixel size on an aligned origin) or WARP.
 *  2. A read converts DN to reflectance once, at the source resolution
 *     (NaN for nodata and for pixels outside the band), then places or
 *     interpolates it onto the requested rectangle. Masks keep raw values.
 *  3. valid = mask says clear AND every reflectance band is finite.
 */
#include "mw_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"
#include "io/mw_scene_internal.h"

enum read_mode { READ_DIRECT, READ_UPSAMPLE, READ_WARP };

typedef struct band_reader {
    const mw_band_src *src;
    int is_mask;
    enum read_mode mode;
    GDALRasterBandH band;   /* in the shared file handle, or in @c warped */
    GDALDatasetH warped;    /* owned, WARP mode only */
    int ox, oy;             /* target pixel (0,0) sits at source pixel (ox, oy) * 1/k */
    int k;                  /* UPSAMPLE factor */
} band_reader;

typedef struct open_file {
    const char *name;
    GDALDatasetH ds;
} open_file;

struct mw_scene_reader {
    const mw_scene *scene;
    const mw_grid *grid;
    open_file files[MW_BAND_ROLE_COUNT];
    int nfiles;
    band_reader bands[MW_BAND_ROLE_COUNT];
    float *scratch;          /* source-resolution window */
    size_t scratch_n;
    float *mask_raw;         /* raw mask values on the target rectangle */
    size_t mask_n;
};

static GDALDatasetH open_shared_file(mw_scene_reader *r, const char *name)
{
    for (int i = 0; i < r->nfiles; i++)
        if (strcmp(r->files[i].name, name) == 0) return r->files[i].ds;
    GDALDatasetH ds = GDALOpenEx(name, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return NULL;
    r->files[r->nfiles].name = name;
    r->files[r->nfiles].ds = ds;
    r->nfiles++;
    return ds;
}

static int near_int(double v, int *out)
{
    double rv = floor(v + 0.5);
    if (fabs(v - rv) > 1e-6) return 0;
    *out = (int)rv;
    return 1;
}

static mw_status make_warped(band_reader *b, GDALDatasetH ds, const mw_scene *scene,
                             const mw_grid *grid)
{
    GDALWarpOptions *wo = GDALCreateWarpOptions();
    wo->hSrcDS = ds;
    wo->nBandCount = 1;
    wo->panSrcBands = CPLMalloc(sizeof(int));
    wo->panDstBands = CPLMalloc(sizeof(int));
    wo->panSrcBands[0] = b->src->band;
    wo->panDstBands[0] = 1;
    wo->eResampleAlg = b->is_mask ? GRA_NearestNeighbour : GRA_Bilinear;
    wo->eWorkingDataType = GDT_Float32;
    if (b->src->has_nodata && !b->is_mask) {
        wo->padfSrcNoDataReal = CPLMalloc(sizeof(double));
        wo->padfSrcNoDataReal[0] = b->src->nodata;
    }
    wo->padfDstNoDataReal = CPLMalloc(sizeof(double));
    wo->padfDstNoDataReal[0] = NAN;
    wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "NO_DATA");
    double src_gt[6];
    GDALGetGeoTransform(ds, src_gt);
    double dst_gt[6];
    memcpy(dst_gt, grid->gt, sizeof dst_gt);
    wo->pTransformerArg = GDALCreateGenImgProjTransformer3(scene->crs_wkt, src_gt, grid->crs_wkt, dst_gt);
    if (!wo->pTransformerArg) {
        GDALDestroyWarpOptions(wo);
        return mw_error_from_gdal(MW_ERR_CRS, b->src->file, "cannot transform to the target grid");
    }
    wo->pfnTransformer = GDALGenImgProjTransform;
    b->warped = GDALCreateWarpedVRT(ds, grid->width, grid->height, dst_gt, wo);
    GDALDestroyWarpOptions(wo);
    if (!b->warped) return mw_error_from_gdal(MW_ERR_READ, b->src->file, "cannot warp onto the target grid");
    b->band = GDALGetRasterBand(b->warped, 1);
    return MW_OK;
}

static mw_status setup_band(mw_scene_reader *r, int role, int same_crs)
{
    band_reader *b = &r->bands[role];
    const mw_band_src *src = &r->scene->bands[role];
    b->src = src;
    b->is_mask = role == MW_BAND_MASK;
    GDALDatasetH ds = open_shared_file(r, src->file);
    if (!ds) return mw_error_from_gdal(MW_ERR_OPEN, src->file, "cannot open");
    if (src->band < 1 || src->band > GDALGetRasterCount(ds))
        return mw_error_set(MW_ERR_BAND, "%s: band %d does not exist", src->file, src->band);
    b->band = GDALGetRasterBand(ds, src->band);

    const double *sg = src->gt, *tg = r->grid->gt;
    int k = 0, kx = 0, ky = 0, ox = 0, oy = 0;
    int aligned = same_crs && sg[2] == 0 && sg[4] == 0 && sg[1] > 0 && sg[5] < 0 &&
                  near_int(sg[1] / tg[1], &kx) && near_int(sg[5] / tg[5], &ky) && kx == ky &&
                  (k = kx) >= 1 && near_int((tg[0] - sg[0]) / tg[1], &ox) &&
                  near_int((tg[3] - sg[3]) / tg[5], &oy);
    if (aligned) {
        b->mode = k == 1 ? READ_DIRECT : READ_UPSAMPLE;
        b->k = k;
        b->ox = ox;  /* in target pixels */
        b->oy = oy;
        return MW_OK;
    }
    b->mode = READ_WARP;
    b->k = 1;
    return make_warped(b, ds, r->scene, r->grid);
}

mw_status mw_scene_reader_create(const mw_scene *scene, const mw_grid *grid, mw_scene_reader **out)
{
    *out = NULL;
    mw_scene_reader *r = calloc(1, sizeof *r);
    if (!r) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    r->scene = scene;
    r->grid = grid;

    OGRSpatialReferenceH a = OSRNewSpatialReference(NULL), b = OSRNewSpatialReference(NULL);
    int same_crs = a && b && OSRSetFromUserInput(a, scene->crs_wkt) == OGRERR_NONE &&
                   OSRSetFromUserInput(b, grid->crs_wkt) == OGRERR_NONE && OSRIsSame(a, b);
    OSRDestroySpatialReference(a);
    OSRDestroySpatialReference(b);

    mw_status st = MW_OK;
    for (int role = 0; role < MW_BAND_ROLE_COUNT && st == MW_OK; role++)
        if (scene->bands[role].present) st = setup_band(r, role, same_crs);
    if (st != MW_OK) {
        mw_scene_reader_destroy(r);
        return st;
    }
    *out = r;
    return MW_OK;
}

const mw_scene *mw_scene_reader_scene(const mw_scene_reader *r) { return r->scene; }

void mw_scene_reader_destroy(mw_scene_reader *r)
{
    if (!r) return;
    for (int i = 0; i < MW_BAND_ROLE_COUNT; i++)
        if (r->bands[i].warped) GDALClose(r->bands[i].warped);
    for (int i = 0; i < r->nfiles; i++) GDALClose(r->files[i].ds);
    free(r->scratch);
    free(r->mask_raw);
    free(r);
}

static float *grow(float **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        float *p = realloc(*buf, n * sizeof(float));
        if (!p) return NULL;
        *buf = p;
        *cap = n;
    }
    return *buf;
}

static void fill_nan(float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = NAN;
}

/* DN -> reflectance in place; nodata -> NaN. Masks are left raw. */
static void to_reflectance(const band_reader *b, float *v, size_t n)
{
    if (b->is_mask) return;
    const float scale = (float)b->src->scale, offset = (float)b->src->offset;
    const int has_nd = b->src->has_nodata;
    const float nd = (float)b->src->nodata;
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        v[i] = (has_nd && x == nd) || !isfinite(x) ? NAN : x * scale + offset;
    }
}

/* Read source window [sx, sx+w) x [sy, sy+h) (may stick out) into dst, NaN outside. */
static mw_status read_source(band_reader *b, int sx, int sy, int w, int h, float *dst)
{
    int src_w = GDALGetRasterBandXSize(b->band), src_h = GDALGetRasterBandYSize(b->band);
    mw_rect want = {sx, sy, w, h}, have = {0, 0, src_w, src_h};
    mw_rect in = mw_rect_intersect(want, have);
    if (in.w != w || in.h != h) fill_nan(dst, (size_t)w * h);
    if (mw_rect_is_empty(in)) return MW_OK;
    float *first = dst + (size_t)(in.y - sy) * w + (in.x - sx);
    CPLErr e = GDALRasterIOEx(b->band, GF_Read, in.x, in.y, in.w, in.h, first, in.w, in.h,
                              GDT_Float32, sizeof(float), (GSpacing)w * sizeof(float), NULL);
    if (e != CE_None) return mw_error_from_gdal(MW_ERR_READ, b->src->file, "read failed");
    /* Convert only what was read; the NaN frame stays NaN. */
    for (int y = 0; y < in.h; y++) to_reflectance(b, first + (size_t)y * w, (size_t)in.w);
    return MW_OK;
}

static mw_status read_upsampled(mw_scene_reader *r, band_reader *b, mw_rect t, float *out)
{
    const int k = b->k;
    /* Target pixel x (global) has its centre at source coordinate
     * u = (x + ox + 0.5) / k, in source pixel units from the source origin. */
    if (b->is_mask) {
        int sx0 = (int)floor((t.x + b->ox + 0.5) / k), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k);
        int sy0 = (int)floor((t.y + b->oy + 0.5) / k), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k);
        int sw = sx1 - sx0 + 1, sh = sy1 - sy0 + 1;
        float *s = grow(&r->scratch, &r->scratch_n, (size_t)sw * sh);
        if (!s) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        mw_status st = read_source(b, sx0, sy0, sw, sh, s);
        if (st != MW_OK) return st;
        for (int y = 0; y < t.h; y++) {
            int sy = (int)floor((t.y + y + b->oy + 0.5) / k) - sy0;
            const float *srow = s + (size_t)sy * sw;
            float *orow = out + (size_t)y * t.w;
            for (int x = 0; x < t.w; x++) orow[x] = srow[(int)floor((t.x + x + b->ox + 0.5) / k) - sx0];
        }
        return MW_OK;
    }
    /* Bilinear: u - 0.5 = i0 + f; neighbours i0 and i0 + 1, clamped at the band's edge. */
    int src_w = GDALGetRasterBandXSize(b->band), src_h = GDALGetRasterBandYSize(b->band);
    int sx0 = (int)floor((t.x + b->ox + 0.5) / k - 0.5), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k - 0.5) + 1;
    int sy0 = (int)floor((t.y + b->oy + 0.5) / k - 0.5), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k - 0.5) + 1;
    int sw = sx1 - sx0 + 1, sh = sy1 - sy0 + 1;
    float *s = grow(&r->scratch, &r->scratch_n, (size_t)sw * sh);
    if (!s) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = read_source(b, sx0, sy0, sw, sh, s);
    if (st != MW_OK) return st;
    for (int y = 0; y < t.h; y++) {
        double v = (t.y + y + b->oy + 0.5) / k - 0.5;
        int i0 = (int)floor(v);
        float fy = (float)(v - i0);
        int ya = i0 < 0 ? 0 : (i0 >= src_h ? src_h - 1 : i0);
        int yb = i0 + 1 < 0 ? 0 : (i0 + 1 >= src_h ? src_h - 1 : i0 + 1);
        int inside_y = v > -1.0 && v < src_h;  /* centre within the band's footprint */
        const float *ra = s + (size_t)(ya - sy0) * sw, *rb = s + (size_t)(yb - sy0) * sw;
        float *orow = out + (size_t)y * t.w;
        for (int x = 0; x < t.w; x++) {
            double u = (t.x + x + b->ox + 0.5) / k - 0.5;
            int j0 = (int)floor(u);
            if (!inside_y || !(u > -1.0 && u < src_w)) {
                orow[x] = NAN;
                continue;
            }
            float fx = (float)(u - j0);
            int xa = j0 < 0 ? 0 : (j0 >= src_w ? src_w - 1 : j0);
            int xb = j0 + 1 < 0 ? 0 : (j0 + 1 >= src_w ? src_w - 1 : j0 + 1);
            xa -= sx0;
            xb -= sx0;
            float top = ra[xa] + fx * (ra[xb] - ra[xa]);
            float bot = rb[xa] + fx * (rb[xb] - rb[xa]);
            orow[x] = top + fy * (bot - top);  /* NaN if any neighbour is NaN */
        }
    }
    return MW_OK;
}

static mw_status read_band(mw_scene_reader *r, band_reader *b, mw_rect t, float *out)
{
    switch (b->mode) {
    case READ_DIRECT:
        return read_source(b, t.x + b->ox, t.y + b->oy, t.w, t.h, out);
    case READ_UPSAMPLE:
        return read_upsampled(r, b, t, out);
    case READ_WARP: {
        /* The warped VRT is on the target grid already; outside it is NaN. */
        mw_rect have = {0, 0, r->grid->width, r->grid->height};
        mw_rect in = mw_rect_intersect(t, have);
        if (in.w != t.w || in.h != t.h) fill_nan(out, (size_t)t.w * t.h);
        if (mw_rect_is_empty(in)) return MW_OK;
        float *first = out + (size_t)(in.y - t.y) * t.w + (in.x - t.x);
        CPLErr e = GDALRasterIOEx(b->band, GF_Read, in.x, in.y, in.w, in.h, first, in.w, in.h,
                                  GDT_Float32, sizeof(float), (GSpacing)t.w * sizeof(float), NULL);
        if (e != CE_None) return mw_error_from_gdal(MW_ERR_READ, b->src->file, "warped read failed");
        if (!b->is_mask) {
            /* The warper already mapped source nodata to NaN; scale the rest. */
            const float scale = (float)b->src->scale, offset = (float)b->src->offset;
            for (int y = 0; y < in.h; y++) {
                float *row = first + (size_t)y * t.w;
                for (int x = 0; x < in.w; x++) row[x] = row[x] * scale + offset;
            }
        }
        return MW_OK;
    }
    }
    return mw_error_set(MW_ERR_INTERNAL, "bad read mode");
}

mw_status mw_scene_reader_read(mw_scene_reader *r, mw_rect t, mw_scene_pixels *px)
{
    const size_t n = (size_t)t.w * t.h;
    memset(px->valid, 1, n);
    for (int role = 0; role < MW_BAND_MASK; role++) {
        band_reader *b = &r->bands[role];
        if (!b->src) continue;
        mw_status st = read_band(r, b, t, px->band[role]);
        if (st != MW_OK) return st;
        const float *v = px->band[role];
        for (size_t i = 0; i < n; i++)
            if (isnan(v[i])) px->valid[i] = 0;
    }
    band_reader *m = &r->bands[MW_BAND_MASK];
    if (m->src) {
        float *raw = grow(&r->mask_raw, &r->mask_n, n);
        if (!raw) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        mw_status st = read_band(r, m, t, raw);
        if (st != MW_OK) return st;
        /* Decode row by row into a scratch of validity, then AND. */
        uint8_t *clear = (uint8_t *)r->scratch;  /* reuse: n bytes fit in n floats */
        if (!grow(&r->scratch, &r->scratch_n, (n + 3) / 4 + 1))
            return mw_error_set(MW_ERR_NOMEM, "out of memory");
        clear = (uint8_t *)r->scratch;
        mw_mask_decode_row(r->scene->mask_kind, raw, clear, (int)n);
        for (size_t i = 0; i < n; i++) px->valid[i] &= clear[i];
    }
    return MW_OK;
}

void mw_scene_block_size(const mw_scene *scene, const mw_grid *grid, int *bx, int *by)
{
    *bx = *by = 256;
    const mw_band_src *red = &scene->bands[MW_BAND_RED];
    if (!red->present) return;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(red->file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds) return;
    int x = 0, y = 0;
    if (red->band >= 1 && red->band <= GDALGetRasterCount(ds))
        GDALGetBlockSize(GDALGetRasterBand(ds, red->band), &x, &y);
    GDALClose(ds);
    double k = fabs(red->gt[1] / grid->gt[1]);
    if (x > 1 && y > 1 && k > 0) {
        *bx = (int)(x * k + 0.5);
        *by = (int)(y * k + 0.5);
    }
}
