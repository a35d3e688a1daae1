/*
 * The in-memory alert set: its container, schema (the fixed property table
 * plus properties added later), run description, pending outputs, and the
 * public getters of minewatch/alerts.h.
 */
#include "mw_alert_set.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ogr_api.h>

#include "core/mw_error.h"

enum { META_STRINGS = 10 };

struct mw_alert_set {
    mw_alert *alerts;
    int count, cap;
    char *strings[META_STRINGS];    /* copies behind meta's pointers */
    mw_alert_meta meta;
    mw_alert_field *extra;          /* added properties (owned names) */
    int nextra;
    char *metadata_json;            /* the `minewatch` member's text */
    long long pixels;
    int has_timings;
    mw_scan_timings t;
    double t_write;
    char *timings;                  /* t and t_write as text */
    char **warnings;
    int nwarnings;
    int threads;
    mw_pending_output *pending;
    int npending;
    char **names;                   /* class names: the set's own copies */
    int nnames;
};

static mw_status nomem(void) { return mw_error_set(MW_ERR_NOMEM, "out of memory"); }

/* Copy @p s into slot @p i of the set's strings; NULL stays NULL. */
static int copy_string(mw_alert_set *set, int i, const char *s, const char **dst)
{
    *dst = NULL;
    if (!s) return 1;
    if (!(set->strings[i] = strdup(s))) return 0;
    *dst = set->strings[i];
    return 1;
}

mw_status mw_alert_set_create(const mw_alert_meta *meta, mw_alert_set **out)
{
    *out = NULL;
    mw_alert_set *set = calloc(1, sizeof *set);
    if (!set) return nomem();
    mw_alert_meta m = {0}, *d = &set->meta;
    if (meta) m = *meta;
    int ok = copy_string(set, 0, m.version, &d->version) &&
             copy_string(set, 1, m.before_path, &d->before_path) &&
             copy_string(set, 2, m.before_date, &d->before_date) &&
             copy_string(set, 3, m.before_sensor, &d->before_sensor) &&
             copy_string(set, 4, m.after_path, &d->after_path) &&
             copy_string(set, 5, m.after_date, &d->after_date) &&
             copy_string(set, 6, m.after_sensor, &d->after_sensor) &&
             copy_string(set, 7, m.model_name, &d->model_name) &&
             copy_string(set, 8, m.model_path, &d->model_path) &&
             copy_string(set, 9, m.parameters_json, &d->parameters_json);
    if (!ok) {
        mw_alert_set_destroy(set);
        return nomem();
    }
    set->threads = 1;
    *out = set;
    return MW_OK;
}

void mw_alert_set_destroy(mw_alert_set *set)
{
    if (!set) return;
    for (int i = 0; i < set->npending; i++) set->pending[i].abort(set->pending[i].arg);
    free(set->pending);
    for (int i = 0; i < set->count; i++) mw_alert_clear(&set->alerts[i]);
    free(set->alerts);
    for (int i = 0; i < META_STRINGS; i++) free(set->strings[i]);
    for (int i = 0; i < set->nextra; i++) {
        free((char *)set->extra[i].name);
        free((char *)set->extra[i].short_name);
    }
    free(set->extra);
    free(set->metadata_json);
    for (int i = 0; i < set->nnames; i++) free(set->names[i]);
    free(set->names);
    free(set->timings);
    for (int i = 0; i < set->nwarnings; i++) free(set->warnings[i]);
    free(set->warnings);
    free(set);
}

void mw_free(void *p) { free(p); }

const mw_alert_meta *mw_alert_set_meta(const mw_alert_set *set) { return &set->meta; }

void mw_alert_set_take_metadata_json(mw_alert_set *set, char *text)
{
    free(set->metadata_json);
    set->metadata_json = text;
}

/*
 * Point @p a's class name at the set's own copy. A scan's class names are
 * the model's strings, and a model may be freed before the set (a context
 * destroyed, a model file rewritten and loaded again).
 */
static mw_status own_class_name(mw_alert_set *set, mw_alert *a)
{
    if (!a->class_name) return MW_OK;
    for (int i = 0; i < set->nnames; i++)
        if (!strcmp(set->names[i], a->class_name)) {
            a->class_name = set->names[i];
            return MW_OK;
        }
    char **p = realloc(set->names, (size_t)(set->nnames + 1) * sizeof *p);
    if (!p) return nomem();
    set->names = p;
    if (!(p[set->nnames] = strdup(a->class_name))) return nomem();
    a->class_name = p[set->nnames++];
    return MW_OK;
}

