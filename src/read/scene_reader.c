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
#include "mw_read.h"

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
#include "io/mw_io.h"
#include "mw_read.h"
#include "mw_reflectance.h"
#include "mw_read_internal.h"
#include "mw_tiff_reader.h"
#include "mw_valid_mask.h"

enum read_mode { READ_DIRECT, READ_UPSAMPLE, READ_WARP };

typedef struct band_reader {
    const mw_band_src *src;
    int file;               /* index in mw_scene_reader.files */
    int is_mask;
    enum read_mode mode;
    GDALRasterBandH band;   /* in the shared file handle, or in @c warped */
    GDALDatasetH warped;    /* owned, WARP mode only */
    int ox, oy;             /* target pixel (0,0) sits at source pixel (ox, oy) * 1/k */
    int k;                  /* UPSAMPLE factor */
} band_reader;

enum { LRU_SLOTS = 12 };

/* A decoded block kept by one reader (libtiff path). */
typedef struct lru_slot {
    uint32_t id;
    uint64_t used;      /* 0: empty */
    uint64_t read;      /* the mw_scene_reader_read() call that used it last */
    void *data;
} lru_slot;

typedef struct open_file {
    const char *name;
    GDALDatasetH ds;
    mw_tiff_file *tf;   /* libtiff direct path, or NULL: GDAL */
    lru_slot lru[LRU_SLOTS];
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
    uint64_t clock;          /* LRU stamps */
    uint64_t reads;          /* mw_scene_reader_read() calls so far */
    const mw_block_store *store;  /* shared decoded blocks, looked up first; may be NULL */
    int *col_a, *col_b;      /* upsampling: per target column, source columns */
    float *col_f;            /* ... and weight of col_b */
    uint8_t *col_in;         /* ... centre inside the band */
    float *hrow;             /* ... and two rows interpolated horizontally */
    size_t col_n;
};

