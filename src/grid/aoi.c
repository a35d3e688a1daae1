/*
 * The area of interest: polygons from any OGR layer, reprojected once to
 * the target CRS, burnt per window so only pixels inside it are read.
 */
#include "mw_grid.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"

struct mw_aoi {
    OGRGeometryH geom;     /* MultiPolygon in the target CRS */
    double env[4];
};

/* Vertices per edge of the clip rectangle sent to the AOI's CRS, and the
 * number of pieces an AOI edge is cut into across the clip's width. */
enum { CLIP_EDGE_POINTS = 64, DENSIFY_STEPS = 256 };

/* The clip rectangle (target CRS) as a densified polygon in the AOI's CRS:
 * NULL if it does not transform (then the AOI is transformed whole). */
static OGRGeometryH clip_in_source(const double clip[4], OGRSpatialReferenceH dst, OGRSpatialReferenceH src)
{
    OGRCoordinateTransformationH inv = OCTNewCoordinateTransformation(dst, src);
    if (!inv) return NULL;
    enum { N = 4 * CLIP_EDGE_POINTS };
    double x[N + 1], y[N + 1];
    for (int i = 0; i < N; i++) {
        const int side = i / CLIP_EDGE_POINTS;
        const double t = (double)(i % CLIP_EDGE_POINTS) / CLIP_EDGE_POINTS;
        const double u = side < 2 ? t : 1 - t;  /* bottom, right: forwards; top, left: back */
        x[i] = side == 0 || side == 2 ? clip[0] + u * (clip[2] - clip[0]) : side == 1 ? clip[2] : clip[0];
        y[i] = side == 1 || side == 3 ? clip[1] + (side == 1 ? t : 1 - t) * (clip[3] - clip[1])
                                      : side == 0 ? clip[1] : clip[3];
    }
    x[N] = x[0];
    y[N] = y[0];
    int ok = OCTTransform(inv, N + 1, x, y, NULL);
    OCTDestroyCoordinateTransformation(inv);
    for (int i = 0; ok && i <= N; i++) ok = isfinite(x[i]) && isfinite(y[i]);
    if (!ok) return NULL;
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing), poly = OGR_G_CreateGeometry(wkbPolygon);
    for (int i = 0; i <= N; i++) OGR_G_AddPoint_2D(ring, x[i], y[i]);
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

/* Add the polygons of @p g (any type) to the MultiPolygon @p all. */
static void add_polygons(OGRGeometryH all, OGRGeometryH g)
{
    const OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon && !OGR_G_IsEmpty(g)) OGR_G_AddGeometry(all, g);
    if (t == wkbMultiPolygon || t == wkbGeometryCollection)
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) add_polygons(all, OGR_G_GetGeometryRef(g, i));
}

/* One AOI polygon into @p all: cut to @p clip_src, densified, transformed. */
static int add_feature_polygon(OGRGeometryH all, OGRGeometryH g, OGRGeometryH clip_src,
                               OGRCoordinateTransformationH ct)
{
    OGRGeometryH c = clip_src ? OGR_G_Intersection(g, clip_src) : OGR_G_Clone(g);
    if (!c) return 0;
    if (clip_src) {
        OGREnvelope e;
        OGR_G_GetEnvelope(clip_src, &e);
        OGR_G_Segmentize(c, fmax(e.MaxX - e.MinX, e.MaxY - e.MinY) / DENSIFY_STEPS);
    }
    int ok = OGR_G_IsEmpty(c) || OGR_G_Transform(c, ct) == OGRERR_NONE;
    if (ok) add_polygons(all, c);
    OGR_G_DestroyGeometry(c);
    return ok;
}

