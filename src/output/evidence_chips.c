/*
 * Per alert, alerts/<id>/: the chips, the bands as GeoTIFF, alert.json.
 *
 * General plan
 *  1. The alert's outline (lon/lat) goes to the target grid (one PROJ
 *     transformation per thread); its pixel box grown by a margin is the
 *     window: the only pixels read for this alert (through the scan's own
 *     readers, so the values are the ones the scan classified).
 *  2. Five chips of 128 to 320 px (nearest neighbour: a pixel stays a
 *     visible square), each with the outline, a scale bar and a north arrow
 *     turned by the grid's convergence: true colour and SWIR2/NIR/red at
 *     both dates with one fixed stretch for every chip of every scan (stated
 *     in the manifest: nothing is enhanced per image), and the change
 *     classes.
 *  3. before.tif / after.tif: the window at the product's DN (reflectance
 *     inverted through the scene's scale and offset), georeferenced.
 *  4. Alerts are shared among threads in chunks of neighbours (sorted by
 *     window), so each thread's block cache serves adjacent windows.
 */
#include "mw_evidence_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <omp.h>

#include "change/mw_change.h"
#include "core/mw_error.h"
#include "io/mw_io.h"

static const struct {
    uint8_t rgb[3];
    const char *label;
} classes[MW_CLASS_COUNT] = {
    {{128, 128, 128}, "no data or cloud"},
    {{232, 232, 232}, "no change"},
    {{255, 127, 14}, "vegetation loss"},
    {{140, 81, 10}, "bare soil"},
    {{31, 119, 180}, "new water"},
    {{188, 143, 20}, "turbid new water"},
    {{148, 30, 190}, "turbidity rise"},
};

void mw_class_colour(int cls, uint8_t rgb[3])
{
    memcpy(rgb, classes[cls >= 0 && cls < MW_CLASS_COUNT ? cls : 0].rgb, 3);
}

const char *mw_class_label(int cls) { return classes[cls >= 0 && cls < MW_CLASS_COUNT ? cls : 0].label; }

typedef struct chip_thread {
    OGRCoordinateTransformationH to_grid;
    double inv[6];
} chip_thread;

static uint8_t stretch(float v, double max)
{
    double s = v / max * 255.0;
    return !(s > 0) ? 0 : s >= 255 ? 255 : (uint8_t)(s + 0.5);  /* NaN: 0 */
}

/* Map every vertex of @p g from grid CRS to canvas pixels. */
static void to_canvas(OGRGeometryH g, const double inv[6], mw_rect r, double k)
{
    int n = OGR_G_GetGeometryCount(g);
    for (int i = 0; i < n; i++) to_canvas(OGR_G_GetGeometryRef(g, i), inv, r, k);
    int np = OGR_G_GetPointCount(g);
    for (int i = 0; i < np; i++) {
        double x = OGR_G_GetX(g, i), y = OGR_G_GetY(g, i), px, py;
        GDALApplyGeoTransform((double *)inv, x, y, &px, &py);
        OGR_G_SetPoint_2D(g, i, (px - r.x) * k, (py - r.y) * k);
    }
}

const char *const mw_chip_files[MW_CHIP_NFILES] = {"before.png", "after.png", "before_swir.png", "after_swir.png",
                                                   "change.png", "before.tif", "after.tif"};

/* One side of mw_chip_window(): [lo, lo + len) of the box, grown, kept
 * within [b0, b0 + blen), cut to MW_CHIP_WINDOW_MAX around its centre. */
static void window_side(int lo, int len, int b0, int blen, int *out_lo, int *out_len)
{
    int a = lo - MW_CHIP_MARGIN, z = lo + len + MW_CHIP_MARGIN;
    if (a < b0) a = b0;
    if (z > b0 + blen) z = b0 + blen;
    if (z - a > MW_CHIP_WINDOW_MAX) {
        int c = lo + len / 2;
        a = c - MW_CHIP_WINDOW_MAX / 2;
        if (a < b0) a = b0;
        if (a + MW_CHIP_WINDOW_MAX > b0 + blen) a = b0 + blen - MW_CHIP_WINDOW_MAX;
        z = a + MW_CHIP_WINDOW_MAX;
    }
    *out_lo = a;
    *out_len = z - a;
}

