/*
 * Model files (see mw_model.h and models/README.md for the format).
 *
 * General plan:
 *  1. Read the file (mw_model_load) and parse it with json-c, rejecting
 *     trailing garbage so a half-written file from a training script fails.
 *  2. Validate every field into a plain C struct; the first problem returns
 *     MW_ERR_MODEL with "<file>: <field path>: <problem>". After loading, the
 *     json-c tree is freed: scoring never touches JSON, so it is cheap and
 *     thread-safe (the model is read-only).
 *  3. Score: a logistic model (standardise each feature, (x - mean) /
 *     scale, a NaN feature contributing 0) or boosted trees (trees.c), then
 *     optional Platt calibration, threshold, and the non-mining class named
 *     by ordered "classes" rules. Feature names and values: features.c.
 */
#include "mw_model.h"
#include "mw_model_features.h"
#include "mw_trees.h"

#include "core/mw_error.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define MW_MODEL_FORMAT "minewatch-model/1"
/** Model files are up to a few hundred kB (400 trees); a cap keeps a wrong
 * path (a scene) from being slurped. */
#define MW_MODEL_MAX_BYTES (4 << 20)
/** Most features a classifier may list (the scorer keeps them on the stack). */
#define MW_MODEL_MAX_FEATURES 256

/* ---- model ------------------------------------------------------------- */

typedef struct class_cond {
    int feature;
    double min, max; /* -Inf / +Inf when absent */
} class_cond;

typedef struct class_rule {
    char *name;
    int ncond;
    class_cond *cond;
} class_rule;

struct mw_model {
    char *name, *path, *sensor;
    mw_change_params change;
    double merge_distance_m, river_buffer_m;
    int nfeat;
    int *feature;           /* feature_id per term */
    double *mean, *scale, *coef;
    double intercept, threshold;
    mw_trees *trees;        /* "trees" classifier; NULL: logistic */
    double missing;         /* trees: value of a non-finite feature */
    int platt;              /* calibration present */
    double platt_a, platt_b;
    char *positive_class, *default_class;
    int nrules;
    class_rule *rules;
};

/** Free a model and everything it owns; NULL is a no-op. */
void mw_model_destroy(mw_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->nrules; i++) {
        free(m->rules[i].name);
        free(m->rules[i].cond);
    }
    free(m->rules);
    free(m->name);
    free(m->path);
    free(m->sensor);
    free(m->feature);
    free(m->mean);
    free(m->scale);
    free(m->coef);
    mw_trees_destroy(m->trees);
    free(m->positive_class);
    free(m->default_class);
    free(m);
}

/* Parse context: the file label for every message. */
typedef struct ctx {
    const char *file;
} ctx;

static mw_status bad(const ctx *c, const char *field, const char *problem)
{
    return mw_error_set(MW_ERR_MODEL, "%s: %s: %s", c->file, field, problem);
}

static mw_status nomem(void) { return mw_error_set(MW_ERR_NOMEM, "model: out of memory"); }

/* A required finite number; @p field is the dotted path for messages. */
static mw_status get_number(const ctx *c, json_object *parent, const char *key,
                            const char *field, double *out)
{
    json_object *o = NULL;
    if (!json_object_object_get_ex(parent, key, &o)) return bad(c, field, "missing");
    if (!o || !mw_json_is_number(o)) return bad(c, field, "not a number"); /* null included */
    double v = json_object_get_double(o);
    if (!isfinite(v)) return bad(c, field, "not finite");
    *out = v;
    return MW_OK;
}

static mw_status get_number_in(const ctx *c, json_object *parent, const char *obj,
                               const char *key, double lo, double hi, double *out)
{
    char field[128];
    snprintf(field, sizeof field, "%s.%s", obj, key);
    mw_status st = get_number(c, parent, key, field, out);
    if (st) return st;
    if (*out < lo || *out > hi) {
        char why[96];
        snprintf(why, sizeof why, "out of range [%g, %g]", lo, hi);
        return bad(c, field, why);
    }
    return MW_OK;
}

static mw_status get_object(const ctx *c, json_object *parent, const char *key,
                            const char *field, int required, json_object **out)
{
    *out = NULL;
    json_object *o = NULL;
    if (!json_object_object_get_ex(parent, key, &o) || !o)
        return required ? bad(c, field, "missing") : MW_OK;
    if (!json_object_is_type(o, json_type_object)) return bad(c, field, "not an object");
    *out = o;
    return MW_OK;
}

