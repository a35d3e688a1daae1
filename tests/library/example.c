/* Scan two scenes, print every alert, write them all to a file (any format).
 *   cc example.c $(pkg-config --cflags --libs minewatch) -o example
 *   ./example before.tif after.tif alerts.gpkg                              */
#include <stdio.h>

#include <minewatch/minewatch.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BEFORE AFTER ALERTS\n", argv[0]);
        return 2;
    }
    mw_context *ctx = NULL;  /* the model cache: keep it for many pairs */
    mw_scene *before = NULL, *after = NULL;
    mw_options *opt = mw_options_new();
    mw_alert_set *set = NULL;
    int ok = opt && mw_context_create(&ctx) == MW_OK &&
             mw_options_set_double(opt, MW_OPT_MIN_AREA_HA, 1.0) == MW_OK &&
             mw_scene_open(argv[1], NULL, &before) == MW_OK &&
             mw_scene_open(argv[2], NULL, &after) == MW_OK &&
             mw_scan_run(ctx, (const mw_scene *[]){before}, 1, after, opt, NULL, NULL, &set) == MW_OK;
    for (int i = 0; ok && i < mw_alert_set_count(set); i++) {
        const mw_alert *a = mw_alert_set_get(set, i);
        const char *cls;
        double p, ha;
        mw_alert_get_string(a, "class", &cls);
        mw_alert_get_double(a, "confidence", &p);
        mw_alert_get_double(a, "area_ha", &ha);
        printf("%s %s p=%.2f %.1f ha\n", mw_alert_id(a), cls, p, ha);
    }
    ok = ok && mw_alert_set_write(set, argv[3]) == MW_OK;
    if (!ok) fprintf(stderr, "example: %s\n", mw_last_error());
    mw_alert_set_destroy(set);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
    mw_options_free(opt);
    mw_context_destroy(ctx);
    return ok ? 0 : 1;
}
