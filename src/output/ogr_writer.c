/*
 * Alerts through GDAL/OGR drivers (GeoPackage, KML, FlatGeobuf, CSV,
 * Shapefile): same properties as the GeoJSON writer, WGS84 lon/lat layer.
 *
 * General Plan:
 *  1. Create the dataset under a temporary name that keeps the extension
 *     (".<stem>.tmp-<pid>.gpkg"), so the driver accepts it. Shapefile is a
 *     set of files: it is written into a temporary folder instead.
 *  2. One layer named after the file stem; Polygon when every alert is a
 *     Polygon, else MultiPolygon (polygons promoted); fields from
 *     mw_alert_fields (short names for DBF), reals rounded as in GeoJSON,
 *     NaN and NULL strings written as null fields.
 *  3. Close, then check GDAL raised no failure; rename into place (for
 *     Shapefile each file, the .shp last). On failure remove every
 *     temporary file.
 */
#include "mw_output_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"

static double round_to(double v, int decimals)
{
    double s = pow(10.0, decimals);
    double r = round(v * s) / s;
    return isfinite(r) ? (r == 0.0 ? 0.0 : r) : v;
}

/* Round every vertex to 7 decimals (~1 cm), as the GeoJSON writer does, so
 * all formats carry the same coordinates. */
static void round_geometry(OGRGeometryH g)
{
    int nsub = OGR_G_GetGeometryCount(g);
    if (nsub > 0) {
        for (int i = 0; i < nsub; i++) round_geometry(OGR_G_GetGeometryRef(g, i));
        return;
    }
    int n = OGR_G_GetPointCount(g);
    for (int i = 0; i < n; i++)
        OGR_G_SetPoint_2D(g, i, round_to(OGR_G_GetX(g, i), 7), round_to(OGR_G_GetY(g, i), 7));
}

/* Remove a temporary dataset file and SQLite side files. */
static void remove_file_and_sidecars(const char *tmp)
{
    static const char *const side[] = {"-journal", "-wal", "-shm"};
    unlink(tmp);
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        char *s = malloc(strlen(tmp) + 16);
        if (!s) continue;
        sprintf(s, "%s%s", tmp, side[i]);
        unlink(s);
        free(s);
    }
}

/* Remove a temporary folder and what is in it (one level). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *s = malloc(strlen(dir) + strlen(e->d_name) + 2);
            if (!s) continue;
            sprintf(s, "%s/%s", dir, e->d_name);
            unlink(s);
            free(s);
        }
        closedir(d);
    }
    rmdir(dir);
}

/*
 * Read the closed file back and count its features. Some drivers ignore
 * failed writes (FlatGeobuf on a full disk leaves an empty file and
 * reports nothing), so a file is only committed once it reads back whole.
 */
static mw_status verify_written(const char *file, const char *path, int count)
{
    const char *open_opts[] = {NULL};
    GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, open_opts, NULL);
    OGRLayerH layer = ds && GDALDatasetGetLayerCount(ds) > 0 ? GDALDatasetGetLayer(ds, 0) : NULL;
    long long n = layer ? (long long)OGR_L_GetFeatureCount(layer, TRUE) : -1;
    if (ds) GDALClose(ds);
    if (n == count) return MW_OK;
    if (n < 0)
        return mw_error_set(MW_ERR_WRITE, "%s: the written file cannot be read back (disk full?)", path);
    return mw_error_set(MW_ERR_WRITE, "%s: wrote %d alerts but %lld read back (disk full?)", path, count, n);
}

/* Remove a virtual file and, for a Shapefile, its companion files. */
static void remove_vsi(const char *path, const char *ext, int is_shp)
{
    VSIUnlink(path);
    if (!is_shp) return;
    static const char *const side[] = {".shx", ".dbf", ".prj", ".cpg"};
    size_t stem = strlen(path) - strlen(ext);
    char *s = malloc(stem + 8);
    if (!s) return;
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        memcpy(s, path, stem);
        strcpy(s + stem, side[i]);
        VSIUnlink(s);
    }
    free(s);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Move every file of @p tmpdir next to @p path, the one ending in @p main_ext last. */
