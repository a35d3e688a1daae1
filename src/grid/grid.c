/*
 * The target grid of a scan: the after scene's reference grid cropped to
 * the overlap with the before scene (and the AOI envelope).
 */
#include "mw_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <geodesic.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"
#include "io/mw_io.h"

static OGRSpatialReferenceH srs_from_wkt(const char *wkt)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (!srs) return NULL;
    if (OSRSetFromUserInput(srs, wkt) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return NULL;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

/* Bounds of @p scene's grid expressed in @p dst's CRS (densified edges). */
static mw_status scene_bounds_in(const mw_scene *scene, OGRSpatialReferenceH dst, double b[4])
{
    const double *gt = scene->gt;
    double x0 = gt[0], x1 = gt[0] + gt[1] * scene->width;
    double y0 = gt[3] + gt[5] * scene->height, y1 = gt[3];
    OGRSpatialReferenceH src = srs_from_wkt(scene->crs_wkt);
    if (!src) return mw_error_set(MW_ERR_CRS, "%s: unusable coordinate reference system", scene->path);
    mw_status st = MW_OK;
    if (OSRIsSame(src, dst)) {
        b[0] = fmin(x0, x1); b[1] = fmin(y0, y1); b[2] = fmax(x0, x1); b[3] = fmax(y0, y1);
    } else {
        /* Quiet: GDAL would print its own line ("ERROR 6: Cannot find
         * coordinate operations ...") before ours. */
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
        if (!ct || !OCTTransformBounds(ct, fmin(x0, x1), fmin(y0, y1), fmax(x0, x1), fmax(y0, y1),
                                       &b[0], &b[1], &b[2], &b[3], 21))
            st = mw_error_set(MW_ERR_CRS, "%s: cannot transform its extent to the other scene's CRS",
                              scene->path);
        if (ct) OCTDestroyCoordinateTransformation(ct);
        CPLPopErrorHandler();
    }
    OSRDestroySpatialReference(src);
    return st;
}

/* Ground size of a pixel at the grid centre, metres. */
static void pixel_ground_size(mw_grid *g, OGRSpatialReferenceH srs)
{
    double pw = fabs(g->gt[1]), ph = fabs(g->gt[5]);
    if (!OSRIsGeographic(srs)) {
        double unit = OSRGetLinearUnits(srs, NULL);
        if (!(unit > 0)) unit = 1;
        g->pixel_w_m = pw * unit;
        g->pixel_h_m = ph * unit;
        return;
    }
    /* Geographic grid: measure one pixel on the WGS84 ellipsoid at the centre. */
    struct geod_geodesic geod;
    geod_init(&geod, 6378137.0, 1 / 298.257223563);
    double lon = g->gt[0] + g->gt[1] * g->width / 2.0;
    double lat = g->gt[3] + g->gt[5] * g->height / 2.0;
    double s12;
    geod_inverse(&geod, lat, lon, lat, lon + pw, &s12, NULL, NULL);
    g->pixel_w_m = s12;
    geod_inverse(&geod, lat, lon, lat + ph, lon, &s12, NULL, NULL);
    g->pixel_h_m = s12;
}

/* Pixels of 1 cm to 100 km: beyond that no satellite scene, and window
 * and dilation arithmetic in pixels would overflow. */
static mw_status check_pixel_size(const mw_scene *scene, double w_m, double h_m)
{
    if (w_m >= 0.01 && w_m <= 1e5 && h_m >= 0.01 && h_m <= 1e5) return MW_OK;
    return mw_error_set(MW_ERR_CRS, "%s: pixel size %.3g x %.3g m is outside 1 cm .. 100 km", scene->path, w_m, h_m);
}

static mw_status check_before_pixel(const mw_scene *before)
{
    OGRSpatialReferenceH srs = srs_from_wkt(before->crs_wkt);
    if (!srs) return MW_OK;  /* its bounds were transformed: a CRS problem shows there */
    mw_grid g = {.width = before->width, .height = before->height};
    memcpy(g.gt, before->gt, sizeof g.gt);
    pixel_ground_size(&g, srs);
    OSRDestroySpatialReference(srs);
    return check_pixel_size(before, g.pixel_w_m, g.pixel_h_m);
}

mw_status mw_grid_for_pair(const mw_scene *before, const mw_scene *after,
                           const double *aoi_envelope, mw_grid *grid)
{
    return mw_grid_for_scenes(&before, 1, after, aoi_envelope, grid);
}

mw_status mw_grid_for_scenes(const mw_scene *const *befores, int nbefore, const mw_scene *after,
                             const double *aoi_envelope, mw_grid *grid)
{
    const mw_scene *before = befores[0];
    memset(grid, 0, sizeof *grid);
    const double *gt = after->gt;
    if (gt[2] != 0 || gt[4] != 0 || gt[1] <= 0 || gt[5] >= 0)
        return mw_error_set(MW_ERR_CRS, "%s: rotated or flipped grids are not supported", after->path);
    if (!after->crs_wkt || !*after->crs_wkt)
        return mw_error_set(MW_ERR_CRS, "%s: no coordinate reference system", after->path);
    for (int i = 0; i < nbefore; i++)
        if (!befores[i]->crs_wkt || !*befores[i]->crs_wkt)
            return mw_error_set(MW_ERR_CRS, "%s: no coordinate reference system", befores[i]->path);

    OGRSpatialReferenceH dst = srs_from_wkt(after->crs_wkt);
    if (!dst) return mw_error_set(MW_ERR_CRS, "%s: unusable coordinate reference system", after->path);

    /* Several befores: the after grid over the overlap of all of them. */
    double bb[4] = {-INFINITY, -INFINITY, INFINITY, INFINITY};
    mw_status st = MW_OK;
    for (int i = 0; i < nbefore; i++) {
        double bi[4];
        st = scene_bounds_in(befores[i], dst, bi);
        if (st != MW_OK) {
            OSRDestroySpatialReference(dst);
            return st;
        }
        bb[0] = fmax(bb[0], bi[0]), bb[1] = fmax(bb[1], bi[1]);
        bb[2] = fmin(bb[2], bi[2]), bb[3] = fmin(bb[3], bi[3]);
    }
    /* Overlap in after-grid pixel coordinates (y grows downwards). */
    double px0 = (bb[0] - gt[0]) / gt[1], px1 = (bb[2] - gt[0]) / gt[1];
    double py0 = (bb[3] - gt[3]) / gt[5], py1 = (bb[1] - gt[3]) / gt[5];
    if (aoi_envelope) {
        px0 = fmax(px0, (aoi_envelope[0] - gt[0]) / gt[1]);
        px1 = fmin(px1, (aoi_envelope[2] - gt[0]) / gt[1]);
        py0 = fmax(py0, (aoi_envelope[3] - gt[3]) / gt[5]);
        py1 = fmin(py1, (aoi_envelope[1] - gt[3]) / gt[5]);
    }
    /* Tolerate sub-millipixel rounding so identical grids stay identical. */
    const double eps = 1e-3;
    /* Clamped before any cast: far-off bounds (or NaN) are no int. */
    double fx0 = fmax(0, floor(px0 + eps)), fy0 = fmax(0, floor(py0 + eps));
    double fx1 = fmin(after->width, ceil(px1 - eps)), fy1 = fmin(after->height, ceil(py1 - eps));
    if (!(fx1 > fx0 && fy1 > fy0)) {
        OSRDestroySpatialReference(dst);
        if (aoi_envelope)
            return mw_error_set(MW_ERR_NO_OVERLAP, "%s and %s: the area of interest does not overlap both scenes",
                                before->path, after->path);
        return mw_error_set(MW_ERR_NO_OVERLAP, "%s and %s: the scenes do not overlap",
                            before->path, after->path);
    }
    const int x0 = (int)fx0, y0 = (int)fy0, x1 = (int)fx1, y1 = (int)fy1;
    grid->width = x1 - x0;
    grid->height = y1 - y0;
    memcpy(grid->gt, gt, sizeof grid->gt);
    grid->gt[0] = gt[0] + x0 * gt[1];
    grid->gt[3] = gt[3] + y0 * gt[5];
    grid->crs_wkt = strdup(after->crs_wkt);
    pixel_ground_size(grid, dst);
    OSRDestroySpatialReference(dst);
    if (!grid->crs_wkt) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    st = check_pixel_size(after, grid->pixel_w_m, grid->pixel_h_m);
    for (int i = 0; st == MW_OK && i < nbefore; i++) st = check_before_pixel(befores[i]);
    if (st != MW_OK) mw_grid_clear(grid);
    return st;
}

void mw_grid_clear(mw_grid *grid)
{
    if (!grid) return;
    free(grid->crs_wkt);
    grid->crs_wkt = NULL;
}
