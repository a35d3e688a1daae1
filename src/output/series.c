/*
 * Site histories of a monitored series: read every step's alert file,
 * group the rows by site id, write one GeoPackage row per site.
 *
 * General Plan:
 *  1. Each step file (GeoJSON written by the scan, lineage fields on)
 *     read through OGR: site id, status, area, dates, class, outline.
 *  2. Rows sorted by (site id, step): a site's history is one run of
 *     rows; its last row gives its outline and current properties.
 *  3. GeoPackage: the history as comma lists (dates, statuses, areas) and
 *     as a JSON array, so a GIS and a script can both read it.
 */
#include "mw_series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "alerts/mw_alerts.h"
#include "core/mw_error.h"

typedef struct row {
    int step;
    mw_site_status status;
    double area_ha, confidence;
    int n_detections;
    char site_id[48], first_seen[11], last_seen[11];
    char *class_name, *merged_ids;
    OGRGeometryH geometry;
} row;

static void row_clear(row *r)
{
    free(r->class_name);
    free(r->merged_ids);
    if (r->geometry) OGR_G_DestroyGeometry(r->geometry);
}

static mw_site_status status_of(const char *s)
{
    for (int k = MW_SITE_NEW; s && k < MW_SITE_STATUS_COUNT; k++)
        if (!strcmp(s, mw_site_status_name((mw_site_status)k))) return (mw_site_status)k;
    return MW_SITE_NONE;
}

static const char *field_str(OGRFeatureH f, const char *name)
{
    int i = OGR_F_GetFieldIndex(f, name);
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i)) return NULL;
    return OGR_F_GetFieldAsString(f, i);
}

static double field_real(OGRFeatureH f, const char *name)
{
    int i = OGR_F_GetFieldIndex(f, name);
    return i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i) ? NAN : OGR_F_GetFieldAsDouble(f, i);
}

/* "YYYY-MM-DD" from OGR's "YYYY/MM/DD" or an ISO text. */
static void copy_date(char out[11], const char *s)
{
    snprintf(out, 11, "%s", s ? s : "");
    for (int i = 0; out[i]; i++)
        if (out[i] == '/') out[i] = '-';
}

static mw_status read_row(OGRFeatureH f, int step, row *r)
{
    memset(r, 0, sizeof *r);
    r->step = step;
    const char *sid = field_str(f, "site_id");
    if (!sid) return MW_ERR_GEOMETRY;
    snprintf(r->site_id, sizeof r->site_id, "%s", sid);
    r->status = status_of(field_str(f, "status"));
    r->area_ha = field_real(f, "area_ha");
    r->confidence = field_real(f, "confidence");
    double n = field_real(f, "n_detections");
    r->n_detections = isfinite(n) ? (int)n : 0;
    copy_date(r->first_seen, field_str(f, "first_seen"));
    copy_date(r->last_seen, field_str(f, "last_seen"));
    const char *c = field_str(f, "class"), *m = field_str(f, "merged_ids");
    r->class_name = c ? strdup(c) : NULL;
    r->merged_ids = m ? strdup(m) : NULL;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    r->geometry = g ? OGR_G_Clone(g) : NULL;
    return MW_OK;
}

static mw_status read_step(const char *path, int step, row **rows, int *n, int *cap)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return mw_error_set(MW_ERR_OPEN, "%s: cannot read the step's alerts back", path);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    mw_status st = layer ? MW_OK : mw_error_set(MW_ERR_OPEN, "%s: no layer", path);
    OGRFeatureH f;
    while (st == MW_OK && (f = OGR_L_GetNextFeature(layer))) {
        if (*n == *cap) {
            int nc = *cap ? 2 * *cap : 64;
            row *p = realloc(*rows, (size_t)nc * sizeof *p);
            if (!p) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
            else *rows = p, *cap = nc;
        }
        if (st == MW_OK && read_row(f, step, &(*rows)[*n]) == MW_OK) (*n)++;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return st;
}

static int cmp_rows(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int c = strcmp(x->site_id, y->site_id);
    return c ? c : (x->step > y->step) - (x->step < y->step);
}

