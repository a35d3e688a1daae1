/*
 * Output module: the alert file in any format (mw_alerts_write) and the
 * --change-raster GeoTIFF.
 */
#ifndef MW_OUTPUT_H
#define MW_OUTPUT_H

#include <stdint.h>

#include "alerts/mw_alerts.h"
#include "minewatch/status.h"

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

/**
 * The `minewatch` member's JSON object text of @p meta, as the GeoJSON
 * writer puts it in the file (*out malloc'ed): what
 * mw_alert_set_metadata_json() returns. MW_ERR_USAGE when the parameters
 * are not a JSON object.
 */
mw_status mw_geojson_metadata_text(const mw_alert_meta *meta, char **out);

/*
 * The change raster (--change-raster): a tiled, DEFLATE-compressed GeoTIFF holding the
 * per-pixel change class and the four index changes, ready to open in QGIS.
 *
 * Layout (5 bands, all UInt16 since a GeoTIFF has one sample type):
 *   1 "change class"  codes 0..6 of mw_change.h, category names, and a raster
 *                     attribute table (Value, Class, Red, Green, Blue, Alpha)
 *   2 "dNDVI", 3 "dNDTI", 4 "dBSI", 5 "dMNDWI"
 *                     stored = round(d * 10000) + 32768, clamped to 1..65535;
 *                     band scale 1e-4 and offset -3.2768 give d back in GIS
 *                     software (0.0001 resolution, range +-3.2767 covers the
 *                     +-2 span of an index difference plus shift).
 *   nodata 0 on every band: class 0 is nodata, and 0 decodes to -3.2768,
 *   outside any index difference, so NaN d values map to it.
 * Sidecars: a TIFF palette needs SamplesPerPixel <= 2, so GDAL cannot store a
 * colour table in this 5-band file. Category names and the attribute table
 * (which carries the colours; QGIS >= 3.30 renders it) live in GDAL's
 * "<path>.aux.xml", and "<path without .tif>.qml" is a QGIS style (paletted
 * renderer with the same colours and names) that every QGIS 3 loads as the
 * default style. Sidecars are committed and removed together with the .tif.
 *
 * Determinism: rows are buffered and GDAL sees writes only of whole 256-row
 * block rows (and the final remainder), each followed by a cache flush, so
 * the file bytes do not depend on how the caller chunks its rows, and memory
 * stays at ~2 x 256 x width x 5 x 2 bytes (this buffer + GDAL's block cache).
 *
 * The file is created as "<dir>/.<name>.tmp-<pid>.tif" and renamed onto the
 * final path by mw_change_raster_commit(), so a failed or cancelled run never
 * leaves a truncated raster under the requested name.
 *
 * Thread-safety: a writer must be used from one thread at a time (the engine's
 * ordered output thread).
 */
/** Tile edge of the output GeoTIFF; also the write granularity in rows. */
#define MW_CHANGE_RASTER_BLOCK 256

/** Encoding of an index change into a band value (0 = NaN/nodata). */
#define MW_CHANGE_RASTER_SCALE 1e-4
#define MW_CHANGE_RASTER_OFFSET -3.2768

typedef struct mw_change_raster mw_change_raster;

/**
 * Create the temporary GeoTIFF next to @p path and set all metadata.
 * @param path    final file name (written on commit)
 * @param width,height raster size in pixels (> 0)
 * @param gt      GDAL geotransform of the output grid (may be NULL: none)
 * @param crs_wkt CRS as WKT (NULL or "" : none)
 * @param out     receives the writer; NULL on failure
 * @return MW_OK, MW_ERR_USAGE (bad size), MW_ERR_WRITE naming the file, or
 *         MW_ERR_NOMEM.
 */
mw_status mw_change_raster_create(const char *path, int width, int height, const double gt[6],
                                  const char *crs_wkt, mw_change_raster **out);

/**
 * Append @p nrows full-width rows starting at row @p y0, which must equal the
 * number of rows written so far (rows arrive in order, in chunks of any
 * height). @p cls is required; a NULL d-row writes nodata for that band.
 * NaN d values are stored as nodata.
 * @return MW_OK, MW_ERR_INTERNAL (rows out of order / past the end) or
 *         MW_ERR_WRITE naming the file. After an error, only abort is valid.
 */
mw_status mw_change_raster_write_rows(mw_change_raster *r, int y0, int nrows,
                                      const uint8_t *cls, const float *dndvi,
                                      const float *dndti, const float *dbsi,
                                      const float *dmndwi);

/**
 * Flush, close and rename the temporary file (and its .aux.xml and .qml
 * sidecars) onto the final path. All rows must have been written. Frees @p r in every case; on
 * failure nothing is left on disk (as mw_change_raster_abort()).
 * @return MW_OK, MW_ERR_INTERNAL (missing rows) or MW_ERR_WRITE.
 */
mw_status mw_change_raster_commit(mw_change_raster *r);

/** Close and delete the temporary files, free @p r. NULL is a no-op. */
void mw_change_raster_abort(mw_change_raster *r);

/* The evidence package of a scan (--evidence): its own interface. */
#include "mw_evidence.h"
/** Rewrite the calling thread's last error so it names @p user where it
 *  named the staging path @p staged of an output transaction (either may
 *  be NULL: no change). paths.c */
void mw_output_error_rename(const char *staged, const char *user);

/* Site histories of a monitored series (series.c, timeline_html.c). */
#include "mw_series.h"

#endif
