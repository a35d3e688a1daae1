/*
 * Provenance of a scene, from the product's own metadata: product id,
 * tile or path/row, processing baseline, acquisition date-time, and the
 * list of every file the scan reads (band files, metadata the scene opener
 * parses, GDAL sidecars), as local paths to hash.
 *
 * General plan
 *  1. Files: each band's file (the archive for /vsizip/ paths; remote
 *     /vsicurl/ files cannot be hashed and are left out), plus the metadata
 *     files module io reads for this layout (MTD_MSIL2A.xml, *_MTL.txt /
 *     .json, STAC items), plus "<file>.aux.xml" where GDAL would read one.
 *  2. Facts: the first metadata source that states them (MTD / MTL / STAC
 *     / the stack's GDAL metadata items); product id and tile otherwise from
 *     the product-style name.
 */
#include "mw_evidence_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <gdal.h>
#include <json-c/json.h>

#include "core/mw_error.h"
#include "io/mw_io.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return s;
}

static int add_file(mw_provenance *p, const char *path)
{
    char real[PATH_MAX];
    struct stat sb;
    if (!realpath(path, real) || stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) return 1;
    for (int i = 0; i < p->nfiles; i++)
        if (!strcmp(p->files[i], real)) return 1;
    char **f = realloc(p->files, (size_t)(p->nfiles + 1) * sizeof *f);
    if (!f) return 0;
    p->files = f;
    if (!(f[p->nfiles] = strdup(real))) return 0;
    p->nfiles++;
    return 1;
}

/* The local file behind a GDAL name: itself, or the archive of /vsizip/. */
static int local_file(const char *name, char *out, size_t size)
{
    if (!strncmp(name, "/vsizip/", 8) || !strncmp(name, "/vsitar/", 8)) {
        const char *s = name + 8, *e = NULL;
        for (const char *q = s; *q; q++)
            if ((!strncasecmp(q, ".zip", 4) || !strncasecmp(q, ".tar", 4)) && (q[4] == '/' || !q[4])) {
                e = q + 4;
                break;
            }
        if (!e) return 0;
        snprintf(out, size, "%.*s", (int)(e - s), s);
        return 1;
    }
    if (!strncmp(name, "/vsi", 4)) return 0;   /* remote: nothing local to hash */
    snprintf(out, size, "%s", name);
    return 1;
}

static void copy_value(char *dst, size_t size, const char *v)
{
    if (!dst[0] && v && *v) snprintf(dst, size, "%s", v);
}

/* <TAG>value</TAG> (first occurrence) */
static void xml_value(const char *xml, const char *tag, char *out, size_t size)
{
    char open[96];
    snprintf(open, sizeof open, "<%s>", tag);
    const char *p = strstr(xml, open);
    if (!p) return;
    p += strlen(open);
    const char *e = strchr(p, '<');
    if (e && !out[0]) snprintf(out, size, "%.*s", (int)(e - p), p);
}

/* KEY = "value" (ODL, Landsat MTL.txt) */
static void odl_value(const char *txt, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = txt; (p = strstr(p, key)) != NULL; p += kl) {
        if (p > txt && !isspace((unsigned char)p[-1])) continue;
        const char *q = p + kl;
        while (*q == ' ') q++;
        if (*q != '=') continue;
        q++;
        while (*q == ' ' || *q == '"') q++;
        const char *e = q;
        while (*e && *e != '"' && *e != '\n' && *e != '\r') e++;
        if (!out[0]) snprintf(out, size, "%.*s", (int)(e - q), q);
        return;
    }
}

/* First member named @p key anywhere in a JSON tree, as text. */
static const char *json_find(json_object *o, const char *key)
{
    if (json_object_is_type(o, json_type_object)) {
        json_object *v;
        if (json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_object) &&
            !json_object_is_type(v, json_type_array))
            return json_object_get_string(v);
        json_object_object_foreach(o, k, child)
        {
            (void)k;
            const char *r = json_find(child, key);
            if (r) return r;
        }
    }
    return NULL;
}