mw_rect mw_chip_window(mw_rect bbox, mw_rect bounds, int *cropped)
{
    mw_rect r;
    window_side(bbox.x, bbox.w, bounds.x, bounds.w, &r.x, &r.w);
    window_side(bbox.y, bbox.h, bounds.y, bounds.h, &r.y, &r.h);
    *cropped = bbox.w > r.w || bbox.h > r.h;
    return r;
}

/* The window of an alert read afterwards: the pixel box of its outline
 * (pixel edges: the outline follows them) in the grid. */
static mw_rect alert_window(OGRGeometryH grid_geom, const double inv[6], const mw_grid *g, int *cropped)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(grid_geom, &e);
    double x0, y0, x1, y1;
    GDALApplyGeoTransform((double *)inv, e.MinX, e.MaxY, &x0, &y0);
    GDALApplyGeoTransform((double *)inv, e.MaxX, e.MinY, &x1, &y1);
    int bx0 = (int)floor(fmin(x0, x1) + 1e-6), bx1 = (int)ceil(fmax(x0, x1) - 1e-6);
    int by0 = (int)floor(fmin(y0, y1) + 1e-6), by1 = (int)ceil(fmax(y0, y1) - 1e-6);
    mw_rect box = {bx0, by0, bx1 - bx0 > 0 ? bx1 - bx0 : 1, by1 - by0 > 0 ? by1 - by0 : 1};
    mw_rect all = {0, 0, g->width, g->height};
    return mw_chip_window(box, all, cropped);
}

typedef enum { CHIP_TRUE, CHIP_SWIR, CHIP_CHANGE } chip_kind;

/* The canvas is the window's pixels enlarged (or reduced) by nearest
 * neighbour: each window pixel is stretched once, then repeated along the
 * row, and a row equal to the one above is copied. */
static void render(mw_canvas *c, const mw_chip_src *s, const float *const *band, chip_kind kind)
{
    const int roles[2][3] = {{MW_BAND_RED, MW_BAND_GREEN, MW_BAND_BLUE}, {MW_BAND_SWIR2, MW_BAND_NIR, MW_BAND_RED}};
    const double max = kind == CHIP_TRUE ? MW_STRETCH_TRUE_MAX : MW_STRETCH_SWIR_MAX;
    const size_t row = (size_t)c->w * 3;
    int prev_sy = -1;
    for (int y = 0; y < c->h; y++) {
        int sy = (int)((long)y * s->r.h / c->h);
        uint8_t *line = c->rgb + (size_t)y * row;
        if (sy == prev_sy) {
            memcpy(line, line - row, row);
            continue;
        }
        prev_sy = sy;
        int prev_sx = -1;
        for (int x = 0; x < c->w; x++) {
            int sx = (int)((long)x * s->r.w / c->w);
            uint8_t *o = line + (size_t)x * 3;
            if (sx == prev_sx) {
                memcpy(o, o - 3, 3);
                continue;
            }
            prev_sx = sx;
            if (kind == CHIP_CHANGE) {
                mw_class_colour(s->cls[(size_t)sy * s->cls_stride + sx], o);
                continue;
            }
            size_t i = (size_t)sy * s->band_stride + sx;
            for (int b = 0; b < 3; b++) {
                const float *v = band[roles[kind][b]];
                o[b] = v ? stretch(v[i], max) : 0;
            }
        }
    }
}

/* Reflectance back to the product's integer DN: (v - offset) / scale lands
 * within a hair of the integer the scan read, rounded here (no libm call:
 * a full tile writes a billion of these). GDAL clips to the file's type. */
static void to_dn_int(const float *band, size_t stride, mw_rect r, const mw_band_src *src, double nodata, int32_t *o)
{
    const double off = src->offset, inv = 1.0 / src->scale;
    const int32_t nd = (int32_t)nodata;
    for (int y = 0; y < r.h; y++) {
        const float *v = band + (size_t)y * stride;
        int32_t *out = o + (size_t)y * r.w;
        for (int x = 0; x < r.w; x++) {
            double dn = ((double)v[x] - off) * inv;
            out[x] = v[x] != v[x] ? nd : dn >= 0 ? (int32_t)(dn + 0.5) : -(int32_t)(0.5 - dn);
        }
    }
}

