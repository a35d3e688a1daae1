/* Model files: good models parse, each malformed case is rejected with
 * MW_ERR_MODEL and "<file>: <field>: <problem>", scoring is monotone in the
 * evidence, and non-mining class names follow the rules. */
#include "model/mw_model.h"
#include "mw_test.h"

#include "minewatch/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *GOOD =
    "{\"format\":\"minewatch-model/1\",\"name\":\"t\",\"sensor\":\"sentinel2\",\n"
    " \"change\":{\"veg_ndvi_before\":0.55,\"ndvi_drop\":0.25,\"bare_bsi\":0.0,"
    "\"bare_ndvi_max\":0.25,\"bsi_rise\":0.15,\"water_mndwi\":0.0,\"turbid_ndti\":0.0,"
    "\"ndti_rise\":0.1,\"turbid_water_mndwi\":-0.1,\"turbid_water_ndvi\":-0.05},\n"
    " \"sites\":{\"merge_distance_m\":30,\"river_buffer_m\":300},\n"
    " \"classifier\":{\"type\":\"logistic\",\"features\":[\"log_pond_count\",\"water_share\","
    "\"bbox_fill\",\"after_water_ndti\"],\"mean\":[0.7,0.15,0.45,-0.05],"
    "\"scale\":[0.8,0.2,0.2,0.1],\"coef\":[0.9,0.7,-0.6,0.4],\"intercept\":-1.2,"
    "\"threshold\":0.5},\n"
    " \"classes\":{\"positive\":\"mining\",\"default\":\"other_change\",\"rules\":["
    "{\"name\":\"water_change\",\"when\":{\"water_change_share\":{\"min\":0.5}}},"
    "{\"name\":\"clearing\",\"when\":{\"clearing_share\":{\"min\":0.5}}}]},\n"
    " \"training\":{\"method\":\"hand-set\",\"validation\":null}}\n";

/* @p base with the first occurrence of @p from replaced by @p to. */
static char *replace_first(const char *base, const char *from, const char *to)
{
    const char *p = strstr(base, from);
    if (!p) {
        fprintf(stderr, "test bug: \"%s\" not in the model text\n", from);
        exit(2);
    }
    size_t n = strlen(base) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    size_t pre = (size_t)(p - base);
    memcpy(s, base, pre);
    strcpy(s + pre, to);
    strcat(s, p + strlen(from));
    return s;
}

/* GOOD with the first occurrence of @p from replaced by @p to. */
static char *variant(const char *from, const char *to) { return replace_first(GOOD, from, to); }

static void expect_bad(const char *from, const char *to, const char *msg_part)
{
    char *text = variant(from, to);
    mw_model *m = (mw_model *)1;
    mw_status st = mw_model_parse(text, "bad.json", &m);
    CHECK(st == MW_ERR_MODEL);
    CHECK(m == NULL);
    const char *msg = mw_last_error();
    if (strncmp(msg, "bad.json: ", 10) != 0 || !strstr(msg, msg_part)) {
        fprintf(stderr, "  replacing [%s] by [%s]: message \"%s\", expected \"%s\"\n",
                from, to, msg, msg_part);
        mw_test_failures++;
    }
    free(text);
}

static void test_good(void)
{
    mw_model *m = NULL;
    CHECK(mw_model_parse(GOOD, "good.json", &m) == MW_OK);
    if (!m) return;
    CHECK_STR(mw_model_name(m), "t");
    CHECK_STR(mw_model_path(m), "good.json");
    CHECK_STR(mw_model_sensor(m), "sentinel2");
    CHECK_NEAR(mw_model_merge_distance_m(m), 30, 0);
    CHECK_NEAR(mw_model_river_buffer_m(m), 300, 0);
    CHECK_NEAR(mw_model_threshold(m), 0.5, 0);
    const mw_change_params *p = mw_model_change_params(m);
    CHECK_NEAR(p->veg_ndvi_before, 0.55, 1e-7);
    CHECK_NEAR(p->ndti_rise, 0.1, 1e-7);
    CHECK_NEAR(p->turbid_water_mndwi, -0.1, 1e-7);
    mw_model_destroy(m);
    mw_model_destroy(NULL);
}

