/*
 * manifest.json: the provenance of the package. What ran (tool, source
 * commit, library versions, command line, UTC start and end, every
 * parameter), on what (each scene's product id, tile or path/row,
 * processing baseline, acquisition date-time from its metadata and every
 * file read with size and SHA-256; model, AOI and protected-area layers),
 * what came out (the alert file's SHA-256), and how the chips were drawn.
 */
#include "mw_evidence_internal.h"

#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <proj.h>
#include <tiffio.h>

#include "core/mw_error.h"
#include "io/mw_io.h"
#include "output/mw_source_commit.h"  /* generated (meson vcs_tag) */

#define STR(s) json_object_new_string((s) ? (s) : "")

static json_object *str_or_null(const char *s) { return s && *s ? json_object_new_string(s) : NULL; }

/* {"path", "size", "sha256"} of a hashed input; NULL + error if the hash failed. */
static json_object *file_entry(const mw_hasher *h, const char *path, mw_status *st)
{
    const mw_hash_item *it = mw_hasher_find(h, path);
    if (!it || !it->ok) {
        *st = mw_error_set(MW_ERR_READ, "%s", it ? it->err : "an input was not hashed");
        return NULL;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", STR(path));
    json_object_object_add(o, "size", json_object_new_int64(it->d.size));
    json_object_object_add(o, "sha256", json_object_new_string(it->d.hex));
    return o;
}

static json_object *layer(const mw_hasher *h, const char *path, mw_status *st)
{
    if (!path) return NULL;
    char **files = NULL;
    int n = mw_layer_files(path, &files);
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    json_object_object_add(o, "path", STR(path));
    for (int i = 0; i < n; i++) {
        if (*st == MW_OK) json_object_array_add(arr, file_entry(h, files[i], st));
        free(files[i]);
    }
    free(files);
    json_object_object_add(o, "files", arr);
    return o;
}

static json_object *scene(const mw_manifest_ctx *mc, int k, mw_status *st)
{
    const mw_scene *s = k ? mc->setup->after : mc->setup->before;
    const mw_provenance *p = mc->prov[k];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "role", STR(k ? "after" : "before"));
    json_object_object_add(o, "path", STR(mw_scene_path(s)));
    json_object_object_add(o, "layout", STR(mw_scene_layout(s)));
    json_object_object_add(o, "sensor", STR(mw_sensor_name(mw_scene_sensor(s))));
    json_object_object_add(o, "product_id", str_or_null(p->product_id));
    json_object_object_add(o, "spacecraft", str_or_null(p->spacecraft));
    json_object_object_add(o, mw_scene_sensor(s) == MW_SENSOR_LANDSAT ? "path_row" : "tile", str_or_null(p->tile));
    json_object_object_add(o, mw_scene_sensor(s) == MW_SENSOR_LANDSAT ? "collection" : "processing_baseline",
                           str_or_null(p->baseline));
    json_object_object_add(o, "acquisition_datetime", str_or_null(p->datetime));
    json_object_object_add(o, "metadata_source", str_or_null(p->metadata_file));
    json_object_object_add(o, "date", str_or_null(mw_scene_date(s)));
    json_object_object_add(o, "date_source", str_or_null(mw_scene_date_source(s)));
    json_object *bands = json_object_new_array();
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        if (!s->bands[r].present) continue;
        json_object *b = json_object_new_object();
        json_object_object_add(b, "role", STR(mw_band_role_name((mw_band_role)r)));
        json_object_object_add(b, "file", STR(s->bands[r].file));
        json_object_object_add(b, "band", json_object_new_int(s->bands[r].band));
        json_object_object_add(b, "scale", json_object_new_double(s->bands[r].scale));
        json_object_object_add(b, "offset", json_object_new_double(s->bands[r].offset));
        json_object_array_add(bands, b);
    }
    json_object_object_add(o, "bands", bands);
    json_object *files = json_object_new_array();
    for (int i = 0; i < p->nfiles && *st == MW_OK; i++) json_object_array_add(files, file_entry(mc->hasher, p->files[i], st));
    json_object_object_add(o, "files", files);
    return o;
}

