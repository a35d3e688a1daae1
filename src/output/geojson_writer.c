/*
 * Our own RFC 7946 GeoJSON writer.
 *
 * Why not GDAL's driver: GDAL 3.6 cannot write a FeatureCollection-level
 * foreign member (the `minewatch` run description), and we want the bytes
 * to be a pure function of the alerts: fixed member order, fixed number
 * formatting (coordinates 7 decimals, ~1 cm; trailing zeros trimmed; never
 * "-0"; NaN -> null), one Feature per line.
 *
 * General Plan:
 *  1. The stream writer emits "type", the "minewatch" member (version, both
 *     scenes, model, parameters verbatim after checking they are a JSON
 *     object), then "features", every Feature with "id" equal to
 *     properties.id and properties in the order of mw_alert_fields.
 *  2. Each Feature's text is built in memory, one buffer per feature, by
 *     the threads (features in batches of FEATURE_BATCH, so memory stays a
 *     batch of features, not the file), then written in the alerts' order
 *     by the calling thread: the bytes do not depend on the thread count.
 *     Formatting the numbers (printf's exact decimal conversion) is most of
 *     the writer's time, and on a full tile the writer was the one serial
 *     pass left after the site pass.
 *  3. Every write is checked; the first failure's errno is kept and
 *     reported after a final fflush (a full disk often shows up only there).
 *     A bad geometry is reported for the first such alert in file order,
 *     whatever thread formatted it.
 *  4. The file writer writes to "<dir>/.<name>.tmp-<pid>", fcloses (checked)
 *     and renames over @p path; on any failure the temporary is removed.
 */
#include "mw_output_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <omp.h>

#include "core/mw_error.h"
#include "minewatch/minewatch.h"

/* Text under construction in memory; err is ENOMEM once an append failed. */
typedef struct out {
    char *buf;
    size_t len, cap;
    int err;
} out;

static void putn(out *o, const char *s, size_t n)
{
    if (o->err || !n) return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n) cap *= 2;
        char *p = realloc(o->buf, cap);
        if (!p) {
            o->err = ENOMEM;
            return;
        }
        o->buf = p;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put(out *o, const char *s) { putn(o, s, strlen(s)); }

/* Write @p o's text to @p f; *err keeps the errno of the first failure. */
static void flush_out(FILE *f, const out *o, int *err)
{
    if (*err) return;
    if (o->err) *err = o->err;
    else if (o->len && fwrite(o->buf, 1, o->len, f) != o->len) *err = errno ? errno : EIO;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    int n;
    unsigned min;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) n = 2, min = 0x80;
    else if ((c & 0xF0) == 0xE0) n = 3, min = 0x800;
    else if ((c & 0xF8) == 0xF0) n = 4, min = 0x10000;
    else return 0;
    unsigned cp = c & (0xFF >> (n + 1));
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* A JSON string: quotes, backslashes and control characters escaped, valid
 * UTF-8 passed through, invalid bytes replaced by U+FFFD; NULL -> null. */
static void put_string(out *o, const char *s)
{
    if (!s) {
        put(o, "null");
        return;
    }
    put(o, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !o->err) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
        putn(o, (const char *)run, (size_t)(p - run));
        if (!*p) break;
        char esc[8];
        if (*p == '"') put(o, "\\\""), p++;
        else if (*p == '\\') put(o, "\\\\"), p++;
        else if (*p == '\n') put(o, "\\n"), p++;
        else if (*p == '\r') put(o, "\\r"), p++;
        else if (*p == '\t') put(o, "\\t"), p++;
        else if (*p == '\b') put(o, "\\b"), p++;
        else if (*p == '\f') put(o, "\\f"), p++;
        else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(o, esc);
            p++;
        } else {
            int n = utf8_len(p);
            if (n) {
                putn(o, (const char *)p, (size_t)n);
                p += n;
            } else {
                put(o, "\\ufffd");
                p++;
            }
        }
    }
    put(o, "\"");
}

static void put_number(out *o, double v, int decimals)
{
    char buf[64];
    mw_format_number(v, decimals, buf, sizeof buf);
    put(o, buf);
}

static void put_scene(out *o, const char *path, const char *date, const char *sensor)
{
    put(o, "{\"path\": ");
    put_string(o, path);
    put(o, ", \"date\": ");
    put_string(o, date);
    put(o, ", \"sensor\": ");
    put_string(o, sensor);
    put(o, "}");
}

