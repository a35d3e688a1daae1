/*
 * `minewatch info SCENE [--json] [--sensor S] [--band-map M] [--date D]`:
 * open a scene the way `scan` would and print what was found (sensor,
 * layout, date and its source, CRS, grid, mask, bands with their scaling)
 * as text or as one JSON object. Exit 0 ok, 1 the scene cannot be used,
 * 2 usage error.
 */
#include "cli/mw_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <json-c/json.h>
#include <ogr_srs_api.h>

#include "minewatch/minewatch.h"

const char mw_cli_info_help[] =
    "Usage: minewatch info SCENE [--json] [--sensor S] [--band-map M] [--date D]\n"
    "\n"
    "Open SCENE (multiband raster, band folder, Sentinel-2 .SAFE or .zip, Landsat\n"
    "C2 L2 folder) the way scan would and print its sensor, layout, date, grid,\n"
    "mask and bands.\n"
    "\n"
    "Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
    "  --json          print one JSON object instead of text\n"
    "  --sensor S      auto (default: from names and metadata), sentinel2,\n"
    "                  landsat, generic\n"
    "  --band-map M    roles of a multiband raster's bands, e.g.\n"
    "                  blue=1,green=2,red=3,nir=4,swir1=5,swir2=6,mask=7\n"
    "  --date D        acquisition date, overrides metadata and file names\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 success, 1 the scene cannot be used, 2 usage error.\n";

enum { OPT_JSON = 1, OPT_SENSOR, OPT_BAND_MAP, OPT_DATE };

static const mw_cli_option info_options[] = {
    {"--json", 0, 0, OPT_JSON},
    {"--sensor", 0, 1, OPT_SENSOR},
    {"--band-map", 0, 1, OPT_BAND_MAP},
    {"--date", 0, 1, OPT_DATE},
};

/* Lon/lat bounds (west, south, east, north) of the scene, 1 on success. */
static int lonlat_bounds(const mw_scene *scene, double out[4])
{
    const char *wkt = mw_scene_crs_wkt(scene);
    if (!wkt) return 0;
    double gt[6];
    mw_scene_geotransform(scene, gt);
    double x0 = gt[0], x1 = gt[0] + mw_scene_width(scene) * gt[1];
    double y0 = gt[3], y1 = gt[3] + mw_scene_height(scene) * gt[5];
    OGRSpatialReferenceH src = OSRNewSpatialReference(wkt), dst = OSRNewSpatialReference(NULL);
    int ok = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    if (src && dst && OSRImportFromEPSG(dst, 4326) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
        if (ct) {
            ok = OCTTransformBounds(ct, fmin(x0, x1), fmin(y0, y1), fmax(x0, x1), fmax(y0, y1), &out[0],
                                    &out[1], &out[2], &out[3], 21);
            OCTDestroyCoordinateTransformation(ct);
        }
    }
    CPLPopErrorHandler();
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    return ok;
}

static void scene_extent(const mw_scene *scene, double e[4])
{
    double gt[6];
    mw_scene_geotransform(scene, gt);
    double x0 = gt[0], x1 = gt[0] + mw_scene_width(scene) * gt[1];
    double y0 = gt[3], y1 = gt[3] + mw_scene_height(scene) * gt[5];
    e[0] = fmin(x0, x1);
    e[1] = fmin(y0, y1);
    e[2] = fmax(x0, x1);
    e[3] = fmax(y0, y1);
}

static json_object *jdouble(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.10g", v);
    return json_object_new_double_s(v, buf);
}

/* A JSON string from any bytes: paths and layer text may be no UTF-8, and
 * json-c copies bytes as they are (invalid JSON); NULL gives null. */
static json_object *jstr(const char *s)
{
    char *u = mw_utf8_repair(s, NULL);
    json_object *j = u ? json_object_new_string(u) : NULL;
    mw_free(u);
    return j;
}