static mw_status commit_dir(const char *tmpdir, const char *path, const char *main_ext)
{
    const char *base = base_name(path);
    size_t dirlen = (size_t)(base - path);
    mw_status st = MW_OK;
    for (int pass = 0; pass < 2 && st == MW_OK; pass++) {
        DIR *d = opendir(tmpdir);
        if (!d) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
        for (struct dirent *e; st == MW_OK && (e = readdir(d)) != NULL;) {
            const char *n = e->d_name;
            if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
            size_t nl = strlen(n), el = strlen(main_ext);
            int is_main = nl >= el && strcasecmp(n + nl - el, main_ext) == 0;
            if (is_main != pass) continue;
            char *from = malloc(strlen(tmpdir) + nl + 2);
            char *to = malloc(dirlen + nl + 1);
            if (!from || !to) {
                st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
            } else {
                sprintf(from, "%s/%s", tmpdir, n);
                memcpy(to, path, dirlen);
                strcpy(to + dirlen, n);
                if (rename(from, to) != 0)
                    st = mw_error_set(MW_ERR_WRITE, "%s: %s", to, strerror(errno));
            }
            free(from);
            free(to);
        }
        closedir(d);
    }
    return st;
}

/** See mw_output_internal.h. */
/* Where a write goes: the layer name (the file's stem), the temporary
 * name and, for a Shapefile, the file inside its temporary folder. */
typedef struct ogr_names {
    char *stem, *tmp, *target;
    int vsi, is_shp;
} ogr_names;

static void names_free(ogr_names *n)
{
    free(n->target);
    free(n->tmp);
    free(n->stem);
}

/* Step 1: the names. GDAL's virtual files (/vsimem/...) are written in
 * place: no other process sees them, and GDAL has no rename for every
 * kind of them. */
static mw_status make_names(const char *path, const char *ext, ogr_names *n)
{
    const char *base = base_name(path);
    size_t stemlen = strlen(base) - strlen(ext);
    if (!(n->stem = malloc(stemlen + 1))) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    memcpy(n->stem, base, stemlen);
    n->stem[stemlen] = '\0';
    n->vsi = !strncmp(path, "/vsi", 4);
    mw_status st = n->vsi ? ((n->tmp = strdup(path)) ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path))
                          : mw_alerts_temp_name(path, n->is_shp ? NULL : ext, &n->tmp);
    if (st != MW_OK) return st;
    if (n->vsi) {
        /* Some drivers (CSV) refuse a virtual file whose folder was never made. */
        char *parent = CPLStrdup(CPLGetPath(path));
        if (*parent) VSIMkdirRecursive(parent, 0755);
        CPLFree(parent);
    }
    if (n->is_shp && !n->vsi) {
        if (mkdir(n->tmp, 0700) != 0) {
            st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
            free(n->tmp);
            n->tmp = NULL;
            return st;
        }
        n->target = malloc(strlen(n->tmp) + strlen(base) + 2);
        if (n->target) sprintf(n->target, "%s/%s", n->tmp, base);
    } else {
        n->target = strdup(n->tmp);
    }
    return n->target ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
}

/* Step 2: the layer (WGS84 lon/lat; Polygon when every alert is one). */
static mw_status create_layer(GDALDatasetH ds, const char *path, const char *driver, const ogr_names *n,
                              const mw_alert *alerts, int count, OGRSpatialReferenceH srs, OGRLayerH *layer,
                              OGRwkbGeometryType *gtype)
{
    int all_polygons = 1;
    for (int i = 0; i < count; i++)
        if (alerts[i].geometry &&
            wkbFlatten(OGR_G_GetGeometryType(alerts[i].geometry)) != wkbPolygon)
            all_polygons = 0;
    *gtype = (all_polygons || n->is_shp) ? wkbPolygon : wkbMultiPolygon;
    char **lco = NULL;
    if (!strcmp(driver, "CSV")) lco = CSLSetNameValue(lco, "GEOMETRY", "AS_WKT");
    if (n->is_shp) lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
    /* FlatGeobuf's spatial index reorders features: keep the alerts' order.
     * Without alerts there is nothing to reorder, and GDAL 3.6 writes no
     * bytes at all for an empty layer without the index (a file nothing
     * can open); with it, a valid empty file. */
    if (!strcmp(driver, "FlatGeobuf"))
        lco = CSLSetNameValue(lco, "SPATIAL_INDEX", count > 0 ? "NO" : "YES");
    *layer = GDALDatasetCreateLayer(ds, n->stem, srs, *gtype, lco);
    CSLDestroy(lco);
    return *layer ? MW_OK : mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create the layer");
}