static mw_status get_string(const ctx *c, json_object *parent, const char *key,
                            const char *field, char **out)
{
    json_object *o = NULL;
    if (!json_object_object_get_ex(parent, key, &o) || !o) return bad(c, field, "missing");
    if (!json_object_is_type(o, json_type_string)) return bad(c, field, "not a string");
    const char *s = json_object_get_string(o);
    if (!*s) return bad(c, field, "empty");
    *out = strdup(s);
    return *out ? MW_OK : nomem();
}

/* A number array of exactly @p n finite values. */
static mw_status get_array(const ctx *c, json_object *cl, const char *key, int n, double **out)
{
    char field[64];
    snprintf(field, sizeof field, "classifier.%s", key);
    json_object *a = NULL;
    if (!json_object_object_get_ex(cl, key, &a) || !a) return bad(c, field, "missing");
    if (!json_object_is_type(a, json_type_array)) return bad(c, field, "not an array");
    if ((int)json_object_array_length(a) != n) {
        char why[96];
        snprintf(why, sizeof why, "has %d values, features has %d",
                 (int)json_object_array_length(a), n);
        return bad(c, field, why);
    }
    *out = calloc((size_t)(n ? n : 1), sizeof **out);
    if (!*out) return nomem();
    for (int i = 0; i < n; i++) {
        char item[80];
        snprintf(item, sizeof item, "%s[%d]", field, i);
        json_object *v = json_object_array_get_idx(a, (size_t)i);
        if (!v || !mw_json_is_number(v)) return bad(c, item, "not a number");
        (*out)[i] = json_object_get_double(v);
        if (!isfinite((*out)[i])) return bad(c, item, "not finite");
    }
    return MW_OK;
}

static mw_status parse_change(const ctx *c, json_object *root, mw_change_params *p)
{
    json_object *o;
    mw_status st = get_object(c, root, "change", "change", 1, &o);
    if (st) return st;
    /* Index thresholds live in [-1, 1]; drops and rises are differences of
     * indices, so (0, 2]. */
    static const struct { const char *key; size_t off; double lo, hi; } fields[] = {
        {"veg_ndvi_before", offsetof(mw_change_params, veg_ndvi_before), -1, 1},
        {"ndvi_drop", offsetof(mw_change_params, ndvi_drop), 1e-6, 2},
        {"bare_bsi", offsetof(mw_change_params, bare_bsi), -1, 1},
        {"bare_ndvi_max", offsetof(mw_change_params, bare_ndvi_max), -1, 1},
        {"bsi_rise", offsetof(mw_change_params, bsi_rise), 1e-6, 2},
        {"water_mndwi", offsetof(mw_change_params, water_mndwi), -1, 1},
        {"turbid_ndti", offsetof(mw_change_params, turbid_ndti), -1, 1},
        {"ndti_rise", offsetof(mw_change_params, ndti_rise), 1e-6, 2},
        {"turbid_water_mndwi", offsetof(mw_change_params, turbid_water_mndwi), -1, 1},
        {"turbid_water_ndvi", offsetof(mw_change_params, turbid_water_ndvi), -1, 1},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        double v;
        st = get_number_in(c, o, "change", fields[i].key, fields[i].lo, fields[i].hi, &v);
        if (st) return st;
        *(float *)((char *)p + fields[i].off) = (float)v;
    }
    if (p->turbid_water_mndwi > p->water_mndwi)
        return bad(c, "change.turbid_water_mndwi", "must not exceed change.water_mndwi");
    return MW_OK;
}

/* classifier.features: names of known features, at most MW_MODEL_MAX_FEATURES. */
static mw_status parse_features(const ctx *c, json_object *cl, mw_model *m)
{
    json_object *fa = NULL;
    if (!json_object_object_get_ex(cl, "features", &fa) || !fa)
        return bad(c, "classifier.features", "missing");
    if (!json_object_is_type(fa, json_type_array))
        return bad(c, "classifier.features", "not an array");
    m->nfeat = (int)json_object_array_length(fa);
    if (m->nfeat > MW_MODEL_MAX_FEATURES)
        return bad(c, "classifier.features", "too many features (at most 256)");
    m->feature = calloc((size_t)(m->nfeat ? m->nfeat : 1), sizeof *m->feature);
    if (!m->feature) return nomem();
    for (int i = 0; i < m->nfeat; i++) {
        char item[64];
        snprintf(item, sizeof item, "classifier.features[%d]", i);
        json_object *v = json_object_array_get_idx(fa, (size_t)i);
        if (!v || !json_object_is_type(v, json_type_string)) return bad(c, item, "not a string");
        const char *name = json_object_get_string(v);
        int id = mw_feature_lookup(name);
        if (id < 0) {
            char why[160];
            snprintf(why, sizeof why, "unknown feature \"%.100s\"", name);
            return bad(c, item, why);
        }
        m->feature[i] = id;
    }
    return MW_OK;
}

