/*
 * The earlier run's sites, read through OGR from any format minewatch
 * writes (GeoJSON, GeoPackage, FlatGeobuf, KML, CSV with a WKT column,
 * Shapefile with its 10-character field names).
 *
 * General Plan:
 *  1. First layer; fields looked up by their name, else their short name.
 *  2. Each feature: its polygons in WGS84 lon/lat (a layer without a CRS
 *     is taken as lon/lat, as GeoJSON), its lineage when the file has it,
 *     else the lineage it would have had as a new site.
 *  3. Sorted by site id (then file order), duplicates dropped: the set's
 *     order never depends on how the file was ordered.
 */
#include "mw_lineage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"
#include "grid/mw_grid.h"

typedef struct prev_site {
    mw_alert a;
    int order;            /* position in the file */
    char class_buf[32];   /* class name, pointed to by a.class_name */
    double valid_share;   /* NaN: not measured */
} prev_site;

struct mw_prev_set {
    prev_site *sites;
    int count;
};

enum { F_SITE_ID, F_ID, F_FIRST, F_LAST, F_NDET, F_DATE_AFTER, F_CLASS, F_CONF, F_AREA, F_LON, F_LAT,
       F_PROTECTED, F_MERGED, F_COUNT };
static const char *const field_names[F_COUNT][2] = {
    {"site_id", "site_id"}, {"id", "id"}, {"first_seen", "first_seen"}, {"last_seen", "last_seen"},
    {"n_detections", "n_detect"}, {"date_after", "date_aft"}, {"class", "class"},
    {"confidence", "confidence"}, {"area_ha", "area_ha"}, {"centroid_lon", "cent_lon"},
    {"centroid_lat", "cent_lat"}, {"protected_area", "protected"}, {"merged_ids", "merged_ids"}};

mw_prev_set *mw_prev_destroy(mw_prev_set *set)
{
    if (!set) return NULL;
    for (int i = 0; i < set->count; i++) mw_alert_clear(&set->sites[i].a);
    free(set->sites);
    free(set);
    return NULL;
}

mw_status mw_prev_empty(mw_prev_set **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
}

int mw_prev_count(const mw_prev_set *set) { return set ? set->count : 0; }
OGRGeometryH mw_prev_geometry(const mw_prev_set *set, int i) { return set->sites[i].a.geometry; }
const char *mw_prev_site_id(const mw_prev_set *set, int i) { return set->sites[i].a.lineage.site_id; }
void mw_prev_set_valid_share(mw_prev_set *set, int i, double share) { set->sites[i].valid_share = share; }

/* Internal to the alerts module (lineage.c): the earlier site's alert. */
mw_alert *mw_prev_alert(mw_prev_set *set, int i, double *valid_share)
{
    *valid_share = set->sites[i].valid_share;
    return &set->sites[i].a;
}

/* "YYYY-MM-DD" from "YYYY-MM-DD...", "YYYY/MM/DD" or "YYYYMMDD"; "" when none. */
static void iso_date(const char *s, char out[11])
{
    out[0] = '\0';
    if (!s) return;
    int d[8], k = 0;
    for (const char *p = s; *p && k < 8; p++) {
        if (*p >= '0' && *p <= '9') d[k++] = *p - '0';
        else if (*p != '-' && *p != '/') break;  /* OGR prints date fields as YYYY/MM/DD */
    }
    if (k == 8) snprintf(out, 11, "%d%d%d%d-%d%d-%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
}

static const char *str_field(OGRFeatureH f, const int *idx, int k)
{
    if (idx[k] < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx[k])) return NULL;
    const char *s = OGR_F_GetFieldAsString(f, idx[k]);
    return s && *s ? s : NULL;
}

static double real_field(OGRFeatureH f, const int *idx, int k)
{
    if (idx[k] < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx[k])) return NAN;
    return OGR_F_GetFieldAsDouble(f, idx[k]);
}