static void to_dn_real(const float *band, size_t stride, mw_rect r, const mw_band_src *src, double nodata, double *o)
{
    for (int y = 0; y < r.h; y++) {
        const float *v = band + (size_t)y * stride;
        double *out = o + (size_t)y * r.w;
        for (int x = 0; x < r.w; x++) out[x] = v[x] == v[x] ? ((double)v[x] - src->offset) / src->scale : nodata;
    }
}

/* The window's bands at the product's DN, as a georeferenced GeoTIFF. */
static mw_status write_bands(const mw_scene *s, const mw_provenance *prov, const mw_grid *g, mw_rect r,
                             const float *const *band, size_t stride, const char *path, mw_digest *digest)
{
    int roles[MW_BAND_MASK], nb = 0;
    GDALDataType type = GDT_Unknown;
    for (int b = 0; b < MW_BAND_MASK; b++) {
        if (!band[b] || !s->bands[b].present) continue;
        roles[nb++] = b;
        GDALDataType t = prov->band_type[b] ? (GDALDataType)prov->band_type[b] : GDT_Float32;
        type = type == GDT_Unknown ? t : type == t ? type : GDT_Float32;
    }
    if (!nb) return MW_OK;
    int is_int = !GDALDataTypeIsFloating(type);
    /* DEFLATE level 1: band windows of noisy reflectance gain little from
     * harder work, and a full tile's alerts write a gigabyte of them */
    char *co[] = {"COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=1", "TILED=NO", NULL};
    /* made in memory, then hashed as it is written out */
    char mem[PATH_MAX + 16];
    snprintf(mem, sizeof mem, "/vsimem%s%s", path[0] == '/' ? "" : "/", path);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), mem, r.w, r.h, nb, type, co);
    if (!ds) return mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create the GeoTIFF");
    double gt[6] = {g->gt[0] + r.x * g->gt[1] + r.y * g->gt[2], g->gt[1], g->gt[2],
                    g->gt[3] + r.x * g->gt[4] + r.y * g->gt[5], g->gt[4], g->gt[5]};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, g->crs_wkt);
    GDALSetMetadataItem(ds, "MINEWATCH_VALUES",
                        "product DN on the scan's target grid: reflectance = DN * scale + offset "
                        "(coarser bands resampled as the scan read them)", NULL);
    const size_t n = (size_t)r.w * r.h;
    void *buf = malloc(n * nb * (is_int ? sizeof(int32_t) : sizeof(double)));
    mw_status st = buf ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int k = 0; st == MW_OK && k < nb; k++) {
        const mw_band_src *src = &s->bands[roles[k]];
        double nodata = src->has_nodata ? src->nodata : is_int ? 0 : NAN;
        if (is_int) to_dn_int(band[roles[k]], stride, r, src, nodata, (int32_t *)buf + k * n);
        else to_dn_real(band[roles[k]], stride, r, src, nodata, (double *)buf + k * n);
        GDALRasterBandH b = GDALGetRasterBand(ds, k + 1);
        GDALSetDescription(b, mw_band_role_name((mw_band_role)roles[k]));
        GDALSetRasterScale(b, src->scale);
        GDALSetRasterOffset(b, src->offset);
        if (nodata == nodata) GDALSetRasterNoDataValue(b, nodata);
    }
    /* all bands in one call: the file is pixel-interleaved */
    if (st == MW_OK && GDALDatasetRasterIO(ds, GF_Write, 0, 0, r.w, r.h, buf, r.w, r.h, is_int ? GDT_Int32 : GDT_Float64,
                                           nb, NULL, 0, 0, 0) != CE_None)
        st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot write the bands");
    free(buf);
    CPLErrorReset();
    GDALClose(ds);  /* void in GDAL < 3.8: a failed flush shows as the last error */
    if (st == MW_OK && CPLGetLastErrorType() >= CE_Failure)
        st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot finish the GeoTIFF");
    vsi_l_offset len = 0;
    GByte *bytes = VSIGetMemFileBuffer(mem, &len, TRUE);
    if (st == MW_OK) st = bytes ? mw_evidence_write_hashed(path, bytes, (size_t)len, digest)
                                : mw_error_set(MW_ERR_WRITE, "%s: the GeoTIFF was not made", path);
    CPLFree(bytes);
    VSIUnlink(mem);
    return st;
}

