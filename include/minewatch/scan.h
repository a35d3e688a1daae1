/**
 * The scan job: two scenes in, candidate mining sites out.
 *
 * Options live in an opaque, extensible object (as ZSTD_CCtx_setParameter):
 * set what you need, leave the rest at the documented defaults.
 */
#ifndef MINEWATCH_SCAN_H
#define MINEWATCH_SCAN_H

#include "minewatch/status.h"
#include "minewatch/scene.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mw_options mw_options;

typedef enum mw_option {
    /* integers */
    MW_OPT_THREADS = 1,       /**< worker threads, 0 = all cores (default 0) */
    MW_OPT_TILE_SIZE,         /**< tile edge in pixels, 16..8192 (default 512) */
    MW_OPT_TIMINGS,           /**< 1 to collect per-phase timings (default 0) */
    /* doubles */
    MW_OPT_MIN_AREA_HA = 100, /**< smallest alert, hectares (default 0.5) */
    MW_OPT_MIN_CONFIDENCE,    /**< smallest confidence, 0..1 (default 0.5) */
    /* strings (copied) */
    MW_OPT_MODEL = 200,       /**< model file; default models/<sensor>.json */
    MW_OPT_AOI,               /**< OGR polygon layer restricting the scan */
    MW_OPT_PROTECTED,         /**< OGR polygon layer of named protected areas */
    MW_OPT_CHANGE_RASTER,     /**< GeoTIFF of change classes and index changes */
    MW_OPT_OUTPUT,            /**< alert file; format from its extension */
    MW_OPT_MODEL_DIR,         /**< where default models are looked up */
    MW_OPT_EVIDENCE,          /**< folder for the evidence package (new or empty) */
    MW_OPT_COMMAND_LINE       /**< the command line as typed, recorded in the evidence manifest */
} mw_option;

mw_options *mw_options_new(void);
void mw_options_free(mw_options *options);
/** Returns MW_ERR_USAGE (with a message) for an unknown option or bad value. */
mw_status mw_options_set_int(mw_options *options, mw_option key, long value);
mw_status mw_options_set_double(mw_options *options, mw_option key, double value);
mw_status mw_options_set_string(mw_options *options, mw_option key, const char *value);

/** What a finished scan reports back. */
typedef struct mw_scan_result mw_scan_result;

/**
 * Run a scan of @p before against @p after and write the alerts named by
 * MW_OPT_OUTPUT. Writes to a temporary file renamed on success: on failure
 * no output file is left. @p progress may be NULL.
 */
mw_status mw_scan(const mw_scene *before, const mw_scene *after,
                  const mw_options *options, mw_progress_fn progress,
                  void *progress_arg, mw_scan_result **result);

void mw_scan_result_free(mw_scan_result *result);
int mw_scan_result_alert_count(const mw_scan_result *result);
double mw_scan_result_alert_area_ha(const mw_scan_result *result);
/** Target grid pixels processed (valid or not). */
long long mw_scan_result_pixels(const mw_scan_result *result);
/** Non-NULL when MW_OPT_TIMINGS was set: "read 1.23 s, indices ...". */
const char *mw_scan_result_timings(const mw_scan_result *result);
/** Warnings worth showing the user (e.g. "AOI does not overlap"), or NULL. */
const char *mw_scan_result_warnings(const mw_scan_result *result);
/** SHA-256 (hex) of the evidence package's SHA256SUMS, or NULL without MW_OPT_EVIDENCE. */
const char *mw_scan_result_evidence_fingerprint(const mw_scan_result *result);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_SCAN_H */