/* Rows [i0, i1) of one site into @p h (the last row's geometry and strings moved). */
static mw_status make_site(row *rows, int i0, int i1, int nsteps, mw_site_history *h)
{
    memset(h, 0, sizeof *h);
    h->status = calloc((size_t)nsteps, sizeof *h->status);
    h->area_ha = malloc((size_t)nsteps * sizeof *h->area_ha);
    if (!h->status || !h->area_ha) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int k = 0; k < nsteps; k++) h->area_ha[k] = NAN;
    for (int i = i0; i < i1; i++) {
        h->status[rows[i].step] = mw_site_status_name(rows[i].status);
        h->area_ha[rows[i].step] = rows[i].area_ha;
    }
    row *last = &rows[i1 - 1];
    memcpy(h->site_id, last->site_id, sizeof h->site_id);
    memcpy(h->first_seen, last->first_seen, sizeof h->first_seen);
    memcpy(h->last_seen, last->last_seen, sizeof h->last_seen);
    h->n_detections = last->n_detections;
    h->confidence = last->confidence;
    h->class_name = last->class_name;
    h->merged_ids = last->merged_ids;
    h->geometry = last->geometry;
    last->class_name = last->merged_ids = NULL;
    last->geometry = NULL;
    return MW_OK;
}

mw_status mw_series_read(const char *const *paths, const char *const *dates, int nsteps, mw_series *s)
{
    memset(s, 0, sizeof *s);
    s->nsteps = nsteps;
    s->dates = calloc((size_t)(nsteps > 0 ? nsteps : 1), sizeof *s->dates);
    if (!s->dates) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int k = 0; k < nsteps; k++) snprintf(s->dates[k], sizeof s->dates[k], "%s", dates[k]);
    row *rows = NULL;
    int n = 0, cap = 0;
    mw_status st = MW_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (int k = 0; k < nsteps && st == MW_OK; k++) st = read_step(paths[k], k, &rows, &n, &cap);
    CPLPopErrorHandler();
    if (st == MW_OK && n > 1) qsort(rows, (size_t)n, sizeof *rows, cmp_rows);
    int nsites = 0;
    for (int i = 0; i < n; i++) nsites += i == 0 || strcmp(rows[i].site_id, rows[i - 1].site_id);
    if (st == MW_OK && !(s->sites = calloc((size_t)(nsites ? nsites : 1), sizeof *s->sites)))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i0 = 0, i1; st == MW_OK && i0 < n; i0 = i1) {
        for (i1 = i0 + 1; i1 < n && !strcmp(rows[i1].site_id, rows[i0].site_id); i1++) {}
        st = make_site(rows, i0, i1, nsteps, &s->sites[s->nsites++]);
    }
    for (int i = 0; i < n; i++) row_clear(&rows[i]);
    free(rows);
    if (st != MW_OK) mw_series_clear(s);
    return st;
}

void mw_series_clear(mw_series *s)
{
    for (int i = 0; s->sites && i < s->nsites; i++) {
        mw_site_history *h = &s->sites[i];
        free(h->status);
        free(h->area_ha);
        free(h->class_name);
        free(h->merged_ids);
        if (h->geometry) OGR_G_DestroyGeometry(h->geometry);
    }
    free(s->sites);
    free(s->dates);
    memset(s, 0, sizeof *s);
}

/* The history as three comma lists and a JSON array (malloc'ed, caller frees). */
static int history_text(const mw_series *s, const mw_site_history *h, char **dates, char **statuses, char **areas,
                        char **json)
{
    size_t cap = (size_t)s->nsteps * 96 + 16;
    *dates = calloc(cap, 1), *statuses = calloc(cap, 1), *areas = calloc(cap, 1), *json = calloc(cap, 1);
    if (!*dates || !*statuses || !*areas || !*json) return 0;
    size_t a = 0, b = 0, c = 0, d = 0;
    d += (size_t)snprintf(*json + d, cap - d, "[");
    for (int k = 0, first = 1; k < s->nsteps; k++) {
        if (!h->status[k]) continue;
        const char *sep = first ? "" : ",";
        a += (size_t)snprintf(*dates + a, cap - a, "%s%s", sep, s->dates[k]);
        b += (size_t)snprintf(*statuses + b, cap - b, "%s%s", sep, h->status[k]);
        c += (size_t)snprintf(*areas + c, cap - c, "%s%.4f", sep, h->area_ha[k]);
        d += (size_t)snprintf(*json + d, cap - d, "%s{\"date\": \"%s\", \"status\": \"%s\", \"area_ha\": %.4f}",
                              first ? "" : ", ", s->dates[k], h->status[k], h->area_ha[k]);
        first = 0;
    }
    snprintf(*json + d, cap - d, "]");
    return 1;
}