static json_object *chips(void)
{
    json_object *o = json_object_new_object(), *st = json_object_new_object();
    static const char *const tc[3] = {"red", "green", "blue"}, *const sw[3] = {"swir2", "nir", "red"};
    for (int k = 0; k < 2; k++) {
        json_object *s = json_object_new_object(), *b = json_object_new_array();
        for (int i = 0; i < 3; i++) json_object_array_add(b, STR(k ? sw[i] : tc[i]));
        json_object_object_add(s, "bands", b);
        json_object_object_add(s, "reflectance_min", json_object_new_double(0));
        json_object_object_add(s, "reflectance_max", json_object_new_double(k ? MW_STRETCH_SWIR_MAX : MW_STRETCH_TRUE_MAX));
        json_object_object_add(s, "mapping", STR("linear to 0..255, clipped, no gamma; the same for every chip of every scan"));
        json_object_object_add(st, k ? "swir2_nir_red" : "true_colour", s);
    }
    json_object_object_add(o, "stretch", st);
    json_object_object_add(o, "size", STR("windows up to 128 px enlarged by a whole factor to about 256 px, "
                                          "129 to 384 px at their own size, larger ones reduced by a whole factor"));
    json_object_object_add(o, "resampling", STR("nearest neighbour (one image pixel is a square)"));
    json_object_object_add(o, "window", STR("the alert's pixel box plus a quarter of its size (at least 16 px) on each "
                                            "side, square, 64 to 768 target pixels, moved inside the grid where it fits"));
    json_object *cl = json_object_new_object();
    for (int c = 0; c < 7; c++) {
        uint8_t rgb[3];
        char hex[8];
        mw_class_colour(c, rgb);
        snprintf(hex, sizeof hex, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
        json_object_object_add(cl, mw_class_label(c), json_object_new_string(hex));
    }
    json_object_object_add(o, "change_colours", cl);
    return o;
}

static json_object *versions(void)
{
    json_object *o = json_object_new_object();
    char tiff[128];
    snprintf(tiff, sizeof tiff, "%s", TIFFGetVersion());
    char *nl = strchr(tiff, '\n');
    if (nl) *nl = '\0';
    json_object_object_add(o, "gdal", STR(GDALVersionInfo("RELEASE_NAME")));
    json_object_object_add(o, "proj", STR(proj_info().release));
    json_object_object_add(o, "libtiff", json_object_new_string(tiff));
    json_object_object_add(o, "json-c", STR(json_c_version()));
    json_object_object_add(o, "openssl", STR(OpenSSL_version(OPENSSL_VERSION)));
    return o;
}

static json_object *grid(const mw_grid *g)
{
    json_object *o = json_object_new_object(), *gt = json_object_new_array();
    for (int i = 0; i < 6; i++) json_object_array_add(gt, json_object_new_double(g->gt[i]));
    json_object_object_add(o, "width", json_object_new_int(g->width));
    json_object_object_add(o, "height", json_object_new_int(g->height));
    json_object_object_add(o, "geotransform", gt);
    json_object_object_add(o, "pixel_size_m", json_object_new_double(g->pixel_w_m));
    json_object_object_add(o, "crs_wkt", STR(g->crs_wkt));
    return o;
}

json_object *mw_evidence_manifest_make(const mw_manifest_ctx *mc, mw_status *status)
{
    const mw_evidence_scan *sc = mc->scan;
    mw_status st = MW_OK;
    json_object *m = json_object_new_object(), *tool = json_object_new_object();
    json_object_object_add(m, "format", STR("minewatch-evidence-1"));
    json_object_object_add(tool, "name", STR("minewatch"));
    json_object_object_add(tool, "version", STR(sc->meta->version));
    json_object_object_add(tool, "source_commit", STR(MW_SOURCE_COMMIT));
    json_object_object_add(m, "tool", tool);
    json_object_object_add(m, "libraries", versions());
    json_object_object_add(m, "command_line", str_or_null(mc->setup->command_line));
    json_object_object_add(m, "started_utc", STR(mc->started_utc));
    json_object *params = sc->parameters_json ? json_tokener_parse(sc->parameters_json) : NULL;
    if (!params) params = json_object_new_object();
    json_object_object_add(params, "threads", json_object_new_int(sc->threads));
    json_object_object_add(params, "tile_size", json_object_new_int(sc->tile_size));
    json_object_object_add(m, "parameters", params);
    json_object *model = json_object_new_object();
    json_object_object_add(model, "name", STR(sc->meta->model_name));
    json_object *mf = layer(mc->hasher, mc->setup->model_path, &st);
    json_object *mfiles = NULL;
    if (mf && json_object_object_get_ex(mf, "files", &mfiles) && json_object_array_length(mfiles) > 0) {
        json_object *e = json_object_array_get_idx(mfiles, 0), *v;
        json_object_object_add(model, "path", STR(mc->setup->model_path));
        if (json_object_object_get_ex(e, "sha256", &v)) json_object_object_add(model, "sha256", json_object_get(v));
        if (json_object_object_get_ex(e, "size", &v)) json_object_object_add(model, "size", json_object_get(v));
    }
    json_object_put(mf);
    json_object_object_add(m, "model", model);
    json_object *scenes = json_object_new_array();
    for (int k = 0; k < 2; k++) json_object_array_add(scenes, scene(mc, k, &st));
    json_object_object_add(m, "scenes", scenes);
    json_object_object_add(m, "aoi", layer(mc->hasher, mc->setup->aoi, &st));
    json_object_object_add(m, "protected_areas", layer(mc->hasher, mc->setup->protected_areas, &st));
    json_object_object_add(m, "target_grid", grid(sc->grid));
    json_object_object_add(m, "chips", chips());
    json_object *h = json_object_new_object();
    json_object_object_add(h, "algorithm", STR("SHA-256"));
    json_object_object_add(h, "inputs_hashed_during_scan_s", json_object_new_double(mc->hash_seconds));
    json_object_object_add(h, "package", STR("SHA256SUMS lists every file of the package but itself"));
    json_object_object_add(m, "hashing", h);
    json_object_object_add(m, "alert_count", json_object_new_int(sc->nalerts));
    *status = st;
    if (st != MW_OK) {
        json_object_put(m);
        return NULL;
    }
    return m;
}

mw_status mw_evidence_manifest_finish(json_object *m, const char *alert_path, const mw_digest *alerts,
                                      const char *finished_utc, const char *path)
{
    mw_status st = MW_OK;
    json_object_object_add(m, "finished_utc", STR(finished_utc));
    json_object *al = json_object_new_object();
    json_object_object_add(al, "path", STR(alert_path));
    json_object_object_add(al, "size", json_object_new_int64(alerts->size));
    json_object_object_add(al, "sha256", json_object_new_string(alerts->hex));
    json_object_object_add(m, "alerts", al);
    {
        const char *txt = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t n = strlen(txt);
        char *out = malloc(n + 2);
        if (!out) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        else {
            memcpy(out, txt, n);
            out[n] = '\n';
            st = mw_evidence_write_file(path, out, n + 1);
            free(out);
        }
    }
    return st;
}
