/*
 * The evidence package of a scan (`--evidence DIR`): what an investigator
 * can hand on. Module output; see src/output/README.md for the layout.
 *
 * Life cycle, driven by the scan:
 *   mw_evidence_begin()   before any pixel is read: checks DIR, makes the
 *                         temporary folder beside it, starts hashing the
 *                         inputs on a background thread (the scan then reads
 *                         them from the page cache: no file is read twice);
 *   mw_evidence_capture() while the scan measures each site it keeps: its
 *                         chips, from the window in memory;
 *   mw_evidence_build()   when the alerts are final: the other alerts'
 *                         chips, report, KMZ, GPX, the manifest's content;
 *   mw_evidence_seal()    once the alert file is written: its SHA-256 in
 *                         the manifest, SHA256SUMS, rename onto DIR;
 *   mw_evidence_destroy() joins the hasher and removes whatever was not
 *                         committed (any failure leaves nothing behind).
 *
 * The evidence code sees the scan only through mw_evidence_scan below, so
 * that it can move onto the library's in-memory alert set unchanged.
 */
#ifndef MW_EVIDENCE_H
#define MW_EVIDENCE_H

#include <stdint.h>

#include "minewatch/status.h"
#include "alerts/mw_alerts.h"
#include "core/mw_rect.h"
#include "grid/mw_grid.h"
#include "read/mw_read.h"

typedef struct mw_evidence mw_evidence;

/** What is known before the scan reads pixels. */
typedef struct mw_evidence_setup {
    const char *dir;                  /**< the package folder (must not exist, or be empty) */
    const char *command_line;         /**< as typed, for the manifest; may be NULL */
    const mw_scene *before, *after;
    const char *aoi, *protected_areas, *model_path;  /**< may be NULL */
    const char *const *outputs;       /**< other outputs of the run (NULL-terminated) */
    const char *staged;               /**< the folder the package is written into: its staging
                                           name in the run's output transaction, which moves it
                                           onto dir (the transaction owns and removes it) */
} mw_evidence_setup;

/** Both dates over one rectangle of the target grid, as the scan saw them. */
typedef struct mw_evidence_window {
    mw_rect r;
    const mw_scene_pixels *before, *after;  /**< reflectance (NaN outside / nodata) */
    const uint8_t *cls;                     /**< change classes (MW_CLASS_*) */
} mw_evidence_window;

/**
 * Read @p r on thread @p thread (0 .. threads-1; each thread owns its
 * readers). The window stays valid until the next call on that thread.
 */
typedef mw_status (*mw_evidence_read_fn)(void *arg, int thread, mw_rect r, mw_evidence_window *out);

/** The finished scan, as the evidence code needs it. */
typedef struct mw_evidence_scan {
    const mw_alert *alerts;
    int nalerts;
    const mw_alert_meta *meta;        /**< as written into the alert file */
    const mw_grid *grid;
    const char *alert_path;           /**< the alert file just written */
    double min_area_ha, min_confidence;
    const char *parameters_json;      /**< every parameter, a JSON object text */
    int threads, tile_size;           /**< do not change the result; recorded all the same */
    mw_evidence_read_fn read;         /**< for alerts whose chips were not captured */
    void *read_arg;
    const int *stages;                /**< per alert: mw_evidence_capture()'s stage, 0 none; may be NULL */
} mw_evidence_scan;

/** The scan's target grid, once known (before any pixel is read). */
mw_status mw_evidence_set_grid(mw_evidence *ev, const mw_grid *grid);

/** A site the scan keeps, captured while its window is in memory. */
typedef struct mw_evidence_site {
    mw_rect window;                   /**< the window measured (site box + ring) */
    mw_rect bbox;                     /**< the site's pixel box */
    const float *before[6], *after[6];/**< reflectance at the window origin (NULL: band absent) */
    size_t band_stride;
    const uint8_t *cls;               /**< change classes at the window origin */
    size_t cls_stride;
    OGRGeometryH outline;             /**< in the grid CRS; not owned */
    double north_angle;               /**< true north, radians clockwise from the grid's up */
} mw_evidence_site;

/**
 * Write the chips and GeoTIFFs of a kept site now, while the scan holds its
 * pixels (no second read of the scene). Thread-safe. *stage (> 0) names the
 * capture: pass it in mw_evidence_scan.stages for the alert it became.
 */
mw_status mw_evidence_capture(mw_evidence *ev, const mw_evidence_site *site, int *stage);

/**
 * Add tile @p core of the after scene to the overview (pixels of @p px,
 * laid out over @p area). Thread-safe for disjoint cores.
 */
void mw_evidence_quicklook_add(mw_evidence *ev, mw_rect core, mw_rect area, const mw_scene_pixels *px);

/** Check DIR, create the temporary package folder, start hashing inputs. */
mw_status mw_evidence_begin(const mw_evidence_setup *setup, mw_evidence **out);
/** The checks of DIR alone (new or empty, its parent exists, no other
 *  output of @p outputs, NULL-terminated, inside it): MW_ERR_USAGE. Run
 *  before the output plan's, whose messages for these cases help less. */
mw_status mw_evidence_check_dir(const char *dir, const char *const *outputs);
/** Write the whole package into the temporary folder. */
mw_status mw_evidence_build(mw_evidence *ev, const mw_evidence_scan *scan);
/** Hash the alert file at @p alert_path, finish the manifest, write SHA256SUMS, rename onto DIR. */
mw_status mw_evidence_seal(mw_evidence *ev, const char *alert_file, const char *alert_path);
/** SHA-256 (hex) of the committed SHA256SUMS, the package's fingerprint; NULL before. */
const char *mw_evidence_fingerprint(const mw_evidence *ev);
/** Stop the hasher, remove an uncommitted package, free. Accepts NULL. */
void mw_evidence_destroy(mw_evidence *ev);

#endif
