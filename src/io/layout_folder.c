/*
 * Layout 2: a folder of one-band files as products are downloaded.
 * Sentinel-2 L2A: *_B02_10m.jp2, *_B02_20m.jp2 (finest kept), *_B02.tif,
 * B02.tif, ..., *_SCL_20m.jp2 / SCL.tif, with MTD_MSIL2A.xml or a STAC
 * item *.json beside them. Landsat C2 L2: *_SR_B2.TIF .. *_SR_B7.TIF,
 * *_QA_PIXEL.TIF with *_MTL.txt or *_MTL.json.
 * mw_io_collect_band_files() is shared with the SAFE layout.
 */
#include "io/mw_io_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

static int has_ext(const char *name, const char *const exts[])
{
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    for (int i = 0; exts[i]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0) return 1;
    return 0;
}

static const char *const raster_exts[] = {"tif", "tiff", "jp2", "vrt", "img", NULL};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted listing of a folder (caller CSLDestroy()s). */
static char **list_dir(const char *dir, int *count)
{
    char **names = VSIReadDir(dir);
    int n = CSLCount(names);
    if (n > 1) qsort(names, (size_t)n, sizeof *names, cmp_str);
    *count = n;
    return names;
}

mw_status mw_io_collect_band_files(mw_scene_builder *b, const char *dir)
{
    int n = 0;
    char **names = list_dir(dir, &n);
    mw_status st = MW_OK;
    for (int i = 0; i < n && st == MW_OK; i++) {
        const char *name = names[i];
        if (name[0] == '.' || !has_ext(name, raster_exts)) continue;
        mw_sensor s;
        int res = 0;
        int role = mw_io_role_from_filename(name, &s, &res);
        if (role < 0) continue;
        char *file = mw_io_join(dir, name);
        if (!file) {
            st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        mw_band_src src;
        mw_band_probe probe;
        memset(&src, 0, sizeof src);
        memset(&probe, 0, sizeof probe);
        st = mw_io_probe_band(file, 1, &src, &probe);
        free(file);
        if (st) {
            free(src.file);
            CPLFree(probe.wkt);
            break;
        }
        if (s == MW_SENSOR_LANDSAT) {
            snprintf(probe.name, sizeof probe.name, "%s", role == MW_BAND_MASK ? "QA_PIXEL" : "SR_B");
            if (role != MW_BAND_MASK) probe.landsat_band = role + 2;
        } else if (s == MW_SENSOR_SENTINEL2) {
            snprintf(probe.name, sizeof probe.name, "%s", role == MW_BAND_MASK ? "SCL" : "S2");
        } else {
            snprintf(probe.name, sizeof probe.name, "%s", mw_band_role_name((mw_band_role)role));
        }
        mw_band_src *cur = &b->scene->bands[role];
        int take = !cur->present;
        if (cur->present) {
            double a = fabs(src.gt[1]), c = fabs(cur->gt[1]);
            if (fabs(a - c) <= 1e-9 * c) {
                st = mw_error_set(MW_ERR_LAYOUT, "%s: two files for the %s band at the same resolution (%s and %s)",
                                  dir, mw_band_role_name((mw_band_role)role), mw_io_basename(cur->file),
                                  mw_io_basename(src.file));
            } else {
                take = a < c;
            }
        }
        if (take && st == MW_OK) {
            free(cur->file);
            CPLFree(b->probe[role].wkt);
            *cur = src;
            b->probe[role] = probe;
            if (s != MW_SENSOR_AUTO && b->sensor_hint == MW_SENSOR_AUTO) b->sensor_hint = s;
        } else {
            free(src.file);
            CPLFree(probe.wkt);
        }
    }
    CSLDestroy(names);
    return st;
}

/* Read the product metadata files found in @p dir (quietly skipping bad ones
 * is wrong: a malformed MTL is reported). */
static mw_status read_folder_metadata(mw_scene_builder *b, const char *dir)
{
    int n = 0;
    char **names = list_dir(dir, &n);
    mw_status st = MW_OK;
    const char *band_files[MW_BAND_ROLE_COUNT];
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++)
        band_files[r] = b->scene->bands[r].present ? b->scene->bands[r].file : NULL;
    for (int i = 0; i < n && st == MW_OK; i++) {
        const char *name = names[i];
        size_t len = strlen(name);
        char *file = mw_io_join(dir, name);
        if (!file) break;
        if (strcasecmp(name, "MTD_MSIL2A.xml") == 0 || strcasecmp(name, "MTD_MSIL1C.xml") == 0) {
            st = mw_io_s2_meta_from_mtd(file, &b->s2);
        } else if (len > 8 && strcasecmp(name + len - 8, "_MTL.txt") == 0) {
            st = mw_io_landsat_meta_from_mtl_txt(file, &b->landsat);
        } else if (len > 9 && strcasecmp(name + len - 9, "_MTL.json") == 0) {
            st = mw_io_landsat_meta_from_mtl_json(file, &b->landsat);
        } else if (len > 5 && strcasecmp(name + len - 5, ".json") == 0) {
            /* a STAC item; other JSON files are not ours to judge */
            mw_s2_meta tmp = b->s2;
            if (mw_io_s2_meta_from_stac(file, band_files, &tmp) == MW_OK) b->s2 = tmp;
        }
        free(file);
    }
    CSLDestroy(names);
    return st;
}

mw_status mw_io_open_folder(mw_scene_builder *b, const char *dir, const mw_scene_open_args *args)
{
    mw_scene *sc = b->scene;
    if (args->band_map && *args->band_map)
        return mw_error_set(MW_ERR_USAGE, "%s: --band-map applies to a multiband raster, not to a folder", dir);
    mw_status st = mw_io_collect_band_files(b, dir);
    if (st) return st;
    int any = 0;
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) any |= sc->bands[r].present;
    if (!any)
        return mw_error_set(MW_ERR_LAYOUT,
                            "%s: no band files found (expected B02.tif ..., *_B02_10m.jp2 ..., *_SR_B2.TIF ... or a .SAFE)",
                            dir);
    st = read_folder_metadata(b, dir);
    if (st) return st;
    if (b->sensor_hint == MW_SENSOR_AUTO && b->landsat.found) b->sensor_hint = MW_SENSOR_LANDSAT;
    /* (S2 metadata found: the spacecraft name decides in mw_io_finish_scene) */
    st = mw_io_finish_scene(b, args, dir);
    if (st) return st;
    int l1c = 0; /* OSCD-style L1C folders are readable too; say so */
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++)
        if (sc->bands[r].present && strstr(mw_io_basename(sc->bands[r].file), "L1C")) l1c = 1;
    const char *what = sc->sensor == MW_SENSOR_SENTINEL2 ? (l1c ? "Sentinel-2 L1C band folder" : "Sentinel-2 L2A band folder")
                       : sc->sensor == MW_SENSOR_LANDSAT ? "Landsat C2 L2 band folder"
                                                         : "band folder";
    sc->layout = mw_io_strdup(what);
    return sc->layout ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", dir);
}
