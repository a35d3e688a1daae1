/*
 * The library API of minewatch/context.h, alerts.h and mw_scan_run() on
 * the bundled sample (samples/synthetic-s2):
 *  - one context, several scans: the model is parsed once; a model file
 *    rewritten between scans is parsed again;
 *  - an alert set: count, properties by name and type, nulls, geometry as
 *    GeoJSON and WKB, the run description;
 *  - writers: the set's GeoJSON text equals the file mw_alert_set_write()
 *    writes and what it writes to /vsimem/; a GeoPackage in /vsimem/ reads
 *    back with every alert; the result equals mw_scan()'s file;
 *  - the change raster sink: committed by the scan, or only by the write
 *    (MW_OPT_COMMIT_WITH_ALERTS; nothing left when the set is dropped);
 *  - the warnings callback (an AOI beside the scene);
 *  - two scans sharing one context from two threads give the same bytes.
 * Linked against the shared library: only exported symbols are used.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_vsi.h>
#include <gdal.h>
#include <json-c/json.h>

#include "minewatch/minewatch.h"
#include "mw_test.h"

static char dir[256];
static mw_scene *before, *after;

static char *path_in(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    if (b) b[n] = '\0';
    if (len) *len = (size_t)n;
    return b;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Files in dir whose name starts with "." (temporaries). */
static int hidden_files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static mw_alert_set *scan(mw_context *ctx, const mw_options *opt)
{
    mw_alert_set *set = NULL;
    const mw_scene *b[1] = {before};
    if (mw_scan_run(ctx, b, 1, after, opt, NULL, NULL, &set) != MW_OK)
        fprintf(stderr, "scan: %s\n", mw_last_error());
    return set;
}

static void check_alerts(const mw_alert_set *set)
{
    CHECK(mw_alert_set_count(set) >= 1);
    CHECK(mw_alert_set_get(set, -1) == NULL && mw_alert_set_get(set, mw_alert_set_count(set)) == NULL);
    CHECK(mw_alert_set_property_count(set) > 20);
    CHECK_STR(mw_alert_set_property_name(set, 0), "id");
    CHECK(mw_alert_set_property_index(set, "confidence") == 2);
    CHECK(mw_alert_set_property_type(set, 2) == MW_VALUE_DOUBLE);
    CHECK(mw_alert_set_property_decimals(set, 2) == 4);
    CHECK(mw_alert_set_property_index(set, "no_such") == -1);
    double area = 0;
    for (int i = 0; i < mw_alert_set_count(set); i++) {
        const mw_alert *a = mw_alert_set_get(set, i);
        const char *s = NULL, *id = NULL;
        double d = 0;
        long long n = -1;
        CHECK(mw_alert_get_string(a, "id", &id) == MW_OK && !strcmp(id, mw_alert_id(a)));
        CHECK(!strncmp(mw_alert_id(a), "mw-20220702-20230707-", 21));
        CHECK(mw_alert_get_string(a, "class", &s) == MW_OK && s && *s);
        CHECK(mw_alert_get_double(a, "confidence", &d) == MW_OK && d >= 0.5 && d <= 1);
        CHECK(mw_alert_get_double(a, "area_ha", &d) == MW_OK && d > 0);
        area += d;
        CHECK(mw_alert_get_string(a, "sensor", &s) == MW_OK && !strcmp(s, "sentinel2"));
        CHECK(mw_alert_get_string(a, "date_after", &s) == MW_OK && !strcmp(s, "2023-07-07"));
        CHECK(mw_alert_get_int(a, "pond_count", &n) == MW_OK && n >= 0);
        CHECK(mw_alert_get_double(a, "pond_count", &d) == MW_OK && d == (double)n);
        CHECK(mw_alert_property_type(a, "protected_area") == MW_VALUE_NULL);
        CHECK(mw_alert_get_string(a, "protected_area", &s) == MW_OK && s == NULL);
        CHECK(mw_alert_property_type(a, "class") == MW_VALUE_STRING);
        CHECK(mw_alert_property_type(a, "pond_count") == MW_VALUE_INT);
        CHECK(mw_alert_property_type(a, "no_such") == MW_VALUE_NONE);
        CHECK(mw_alert_get_double(a, "no_such", &d) == MW_ERR_USAGE && strstr(mw_last_error(), "no_such"));
        CHECK(mw_alert_get_double(a, "class", &d) == MW_ERR_USAGE);
        CHECK(mw_alert_get_int(a, "confidence", &n) == MW_ERR_USAGE);

        char *gj = NULL;
        CHECK(mw_alert_geometry_geojson(a, &gj) == MW_OK && gj);
        json_object *g = gj ? json_tokener_parse(gj) : NULL;
        const char *type = g ? json_object_get_string(json_object_object_get(g, "type")) : "";
        CHECK(type && (!strcmp(type, "Polygon") || !strcmp(type, "MultiPolygon")));
        json_object_put(g);
        mw_free(gj);
        unsigned char *wkb = NULL;
        size_t size = 0;
        CHECK(mw_alert_geometry_wkb(a, &wkb, &size) == MW_OK && size > 9);
        if (wkb) CHECK(wkb[0] == 1 && (wkb[1] == 3 || wkb[1] == 6) && !wkb[2] && !wkb[3] && !wkb[4]);
        mw_free(wkb);
    }
    CHECK_NEAR(mw_alert_set_area_ha(set), area, 1e-9);
    CHECK(mw_alert_set_pixels(set) == 400LL * 400);
    json_object *m = json_tokener_parse(mw_alert_set_metadata_json(set));
    CHECK(m && json_object_is_type(m, json_type_object));
    json_object *b = m ? json_object_object_get(m, "before") : NULL;
    CHECK(b && !strcmp(json_object_get_string(json_object_object_get(b, "date")), "2022-07-02"));
    json_object_put(m);
}