/* Canvas pixels per window pixel: an integer k (windows under 128 px
 * enlarged to at least 128, so the outline and labels have room) or 1/n
 * (windows over MW_CHIP_SIZE reduced). Encoding costs per canvas pixel and
 * a full tile has a thousand alerts of five chips: no chip is larger than
 * it needs to be to show the window's pixels; browsers enlarge them
 * (pixelated) for display. */
static double chip_scale(mw_rect r)
{
    const int big = r.w > r.h ? r.w : r.h;
    return big < 128 ? ceil(128.0 / big) : big <= MW_CHIP_SIZE ? 1.0 : 1.0 / ceil((double)big / MW_CHIP_SIZE);
}

mw_status mw_chip_write(const mw_chip_ctx *cc, const mw_chip_src *s, const char *dir,
                        mw_digest digests[MW_CHIP_NFILES])
{
    char path[PATH_MAX + 32];
    double inv[6];
    memset(digests, 0, MW_CHIP_NFILES * sizeof *digests);
    if (!GDALInvGeoTransform((double *)cc->grid->gt, inv))
        return mw_error_set(MW_ERR_CRS, "the scan's grid cannot be inverted");
    const double k = chip_scale(s->r);
    int cw = (int)lround(s->r.w * k), ch = (int)lround(s->r.h * k);
    if (cw < 1) cw = 1;
    if (ch < 1) ch = 1;
    OGRGeometryH g = OGR_G_Clone(s->outline);
    mw_canvas c = {0}, marks = {0};
    mw_status st = g ? mw_canvas_init(&c, cw, ch) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = mw_canvas_init_overlay(&marks, cw, ch);
    if (st == MW_OK) {
        to_canvas(g, inv, s->r, k);
        mw_canvas_outline(&marks, g);
        mw_canvas_scale_bar(&marks, cc->grid->pixel_w_m / k);
        mw_canvas_north_arrow(&marks, s->north_angle);
    }
    for (int j = 0; st == MW_OK && j < 5; j++) {
        snprintf(path, sizeof path, "%s/%s", dir, mw_chip_files[j]);
        render(&c, s, j % 2 == 0 && j < 4 ? s->before : s->after, j < 2 ? CHIP_TRUE : j < 4 ? CHIP_SWIR : CHIP_CHANGE);
        mw_canvas_stamp(&c, &marks);
        st = mw_canvas_write_png(&c, path, &digests[j]);
    }
    mw_canvas_clear(&c);
    mw_canvas_clear(&marks);
    OGR_G_DestroyGeometry(g);
    if (st == MW_OK) {
        snprintf(path, sizeof path, "%s/%s", dir, mw_chip_files[5]);
        st = write_bands(cc->before, cc->prov_before, cc->grid, s->r, s->before, s->band_stride, path, &digests[5]);
    }
    if (st == MW_OK) {
        snprintf(path, sizeof path, "%s/%s", dir, mw_chip_files[6]);
        st = write_bands(cc->after, cc->prov_after, cc->grid, s->r, s->after, s->band_stride, path, &digests[6]);
    }
    return st;
}

