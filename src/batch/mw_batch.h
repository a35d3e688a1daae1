/*
 * Batch scans: many scene pairs in one process, resumable, shardable, with
 * one merged alert layer (each site once where tiles overlap).
 *
 * A batch is a *plan* (the ordered list of entries: pairs to scan and
 * scenes that could not be paired), a *state* (OUTDIR/batch.json: each
 * entry's state, inputs' fingerprints, footprint, and the parameters) and
 * the outputs (OUTDIR/pairs/<id>.geojson, OUTDIR/alerts.geojson and .gpkg).
 * Files, one job each:
 *
 *   plan.c        the plan type, entry ids, sharding
 *   manifest.c    CSV manifest -> plan
 *   pairing.c     a folder of scenes -> plan (tile / path-row, dates)
 *   scene_key.c   tile or path/row of a scene from names or metadata
 *   stac.c        STAC Item / ItemCollection -> scenes (per-band VRTs) -> plan
 *   fingerprint.c inputs' fingerprints (see there for the rule)
 *   sha256.c      SHA-256 (FIPS 180-4)
 *   state.c       batch.json: write (atomic) and read back
 *   run.c         the loop: pair after pair, progress, state after each pair
 *   merge.c       shards -> one folder; pairs' alerts -> alerts.geojson/.gpkg
 *   footprint.c   a scene's lon/lat footprint and centre
 *   params.c      the parameters recorded in batch.json; the output folder check
 *   api.c         the public API (minewatch/batch.h): options, run, merge, summary
 */
#ifndef MW_BATCH_H
#define MW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "minewatch/minewatch.h"
#include "minewatch/batch.h"

int mw_batch_state_parse(const char *s, mw_batch_state *out);

/** One entry of the plan (a pair to scan, or a skipped scene). */
typedef struct mw_batch_entry {
    int index;                 /**< position in the plan, 0-based */
    char *id;                  /**< unique, [A-Za-z0-9._-] */
    char *before, *after;      /**< scene paths as opened (after NULL for a skipped scene) */
    char *aoi;                 /**< per-pair AOI (manifest column) or NULL */
    char *before_date, *after_date;  /**< date overrides (STAC datetime) or NULL */
    mw_sensor sensor;          /**< sensor override (STAC) or MW_SENSOR_AUTO */
    char **extra_files;        /**< files a scene reads that its path does not hold (STAC hrefs) */
    int nextra;
    /* filled by a run, kept in batch.json */
    mw_batch_state state;
    char *reason;              /**< failed / skipped: one line */
    char fp_before[65], fp_after[65], fp_aoi[65];
    int have_footprint;
    double footprint[4];       /**< lon0, lat0, lon1, lat1 of the after scene */
    double centre[2];          /**< lon, lat of the after scene's grid centre */
    int alerts;
    long long pixels;
} mw_batch_entry;

/** The ordered entries of a batch and where they came from. */
typedef struct mw_batch_plan {
    char *input;               /**< INPUT as given */
    const char *kind;          /**< "csv", "folder", "stac" */
    mw_batch_entry *entries;
    int count, cap;
} mw_batch_plan;

/** How to form a plan. */
typedef struct mw_batch_plan_args {
    int pairing_first;         /**< folder / STAC: 0 consecutive dates, 1 all against the first */
    mw_scene_open_args open;   /**< --sensor, --band-map for every scene */
    const char *outdir;        /**< left out of a folder listing */
} mw_batch_plan_args;

mw_status mw_batch_plan_from_input(const char *input, const mw_batch_plan_args *args, mw_batch_plan **out);
void mw_batch_plan_destroy(mw_batch_plan *plan);
/** Append an entry (copies the strings); returns it or NULL (error set). */
mw_batch_entry *mw_batch_plan_add(mw_batch_plan *plan, const char *id, const char *before,
                                  const char *after, const char *aoi);
/** Give every entry a unique, file-safe id (suffix -2, -3 ... on clashes). */
mw_status mw_batch_plan_finish(mw_batch_plan *plan);
/** Replace anything outside [A-Za-z0-9._-] by '_'. */
void mw_batch_sanitize_id(char *id);

mw_status mw_batch_plan_from_csv(const char *path, mw_batch_plan *plan);
mw_status mw_batch_plan_from_folder(const char *dir, const mw_batch_plan_args *args, mw_batch_plan *plan);
mw_status mw_batch_plan_from_stac(const char *path, const mw_batch_plan_args *args, mw_batch_plan *plan);

/** One scene of a folder or STAC listing, before pairing. */
typedef struct mw_batch_scene {
    char *path;
    char *key;                 /**< tile / path-row / grid key, or NULL */
    char date[9];              /**< YYYYMMDD or "" */
    char *date_iso;            /**< date override to open with, or NULL */
    mw_sensor sensor;
    char *reason;              /**< why it cannot be paired, or NULL */
    char **extra_files;
    int nextra;
} mw_batch_scene;

/** Pair scenes by key and date into @p plan (consecutive or against the first). */
mw_status mw_batch_pair_scenes(mw_batch_scene *scenes, int n, int pairing_first, mw_batch_plan *plan);
void mw_batch_scene_clear(mw_batch_scene *s);

/** "T21MYN", "WRS228065" or NULL from a file or product name. */
char *mw_batch_key_from_name(const char *name);
/** Key of an opened scene: its name, its band files' names, its metadata, else its grid. */
char *mw_batch_scene_key(const char *path, const mw_scene *scene);

