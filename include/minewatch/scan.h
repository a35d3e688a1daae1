/**
 * The scan job: two scenes in, candidate mining sites out.
 *
 * Options live in an opaque, extensible object (as ZSTD_CCtx_setParameter):
 * set what you need, leave the rest at the documented defaults.
 *
 * mw_scan_run() returns the alerts in memory (an ::mw_alert_set) and writes
 * nothing but the optional change raster; mw_alert_set_write() then takes
 * the set to files. mw_scan() is the two in one call, for a single pair.
 */
#ifndef MINEWATCH_SCAN_H
#define MINEWATCH_SCAN_H

#include "minewatch/status.h"
#include "minewatch/scene.h"
#include "minewatch/context.h"
#include "minewatch/alerts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mw_options mw_options;

typedef enum mw_option {
    /* integers */
    MW_OPT_THREADS = 1,       /**< worker threads, 0 = all cores (default 0) */
    MW_OPT_TILE_SIZE,         /**< tile edge in pixels, 16..8192 (default 512) */
    MW_OPT_TIMINGS,           /**< 1 to collect per-phase timings (default 0) */
    MW_OPT_COMMIT_WITH_ALERTS, /**< 1: mw_scan_run() keeps the change raster under a
                                    temporary name; the set's first successful
                                    mw_alert_set_write() commits it after the alert
                                    file, so both appear together (default 0: the
                                    raster is committed when the scan succeeds) */
    /* doubles */
    MW_OPT_MIN_AREA_HA = 100, /**< smallest alert, hectares (default 0.5) */
    MW_OPT_MIN_CONFIDENCE,    /**< smallest confidence, 0..1 (default 0.5) */
    /* strings (copied) */
    MW_OPT_MODEL = 200,       /**< model file; default models/<sensor>.json */
    MW_OPT_AOI,               /**< OGR polygon layer restricting the scan */
    MW_OPT_PROTECTED,         /**< OGR polygon layer of named protected areas */
    MW_OPT_CHANGE_RASTER,     /**< GeoTIFF of change classes and index changes
                                   (optional sink of the scan, see mw_scan_run()) */
    MW_OPT_OUTPUT,            /**< alert file of mw_scan(); mw_scan_run() ignores it */
    MW_OPT_MODEL_DIR,         /**< where default models are looked up */
    MW_OPT_EVIDENCE,          /**< folder for the evidence package (new or empty); needs the alert
                                   file: written by mw_scan(), or by the first mw_alert_set_write() */
    MW_OPT_COMMAND_LINE,      /**< the command line as typed, recorded in the evidence manifest */
    MW_OPT_PREVIOUS           /**< an earlier run's alert file (any format minewatch writes):
                                   link sites to it; the set gains site_id, status,
                                   first_seen, last_seen, n_detections, area_change_ha,
                                   merged_ids, and holds earlier sites not found again */
} mw_option;

/** New options at their defaults; NULL when out of memory. */
MW_API mw_options *mw_options_new(void);
/** Free options; NULL is accepted. Options are only read by a scan: one
 *  object may serve several scans, also at the same time. */
MW_API void mw_options_free(mw_options *options);
/** Returns MW_ERR_USAGE (with a message) for an unknown option or bad value. */
MW_API mw_status mw_options_set_int(mw_options *options, mw_option key, long value);
MW_API mw_status mw_options_set_double(mw_options *options, mw_option key, double value);
MW_API mw_status mw_options_set_string(mw_options *options, mw_option key, const char *value);

