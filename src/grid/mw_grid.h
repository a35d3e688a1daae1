/*
 * The common target grid of a scan, the AOI rasterised onto it, and the
 * CRS helpers (lon/lat, geodesic areas).
 *
 * The target is the after scene's reference grid, cropped to the part the
 * before scene covers (and to the AOI's extent when there is one). How the
 * scenes' bands are read onto it: read/mw_read.h.
 */
#ifndef MW_GRID_H
#define MW_GRID_H

#include <stdint.h>

#include <ogr_api.h>

#include "minewatch/scene.h"
#include "core/mw_rect.h"

typedef struct mw_grid {
    int width, height;
    double gt[6];
    char *crs_wkt;
    double pixel_w_m, pixel_h_m;  /**< ground size of a pixel at the grid centre, metres */
} mw_grid;

/**
 * Compute the target grid of a scan. @p aoi_envelope (minx, miny, maxx,
 * maxy in the after scene's CRS) may be NULL. Fails with MW_ERR_NO_OVERLAP
 * naming both scenes when they share no pixel. Free with mw_grid_clear().
 */
mw_status mw_grid_for_pair(const mw_scene *before, const mw_scene *after,
                           const double *aoi_envelope, mw_grid *grid);
/** The same for several before scenes: the after grid over the overlap of all. */
mw_status mw_grid_for_scenes(const mw_scene *const *befores, int nbefore, const mw_scene *after,
                             const double *aoi_envelope, mw_grid *grid);
void mw_grid_clear(mw_grid *grid);

/** The AOI as polygons in the target CRS (read-only after creation). */
typedef struct mw_aoi mw_aoi;

/**
 * Read the polygons of @p path into @p target_wkt. With @p clip (minx,
 * miny, maxx, maxy in the target CRS; may be NULL) the polygons are first
 * cut to that rectangle in their own CRS and their edges densified, so a
 * polygon far larger than the scenes (the whole world) is transformed
 * where the target CRS is defined and its straight edges bend as they
 * should.
 */
mw_status mw_aoi_open(const char *path, const char *target_wkt, const double clip[4], mw_aoi **out);
void mw_aoi_destroy(mw_aoi *aoi);
/** Envelope in the target CRS: minx, miny, maxx, maxy. */
void mw_aoi_envelope(const mw_aoi *aoi, double env[4]);
/** Burn the AOI into @p mask (1 inside) over rectangle @p r of @p grid. Returns pixels inside. */
mw_status mw_aoi_rasterize(const mw_aoi *aoi, const mw_grid *grid, mw_rect r, uint8_t *mask,
                           long long *inside);

/** Reprojection of target-CRS geometries to WGS84 lon/lat. One per thread. */
typedef struct mw_lonlat mw_lonlat;
mw_status mw_lonlat_create(const char *target_crs_wkt, mw_lonlat **out);
void mw_lonlat_destroy(mw_lonlat *t);
/** Transform in place to lon/lat, then fix winding (exterior CCW, holes CW). */
mw_status mw_lonlat_transform(mw_lonlat *t, OGRGeometryH geometry);
/** Transform one point of the target CRS. */
mw_status mw_lonlat_point(mw_lonlat *t, double x, double y, double *lon, double *lat);

/** Geodesic area (WGS84 ellipsoid) of a lon/lat Polygon/MultiPolygon, m². */
double mw_geodesic_area_m2(OGRGeometryH lonlat_geometry);

#endif
