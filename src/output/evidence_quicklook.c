/*
 * The overview map: the after scene in true colour at reduced resolution
 * (GDAL picks the file's overviews where it has them, else decimates the
 * read; memory is the small output only), every alert outlined and ringed.
 */
#include "mw_evidence_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>

#include "core/mw_error.h"
#include "io/mw_io.h"

enum { QL_MAX = 1024 };

static mw_status read_band(const mw_band_src *b, const mw_grid *g, int qw, int qh, float *out)
{
    GDALDatasetH ds = GDALOpenEx(b->file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return mw_error_from_gdal(MW_ERR_OPEN, b->file, "cannot open");
    double inv[6], x0, y0, x1, y1;
    if (!GDALInvGeoTransform((double *)b->gt, inv)) {
        GDALClose(ds);
        return mw_error_set(MW_ERR_CRS, "%s: geotransform cannot be inverted", b->file);
    }
    GDALApplyGeoTransform(inv, g->gt[0], g->gt[3], &x0, &y0);
    GDALApplyGeoTransform(inv, g->gt[0] + g->width * g->gt[1], g->gt[3] + g->height * g->gt[5], &x1, &y1);
    GDALRasterIOExtraArg ex;
    INIT_RASTERIO_EXTRA_ARG(ex);
    ex.eResampleAlg = GRIORA_NearestNeighbour;
    ex.bFloatingPointWindowValidity = TRUE;
    ex.dfXOff = fmax(0, x0);
    ex.dfYOff = fmax(0, y0);
    ex.dfXSize = fmin(b->width, x1) - ex.dfXOff;
    ex.dfYSize = fmin(b->height, y1) - ex.dfYOff;
    int xo = (int)floor(ex.dfXOff), yo = (int)floor(ex.dfYOff);
    int xs = (int)ceil(ex.dfXOff + ex.dfXSize) - xo, ys = (int)ceil(ex.dfYOff + ex.dfYSize) - yo;
    CPLErr e = GDALRasterIOEx(GDALGetRasterBand(ds, b->band), GF_Read, xo, yo, xs, ys, out, qw, qh, GDT_Float32, 0, 0,
                              &ex);
    mw_status st = e == CE_None ? MW_OK : mw_error_from_gdal(MW_ERR_READ, b->file, "cannot read an overview");
    GDALClose(ds);
    for (size_t i = 0; st == MW_OK && i < (size_t)qw * qh; i++)
        out[i] = b->has_nodata && out[i] == b->nodata ? NAN : (float)(out[i] * b->scale + b->offset);
    return st;
}

static void ring_marker(mw_canvas *c, double x, double y)
{
    static const uint8_t red[3] = {230, 20, 20}, black[3] = {0, 0, 0};
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < 24; k++) {
            double a0 = k * 2 * M_PI / 24, a1 = (k + 1) * 2 * M_PI / 24;
            mw_canvas_line(c, x + 7 * cos(a0), y + 7 * sin(a0), x + 7 * cos(a1), y + 7 * sin(a1), pass ? 2 : 4,
                           pass ? red : black);
        }
}