/* A logistic classifier: mean, scale (> 0), coef, intercept, and a score
 * that stays finite for any site (features up to 1e12). */
static mw_status parse_logistic(const ctx *c, json_object *cl, mw_model *m)
{
    mw_status st;
    if ((st = get_array(c, cl, "mean", m->nfeat, &m->mean)) ||
        (st = get_array(c, cl, "scale", m->nfeat, &m->scale)) ||
        (st = get_array(c, cl, "coef", m->nfeat, &m->coef)))
        return st;
    for (int i = 0; i < m->nfeat; i++) {
        if (!(m->scale[i] > 0.0)) {
            char item[64];
            snprintf(item, sizeof item, "classifier.scale[%d]", i);
            return bad(c, item, m->scale[i] == 0.0 ? "must not be 0" : "must be positive");
        }
    }
    if ((st = get_number(c, cl, "intercept", "classifier.intercept", &m->intercept))) return st;
    double bound = fabs(m->intercept);
    for (int i = 0; i < m->nfeat; i++) bound += fabs(m->coef[i]) / m->scale[i] * (1e12 + fabs(m->mean[i]));
    if (!(bound <= MW_TREES_MAX_LOGODDS))
        return bad(c, "classifier.coef", "coefficients so large that the score overflows");
    return MW_OK;
}

/* A tree ensemble: the value standing for a missing feature, then the trees. */
static mw_status parse_tree_classifier(const ctx *c, json_object *cl, mw_model *m)
{
    char field[96], why[160];
    mw_status st = get_number(c, cl, "missing", "classifier.missing", &m->missing);
    if (st) return st;
    mw_trees_result r = mw_trees_parse(cl, m->nfeat, &m->trees, field, sizeof field, why, sizeof why);
    if (r == MW_TREES_NOMEM) return nomem();
    if (r != MW_TREES_OK) return bad(c, field, why);
    return MW_OK;
}

/* classifier.calibration (optional): Platt scaling, a > 0 so P stays monotone. */
static mw_status parse_calibration(const ctx *c, json_object *cl, mw_model *m)
{
    json_object *cal, *o;
    mw_status st = get_object(c, cl, "calibration", "classifier.calibration", 0, &cal);
    if (st || !cal) return st;
    if (!json_object_object_get_ex(cal, "type", &o) || !o)
        return bad(c, "classifier.calibration.type", "missing");
    if (!json_object_is_type(o, json_type_string) || strcmp(json_object_get_string(o), "platt") != 0)
        return bad(c, "classifier.calibration.type", "must be \"platt\"");
    if ((st = get_number(c, cal, "a", "classifier.calibration.a", &m->platt_a)) ||
        (st = get_number(c, cal, "b", "classifier.calibration.b", &m->platt_b)))
        return st;
    if (!(m->platt_a > 0.0))
        return bad(c, "classifier.calibration.a", "must be positive (keeps P monotone)");
    if (!(m->platt_a <= 1e6 && fabs(m->platt_b) <= 1e6))
        return bad(c, "classifier.calibration", "a and b must be within 1e6 (the score overflows)");
    m->platt = 1;
    return MW_OK;
}

static mw_status parse_classifier(const ctx *c, json_object *root, mw_model *m)
{
    json_object *cl, *o;
    mw_status st = get_object(c, root, "classifier", "classifier", 1, &cl);
    if (st) return st;
    if (!json_object_object_get_ex(cl, "type", &o) || !o)
        return bad(c, "classifier.type", "missing");
    if (!json_object_is_type(o, json_type_string) ||
        (strcmp(json_object_get_string(o), "logistic") != 0 &&
         strcmp(json_object_get_string(o), "trees") != 0))
        return bad(c, "classifier.type", "must be \"logistic\" or \"trees\"");
    const int trees = strcmp(json_object_get_string(o), "trees") == 0;

    if ((st = parse_features(c, cl, m))) return st;
    if ((st = trees ? parse_tree_classifier(c, cl, m) : parse_logistic(c, cl, m))) return st;
    if ((st = get_number(c, cl, "threshold", "classifier.threshold", &m->threshold)))
        return st;
    if (!(m->threshold > 0.0 && m->threshold < 1.0))
        return bad(c, "classifier.threshold", "must be in (0, 1)");
    return parse_calibration(c, cl, m);
}