static void from_mtd(mw_provenance *p, const char *xml)
{
    char uri[256] = "";
    xml_value(xml, "PRODUCT_URI", uri, sizeof uri);
    char *dot = strstr(uri, ".SAFE");
    if (dot) *dot = '\0';
    copy_value(p->product_id, sizeof p->product_id, uri);
    xml_value(xml, "PROCESSING_BASELINE", p->baseline, sizeof p->baseline);
    xml_value(xml, "PRODUCT_START_TIME", p->datetime, sizeof p->datetime);
    xml_value(xml, "DATATAKE_SENSING_START", p->datetime, sizeof p->datetime);
    xml_value(xml, "SENSING_TIME", p->datetime, sizeof p->datetime);
    xml_value(xml, "SPACECRAFT_NAME", p->spacecraft, sizeof p->spacecraft);
}

static void from_mtl_text(mw_provenance *p, const char *txt)
{
    char path[16] = "", row[16] = "", date[32] = "", time[32] = "";
    odl_value(txt, "LANDSAT_PRODUCT_ID", p->product_id, sizeof p->product_id);
    odl_value(txt, "WRS_PATH", path, sizeof path);
    odl_value(txt, "WRS_ROW", row, sizeof row);
    if (path[0] && row[0] && !p->tile[0]) snprintf(p->tile, sizeof p->tile, "path %s row %s", path, row);
    odl_value(txt, "COLLECTION_NUMBER", p->baseline, sizeof p->baseline);
    odl_value(txt, "DATE_ACQUIRED", date, sizeof date);
    odl_value(txt, "SCENE_CENTER_TIME", time, sizeof time);
    if (date[0] && !p->datetime[0]) snprintf(p->datetime, sizeof p->datetime, "%s%s%s", date, time[0] ? "T" : "", time);
    odl_value(txt, "SPACECRAFT_ID", p->spacecraft, sizeof p->spacecraft);
}

static void from_json(mw_provenance *p, const char *txt, int is_mtl)
{
    json_object *o = json_tokener_parse(txt);
    if (!o) return;
    if (is_mtl) {
        const char *path = json_find(o, "WRS_PATH"), *row = json_find(o, "WRS_ROW");
        const char *date = json_find(o, "DATE_ACQUIRED"), *time = json_find(o, "SCENE_CENTER_TIME");
        copy_value(p->product_id, sizeof p->product_id, json_find(o, "LANDSAT_PRODUCT_ID"));
        if (path && row && !p->tile[0]) snprintf(p->tile, sizeof p->tile, "path %s row %s", path, row);
        copy_value(p->baseline, sizeof p->baseline, json_find(o, "COLLECTION_NUMBER"));
        if (date && !p->datetime[0])
            snprintf(p->datetime, sizeof p->datetime, "%s%s%s", date, time ? "T" : "", time ? time : "");
        copy_value(p->spacecraft, sizeof p->spacecraft, json_find(o, "SPACECRAFT_ID"));
    } else if (json_find(o, "stac_version")) {
        const char *uri = json_find(o, "s2:product_uri");
        char id[256] = "";
        if (uri) {
            snprintf(id, sizeof id, "%s", uri);
            char *dot = strstr(id, ".SAFE");
            if (dot) *dot = '\0';
        }
        copy_value(p->product_id, sizeof p->product_id, id[0] ? id : json_find(o, "id"));
        const char *zone = json_find(o, "mgrs:utm_zone"), *band = json_find(o, "mgrs:latitude_band"),
                   *sq = json_find(o, "mgrs:grid_square"), *path = json_find(o, "landsat:wrs_path"),
                   *row = json_find(o, "landsat:wrs_row");
        if (zone && band && sq && !p->tile[0]) snprintf(p->tile, sizeof p->tile, "T%02d%s%s", atoi(zone), band, sq);
        if (path && row && !p->tile[0]) snprintf(p->tile, sizeof p->tile, "path %s row %s", path, row);
        copy_value(p->baseline, sizeof p->baseline, json_find(o, "s2:processing_baseline"));
        copy_value(p->datetime, sizeof p->datetime, json_find(o, "datetime"));
        copy_value(p->datetime, sizeof p->datetime, json_find(o, "start_datetime"));
        copy_value(p->spacecraft, sizeof p->spacecraft, json_find(o, "platform"));
    }
    json_object_put(o);
}