static int open_shared_file(mw_scene_reader *r, const char *name)
{
    for (int i = 0; i < r->nfiles; i++)
        if (strcmp(r->files[i].name, name) == 0) return i;
    GDALDatasetH ds = GDALOpenEx(name, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return -1;
    open_file *f = &r->files[r->nfiles];
    f->name = name;
    f->ds = ds;
    f->tf = mw_tiff_file_open(name, ds);
    return r->nfiles++;
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
    b->file = open_shared_file(r, src->file);
    if (b->file < 0) return mw_error_from_gdal(MW_ERR_OPEN, src->file, "cannot open");
    GDALDatasetH ds = r->files[b->file].ds;
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

int mw_scene_reader_direct_files(const mw_scene_reader *r)
{
    int n = 0;
    for (int i = 0; i < r->nfiles; i++) n += r->files[i].tf != NULL;
    return n;
}

void mw_scene_reader_destroy(mw_scene_reader *r)
{
    if (!r) return;
    for (int i = 0; i < MW_BAND_ROLE_COUNT; i++)
        if (r->bands[i].warped) GDALClose(r->bands[i].warped);
    for (int i = 0; i < r->nfiles; i++) {
        for (int j = 0; j < LRU_SLOTS; j++) free(r->files[i].lru[j].data);
        mw_tiff_file_close(r->files[i].tf);
        GDALClose(r->files[i].ds);
    }
    free(r->scratch);
    free(r->mask_raw);
    free(r->col_a);
    free(r->col_b);
    free(r->col_f);
    free(r->col_in);
    free(r->hrow);
    free(r);
}

/* Scratch of at least n floats; its old contents are not kept (no copy). */
static float *grow(float **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        free(*buf);
        *buf = malloc(n * sizeof(float));
        *cap = *buf ? n : 0;
    }
    return *buf;
}

static void fill_nan(float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = NAN;
}

/* Block @p id of file @p f decoded, from this reader's LRU or decoded now. */
static mw_status get_block(mw_scene_reader *r, open_file *f, uint32_t id, const void **out)
{
    if (r->store) {
        const void *shared = mw_block_store_lookup(r->store, (int)(f - r->files), id);
        if (shared) {
            *out = shared;
            return MW_OK;
        }
    }
    /* The victim: the least recently used slot holding a block no block
     * of this read needs any more (not used by this read); only when
     * every filled slot serves this read, an empty one. A slot is 128 KiB
     * of fresh memory per file and thread: the shift lattice, whose
     * windows each take one block per file and never meet again, filled
     * all LRU_SLOTS of every file of every thread for nothing (21 MiB of
     * page faults per thread, paid twice with two threads). */
    lru_slot *victim = NULL, *empty = NULL, *oldest = &f->lru[0];
    for (int j = 0; j < LRU_SLOTS; j++) {
        lru_slot *sl = &f->lru[j];
        if (sl->used && sl->id == id) {
            sl->used = ++r->clock;
            sl->read = r->reads;
            *out = sl->data;
            return MW_OK;
        }
        if (!sl->data) {
            if (!empty) empty = sl;
            continue;
        }
        if (sl->used < oldest->used || !oldest->data) oldest = sl;
        if (sl->read != r->reads && (!victim || sl->used < victim->used)) victim = sl;
    }
    if (!victim) victim = empty ? empty : oldest;
    if (!victim->data && !(victim->data = malloc(mw_tiff_file_layout(f->tf)->block_bytes)))
        return mw_error_set(MW_ERR_NOMEM, "out of memory for a block of %s", f->name);
    victim->used = 0;
    mw_status st = mw_tiff_file_decode(f->tf, id, victim->data);
    if (st != MW_OK) return st;
    victim->id = id;
    victim->used = ++r->clock;
    victim->read = r->reads;
    *out = victim->data;
    return MW_OK;
}

/* Rectangle @p in (inside the band) through libtiff, block by block. */
static mw_status read_tiff(mw_scene_reader *r, band_reader *b, mw_rect in, float *first, size_t stride)
{
    open_file *f = &r->files[b->file];
    const mw_tiff_layout *l = mw_tiff_file_layout(f->tf);
    const size_t s = l->separate ? 0 : (size_t)(b->src->band - 1);
    const int bx0 = in.x / l->bw, bx1 = (in.x + in.w - 1) / l->bw;
    const int by0 = in.y / l->bh, by1 = (in.y + in.h - 1) / l->bh;
    const size_t esize = l->type == MW_TIFF_U8 ? 1 : l->type == MW_TIFF_F32 ? 4 : 2;
    for (int by = by0; by <= by1; by++)
        for (int bx = bx0; bx <= bx1; bx++) {
            const void *blk = NULL;
            mw_status st = get_block(r, f, mw_tiff_block_id(l, b->src->band, bx, by), &blk);
            if (st != MW_OK) return st;
            mw_rect br = mw_rect_intersect(in, (mw_rect){bx * l->bw, by * l->bh, l->bw, l->bh});
            for (int y = br.y; y < br.y + br.h; y++) {
                const uint8_t *row = (const uint8_t *)blk +
                                     ((size_t)(y - by * l->bh) * l->bw + (br.x - bx * l->bw)) * l->spp * esize;
                mw_span_to_reflectance(b->src, b->is_mask, l->type, row, s, l->spp, br.w,
                                       first + (size_t)(y - in.y) * stride + (br.x - in.x));
            }
        }
    return MW_OK;
}

/* Read source window [sx, sx+w) x [sy, sy+h) (may stick out) into dst, NaN outside. */
static mw_status read_source(mw_scene_reader *r, band_reader *b, int sx, int sy, int w, int h, float *dst)
{
    int src_w = GDALGetRasterBandXSize(b->band), src_h = GDALGetRasterBandYSize(b->band);
    mw_rect want = {sx, sy, w, h}, have = {0, 0, src_w, src_h};
    mw_rect in = mw_rect_intersect(want, have);
    if (in.w != w || in.h != h) fill_nan(dst, (size_t)w * h);
    if (mw_rect_is_empty(in)) return MW_OK;
    float *first = dst + (size_t)(in.y - sy) * w + (in.x - sx);
    if (r->files[b->file].tf) return read_tiff(r, b, in, first, (size_t)w);
    CPLErr e = GDALRasterIOEx(b->band, GF_Read, in.x, in.y, in.w, in.h, first, in.w, in.h,
                              GDT_Float32, sizeof(float), (GSpacing)w * sizeof(float), NULL);
    if (e != CE_None) return mw_error_from_gdal(MW_ERR_READ, b->src->file, "read failed");
    /* Convert only what was read; the NaN frame stays NaN. */
    for (int y = 0; y < in.h; y++) mw_to_reflectance(b->src, b->is_mask, first + (size_t)y * w, (size_t)in.w);
    return MW_OK;
}

static int grow_columns(mw_scene_reader *r, size_t n)
{
    if (n <= r->col_n) return 1;
    int *a = realloc(r->col_a, n * sizeof *a);
    if (a) r->col_a = a;
    int *bb = realloc(r->col_b, n * sizeof *bb);
    if (bb) r->col_b = bb;
    float *f = realloc(r->col_f, n * sizeof *f);
    if (f) r->col_f = f;
    uint8_t *in = realloc(r->col_in, n);
    if (in) r->col_in = in;
    float *h = realloc(r->hrow, 2 * n * sizeof *h);
    if (h) r->hrow = h;
    if (!a || !bb || !f || !in || !h) return 0;
    r->col_n = n;
    return 1;
}

/* One source row interpolated horizontally onto the target columns: the
 * `top` (or `bot`) term of the bilinear formula. */
static void hlerp_row(const float *restrict sr, const int *restrict ca, const int *restrict cb,
                      const float *restrict cf, int w, float *restrict h)
{
#pragma omp simd
    for (int x = 0; x < w; x++) {
        float fx = cf[x];
        float a0 = sr[ca[x]], a1 = sr[cb[x]];
        h[x] = a0 + fx * (a1 - a0);
    }
}

/* The mask (classes, not values): nearest neighbour. Target pixel x
 * (global) has its centre at source coordinate u = (x + ox + 0.5) / k, in
 * source pixel units from the source origin. */
static mw_status read_nearest(mw_scene_reader *r, band_reader *b, mw_rect t, float *out)
{
    const int k = b->k;
    int *ca = r->col_a;
    int sx0 = (int)floor((t.x + b->ox + 0.5) / k), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k);
    int sy0 = (int)floor((t.y + b->oy + 0.5) / k), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k);
    int sw = sx1 - sx0 + 1, sh = sy1 - sy0 + 1;
    float *s = grow(&r->scratch, &r->scratch_n, (size_t)sw * sh);
    if (!s) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = read_source(r, b, sx0, sy0, sw, sh, s);
    if (st != MW_OK) return st;
    for (int x = 0; x < t.w; x++) ca[x] = (int)floor((t.x + x + b->ox + 0.5) / k) - sx0;
    for (int y = 0; y < t.h; y++) {
        int sy = (int)floor((t.y + y + b->oy + 0.5) / k) - sy0;
        const float *srow = s + (size_t)sy * sw;
        float *orow = out + (size_t)y * t.w;
        for (int x = 0; x < t.w; x++) orow[x] = srow[ca[x]];
    }
    return MW_OK;
}