mw_status mw_alert_set_adopt(mw_alert_set *set, mw_alert *alerts, int count)
{
    if (set->count || count < 0 || (count && !alerts))
        return mw_error_set(MW_ERR_INTERNAL, "mw_alert_set_adopt: set not empty or bad array");
    free(set->alerts);
    set->alerts = alerts;
    set->count = set->cap = count;
    mw_status st = MW_OK;
    for (int i = 0; i < count; i++) {
        set->alerts[i].set = set;
        if (st == MW_OK) st = own_class_name(set, &set->alerts[i]);
    }
    return st;
}

mw_status mw_alert_set_append(mw_alert_set *set, mw_alert *alert)
{
    if (set->count == set->cap) {
        int cap = set->cap ? 2 * set->cap : 16;
        mw_alert *p = realloc(set->alerts, (size_t)cap * sizeof *p);
        if (!p) return nomem();
        set->alerts = p;
        set->cap = cap;
    }
    set->alerts[set->count] = *alert;
    set->alerts[set->count].set = set;
    set->count++;
    memset(alert, 0, sizeof *alert);
    return own_class_name(set, &set->alerts[set->count - 1]);
}

mw_alert *mw_alert_set_at(mw_alert_set *set, int i)
{
    return set && i >= 0 && i < set->count ? &set->alerts[i] : NULL;
}

int mw_alert_set_property_index(const mw_alert_set *set, const char *name)
{
    if (!set || !name) return -1;
    const int n = mw_alert_fields_total(&set->meta);
    for (int k = 0; k < n; k++)
        if (!strcmp(mw_alert_field_at(&set->meta, k)->name, name)) return k;
    return -1;
}

int mw_alert_set_add_property(mw_alert_set *set, const char *name, const char *short_name,
                              mw_alert_kind kind, int decimals)
{
    if (!name || !*name) return mw_error_set(MW_ERR_USAGE, "alert property: empty name"), -1;
    if (mw_alert_set_property_index(set, name) >= 0)
        return mw_error_set(MW_ERR_USAGE, "alert property '%s' exists already", name), -1;
    mw_alert_field *p = realloc(set->extra, (size_t)(set->nextra + 1) * sizeof *p);
    if (!p) return nomem(), -1;
    set->extra = p;
    mw_alert_field *f = &p[set->nextra];
    f->name = strdup(name);
    f->short_name = strndup(short_name ? short_name : name, 10);
    f->kind = kind;
    f->decimals = decimals;
    if (!f->name || !f->short_name) {
        free((char *)f->name);
        free((char *)f->short_name);
        return nomem(), -1;
    }
    set->nextra++;
    set->meta.extra_fields = set->extra;
    set->meta.n_extra_fields = set->nextra;
    return mw_alert_field_count + set->nextra - 1;
}

/* The prop slot of property @p k of alert @p i, grown as needed; NULL with the error set. */
static mw_alert_prop *prop_slot(mw_alert_set *set, int i, int k)
{
    mw_alert *a = mw_alert_set_at(set, i);
    if (!a || k < 1 || k >= mw_alert_fields_total(&set->meta)) {
        /* k 0 is the id: it is also the Feature id, set a->id itself. */
        mw_error_set(MW_ERR_USAGE, "alert %d, property %d: out of range", i, k);
        return NULL;
    }
    if (k >= a->nprops) {
        int n = mw_alert_fields_total(&set->meta);
        mw_alert_prop *p = realloc(a->props, (size_t)n * sizeof *p);
        if (!p) return nomem(), NULL;
        memset(p + a->nprops, 0, (size_t)(n - a->nprops) * sizeof *p);
        a->props = p;
        a->nprops = n;
    }
    mw_alert_prop *p = &a->props[k];
    free(p->s);
    memset(p, 0, sizeof *p);
    p->d = NAN;
    return p;
}

static mw_status check_kind(const mw_alert_set *set, int k, mw_alert_kind kind)
{
    if (k >= 0 && k < mw_alert_fields_total(&set->meta) && mw_alert_field_at(&set->meta, k)->kind != kind)
        return mw_error_set(MW_ERR_USAGE, "alert property '%s' has another type",
                            mw_alert_field_at(&set->meta, k)->name);
    return MW_OK;
}

mw_status mw_alert_set_set_string(mw_alert_set *set, int i, int k, const char *v)
{
    mw_status st = check_kind(set, k, MW_AK_STRING);
    mw_alert_prop *p = st == MW_OK ? prop_slot(set, i, k) : NULL;
    if (!p) return st != MW_OK ? st : mw_last_status();
    if (v && !(p->s = strdup(v))) return nomem();
    p->set = 1;
    return MW_OK;
}

mw_status mw_alert_set_set_double(mw_alert_set *set, int i, int k, double v)
{
    mw_status st = check_kind(set, k, MW_AK_REAL);
    mw_alert_prop *p = st == MW_OK ? prop_slot(set, i, k) : NULL;
    if (!p) return st != MW_OK ? st : mw_last_status();
    p->d = v;
    p->set = 1;
    return MW_OK;
}