/* The `minewatch` member's object; @p params is a checked JSON object text. */
static void put_meta(out *o, const mw_alert_meta *meta, const char *params)
{
    put(o, "{\"version\": ");
    put_string(o, meta && meta->version ? meta->version : mw_version());
    put(o, ", \"before\": ");
    put_scene(o, meta ? meta->before_path : NULL, meta ? meta->before_date : NULL,
              meta ? meta->before_sensor : NULL);
    put(o, ", \"after\": ");
    put_scene(o, meta ? meta->after_path : NULL, meta ? meta->after_date : NULL,
              meta ? meta->after_sensor : NULL);
    put(o, ", \"model\": {\"name\": ");
    put_string(o, meta ? meta->model_name : NULL);
    put(o, ", \"path\": ");
    put_string(o, meta ? meta->model_path : NULL);
    put(o, "}, \"parameters\": ");
    put(o, params);
    put(o, "}");
}

static void put_ring(out *o, OGRGeometryH ring)
{
    int n = OGR_G_GetPointCount(ring);
    put(o, "[");
    for (int i = 0; i < n; i++) {
        put(o, i ? ", [" : "[");
        put_number(o, OGR_G_GetX(ring, i), 7);
        put(o, ", ");
        put_number(o, OGR_G_GetY(ring, i), 7);
        put(o, "]");
    }
    put(o, "]");
}

static void put_polygon_coords(out *o, OGRGeometryH poly)
{
    int nr = OGR_G_GetGeometryCount(poly);
    put(o, "[");
    for (int r = 0; r < nr; r++) {
        if (r) put(o, ", ");
        put_ring(o, OGR_G_GetGeometryRef(poly, r));
    }
    put(o, "]");
}

/* 0 if the geometry is neither a Polygon nor a MultiPolygon (nothing written). */
static int put_geometry(out *o, OGRGeometryH g)
{
    if (!g) {
        put(o, "null");
        return 1;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon) {
        put(o, "{\"type\": \"Polygon\", \"coordinates\": ");
        put_polygon_coords(o, g);
        put(o, "}");
    } else if (t == wkbMultiPolygon) {
        int np = OGR_G_GetGeometryCount(g);
        put(o, "{\"type\": \"MultiPolygon\", \"coordinates\": [");
        for (int i = 0; i < np; i++) {
            if (i) put(o, ", ");
            put_polygon_coords(o, OGR_G_GetGeometryRef(g, i));
        }
        put(o, "]}");
    } else {
        return 0;
    }
    return 1;
}

static void put_properties(out *o, const mw_alert *a, const mw_alert_meta *meta)
{
    put(o, "{");
    const int nfields = mw_alert_fields_total(meta);
    for (int i = 0; i < nfields; i++) {
        const mw_alert_field *fd = mw_alert_field_at(meta, i);
        mw_alert_value v;
        mw_alert_field_value(a, meta, i, &v);
        if (i) put(o, ", ");
        put(o, "\"");
        put(o, fd->name);
        put(o, "\": ");
        if (v.kind == MW_AK_STRING) {
            put_string(o, v.s);
        } else if (v.kind == MW_AK_INT && v.null) {
            put(o, "null");
        } else if (v.kind == MW_AK_INT) {
            char buf[24];
            snprintf(buf, sizeof buf, "%d", v.i);
            put(o, buf);
        } else {
            put_number(o, v.d, fd->decimals);
        }
    }
    put(o, "}");
}

/* Feature @p i (its separator included) into @p o; 0 if its geometry is not a polygon. */
static int put_feature(out *o, const mw_alert *a, int i, const mw_alert_meta *meta)
{
    put(o, i ? ",\n" : "\n");
    put(o, "{\"type\": \"Feature\", \"id\": ");
    put_string(o, a->id);
    put(o, ", \"geometry\": ");
    if (!put_geometry(o, a->geometry)) return 0;
    put(o, ", \"properties\": ");
    put_properties(o, a, meta);
    put(o, "}");
    return 1;
}

/* The run parameters of @p meta ("{}" when none), or NULL when they are
 * not a JSON object (written verbatim, so checked first). */
static const char *checked_params(const mw_alert_meta *meta)
{
    const char *params = meta && meta->parameters_json ? meta->parameters_json : "{}";
    json_object *pj = json_tokener_parse(params);
    int is_object = pj && json_object_is_type(pj, json_type_object);
    json_object_put(pj);
    return is_object ? params : NULL;
}

/* Features formatted per parallel loop: a few MB of text at most, and
 * enough work per loop for the threads (a full tile has ~1000 features). */
enum { FEATURE_BATCH = 128 };

