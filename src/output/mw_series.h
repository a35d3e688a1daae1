/*
 * A monitored series' site histories: read from the step files of
 * mw_monitor(), written as one GeoPackage row per site and an HTML
 * timeline of each site's area.
 */
#ifndef MW_SERIES_H
#define MW_SERIES_H

#include <ogr_api.h>

#include "minewatch/status.h"

/** One site across the steps. */
typedef struct mw_site_history {
    char site_id[48];
    char first_seen[11], last_seen[11];
    int n_detections;
    char *class_name, *merged_ids;   /**< of its last step; may be NULL */
    double confidence;               /**< of its last step; NaN if none */
    const char **status;             /**< per step, static names; NULL where absent */
    double *area_ha;                 /**< per step; NaN where absent */
    OGRGeometryH geometry;           /**< last outline, lon/lat */
} mw_site_history;

typedef struct mw_series {
    int nsteps;
    char (*dates)[11];               /**< after date of each step */
    mw_site_history *sites;          /**< sorted by site id */
    int nsites;
} mw_series;

/**
 * Read the step files @p paths (alert files with lineage, in date order)
 * into @p s. Errors: MW_ERR_OPEN naming the file.
 */
mw_status mw_series_read(const char *const *paths, const char *const *dates, int nsteps, mw_series *s);
void mw_series_clear(mw_series *s);

/** One row per site (history as lists and JSON), WGS84, to a new GeoPackage at @p path. */
mw_status mw_series_write_gpkg(const mw_series *s, const char *path);

/** The self-contained timeline page (inline SVG, no network) at @p path. */
mw_status mw_series_write_html(const mw_series *s, const char *path);

#endif