/* Bilinear columns, the same for every row (computed once per read):
 * u - 0.5 = j0 + f; neighbours j0 and j0 + 1, clamped at the band's edge,
 * as indices into the source window that starts at column sx0. */
static void bilinear_columns(mw_scene_reader *r, const band_reader *b, mw_rect t, int src_w, int sx0)
{
    const int k = b->k;
    int *ca = r->col_a, *cb = r->col_b;
    float *cf = r->col_f;
    uint8_t *cin = r->col_in;
    for (int x = 0; x < t.w; x++) {
        double u = (t.x + x + b->ox + 0.5) / k - 0.5;
        int j0 = (int)floor(u);
        cin[x] = u > -1.0 && u < src_w;
        cf[x] = (float)(u - j0);
        int xa = j0 < 0 ? 0 : (j0 >= src_w ? src_w - 1 : j0);
        int xb = j0 + 1 < 0 ? 0 : (j0 + 1 >= src_w ? src_w - 1 : j0 + 1);
        ca[x] = cin[x] ? xa - sx0 : 0;  /* outside: any index of the window, result dropped */
        cb[x] = cin[x] ? xb - sx0 : 0;
    }
}

/* Bilinear rows: out = top + fy (bot - top), where top and bot are the
 * horizontal interpolations of source rows ya and yb. Consecutive target
 * rows share source rows (k of them per source row), so each source row is
 * interpolated horizontally once, into one of two row buffers, and reused:
 * the same arithmetic, hence the same bits, as interpolating per pixel, at
 * about 1/k of the horizontal work. @p s is the source window (rows from
 * sy0, sw wide). */
