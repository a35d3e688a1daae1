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

/** See minewatch/alerts.h. */
mw_status mw_alert_set_write(mw_alert_set *set, const char *path)
{
    if (!set) return mw_error_set(MW_ERR_USAGE, "mw_alert_set_write: NULL set");
    const mw_alert_meta *meta = mw_alert_set_meta(set);
    const int n = mw_alert_set_count(set);
    const mw_alert *alerts = n ? mw_alert_set_get(set, 0) : NULL;
    double t0 = omp_get_wtime();
    mw_status st = mw_alerts_write(path, alerts, n, meta, mw_alert_set_threads(set));
    mw_alert_set_note_write_time(set, omp_get_wtime() - t0);
    if (st != MW_OK) return st;
    st = mw_alert_set_commit_pending(set, path);
    /* All or nothing: the alert file goes when a pending output could not
     * be committed. */
    if (st != MW_OK) {
        if (!strncmp(path, "/vsi", 4)) VSIUnlink(path);
        else remove(path);
    }
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
