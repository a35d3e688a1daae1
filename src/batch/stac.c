/*
 * STAC Item / ItemCollection -> scenes -> pairs.
 *
 * Each item of a Sentinel-2 L2A or Landsat Collection 2 Level-2 collection
 * (Element 84 Earth Search and Microsoft Planetary Computer asset keys)
 * becomes a band folder in memory, /vsimem/stac/<item id>/, holding one VRT
 * per band named as the io layer's band-folder path expects (B02.vrt ...
 * SCL.vrt, SR_B2.vrt ... QA_PIXEL.vrt), each pointing at the asset's href
 * and carrying the reflectance scale and offset as GDAL band scale/offset
 * (which the io layer believes over its own rules):
 *   - the asset's raster:bands scale/offset where given;
 *   - else Sentinel-2: DN/10000 with the BOA offset of -0.1 (-1000 DN) from
 *     processing baseline 04.00 (s2:processing_baseline), unless
 *     earthsearch:boa_offset_applied says it is already removed; without a
 *     baseline, by date (from 2022-01-25); Landsat: 2.75e-5 and -0.2.
 * Hrefs: relative to the JSON's own location, absolute paths, file://,
 * http(s):// (read through /vsicurl/), s3:// (/vsis3/), or /vsi... as is.
 * Items are paired by tile (grid:code, s2:mgrs_tile, mgrs:*, or the WRS
 * path/row landsat:wrs_path/row) and date, as a folder is (pairing.c).
 */
#include "mw_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_vsi.h>
#include <gdal.h>
#include <json-c/json.h>

#include "core/mw_error.h"

typedef struct band_keys {
    const char *file;               /* VRT name in the scene folder */
    int reflectance;
    const char *keys[6];            /* asset keys, preferred first */
} band_keys;

static const band_keys s2_bands[] = {
    {"B02", 1, {"blue", "B02", "b02", NULL}},      {"B03", 1, {"green", "B03", "b03", NULL}},
    {"B04", 1, {"red", "B04", "b04", NULL}},       {"B08", 1, {"nir", "B08", "b08", NULL}},
    {"B11", 1, {"swir16", "B11", "b11", NULL}},    {"B12", 1, {"swir22", "B12", "b12", NULL}},
    {"SCL", 0, {"scl", "SCL", NULL}},              {NULL, 0, {NULL}}};