static void bilinear_rows(mw_scene_reader *r, const band_reader *b, mw_rect t, int src_h, const float *s,
                          int sy0, int sw, float *out)
{
    const int k = b->k;
    const int *ca = r->col_a, *cb = r->col_b;
    const float *cf = r->col_f;
    const uint8_t *cin = r->col_in;
    float *hbuf[2] = {r->hrow, r->hrow + t.w};
    int htag[2] = {INT32_MIN, INT32_MIN};  /* source row each buffer holds */
    const float nan = NAN;
    uint32_t nan_bits;
    memcpy(&nan_bits, &nan, sizeof nan_bits);
    for (int y = 0; y < t.h; y++) {
        double v = (t.y + y + b->oy + 0.5) / k - 0.5;
        int i0 = (int)floor(v);
        float fy = (float)(v - i0);
        int ya = i0 < 0 ? 0 : (i0 >= src_h ? src_h - 1 : i0);
        int yb = i0 + 1 < 0 ? 0 : (i0 + 1 >= src_h ? src_h - 1 : i0 + 1);
        int inside_y = v > -1.0 && v < src_h;  /* centre within the band's footprint */
        float *restrict orow = out + (size_t)y * t.w;
        if (!inside_y) {
            fill_nan(orow, (size_t)t.w);
            continue;
        }
        int sa = htag[0] == ya ? 0 : htag[1] == ya ? 1 : -1;
        int sb = htag[0] == yb ? 0 : htag[1] == yb ? 1 : -1;
        if (sa < 0) {  /* into the buffer yb does not hold */
            sa = sb == 0 ? 1 : 0;
            hlerp_row(s + (size_t)(ya - sy0) * sw, ca, cb, cf, t.w, hbuf[sa]);
            htag[sa] = ya;
        }
        if (sb < 0) {
            sb = ya == yb ? sa : 1 - sa;
            if (sb != sa) {
                hlerp_row(s + (size_t)(yb - sy0) * sw, ca, cb, cf, t.w, hbuf[sb]);
                htag[sb] = yb;
            }
        }
        const float *hr[2] = {hbuf[sa], hbuf[sb]};
        const float *restrict top = hr[0], *restrict bot = hr[1];
        /* cin[x] ? v2 : NAN as a bit select: with a ternary GCC sinks the
         * arithmetic into the taken arm of the branch; FP being allowed to trap,
         * then cannot if-convert the loop to vectorise it. */
#pragma omp simd
        for (int x = 0; x < t.w; x++) {
            float v2 = top[x] + fy * (bot[x] - top[x]);  /* NaN if any neighbour is NaN */
            uint32_t bits, keep = 0u - (uint32_t)cin[x];
            memcpy(&bits, &v2, sizeof bits);
            bits = (bits & keep) | (nan_bits & ~keep);
            memcpy(&orow[x], &bits, sizeof bits);
        }
    }
}

/* A coarser band onto the target grid: nearest neighbour for the mask,
 * bilinear for reflectance. */
static mw_status read_upsampled(mw_scene_reader *r, band_reader *b, mw_rect t, float *out)
{
    const int k = b->k;
    if (!grow_columns(r, (size_t)t.w)) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (b->is_mask) return read_nearest(r, b, t, out);
    int src_w = GDALGetRasterBandXSize(b->band), src_h = GDALGetRasterBandYSize(b->band);
    int sx0 = (int)floor((t.x + b->ox + 0.5) / k - 0.5), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k - 0.5) + 1;
    int sy0 = (int)floor((t.y + b->oy + 0.5) / k - 0.5), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k - 0.5) + 1;
    int sw = sx1 - sx0 + 1, sh = sy1 - sy0 + 1;
    float *s = grow(&r->scratch, &r->scratch_n, (size_t)sw * sh);
    if (!s) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = read_source(r, b, sx0, sy0, sw, sh, s);
    if (st != MW_OK) return st;
    bilinear_columns(r, b, t, src_w, sx0);
    bilinear_rows(r, b, t, src_h, s, sy0, sw, out);
    return MW_OK;
}

/* The source window a read of target rectangle @p t touches (all modes but WARP). */
static mw_rect source_rect(const band_reader *b, mw_rect t)
{
    if (b->mode == READ_DIRECT) return (mw_rect){t.x + b->ox, t.y + b->oy, t.w, t.h};
    const int k = b->k;
    /* Bilinear's window; the nearest-neighbour (mask) window lies inside it. */
    int sx0 = (int)floor((t.x + b->ox + 0.5) / k - 0.5), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k - 0.5) + 1;
    int sy0 = (int)floor((t.y + b->oy + 0.5) / k - 0.5), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k - 0.5) + 1;
    return (mw_rect){sx0, sy0, sx1 - sx0 + 1, sy1 - sy0 + 1};
}

