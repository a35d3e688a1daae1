/*
 * Geodesic area of lon/lat polygons on the WGS84 ellipsoid (Karney's
 * algorithm, PROJ's geodesic.h): |exterior| minus |holes| per polygon,
 * summed over the parts of a MultiPolygon (or the polygons of a
 * GeometryCollection, as intersections may return).
 */
#include "mw_grid.h"

#include <math.h>
#include <stdlib.h>

#include <geodesic.h>

static double ring_area(const struct geod_geodesic *g, OGRGeometryH ring)
{
    int n = OGR_G_GetPointCount(ring);
    if (n < 3) return 0.0;
    double *lon = malloc(sizeof(double) * (size_t)n * 2);
    if (!lon) return NAN;
    double *lat = lon + n;
    OGR_G_GetPoints(ring, lon, sizeof(double), lat, sizeof(double), NULL, 0);
    /* geod_polygonarea closes the ring itself: drop the repeated position. */
    if (lon[0] == lon[n - 1] && lat[0] == lat[n - 1]) n--;
    double area = 0.0, perim = 0.0;
    if (n >= 3) geod_polygonarea(g, lat, lon, n, &area, &perim);
    free(lon);
    return fabs(area);
}

static double geometry_area(const struct geod_geodesic *g, OGRGeometryH geom)
{
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(geom));
    double sum = 0.0;
    if (type == wkbPolygon) {
        int nr = OGR_G_GetGeometryCount(geom);
        for (int r = 0; r < nr; r++) {
            double a = ring_area(g, OGR_G_GetGeometryRef(geom, r));
            sum += r == 0 ? a : -a;
        }
        return sum > 0 ? sum : 0.0;
    }
    if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
        int np = OGR_G_GetGeometryCount(geom);
        for (int i = 0; i < np; i++) sum += geometry_area(g, OGR_G_GetGeometryRef(geom, i));
    }
    return sum;
}

/**
 * Geodesic area in m² of a lon/lat (x = longitude, degrees) Polygon,
 * MultiPolygon or GeometryCollection of polygons on the WGS84 ellipsoid,
 * independent of ring orientation. Other types and NULL give 0; NaN only
 * if memory runs out. Thread-safe.
 */
double mw_geodesic_area_m2(OGRGeometryH lonlat_geometry)
{
    if (!lonlat_geometry) return 0.0;
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1.0 / 298.257223563);
    return geometry_area(&g, lonlat_geometry);
}