/* An alert without captured chips: read its window now (the scan's readers). */
static mw_status alert_files(const mw_chip_ctx *cc, chip_thread *t, int thread, int i, mw_chip_info *info)
{
    const mw_evidence_scan *sc = cc->scan;
    const mw_alert *a = &sc->alerts[i];
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "alerts/%s", a->id);
    mw_status st = mw_evidence_mkdirs(cc->root, dir);
    if (st != MW_OK) return st;
    snprintf(dir, sizeof dir, "%s/alerts/%s", cc->root, a->id);

    OGRGeometryH g = OGR_G_Clone(a->geometry);
    if (!g || OGR_G_Transform(g, t->to_grid) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        return mw_error_set(MW_ERR_CRS, "alert %s: its outline cannot be taken back to the scan's grid", a->id);
    }
    mw_rect r = alert_window(g, t->inv, sc->grid, &info->cropped);
    info->window = r;
    /* grid north against true north at the centroid */
    double x0 = a->centroid_lon, y0 = a->centroid_lat, x1 = a->centroid_lon, y1 = a->centroid_lat + 0.001;
    info->north_angle = 0;
    if (OCTTransform(t->to_grid, 1, &x0, &y0, NULL) && OCTTransform(t->to_grid, 1, &x1, &y1, NULL)) {
        double p0x, p0y, p1x, p1y;
        GDALApplyGeoTransform(t->inv, x0, y0, &p0x, &p0y);
        GDALApplyGeoTransform(t->inv, x1, y1, &p1x, &p1y);
        info->north_angle = atan2(p1x - p0x, -(p1y - p0y));
    }
    mw_evidence_window w;
    st = sc->read(sc->read_arg, thread, r, &w);
    if (st == MW_OK) {
        mw_chip_src s = {.r = r, .band_stride = (size_t)r.w, .cls = w.cls, .cls_stride = (size_t)r.w,
                         .outline = g, .north_angle = info->north_angle};
        for (int b = 0; b < MW_BAND_MASK; b++) {
            s.before[b] = w.before->band[b];
            s.after[b] = w.after->band[b];
        }
        st = mw_chip_write(cc, &s, dir, info->files);
        info->hashed = st == MW_OK;
    }
    OGR_G_DestroyGeometry(g);
    return st;
}

static int thread_init(chip_thread *t, const mw_grid *g)
{
    memset(t, 0, sizeof *t);
    OGRSpatialReferenceH ll = OSRNewSpatialReference(NULL), grid = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    int ok = OSRImportFromWkt(grid, &(char *){g->crs_wkt}) == OGRERR_NONE;
    OSRSetAxisMappingStrategy(grid, OAMS_TRADITIONAL_GIS_ORDER);
    if (ok) t->to_grid = OCTNewCoordinateTransformation(ll, grid);
    OSRDestroySpatialReference(ll);
    OSRDestroySpatialReference(grid);
    return t->to_grid && GDALInvGeoTransform((double *)g->gt, t->inv);
}

typedef struct order {
    int y, x, i;
} order;

static int cmp_order(const void *a, const void *b)
{
    const order *p = a, *q = b;
    return p->y != q->y ? (p->y > q->y) - (p->y < q->y) : p->x != q->x ? (p->x > q->x) - (p->x < q->x) : p->i - q->i;
}

mw_status mw_evidence_chips(const mw_chip_ctx *cc, mw_chip_info *info)
{
    const mw_evidence_scan *sc = cc->scan;
    const int n = sc->nalerts, nt = sc->threads > 0 ? sc->threads : 1;
    int todo = 0;
    for (int i = 0; i < n; i++) todo += !info[i].captured;
    if (todo == 0) return MW_OK;
    order *ord = malloc((size_t)n * sizeof *ord);
    if (!ord) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    const double *gt = sc->grid->gt;
    for (int i = 0; i < n; i++) {
        /* rows of 256 px, then west to east: neighbours share blocks */
        double yy = (sc->alerts[i].centroid_lat), xx = sc->alerts[i].centroid_lon;
        ord[i] = (order){(int)floor(-yy / (fabs(gt[5]) * 256 / 111000.0)), (int)floor(xx * 1e4), i};
    }
    qsort(ord, (size_t)n, sizeof *ord, cmp_order);
    mw_status first = MW_OK;
    char msg[1024] = "";
#pragma omp parallel num_threads(nt)
    {
        chip_thread t;
        int ok = thread_init(&t, cc->grid);
        const int me = omp_get_thread_num();
#pragma omp for schedule(dynamic, 8)
        for (int k = 0; k < n; k++) {
            mw_status st;
            if (info[ord[k].i].captured) continue;
#pragma omp atomic read
            st = first;
            if (st != MW_OK) continue;
            st = ok ? alert_files(cc, &t, me, ord[k].i, &info[ord[k].i])
                    : mw_error_set(MW_ERR_CRS, "the scan's grid CRS cannot be reached from WGS84");
            if (st != MW_OK) {
#pragma omp critical(mw_evidence_chips)
                if (first == MW_OK) {
                    first = st;
                    mw_error_copy(msg, sizeof msg);
                }
            }
        }
        if (t.to_grid) OCTDestroyCoordinateTransformation(t.to_grid);
    }
    free(ord);
    if (first != MW_OK) return mw_error_set(first, "%s", msg);
    return MW_OK;
}