mw_status mw_aoi_open(const char *path, const char *target_wkt, const double clip[4], mw_aoi **out)
{
    *out = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds) return mw_error_set(MW_ERR_GEOMETRY, "%s: not a readable vector file", path);
    if (GDALDatasetGetLayerCount(ds) < 1) {
        GDALClose(ds);
        return mw_error_set(MW_ERR_GEOMETRY, "%s: holds no layer", path);
    }
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
    OSRSetFromUserInput(dst, target_wkt);
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
    OGRCoordinateTransformationH ct = NULL;
    mw_status st = MW_OK;
    OGRSpatialReferenceH s = NULL;
    if (!src) {
        /* RFC 7946 GeoJSON has no crs member: WGS84 lon/lat is the rule. */
        s = OSRNewSpatialReference(NULL);
        OSRSetWellKnownGeogCS(s, "WGS84");
    } else {
        s = OSRClone(src);
    }
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    ct = OCTNewCoordinateTransformation(s, dst);
    OGRGeometryH clip_src = clip && ct ? clip_in_source(clip, dst, s) : NULL;
    OSRDestroySpatialReference(s);
    if (!ct) st = mw_error_set(MW_ERR_GEOMETRY, "%s: cannot transform its CRS to the scenes' CRS", path);

    OGRGeometryH all = OGR_G_CreateGeometry(wkbMultiPolygon);
    OGRFeatureH f;
    int polygons = 0, others = 0;
    OGR_L_ResetReading(layer);
    while (st == MW_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
            if (t == wkbPolygon || t == wkbMultiPolygon) {
                if (!add_feature_polygon(all, g, clip_src, ct))
                    st = mw_error_set(MW_ERR_GEOMETRY, "%s: feature %lld cannot be reprojected", path,
                                      (long long)OGR_F_GetFID(f));
                polygons++;
            } else {
                others++;
            }
        }
        OGR_F_Destroy(f);
    }
    if (st == MW_OK && polygons == 0)
        st = mw_error_set(MW_ERR_GEOMETRY, "%s: no polygon in the first layer%s", path,
                          others ? " (only points or lines)" : "");
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (clip_src) OGR_G_DestroyGeometry(clip_src);
    OSRDestroySpatialReference(dst);
    GDALClose(ds);
    if (st != MW_OK) {
        OGR_G_DestroyGeometry(all);
        return st;
    }
    mw_aoi *a = calloc(1, sizeof *a);
    if (!a) {
        OGR_G_DestroyGeometry(all);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    a->geom = all;
    OGREnvelope e;
    OGR_G_GetEnvelope(all, &e);
    a->env[0] = e.MinX;
    a->env[1] = e.MinY;
    a->env[2] = e.MaxX;
    a->env[3] = e.MaxY;
    *out = a;
    return MW_OK;
}

void mw_aoi_destroy(mw_aoi *a)
{
    if (!a) return;
    OGR_G_DestroyGeometry(a->geom);
    free(a);
}

void mw_aoi_envelope(const mw_aoi *a, double env[4]) { memcpy(env, a->env, 4 * sizeof(double)); }

mw_status mw_aoi_rasterize(const mw_aoi *a, const mw_grid *grid, mw_rect r, uint8_t *mask, long long *inside)
{
    const size_t n = (size_t)r.w * r.h;
    memset(mask, 0, n);
    *inside = 0;
    const double *gt = grid->gt;
    double x0 = gt[0] + r.x * gt[1], x1 = gt[0] + (r.x + r.w) * gt[1];
    double y1 = gt[3] + r.y * gt[5], y0 = gt[3] + (r.y + r.h) * gt[5];
    if (x1 < a->env[0] || x0 > a->env[2] || y1 < a->env[1] || y0 > a->env[3]) return MW_OK;

    /* A MEM dataset wrapping our buffer: GDAL burns straight into it. */
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDatasetH ds = mem ? GDALCreate(mem, "", r.w, r.h, 0, GDT_Byte, NULL) : NULL;
    if (!ds) return mw_error_set(MW_ERR_INTERNAL, "cannot create the AOI mask dataset");
    char ptr[64];
    snprintf(ptr, sizeof ptr, "DATAPOINTER=%p", (void *)mask);
    char *band_opts[] = {ptr, NULL};
    if (GDALAddBand(ds, GDT_Byte, band_opts) != CE_None) {
        GDALClose(ds);
        return mw_error_set(MW_ERR_INTERNAL, "cannot wrap the AOI mask buffer");
    }
    double wgt[6] = {x0, gt[1], 0, y1, 0, gt[5]};
    GDALSetGeoTransform(ds, wgt);
    int band = 1;
    double burn = 1;
    /* Geometries are only read; the clone keeps threads off shared state. */
    OGRGeometryH g = OGR_G_Clone(a->geom);
    CPLErr e = GDALRasterizeGeometries(ds, 1, &band, 1, &g, NULL, NULL, &burn, NULL, NULL, NULL);
    OGR_G_DestroyGeometry(g);
    GDALClose(ds);
    if (e != CE_None) return mw_error_from_gdal(MW_ERR_GEOMETRY, "AOI", "cannot rasterise the area of interest");
    long long c = 0;
    for (size_t i = 0; i < n; i++) c += mask[i];
    *inside = c;
    return MW_OK;
}
