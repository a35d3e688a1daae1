/*
 * Fuzz target: model files (mw_model_parse, the JSON text of --model).
 *
 * Promises checked: a model that loads has a name, a known sensor, a
 * threshold in (0, 1), finite site parameters, and scores every site -
 * including one whose features are NaN, zero or huge - to a probability
 * in [0, 1] with a class name; a model that does not load leaves *out
 * NULL and a message naming the file.
 */
#include "fuzz.h"

#include <math.h>

#include "minewatch/status.h"
#include "model/mw_model.h"

static void score(const mw_model *m, const mw_site_features *f)
{
    const char *cls = NULL;
    double p = mw_model_score(m, f, &cls);
    FUZZ_CHECK(p >= 0.0 && p <= 1.0);
    FUZZ_CHECK(cls != NULL && cls[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    mw_model *m = (mw_model *)&m; /* must be reset to NULL on failure */
    mw_status st = mw_model_parse(text, "fuzz.json", &m);
    if (st != MW_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(strncmp(mw_last_error(), "fuzz.json", 9) == 0 || st == MW_ERR_NOMEM);
        free(text);
        return 0;
    }
    FUZZ_CHECK(m != NULL);
    FUZZ_CHECK(mw_model_name(m) && mw_model_name(m)[0]);
    const char *s = mw_model_sensor(m);
    FUZZ_CHECK(!strcmp(s, "sentinel2") || !strcmp(s, "landsat") || !strcmp(s, "generic"));
    FUZZ_CHECK(mw_model_threshold(m) > 0.0 && mw_model_threshold(m) < 1.0);
    FUZZ_CHECK(isfinite(mw_model_merge_distance_m(m)) && mw_model_merge_distance_m(m) >= 0);
    FUZZ_CHECK(isfinite(mw_model_river_buffer_m(m)) && mw_model_river_buffer_m(m) >= 1);
    FUZZ_CHECK(mw_model_change_params(m) != NULL);

    mw_site_features f;
    memset(&f, 0, sizeof f);
    score(m, &f);
    f = (mw_site_features){.area_ha = 2.5, .veg_loss_ha = 1, .bare_soil_ha = 0.7, .new_water_ha = 0.5,
                           .turbid_water_ha = 0.3, .turbidity_rise_ha = 0.1, .mean_dndvi = -0.4,
                           .mean_dndti = 0.1, .mean_dbsi = 0.2, .mean_dmndwi = 0.3, .before_ndvi = 0.8,
                           .after_ndvi = 0.2, .pond_count = 3, .water_share = 0.3, .after_water_ndti = 0.05,
                           .compactness = 0.3, .bbox_fill = 0.5, .dist_water_m = 40,
                           .river_turbidity_change = 0.02, .context_disturbed_share = 0.1,
                           .valid_fraction = 1};
    score(m, &f);
    const double n = NAN;
    f = (mw_site_features){.area_ha = n, .veg_loss_ha = n, .bare_soil_ha = n, .new_water_ha = n,
                           .turbid_water_ha = n, .turbidity_rise_ha = n, .mean_dndvi = n,
                           .mean_dndti = n, .mean_dbsi = n, .mean_dmndwi = n, .before_ndvi = n,
                           .after_ndvi = n, .pond_count = -1, .water_share = n, .after_water_ndti = n,
                           .compactness = n, .bbox_fill = n, .dist_water_m = n,
                           .river_turbidity_change = n, .context_disturbed_share = n,
                           .valid_fraction = n};
    score(m, &f);
    f = (mw_site_features){.area_ha = 1e300, .veg_loss_ha = -1e300, .new_water_ha = 1e300,
                           .turbid_water_ha = 1e300, .mean_dndvi = INFINITY, .pond_count = 2147483647,
                           .dist_water_m = -INFINITY, .compactness = 1e-300};
    score(m, &f);
    mw_model_destroy(m);
    free(text);
    return 0;
}
