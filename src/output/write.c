/*
 * mw_alerts_write(): choose the writer from the file extension, and the
 * temporary-name / rename helpers both writers share.
 */
#include "mw_output_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_vsi.h>

#include "core/mw_error.h"

/* Extension -> GDAL driver; NULL driver means our GeoJSON writer. */
static const struct {
    const char *ext;
    const char *driver;
} formats[] = {
    {".geojson", NULL}, {".json", NULL},       {".gpkg", "GPKG"},
    {".kml", "KML"},    {".fgb", "FlatGeobuf"}, {".csv", "CSV"},
    {".shp", "ESRI Shapefile"},
};

#define FORMAT_LIST ".geojson, .gpkg, .kml, .fgb, .csv, .shp"

/** See mw_output_internal.h. */
mw_status mw_alerts_temp_name(const char *path, const char *ext, char **out)
{
    *out = NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) return mw_error_set(MW_ERR_USAGE, "%s: not a file name", path);
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    char *dir = malloc(dirlen + 2);
    if (!dir) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    if (!slash) strcpy(dir, ".");
    else if (dirlen == 0) strcpy(dir, "/");
    else {
        memcpy(dir, path, dirlen);
        dir[dirlen] = '\0';
    }
    struct stat sb;
    int err = 0;
    if (stat(dir, &sb) != 0) err = errno;
    else if (!S_ISDIR(sb.st_mode)) err = ENOTDIR;
    else if (access(dir, W_OK | X_OK) != 0) err = errno;
    free(dir);
    if (err) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(err));

    size_t baselen = strlen(base), extlen = ext ? strlen(ext) : 0;
    size_t stemlen = ext && baselen >= extlen ? baselen - extlen : baselen;
    char *t = malloc((size_t)(base - path) + baselen + extlen + 40);
    if (!t) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    size_t pre = (size_t)(base - path);
    memcpy(t, path, pre);
    sprintf(t + pre, ".%.*s.tmp-%ld%s", (int)stemlen, base, (long)getpid(),
            ext ? base + stemlen : "");
    *out = t;
    return MW_OK;
}

/** See mw_output_internal.h. */
mw_status mw_alerts_commit(const char *tmp, const char *path)
{
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(e));
    }
    return MW_OK;
}

/* GeoJSON into a GDAL virtual file (/vsimem/...): formatted in memory,
 * written in one call; nothing is left at @p path on failure. */
static mw_status geojson_write_vsi(const char *path, const mw_alert *alerts, int count,
                                   const mw_alert_meta *meta, int threads)
{
    char *text = NULL;
    size_t len = 0;
    mw_status st = mw_geojson_write_memory(alerts, count, meta, threads, &text, &len);
    if (st != MW_OK) return st;
    VSILFILE *f = VSIFOpenL(path, "wb");
    if (!f) st = mw_error_set(MW_ERR_WRITE, "%s: cannot create the file", path);
    else {
        int ok = VSIFWriteL(text, 1, len, f) == len;
        if (VSIFCloseL(f) != 0) ok = 0;
        if (!ok) {
            VSIUnlink(path);
            st = mw_error_set(MW_ERR_WRITE, "%s: cannot write the file", path);
        }
    }
    free(text);
    return st;
}

/**
 * Write @p count alerts to @p path, the format chosen by the extension
 * (case-insensitive): .geojson / .json our RFC 7946 writer (deterministic
 * bytes, `minewatch` foreign member); .gpkg, .kml, .fgb, .csv (geometry as
 * WKT) and .shp (10-character field names, see mw_alert_fields) through
 * OGR. Written under a temporary name in the same folder, then renamed: on
 * failure nothing new is left at @p path (an older file there is kept).
 * Unknown extension: MW_ERR_USAGE; missing or unwritable folder, full disk:
 * MW_ERR_WRITE "<path>: <reason>". Zero alerts writes an empty collection.
 * GDAL virtual paths ("/vsimem/...") are written in place, through VSI.
 * Thread-safe for distinct paths. GeoJSON features are formatted by up to
 * @p threads threads; the bytes do not depend on @p threads.
 */
mw_status mw_alerts_write(const char *path, const mw_alert *alerts, int count,
                          const mw_alert_meta *meta, int threads)
{
    if (!path || !*path) return mw_error_set(MW_ERR_USAGE, "no output file name");
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return mw_error_set(MW_ERR_USAGE,
                            "%s: no file extension to choose the output format (use " FORMAT_LIST
                            ")",
                            path);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcasecmp(dot, formats[i].ext) != 0) continue;
        if (!formats[i].driver && !strncmp(path, "/vsi", 4))
            return geojson_write_vsi(path, alerts, count, meta, threads);
        if (!formats[i].driver) return mw_geojson_write_file(path, alerts, count, meta, threads);
        return mw_ogr_write_file(path, formats[i].driver, dot, alerts, count, meta);
    }
    return mw_error_set(MW_ERR_USAGE, "%s: unknown output format '%s' (use " FORMAT_LIST ")",
                        path, dot);
}