/* The feature's polygons in lon/lat, or NULL. */
static OGRGeometryH lonlat_polygons(OGRFeatureH f, OGRCoordinateTransformationH ct)
{
    OGRGeometryH g0 = OGR_F_GetGeometryRef(f);
    if (!g0) return NULL;
    OGRGeometryH g = OGR_G_Clone(g0);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbPolygon && t != wkbMultiPolygon) g = OGR_G_ForceToMultiPolygon(g);
    if (!g || wkbFlatten(OGR_G_GetGeometryType(g)) != (t == wkbPolygon ? wkbPolygon : wkbMultiPolygon) ||
        OGR_G_IsEmpty(g) || (ct && OGR_G_Transform(g, ct) != OGRERR_NONE)) {
        if (g) OGR_G_DestroyGeometry(g);
        return NULL;
    }
    OGR_G_FlattenTo2D(g);
    mw_lineage_fix_winding(g);
    return g;
}

/* Lineage and properties of one feature into @p s. 0: no date to date it by. */
static int read_site(OGRFeatureH f, const int *idx, prev_site *s)
{
    mw_alert *a = &s->a;
    mw_lineage *l = &a->lineage;
    iso_date(str_field(f, idx, F_FIRST), l->first_seen);
    iso_date(str_field(f, idx, F_LAST), l->last_seen);
    char after[11];
    iso_date(str_field(f, idx, F_DATE_AFTER), after);
    if (!l->first_seen[0]) memcpy(l->first_seen, after, sizeof after);
    if (!l->last_seen[0]) memcpy(l->last_seen, after[0] ? after : l->first_seen, sizeof after);
    if (!l->first_seen[0]) return 0;
    a->centroid_lon = real_field(f, idx, F_LON);
    a->centroid_lat = real_field(f, idx, F_LAT);
    if (!isfinite(a->centroid_lon) || !isfinite(a->centroid_lat)) {
        OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
        if (c && OGR_G_Centroid(a->geometry, c) == OGRERR_NONE) {
            a->centroid_lon = OGR_G_GetX(c, 0);
            a->centroid_lat = OGR_G_GetY(c, 0);
        }
        if (c) OGR_G_DestroyGeometry(c);
    }
    const char *sid = str_field(f, idx, F_SITE_ID);
    if (sid) snprintf(l->site_id, sizeof l->site_id, "%s", sid);
    else mw_site_make_id(a->centroid_lon, a->centroid_lat, l->first_seen, l->site_id, sizeof l->site_id);
    const char *id = str_field(f, idx, F_ID);
    snprintf(a->id, sizeof a->id, "%s", id ? id : l->site_id);
    double n = real_field(f, idx, F_NDET);
    l->n_detections = isfinite(n) && n >= 1 && n < 1e6 ? (int)n : 1;
    const char *cls = str_field(f, idx, F_CLASS);
    snprintf(s->class_buf, sizeof s->class_buf, "%s", cls ? cls : "mining");
    a->class_name = s->class_buf;
    a->confidence = real_field(f, idx, F_CONF);
    a->area_ha = mw_geodesic_area_m2(a->geometry) / 1e4;
    const char *pa = str_field(f, idx, F_PROTECTED);
    if (pa) a->protected_area = strdup(pa);
    const char *mi = str_field(f, idx, F_MERGED);
    if (mi) l->merged_ids = strdup(mi);
    return 1;
}

