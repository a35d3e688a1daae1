/*
 * Alerts: outlines of sites, reprojection to WGS84, geodesic areas, stable
 * ids, protected-area tags, and writing the alert file.
 */
#ifndef MW_ALERTS_H
#define MW_ALERTS_H

#include <stdint.h>

#include <ogr_api.h>

#include "minewatch/status.h"
#include "../core/mw_rect.h"
#include "../sites/mw_site_features.h"

/** Status of a site against an earlier run (lineage.c). */
typedef enum mw_site_status {
    MW_SITE_NONE = 0,    /**< no lineage (a scan without --previous) */
    MW_SITE_NEW,
    MW_SITE_GROWING,
    MW_SITE_PERSISTING,
    MW_SITE_INACTIVE,
    MW_SITE_UNOBSERVED,
    MW_SITE_STATUS_COUNT
} mw_site_status;

/** "new", "growing", ...; NULL for MW_SITE_NONE. */
const char *mw_site_status_name(mw_site_status s);

/** A site's identity over time; written only when the run links to an earlier one. */
typedef struct mw_lineage {
    char site_id[48];
    mw_site_status status;
    char first_seen[11], last_seen[11];   /**< "YYYY-MM-DD" */
    int n_detections;
    double area_change_ha;                /**< footprint area now minus before (NaN: none) */
    char *merged_ids;                     /**< ids of sites merged into this one ("a,b"), or NULL */
} mw_lineage;

/** One alert, ready to write. Owns its geometry. */
typedef struct mw_alert {
    char id[64];
    const char *class_name;          /**< static string from the model */
    double confidence;
    double area_ha;                  /**< geodesic area of the outline */
    double centroid_lon, centroid_lat;
    mw_site_features features;       /**< evidence (areas, means, river change, valid fraction) */
    char *protected_area;            /**< NULL if none */
    OGRGeometryH geometry;           /**< Polygon or MultiPolygon, WGS84 lon/lat, RFC 7946 winding */
    mw_lineage lineage;              /**< status NONE unless linked to an earlier run */
} mw_alert;

/** Free what an alert owns (geometry, strings); not the struct itself. */
void mw_alert_clear(mw_alert *alert);

/**
 * Outline of the 1-pixels of @p mask (area.w * area.h bytes) in the target
 * CRS: a Polygon when one 4-connected piece, else a MultiPolygon; holes kept.
 * @p gt is the geotransform of the whole target grid (area is in its pixels).
 */
mw_status mw_outline_from_mask(const uint8_t *mask, mw_rect area, const double gt[6],
                               OGRGeometryH *out);

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

/**
 * Stable id from the site's location and the two dates only:
 * "mw-<before yyyymmdd>-<after yyyymmdd>-<geohash of lon/lat, 9 chars>".
 */
void mw_alert_make_id(double lon, double lat, const char *date_before,
                      const char *date_after, char *out, int size);

/** Protected areas: an OGR polygon layer with a name field. */
typedef struct mw_protected mw_protected;
mw_status mw_protected_open(const char *path, mw_protected **out);
void mw_protected_destroy(mw_protected *p);
/** Name of the area that overlaps the lon/lat geometry most, or NULL. Not thread-safe. */
const char *mw_protected_name_for(mw_protected *p, OGRGeometryH lonlat_geometry);

/** Run-level facts written into the `minewatch` foreign member. */
typedef struct mw_alert_meta {
    const char *version;
    const char *before_path, *before_date, *before_sensor;
    const char *after_path, *after_date, *after_sensor;
    const char *model_name, *model_path;
    const char *parameters_json;     /**< a JSON object text, written verbatim */
    int lineage;                     /**< 1: write the lineage properties (site_id, status, ...) */
    const char *previous_path;       /**< the earlier alert file linked to, or NULL */
} mw_alert_meta;

/**
 * Write alerts to @p path; format from the extension: .geojson/.json our own
 * RFC 7946 writer (deterministic bytes, foreign member), anything else
 * through the OGR driver that claims the extension (.gpkg, .kml, .fgb,
 * .csv, .shp). Written under a temporary name in the same folder and
 * renamed: on failure nothing is left at @p path. GeoJSON features are
 * formatted by up to @p threads threads (< 1: one); the bytes do not
 * depend on it. The OGR formats are written by the calling thread.
 */
mw_status mw_alerts_write(const char *path, const mw_alert *alerts, int count,
                          const mw_alert_meta *meta, int threads);

#endif