/* Default class rules when a model has no "classes" object. */
static mw_status default_classes(mw_model *m)
{
    m->positive_class = strdup("mining");
    m->default_class = strdup("other_change");
    m->rules = calloc(2, sizeof *m->rules);
    if (!m->positive_class || !m->default_class || !m->rules) return nomem();
    static const struct { const char *name; feature_id f; } d[] = {
        {"water_change", F_WATER_CHANGE_SHARE}, {"clearing", F_CLEARING_SHARE}};
    for (int i = 0; i < 2; i++) {
        class_rule *r = &m->rules[m->nrules++];
        r->name = strdup(d[i].name);
        r->cond = calloc(1, sizeof *r->cond);
        if (!r->name || !r->cond) return nomem();
        r->ncond = 1;
        r->cond[0] = (class_cond){(int)d[i].f, 0.5, INFINITY};
    }
    return MW_OK;
}

static mw_status parse_rule(const ctx *c, json_object *ro, int k, class_rule *r)
{
    char field[96];
    snprintf(field, sizeof field, "classes.rules[%d]", k);
    if (!json_object_is_type(ro, json_type_object)) return bad(c, field, "not an object");
    char nf[112];
    snprintf(nf, sizeof nf, "%s.name", field);
    mw_status st = get_string(c, ro, "name", nf, &r->name);
    if (st) return st;
    char wf[112];
    snprintf(wf, sizeof wf, "%s.when", field);
    json_object *when;
    if ((st = get_object(c, ro, "when", wf, 1, &when))) return st;
    int n = json_object_object_length(when);
    if (n == 0) return bad(c, wf, "empty");
    r->cond = calloc((size_t)n, sizeof *r->cond);
    if (!r->cond) return nomem();
    json_object_object_foreach(when, key, val) {
        char cf[200];
        snprintf(cf, sizeof cf, "%s.%.60s", wf, key);
        int id = mw_feature_lookup(key);
        if (id < 0) return bad(c, cf, "unknown feature");
        if (!json_object_is_type(val, json_type_object))
            return bad(c, cf, "not an object {\"min\":..,\"max\":..}");
        class_cond *cd = &r->cond[r->ncond++];
        cd->feature = id;
        cd->min = -INFINITY;
        cd->max = INFINITY;
        json_object *t;
        char bf[216];
        int any = 0;
        if (json_object_object_get_ex(val, "min", &t)) {
            snprintf(bf, sizeof bf, "%s.min", cf);
            if ((st = get_number(c, val, "min", bf, &cd->min))) return st;
            any = 1;
        }
        if (json_object_object_get_ex(val, "max", &t)) {
            snprintf(bf, sizeof bf, "%s.max", cf);
            if ((st = get_number(c, val, "max", bf, &cd->max))) return st;
            any = 1;
        }
        if (!any) return bad(c, cf, "needs \"min\" and/or \"max\"");
    }
    return MW_OK;
}

static mw_status parse_classes(const ctx *c, json_object *root, mw_model *m)
{
    json_object *cls;
    mw_status st = get_object(c, root, "classes", "classes", 0, &cls);
    if (st) return st;
    if (!cls) return default_classes(m);
    if ((st = get_string(c, cls, "positive", "classes.positive", &m->positive_class)) ||
        (st = get_string(c, cls, "default", "classes.default", &m->default_class)))
        return st;
    json_object *rules = NULL;
    if (!json_object_object_get_ex(cls, "rules", &rules) || !rules) return MW_OK;
    if (!json_object_is_type(rules, json_type_array))
        return bad(c, "classes.rules", "not an array");
    int n = (int)json_object_array_length(rules);
    m->rules = calloc((size_t)(n ? n : 1), sizeof *m->rules);
    if (!m->rules) return nomem();
    for (int k = 0; k < n; k++) {
        m->nrules = k + 1; /* counted before parsing so destroy frees partial rules */
        if ((st = parse_rule(c, json_object_array_get_idx(rules, (size_t)k), k, &m->rules[k])))
            return st;
    }
    return MW_OK;
}