static mw_status read_band(mw_scene_reader *r, band_reader *b, mw_rect t, float *out)
{
    switch (b->mode) {
    case READ_DIRECT:
        return read_source(r, b, t.x + b->ox, t.y + b->oy, t.w, t.h, out);
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

/* valid &= the mask of an UPSAMPLE band, nearest neighbour: decoded at the
 * source resolution (k^2 fewer decodes), then spread, which is the same as
 * decoding the spread raw values. */
static mw_status and_mask_upsampled(mw_scene_reader *r, band_reader *b, mw_rect t, uint8_t *valid)
{
    const int k = b->k;
    if (!grow_columns(r, (size_t)t.w)) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    int *ca = r->col_a;
    int sx0 = (int)floor((t.x + b->ox + 0.5) / k), sx1 = (int)floor((t.x + t.w - 1 + b->ox + 0.5) / k);
    int sy0 = (int)floor((t.y + b->oy + 0.5) / k), sy1 = (int)floor((t.y + t.h - 1 + b->oy + 0.5) / k);
    int sw = sx1 - sx0 + 1, sh = sy1 - sy0 + 1;
    size_t sn = (size_t)sw * sh;
    float *raw = grow(&r->scratch, &r->scratch_n, sn);
    uint8_t *clear = (uint8_t *)grow(&r->mask_raw, &r->mask_n, (sn + 3) / 4 + 1);
    if (!raw || !clear) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = read_source(r, b, sx0, sy0, sw, sh, raw);
    if (st != MW_OK) return st;
    mw_mask_decode_row(r->scene->mask_kind, raw, clear, (int)sn);
    for (int x = 0; x < t.w; x++) ca[x] = (int)floor((t.x + x + b->ox + 0.5) / k) - sx0;
    for (int y = 0; y < t.h; y++) {
        int sy = (int)floor((t.y + y + b->oy + 0.5) / k) - sy0;
        mw_valid_and_spread(valid + (size_t)y * t.w, clear + (size_t)sy * sw, ca, t.w);
    }
    return MW_OK;
}

mw_status mw_scene_reader_read(mw_scene_reader *r, mw_rect t, mw_scene_pixels *px)
{
    const size_t n = (size_t)t.w * t.h;
    r->reads++;  /* the LRU's notion of "this read" (get_block) */
    memset(px->valid, 1, n);
    for (int role = 0; role < MW_BAND_MASK; role++) {
        band_reader *b = &r->bands[role];
        if (!b->src) continue;
        mw_status st = read_band(r, b, t, px->band[role]);
        if (st != MW_OK) return st;
        mw_valid_and_number(px->valid, px->band[role], n);
    }
    band_reader *m = &r->bands[MW_BAND_MASK];
    if (m->src && m->mode == READ_UPSAMPLE) return and_mask_upsampled(r, m, t, px->valid);
    if (m->src) {
        float *raw = grow(&r->mask_raw, &r->mask_n, n);
        if (!raw) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        mw_status st = read_band(r, m, t, raw);
        if (st != MW_OK) return st;
        /* Decode row by row into a scratch of validity, then AND. */
        if (!grow(&r->scratch, &r->scratch_n, (n + 3) / 4 + 1))
            return mw_error_set(MW_ERR_NOMEM, "out of memory");
        uint8_t *clear = (uint8_t *)r->scratch;  /* n bytes fit in n floats */
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

/* ---- What the block store needs to know (mw_scene_reader_internal.h) --- */

int mw_scene_reader_file_count(const mw_scene_reader *r) { return r->nfiles; }

mw_tiff_file *mw_scene_reader_tiff(const mw_scene_reader *r, int file) { return r->files[file].tf; }

int mw_scene_reader_band_source(const mw_scene_reader *r, int role, mw_rect t, int *file, int *band,
                                mw_rect *src)
{
    const band_reader *b = &r->bands[role];
    if (!b->src || b->mode == READ_WARP || !r->files[b->file].tf) return 0;
    *file = b->file;
    *band = b->src->band;
    *src = source_rect(b, t);
    return 1;
}

void mw_scene_reader_use_store(mw_scene_reader *reader, const mw_block_store *store)
{
    reader->store = store;
}