/* Step 3: the fields, in the table's order; idx[i]: the layer's index of
 * field i (drivers may add or reorder fields, KML: addressed by name). */
static mw_status create_fields(OGRLayerH layer, const char *path, const char *driver, int is_shp,
                               const mw_alert_meta *meta, int nfields, int *idx)
{
    for (int i = 0; i < nfields; i++) {
        const mw_alert_field *fd = mw_alert_field_at(meta, i);
        OGRFieldType ft = fd->kind == MW_AK_STRING ? OFTString
                          : fd->kind == MW_AK_INT  ? OFTInteger
                                                   : OFTReal;
        OGRFieldDefnH fld = OGR_Fld_Create(is_shp ? fd->short_name : fd->name, ft);
        if (is_shp && ft == OFTString) OGR_Fld_SetWidth(fld, 254);
        if (is_shp && ft == OFTReal) {
            OGR_Fld_SetWidth(fld, 24);
            OGR_Fld_SetPrecision(fld, fd->decimals);
        }
        OGRErr oe = OGR_L_CreateField(layer, fld, FALSE);
        OGR_Fld_Destroy(fld);
        if (oe != OGRERR_NONE) return mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create a field");
    }
    for (int i = 0; i < nfields; i++) {
        const mw_alert_field *fd = mw_alert_field_at(meta, i);
        idx[i] = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), is_shp ? fd->short_name : fd->name);
        if (idx[i] < 0)
            return mw_error_set(MW_ERR_WRITE, "%s: the %s driver dropped field '%s'", path, driver, fd->name);
    }
    return MW_OK;
}

/* One alert as a feature of @p layer. */
static OGRFeatureH make_feature(OGRLayerH layer, const mw_alert *a, const mw_alert_meta *meta, int nfields,
                                const int *idx, OGRwkbGeometryType gtype)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    for (int k = 0; k < nfields; k++) {
        mw_alert_value v;
        mw_alert_field_value(a, meta, k, &v);
        int j = idx[k];
        if (v.kind == MW_AK_STRING) {
            if (v.s) OGR_F_SetFieldString(f, j, v.s);
            else OGR_F_SetFieldNull(f, j);
        } else if (v.kind == MW_AK_INT && v.null) {
            OGR_F_SetFieldNull(f, j);
        } else if (v.kind == MW_AK_INT) {
            OGR_F_SetFieldInteger(f, j, v.i);
        } else if (isfinite(v.d)) {
            OGR_F_SetFieldDouble(f, j, round_to(v.d, mw_alert_field_at(meta, k)->decimals));
        } else {
            OGR_F_SetFieldNull(f, j);
        }
    }
    if (a->geometry) {
        OGRGeometryH g = OGR_G_Clone(a->geometry);
        if (gtype == wkbMultiPolygon) g = OGR_G_ForceToMultiPolygon(g);
        round_geometry(g);
        OGR_F_SetGeometryDirectly(f, g);
    }
    return f;
}