static void from_gdal_items(mw_provenance *p, const char *file)
{
    GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return;
    static const char *const ids[] = {"PRODUCT_URI", "PRODUCT_ID", "LANDSAT_PRODUCT_ID"};
    for (size_t i = 0; i < 3; i++) copy_value(p->product_id, sizeof p->product_id, GDALGetMetadataItem(ds, ids[i], NULL));
    char *dot = strstr(p->product_id, ".SAFE");
    if (dot) *dot = '\0';
    copy_value(p->baseline, sizeof p->baseline, GDALGetMetadataItem(ds, "PROCESSING_BASELINE", NULL));
    static const char *const times[] = {"PRODUCT_START_TIME", "DATATAKE_1_DATATAKE_SENSING_START", "SENSING_TIME",
                                        "DATETIME", "ACQUISITION_DATE", "DATE_ACQUIRED", "PERIOD"};
    for (size_t i = 0; i < 7; i++) copy_value(p->datetime, sizeof p->datetime, GDALGetMetadataItem(ds, times[i], NULL));
    copy_value(p->spacecraft, sizeof p->spacecraft, GDALGetMetadataItem(ds, "SPACECRAFT_NAME", NULL));
    copy_value(p->spacecraft, sizeof p->spacecraft, GDALGetMetadataItem(ds, "SPACECRAFT_ID", NULL));
    copy_value(p->tile, sizeof p->tile, GDALGetMetadataItem(ds, "TILE_ID", NULL));
    copy_value(p->tile, sizeof p->tile, GDALGetMetadataItem(ds, "MGRS_TILE", NULL));
    if (p->product_id[0] || p->datetime[0] || p->baseline[0])
        snprintf(p->metadata_file, sizeof p->metadata_file, "%s (GDAL metadata items)", file);
    GDALClose(ds);
}

/* A metadata file of a product folder: parse it and keep it in the list. */
static int read_meta(mw_provenance *p, const char *file, const char *name)
{
    size_t len = strlen(name);
    int mtd = !strcasecmp(name, "MTD_MSIL2A.xml") || !strcasecmp(name, "MTD_MSIL1C.xml");
    int mtl_txt = len > 8 && !strcasecmp(name + len - 8, "_MTL.txt");
    int mtl_json = len > 9 && !strcasecmp(name + len - 9, "_MTL.json");
    int json = len > 5 && !strcasecmp(name + len - 5, ".json");
    if (!mtd && !mtl_txt && !json) return 1;
    char *txt = mw_evidence_slurp(file, 64L << 20);
    if (!txt) return 1;
    char before[512];
    snprintf(before, sizeof before, "%s|%s", p->product_id, p->datetime);
    if (mtd) from_mtd(p, txt);
    else if (mtl_txt) from_mtl_text(p, txt);
    else from_json(p, txt, mtl_json);
    char after[512];
    snprintf(after, sizeof after, "%s|%s", p->product_id, p->datetime);
    if (strcmp(before, after) && !p->metadata_file[0]) snprintf(p->metadata_file, sizeof p->metadata_file, "%s", file);
    free(txt);
    char local[PATH_MAX];
    return local_file(file, local, sizeof local) ? add_file(p, local) : 1;
}

static int scan_folder(mw_provenance *p, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 1;
    char **names = NULL;
    int n = 0, ok = 1;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        char **nn = realloc(names, (size_t)(n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(e->d_name))) ok = 0;
        if (nn) names = nn, n += ok;
    }
    closedir(d);
    /* readdir order is the file system's: sort, so the first source wins alike everywhere */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        char *file = join(dir, names[i]);
        if (ok && file) ok = read_meta(p, file, names[i]);
        free(file);
        free(names[i]);
    }
    free(names);
    return ok;
}

/* Product id and tile from a product-style name when metadata said nothing. */
static void from_name(mw_provenance *p, const char *scene_path)
{
    const char *base = base_name(scene_path);
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && (!strcasecmp(dot, ".SAFE") || !strcasecmp(dot, ".zip") || !strcasecmp(dot, ".tif") || !strcasecmp(dot, ".vrt")))
        *dot = '\0';
    copy_value(p->product_id, sizeof p->product_id, stem);
    for (const char *q = p->product_id; *q && !p->tile[0]; q++)
        if ((q == p->product_id || q[-1] == '_') && q[0] == 'T' && isdigit((unsigned char)q[1]) &&
            isdigit((unsigned char)q[2]) && isupper((unsigned char)q[3]) && isupper((unsigned char)q[4]) &&
            isupper((unsigned char)q[5]) && (q[6] == '_' || !q[6]))
            snprintf(p->tile, sizeof p->tile, "%.6s", q);
}

