/*
 * Pieces of the evidence package (module output), one job per file:
 *
 *   evidence_sha256.c      SHA-256 of files and buffers (OpenSSL EVP)
 *   evidence_hasher.c      a background thread hashing the inputs
 *   evidence_provenance.c  product id, tile, baseline, date-time, files of a scene
 *   evidence_dir.c         the package folder: checks, temporary name, commit
 *   evidence_canvas.c      RGB canvas: lines, outline, scale bar, north arrow, text
 *   evidence_png.c         PNG encoding (libdeflate)
 *   evidence_font.c        the tiny built-in bitmap font
 *   evidence_chips.c       per alert: window, chips (PNG), bands (GeoTIFF), alert.json
 *   evidence_quicklook.c   the overview map on a reduced read of the after scene
 *   evidence_coords.c      decimal degrees, DMS, UTM
 *   evidence_report.c      report.html
 *   evidence_kml.c         alerts.kmz and alerts.gpx
 *   evidence_zip.c         the ZIP archive of alerts.kmz
 *   evidence_manifest.c    manifest.json
 *   evidence_sums.c        SHA256SUMS
 *   evidence_verify.c      minewatch verify
 *   evidence.c             the life cycle (mw_evidence.h)
 */
#ifndef MW_EVIDENCE_INTERNAL_H
#define MW_EVIDENCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "mw_evidence.h"

/* ---- SHA-256 (evidence_sha256.c) ------------------------------------- */

typedef struct mw_digest {
    char hex[65];
    long long size;
} mw_digest;

/** SHA-256 of a file, read once, sequentially. MW_ERR_OPEN / MW_ERR_READ naming it. */
mw_status mw_sha256_file(const char *path, mw_digest *out);
/** SHA-256 of a buffer. */
void mw_sha256_mem(const void *data, size_t n, mw_digest *out);
/** "OpenSSL 3.0.x ..." */
const char *mw_sha256_library(void);

/* ---- background hashing (evidence_hasher.c) ----------------------------- */

typedef struct mw_hash_item {
    char *path;
    int ok;               /**< 1 hashed, 0 failed (err says why) */
    mw_digest d;
    char err[256];
} mw_hash_item;

typedef struct mw_hasher mw_hasher;
/** Start hashing @p n files (copied) in order on a new thread. */
mw_status mw_hasher_start(const char *const *paths, int n, mw_hasher **out);
/** Wait for the thread; *seconds = its wall time. */
void mw_hasher_wait(mw_hasher *h, double *seconds);
/** Result for a path (after mw_hasher_wait); NULL if not in the list. */
const mw_hash_item *mw_hasher_find(const mw_hasher *h, const char *path);
/** Stop early (if running), join, free. Accepts NULL. */
void mw_hasher_destroy(mw_hasher *h);

/* ---- provenance of a scene (evidence_provenance.c) ---------------------- */

typedef struct mw_provenance {
    char product_id[256];
    char tile[64];            /**< Sentinel-2 MGRS tile "T20LQR"; Landsat "path 227 row 065" */
    char baseline[64];        /**< S2 processing baseline "04.00"; Landsat collection "02" */
    char datetime[64];        /**< acquisition date-time as the metadata states it */
    char spacecraft[64];
    char metadata_file[1024]; /**< where the above came from ("" if only names) */
    char **files;             /**< every file the scan reads: local paths, sorted */
    int nfiles;
    int band_type[8];         /**< GDALDataType of each role's file (0 if absent) */
} mw_provenance;

/** Fill @p p from the scene's files and metadata. */
mw_status mw_provenance_read(const mw_scene *scene, mw_provenance *p);
void mw_provenance_clear(mw_provenance *p);
/** Files a vector layer consists of (Shapefile sidecars), malloc'ed list. */
int mw_layer_files(const char *path, char ***files);

/* ---- the package folder (evidence_dir.c) -------------------------------- */

