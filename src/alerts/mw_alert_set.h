/*
 * The in-memory alert set behind minewatch/alerts.h: how the library's own
 * steps build and extend one. A scan fills a set (mw_alert_set_create,
 * mw_alert_set_adopt); a later step may add properties to every alert
 * (lineage's site_id, status, ...: mw_alert_set_add_property and the
 * setters), override a computed property, or append alerts (earlier sites
 * not found again: mw_alert_set_append). Writers see the added properties
 * after the fixed table, in the order they were added.
 *
 * Not thread-safe: one thread builds a set; readers come after.
 */
#ifndef MW_ALERT_SET_H
#define MW_ALERT_SET_H

#include "mw_alerts.h"

/** A step to run when the set is written (commit) or dropped (abort). */
typedef struct mw_pending_output {
    /** The alert file just written: @p alert_file where it is now (a
     *  transaction's staging name until the transaction commits),
     *  @p alert_path the name it was given. Frees what it was given,
     *  success or not. */
    mw_status (*commit)(void *arg, const char *alert_file, const char *alert_path);
    void (*abort)(void *arg);        /**< deletes the temporary output, frees it */
    void *arg;
    /** Optional: outputs staged in a transaction (minewatch/output.h) that
     *  the alert file joins, so both are committed together. */
    struct mw_output_txn *txn;
} mw_pending_output;

/** A new empty set describing a run; the strings of @p meta are copied
 *  (its extra fields are not: add them with mw_alert_set_add_property). */
mw_status mw_alert_set_create(const mw_alert_meta *meta, mw_alert_set **out);

/** Keep the run description's JSON text (taken: the set frees it), what
 *  mw_alert_set_metadata_json() returns: output's mw_geojson_metadata_text()
 *  of the set's meta. */
void mw_alert_set_take_metadata_json(mw_alert_set *set, char *text);

/** The run description, with the set's added properties as extra fields. */
const mw_alert_meta *mw_alert_set_meta(const mw_alert_set *set);

/**
 * Move @p count alerts of the malloc'ed array @p alerts into an empty set:
 * the set owns the array afterwards (and frees it).
 */
mw_status mw_alert_set_adopt(mw_alert_set *set, mw_alert *alerts, int count);

/** Move one alert into the set (the struct is copied, *alert zeroed). */
mw_status mw_alert_set_append(mw_alert_set *set, mw_alert *alert);

/** Alert @p i for changes (NULL out of range). The pointer is valid until
 *  the next append. */
mw_alert *mw_alert_set_at(mw_alert_set *set, int i);

/**
 * Add a property after the existing ones; every alert has it null until a
 * setter gives it a value. @p short_name (<= 10 chars, for Shapefile) may
 * be NULL (then the name's first 10). Returns its index (>= 0), or -1 with
 * the error set (a name already used: MW_ERR_USAGE).
 */
int mw_alert_set_add_property(mw_alert_set *set, const char *name, const char *short_name,
                              mw_alert_kind kind, int decimals);

/** Set property @p k of alert @p i (any property but `id`); strings copied, NULL = null. */
mw_status mw_alert_set_set_string(mw_alert_set *set, int i, int k, const char *value);
mw_status mw_alert_set_set_double(mw_alert_set *set, int i, int k, double value);
mw_status mw_alert_set_set_int(mw_alert_set *set, int i, int k, int value);
/** Make property @p k of alert @p i null. */
mw_status mw_alert_set_set_null(mw_alert_set *set, int i, int k);

/** Keep a warning (copied). */
mw_status mw_alert_set_add_warning(mw_alert_set *set, const char *message);
void mw_alert_set_set_pixels(mw_alert_set *set, long long pixels);
/** Phases of a scan, seconds (wall; summed over threads). */
typedef struct mw_scan_timings {
    double shift, tiles, merge, sites;      /* wall */
    double read, compute, site_threads;     /* thread time */
    double block_peak_mib;                  /* decoded blocks: the most held at once */
    long long block_decodes;                /* ... and how many were decoded */
} mw_scan_timings;
/** Keep the scan's timings: mw_alert_set_timings() then says them. */
mw_status mw_alert_set_set_timings(mw_alert_set *set, const mw_scan_timings *t);
/** The last write's time, added to the timings text (when there is one). */
void mw_alert_set_note_write_time(mw_alert_set *set, double seconds);
/** Threads the GeoJSON writer formats features with (the scan's). */
void mw_alert_set_set_threads(mw_alert_set *set, int threads);
int mw_alert_set_threads(const mw_alert_set *set);

/**
 * Keep an output the scan wrote under a temporary name, to commit right
 * after the alert file (mw_alert_set_write) or abort when the set is
 * destroyed unwritten. On failure (out of memory) @p p is aborted.
 */
mw_status mw_alert_set_add_pending(mw_alert_set *set, mw_pending_output p);

/** Commit the pending outputs in the order they were added; after a
 *  failure the rest are aborted (all or nothing) and the error returned. */
mw_status mw_alert_set_commit_pending(mw_alert_set *set, const char *alert_file, const char *alert_path);

/** The transaction of the first pending output that has one, or NULL. */
struct mw_output_txn *mw_alert_set_pending_txn(const mw_alert_set *set);

#endif
