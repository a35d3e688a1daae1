/*
 * Alerts module internals: the shared property table, number formatting,
 * and the two writers behind mw_alerts_write(). Not part of the contract;
 * tests include it to reach the stream-level writer (disk-full checks).
 */
#ifndef MW_ALERTS_INTERNAL_H
#define MW_ALERTS_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "mw_alerts.h"

/** Kinds of alert properties. */
typedef enum mw_alert_kind { MW_AK_STRING, MW_AK_REAL, MW_AK_INT } mw_alert_kind;

/** One property of an alert, in the fixed output order. */
typedef struct mw_alert_field {
    const char *name;        /**< property name (GeoJSON, GPKG, FGB, CSV, KML) */
    const char *short_name;  /**< <= 10 characters, for Shapefile DBF */
    mw_alert_kind kind;
    int decimals;            /**< for MW_AK_REAL: digits after the point */
} mw_alert_field;

/** The value of one property of one alert. */
typedef struct mw_alert_value {
    mw_alert_kind kind;
    const char *s;  /**< MW_AK_STRING; NULL means null */
    double d;       /**< MW_AK_REAL; NaN/inf means null */
    int i;          /**< MW_AK_INT */
} mw_alert_value;

/** The property table, in output order (id first). */
extern const mw_alert_field mw_alert_fields[];
/** Number of entries of mw_alert_fields. */
extern const int mw_alert_field_count;

/** 1 when @p field is written for @p meta (lineage fields only with meta->lineage). */
int mw_alert_field_used(int field, const mw_alert_meta *meta);

/**
 * Value of property @p field of @p alert. Dates and sensor come from
 * @p meta (before_date, after_date, after_sensor); @p meta may be NULL.
 * Pure; thread-safe.
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

/**
 * Write the RFC 7946 FeatureCollection to an open stream. @p what names the
 * destination in error messages. Checks every write and flushes the stream
 * (not closing it): a full disk gives MW_ERR_WRITE "<what>: <strerror>".
 * The features' text is formatted by up to @p threads OpenMP threads (< 1:
 * one) and written in order by the caller: the bytes are the same for any
 * @p threads.
 */
mw_status mw_geojson_write_stream(FILE *f, const char *what, const mw_alert *alerts,
                                  int count, const mw_alert_meta *meta, int threads);

/** GeoJSON to @p path via "<dir>/.<name>.tmp-<pid>" and rename. */
mw_status mw_geojson_write_file(const char *path, const mw_alert *alerts, int count,
                                const mw_alert_meta *meta, int threads);

/**
 * Write through the OGR driver @p driver (a GDAL short name) to @p path,
 * via a temporary name that keeps the extension @p ext (with its dot), then
 * rename. Layer SRS is WGS84 lon/lat; layer name is the file stem.
 */
mw_status mw_ogr_write_file(const char *path, const char *driver, const char *ext,
                            const mw_alert *alerts, int count, const mw_alert_meta *meta);

/**
 * Temporary name next to @p path: "<dir>/.<name>.tmp-<pid>" when @p ext is
 * NULL, else "<dir>/.<stem>.tmp-<pid><ext>" (drivers that insist on an
 * extension). *out is malloc'ed. Checks first that the folder exists and
 * is writable: MW_ERR_WRITE "<path>: <strerror>".
 */
mw_status mw_alerts_temp_name(const char *path, const char *ext, char **out);

/** rename(@p tmp, @p path); on failure unlink @p tmp and MW_ERR_WRITE. */
mw_status mw_alerts_commit(const char *tmp, const char *path);

#endif