static json_object *jstr_or_null(const char *s) { return s ? jstr(s) : NULL; }

static void print_json(const mw_scene *scene)
{
    json_object *o = json_object_new_object();
    double gt[6], e[4], ll[4];
    mw_scene_geotransform(scene, gt);
    scene_extent(scene, e);
    int epsg = mw_scene_epsg(scene);

    json_object_object_add(o, "path", jstr(mw_scene_path(scene)));
    json_object_object_add(o, "sensor", json_object_new_string(mw_sensor_name(mw_scene_sensor(scene))));
    json_object_object_add(o, "layout", jstr_or_null(mw_scene_layout(scene)));
    json_object_object_add(o, "date", jstr_or_null(mw_scene_date(scene)));
    json_object_object_add(o, "date_source", jstr_or_null(mw_scene_date_source(scene)));
    json_object_object_add(o, "epsg", epsg ? json_object_new_int(epsg) : NULL);
    char crs[32] = "custom";
    if (epsg) snprintf(crs, sizeof crs, "EPSG:%d", epsg);
    json_object_object_add(o, "crs", jstr(crs));
    json_object_object_add(o, "crs_wkt", jstr_or_null(mw_scene_crs_wkt(scene)));
    json_object_object_add(o, "width", json_object_new_int(mw_scene_width(scene)));
    json_object_object_add(o, "height", json_object_new_int(mw_scene_height(scene)));
    json_object *a = json_object_new_array();
    for (int i = 0; i < 6; i++) json_object_array_add(a, jdouble(gt[i]));
    json_object_object_add(o, "geotransform", a);
    a = json_object_new_array();
    json_object_array_add(a, jdouble(fabs(gt[1])));
    json_object_array_add(a, jdouble(fabs(gt[5])));
    json_object_object_add(o, "pixel_size", a);
    a = json_object_new_array();
    for (int i = 0; i < 4; i++) json_object_array_add(a, jdouble(e[i]));
    json_object_object_add(o, "extent", a);
    if (lonlat_bounds(scene, ll)) {
        a = json_object_new_array();
        for (int i = 0; i < 4; i++) json_object_array_add(a, jdouble(ll[i]));
        json_object_object_add(o, "lonlat_bounds", a);
    } else {
        json_object_object_add(o, "lonlat_bounds", NULL);
    }
    json_object_object_add(o, "mask", json_object_new_string(mw_mask_kind_name(mw_scene_mask_kind(scene))));
    a = json_object_new_array();
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        if (!mw_scene_has_band(scene, (mw_band_role)r)) continue;
        json_object *b = json_object_new_object();
        json_object_object_add(b, "role", json_object_new_string(mw_band_role_name((mw_band_role)r)));
        json_object_object_add(b, "file", jstr(mw_scene_band_file(scene, (mw_band_role)r)));
        json_object_object_add(b, "band", json_object_new_int(mw_scene_band_index(scene, (mw_band_role)r)));
        json_object_object_add(b, "resolution", jdouble(mw_scene_band_resolution(scene, (mw_band_role)r)));
        json_object_object_add(b, "scale", jdouble(mw_scene_band_scale(scene, (mw_band_role)r)));
        json_object_object_add(b, "offset", jdouble(mw_scene_band_offset(scene, (mw_band_role)r)));
        json_object_array_add(a, b);
    }
    json_object_object_add(o, "bands", a);
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static void print_text(const mw_scene *scene)
{
    double gt[6], e[4], ll[4];
    mw_scene_geotransform(scene, gt);
    scene_extent(scene, e);
    const char *date = mw_scene_date(scene);
    printf("scene:       %s\n", mw_scene_path(scene));
    printf("layout:      %s\n", mw_scene_layout(scene));
    printf("sensor:      %s\n", mw_sensor_name(mw_scene_sensor(scene)));
    if (date)
        printf("date:        %s (from %s)\n", date, mw_scene_date_source(scene));
    else
        printf("date:        unknown (give --date)\n");
    if (mw_scene_epsg(scene))
        printf("crs:         EPSG:%d\n", mw_scene_epsg(scene));
    else
        printf("crs:         custom (no EPSG code)\n");
    printf("size:        %d x %d pixels\n", mw_scene_width(scene), mw_scene_height(scene));
    printf("pixel size:  %.10g x %.10g\n", fabs(gt[1]), fabs(gt[5]));
    printf("extent:      %.10g %.10g %.10g %.10g (xmin ymin xmax ymax)\n", e[0], e[1], e[2], e[3]);
    if (lonlat_bounds(scene, ll))
        printf("lon/lat:     %.5f %.5f %.5f %.5f (west south east north)\n", ll[0], ll[1], ll[2], ll[3]);
    printf("mask:        %s\n", mw_mask_kind_name(mw_scene_mask_kind(scene)));
    int w = 4;
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        const char *file = mw_scene_band_file(scene, (mw_band_role)r);
        if (!file) continue;
        const char *base = strrchr(file, '/');
        int n = (int)strlen(base ? base + 1 : file);
        if (n > w) w = n;
    }
    printf("bands:\n");
    printf("  %-6s %-*s %4s %10s %10s %8s\n", "role", w, "file", "band", "resolution", "scale", "offset");
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        mw_band_role role = (mw_band_role)r;
        if (!mw_scene_has_band(scene, role)) continue;
        const char *file = mw_scene_band_file(scene, role);
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        printf("  %-6s %-*s %4d %10.6g %10.6g %8.6g\n", mw_band_role_name(role), w, base,
               mw_scene_band_index(scene, role), mw_scene_band_resolution(scene, role),
               mw_scene_band_scale(scene, role), mw_scene_band_offset(scene, role));
    }
}