/* The set's text, the .geojson file and the /vsimem/ file are the same bytes. */
static void check_writers(mw_alert_set *set)
{
    char *text = NULL;
    CHECK(mw_alert_set_to_geojson(set, &text) == MW_OK && text);
    CHECK(mw_alert_set_write(set, path_in("a.geojson")) == MW_OK);
    size_t len = 0;
    char *file = read_file(path_in("a.geojson"), &len);
    CHECK(file && text && len == strlen(text) && !memcmp(file, text, len));
    /* The metadata member is the file's, byte for byte. */
    CHECK(text && strstr(text, mw_alert_set_metadata_json(set)));
    CHECK(mw_alert_set_write(set, "/vsimem/mw_api/a.geojson") == MW_OK);
    vsi_l_offset vlen = 0;
    GByte *v = VSIGetMemFileBuffer("/vsimem/mw_api/a.geojson", &vlen, FALSE);
    CHECK(v && vlen == len && file && !memcmp(v, file, len));
    VSIUnlink("/vsimem/mw_api/a.geojson");
    free(file);
    mw_free(text);

    const char *formats[] = {"/vsimem/mw_api/a.gpkg", "/vsimem/mw_api/a.fgb", "/vsimem/mw_api/a.csv",
                             "/vsimem/mw_api/a.kml", "/vsimem/mw_api/a.shp"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        mw_status st = mw_alert_set_write(set, formats[i]);
        CHECK(st == MW_OK);
        if (st != MW_OK) fprintf(stderr, "  %s\n", mw_last_error());
        GDALDatasetH ds = GDALOpenEx(formats[i], GDAL_OF_VECTOR, NULL, NULL, NULL);
        OGRLayerH l = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
        CHECK(l && OGR_L_GetFeatureCount(l, TRUE) == mw_alert_set_count(set));
        if (!l) fprintf(stderr, "  format %s\n", formats[i]);
        if (ds) GDALClose(ds);
        VSIUnlink(formats[i]);
    }
    CHECK(mw_alert_set_write(set, path_in("a.xyz")) == MW_ERR_USAGE);
    CHECK(mw_alert_set_write(set, "/nonexistent-folder/a.geojson") == MW_ERR_WRITE);
}