/**
 * Refuse (MW_ERR_USAGE) a DIR that exists and is not an empty folder, that
 * is (or lies inside) an input, or that would contain an output.
 */
mw_status mw_evidence_dir_check(const char *dir, const char *const *inputs, int ninputs,
                                 const char *const *outputs);
/** Absolute, symlink-free form of @p path, which may not exist yet; 0 when
 *  it does not fit. */
int mw_evidence_resolve(const char *path, char out[PATH_MAX]);
/** mkdir -p of @p rel under @p root. */
mw_status mw_evidence_mkdirs(const char *root, const char *rel);
/** Remove a folder tree we created. */
void mw_evidence_dir_remove(const char *path);
/** Every regular file under @p root as a relative path, sorted (bytewise). */
mw_status mw_evidence_list(const char *root, char ***names, int *n);
void mw_evidence_list_free(char **names, int n);
/** A whole (small) file through GDAL's VSI (also inside archives), NUL-terminated; NULL if unreadable. */
char *mw_evidence_slurp(const char *path, long max_bytes);
/** Write a whole file (created exclusively). */
mw_status mw_evidence_write_file(const char *path, const void *data, size_t n);
/** The same, its SHA-256 to @p digest unless NULL (hashed from memory as written). */
mw_status mw_evidence_write_hashed(const char *path, const void *data, size_t n, mw_digest *digest);

/* ---- drawing (evidence_canvas.c, evidence_font.c) ------------------------ */

typedef struct mw_canvas {
    int w, h;
    uint8_t *rgb;             /**< w * h * 3 */
    uint8_t *ink;             /**< an overlay's drawn pixels (w * h), or NULL */
} mw_canvas;

mw_status mw_canvas_init(mw_canvas *c, int w, int h);
/** A canvas that records which pixels are drawn: the marks every chip of
 *  an alert shares (all opaque), drawn once and stamped on each. */
mw_status mw_canvas_init_overlay(mw_canvas *c, int w, int h);
/** Copy the drawn pixels of @p overlay (same size) onto @p c. */
void mw_canvas_stamp(mw_canvas *c, const mw_canvas *overlay);
void mw_canvas_clear(mw_canvas *c);
void mw_canvas_line(mw_canvas *c, double x0, double y0, double x1, double y1, int width,
                    const uint8_t rgb[3]);
/** Rings of a geometry, already in canvas pixel coordinates: black under yellow. */
void mw_canvas_outline(mw_canvas *c, OGRGeometryH g);
/** Scale bar (bottom left) for @p m_per_px ground metres per canvas pixel. */
void mw_canvas_scale_bar(mw_canvas *c, double m_per_px);
/** North arrow (top right), @p angle radians clockwise from up. */
void mw_canvas_north_arrow(mw_canvas *c, double angle);
/** Text in the built-in 5x7 font, @p scale times, white on a dark halo. */
void mw_canvas_text(mw_canvas *c, int x, int y, const char *text, int scale);
/** Width in pixels of @p text at @p scale. */
int mw_canvas_text_width(const char *text, int scale);
/** Glyph rows (5 bits each, 7 rows) of @p ch; NULL if the font lacks it. */
const uint8_t *mw_font_glyph(char ch);
/** Write the canvas as a PNG; its SHA-256 to @p digest unless NULL. */
mw_status mw_canvas_write_png(const mw_canvas *c, const char *path, mw_digest *digest);
/** PNG bytes of an RGB image (malloc'ed; evidence_png.c). */
mw_status mw_png_encode(const uint8_t *rgb, int w, int h, uint8_t **out, size_t *len);

/* ---- the fixed stretch of every chip (evidence_chips.c) ----------------- */

