/*
 * Protected areas: tag alerts with the name of the area they overlap most.
 *
 * General Plan:
 *  1. Open the file with OGR (any vector format), take its first layer.
 *  2. Pick the name field: the first of NAME, name, Name, NAME_ENG,
 *     ORIG_NAME, nome, nombre (exact spelling), else the first string
 *     field, else the FID printed as text.
 *  3. Read every feature once: polygons only (curves are linearised),
 *     reprojected to WGS84 lon/lat (traditional GIS order), made valid when
 *     GEOS says they are not; keep name, geometry and envelope, sorted by
 *     name so ties are broken by name order.
 *  4. Query: envelope pre-filter, then the geodesic area of the
 *     intersection; the largest positive one wins (ties: first by name).
 *
 * A layer without a CRS is taken as lon/lat WGS84 (as GeoJSON), provided
 * its extent fits in [-180, 180] x [-90, 90].
 */
#include "mw_alerts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"
#include "minewatch/minewatch.h"  /* mw_utf8_repair */
#include "grid/mw_grid.h"

typedef struct area {
    char *name;
    OGRGeometryH geom;
    OGREnvelope env;
} area;

struct mw_protected {
    area *areas;
    int count;
    int repaired;  /* names with invalid UTF-8 bytes replaced */
};

static const char *const name_fields[] = {"NAME", "name", "Name", "NAME_ENG", "ORIG_NAME",
                                          "nome", "nombre"};

/* Index of the name field, or -1 for "use the FID". */
static int pick_name_field(OGRFeatureDefnH defn)
{
    int nf = OGR_FD_GetFieldCount(defn);
    for (size_t c = 0; c < sizeof name_fields / sizeof name_fields[0]; c++)
        for (int i = 0; i < nf; i++)
            if (strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), name_fields[c]) == 0)
                return i;
    for (int i = 0; i < nf; i++)
        if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) == OFTString) return i;
    return -1;
}

static int compare_areas(const void *a, const void *b)
{
    const area *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    /* Same name: keep a deterministic order by extent. */
    if (x->env.MinX != y->env.MinX) return x->env.MinX < y->env.MinX ? -1 : 1;
    if (x->env.MinY != y->env.MinY) return x->env.MinY < y->env.MinY ? -1 : 1;
    return 0;
}

/** Destroy a protected-area set (NULL accepted). */
void mw_protected_destroy(mw_protected *p)
{
    if (!p) return;
    for (int i = 0; i < p->count; i++) {
        free(p->areas[i].name);
        if (p->areas[i].geom) OGR_G_DestroyGeometry(p->areas[i].geom);
    }
    free(p->areas);
    free(p);
}

/* Turn a feature geometry into a valid lon/lat (Multi)Polygon, or fail. */
static mw_status prepare_geometry(const char *path, GIntBig fid, OGRGeometryH *pg,
                                  OGRCoordinateTransformationH ct)
{
    OGRGeometryH g = *pg;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbCurvePolygon || t == wkbMultiSurface) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        OGR_G_DestroyGeometry(g);
        *pg = g = lin;
        if (!g) return mw_error_set(MW_ERR_GEOMETRY, "%s: feature %lld: cannot linearise curves",
                                    path, (long long)fid);
        t = wkbFlatten(OGR_G_GetGeometryType(g));
    }
    if (t != wkbPolygon && t != wkbMultiPolygon)
        return mw_error_set(MW_ERR_GEOMETRY, "%s: feature %lld is a %s, not a polygon", path,
                            (long long)fid, OGR_G_GetGeometryName(g));
    if (OGR_G_GetCoordinateDimension(g) != 2) OGR_G_FlattenTo2D(g);
    if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE)
        return mw_error_set(MW_ERR_GEOMETRY, "%s: feature %lld cannot be reprojected to WGS84",
                            path, (long long)fid);
    if (!OGR_G_IsValid(g)) {
        OGRGeometryH v = OGR_G_MakeValid(g);
        OGRwkbGeometryType vt = v ? wkbFlatten(OGR_G_GetGeometryType(v)) : wkbUnknown;
        if (!v || (vt != wkbPolygon && vt != wkbMultiPolygon && vt != wkbGeometryCollection)) {
            if (v) OGR_G_DestroyGeometry(v);
            return mw_error_set(MW_ERR_GEOMETRY, "%s: feature %lld has an invalid polygon", path,
                                (long long)fid);
        }
        OGR_G_DestroyGeometry(g);
        *pg = v;
    }
    return MW_OK;
}

