/*
 * Layout 3: a Sentinel-2 L2A .SAFE folder or its .zip (read through
 * /vsizip/, nothing is extracted). Bands come from
 * GRANULE/<granule>/IMG_DATA/R10m|R20m|R60m (finest per band), metadata
 * from MTD_MSIL2A.xml at the product root. A .zip without a GRANULE
 * folder is opened as a zipped band folder.
 */
#include "io/mw_io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_string.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

static int is_dir(const char *path)
{
    VSIStatBufL st;
    return VSIStatL(path, &st) == 0 && VSI_ISDIR(st.st_mode);
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The product root inside a zip: the zip itself or its single *.SAFE folder. */
static char *zip_product_root(const char *vsi)
{
    char *g = mw_io_join(vsi, "GRANULE");
    int direct = g && is_dir(g);
    free(g);
    if (direct) return mw_io_strdup(vsi);
    char **names = VSIReadDir(vsi);
    char *root = NULL, *single_dir = NULL;
    int ndirs = 0;
    for (int i = 0; names && names[i]; i++) {
        char *p = mw_io_join(vsi, names[i]);
        if (!p) continue;
        if (is_dir(p)) {
            ndirs++;
            if (ends_with_ci(names[i], ".SAFE") && !root) {
                root = p;
                continue;
            }
            if (!single_dir) {
                single_dir = p;
                continue;
            }
        }
        free(p);
    }
    CSLDestroy(names);
    if (root) {
        free(single_dir);
        return root;
    }
    if (ndirs == 1) return single_dir;
    free(single_dir);
    return mw_io_strdup(vsi);
}

/* Step 1: the product root, and for a zip its /vsizip/ path in *vsi. */
static mw_status product_root(const char *path, int zipped, char **vsi, char **root)
{
    if (!zipped) {
        *root = mw_io_strdup(path);
        return *root ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }
    *vsi = malloc(strlen(path) + 9);
    if (!*vsi) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    sprintf(*vsi, "/vsizip/%s", path);
    char **probe = VSIReadDir(*vsi);
    int ok = probe != NULL;
    CSLDestroy(probe);
    if (!ok) return mw_error_set(MW_ERR_OPEN, "%s: not a readable zip archive", path);
    *root = zip_product_root(*vsi);
    return *root ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
}

/* A zip without GRANULE/: a zipped band folder, its layout marked "(zip)". */
static mw_status open_zipped_folder(mw_scene_builder *b, const char *root, const mw_scene_open_args *args)
{
    mw_scene *sc = b->scene;
    mw_status st = mw_io_open_folder(b, root, args);
    if (st == MW_OK) {
        char *layout = malloc(strlen(sc->layout) + 7);
        if (layout) {
            sprintf(layout, "%s (zip)", sc->layout);
            free(sc->layout);
            sc->layout = layout;
        }
    }
    return st;
}

/* Step 2: the one granule folder in GRANULE/ (*granule, owned). */
static mw_status single_granule(const char *path, const char *granule_dir, char **granule)
{
    char **gran = VSIReadDir(granule_dir);
    int ngran = 0;
    for (int i = 0; gran && gran[i]; i++) {
        if (gran[i][0] == '.') continue;
        char *g = mw_io_join(granule_dir, gran[i]);
        if (g && is_dir(g)) {
            ngran++;
            if (!*granule || strcmp(g, *granule) < 0) {
                free(*granule);
                *granule = g;
                continue;
            }
        }
        free(g);
    }
    CSLDestroy(gran);
    if (ngran != 1)
        return mw_error_set(MW_ERR_LAYOUT, "%s: %s granule folder in GRANULE (expected one)", path,
                            ngran ? "more than one" : "no");
    return MW_OK;
}

/* Step 3: the band files of IMG_DATA/R10m|R20m|R60m, or of a flat IMG_DATA (L1C-style). */
static mw_status collect_img_data(mw_scene_builder *b, const char *path, const char *granule, char **img)
{
    *img = mw_io_join(granule, "IMG_DATA");
    if (!*img || !is_dir(*img))
        return mw_error_set(MW_ERR_LAYOUT, "%s: no IMG_DATA folder in %s", path, mw_io_basename(granule));
    static const char *const res_dirs[] = {"R10m", "R20m", "R60m"};
    int found_res = 0;
    mw_status st = MW_OK;
    for (int i = 0; i < 3 && st == MW_OK; i++) {
        char *d = mw_io_join(*img, res_dirs[i]);
        if (d && is_dir(d)) {
            found_res = 1;
            st = mw_io_collect_band_files(b, d);
        }
        free(d);
    }
    if (st == MW_OK && !found_res) st = mw_io_collect_band_files(b, *img);
    return st;
}

/* Step 4: MTD_MSIL2A.xml at the root (optional), then the scene itself. */
static mw_status finish_safe(mw_scene_builder *b, const char *path, const char *root, int zipped,
                             const mw_scene_open_args *args)
{
    mw_scene *sc = b->scene;
    mw_status st = MW_OK;
    char *mtd = mw_io_join(root, "MTD_MSIL2A.xml");
    VSIStatBufL sb;
    if (mtd && VSIStatL(mtd, &sb) == 0) st = mw_io_s2_meta_from_mtd(mtd, &b->s2);
    free(mtd);
    if (st) return st;
    b->sensor_hint = MW_SENSOR_SENTINEL2;
    st = mw_io_finish_scene(b, args, path);
    if (st) return st;
    sc->layout = mw_io_strdup(zipped ? "Sentinel-2 L2A SAFE (zip)" : "Sentinel-2 L2A SAFE");
    if (!sc->layout) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    return st;
}

mw_status mw_io_open_safe(mw_scene_builder *b, const char *path, const mw_scene_open_args *args)
{
    int zipped = ends_with_ci(path, ".zip");
    char *vsi = NULL, *root = NULL, *granule_dir = NULL, *granule = NULL, *img = NULL;
    if (args->band_map && *args->band_map)
        return mw_error_set(MW_ERR_USAGE, "%s: --band-map applies to a multiband raster, not to a product", path);

    mw_status st = product_root(path, zipped, &vsi, &root);
    if (st) goto done;
    granule_dir = mw_io_join(root, "GRANULE");
    if (!granule_dir || !is_dir(granule_dir)) {
        st = zipped ? open_zipped_folder(b, root, args)
                    : mw_error_set(MW_ERR_LAYOUT, "%s: no GRANULE folder in this .SAFE product", path);
        goto done;
    }
    st = single_granule(path, granule_dir, &granule);
    if (st == MW_OK) st = collect_img_data(b, path, granule, &img);
    if (st == MW_OK) st = finish_safe(b, path, root, zipped, args);
done:
    free(vsi);
    free(root);
    free(granule_dir);
    free(granule);
    free(img);
    return st;
}