static const band_keys landsat_bands[] = {
    {"SR_B2", 1, {"blue", "SR_B2", "sr_b2", NULL}},     {"SR_B3", 1, {"green", "SR_B3", "sr_b3", NULL}},
    {"SR_B4", 1, {"red", "SR_B4", "sr_b4", NULL}},      {"SR_B5", 1, {"nir08", "nir", "SR_B5", "sr_b5", NULL}},
    {"SR_B6", 1, {"swir16", "SR_B6", "sr_b6", NULL}},   {"SR_B7", 1, {"swir22", "SR_B7", "sr_b7", NULL}},
    {"QA_PIXEL", 0, {"qa_pixel", "QA_PIXEL", "qa", NULL}}, {NULL, 0, {NULL}}};

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_s(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int get_d(json_object *o, const char *key, double *out)
{
    json_object *v = get(o, key);
    if (!v || !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) return 0;
    *out = json_object_get_double(v);
    return 1;
}

/* A GDAL path for an href of the item found at @p base_dir. */
static char *resolve_href(const char *base_dir, const char *href)
{
    if (!strncmp(href, "/vsi", 4) || href[0] == '/') return strdup(href);
    if (!strncmp(href, "file://", 7)) return strdup(href + 7);
    char *p = NULL;
    if (!strncmp(href, "http://", 7) || !strncmp(href, "https://", 8)) {
        p = malloc(strlen(href) + 10);
        if (p) sprintf(p, "/vsicurl/%s", href);
    } else if (!strncmp(href, "s3://", 5)) {
        p = malloc(strlen(href) + 10);
        if (p) sprintf(p, "/vsis3/%s", href + 5);
    } else p = mw_batch_join(base_dir, href);
    return p;
}

/* Sensor from the collection id, then the platform. */
static mw_sensor item_sensor(json_object *item)
{
    const char *c = get_s(item, "collection"), *p = get_s(get(item, "properties"), "platform");
    const char *s[2] = {c, p};
    for (int i = 0; i < 2; i++) {
        if (!s[i]) continue;
        if (strstr(s[i], "sentinel-2") || strstr(s[i], "Sentinel-2") || strstr(s[i], "sentinel2")) return MW_SENSOR_SENTINEL2;
        if (strstr(s[i], "landsat") || strstr(s[i], "LANDSAT") || strstr(s[i], "Landsat")) return MW_SENSOR_LANDSAT;
    }
    return MW_SENSOR_AUTO;
}

static char *item_key(json_object *item, mw_sensor sensor)
{
    json_object *pr = get(item, "properties");
    char buf[32];
    const char *s;
    double zone;
    if (sensor == MW_SENSOR_LANDSAT) {
        const char *path = get_s(pr, "landsat:wrs_path"), *row = get_s(pr, "landsat:wrs_row");
        if (path && row) {
            snprintf(buf, sizeof buf, "WRS%03d%03d", atoi(path), atoi(row));
            return strdup(buf);
        }
    } else {
        if ((s = get_s(pr, "grid:code")) && !strncmp(s, "MGRS-", 5) && strlen(s) == 10) {
            snprintf(buf, sizeof buf, "T%s", s + 5);
            return strdup(buf);
        }
        if ((s = get_s(pr, "s2:mgrs_tile")) && strlen(s) == 5) {
            snprintf(buf, sizeof buf, "T%s", s);
            return strdup(buf);
        }
        const char *lb = get_s(pr, "mgrs:latitude_band"), *sq = get_s(pr, "mgrs:grid_square");
        if (get_d(pr, "mgrs:utm_zone", &zone) && lb && sq) {
            snprintf(buf, sizeof buf, "T%02d%s%s", (int)zone, lb, sq);
            return strdup(buf);
        }
    }
    return mw_batch_key_from_name(get_s(item, "id"));
}

/* Sentinel-2 BOA offset (reflectance units) when raster:bands does not say. */
static double s2_default_offset(json_object *pr, const char *date)
{
    json_object *applied = get(pr, "earthsearch:boa_offset_applied");
    if (applied && json_object_get_boolean(applied)) return 0.0;
    const char *pb = get_s(pr, "s2:processing_baseline");
    if (pb) return atof(pb) >= 4.0 - 1e-9 ? -0.1 : 0.0;
    return strcmp(date, "2022-01-25") >= 0 ? -0.1 : 0.0;
}

typedef struct item_ctx {
    json_object *item;
    mw_sensor sensor;
    const char *base_dir, *date;
    char *folder;
    mw_batch_scene *scene;
} item_ctx;

/* One band VRT in the item's folder. */
static mw_status write_band(item_ctx *c, const band_keys *b, json_object *asset)
{
    const char *href = get_s(asset, "href");
    if (!href) return mw_error_set(MW_ERR_METADATA, "%s: asset for %s has no href", get_s(c->item, "id"), b->file);
    char *src = resolve_href(c->base_dir, href);
    char name[64];
    snprintf(name, sizeof name, "%s.vrt", b->file);
    char *dst = mw_batch_join(c->folder, name);
    if (!src || !dst) return free(src), free(dst), mw_error_set(MW_ERR_NOMEM, "out of memory");
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    mw_status st = MW_OK;
    GDALDatasetH out = in ? GDALCreateCopy(GDALGetDriverByName("VRT"), dst, in, FALSE, NULL, NULL, NULL) : NULL;
    if (!in || !out) st = mw_error_from_gdal(MW_ERR_OPEN, src, "cannot open the asset");
    json_object *rbs = get(asset, "raster:bands"), *rb = NULL;
    if (rbs && json_object_is_type(rbs, json_type_array) && json_object_array_length(rbs) > 0)
        rb = json_object_array_get_idx(rbs, 0);
    double nodata, scale, offset;
    if (out) {
        GDALRasterBandH band = GDALGetRasterBand(out, 1);
        if (get_d(rb, "nodata", &nodata) || (b->reflectance && (nodata = 0, 1))) GDALSetRasterNoDataValue(band, nodata);
        if (b->reflectance) {
            int lsat = c->sensor == MW_SENSOR_LANDSAT;
            if (!get_d(rb, "scale", &scale)) scale = lsat ? 2.75e-5 : 1e-4;
            if (!get_d(rb, "offset", &offset))
                offset = lsat ? -0.2 : s2_default_offset(get(c->item, "properties"), c->date);
            GDALSetRasterScale(band, scale);
            GDALSetRasterOffset(band, offset);
        }
        GDALClose(out);
    }
    if (in) GDALClose(in);
    if (st == MW_OK) {
        char **x = realloc(c->scene->extra_files, (size_t)(c->scene->nextra + 1) * sizeof *x);
        if (!x) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        else (c->scene->extra_files = x)[c->scene->nextra++] = src, src = NULL;
    }
    free(src);
    free(dst);
    return st;
}

static mw_status build_item(item_ctx *c)
{
    const band_keys *bands = c->sensor == MW_SENSOR_LANDSAT ? landsat_bands : s2_bands;
    json_object *assets = get(c->item, "assets");
    mw_status st = MW_OK;
    for (int i = 0; bands[i].file && st == MW_OK; i++) {
        json_object *a = NULL;
        for (int k = 0; bands[i].keys[k] && !a; k++) a = get(assets, bands[i].keys[k]);
        if (a) st = write_band(c, &bands[i], a);
    }
    return st;
}

/* Item -> scene (folder in /vsimem), or a scene with the reason it is unusable. */
static void item_scene(json_object *item, const char *base_dir, mw_batch_scene *s)
{
    const char *id = get_s(item, "id");
    json_object *pr = get(item, "properties");
    const char *dt = get_s(pr, "datetime");
    if (!dt) dt = get_s(pr, "start_datetime");
    char safe[200];
    snprintf(safe, sizeof safe, "%s", id ? id : "item");
    mw_batch_sanitize_id(safe);
    s->path = mw_batch_join("/vsimem/stac", safe);
    s->sensor = item_sensor(item);
    if (!id || !dt || strlen(dt) < 10) {
        s->reason = strdup("a STAC item without id or datetime");
        return;
    }
    snprintf(s->date, sizeof s->date, "%.4s%.2s%.2s", dt, dt + 5, dt + 8);
    s->date_iso = strndup(dt, 10);
    if (s->sensor == MW_SENSOR_AUTO) {
        s->reason = strdup("not a Sentinel-2 L2A or Landsat C2 L2 item (collection / platform)");
        return;
    }
    s->key = item_key(item, s->sensor);
    if (!s->key) s->key = strdup("stac");
    item_ctx c = {.item = item, .sensor = s->sensor, .base_dir = base_dir, .date = s->date_iso,
                  .folder = s->path, .scene = s};
    VSIMkdir(s->path, 0777);
    if (build_item(&c) != MW_OK) s->reason = strdup(mw_last_error());
}

static json_object *read_json(const char *path)
{
    GByte *data = NULL;
    vsi_l_offset len = 0;
    if (!VSIIngestFile(NULL, path, &data, &len, 64 << 20)) return NULL;
    json_object *o = json_tokener_parse((const char *)data);
    VSIFree(data);
    return o;
}

mw_status mw_batch_plan_from_stac(const char *path, const mw_batch_plan_args *args, mw_batch_plan *plan)
{
    json_object *root = read_json(path);
    if (!root) return mw_error_set(MW_ERR_OPEN, "%s: cannot read it as JSON", path);
    const char *type = get_s(root, "type");
    json_object *feats = get(root, "features");
    int n = type && !strcmp(type, "Feature") ? 1 : feats && json_object_is_type(feats, json_type_array)
                                                     ? (int)json_object_array_length(feats) : -1;
    mw_status st = MW_OK;
    if (n < 0) st = mw_error_set(MW_ERR_USAGE, "%s: not a STAC Item or ItemCollection", path);
    mw_batch_scene *scenes = n > 0 ? calloc((size_t)n, sizeof *scenes) : NULL;
    if (n > 0 && !scenes) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    char *dir = mw_batch_dirname(path);
    for (int i = 0; st == MW_OK && i < n; i++)
        item_scene(n == 1 && !feats ? root : json_object_array_get_idx(feats, (size_t)i), dir, &scenes[i]);
    if (st == MW_OK) st = mw_batch_pair_scenes(scenes, n, args->pairing_first, plan);
    for (int i = 0; scenes && i < n; i++) mw_batch_scene_clear(&scenes[i]);
    free(scenes);
    free(dir);
    json_object_put(root);
    return st;
}
