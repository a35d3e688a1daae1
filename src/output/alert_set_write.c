/*
 * The writers of minewatch/alerts.h: an alert set to a file in any format
 * (or a GDAL virtual file), to its GeoJSON text, an outline to GeoJSON.
 */
#include "mw_output_internal.h"

#include <stdio.h>
#include <string.h>

#include <cpl_vsi.h>
#include <omp.h>

#include "core/mw_error.h"
#include "minewatch/output.h"
#include "mw_output_paths.h"

/* A GDAL virtual file: written as it comes (nothing a user owns on disk). */
static mw_status write_vsi(mw_alert_set *set, const char *path)
{
    const int n = mw_alert_set_count(set);
    mw_status st = mw_alerts_write(path, n ? mw_alert_set_get(set, 0) : NULL, n, mw_alert_set_meta(set),
                                   mw_alert_set_threads(set));
    if (st != MW_OK) return st;
    st = mw_alert_set_commit_pending(set, path, path);
    if (st != MW_OK) VSIUnlink(path);
    return st;
}

/** See minewatch/alerts.h. */
mw_status mw_alert_set_write(mw_alert_set *set, const char *path)
{
    if (!set) return mw_error_set(MW_ERR_USAGE, "mw_alert_set_write: NULL set");
    if (!path || !*path) return mw_error_set(MW_ERR_USAGE, "no output file name");
    double t0 = omp_get_wtime();
    if (!strncmp(path, "/vsi", 4)) {
        mw_status st = write_vsi(set, path);
        mw_alert_set_note_write_time(set, omp_get_wtime() - t0);
        return st;
    }
    /* The alert file joins the transaction of the outputs waiting for it
     * (the change raster), so all are committed together or none. */
    mw_output_txn *shared = mw_alert_set_pending_txn(set), *own = NULL;
    mw_output_txn *txn = shared ? shared : (own = mw_output_txn_new());
    if (!txn) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    const char *staged = NULL;
    const int n = mw_alert_set_count(set);
    mw_status st = mw_output_txn_stage(txn, path, MW_OUTPUT_ALERTS, &staged);
    if (st == MW_OK)
        st = mw_alerts_write(staged, n ? mw_alert_set_get(set, 0) : NULL, n, mw_alert_set_meta(set),
                             mw_alert_set_threads(set));
    if (st != MW_OK) mw_output_error_rename(staged, path);
    if (st == MW_OK && own) st = mw_output_txn_commit(own);
    mw_output_txn_free(own);
    /* The shared transaction commits here, after the outputs that read the
     * staged alert file (the evidence seal); after a failure it is aborted
     * when the set goes. */
    if (st == MW_OK) st = mw_alert_set_commit_pending(set, own ? path : staged, path);
    mw_alert_set_note_write_time(set, omp_get_wtime() - t0);
    return st;
}

/** See minewatch/alerts.h. */
mw_status mw_alert_set_to_geojson(const mw_alert_set *set, char **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "mw_alert_set_to_geojson: NULL argument");
    *out = NULL;
    if (!set) return mw_error_set(MW_ERR_USAGE, "mw_alert_set_to_geojson: NULL set");
    const int n = mw_alert_set_count(set);
    size_t len;
    return mw_geojson_write_memory(n ? mw_alert_set_get(set, 0) : NULL, n, mw_alert_set_meta(set),
                                   mw_alert_set_threads(set), out, &len);
}

/** See minewatch/alerts.h. */
mw_status mw_alert_geometry_geojson(const mw_alert *a, char **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "mw_alert_geometry_geojson: NULL argument");
    *out = NULL;
    if (!a) return mw_error_set(MW_ERR_USAGE, "mw_alert_geometry_geojson: NULL alert");
    if (!a->geometry) {
        if (!(*out = strdup("null"))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        return MW_OK;
    }
    return mw_geojson_geometry_text(a->geometry, out);
}
