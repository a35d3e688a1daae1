/*
 * Output module internals: the two alert writers behind mw_alerts_write(),
 * the temporary-name-and-rename helpers, and the raw tiles of the change
 * raster. Not part of the contract; tests include it to reach the
 * stream-level writer (disk-full checks) and the tile writer.
 */
#ifndef MW_OUTPUT_INTERNAL_H
#define MW_OUTPUT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "mw_output.h"

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

/** The whole GeoJSON text in memory (*out malloc'ed, *len bytes). */
mw_status mw_geojson_write_memory(const mw_alert *alerts, int count, const mw_alert_meta *meta,
                                  int threads, char **out, size_t *len);

/** A geometry as GeoJSON text, 7 decimals as in the files (*out malloc'ed). */
mw_status mw_geojson_geometry_text(OGRGeometryH geometry, char **out);

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

/*
 * The pixels of the change raster, compressed by the threads of the tile
 * pass and appended as raw tiles.
 *
 * Why: with GDAL writing the change raster, DEFLATE ran on the one thread
 * that writes (about 9 s of a full Sentinel-2 tile's 23 s) while the other
 * threads waited at the end of each wave. Here each tile is compressed as
 * an OpenMP task (predictor 2, then zlib-wrapped DEFLATE with libdeflate,
 * exactly what TIFF's Adobe DEFLATE expects) and the tiles are appended in
 * a fixed order, so the file's bytes do not depend on the thread count.
 * GDAL still creates the file (tags, georeferencing, PAM sidecar); libtiff
 * only appends tile data to it.
 */
typedef struct mw_raw_tiles mw_raw_tiles;

/** 1 when this build can write raw tiles (libdeflate present). */
int mw_raw_tiles_available(void);

/**
 * Open @p file, a tiled (block x block), band-separate, UInt16, DEFLATE,
 * predictor-2 GeoTIFF of @p nbands bands whose tiles are all still empty
 * (created with SPARSE_OK), for appending. @p label names the file in
 * errors. MW_ERR_WRITE or MW_ERR_NOMEM on failure.
 */
mw_status mw_raw_tiles_open(const char *file, const char *label, int width, int height,
                            int nbands, int block, mw_raw_tiles **out);

/**
 * Compress and append tile row @p trow: @p planes holds nbands planes of
 * block x width samples of which the first @p rows rows are valid (the
 * rest is written as 0, nodata). Compression runs as OpenMP tasks: inside
 * a parallel region the team's idle threads help. MW_ERR_WRITE naming the
 * file on failure.
 */
mw_status mw_raw_tiles_write_row(mw_raw_tiles *t, int trow, const uint16_t *planes, int rows);

/** Write the directory and close; MW_ERR_WRITE on failure. Frees @p t (NULL ok). */
mw_status mw_raw_tiles_close(mw_raw_tiles *t);

#endif