#define MW_CHIP_SIZE 320            /* display width of a chip in the report, CSS pixels */
#define MW_CHIP_WINDOW_MAX 768      /* largest window of one alert, target pixels */
#define MW_CHIP_MARGIN 24           /* window = the site's pixel box and this margin, target pixels */
#define MW_CHIP_NFILES 7            /* files of a window (mw_chip_files) */
#define MW_STRETCH_TRUE_MAX 0.25    /* reflectance mapped to 255 in true colour */
#define MW_STRETCH_SWIR_MAX 0.50    /* ... and in SWIR2/NIR/red */

/** The five chips and two GeoTIFFs of a window, in this order. */
extern const char *const mw_chip_files[MW_CHIP_NFILES];

/** Per-alert facts the report reuses. */
typedef struct mw_chip_info {
    mw_rect window;           /**< target pixels shown */
    int cropped;              /**< the alert is larger than the window */
    double north_angle;       /**< true north, radians clockwise from the grid's up */
    int captured;             /**< chips made while the scan measured the site */
    int hashed;               /**< files[] holds the SHA-256 of mw_chip_files as written */
    mw_digest files[MW_CHIP_NFILES];
} mw_chip_info;

/**
 * The window of a site whose pixel box is @p bbox: the box and
 * MW_CHIP_MARGIN, within @p bounds, at most MW_CHIP_WINDOW_MAX a side
 * (centred on the box); *cropped when the box does not fit.
 */
mw_rect mw_chip_window(mw_rect bbox, mw_rect bounds, int *cropped);

typedef struct mw_chip_ctx {
    const mw_evidence_scan *scan;    /**< for alerts read afterwards; may be NULL when capturing */
    const mw_grid *grid;
    const mw_provenance *prov_before, *prov_after;
    const mw_scene *before, *after;
    const char *root;         /**< temporary package folder */
} mw_chip_ctx;

/** One chip window's pixels (bands at the window origin, with strides). */
typedef struct mw_chip_src {
    mw_rect r;
    const float *before[6], *after[6];
    size_t band_stride;
    const uint8_t *cls;
    size_t cls_stride;
    OGRGeometryH outline;     /**< grid CRS; not owned */
    double north_angle;
} mw_chip_src;

/** The five chips and two GeoTIFFs of one window into @p dir, their SHA-256
 *  (hashed from memory as written) into @p digests. Thread-safe. */
mw_status mw_chip_write(const mw_chip_ctx *cc, const mw_chip_src *src, const char *dir,
                        mw_digest digests[MW_CHIP_NFILES]);
/** Chips of every alert not captured yet, in parallel on scan->threads threads. */
mw_status mw_evidence_chips(const mw_chip_ctx *cc, mw_chip_info *info);
/** Colour of change class @p cls in change.png (and the legend). */
void mw_class_colour(int cls, uint8_t rgb[3]);
/** Name of change class @p cls. */
const char *mw_class_label(int cls);

/* ---- overview (evidence_quicklook.c) ------------------------------------ */

typedef struct mw_quicklook {
    int w, h;                 /**< canvas size */
    double gt[6];             /**< canvas pixel -> target CRS */
} mw_quicklook;

/** Canvas size and geotransform of the overview of @p g. */
void mw_quicklook_layout(const mw_grid *g, mw_quicklook *q);
/**
 * Write the overview: @p rgb (q->w * q->h * 3, sampled from the scan's
 * tiles) when not NULL, else a reduced read of the after scene's files.
 */
mw_status mw_evidence_quicklook(const mw_scene *after, const mw_evidence_scan *scan, const uint8_t *rgb,
                                const char *path, mw_quicklook *q);

/* ---- capture during the scan (evidence_capture.c) ------------------------ */

typedef struct mw_evidence_cap {
    int next;                 /**< stages handed out */
    mw_chip_info *info;       /**< per stage (stage n at n - 1): window and digests */
    int cap;
} mw_evidence_cap;

mw_status mw_evidence_capture_into(mw_evidence_cap *cap, const mw_chip_ctx *cc, const mw_evidence_site *site,
                                   int *stage);