static const struct { const char *name; OGRFieldType type; } gpkg_fields[] = {
    {"site_id", OFTString}, {"status", OFTString}, {"first_seen", OFTString}, {"last_seen", OFTString},
    {"n_detections", OFTInteger}, {"area_ha", OFTReal}, {"class", OFTString}, {"confidence", OFTReal},
    {"dates", OFTString}, {"statuses", OFTString}, {"areas_ha", OFTString}, {"history", OFTString},
    {"merged_ids", OFTString}};
enum { NFIELDS = sizeof gpkg_fields / sizeof gpkg_fields[0] };

static mw_status write_site(OGRLayerH layer, const mw_series *s, const mw_site_history *h, const char *path)
{
    char *txt[4] = {NULL, NULL, NULL, NULL};
    if (!history_text(s, h, &txt[0], &txt[1], &txt[2], &txt[3])) {
        for (int i = 0; i < 4; i++) free(txt[i]);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    int last = s->nsteps - 1;
    while (last > 0 && !h->status[last]) last--;
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGR_F_SetFieldString(f, 0, h->site_id);
    if (h->status[last]) OGR_F_SetFieldString(f, 1, h->status[last]);
    OGR_F_SetFieldString(f, 2, h->first_seen);
    OGR_F_SetFieldString(f, 3, h->last_seen);
    OGR_F_SetFieldInteger(f, 4, h->n_detections);
    if (isfinite(h->area_ha[last])) OGR_F_SetFieldDouble(f, 5, h->area_ha[last]);
    if (h->class_name) OGR_F_SetFieldString(f, 6, h->class_name);
    if (isfinite(h->confidence)) OGR_F_SetFieldDouble(f, 7, h->confidence);
    for (int i = 0; i < 4; i++) OGR_F_SetFieldString(f, 8 + i, txt[i]);
    if (h->merged_ids) OGR_F_SetFieldString(f, 12, h->merged_ids);
    if (h->geometry) OGR_F_SetGeometryDirectly(f, OGR_G_ForceToMultiPolygon(OGR_G_Clone(h->geometry)));
    OGRErr e = OGR_L_CreateFeature(layer, f);
    OGR_F_Destroy(f);
    for (int i = 0; i < 4; i++) free(txt[i]);
    return e == OGRERR_NONE ? MW_OK : mw_error_from_gdal(MW_ERR_WRITE, path, "cannot write a site");
}

mw_status mw_series_write_gpkg(const mw_series *s, const char *path)
{
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv) return mw_error_set(MW_ERR_WRITE, "%s: this GDAL has no GPKG driver", path);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    /* gpkg_contents.last_change: the series' last date, not the clock, so
     * the same scenes give the same bytes (as the alert writer does). */
    char stamp[40];
    snprintf(stamp, sizeof stamp, "%.10sT00:00:00.000Z", s->nsteps > 0 ? s->dates[s->nsteps - 1] : "1970-01-01");
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
    GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    mw_status st = ds ? MW_OK : mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create the file");
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH layer = ds ? GDALDatasetCreateLayer(ds, "sites", srs, wkbMultiPolygon, NULL) : NULL;
    if (st == MW_OK && !layer) st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create the layer");
    for (int i = 0; st == MW_OK && i < NFIELDS; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(gpkg_fields[i].name, gpkg_fields[i].type);
        if (OGR_L_CreateField(layer, fd, FALSE) != OGRERR_NONE)
            st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot create a field");
        OGR_Fld_Destroy(fd);
    }
    if (st == MW_OK) GDALDatasetStartTransaction(ds, FALSE);
    for (int i = 0; st == MW_OK && i < s->nsites; i++) st = write_site(layer, s, &s->sites[i], path);
    if (st == MW_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = mw_error_from_gdal(MW_ERR_WRITE, path, "cannot commit");
    if (ds) GDALClose(ds);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    OSRDestroySpatialReference(srs);
    CPLPopErrorHandler();
    return st;
}