static int compare_sites(const void *x, const void *y)
{
    const prev_site *a = x, *b = y;
    int c = strcmp(a->a.lineage.site_id, b->a.lineage.site_id);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* The transformation of the layer's CRS to lon/lat, or NULL when it is lon/lat already. */
static OGRCoordinateTransformationH layer_to_lonlat(OGRLayerH layer, OGRSpatialReferenceH *wgs84)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    *wgs84 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(*wgs84, 4326);
    OSRSetAxisMappingStrategy(*wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    if (!srs) return NULL;
    OGRSpatialReferenceH s = OSRClone(srs);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = NULL;
    if (!OSRIsSame(s, *wgs84)) ct = OCTNewCoordinateTransformation(s, *wgs84);
    OSRDestroySpatialReference(s);
    return ct;
}

static mw_status read_layer(const char *path, OGRLayerH layer, mw_prev_set *set)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int idx[F_COUNT];
    for (int k = 0; k < F_COUNT; k++) {
        idx[k] = OGR_FD_GetFieldIndex(defn, field_names[k][0]);
        if (idx[k] < 0) idx[k] = OGR_FD_GetFieldIndex(defn, field_names[k][1]);
    }
    OGRSpatialReferenceH wgs84 = NULL;
    OGRCoordinateTransformationH ct = layer_to_lonlat(layer, &wgs84);
    mw_status st = MW_OK;
    int cap = 0, nfeat = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(layer);
    while (st == MW_OK && (f = OGR_L_GetNextFeature(layer))) {
        nfeat++;
        if (set->count == cap) {
            int nc = cap ? 2 * cap : 64;
            prev_site *p = realloc(set->sites, (size_t)nc * sizeof *p);
            if (!p) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
            else set->sites = p, cap = nc;
        }
        if (st == MW_OK) {
            prev_site *s = &set->sites[set->count];
            memset(s, 0, sizeof *s);
            s->order = nfeat;
            s->valid_share = NAN;
            s->a.geometry = lonlat_polygons(f, ct);
            set->count++;
            if (!s->a.geometry)
                st = mw_error_set(MW_ERR_GEOMETRY, "%s: feature %d has no polygon outline", path, nfeat);
            else if (!read_site(f, idx, s))
                st = mw_error_set(MW_ERR_GEOMETRY, "%s: feature %d has no date (first_seen or date_after)",
                                  path, nfeat);
        }
        OGR_F_Destroy(f);
    }
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs84);
    return st;
}

/* Sort by site id; drop a second feature with the same id. */
static void sort_unique(mw_prev_set *set)
{
    if (set->count > 1) qsort(set->sites, (size_t)set->count, sizeof *set->sites, compare_sites);
    int k = 0;
    for (int i = 0; i < set->count; i++) {
        if (k > 0 && !strcmp(set->sites[k - 1].a.lineage.site_id, set->sites[i].a.lineage.site_id)) {
            mw_alert_clear(&set->sites[i].a);
            continue;
        }
        set->sites[k] = set->sites[i];
        set->sites[k].a.class_name = set->sites[k].class_buf;  /* moved: re-point */
        k++;
    }
    set->count = k;
}

/** See mw_lineage.h. */
mw_status mw_prev_read(const char *path, mw_prev_set **out)
{
    *out = NULL;
    if (!GDALGetDriverCount()) GDALAllRegister();
    mw_prev_set *set = calloc(1, sizeof *set);
    if (!set) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    mw_status st = MW_OK;
    if (!ds) st = mw_error_from_gdal(MW_ERR_OPEN, path, "cannot open it as a vector file of earlier alerts");
    else if (GDALDatasetGetLayerCount(ds) < 1) st = mw_error_set(MW_ERR_OPEN, "%s: no layer of alerts", path);
    else st = read_layer(path, GDALDatasetGetLayer(ds, 0), set);
    if (ds) GDALClose(ds);
    CPLPopErrorHandler();
    if (st != MW_OK) return mw_prev_destroy(set), st;
    for (int i = 0; i < set->count; i++) set->sites[i].a.class_name = set->sites[i].class_buf;
    sort_unique(set);
    *out = set;
    return MW_OK;
}

/** See mw_lineage.h. */
int mw_prev_near(const mw_prev_set *set, OGRGeometryH g, double dist_m)
{
    if (!set || !g) return 0;
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    double lat = fmax(fabs(e.MinY), fabs(e.MaxY));
    double dy = dist_m / 111320.0 * 1.01, dx = dy / fmax(cos(lat * M_PI / 180.0), 0.01);
    for (int i = 0; i < set->count; i++) {
        OGREnvelope p;
        OGR_G_GetEnvelope(set->sites[i].a.geometry, &p);
        if (!(p.MaxX + dx < e.MinX || e.MaxX + dx < p.MinX || p.MaxY + dy < e.MinY || e.MaxY + dy < p.MinY))
            return 1;
    }
    return 0;
}