static void check_raster_sink(mw_context *ctx)
{
    mw_options *o = mw_options_new();
    CHECK(mw_options_set_string(o, MW_OPT_CHANGE_RASTER, path_in("c1.tif")) == MW_OK);
    mw_alert_set *s = scan(ctx, o);
    CHECK(s && exists(path_in("c1.tif")));  /* committed by the scan */
    mw_alert_set_destroy(s);
    CHECK(exists(path_in("c1.tif")));

    CHECK(mw_options_set_string(o, MW_OPT_CHANGE_RASTER, path_in("c2.tif")) == MW_OK);
    CHECK(mw_options_set_int(o, MW_OPT_COMMIT_WITH_ALERTS, 1) == MW_OK);
    s = scan(ctx, o);
    CHECK(s && !exists(path_in("c2.tif")) && hidden_files() > 0);
    mw_alert_set_destroy(s);  /* never written: the raster goes */
    CHECK(!exists(path_in("c2.tif")) && hidden_files() == 0);

    s = scan(ctx, o);
    CHECK(mw_alert_set_write(s, path_in("c2.geojson")) == MW_OK);
    CHECK(exists(path_in("c2.tif")) && hidden_files() == 0);
    size_t n1 = 0, n2 = 0;
    char *r1 = read_file(path_in("c1.tif"), &n1), *r2 = read_file(path_in("c2.tif"), &n2);
    CHECK(r1 && r2 && n1 == n2 && !memcmp(r1, r2, n1));
    free(r1);
    free(r2);
    mw_alert_set_destroy(s);
    mw_options_free(o);
}

static int nwarn;
static void on_warning(const char *msg, void *user)
{
    (void)user;
    if (strstr(msg, "does not overlap")) nwarn++;
}

static void check_warnings(mw_context *ctx)
{
    FILE *f = fopen(path_in("aoi.geojson"), "w");
    fputs("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {}, "
          "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[10, 10], [10.1, 10], [10.1, 10.1], "
          "[10, 10.1], [10, 10]]]}}]}\n", f);
    fclose(f);
    mw_options *o = mw_options_new();
    mw_options_set_string(o, MW_OPT_AOI, path_in("aoi.geojson"));
    mw_context_set_warning_handler(ctx, on_warning, NULL);
    mw_alert_set *s = scan(ctx, o);
    CHECK(s && mw_alert_set_count(s) == 0 && nwarn == 1);
    CHECK(mw_alert_set_warning_count(s) == 1 && strstr(mw_alert_set_warning(s, 0), "does not overlap"));
    mw_context_set_warning_handler(ctx, NULL, NULL);
    mw_alert_set_destroy(s);
    mw_options_free(o);
}

typedef struct job {
    mw_context *ctx;
    char *text;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    mw_options *o = mw_options_new();
    mw_options_set_int(o, MW_OPT_THREADS, 1);
    mw_alert_set *s = scan(j->ctx, o);
    if (s) mw_alert_set_to_geojson(s, &j->text);
    mw_alert_set_destroy(s);
    mw_options_free(o);
    return NULL;
}

static void check_shared_context(mw_context *ctx, const char *expect)
{
    pthread_t t[2];
    job jobs[2] = {{ctx, NULL}, {ctx, NULL}};
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK(jobs[i].text && expect && !strcmp(jobs[i].text, expect));
        mw_free(jobs[i].text);
    }
}

/* A model file rewritten between scans is parsed again (a trainer's loop). */
static void check_model_reload(mw_context *ctx, const char *src_model)
{
    size_t len = 0;
    char *m = read_file(src_model, &len);
    CHECK(m != NULL);
    if (!m) return;
    const char *copy = path_in("model.json");
    FILE *f = fopen(copy, "wb");
    fwrite(m, 1, len, f);
    fclose(f);
    mw_options *o = mw_options_new();
    mw_options_set_string(o, MW_OPT_MODEL, copy);
    int loads = mw_context_models_loaded(ctx);
    mw_alert_set_destroy(scan(ctx, o));
    mw_alert_set_destroy(scan(ctx, o));
    CHECK(mw_context_models_loaded(ctx) == loads + 1);
    /* The same model with a trailing newline: other bytes, parsed again. */
    f = fopen(copy, "ab");
    fputs("\n", f);
    fclose(f);
    mw_alert_set_destroy(scan(ctx, o));
    CHECK(mw_context_models_loaded(ctx) == loads + 2);
    /* A file that became invalid fails with its name. */
    f = fopen(copy, "wb");
    fputs("{", f);
    fclose(f);
    mw_alert_set *s = NULL;
    const mw_scene *b[1] = {before};
    CHECK(mw_scan_run(ctx, b, 1, after, o, NULL, NULL, &s) == MW_ERR_MODEL && !s);
    CHECK(strstr(mw_last_error(), "model.json") != NULL);
    mw_options_free(o);
    free(m);
}