static void test_shipped(void)
{
    const char *root = getenv("MW_SOURCE_ROOT");
    if (!root) MW_TEST_SKIP("MW_SOURCE_ROOT not set");
    const char *names[] = {"sentinel2", "landsat", "generic"};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/models/%s.json", root, names[i]);
        mw_model *m = NULL;
        mw_status st = mw_model_load(path, &m);
        if (st) fprintf(stderr, "  %s\n", mw_last_error());
        CHECK(st == MW_OK);
        if (m) CHECK_STR(mw_model_sensor(m), names[i]);
        /* a typical garimpo scores as mining, a rectangular clearing does
         * not: every feature is the median over the mining sites (417) and
         * the farm-clearing sites (312) of the generated Landsat training
         * pairs of scripts/train.py (a hand-made site with most features
         * unknown is not a site the trees have ever seen) */
        mw_site_features mine = {
            .area_ha = 8.73, .veg_loss_ha = 2.79, .bare_soil_ha = 2.43, .new_water_ha = 0,
            .turbid_water_ha = 1.62, .turbidity_rise_ha = 0, .mean_dndvi = -0.566, .mean_dndti = 0.316,
            .mean_dbsi = 0.277, .mean_dmndwi = 0.286, .before_ndvi = 0.804, .after_ndvi = 0.199,
            .pond_count = 2, .water_share = 0.252, .after_water_ndti = -0.010, .compactness = 0.132,
            .bbox_fill = 0.317, .dist_water_m = 84.9, .river_turbidity_change = NAN,
            .context_disturbed_share = 0.019, .valid_fraction = 1, .after_mndwi = -0.151,
            .after_bsi = 0.035, .ring_water_share = 0.009, .ring_bare_share = 0.005, .ring_ndvi = 0.785,
            .after_vis = 0.106, .after_swir = 0.144, .vis_change = 0.071, .bare_vis = 0.138,
            .water_vis = 0.098, .water_red_green = 1.000, .water_nir = 0.115,
            .before_disturbed_share = 0, .ring_pond_count_before = 1, .ring_pond_count_after = 1,
            .ring_mosaic_before = 0, .ring_mosaic_after = 0.0003, .ring_texture_before = 0.043,
            .ring_texture_after = 0.048, .ring_water_ndti = NAN, .ring_loss_share = 0.036};
        mw_site_features field = {
            .area_ha = 9.95, .veg_loss_ha = 3.65, .bare_soil_ha = 5.76, .new_water_ha = 0,
            .turbid_water_ha = 0, .turbidity_rise_ha = 0, .mean_dndvi = -0.552, .mean_dndti = 0.409,
            .mean_dbsi = 0.429, .mean_dmndwi = 0.032, .before_ndvi = 0.838, .after_ndvi = 0.270,
            .pond_count = 0, .water_share = 0, .after_water_ndti = NAN, .compactness = 0.431,
            .bbox_fill = 0.578, .dist_water_m = 300, .river_turbidity_change = NAN,
            .context_disturbed_share = 0, .valid_fraction = 1, .after_mndwi = -0.497,
            .after_bsi = 0.173, .ring_water_share = 0, .ring_bare_share = 0, .ring_ndvi = 0.819,
            .after_vis = 0.090, .after_swir = 0.236, .vis_change = 0.057, .bare_vis = 0.097,
            .water_vis = NAN, .water_red_green = NAN, .water_nir = NAN,
            .before_disturbed_share = 0, .ring_pond_count_before = 0, .ring_pond_count_after = 0,
            .ring_mosaic_before = 0, .ring_mosaic_after = 0, .ring_texture_before = 0.028,
            .ring_texture_after = 0.032, .ring_water_ndti = NAN, .ring_loss_share = 0.016};
        const char *cls = NULL;
        if (m) {
            /* trained models (scripts/train.py) are judged on data by
             * tests/accuracy; here: the garimpo ranks well above the field,
             * and the field is never mining */
            double pm = mw_model_score(m, &mine, &cls);
            double pf = mw_model_score(m, &field, &cls);
            fprintf(stderr, "  %s: P(garimpo) %.3f P(field) %.3f\n", names[i], pm, pf);
            CHECK(pm > pf + 0.15);
            CHECK(pf < mw_model_threshold(m));
            CHECK_STR(cls, "clearing");
        }
        mw_model_destroy(m);
    }
    mw_model *m = (mw_model *)1;
    CHECK(mw_model_load("/nonexistent/model.json", &m) == MW_ERR_MODEL);
    CHECK(m == NULL);
    CHECK(strstr(mw_last_error(), "/nonexistent/model.json: ") == mw_last_error());
}

