/*
 * How a later step extends an alert set (src/alerts/mw_alert_set.h): a
 * property added to every alert (lineage's status, n_detections), a value
 * set on some alerts and null on others, an appended alert; the writers
 * carry the added properties after the fixed table, in every format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_vsi.h>
#include <gdal.h>

#include "alerts/mw_alerts.h"
#include "minewatch/minewatch.h"
#include "mw_test.h"

/* A later step adds a property; the writers carry it after the fixed table. */
static void check_added_property(mw_alert_set *set)
{
    int k = mw_alert_set_add_property(set, "status", NULL, MW_AK_STRING, 0);
    int n = mw_alert_set_add_property(set, "n_detections", "n_detect", MW_AK_INT, 0);
    CHECK(k == mw_alert_set_property_count(set) - 2 && n == k + 1);
    CHECK(mw_alert_set_add_property(set, "status", NULL, MW_AK_STRING, 0) == -1);
    CHECK(mw_alert_set_set_string(set, 0, k, "new") == MW_OK);
    CHECK(mw_alert_set_set_int(set, 0, n, 3) == MW_OK);
    CHECK(mw_alert_set_set_int(set, 0, k, 3) == MW_ERR_USAGE);
    CHECK(mw_alert_set_set_string(set, 0, 0, "other id") == MW_ERR_USAGE);
    const mw_alert *a = mw_alert_set_get(set, 0);
    const char *s = NULL;
    long long v = 0;
    CHECK(mw_alert_get_string(a, "status", &s) == MW_OK && s && !strcmp(s, "new"));
    CHECK(mw_alert_get_int(a, "n_detections", &v) == MW_OK && v == 3);
    if (mw_alert_set_count(set) > 1) CHECK(mw_alert_property_type(mw_alert_set_get(set, 1), "status") == MW_VALUE_NULL);
    char *text = NULL;
    CHECK(mw_alert_set_to_geojson(set, &text) == MW_OK);
    CHECK(text && strstr(text, "\"ring_loss_share\": ") && strstr(text, ", \"status\": \"new\", \"n_detections\": 3}"));
    if (mw_alert_set_count(set) > 1) CHECK(text && strstr(text, ", \"status\": null, \"n_detections\": null}"));
    mw_free(text);
    CHECK(mw_alert_set_write(set, "/vsimem/mw_api/b.shp") == MW_OK);
    GDALDatasetH ds = GDALOpenEx("/vsimem/mw_api/b.shp", GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH l = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    CHECK(l && OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "n_detect") >= 0);
    if (ds) GDALClose(ds);
}


/* An alert appended (an earlier site not found again) is written too. */
static void check_append(mw_alert_set *set)
{
    int n = mw_alert_set_count(set);
    mw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "mw-earlier-site");
    a.class_name = "mining";
    a.confidence = NAN;
    a.area_ha = 1.5;
    char wkt[] = "POLYGON ((-56.1 -7.2,-56.09 -7.2,-56.09 -7.19,-56.1 -7.19,-56.1 -7.2))";
    char *w = wkt;
    CHECK(OGR_G_CreateFromWkt(&w, NULL, &a.geometry) == OGRERR_NONE);
    CHECK(mw_alert_set_append(set, &a) == MW_OK && a.geometry == NULL);
    CHECK(mw_alert_set_count(set) == n + 1);
    int k = mw_alert_set_property_index(set, "status");
    CHECK(mw_alert_set_set_string(set, n, k, "inactive") == MW_OK);
    const mw_alert *b = mw_alert_set_get(set, n);
    const char *s = NULL;
    CHECK(b && !strcmp(mw_alert_id(b), "mw-earlier-site"));
    CHECK(mw_alert_get_string(b, "status", &s) == MW_OK && s && !strcmp(s, "inactive"));
    CHECK(mw_alert_property_type(b, "confidence") == MW_VALUE_NULL);
    char *text = NULL;
    CHECK(mw_alert_set_to_geojson(set, &text) == MW_OK);
    CHECK(text && strstr(text, "\"id\": \"mw-earlier-site\"") && strstr(text, "\"confidence\": null"));
    mw_free(text);
    /* A value overriding a computed property. */
    CHECK(mw_alert_set_set_double(set, 0, mw_alert_set_property_index(set, "confidence"), 0.25) == MW_OK);
    double d = 0;
    CHECK(mw_alert_get_double(mw_alert_set_get(set, 0), "confidence", &d) == MW_OK && d == 0.25);
}

int main(void)
{
    const char *root = getenv("MW_SOURCE_ROOT");
    if (!root) MW_TEST_SKIP("MW_SOURCE_ROOT not set");
    char bp[512], ap[512];
    snprintf(bp, sizeof bp, "%s/samples/synthetic-s2/before.tif", root);
    snprintf(ap, sizeof ap, "%s/samples/synthetic-s2/after.tif", root);
    if (access(bp, R_OK) || access(ap, R_OK)) MW_TEST_SKIP("samples/synthetic-s2 missing");
    mw_init();
    mw_scene *before = NULL, *after = NULL;
    CHECK(mw_scene_open(bp, NULL, &before) == MW_OK && mw_scene_open(ap, NULL, &after) == MW_OK);
    const mw_scene *b[1] = {before};
    mw_alert_set *set = NULL;
    CHECK(mw_scan_run(NULL, b, 1, after, NULL, NULL, NULL, &set) == MW_OK && set);
    if (set) {
        check_added_property(set);
        check_append(set);
    }
    mw_alert_set_destroy(set);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
    MW_TEST_DONE();
}