/** Window facts and digests of capture @p stage; 0 if unknown. */
int mw_evidence_stage_info(const mw_evidence_cap *cap, int stage, mw_chip_info *info);
void mw_evidence_cap_clear(mw_evidence_cap *cap);
/** Sample a tile core of the after scene into the overview canvas @p rgb. */
void mw_quicklook_add(mw_quicklook *q, uint8_t *rgb, const mw_grid *g, mw_rect core, mw_rect area,
                      const mw_scene_pixels *px);

/* ---- coordinates (evidence_coords.c) ------------------------------------ */

/** "3°12'45.3\"S" style, @p is_lat picks N/S or E/W. */
void mw_format_dms(double v, int is_lat, char *out, size_t size);
/** UTM transformations, one per zone, made on first use. One thread. */
typedef struct mw_utm mw_utm;
mw_utm *mw_utm_create(void);
void mw_utm_destroy(mw_utm *u);
/** "21L 412345 E 8765432 N" (WGS 84 / UTM). 0 if PROJ cannot. */
int mw_format_utm(mw_utm *u, double lon, double lat, char *out, size_t size);

/* ---- HTML, KML, GPX, manifest, sums ------------------------------------- */

typedef struct mw_report_ctx {
    const mw_evidence_scan *scan;
    const mw_chip_info *info;
    const mw_quicklook *ql;
    const mw_provenance *prov_before, *prov_after;
    const char *started_utc;
} mw_report_ctx;

mw_status mw_evidence_report(const mw_report_ctx *rc, const char *path);
/** A ZIP archive written in order (evidence_zip.c): entries stored or
 *  deflated, fixed time stamps, no ZIP64. */
typedef struct mw_zip mw_zip;
mw_status mw_zip_open(const char *path, mw_zip **out);
mw_status mw_zip_add(mw_zip *z, const char *name, const void *data, size_t n, int compress);
/** Finish (central directory) when @p keep, else remove the file; frees @p z. */
mw_status mw_zip_close(mw_zip *z, int keep);
mw_status mw_evidence_kmz(const mw_evidence_scan *scan, const char *root, const char *path);
mw_status mw_evidence_gpx(const mw_evidence_scan *scan, const char *path);
/** The Feature text of alert @p i (from the alert writer), malloc'ed. */
char *mw_evidence_feature_json(const mw_evidence_scan *scan, int i);
/** Text for an alert's balloon / description (plain, one line per fact). */
void mw_evidence_describe(const mw_alert *a, const mw_alert_meta *meta, char *out, size_t size);

/** Everything the manifest states. */
typedef struct mw_manifest_ctx {
    const mw_evidence_setup *setup;
    const mw_evidence_scan *scan;
    const mw_provenance *prov[2];
    const mw_hasher *hasher;
    double hash_seconds;
    const char *started_utc;
} mw_manifest_ctx;

/** The manifest but for the alert file and the end time (NULL + *status on failure). */
struct json_object *mw_evidence_manifest_make(const mw_manifest_ctx *mc, mw_status *status);
/** Add the alert file and the end time, write to @p path. */
mw_status mw_evidence_manifest_finish(struct json_object *m, const char *alert_path, const mw_digest *alerts,
                                      const char *finished_utc, const char *path);

/** SHA-256 of files hashed as they were written, by path relative to the package. */
typedef struct mw_sum_table {
    char **names;
    mw_digest *d;
    int n, cap, sorted;
} mw_sum_table;

mw_status mw_sum_table_add(mw_sum_table *t, const char *name, const mw_digest *d);
void mw_sum_table_clear(mw_sum_table *t);

/** Write <root>/SHA256SUMS for every other file under root (the digests of
 *  @p known, which may be NULL, for the files it lists; the others hashed
 *  now); its digest to @p out. */
mw_status mw_evidence_sums(const char *root, mw_sum_table *known, mw_digest *out);

/** "2026-12-04T21:07:33Z" for now. */
void mw_utc_now(char out[32]);

#endif