/* Value of an option given as "--opt value" or "--opt=value"; advances *i. */
/** Entry of `minewatch info`; returns the process exit code (0, 1, 2). */
int mw_cli_info(int argc, char **argv)
{
    const char *scene_path = NULL, *value = NULL;
    int json = 0;
    mw_scene_open_args args = {MW_SENSOR_AUTO, NULL, NULL};

    mw_cli_parser p;
    mw_cli_parser_init(&p, "info", mw_cli_info_help, info_options,
                       (int)(sizeof info_options / sizeof info_options[0]), argc, argv);
    for (;;) {
        int k = mw_cli_next(&p, &value);
        if (k == MW_CLI_END) break;
        if (k == MW_CLI_STOP) return p.rc;
        switch (k) {
        case MW_CLI_POSITIONAL:
            if (scene_path)
                return mw_cli_usage_error("info: one scene at a time (got '%s' and '%s')", scene_path, value);
            scene_path = value;
            break;
        case OPT_JSON: json = 1; break;
        case OPT_SENSOR:
            if (mw_cli_parse_sensor("info", value, &args.sensor)) return 2;
            break;
        case OPT_BAND_MAP:
            if (!*value) return mw_cli_usage_error("info: --band-map needs a value");
            args.band_map = value;
            break;
        case OPT_DATE:
            if (!*value) return mw_cli_usage_error("info: --date needs a value");
            args.date = value;
            break;
        }
    }
    if (!scene_path) return mw_cli_usage_error("info: no scene given");

    mw_init();
    mw_scene *scene = NULL;
    mw_status st = mw_scene_open(scene_path, &args, &scene);
    if (st != MW_OK) {
        if (st == MW_ERR_USAGE) return mw_cli_usage_error("%s", mw_last_error());
        mw_cli_error("%s", mw_last_error());
        return 1;
    }
    if (json)
        print_json(scene);
    else
        print_text(scene);
    mw_scene_destroy(scene);
    if (fflush(stdout) != 0) {
        mw_cli_error("cannot write to standard output");
        return 1;
    }
    return 0;
}