static mw_status parse_root(const ctx *c, json_object *root, mw_model *m)
{
    json_object *o = NULL;
    mw_status st;
    if (!json_object_is_type(root, json_type_object)) return bad(c, "(root)", "not an object");
    if (!json_object_object_get_ex(root, "format", &o) || !o) return bad(c, "format", "missing");
    if (!json_object_is_type(o, json_type_string) ||
        strcmp(json_object_get_string(o), MW_MODEL_FORMAT) != 0)
        return bad(c, "format", "not \"" MW_MODEL_FORMAT "\"");
    if ((st = get_string(c, root, "name", "name", &m->name))) return st;
    if ((st = get_string(c, root, "sensor", "sensor", &m->sensor))) return st;
    if (strcmp(m->sensor, "sentinel2") && strcmp(m->sensor, "landsat") &&
        strcmp(m->sensor, "generic"))
        return bad(c, "sensor", "must be \"sentinel2\", \"landsat\" or \"generic\"");
    if ((st = parse_change(c, root, &m->change))) return st;

    json_object *sites;
    if ((st = get_object(c, root, "sites", "sites", 1, &sites))) return st;
    if ((st = get_number_in(c, sites, "sites", "merge_distance_m", 0, 10000,
                            &m->merge_distance_m)) ||
        (st = get_number_in(c, sites, "sites", "river_buffer_m", 1, 100000,
                            &m->river_buffer_m)))
        return st;
    if ((st = parse_classifier(c, root, m))) return st;
    if ((st = parse_classes(c, root, m))) return st;
    /* "training" is free-form provenance; only its type is checked. */
    json_object *tr;
    return get_object(c, root, "training", "training", 0, &tr);
}

/**
 * Parse and validate a model from JSON text.
 * @param json_text NUL-terminated JSON
 * @param name      label for error messages and mw_model_path()
 * @param out       receives the model (caller frees with mw_model_destroy)
 * @return MW_OK, MW_ERR_MODEL ("<name>: <field>: <problem>") or MW_ERR_NOMEM.
 */
mw_status mw_model_parse(const char *json_text, const char *name, mw_model **out)
{
    *out = NULL;
    ctx c = {name ? name : "(model)"};
    if (!json_text) return bad(&c, "(root)", "no text");

    json_tokener *tok = json_tokener_new();
    if (!tok) return nomem();
    size_t len = strlen(json_text);
    json_object *root = json_tokener_parse_ex(tok, json_text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!root || jerr != json_tokener_success) {
        json_object_put(root);
        mw_error_set(MW_ERR_MODEL, "%s: invalid JSON near offset %zu: %s", c.file, used,
                     jerr == json_tokener_continue ? "unexpected end of text"
                                                    : json_tokener_error_desc(jerr));
        return MW_ERR_MODEL;
    }
    for (size_t i = used; i < len; i++) {
        if (!strchr(" \t\r\n", json_text[i])) {
            json_object_put(root);
            mw_error_set(MW_ERR_MODEL, "%s: invalid JSON: trailing text at offset %zu",
                         c.file, i);
            return MW_ERR_MODEL;
        }
    }

    mw_model *m = calloc(1, sizeof *m);
    mw_status st = m ? parse_root(&c, root, m) : nomem();
    json_object_put(root);
    if (st == MW_OK) {
        m->path = strdup(c.file);
        if (!m->path) st = nomem();
    }
    if (st != MW_OK) {
        mw_model_destroy(m);
        return st;
    }
    *out = m;
    return MW_OK;
}

/**
 * Read a model file's text (at most MW_MODEL_MAX_BYTES, no NUL byte).
 * @return MW_OK with *text (malloc'ed, NUL-terminated, *len bytes), or
 * MW_ERR_MODEL naming the file.
 */