mw_status mw_alert_set_set_int(mw_alert_set *set, int i, int k, int v)
{
    mw_status st = check_kind(set, k, MW_AK_INT);
    mw_alert_prop *p = st == MW_OK ? prop_slot(set, i, k) : NULL;
    if (!p) return st != MW_OK ? st : mw_last_status();
    p->i = v;
    p->set = 1;
    return MW_OK;
}

mw_status mw_alert_set_set_null(mw_alert_set *set, int i, int k)
{
    mw_alert_prop *p = prop_slot(set, i, k);
    if (!p) return mw_last_status();
    p->null = 1;
    p->set = 1;
    return MW_OK;
}

mw_status mw_alert_set_add_warning(mw_alert_set *set, const char *message)
{
    char **p = realloc(set->warnings, (size_t)(set->nwarnings + 1) * sizeof *p);
    if (!p) return nomem();
    set->warnings = p;
    if (!(p[set->nwarnings] = strdup(message ? message : ""))) return nomem();
    set->nwarnings++;
    return MW_OK;
}

void mw_alert_set_set_pixels(mw_alert_set *set, long long pixels) { set->pixels = pixels; }

/* The text scripts/bench parses: "<phase> <seconds> s" for each phase. */
static mw_status format_timings(mw_alert_set *set)
{
    const mw_scan_timings *t = &set->t;
    char *s = malloc(512);
    if (!s) return nomem();
    snprintf(s, 512,
             "wall: shift %.2f s, tiles %.2f s, merge %.3f s, sites %.2f s, write %.3f s; "
             "thread time: read+decode %.2f s, indices+change %.2f s, components+features %.2f s; "
             "decoded blocks: peak %.1f MiB, %lld blocks",
             t->shift, t->tiles, t->merge, t->sites, set->t_write, t->read, t->compute, t->site_threads,
             t->block_peak_mib, t->block_decodes);
    free(set->timings);
    set->timings = s;
    return MW_OK;
}

mw_status mw_alert_set_set_timings(mw_alert_set *set, const mw_scan_timings *t)
{
    set->t = *t;
    set->has_timings = 1;
    return format_timings(set);
}

void mw_alert_set_note_write_time(mw_alert_set *set, double seconds)
{
    set->t_write = seconds;
    if (set->has_timings) format_timings(set);
}

void mw_alert_set_set_threads(mw_alert_set *set, int threads) { set->threads = threads > 0 ? threads : 1; }

int mw_alert_set_threads(const mw_alert_set *set) { return set->threads; }

mw_status mw_alert_set_add_pending(mw_alert_set *set, mw_pending_output po)
{
    mw_pending_output *p = realloc(set->pending, (size_t)(set->npending + 1) * sizeof *p);
    if (!p) {
        po.abort(po.arg);
        return nomem();
    }
    set->pending = p;
    p[set->npending++] = po;
    return MW_OK;
}

mw_status mw_alert_set_commit_pending(mw_alert_set *set, const char *alert_file, const char *alert_path)
{
    mw_status first = MW_OK;
    for (int i = 0; i < set->npending; i++) {
        if (first != MW_OK) {
            set->pending[i].abort(set->pending[i].arg);
            continue;
        }
        first = set->pending[i].commit(set->pending[i].arg, alert_file, alert_path);
    }
    set->npending = 0;
    return first;
}

/* ---- public getters ---- */

int mw_alert_set_count(const mw_alert_set *set) { return set ? set->count : 0; }

const mw_alert *mw_alert_set_get(const mw_alert_set *set, int i)
{
    return set && i >= 0 && i < set->count ? &set->alerts[i] : NULL;
}

int mw_alert_set_property_count(const mw_alert_set *set) { return set ? mw_alert_fields_total(&set->meta) : 0; }

const char *mw_alert_set_property_name(const mw_alert_set *set, int k)
{
    return set && k >= 0 && k < mw_alert_fields_total(&set->meta) ? mw_alert_field_at(&set->meta, k)->name : NULL;
}

static mw_value_type value_type_of(mw_alert_kind kind)
{
    return kind == MW_AK_STRING ? MW_VALUE_STRING : kind == MW_AK_INT ? MW_VALUE_INT : MW_VALUE_DOUBLE;
}

mw_value_type mw_alert_set_property_type(const mw_alert_set *set, int k)
{
    if (!set || k < 0 || k >= mw_alert_fields_total(&set->meta)) return MW_VALUE_NONE;
    return value_type_of(mw_alert_field_at(&set->meta, k)->kind);
}

int mw_alert_set_property_decimals(const mw_alert_set *set, int k)
{
    if (mw_alert_set_property_type(set, k) != MW_VALUE_DOUBLE) return 0;
    return mw_alert_field_at(&set->meta, k)->decimals;
}