/* SHA-256 */
typedef struct mw_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t fill;
} mw_sha256;
void mw_sha256_init(mw_sha256 *c);
void mw_sha256_update(mw_sha256 *c, const void *data, size_t n);
/** Final digest as 64 lower-case hex digits + NUL. */
void mw_sha256_hex(mw_sha256 *c, char out[65]);

/**
 * Fingerprint of @p path (a file or a folder, any VSI path) plus @p extra
 * files, into @p out (64 hex). See fingerprint.c for what goes in.
 */
mw_status mw_batch_fingerprint(const char *path, char *const *extra, int nextra, char out[65]);

/** Lon/lat envelope and centre of a scene's grid. */
mw_status mw_batch_footprint(const mw_scene *scene, double env[4], double centre[2]);

/** The whole batch.json. */
typedef struct mw_batch_doc {
    char *version;
    char *input, *kind;
    char *parameters;          /**< canonical JSON object text */
    int shard_k, shard_n;      /**< 0/1 for a whole batch */
    int total;                 /**< entries in the whole plan */
    mw_batch_entry *entries;   /**< this folder's entries, by index */
    int count;
} mw_batch_doc;

/** Write @p doc as OUTDIR/batch.json (temporary name, fsync, rename). */
mw_status mw_batch_state_write(const char *outdir, const mw_batch_doc *doc);
/** 1 when OUTDIR/batch.json already holds exactly what @p doc would write. */
int mw_batch_state_unchanged(const char *outdir, const mw_batch_doc *doc);
/** Read OUTDIR/batch.json into @p doc (its own copies); MW_ERR_OPEN when absent. */
mw_status mw_batch_state_read(const char *outdir, mw_batch_doc *doc);
void mw_batch_doc_clear(mw_batch_doc *doc);
void mw_batch_entry_clear(mw_batch_entry *e);
/** Deep copy of the persistent fields of @p src. */
mw_status mw_batch_entry_copy(const mw_batch_entry *src, mw_batch_entry *dst);

/** Options of a batch run (the public mw_batch_options). */
struct mw_batch_options {
    mw_sensor sensor;
    char *band_map;
    int pairing_first;
    int shard_k, shard_n;
    mw_batch_message_fn message;
    void *message_user;
};

/** Options of a batch run. */
typedef struct mw_batch_run_args {
    const char *outdir;
    mw_context *ctx;            /**< every pair's scan runs in it (one model cache) */
    mw_options *scan;           /**< the run's own copy of the scan options (AOI set per pair) */
    const char *parameters;     /**< canonical JSON of what changes results */
    mw_scene_open_args open;
    int shard_k, shard_n;
    const char *global_aoi;     /**< MW_OPT_AOI (a manifest's aoi column wins) */
    /** Called on the main thread with a one-line message (progress, per pair). */
    mw_batch_message_fn message;
    /** Batch progress 0..1 with "pairs, pixels, ETA"; return 0 to stop. */
    mw_progress_fn progress;
    void *user, *progress_user;
} mw_batch_run_args;

/** What a run did (the public mw_batch_summary). */
struct mw_batch_summary {
    int done, failed, skipped, pending, reused, scanned;
    int nothing_to_do;
    char **failed_ids, **failed_reasons;  /**< failed entries, plan order */
    int nlisted;                          /**< entries of those arrays (== failed unless out of memory) */
};

/**
 * Scan every pending pair of @p plan that falls in the shard, write
 * pairs/<id>.geojson and batch.json after each pair, then (whole batch
 * only) the merged alerts. Returns MW_OK when the batch ran (pairs may have
 * failed: see @p sum), else the error that stopped it.
 */
mw_status mw_batch_run_plan(mw_batch_plan *plan, const mw_batch_run_args *args, mw_batch_summary *sum);
/** Free what @p sum holds (not @p sum). */
void mw_batch_summary_clear(mw_batch_summary *sum);
/** Record failed entry @p e in @p sum (sum->failed not changed). */
void mw_batch_summary_add_failed(mw_batch_summary *sum, const mw_batch_entry *e);

/** The parameters of a batch (sensor, band map, what in @p scan changes results) as canonical JSON; malloc'ed. */
char *mw_batch_parameters_json(const mw_batch_options *batch, const mw_options *scan);
/** OUTDIR is new, empty or a batch folder of ours, and not @p input: MW_OK, else MW_ERR_USAGE. */
mw_status mw_batch_check_outdir(const char *outdir, const char *input);

/**
 * Join shard folders @p dirs into @p outdir: check they are shards of one
 * batch (same input and parameters, every entry once), copy their pairs'
 * alerts, write batch.json and the merged alerts. @p sum counts states.
 */
mw_status mw_batch_merge_dirs(const char *const *dirs, int ndirs, const char *outdir, mw_batch_summary *sum);

/**
 * The merged alerts of a complete batch folder, from its batch.json and
 * pairs/: alerts.geojson and alerts.gpkg (merge.c).
 */
mw_status mw_batch_merge_alerts(const char *outdir);
/** Remove the pair files (pairs/<id>.geojson) that no done entry of @p doc owns, and our stale temporary files. */
void mw_batch_tidy(const char *outdir, const mw_batch_doc *doc);

/* Small helpers (plan.c) */
char *mw_batch_strdup(const char *s);
char *mw_batch_join(const char *dir, const char *name);
char *mw_batch_dirname(const char *path);
/** Make @p dir (and no parents) if missing; MW_ERR_WRITE on failure. */
mw_status mw_batch_mkdir(const char *dir);
/** Write @p len bytes to @p path via a temporary name, fsync, rename. */
mw_status mw_batch_write_file(const char *path, const char *data, size_t len);

#endif
