/*
 * Alerts: outlines of sites, stable ids, protected-area tags, and the
 * property table the writers (output/mw_output.h) format. Reprojection to
 * lon/lat and geodesic areas: grid/mw_grid.h.
 */
#ifndef MW_ALERTS_H
#define MW_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include <ogr_api.h>

#include "minewatch/alerts.h"
#include "minewatch/status.h"
#include "core/mw_rect.h"
#include "sites/mw_sites.h"

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

/** A site's identity over time (lineage.c); written as properties added to
 *  the set (mw_scan_lineage_properties) only when the run links to an earlier one. */
typedef struct mw_lineage {
    char site_id[48];
    mw_site_status status;
    char first_seen[11], last_seen[11];   /**< "YYYY-MM-DD" */
    int n_detections;
    double area_change_ha;                /**< footprint area now minus before (NaN: none) */
    char *merged_ids;                     /**< ids of sites merged into this one ("a,b"), or NULL */
} mw_lineage;

/** A value set on an alert by property index (owned string). */
typedef struct mw_alert_prop {
    int set;        /**< 0: the property's computed value applies */
    char *s;        /**< MW_AK_STRING; NULL means null */
    double d;       /**< MW_AK_REAL; NaN means null */
    int i;          /**< MW_AK_INT */
    int null;       /**< MW_AK_INT: no value */
} mw_alert_prop;

/** One alert, ready to write. Owns its geometry (and its props). The
 *  public name of struct mw_alert is in minewatch/alerts.h. */
struct mw_alert {
    char id[64];
    const char *class_name;          /**< the model's string; in a set, the set's copy */
    double confidence;
    double area_ha;                  /**< geodesic area of the outline */
    double centroid_lon, centroid_lat;
    mw_site_features features;       /**< evidence (areas, means, river change, valid fraction) */
    char *protected_area;            /**< NULL if none */
    OGRGeometryH geometry;           /**< Polygon or MultiPolygon, WGS84 lon/lat, RFC 7946 winding */
    /* Values set on the alert by property index (mw_alert_set_set_*):
     * properties a later step adds, or a base property overridden. */
    mw_alert_prop *props;
    int nprops;
    const struct mw_alert_set *set;  /**< the set holding it (NULL outside a set) */
    mw_lineage lineage;              /**< status NONE unless linked to an earlier run */
};

/** Free what an alert owns (geometry, strings); not the struct itself. */
void mw_alert_clear(mw_alert *alert);

/**
 * Outline of the 1-pixels of @p mask (area.w * area.h bytes) in the target
 * CRS: a Polygon when one 4-connected piece, else a MultiPolygon; holes kept.
 * @p gt is the geotransform of the whole target grid (area is in its pixels).
 */
mw_status mw_outline_from_mask(const uint8_t *mask, mw_rect area, const double gt[6],
                               OGRGeometryH *out);

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
/** How many area names held bytes that are no UTF-8 (replaced by U+FFFD). */
int mw_protected_repaired_names(const mw_protected *p);

struct mw_alert_field;

/** Run-level facts written into the `minewatch` foreign member. */
typedef struct mw_alert_meta {
    const char *version;
    const char *before_path, *before_date, *before_sensor;
    const char *after_path, *after_date, *after_sensor;
    const char *model_name, *model_path;
    const char *parameters_json;     /**< a JSON object text, written verbatim */
    /** Properties after the fixed table (mw_alert_fields), e.g. lineage. */
    const struct mw_alert_field *extra_fields;
    int n_extra_fields;
} mw_alert_meta;

/** Kinds of alert properties. */
typedef enum mw_alert_kind { MW_AK_STRING, MW_AK_REAL, MW_AK_INT } mw_alert_kind;

/** One property of an alert, in the fixed output order. */
struct mw_alert_field {
    const char *name;        /**< property name (GeoJSON, GPKG, FGB, CSV, KML) */
    const char *short_name;  /**< <= 10 characters, for Shapefile DBF */
    mw_alert_kind kind;
    int decimals;            /**< for MW_AK_REAL: digits after the point */
};
typedef struct mw_alert_field mw_alert_field;

/** The value of one property of one alert. */
typedef struct mw_alert_value {
    mw_alert_kind kind;
    const char *s;  /**< MW_AK_STRING; NULL means null */
    double d;       /**< MW_AK_REAL; NaN/inf means null */
    int i;          /**< MW_AK_INT */
    int null;       /**< MW_AK_INT: no value */
} mw_alert_value;

/** The property table, in output order (id first). */
extern const mw_alert_field mw_alert_fields[];
/** Number of entries of mw_alert_fields. */
extern const int mw_alert_field_count;

/** All properties: the fixed table, then @p meta's extra fields (meta may be NULL). */
int mw_alert_fields_total(const mw_alert_meta *meta);
/** Property @p k (< mw_alert_fields_total(meta)). */
const mw_alert_field *mw_alert_field_at(const mw_alert_meta *meta, int k);

/**
 * Value of property @p field of @p alert (any index below
 * mw_alert_fields_total(meta)): a value set on the alert (alert->props)
 * wins; else dates and sensor come from @p meta (before_date, after_date,
 * after_sensor; @p meta may be NULL), the rest from the alert; extra fields
 * without a value are null. Pure; thread-safe.
 */
void mw_alert_field_value(const mw_alert *alert, const mw_alert_meta *meta, int field,
                          mw_alert_value *out);

/**
 * Format a finite @p v with @p decimals digits after the point, trailing
 * zeros (and a bare point) removed, and never "-0": 1.2500 -> "1.25",
 * -0.00001 (4 decimals) -> "0". Returns 0 if @p v is not finite (caller
 * writes null), else 1. Thread-safe.
 */
int mw_format_number(double v, int decimals, char *buf, size_t size);

/* The in-memory alert set (minewatch/alerts.h) as the library builds it. */
#include "mw_alert_set.h"
/* Lineage: today's sites linked to an earlier run's. */
#include "mw_lineage.h"

#endif