mw_status mw_provenance_read(const mw_scene *scene, mw_provenance *p)
{
    memset(p, 0, sizeof *p);
    int ok = 1;
    char local[PATH_MAX];
    for (int r = 0; ok && r < MW_BAND_ROLE_COUNT; r++) {
        const mw_band_src *b = &scene->bands[r];
        if (!b->present) continue;
        if (local_file(b->file, local, sizeof local)) ok = add_file(p, local);
        char aux[PATH_MAX + 8];
        snprintf(aux, sizeof aux, "%s.aux.xml", b->file);
        struct stat sb;
        if (ok && stat(aux, &sb) == 0) ok = add_file(p, aux);
        if (r < 8) {
            GDALDatasetH ds = GDALOpenEx(b->file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
            if (ds && b->band <= GDALGetRasterCount(ds))
                p->band_type[r] = GDALGetRasterDataType(GDALGetRasterBand(ds, b->band));
            if (ds) GDALClose(ds);
        }
    }
    struct stat sb;
    const char *path = mw_scene_path(scene);
    if (ok && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        ok = scan_folder(p, path);   /* band folder, or a .SAFE's root with MTD_MSIL2A.xml */
    } else if (ok && local_file(path, local, sizeof local)) {
        size_t len = strlen(local);
        if (len > 4 && !strcasecmp(local + len - 4, ".zip")) {
            ok = add_file(p, local);
            char mtd[PATH_MAX + 32];
            /* io reads the product root's MTD_MSIL2A.xml inside the archive */
            for (int r = 0; r < MW_BAND_ROLE_COUNT && !p->metadata_file[0]; r++) {
                const char *f = scene->bands[r].present ? scene->bands[r].file : NULL;
                const char *g = f ? strstr(f, ".SAFE/") : NULL;
                if (!g) continue;
                snprintf(mtd, sizeof mtd, "%.*sMTD_MSIL2A.xml", (int)(g + 6 - f), f);
                char *txt = mw_evidence_slurp(mtd, 64L << 20);
                if (txt) {
                    from_mtd(p, txt);
                    snprintf(p->metadata_file, sizeof p->metadata_file, "%.1000s", mtd);
                }
                free(txt);
            }
        } else {
            from_gdal_items(p, path);
        }
    }
    from_name(p, path);
    if (!ok) {
        mw_provenance_clear(p);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    /* sorted: the manifest lists them in a fixed order */
    for (int i = 1; i < p->nfiles; i++)
        for (int j = i; j > 0 && strcmp(p->files[j - 1], p->files[j]) > 0; j--) {
            char *t = p->files[j];
            p->files[j] = p->files[j - 1];
            p->files[j - 1] = t;
        }
    return MW_OK;
}

void mw_provenance_clear(mw_provenance *p)
{
    for (int i = 0; i < p->nfiles; i++) free(p->files[i]);
    free(p->files);
    p->files = NULL;
    p->nfiles = 0;
}

int mw_layer_files(const char *path, char ***files)
{
    static const char *const side[] = {".shx", ".dbf", ".prj", ".cpg", ".qix"};
    *files = NULL;
    size_t len = strlen(path);
    int n = 0;
    char **f = calloc(7, sizeof *f);
    if (!f) return -1;
    char real[PATH_MAX];
    if (realpath(path, real)) f[n++] = strdup(real);
    if (len > 4 && !strcasecmp(path + len - 4, ".shp"))
        for (int i = 0; i < 5; i++) {
            char s[PATH_MAX + 8];
            snprintf(s, sizeof s, "%.*s%s", (int)(len - 4), path, side[i]);
            struct stat sb;
            if (stat(s, &sb) == 0 && realpath(s, real)) f[n++] = strdup(real);
        }
    for (int i = 0; i < n; i++)
        if (!f[i]) {
            for (int j = 0; j < n; j++) free(f[j]);
            free(f);
            return -1;
        }
    *files = f;
    return n;
}
