/*
 * Layout 1: one multiband raster whose band descriptions name the bands
 * (B02.., SR_B2.., blue..) or whose bands are given by a --band-map.
 * Metadata comes from the dataset's own items (SPACECRAFT_NAME,
 * PROCESSING_BASELINE, BOA_ADD_OFFSET, PRODUCT_START_TIME, DATE_ACQUIRED,
 * PERIOD, ...).
 */
#include "io/mw_io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>

#include "core/mw_error.h"

/* Names that only count when no better name for the role exists. */
static int weak_name(const char *name) { return strcasecmp(name, "nir08") == 0; }

mw_status mw_io_open_stack(mw_scene_builder *b, const char *path, const mw_scene_open_args *args)
{
    mw_scene *sc = b->scene;
    int index[MW_BAND_ROLE_COUNT] = {0};
    char names[MW_BAND_ROLE_COUNT][64] = {{0}};
    int votes_s2 = 0, votes_ls = 0;

    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        mw_status st = mw_io_open_error(path);
        CPLPopErrorHandler();
        return st;
    }
    int nb = GDALGetRasterCount(ds);
    mw_status st = MW_OK;
    if (nb < 1) {
        st = mw_error_set(MW_ERR_OPEN, "%s: has no raster bands", path);
        goto done;
    }
    b->is_stack = 1;
    if (args->band_map && *args->band_map) {
        st = mw_io_parse_band_map(args->band_map, nb, path, index);
        if (st) goto done;
        for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
            if (!index[r]) continue;
            const char *d = GDALGetDescription(GDALGetRasterBand(ds, index[r]));
            mw_sensor s;
            if (mw_io_role_from_band_name(d, &s) >= 0) { /* names still hint at the sensor */
                votes_s2 += s == MW_SENSOR_SENTINEL2;
                votes_ls += s == MW_SENSOR_LANDSAT;
            }
            snprintf(names[r], sizeof names[r], "%s", d && *d ? d : mw_band_role_name((mw_band_role)r));
        }
    } else {
        for (int i = 1; i <= nb; i++) {
            const char *d = GDALGetDescription(GDALGetRasterBand(ds, i));
            mw_sensor s;
            int r = mw_io_role_from_band_name(d, &s);
            if (r < 0) continue;
            if (index[r] && !weak_name(names[r])) continue; /* first good name wins */
            index[r] = i;
            snprintf(names[r], sizeof names[r], "%s", d);
            votes_s2 += s == MW_SENSOR_SENTINEL2;
            votes_ls += s == MW_SENSOR_LANDSAT;
        }
    }
    b->sensor_hint = votes_s2 > votes_ls ? MW_SENSOR_SENTINEL2
                     : votes_ls > votes_s2 ? MW_SENSOR_LANDSAT
                                           : MW_SENSOR_AUTO;
    mw_io_s2_meta_from_gdal(ds, &b->s2);
    mw_io_landsat_meta_from_gdal(ds, &b->landsat);
done:
    GDALClose(ds);
    CPLPopErrorHandler();
    if (st) return st;

    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        if (!index[r]) continue;
        st = mw_io_probe_band(path, index[r], &sc->bands[r], &b->probe[r]);
        if (st) return st;
        /* a band name longer than the field is cut: it only labels the band */
        snprintf(b->probe[r].name, sizeof b->probe[r].name, "%.*s", (int)sizeof b->probe[r].name - 1, names[r]);
        if (strncasecmp(names[r], "SR_B", 4) == 0) b->probe[r].landsat_band = atoi(names[r] + 4);
    }
    st = mw_io_finish_scene(b, args, path);
    if (st) return st;
    const char *what = sc->sensor == MW_SENSOR_SENTINEL2 ? "Sentinel-2 multiband stack"
                       : sc->sensor == MW_SENSOR_LANDSAT ? "Landsat multiband stack"
                                                         : "multiband stack";
    sc->layout = mw_io_strdup(what);
    return sc->layout ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
}
