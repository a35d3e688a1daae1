/**
 * Batch scans: many scene pairs in one process, resumable and shardable,
 * with one merged alert layer (each site once where tiles overlap).
 *
 * INPUT is a CSV manifest (`before,after[,id,aoi]`), a folder of scenes
 * (paired by MGRS tile or WRS path/row, then by date) or a STAC Item /
 * ItemCollection `.json`. OUTDIR receives `pairs/<id>.geojson`,
 * `batch.json` (each pair's state, its inputs' fingerprints and the
 * parameters) and, for a whole batch, `alerts.geojson` and `alerts.gpkg`.
 * A second run with the same INPUT and OUTDIR resumes: pairs done with the
 * same inputs and parameters are kept, the rest is scanned.
 *
 * Every pair runs through one ::mw_context, so the model is read once and
 * GDAL is set up once for the whole batch.
 *
 * Thread-safety: a batch holds OUTDIR locked (flock) while it runs; two
 * batches on different folders may run at once in different threads with
 * one context.
 */
#ifndef MINEWATCH_BATCH_H
#define MINEWATCH_BATCH_H

#include "minewatch/status.h"
#include "minewatch/scene.h"
#include "minewatch/context.h"
#include "minewatch/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a pair of a batch is at the end of a run. */
typedef enum mw_batch_state {
    MW_BATCH_PENDING = 0,  /**< not scanned yet (another shard's, or interrupted) */
    MW_BATCH_DONE,         /**< scanned; its alerts are in pairs/<id>.geojson */
    MW_BATCH_FAILED,       /**< its scan failed (see mw_batch_summary_failed_reason()) */
    MW_BATCH_SKIPPED       /**< not a pair: a scene with no partner, no date, ... */
} mw_batch_state;

/** How a folder or STAC INPUT pairs the dates of one tile. */
typedef enum mw_batch_pairing {
    MW_BATCH_PAIR_CONSECUTIVE = 0,  /**< d0-d1, d1-d2, ... (default) */
    MW_BATCH_PAIR_FIRST             /**< d0-d1, d0-d2, ...: every date against the first */
} mw_batch_pairing;

/** One line for the user about the batch ("[2/5] T21MYN_...: 3 alerts, 1.2 s"). */
typedef void (*mw_batch_message_fn)(const char *line, void *user);

typedef struct mw_batch_options mw_batch_options;
typedef struct mw_batch_summary mw_batch_summary;

/** "pending", "done", "failed", "skipped" (the words of batch.json). */
MW_API const char *mw_batch_state_name(mw_batch_state state);

/** Batch options at their defaults (auto sensor, consecutive pairing, whole batch); NULL when out of memory. */
MW_API mw_batch_options *mw_batch_options_new(void);
/** Free batch options; NULL is accepted. */
MW_API void mw_batch_options_free(mw_batch_options *options);
/** Sensor of every scene (MW_SENSOR_AUTO detects; a STAC item's own sensor wins). */
MW_API mw_status mw_batch_options_set_sensor(mw_batch_options *options, mw_sensor sensor);
/** Band map of every scene ("blue=1,...,mask=7", as mw_scene_open_args), copied; NULL resets. */
MW_API mw_status mw_batch_options_set_band_map(mw_batch_options *options, const char *band_map);
/** Pairing of a folder or STAC INPUT; MW_ERR_USAGE for an unknown value. */
MW_API mw_status mw_batch_options_set_pairing(mw_batch_options *options, mw_batch_pairing pairing);
/**
 * Run only entries @p k, k + n, k + 2n, ... of the plan (0 <= k < n;
 * 0/1, the default, is the whole batch). A shard writes its pairs and
 * batch.json but no merged alerts: join the shards with mw_batch_merge().
 * MW_ERR_USAGE outside that range.
 */
MW_API mw_status mw_batch_options_set_shard(mw_batch_options *options, int k, int n);
/** Install (or with NULL remove) the handler of one-line messages (a pair done or failed, pairs kept). */
MW_API void mw_batch_options_set_message_handler(mw_batch_options *options, mw_batch_message_fn fn, void *user);

/**
 * Scan the pairs of @p input into @p outdir.
 *
 * @param ctx      context (model cache, threads, warnings) shared by every
 *                 pair; NULL makes one for this call
 * @param input    CSV manifest, folder of scenes, or STAC .json
 * @param outdir   the batch folder: new, empty, or a folder a batch of
 *                 ours wrote (it holds batch.json); anything else is
 *                 refused (MW_ERR_USAGE), so no file of the user is touched
 * @param scan     scan options of every pair, NULL for the defaults:
 *                 MW_OPT_AOI is the AOI of pairs whose manifest row names
 *                 none; MW_OPT_OUTPUT is ignored; MW_OPT_CHANGE_RASTER is
 *                 refused (MW_ERR_USAGE). Threads and tile size do not
 *                 change results and are not part of the parameters.
 * @param batch    batch options, NULL for the defaults
 * @param progress over the whole batch (pairs, pixels, ETA in the
 *                 message); may be NULL; returning 0 stops the batch after
 *                 cleaning up the pair under way (MW_ERR_CANCELLED: a later
 *                 run resumes)
 * @param out      the summary (free with mw_batch_summary_destroy()), set
 *                 when the batch ran (MW_OK, also when pairs failed) or was
 *                 cancelled (MW_ERR_CANCELLED); else NULL
 *
 * A pair that fails is recorded with its reason and the batch goes on:
 * the return value is MW_OK; mw_batch_summary_count(s, MW_BATCH_FAILED)
 * tells. Other errors (unreadable input, outdir not writable, another
 * batch running in it) stop the batch.
 */
MW_API mw_status mw_batch_run(mw_context *ctx, const char *input, const char *outdir, const mw_options *scan,
                              const mw_batch_options *batch, mw_progress_fn progress, void *progress_arg,
                              mw_batch_summary **out);

/**
 * Join the folders of a batch's shards (@p ndirs of them) into @p outdir:
 * the bytes a one-process batch writes. MW_ERR_USAGE when they are not
 * shards of one batch (input, parameters or version differ), a shard is
 * missing, given twice or unfinished, or @p outdir is among them. @p out
 * as for mw_batch_run() (set on MW_OK).
 */
MW_API mw_status mw_batch_merge(const char *const *dirs, int ndirs, const char *outdir,
                                mw_batch_summary **out);

/** Free a summary; NULL is accepted. */
MW_API void mw_batch_summary_destroy(mw_batch_summary *summary);
/** Entries of the run (of its shard) in @p state; for a merge, of the whole batch. */
MW_API int mw_batch_summary_count(const mw_batch_summary *summary, mw_batch_state state);
/** Pairs this run scanned (0 for a merge). */
MW_API int mw_batch_summary_scanned(const mw_batch_summary *summary);
/** Pairs done by an earlier run with the same inputs and parameters, kept as they were. */
MW_API int mw_batch_summary_reused(const mw_batch_summary *summary);
/** 1 when everything was already done with the same inputs and parameters: the run wrote nothing. */
MW_API int mw_batch_summary_up_to_date(const mw_batch_summary *summary);
/** Id of failed pair @p i (0 <= i < count of MW_BATCH_FAILED, in plan order), or NULL. */
MW_API const char *mw_batch_summary_failed_id(const mw_batch_summary *summary, int i);
/** One-line reason failed pair @p i failed, or NULL. */
MW_API const char *mw_batch_summary_failed_reason(const mw_batch_summary *summary, int i);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_BATCH_H */
