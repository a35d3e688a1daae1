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
 *  2. Every write is checked; the first failure's errno is kept and
 *     reported after a final fflush (a full disk often shows up only there).
 *  3. The file writer writes to "<dir>/.<name>.tmp-<pid>", fcloses (checked)
 *     and renames over @p path; on any failure the temporary is removed.
 */
#include "mw_alerts_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/mw_error.h"
#include "minewatch/minewatch.h"

typedef struct out {
    FILE *f;
    int err; /* errno of the first failed write, 0 if none */
} out;

static void put(out *o, const char *s)
{
    if (o->err) return;
    size_t n = strlen(s);
    if (n && fwrite(s, 1, n, o->f) != n) o->err = errno ? errno : EIO;
}

static void putn(out *o, const char *s, size_t n)
{
    if (o->err || !n) return;
    if (fwrite(s, 1, n, o->f) != n) o->err = errno ? errno : EIO;
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

static mw_status put_geometry(out *o, const char *what, const mw_alert *a)
{
    OGRGeometryH g = a->geometry;
    if (!g) {
        put(o, "null");
        return MW_OK;
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
        return mw_error_set(MW_ERR_INTERNAL, "%s: alert %s: geometry is a %s, not a polygon",
                            what, a->id, OGR_G_GetGeometryName(g));
    }
    return MW_OK;
}

static void put_properties(out *o, const mw_alert *a, const mw_alert_meta *meta)
{
    put(o, "{");
    for (int i = 0; i < mw_alert_field_count; i++) {
        const mw_alert_field *fd = &mw_alert_fields[i];
        mw_alert_value v;
        mw_alert_field_value(a, meta, i, &v);
        if (i) put(o, ", ");
        put(o, "\"");
        put(o, fd->name);
        put(o, "\": ");
        if (v.kind == MW_AK_STRING) {
            put_string(o, v.s);
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

/** See mw_alerts_internal.h. */
mw_status mw_geojson_write_stream(FILE *f, const char *what, const mw_alert *alerts,
                                  int count, const mw_alert_meta *meta)
{
    if (!what) what = "alerts";
    if (!f || count < 0 || (count > 0 && !alerts))
        return mw_error_set(MW_ERR_USAGE, "%s: invalid writer arguments", what);
    const char *params = meta && meta->parameters_json ? meta->parameters_json : "{}";
    json_object *pj = json_tokener_parse(params);
    int is_object = pj && json_object_is_type(pj, json_type_object);
    json_object_put(pj);
    if (!is_object)
        return mw_error_set(MW_ERR_USAGE, "%s: run parameters are not a JSON object", what);

    out o = {f, 0};
    errno = 0;
    put(&o, "{\n\"type\": \"FeatureCollection\",\n\"minewatch\": {\"version\": ");
    put_string(&o, meta && meta->version ? meta->version : mw_version());
    put(&o, ", \"before\": ");
    put_scene(&o, meta ? meta->before_path : NULL, meta ? meta->before_date : NULL,
              meta ? meta->before_sensor : NULL);
    put(&o, ", \"after\": ");
    put_scene(&o, meta ? meta->after_path : NULL, meta ? meta->after_date : NULL,
              meta ? meta->after_sensor : NULL);
    put(&o, ", \"model\": {\"name\": ");
    put_string(&o, meta ? meta->model_name : NULL);
    put(&o, ", \"path\": ");
    put_string(&o, meta ? meta->model_path : NULL);
    put(&o, "}, \"parameters\": ");
    put(&o, params);
    put(&o, "},\n\"features\": [");
    for (int i = 0; i < count && !o.err; i++) {
        const mw_alert *a = &alerts[i];
        put(&o, i ? ",\n" : "\n");
        put(&o, "{\"type\": \"Feature\", \"id\": ");
        put_string(&o, a->id);
        put(&o, ", \"geometry\": ");
        mw_status st = put_geometry(&o, what, a);
        if (st != MW_OK) return st;
        put(&o, ", \"properties\": ");
        put_properties(&o, a, meta);
        put(&o, "}");
    }
    put(&o, count ? "\n]\n}\n" : "]\n}\n");
    if (fflush(f) != 0 && !o.err) o.err = errno ? errno : EIO;
    if (!o.err && ferror(f)) o.err = EIO;
    if (o.err) return mw_error_set(MW_ERR_WRITE, "%s: %s", what, strerror(o.err));
    return MW_OK;
}

/** See mw_alerts_internal.h. */
mw_status mw_geojson_write_file(const char *path, const mw_alert *alerts, int count,
                                const mw_alert_meta *meta)
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
    st = mw_geojson_write_stream(f, path, alerts, count, meta);
    errno = 0;
    if (fclose(f) != 0 && st == MW_OK)
        st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno ? errno : EIO));
    if (st == MW_OK) st = mw_alerts_commit(tmp, path);
    else unlink(tmp);
    free(tmp);
    return st;
}