/**
 * Open a protected-area file (any OGR polygon layer; its first layer is
 * used) and load its polygons reprojected to WGS84 lon/lat. *out is owned
 * by the caller (mw_protected_destroy). Unopenable, empty, non-polygon or
 * malformed input is MW_ERR_GEOMETRY "<file>: <problem>". Thread-safe
 * (the handle it returns is not: see mw_protected_name_for).
 */
/* Step 1: the first layer, which must hold polygons; *ct (NULL without a
 * CRS) takes its features to WGS84 lon/lat. */
static mw_status open_layer(const char *path, GDALDatasetH ds, OGRLayerH *layer,
                            OGRCoordinateTransformationH *ct)
{
    if (GDALDatasetGetLayerCount(ds) < 1) return mw_error_set(MW_ERR_GEOMETRY, "%s: no vector layer", path);
    *layer = GDALDatasetGetLayer(ds, 0);
    OGRwkbGeometryType lt = wkbFlatten(OGR_L_GetGeomType(*layer));
    if (lt != wkbUnknown && lt != wkbPolygon && lt != wkbMultiPolygon && lt != wkbCurvePolygon &&
        lt != wkbMultiSurface)
        return mw_error_set(MW_ERR_GEOMETRY, "%s: layer '%s' holds %s geometries, not polygons",
                            path, OGR_L_GetName(*layer), OGRGeometryTypeToName(lt));
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(*layer);
    if (!lsrs) return MW_OK;
    OGRSpatialReferenceH src = OSRClone(lsrs), dst = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(dst, "WGS84");
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    *ct = OCTNewCoordinateTransformation(src, dst);
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    return *ct ? MW_OK : mw_error_from_gdal(MW_ERR_GEOMETRY, path, "cannot reproject its CRS to WGS84");
}

/* Step 2, one feature: its polygon (taken: *g is NULL after) and name
 * appended to @p p; rows without geometry are skipped. */
static mw_status add_area(const char *path, mw_protected *p, int *cap, OGRFeatureH f, int name_field,
                          OGRCoordinateTransformationH ct)
{
    GIntBig fid = OGR_F_GetFID(f);
    OGRGeometryH g = OGR_F_StealGeometry(f);
    if (!g || OGR_G_IsEmpty(g)) { /* attribute-only rows carry no area */
        if (g) OGR_G_DestroyGeometry(g);
        return MW_OK;
    }
    mw_status st = prepare_geometry(path, fid, &g, ct);
    if (st == MW_OK && !ct) { /* no CRS: must look like lon/lat */
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        if (e.MinX < -180.0 || e.MaxX > 180.0 || e.MinY < -90.0 || e.MaxY > 90.0)
            st = mw_error_set(MW_ERR_GEOMETRY, "%s: layer has no CRS and its coordinates are not lon/lat", path);
    }
    char fidbuf[32];
    const char *name = "";  /* a NULL or empty name: the area has none (null in the alerts) */
    if (name_field >= 0 && OGR_F_IsFieldSetAndNotNull(f, name_field)) name = OGR_F_GetFieldAsString(f, name_field);
    if (name_field < 0) {  /* no name field at all: the feature id names it */
        snprintf(fidbuf, sizeof fidbuf, "%lld", (long long)fid);
        name = fidbuf;
    }
    if (st == MW_OK && p->count == *cap) {
        int ncap = *cap ? *cap * 2 : 16;
        area *na = realloc(p->areas, sizeof *na * (size_t)ncap);
        if (!na) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
        else p->areas = na, *cap = ncap;
    }
    char *copy = st == MW_OK ? mw_utf8_repair(name, &p->repaired) : NULL;
    if (st == MW_OK && !copy) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    if (st != MW_OK) {
        if (g) OGR_G_DestroyGeometry(g);
        return st;
    }
    area *a = &p->areas[p->count++];
    a->name = copy;
    a->geom = g;
    OGR_G_GetEnvelope(g, &a->env);
    return MW_OK;
}

