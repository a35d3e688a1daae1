/*
 * Scan a pair of scenes with libminewatch, print every alert, and write the
 * alerts to a file (the format follows its extension).
 *
 *   cc example.c $(pkg-config --cflags --libs minewatch) -o example
 *   ./example before.tif after.tif alerts.gpkg
 */
#include <stdio.h>

#include <minewatch/minewatch.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BEFORE AFTER ALERTS\n", argv[0]);
        return 2;
    }
    mw_context *ctx = NULL;        /* model cache: reuse it for many pairs */
    mw_scene *before = NULL, *after = NULL;
    mw_options *opt = mw_options_new();
    mw_alert_set *alerts = NULL;
    int rc = 1;

    if (!opt || mw_context_create(&ctx) != MW_OK ||
        mw_options_set_double(opt, MW_OPT_MIN_AREA_HA, 1.0) != MW_OK ||
        mw_scene_open(argv[1], NULL, &before) != MW_OK ||
        mw_scene_open(argv[2], NULL, &after) != MW_OK)
        goto done;
    const mw_scene *befores[] = {before};
    if (mw_scan_run(ctx, befores, 1, after, opt, NULL, NULL, &alerts) != MW_OK) goto done;

    for (int i = 0; i < mw_alert_set_count(alerts); i++) {
        const mw_alert *a = mw_alert_set_get(alerts, i);
        const char *cls, *area_name;
        double confidence, area_ha, lon, lat;
        mw_alert_get_string(a, "class", &cls);
        mw_alert_get_double(a, "confidence", &confidence);
        mw_alert_get_double(a, "area_ha", &area_ha);
        mw_alert_get_double(a, "centroid_lon", &lon);
        mw_alert_get_double(a, "centroid_lat", &lat);
        mw_alert_get_string(a, "protected_area", &area_name);  /* NULL: none */
        printf("%s %s p=%.2f %.1f ha at %.5f, %.5f%s%s\n", mw_alert_id(a), cls, confidence,
               area_ha, lon, lat, area_name ? " in " : "", area_name ? area_name : "");
    }
    if (mw_alert_set_write(alerts, argv[3]) != MW_OK) goto done;
    rc = 0;

done:
    if (rc) fprintf(stderr, "example: %s\n", mw_last_error());
    mw_alert_set_destroy(alerts);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
    mw_options_free(opt);
    mw_context_destroy(ctx);
    return rc;
}
