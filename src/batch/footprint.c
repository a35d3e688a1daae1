/*
 * A scene's footprint in lon/lat: the envelope of its grid's corners and
 * edge midpoints, and the lon/lat of its grid centre. The merge gives a
 * site seen by several pairs to the pair whose centre is nearest (merge.c).
 */
#include "mw_batch.h"

#include <math.h>

#include <ogr_srs_api.h>

#include "core/mw_error.h"

mw_status mw_batch_footprint(const mw_scene *scene, double env[4], double centre[2])
{
    const char *wkt = mw_scene_crs_wkt(scene);
    OGRSpatialReferenceH src = OSRNewSpatialReference(wkt), dst = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(dst, "WGS84");
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
    mw_status st = MW_OK;
    if (!ct) st = mw_error_set(MW_ERR_CRS, "%s: its CRS cannot be transformed to lon/lat", mw_scene_path(scene));
    double gt[6];
    mw_scene_geotransform(scene, gt);
    const double w = mw_scene_width(scene), h = mw_scene_height(scene);
    double x[10], y[10];
    for (int k = 0; k < 9; k++) {
        double px = 0.5 * w * (k % 3), py = 0.5 * h * (k / 3);
        x[k] = gt[0] + px * gt[1] + py * gt[2];
        y[k] = gt[3] + px * gt[4] + py * gt[5];
    }
    int ok[9];
    if (st == MW_OK && !OCTTransformEx(ct, 9, x, y, NULL, ok))
        st = mw_error_set(MW_ERR_CRS, "%s: its corners cannot be transformed to lon/lat", mw_scene_path(scene));
    if (st == MW_OK) {
        env[0] = env[1] = INFINITY;
        env[2] = env[3] = -INFINITY;
        for (int k = 0; k < 9; k++) {
            env[0] = fmin(env[0], x[k]), env[2] = fmax(env[2], x[k]);
            env[1] = fmin(env[1], y[k]), env[3] = fmax(env[3], y[k]);
        }
        centre[0] = x[4];
        centre[1] = y[4];
    }
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    return st;
}