const char *mw_alert_set_metadata_json(const mw_alert_set *set) { return set ? set->metadata_json : NULL; }
long long mw_alert_set_pixels(const mw_alert_set *set) { return set ? set->pixels : 0; }

double mw_alert_set_area_ha(const mw_alert_set *set)
{
    double a = 0;
    for (int i = 0; set && i < set->count; i++) a += set->alerts[i].area_ha;
    return a;
}

int mw_alert_set_warning_count(const mw_alert_set *set) { return set ? set->nwarnings : 0; }

const char *mw_alert_set_warning(const mw_alert_set *set, int i)
{
    return set && i >= 0 && i < set->nwarnings ? set->warnings[i] : NULL;
}

const char *mw_alert_set_timings(const mw_alert_set *set) { return set ? set->timings : NULL; }

const char *mw_alert_id(const mw_alert *a) { return a ? a->id : ""; }

/* Property @p name of @p a: its index (-1 with the error set) and value. */
static int lookup(const mw_alert *a, const char *name, mw_alert_value *v)
{
    int k = a && a->set ? mw_alert_set_property_index(a->set, name) : -1;
    if (k < 0) {
        mw_error_set(MW_ERR_USAGE, "alert: no property '%s'", name ? name : "(null)");
        return -1;
    }
    mw_alert_field_value(a, &a->set->meta, k, v);
    return k;
}

static int is_null(const mw_alert_value *v)
{
    return v->kind == MW_AK_STRING ? !v->s : v->kind == MW_AK_INT ? v->null : !isfinite(v->d);
}

mw_value_type mw_alert_property_type(const mw_alert *a, const char *name)
{
    int k = a && a->set ? mw_alert_set_property_index(a->set, name) : -1;
    if (k < 0) return MW_VALUE_NONE;
    mw_alert_value v;
    mw_alert_field_value(a, &a->set->meta, k, &v);
    return is_null(&v) ? MW_VALUE_NULL : value_type_of(v.kind);
}

mw_status mw_alert_get_string(const mw_alert *a, const char *name, const char **out)
{
    mw_alert_value v;
    if (out) *out = NULL;
    if (!out || lookup(a, name, &v) < 0) return mw_error_set(MW_ERR_USAGE, "alert: no property '%s'", name ? name : "(null)");
    if (v.kind != MW_AK_STRING) return mw_error_set(MW_ERR_USAGE, "alert property '%s' is not a string", name);
    *out = v.s;
    return MW_OK;
}

mw_status mw_alert_get_double(const mw_alert *a, const char *name, double *out)
{
    mw_alert_value v;
    if (out) *out = NAN;
    if (!out || lookup(a, name, &v) < 0) return mw_error_set(MW_ERR_USAGE, "alert: no property '%s'", name ? name : "(null)");
    if (v.kind == MW_AK_STRING) return mw_error_set(MW_ERR_USAGE, "alert property '%s' is a string", name);
    *out = v.kind == MW_AK_INT ? (v.null ? NAN : (double)v.i) : v.d;
    return MW_OK;
}

mw_status mw_alert_get_int(const mw_alert *a, const char *name, long long *out)
{
    mw_alert_value v;
    if (out) *out = 0;
    if (!out || lookup(a, name, &v) < 0) return mw_error_set(MW_ERR_USAGE, "alert: no property '%s'", name ? name : "(null)");
    if (v.kind != MW_AK_INT) return mw_error_set(MW_ERR_USAGE, "alert property '%s' is not an integer", name);
    *out = v.i;
    return MW_OK;
}

mw_status mw_alert_geometry_wkb(const mw_alert *a, unsigned char **out, size_t *size)
{
    if (!out || !size) return mw_error_set(MW_ERR_USAGE, "mw_alert_geometry_wkb: NULL argument");
    *out = NULL;
    *size = 0;
    if (!a || !a->geometry) return mw_error_set(MW_ERR_USAGE, "alert %s has no geometry", a ? a->id : "(null)");
    size_t n = (size_t)OGR_G_WkbSize(a->geometry);
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) return nomem();
    if (OGR_G_ExportToIsoWkb(a->geometry, wkbNDR, buf) != OGRERR_NONE) {
        free(buf);
        return mw_error_set(MW_ERR_INTERNAL, "alert %s: cannot export its geometry as WKB", a->id);
    }
    *out = buf;
    *size = n;
    return MW_OK;
}

/** See mw_alert_set.h. */
struct mw_output_txn *mw_alert_set_pending_txn(const mw_alert_set *set)
{
    for (int i = 0; set && i < set->npending; i++)
        if (set->pending[i].txn) return set->pending[i].txn;
    return NULL;
}
