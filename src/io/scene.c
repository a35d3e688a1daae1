/*
 * Scene handle: mw_scene_open() picks the layout (stack, band folder,
 * .SAFE / .zip) and hands over to it; destroy and the read-only accessors.
 */
#include "io/mw_io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_error.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* A folder is a SAFE product when named *.SAFE or holding MTD_MSIL2A.xml + GRANULE. */
static int is_safe_dir(const char *path)
{
    char trimmed[4096];
    snprintf(trimmed, sizeof trimmed, "%s", path);
    size_t n = strlen(trimmed);
    while (n > 1 && trimmed[n - 1] == '/') trimmed[--n] = '\0';
    if (ends_with_ci(trimmed, ".SAFE")) return 1;
    char *g = mw_io_join(path, "GRANULE");
    VSIStatBufL st;
    int yes = g && VSIStatL(g, &st) == 0 && VSI_ISDIR(st.st_mode);
    free(g);
    return yes;
}

mw_status mw_scene_open(const char *path, const mw_scene_open_args *args, mw_scene **out)
{
    static const mw_scene_open_args no_args = {MW_SENSOR_AUTO, NULL, NULL};
    if (out) *out = NULL;
    if (!path || !*path || !out) return mw_error_set(MW_ERR_USAGE, "mw_scene_open: no scene path given");
    if (!args) args = &no_args;
    if (args->sensor < MW_SENSOR_AUTO || args->sensor > MW_SENSOR_GENERIC)
        return mw_error_set(MW_ERR_USAGE, "%s: unknown sensor value %d", path, (int)args->sensor);

    mw_scene_builder b;
    memset(&b, 0, sizeof b);
    mw_io_s2_meta_init(&b.s2);
    mw_io_landsat_meta_init(&b.landsat);
    b.scene = calloc(1, sizeof *b.scene);
    if (!b.scene) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    b.scene->path = mw_io_strdup(path);
    if (!b.scene->path) {
        free(b.scene);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }

    mw_status st;
    VSIStatBufL sb;
    if (VSIStatL(path, &sb) != 0)
        st = mw_error_set(MW_ERR_OPEN, "%s: no such file or folder", path);
    else if ((st = mw_io_check_not_special(path)) != MW_OK)
        ;
    else if (VSI_ISDIR(sb.st_mode))
        st = is_safe_dir(path) ? mw_io_open_safe(&b, path, args) : mw_io_open_folder(&b, path, args);
    else if (ends_with_ci(path, ".zip"))
        st = mw_io_open_safe(&b, path, args);
    else
        st = mw_io_open_stack(&b, path, args);

    mw_io_builder_clear(&b);
    if (st != MW_OK) {
        mw_scene_destroy(b.scene);
        return st;
    }
    *out = b.scene;
    return MW_OK;
}

void mw_scene_destroy(mw_scene *scene)
{
    if (!scene) return;
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) free(scene->bands[r].file);
    free(scene->path);
    free(scene->layout);
    free(scene->crs_wkt);
    free(scene);
}

const char *mw_sensor_name(mw_sensor sensor)
{
    switch (sensor) {
    case MW_SENSOR_AUTO: return "auto";
    case MW_SENSOR_SENTINEL2: return "sentinel2";
    case MW_SENSOR_LANDSAT: return "landsat";
    case MW_SENSOR_GENERIC: return "generic";
    }
    return "unknown";
}

mw_status mw_sensor_from_name(const char *name, mw_sensor *out)
{
    static const struct {
        const char *name;
        mw_sensor sensor;
    } names[] = {{"auto", MW_SENSOR_AUTO},           {"sentinel2", MW_SENSOR_SENTINEL2},
                 {"sentinel-2", MW_SENSOR_SENTINEL2}, {"s2", MW_SENSOR_SENTINEL2},
                 {"landsat", MW_SENSOR_LANDSAT},     {"generic", MW_SENSOR_GENERIC}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].sensor;
            return MW_OK;
        }
    return mw_error_set(MW_ERR_USAGE, "'%s' is not one of auto, sentinel2, landsat, generic",
                        name ? name : "(null)");
}

const char *mw_band_role_name(mw_band_role role)
{
    static const char *const names[MW_BAND_ROLE_COUNT] = {"blue", "green", "red", "nir",
                                                          "swir1", "swir2", "mask"};
    return (role >= 0 && role < MW_BAND_ROLE_COUNT) ? names[role] : "unknown";
}

const char *mw_mask_kind_name(mw_mask_kind kind)
{
    switch (kind) {
    case MW_MASK_NONE: return "none";
    case MW_MASK_SCL: return "SCL";
    case MW_MASK_QA_PIXEL: return "QA_PIXEL";
    }
    return "unknown";
}

static const mw_band_src *band(const mw_scene *s, mw_band_role role)
{
    if (!s || role < 0 || role >= MW_BAND_ROLE_COUNT || !s->bands[role].present) return NULL;
    return &s->bands[role];
}

const char *mw_scene_path(const mw_scene *scene) { return scene ? scene->path : NULL; }
mw_sensor mw_scene_sensor(const mw_scene *scene) { return scene ? scene->sensor : MW_SENSOR_AUTO; }
const char *mw_scene_layout(const mw_scene *scene) { return scene ? scene->layout : NULL; }
const char *mw_scene_date(const mw_scene *scene) { return scene && scene->date[0] ? scene->date : NULL; }
const char *mw_scene_date_source(const mw_scene *scene)
{
    return scene && scene->date[0] ? scene->date_source : NULL;
}
mw_mask_kind mw_scene_mask_kind(const mw_scene *scene) { return scene ? scene->mask_kind : MW_MASK_NONE; }
int mw_scene_width(const mw_scene *scene) { return scene ? scene->width : 0; }
int mw_scene_height(const mw_scene *scene) { return scene ? scene->height : 0; }

void mw_scene_geotransform(const mw_scene *scene, double gt[6])
{
    for (int i = 0; i < 6; i++) gt[i] = scene ? scene->gt[i] : 0.0;
}

const char *mw_scene_crs_wkt(const mw_scene *scene) { return scene ? scene->crs_wkt : NULL; }
int mw_scene_epsg(const mw_scene *scene) { return scene ? scene->epsg : 0; }
int mw_scene_has_band(const mw_scene *scene, mw_band_role role) { return band(scene, role) != NULL; }

const char *mw_scene_band_file(const mw_scene *scene, mw_band_role role)
{
    const mw_band_src *b = band(scene, role);
    return b ? b->file : NULL;
}

int mw_scene_band_index(const mw_scene *scene, mw_band_role role)
{
    const mw_band_src *b = band(scene, role);
    return b ? b->band : 0;
}

double mw_scene_band_resolution(const mw_scene *scene, mw_band_role role)
{
    const mw_band_src *b = band(scene, role);
    return b ? (b->gt[1] < 0 ? -b->gt[1] : b->gt[1]) : 0.0;
}

double mw_scene_band_scale(const mw_scene *scene, mw_band_role role)
{
    const mw_band_src *b = band(scene, role);
    return b ? b->scale : 0.0;
}

double mw_scene_band_offset(const mw_scene *scene, mw_band_role role)
{
    const mw_band_src *b = band(scene, role);
    return b ? b->offset : 0.0;
}
