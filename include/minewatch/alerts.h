/**
 * Alert sets: the result of a scan, in memory.
 *
 * A set holds one alert per candidate site, in a fixed order (the order of
 * the alert file), and the run's description (the `minewatch` member of the
 * GeoJSON file). Each alert has a Polygon or MultiPolygon outline in WGS84
 * lon/lat (RFC 7946 winding) and named, typed properties: the contract's
 * table (`id`, `class`, `confidence`, `area_ha`, ...) then the extra
 * evidence, the same names and order as the files minewatch writes.
 *
 * Ownership: a set is owned by whoever received it (free it with
 * mw_alert_set_destroy()); an ::mw_alert pointer and every `const char *`
 * it hands out belong to the set and stay valid until the set is destroyed.
 * Text the caller must free (geometry as GeoJSON or WKB) is released with
 * mw_free().
 *
 * Thread-safety: reading a set (counts, alerts, properties, geometry) is
 * safe from several threads at once. mw_alert_set_write() may change the
 * set (it commits outputs the scan left pending): do not run it while
 * another thread uses the same set.
 */
#ifndef MINEWATCH_ALERTS_H
#define MINEWATCH_ALERTS_H

#include <stddef.h>

#include "minewatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mw_alert_set mw_alert_set;
/** One alert of a set; opaque, owned by its set. */
typedef struct mw_alert mw_alert;

/** Type of a property value. */
typedef enum mw_value_type {
    MW_VALUE_NONE = 0,   /**< no property of that name */
    MW_VALUE_NULL,       /**< the property exists; this alert has no value */
    MW_VALUE_STRING,
    MW_VALUE_DOUBLE,
    MW_VALUE_INT
} mw_value_type;

/** Free memory the library allocated for the caller; NULL is accepted. */
MW_API void mw_free(void *p);

/** Free a set and everything it owns; NULL is accepted. Outputs the scan
 *  left pending (MW_OPT_COMMIT_WITH_ALERTS) and never committed are removed. */
MW_API void mw_alert_set_destroy(mw_alert_set *set);

/** Number of alerts (0 for NULL). */
MW_API int mw_alert_set_count(const mw_alert_set *set);

/** Alert @p i (0 <= i < count), or NULL when out of range. */
MW_API const mw_alert *mw_alert_set_get(const mw_alert_set *set, int i);

/* ---- the schema: property names and types, in output order ---- */

/** Number of properties every alert of the set has. */
MW_API int mw_alert_set_property_count(const mw_alert_set *set);
/** Name of property @p k ("id", "class", ...), or NULL when out of range. */
MW_API const char *mw_alert_set_property_name(const mw_alert_set *set, int k);
/** Declared type of property @p k: MW_VALUE_STRING, _DOUBLE or _INT (NONE out of range). */
MW_API mw_value_type mw_alert_set_property_type(const mw_alert_set *set, int k);
/** Digits after the point the writers keep for a double property (0 otherwise). */
MW_API int mw_alert_set_property_decimals(const mw_alert_set *set, int k);
/** Index of the property called @p name, or -1. */
MW_API int mw_alert_set_property_index(const mw_alert_set *set, const char *name);

/* ---- run description ---- */

/**
 * The run as a JSON object text: version, both scenes (path, date, sensor),
 * the model (name, path) and the parameters that shape the result; the
 * `minewatch` member of the GeoJSON file, byte for byte. Owned by the set.
 */
MW_API const char *mw_alert_set_metadata_json(const mw_alert_set *set);
/** Target-grid pixels the scan processed (valid or not). */
MW_API long long mw_alert_set_pixels(const mw_alert_set *set);
/** Sum of the alerts' area_ha. */
MW_API double mw_alert_set_area_ha(const mw_alert_set *set);
/** Warnings of the scan (also sent to the context's callback). */
MW_API int mw_alert_set_warning_count(const mw_alert_set *set);
/** Warning @p i, or NULL when out of range. */
MW_API const char *mw_alert_set_warning(const mw_alert_set *set, int i);
/** Per-phase timings ("wall: shift 0.12 s, ...") when MW_OPT_TIMINGS was set, else NULL. */
MW_API const char *mw_alert_set_timings(const mw_alert_set *set);

/* ---- one alert ---- */

/** The alert's id (the `id` property): never NULL. */
MW_API const char *mw_alert_id(const mw_alert *alert);

/**
 * Type of property @p name of @p alert: MW_VALUE_NONE when the set has no
 * such property, MW_VALUE_NULL when this alert has no value (e.g.
 * `protected_area` outside every area, `river_turbidity_change` without
 * water nearby), else the declared type.
 */
MW_API mw_value_type mw_alert_property_type(const mw_alert *alert, const char *name);

/**
 * A string property. *out is NULL for a null value, else owned by the set.
 * MW_ERR_USAGE (with a message) for an unknown name or a non-string property.
 */
MW_API mw_status mw_alert_get_string(const mw_alert *alert, const char *name, const char **out);

/**
 * A number property, double or int (converted). *out is NaN for a null
 * value. Values are at full precision (the writers round them to
 * mw_alert_set_property_decimals()). MW_ERR_USAGE for an unknown name or a
 * string property.
 */
MW_API mw_status mw_alert_get_double(const mw_alert *alert, const char *name, double *out);

/** An integer property (pond counts, ...). MW_ERR_USAGE for an unknown name or another type. */
MW_API mw_status mw_alert_get_int(const mw_alert *alert, const char *name, long long *out);

/**
 * The outline as a GeoJSON geometry object text ("{\"type\": \"Polygon\",
 * ...}"), lon/lat with 7 decimals, exactly as in the alert file. *out is
 * malloc'ed: free it with mw_free().
 */
MW_API mw_status mw_alert_geometry_geojson(const mw_alert *alert, char **out);

/**
 * The outline as ISO WKB (little-endian), lon/lat at full precision.
 * *out (*size bytes) is malloc'ed: free it with mw_free().
 */
MW_API mw_status mw_alert_geometry_wkb(const mw_alert *alert, unsigned char **out, size_t *size);

/* ---- writers ---- */

/**
 * Write the set to @p path, the format chosen by the extension
 * (case-insensitive): `.geojson` / `.json` minewatch's RFC 7946 writer
 * (deterministic bytes, the `minewatch` member); `.gpkg`, `.kml`, `.fgb`,
 * `.csv` (geometry as WKT) and `.shp` (10-character field names) through
 * GDAL/OGR. Local files are written under a temporary name in the same
 * folder and renamed: on failure nothing new is left at @p path. Paths
 * under `/vsimem/` (GDAL's in-memory files) are written there directly;
 * read them with VSIGetMemFileBuffer() or any GDAL call.
 *
 * Outputs the scan left pending (MW_OPT_COMMIT_WITH_ALERTS: the change
 * raster) are committed right after the alert file, by the first write
 * that succeeds. Unknown extension: MW_ERR_USAGE; a folder missing or not
 * writable, a full disk: MW_ERR_WRITE "<path>: <reason>".
 */
MW_API mw_status mw_alert_set_write(mw_alert_set *set, const char *path);

/**
 * The set as the text of its GeoJSON file (what mw_alert_set_write() writes
 * to a `.geojson` path). *out is malloc'ed: free it with mw_free().
 */
MW_API mw_status mw_alert_set_to_geojson(const mw_alert_set *set, char **out);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_ALERTS_H */