mw_status mw_model_read_text(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return mw_error_set(MW_ERR_MODEL, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(MW_MODEL_MAX_BYTES + 1);
    if (!buf) {
        fclose(fp);
        return nomem();
    }
    size_t n = fread(buf, 1, MW_MODEL_MAX_BYTES + 1, fp);
    int err = ferror(fp);
    fclose(fp);
    mw_status st = MW_OK;
    if (err)
        st = mw_error_set(MW_ERR_MODEL, "%s: cannot read", path);
    else if (n > MW_MODEL_MAX_BYTES)
        st = mw_error_set(MW_ERR_MODEL, "%s: larger than %d bytes: not a model file", path,
                          MW_MODEL_MAX_BYTES);
    else if (memchr(buf, '\0', n))
        st = mw_error_set(MW_ERR_MODEL, "%s: binary data: not a model file", path);
    if (st != MW_OK) {
        free(buf);
        return st;
    }
    /* A copy of the text's size, the 4 MiB read buffer freed now: a model
     * cache keeps the text, and a large block kept alive would also keep
     * glibc's mmap threshold low, so every later window buffer of a scan
     * would be mapped and unmapped again (measured: +70 % page faults and
     * +5 % CPU on a 2745² scene). */
    char *copy = malloc(n + 1);
    if (!copy) {
        free(buf);
        return nomem();
    }
    memcpy(copy, buf, n);
    copy[n] = '\0';
    free(buf);
    *text = copy;
    *len = n;
    return MW_OK;
}

/**
 * Load and validate a model file.
 * @return MW_OK, or MW_ERR_MODEL naming the file (and the field if the
 * content is wrong). The caller frees *out with mw_model_destroy().
 */
mw_status mw_model_load(const char *path, mw_model **out)
{
    *out = NULL;
    char *buf = NULL;
    size_t n = 0;
    mw_status st = mw_model_read_text(path, &buf, &n);
    if (st == MW_OK) st = mw_model_parse(buf, path, out);
    free(buf);
    return st;
}

/** Model name (the "name" field); valid while the model lives. */
const char *mw_model_name(const mw_model *m) { return m->name; }
/** Path the model was loaded from (or the parse label). */
const char *mw_model_path(const mw_model *m) { return m->path; }
/** "sentinel2", "landsat" or "generic". */
const char *mw_model_sensor(const mw_model *m) { return m->sensor; }
/** Per-pixel change thresholds. */
const mw_change_params *mw_model_change_params(const mw_model *m) { return &m->change; }
/** Distance under which site fragments are joined, metres. */
double mw_model_merge_distance_m(const mw_model *m) { return m->merge_distance_m; }
/** Width of the ring used for river and context features, metres. */
double mw_model_river_buffer_m(const mw_model *m) { return m->river_buffer_m; }
/** Decision threshold on the calibrated P(mining). */
double mw_model_threshold(const mw_model *m) { return m->threshold; }

/* Overflow-free logistic. */
static double sigmoid(double z)
{
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

static int rule_matches(const class_rule *r, const mw_site_features *f)
{
    for (int i = 0; i < r->ncond; i++) {
        double v = mw_feature_value(f, (feature_id)r->cond[i].feature);
        /* NaN fails both comparisons: missing evidence never names a class. */
        if (!(v >= r->cond[i].min && v <= r->cond[i].max)) return 0;
    }
    return 1;
}

/**
 * Score a site (see mw_model.h). Logistic: P(mining) = sigmoid(intercept +
 * sum coef_i (x_i - mean_i) / scale_i), then Platt calibration if the model
 * has one. Non-finite features count as their mean. Trees: z = the trees'
 * log-odds (mw_trees.h), non-finite features set to the model's "missing". @p class_name (may be
 * NULL) gets a string owned by the model. Thread-safe (read-only model).
 */
double mw_model_score(const mw_model *m, const mw_site_features *f, const char **class_name)
{
    double z;
    if (m->trees) {
        double x[MW_MODEL_MAX_FEATURES];
        for (int i = 0; i < m->nfeat; i++) {
            x[i] = mw_feature_value(f, (feature_id)m->feature[i]);
            if (!isfinite(x[i])) x[i] = m->missing;
        }
        z = mw_trees_raw(m->trees, x);
    } else {
        z = m->intercept;
        for (int i = 0; i < m->nfeat; i++) {
            double x = mw_feature_value(f, (feature_id)m->feature[i]);
            if (!isfinite(x)) continue; /* = mean: contributes 0 */
            z += m->coef[i] * (x - m->mean[i]) / m->scale[i];
        }
    }
    if (m->platt) z = m->platt_a * z + m->platt_b;
    double p = sigmoid(z);
    if (class_name) {
        const char *name = m->default_class;
        if (p >= m->threshold)
            name = m->positive_class;
        else
            for (int k = 0; k < m->nrules; k++)
                if (rule_matches(&m->rules[k], f)) {
                    name = m->rules[k].name;
                    break;
                }
        *class_name = name;
    }
    return p;
}