static void test_bad(void)
{
    expect_bad("{\"format\"", "{\"format\":1,", "invalid JSON");
    expect_bad("\"training\":{", "\"training\":{{", "invalid JSON");
    expect_bad("}}\n", "}} x", "trailing");
    expect_bad("minewatch-model/1", "minewatch-model/2", "format: not");
    expect_bad("\"format\":\"minewatch-model/1\",", "", "format: missing");
    expect_bad("\"sensor\":\"sentinel2\"", "\"sensor\":\"modis\"", "sensor: must be");
    expect_bad("\"ndvi_drop\":0.25,", "", "change.ndvi_drop: missing");
    expect_bad("\"ndvi_drop\":0.25", "\"ndvi_drop\":\"0.25\"", "change.ndvi_drop: not a number");
    expect_bad("\"ndvi_drop\":0.25", "\"ndvi_drop\":NaN", "change.ndvi_drop: not finite");
    expect_bad("\"bare_bsi\":0.0", "\"bare_bsi\":-Infinity", "change.bare_bsi: not finite");
    expect_bad("\"bare_bsi\":0.0", "\"bare_bsi\":1e999", "change.bare_bsi: not finite");
    expect_bad("\"water_mndwi\":0.0", "\"water_mndwi\":3", "change.water_mndwi: out of range");
    expect_bad("\"turbid_water_mndwi\":-0.1", "\"turbid_water_mndwi\":0.2",
               "change.turbid_water_mndwi: must not exceed");
    expect_bad("\"river_buffer_m\":300", "\"river_buffer_m\":null", "sites.river_buffer_m: not a number");
    expect_bad("\"mean\":[0.7,0.15,0.45,-0.05]", "\"mean\":[0.7,0.15,0.45]",
               "classifier.mean: has 3 values, features has 4");
    expect_bad("\"coef\":[0.9,0.7,-0.6,0.4]", "\"coef\":[0.9,0.7,-0.6,0.4,1]",
               "classifier.coef: has 5 values");
    expect_bad("\"scale\":[0.8,0.2,0.2,0.1]", "\"scale\":[0.8,0,0.2,0.1]",
               "classifier.scale[1]: must not be 0");
    expect_bad("\"scale\":[0.8,0.2,0.2,0.1]", "\"scale\":[0.8,0.2,-0.2,0.1]",
               "classifier.scale[2]: must be positive");
    expect_bad("\"water_share\",", "\"water_shares\",",
               "classifier.features[1]: unknown feature \"water_shares\"");
    expect_bad("\"coef\":[0.9,0.7", "\"coef\":[0.9,true", "classifier.coef[1]: not a number");
    expect_bad("\"intercept\":-1.2,", "", "classifier.intercept: missing");
    expect_bad("\"threshold\":0.5", "\"threshold\":1.5", "classifier.threshold: must be in");
    expect_bad("\"type\":\"logistic\"", "\"type\":\"forest\"", "classifier.type: must be");
    expect_bad("\"threshold\":0.5}", "\"threshold\":0.5,\"calibration\":{\"type\":\"platt\",\"a\":1}}",
               "classifier.calibration.b: missing");
    expect_bad("{\"water_change_share\":{\"min\":0.5}}", "{\"wet\":{\"min\":0.5}}",
               "classes.rules[0].when.wet: unknown feature");
    expect_bad("\"classes\":{\"positive\":\"mining\",", "\"classes\":{",
               "classes.positive: missing");
}

static mw_site_features base_site(void)
{
    mw_site_features f = {.area_ha = 5, .veg_loss_ha = 3, .bare_soil_ha = 1,
                          .new_water_ha = 0.5, .turbid_water_ha = 0.5, .pond_count = 0,
                          .water_share = 0.2, .after_water_ndti = NAN, .compactness = 0.3,
                          .bbox_fill = 0.5, .dist_water_m = 200,
                          .river_turbidity_change = NAN, .context_disturbed_share = 0.1,
                          .valid_fraction = 1};
    return f;
}