/* Step 4: the features, in one transaction where the driver has them. */
static mw_status write_features(GDALDatasetH ds, OGRLayerH layer, const char *path, const mw_alert *alerts,
                                int count, const mw_alert_meta *meta, int nfields, const int *idx,
                                OGRwkbGeometryType gtype)
{
    if (GDALDatasetTestCapability(ds, ODsCTransactions)) GDALDatasetStartTransaction(ds, FALSE);
    for (int i = 0; i < count; i++) {
        OGRFeatureH f = make_feature(layer, &alerts[i], meta, nfields, idx, gtype);
        OGRErr oe = OGR_L_CreateFeature(layer, f);
        OGR_F_Destroy(f);
        if (oe != OGRERR_NONE) return mw_error_from_gdal(MW_ERR_WRITE, path, "cannot write a feature");
    }
    if (GDALDatasetTestCapability(ds, ODsCTransactions) && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        return mw_error_from_gdal(MW_ERR_WRITE, path, "cannot commit");
    return MW_OK;
}

/* Step 5: the file renamed into place, or every trace of it removed. */
static mw_status commit_or_remove(mw_status st, const char *path, const char *ext, const ogr_names *n)
{
    if (n->vsi) {
        if (st != MW_OK) remove_vsi(path, ext, n->is_shp);
    } else if (st == MW_OK) {
        if (n->is_shp) {
            st = commit_dir(n->tmp, path, ext);
            remove_dir(n->tmp);
        } else {
            st = mw_alerts_commit(n->tmp, path);
        }
    } else if (n->is_shp) {
        remove_dir(n->tmp);
    } else {
        remove_file_and_sidecars(n->tmp);
    }
    return st;
}

mw_status mw_ogr_write_file(const char *path, const char *driver, const char *ext,
                            const mw_alert *alerts, int count, const mw_alert_meta *meta)
{
    if (count < 0 || (count > 0 && !alerts))
        return mw_error_set(MW_ERR_USAGE, "%s: invalid writer arguments", path);
    const int nfields = mw_alert_fields_total(meta);
    if (nfields > 64)
        return mw_error_set(MW_ERR_INTERNAL, "%s: too many alert fields", path);
    if (!GDALGetDriverCount()) GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName(driver);
    if (!drv && !strcmp(driver, "KML")) drv = GDALGetDriverByName("LIBKML");
    if (!drv)
        return mw_error_set(MW_ERR_WRITE, "%s: this GDAL has no %s driver", path, driver);
    ogr_names n = {.is_shp = !strcmp(driver, "ESRI Shapefile")};
    mw_status st = make_names(path, ext, &n);
    if (st != MW_OK && !n.tmp) {
        names_free(&n);
        return st;
    }
    GDALDatasetH ds = NULL;
    OGRSpatialReferenceH srs = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    /* GeoPackage stamps gpkg_contents.last_change with the clock: the after
     * date instead, so the same inputs give the same bytes. */
    if (st == MW_OK && !strcmp(driver, "GPKG")) {
        char stamp[40];
        snprintf(stamp, sizeof stamp, "%.10sT00:00:00.000Z",
                 meta && meta->after_date && strlen(meta->after_date) == 10 ? meta->after_date : "1970-01-01");
        CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
    }
    if (st == MW_OK && !(ds = GDALCreate(drv, n.target, 0, 0, 0, GDT_Unknown, NULL)))
        st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create the file");
    OGRLayerH layer = NULL;
    OGRwkbGeometryType gtype = wkbPolygon;
    int idx[64];
    if (st == MW_OK) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, 4326);
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        st = create_layer(ds, path, driver, &n, alerts, count, srs, &layer, &gtype);
    }
    if (st == MW_OK) st = create_fields(layer, path, driver, n.is_shp, meta, nfields, idx);
    if (st == MW_OK) st = write_features(ds, layer, path, alerts, count, meta, nfields, idx, gtype);
    if (ds) {
        if (st == MW_OK) CPLErrorReset();
        GDALClose(ds);
        if (st == MW_OK && CPLGetLastErrorType() >= CE_Failure)
            st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot finish the file");
        if (st == MW_OK) st = verify_written(n.target, path, count);
    }
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    CPLPopErrorHandler();
    if (srs) OSRDestroySpatialReference(srs);
    st = commit_or_remove(st, path, ext, &n);
    names_free(&n);
    return st;
}