static void draw_alerts(mw_canvas *c, const mw_evidence_scan *sc, const double qgt[6])
{
    OGRSpatialReferenceH ll = OSRNewSpatialReference(NULL), grid = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    OSRImportFromWkt(grid, &(char *){sc->grid->crs_wkt});
    OSRSetAxisMappingStrategy(grid, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH t = OCTNewCoordinateTransformation(ll, grid);
    double inv[6];
    if (!GDALInvGeoTransform((double *)qgt, inv)) return;
    for (int i = 0; t && i < sc->nalerts; i++) {
        OGRGeometryH g = OGR_G_Clone(sc->alerts[i].geometry);
        if (g && OGR_G_Transform(g, t) == OGRERR_NONE) {
            OGRGeometryH b = OGR_G_Boundary(g);
            OGRGeometryH parts[1] = {b};
            for (int k = 0; k < 1 && parts[k]; k++) {
                /* vertices to overview pixels */
                OGRGeometryH q = parts[k];
                int nsub = OGR_G_GetGeometryCount(q);
                for (int s = 0; s <= nsub; s++) {
                    OGRGeometryH l = nsub ? (s < nsub ? OGR_G_GetGeometryRef(q, s) : NULL) : (s == 0 ? q : NULL);
                    if (!l) continue;
                    for (int p = 0; p < OGR_G_GetPointCount(l); p++) {
                        double px, py;
                        GDALApplyGeoTransform(inv, OGR_G_GetX(l, p), OGR_G_GetY(l, p), &px, &py);
                        OGR_G_SetPoint_2D(l, p, px, py);
                    }
                }
                mw_canvas_outline(c, q);
            }
            OGR_G_DestroyGeometry(b);
        }
        OGR_G_DestroyGeometry(g);
        double x = sc->alerts[i].centroid_lon, y = sc->alerts[i].centroid_lat, px, py;
        if (OCTTransform(t, 1, &x, &y, NULL)) {
            GDALApplyGeoTransform(inv, x, y, &px, &py);
            ring_marker(c, px, py);
        }
    }
    if (t) OCTDestroyCoordinateTransformation(t);
    OSRDestroySpatialReference(ll);
    OSRDestroySpatialReference(grid);
}

void mw_quicklook_layout(const mw_grid *g, mw_quicklook *q)
{
    int big = g->width > g->height ? g->width : g->height;
    int f = (big + QL_MAX - 1) / QL_MAX;
    double k = 1.0 / (f < 1 ? 1 : f);
    /* small scenes are enlarged to about 600 px so the markers fit */
    if (big * k < 600) k = 600.0 / big;
    q->w = (int)ceil(g->width * k);
    q->h = (int)ceil(g->height * k);
    memcpy(q->gt, g->gt, sizeof q->gt);
    q->gt[1] = g->gt[1] * g->width / q->w;
    q->gt[2] = g->gt[2] * g->width / q->w;
    q->gt[4] = g->gt[4] * g->height / q->h;
    q->gt[5] = g->gt[5] * g->height / q->h;
}

mw_status mw_evidence_quicklook(const mw_scene *after, const mw_evidence_scan *sc, const uint8_t *rgb,
                                const char *path, mw_quicklook *q)
{
    const mw_grid *g = sc->grid;
    mw_quicklook_layout(g, q);
    const int qw = q->w, qh = q->h;
    size_t n = (size_t)qw * qh;
    mw_canvas c = {0};
    mw_status st = mw_canvas_init(&c, qw, qh);
    if (st == MW_OK && rgb) {
        memcpy(c.rgb, rgb, n * 3);
    } else if (st == MW_OK) {
        float *band[3] = {malloc(n * sizeof(float)), malloc(n * sizeof(float)), malloc(n * sizeof(float))};
        if (!band[0] || !band[1] || !band[2]) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        const int roles[3] = {MW_BAND_RED, MW_BAND_GREEN, MW_BAND_BLUE};
        for (int b = 0; st == MW_OK && b < 3; b++) st = read_band(&after->bands[roles[b]], g, qw, qh, band[b]);
        for (size_t i = 0; st == MW_OK && i < n; i++)
            for (int b = 0; b < 3; b++) {
                double s = band[b][i] / MW_STRETCH_TRUE_MAX * 255.0;
                c.rgb[i * 3 + b] = !(s > 0) ? 0 : s >= 255 ? 255 : (uint8_t)lround(s);
            }
        for (int b = 0; b < 3; b++) free(band[b]);
    }
    if (st == MW_OK) {
        draw_alerts(&c, sc, q->gt);
        mw_canvas_scale_bar(&c, g->pixel_w_m * g->width / qw);
        mw_canvas_north_arrow(&c, 0);
        st = mw_canvas_write_png(&c, path, NULL);
    }
    mw_canvas_clear(&c);
    return st;
}