/* Step 2: every polygon of @p layer, sorted for the lookups. */
static mw_status read_areas(const char *path, OGRLayerH layer, OGRCoordinateTransformationH ct, mw_protected *p)
{
    const int name_field = pick_name_field(OGR_L_GetLayerDefn(layer));
    int cap = 0;
    mw_status st = MW_OK;
    OGRFeatureH f;
    OGR_L_ResetReading(layer);
    while (st == MW_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
        st = add_area(path, p, &cap, f, name_field, ct);
        OGR_F_Destroy(f);
    }
    if (st != MW_OK) return st;
    if (CPLGetLastErrorType() >= CE_Failure && p->count == 0)
        return mw_error_from_gdal(MW_ERR_GEOMETRY, path, "cannot read features");
    if (p->count == 0) return mw_error_set(MW_ERR_GEOMETRY, "%s: no polygon features", path);
    qsort(p->areas, (size_t)p->count, sizeof *p->areas, compare_areas);
    return MW_OK;
}

mw_status mw_protected_open(const char *path, mw_protected **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "protected areas: no output handle");
    *out = NULL;
    if (!path || !*path) return mw_error_set(MW_ERR_USAGE, "protected areas: no file name");
    if (!GDALGetDriverCount()) GDALAllRegister();

    mw_status st = MW_OK;
    mw_protected *p = NULL;
    OGRCoordinateTransformationH ct = NULL;
    OGRLayerH layer = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) st = mw_error_from_gdal(MW_ERR_GEOMETRY, path, "cannot open as a vector file");
    if (st == MW_OK) st = open_layer(path, ds, &layer, &ct);
    if (st == MW_OK && !(p = calloc(1, sizeof *p))) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    if (st == MW_OK) st = read_areas(path, layer, ct, p);
    CPLPopErrorHandler();
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (ds) GDALClose(ds);
    if (st != MW_OK) {
        mw_protected_destroy(p);
        return st;
    }
    *out = p;
    return MW_OK;
}

/**
 * Name of the protected area whose intersection with @p lonlat_geometry
 * (WGS84 lon/lat, as alerts carry) has the largest geodesic area; ties go
 * to the name first in strcmp order. NULL when nothing overlaps (touching
 * is not overlapping). The string belongs to @p p. Not thread-safe: GEOS
 * calls through OGR are fine, but keep one caller per handle.
 */
const char *mw_protected_name_for(mw_protected *p, OGRGeometryH lonlat_geometry)
{
    if (!p || !lonlat_geometry || OGR_G_IsEmpty(lonlat_geometry)) return NULL;
    OGREnvelope e;
    OGR_G_GetEnvelope(lonlat_geometry, &e);
    const char *best = NULL;
    double best_area = 0.0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (int i = 0; i < p->count; i++) {
        const area *a = &p->areas[i];
        if (a->env.MaxX < e.MinX || a->env.MinX > e.MaxX || a->env.MaxY < e.MinY ||
            a->env.MinY > e.MaxY)
            continue;
        if (!OGR_G_Intersects(a->geom, lonlat_geometry)) continue;
        OGRGeometryH inter = OGR_G_Intersection(a->geom, lonlat_geometry);
        if (!inter) continue;
        double ar = mw_geodesic_area_m2(inter);
        OGR_G_DestroyGeometry(inter);
        if (!(ar > 0.0)) continue;
        /* Strictly larger beyond rounding noise: equal areas keep the earlier name. */
        if (!best || ar > best_area * (1.0 + 1e-9)) {
            best = a->name;
            best_area = ar;
        }
    }
    CPLPopErrorHandler();
    return best && *best ? best : NULL;
}

/** Names whose invalid UTF-8 bytes were replaced by U+FFFD at open. */
int mw_protected_repaired_names(const mw_protected *p) { return p ? p->repaired : 0; }