/* mw_utf8_repair: valid text unchanged, each bad byte (stray continuation,
 * overlong form, surrogate, truncated sequence) one U+FFFD, counted. */
static void check_utf8_repair(void)
{
    int n = 0;
    char *u = mw_utf8_repair("Rio Tapaj\xC3\xB3s \xE2\x82\xAC \xF0\x9F\x8C\x8D", &n);
    CHECK(u && !strcmp(u, "Rio Tapaj\xC3\xB3s \xE2\x82\xAC \xF0\x9F\x8C\x8D") && n == 0);
    mw_free(u);
    u = mw_utf8_repair("a\x80" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE2\x82", &n);
    CHECK(u && !strcmp(u, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                          "d\xEF\xBF\xBD\xEF\xBF\xBD") && n == 1);
    mw_free(u);
    CHECK(mw_utf8_repair(NULL, &n) == NULL && n == 1);
}

int main(void)
{
    const char *root = getenv("MW_SOURCE_ROOT");
    if (!root) MW_TEST_SKIP("MW_SOURCE_ROOT not set");
    char bp[512], ap[512], model[512];
    snprintf(bp, sizeof bp, "%s/samples/synthetic-s2/before.tif", root);
    snprintf(ap, sizeof ap, "%s/samples/synthetic-s2/after.tif", root);
    snprintf(model, sizeof model, "%s/models/sentinel2.json", root);
    if (!exists(bp) || !exists(ap)) MW_TEST_SKIP("samples/synthetic-s2 missing");
    snprintf(dir, sizeof dir, "/tmp/mw_test_api_XXXXXX");
    if (!mkdtemp(dir)) MW_TEST_SKIP("no temporary folder");
    mw_init();
    check_utf8_repair();
    CHECK(mw_scene_open(bp, NULL, &before) == MW_OK && mw_scene_open(ap, NULL, &after) == MW_OK);

    mw_context *ctx = NULL;
    CHECK(mw_context_create(&ctx) == MW_OK);
    CHECK(mw_context_set_threads(ctx, 2000) == MW_ERR_USAGE && mw_context_set_threads(ctx, 2) == MW_OK);
    CHECK(mw_context_models_loaded(ctx) == 0);
    mw_alert_set *set = scan(ctx, NULL);
    mw_alert_set *again = scan(ctx, NULL);
    CHECK(set && again && mw_context_models_loaded(ctx) == 1);
    char *t1 = NULL, *t2 = NULL;
    mw_alert_set_to_geojson(set, &t1);
    mw_alert_set_to_geojson(again, &t2);
    CHECK(t1 && t2 && !strcmp(t1, t2));
    check_alerts(set);
    check_writers(set);

    /* mw_scan() writes the same file. */
    mw_options *o = mw_options_new();
    mw_options_set_string(o, MW_OPT_OUTPUT, path_in("old.geojson"));
    CHECK(mw_scan(before, after, o, NULL, NULL, NULL) == MW_OK);
    char *old = read_file(path_in("old.geojson"), NULL);
    CHECK(old && t1 && !strcmp(old, t1));
    free(old);
    mw_options_free(o);

    check_shared_context(ctx, t1);
    CHECK(mw_context_models_loaded(ctx) == 1);
    check_raster_sink(ctx);
    check_warnings(ctx);
    check_model_reload(ctx, model);
    const mw_scene *two[2] = {before, before};
    mw_alert_set *none = NULL;
    CHECK(mw_scan_run(ctx, two, 0, after, NULL, NULL, NULL, &none) == MW_ERR_USAGE && !none);

    mw_free(t1);
    mw_free(t2);
    mw_alert_set_destroy(set);
    mw_alert_set_destroy(again);
    mw_context_destroy(ctx);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    MW_TEST_DONE();
}