static void test_scoring(void)
{
    mw_model *m = NULL;
    CHECK(mw_model_parse(GOOD, "good.json", &m) == MW_OK);
    if (!m) return;
    mw_site_features f = base_site();
    double prev = -1;
    for (int ponds = 0; ponds <= 20; ponds++) {
        f.pond_count = ponds;
        double p = mw_model_score(m, &f, NULL);
        CHECK(p >= 0 && p <= 1);
        CHECK(p > prev);
        prev = p;
    }
    /* NaN features equal the mean: contribution 0 */
    f = base_site();
    f.after_water_ndti = NAN;
    double p_nan = mw_model_score(m, &f, NULL);
    f.after_water_ndti = -0.05;
    CHECK_NEAR(mw_model_score(m, &f, NULL), p_nan, 1e-12);
    /* hand computation: all features at their mean -> sigmoid(intercept) */
    mw_site_features at_mean = {.area_ha = 1, .pond_count = 1, .water_share = 0.15,
                                .bbox_fill = 0.45, .after_water_ndti = -0.05};
    /* log1p(1) = 0.693..., not 0.7: add its small term */
    double z = -1.2 + 0.9 * (log1p(1.0) - 0.7) / 0.8;
    CHECK_NEAR(mw_model_score(m, &at_mean, NULL), 1 / (1 + exp(-z)), 1e-12);
    /* regular fields score lower */
    f = base_site();
    double p0 = mw_model_score(m, &f, NULL);
    f.bbox_fill = 0.95;
    CHECK(mw_model_score(m, &f, NULL) < p0);
    mw_model_destroy(m);

    /* Platt calibration applied to the logit */
    char *text = variant("\"threshold\":0.5}",
                         "\"threshold\":0.5,\"calibration\":{\"type\":\"platt\",\"a\":2,\"b\":0.5}}");
    CHECK(mw_model_parse(text, "platt.json", &m) == MW_OK);
    free(text);
    if (m) {
        CHECK_NEAR(mw_model_score(m, &at_mean, NULL), 1 / (1 + exp(-(2 * z + 0.5))), 1e-12);
        mw_model_destroy(m);
    }
}

static void test_classes(void)
{
    mw_model *m = NULL;
    CHECK(mw_model_parse(GOOD, "good.json", &m) == MW_OK);
    if (!m) return;
    const char *cls = NULL;
    /* strong evidence -> "mining" */
    mw_site_features f = base_site();
    f.pond_count = 30;
    f.water_share = 0.8;
    f.bbox_fill = 0.2;
    CHECK(mw_model_score(m, &f, &cls) >= 0.5);
    CHECK_STR(cls, "mining");
    /* water dominates, weak score -> water_change */
    f = base_site();
    f.new_water_ha = 4;
    f.turbid_water_ha = 0;
    f.veg_loss_ha = 1;
    f.bare_soil_ha = 0;
    f.bbox_fill = 0.95;
    CHECK(mw_model_score(m, &f, &cls) < 0.5);
    CHECK_STR(cls, "water_change");
    /* vegetation loss + bare dominate -> clearing */
    f = base_site();
    f.bbox_fill = 0.95;
    CHECK(mw_model_score(m, &f, &cls) < 0.5);
    CHECK_STR(cls, "clearing");
    /* nothing dominates -> default */
    f = base_site();
    f.veg_loss_ha = 1;
    f.bare_soil_ha = 1;
    f.new_water_ha = 1;
    f.turbid_water_ha = 0;
    f.turbidity_rise_ha = 0;
    f.bbox_fill = 0.95;
    CHECK(mw_model_score(m, &f, &cls) < 0.5);
    CHECK_STR(cls, "other_change");
    /* zero area: shares are NaN, never match a rule */
    f.area_ha = 0;
    mw_model_score(m, &f, &cls);
    CHECK_STR(cls, "other_change");
    mw_model_destroy(m);

    /* without a "classes" object the defaults apply */
    char *text = variant("\"classes\":{", "\"classes_unused\":{");
    CHECK(mw_model_parse(text, "noclasses.json", &m) == MW_OK);
    free(text);
    if (m) {
        f = base_site();
        f.bbox_fill = 0.95;
        mw_model_score(m, &f, &cls);
        CHECK_STR(cls, "clearing");
        mw_model_destroy(m);
    }
}

/* GOOD with a "trees" classifier: two trees over (pond_count, bbox_fill). */
static const char *TREES =
    "\"classifier\":{\"type\":\"trees\",\"features\":[\"pond_count\",\"bbox_fill\"],"
    "\"missing\":-9,\"base\":-0.5,\"learning_rate\":0.1,\"trees\":["
    "{\"feature\":[0,-1,1,-1,-1],\"threshold\":[2.5,0,0.8,0,0],\"left\":[1,-1,3,-1,-1],"
    "\"right\":[2,-1,4,-1,-1],\"value\":[0,-2,0,3,1]},"
    "{\"feature\":[1,-1,-1],\"threshold\":[-1,0,0],\"left\":[1,-1,-1],\"right\":[2,-1,-1],"
    "\"value\":[0,5,-1]}],\"threshold\":0.5},\n";

/* GOOD with TREES as its classifier, then @p from replaced by @p to (if given). */
static char *trees_model(const char *from, const char *to)
{
    const char *a = strstr(GOOD, " \"classifier\":"), *b = strstr(GOOD, " \"classes\":");
    if (!a || !b) return NULL;
    size_t head = (size_t)(a - GOOD);
    char *s = malloc(strlen(GOOD) + strlen(TREES) + 1);
    if (!s) return NULL;
    memcpy(s, GOOD, head);
    s[head] = 0;
    strcat(s, TREES);
    strcat(s, b);
    if (!from) return s;
    char *t = replace_first(s, from, to);
    free(s);
    return t;
}