/**
 * Scan @p before against @p after and return the alerts in memory.
 *
 * @param ctx      context (model cache, threads, warnings); NULL makes a
 *                 temporary one for this call
 * @param before   @p nbefore before scenes; today exactly one (nbefore 1)
 * @param after    the after scene; its grid is the target grid
 * @param options  NULL for the defaults. MW_OPT_OUTPUT is ignored; with
 *                 MW_OPT_CHANGE_RASTER the raster is written during the scan
 *                 (under a temporary name) and committed when the scan
 *                 succeeds, or with the alerts (MW_OPT_COMMIT_WITH_ALERTS)
 * @param progress may be NULL; called from the calling thread; returning 0
 *                 cancels (MW_ERR_CANCELLED, nothing left on disk)
 * @param out      receives the set (free with mw_alert_set_destroy()); NULL
 *                 on failure, with mw_last_error() saying why
 *
 * Thread-safety: scans may run at the same time in different threads, with
 * one context or several; each scan uses its own worker threads. The
 * scenes are only read.
 */
MW_API mw_status mw_scan_run(mw_context *ctx, const mw_scene *const *before, int nbefore,
                             const mw_scene *after, const mw_options *options,
                             mw_progress_fn progress, void *progress_arg, mw_alert_set **out);

/** What a finished scan reports back. */
typedef struct mw_scan_result mw_scan_result;

/**
 * Run a scan of @p before against @p after and write the alerts named by
 * MW_OPT_OUTPUT (and the change raster, committed after them). Writes to a
 * temporary file renamed on success: on failure no output file is left.
 * @p progress may be NULL. The same as mw_scan_run() with a temporary
 * context, then mw_alert_set_write(): use those to scan many pairs with one
 * model cache.
 */
MW_API mw_status mw_scan(const mw_scene *before, const mw_scene *after,
                         const mw_options *options, mw_progress_fn progress,
                         void *progress_arg, mw_scan_result **result);

MW_API void mw_scan_result_free(mw_scan_result *result);
MW_API int mw_scan_result_alert_count(const mw_scan_result *result);
MW_API double mw_scan_result_alert_area_ha(const mw_scan_result *result);
/** Target grid pixels processed (valid or not). */
MW_API long long mw_scan_result_pixels(const mw_scan_result *result);
/** Non-NULL when MW_OPT_TIMINGS was set: "read 1.23 s, indices ...". */
MW_API const char *mw_scan_result_timings(const mw_scan_result *result);
/** Warnings worth showing the user (e.g. "AOI does not overlap"), or NULL. */
MW_API const char *mw_scan_result_warnings(const mw_scan_result *result);

/** What a finished series (mw_monitor) reports back. */
typedef struct mw_monitor_result mw_monitor_result;

/**
 * Run a dated series of one place as consecutive pairs with lineage, one
 * context (the model parsed once). @p scenes may come in any order: they
 * are sorted by date (two scenes of one date, or a scene without a date,
 * is MW_ERR_USAGE). Writes into the folder @p outdir (made if missing):
 * `<date>.geojson` per step (the after date; alerts with lineage),
 * `sites.gpkg` (one row per site: its history) and `timeline.html` (each
 * site's area over time, self-contained). Other files in @p outdir are
 * left alone. Every output is checked first like a scan's (an input, a
 * read-only file or a folder in the way is refused before a pixel is
 * read) and all are committed together by one output transaction
 * (minewatch/output.h): a failed or interrupted run leaves @p outdir as it
 * was. @p ctx may be NULL (one is made).
 * MW_OPT_OUTPUT, MW_OPT_PREVIOUS and MW_OPT_CHANGE_RASTER are ignored.
 */
MW_API mw_status mw_monitor(mw_context *ctx, mw_scene *const *scenes, int n, const mw_options *options,
                            const char *outdir, mw_progress_fn progress, void *progress_arg,
                            mw_monitor_result **result);
MW_API void mw_monitor_result_free(mw_monitor_result *result);
MW_API int mw_monitor_result_steps(const mw_monitor_result *result);
/** After date "YYYY-MM-DD" of step @p k (0-based). */
MW_API const char *mw_monitor_result_step_date(const mw_monitor_result *result, int k);
/** Sites of step @p k with lineage status @p status ("new", ...). */
MW_API int mw_monitor_result_step_count(const mw_monitor_result *result, int k, const char *status);
/** Sites in sites.gpkg. */
MW_API int mw_monitor_result_sites(const mw_monitor_result *result);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_SCAN_H */