/** See mw_output_internal.h. */
mw_status mw_geojson_write_stream(FILE *f, const char *what, const mw_alert *alerts,
                                  int count, const mw_alert_meta *meta, int threads)
{
    if (!what) what = "alerts";
    if (!f || count < 0 || (count > 0 && !alerts))
        return mw_error_set(MW_ERR_USAGE, "%s: invalid writer arguments", what);
    const char *params = checked_params(meta);
    if (!params) return mw_error_set(MW_ERR_USAGE, "%s: run parameters are not a JSON object", what);
    if (threads < 1) threads = 1;

    int nbuf = count < FEATURE_BATCH ? count : FEATURE_BATCH;
    out head = {0};
    out *fb = nbuf ? calloc((size_t)nbuf, sizeof *fb) : NULL;
    int *ok = nbuf ? malloc((size_t)nbuf * sizeof *ok) : NULL;
    if (nbuf && (!fb || !ok)) {
        free(fb);
        free(ok);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", what);
    }
    int err = 0;
    mw_status st = MW_OK;
    errno = 0;
    put(&head, "{\n\"type\": \"FeatureCollection\",\n\"minewatch\": ");
    put_meta(&head, meta, params);
    put(&head, ",\n\"features\": [");
    flush_out(f, &head, &err);
    for (int b0 = 0; b0 < count && !err && st == MW_OK; b0 += FEATURE_BATCH) {
        int nb = count - b0 < FEATURE_BATCH ? count - b0 : FEATURE_BATCH;
        /* Distinct buffers per feature; OGR geometries are only read. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1 && nb > 1)
        for (int k = 0; k < nb; k++) {
            fb[k].len = 0;
            fb[k].err = 0;
            ok[k] = put_feature(&fb[k], &alerts[b0 + k], b0 + k, meta);
        }
        for (int k = 0; k < nb && !err; k++) {
            if (!ok[k]) {
                const mw_alert *a = &alerts[b0 + k];
                st = mw_error_set(MW_ERR_INTERNAL, "%s: alert %s: geometry is a %s, not a polygon",
                                  what, a->id, OGR_G_GetGeometryName(a->geometry));
                break;
            }
            flush_out(f, &fb[k], &err);
        }
    }
    if (st == MW_OK) {
        head.len = 0;
        put(&head, count ? "\n]\n}\n" : "]\n}\n");
        flush_out(f, &head, &err);
    }
    free(head.buf);
    for (int k = 0; k < nbuf; k++) free(fb[k].buf);
    free(fb);
    free(ok);
    if (st != MW_OK) return st;
    if (fflush(f) != 0 && !err) err = errno ? errno : EIO;
    if (!err && ferror(f)) err = EIO;
    if (err == ENOMEM) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", what);
    if (err) return mw_error_set(MW_ERR_WRITE, "%s: %s", what, strerror(err));
    return MW_OK;
}

/** See mw_output_internal.h. */
mw_status mw_geojson_write_file(const char *path, const mw_alert *alerts, int count,
                                const mw_alert_meta *meta, int threads)
{
    char *tmp = NULL;
    mw_status st = mw_alerts_temp_name(path, NULL, &tmp);
    if (st != MW_OK) return st;
    errno = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno ? errno : EIO));
        free(tmp);
        return st;
    }
    st = mw_geojson_write_stream(f, path, alerts, count, meta, threads);
    errno = 0;
    if (fclose(f) != 0 && st == MW_OK)
        st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno ? errno : EIO));
    if (st == MW_OK) st = mw_alerts_commit(tmp, path);
    else unlink(tmp);
    free(tmp);
    return st;
}

/** See mw_output_internal.h. */
mw_status mw_geojson_write_memory(const mw_alert *alerts, int count, const mw_alert_meta *meta,
                                  int threads, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return mw_error_set(MW_ERR_NOMEM, "alerts: out of memory");
    mw_status st = mw_geojson_write_stream(f, "alerts", alerts, count, meta, threads);
    if (fclose(f) != 0 && st == MW_OK) st = mw_error_set(MW_ERR_NOMEM, "alerts: out of memory");
    if (st != MW_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    *len = n;
    return MW_OK;
}

/* Hand the text of @p o to the caller, or fail with its error. */
static mw_status take_text(out *o, const char *what, char **text)
{
    putn(o, "", 1);  /* the terminating NUL */
    if (o->err) {
        free(o->buf);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", what);
    }
    *text = o->buf;
    return MW_OK;
}

/** See mw_output_internal.h. */
mw_status mw_geojson_metadata_text(const mw_alert_meta *meta, char **text)
{
    *text = NULL;
    const char *params = checked_params(meta);
    if (!params) return mw_error_set(MW_ERR_USAGE, "alerts: run parameters are not a JSON object");
    out o = {0};
    put_meta(&o, meta, params);
    return take_text(&o, "alerts", text);
}

/** See mw_output_internal.h. */
mw_status mw_geojson_geometry_text(OGRGeometryH g, char **text)
{
    *text = NULL;
    out o = {0};
    if (!put_geometry(&o, g)) {
        free(o.buf);
        return mw_error_set(MW_ERR_INTERNAL, "alert geometry is a %s, not a polygon", OGR_G_GetGeometryName(g));
    }
    return take_text(&o, "alert geometry", text);
}