static void test_trees(void)
{
    char *text = trees_model(NULL, NULL);
    CHECK(text != NULL);
    if (!text) return;
    mw_model *m = NULL;
    CHECK(mw_model_parse(text, "trees.json", &m) == MW_OK);
    free(text);
    if (m) {
        mw_site_features f = base_site();
        /* ponds 0 -> leaf -2; bbox_fill 0.5 > -1 -> leaf -1: z = -0.5 + 0.1 (-3) */
        f.pond_count = 0;
        f.bbox_fill = 0.5;
        CHECK_NEAR(mw_model_score(m, &f, NULL), 1 / (1 + exp(0.8)), 1e-12);
        /* ponds 5, fill 0.5 <= 0.8 -> 3; second tree -1: z = -0.5 + 0.2 */
        f.pond_count = 5;
        CHECK_NEAR(mw_model_score(m, &f, NULL), 1 / (1 + exp(0.3)), 1e-12);
        /* fill NaN -> missing -9: first tree 3 (<= 0.8), second 5 (<= -1) */
        f.bbox_fill = NAN;
        CHECK_NEAR(mw_model_score(m, &f, NULL), 1 / (1 + exp(-0.3)), 1e-12);
        const char *cls = NULL;
        CHECK(mw_model_score(m, &f, &cls) > 0.5 && strcmp(cls, "mining") == 0);
        mw_model_destroy(m);
    }
    static const struct { const char *from, *to, *msg; } bad[] = {
        {"\"missing\":-9,", "", "classifier.missing: missing"},
        {"\"base\":-0.5,", "", "classifier.base: missing"},
        {"\"trees\":[{", "\"trees\":[7,{", "classifier.trees[0]: not an object"},
        {"\"left\":[1,-1,3,-1,-1]", "\"left\":[0,-1,3,-1,-1]", "later nodes"},
        {"\"right\":[2,-1,-1]", "\"right\":[3,-1,-1]", "classifier.trees[1]: node 0"},
        {"\"feature\":[0,-1,1,-1,-1]", "\"feature\":[0,-1,2,-1,-1]", "feature[2] must be"},
        {"\"value\":[0,5,-1]", "\"value\":[0,5]", "\"value\" has 2 entries"},
        {"\"threshold\":[2.5,", "\"threshold\":[\"x\",", "\"threshold\"[0] is not"},
        {"\"trees\":[{", "\"trees\":[],\"x\":[{", "classifier.trees: must be"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        text = trees_model(bad[k].from, bad[k].to);
        CHECK(text != NULL);
        if (!text) continue;
        m = (mw_model *)1;
        CHECK(mw_model_parse(text, "bad.json", &m) == MW_ERR_MODEL && m == NULL);
        const char *msg = mw_last_error();
        if (strncmp(msg, "bad.json: ", 10) != 0 || !strstr(msg, bad[k].msg)) {
            fprintf(stderr, "  trees case %zu: message \"%s\", expected \"%s\"\n", k, msg, bad[k].msg);
            mw_test_failures++;
        }
        free(text);
    }
}

static void test_feature_names(void)
{
    mw_site_features f = base_site();
    double v = 0;
    CHECK(mw_site_feature_by_name(&f, "pond_count", &v) && v == 0);
    CHECK(mw_site_feature_by_name(&f, "area_ha", &v) && v == 5);
    CHECK(mw_site_feature_by_name(&f, "veg_loss_share", &v));
    CHECK_NEAR(v, 0.6, 1e-12);
    CHECK(mw_site_feature_by_name(&f, "bare_share", &v));
    CHECK_NEAR(v, 0.2, 1e-12);
    CHECK(mw_site_feature_by_name(&f, "log_area_ha", &v));
    CHECK_NEAR(v, log(5.0), 1e-12);
    CHECK(mw_site_feature_by_name(&f, "after_water_ndti", &v) && isnan(v));
    CHECK(mw_site_feature_by_name(&f, "turbid_water_fraction", &v));
    CHECK_NEAR(v, 0.5, 1e-12);
    CHECK(mw_site_feature_by_name(NULL, "context_disturbed_share", NULL));
    CHECK(!mw_site_feature_by_name(&f, "nope", &v));
    CHECK(!mw_site_feature_by_name(&f, NULL, &v));
}

int main(void)
{
    test_good();
    test_bad();
    test_scoring();
    test_classes();
    test_feature_names();
    test_trees();
    test_shipped();
    MW_TEST_DONE();
}
