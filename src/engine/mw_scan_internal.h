/*
 * What the passes of a scan share. scan.c fixes a mw_scan_setup and runs
 * the passes as clients of the scheduler (mw_pool.h): shift.c, then
 * tile_pass.c (classes, components, the sites it can measure early), then
 * site_pass.c (the other sites). Each pass returns its own result; none
 * calls back into scan.c.
 */
#ifndef MW_SCAN_INTERNAL_H
#define MW_SCAN_INTERNAL_H

#include <stddef.h>

#include "alerts/mw_alerts.h"
#include "minewatch/scan.h"
#include "model/mw_model.h"
#include "mw_engine.h"
#include "mw_options_internal.h"
#include "mw_pool.h"
#include "sites/mw_sites.h"

typedef struct mw_change_raster mw_change_raster;
typedef struct mw_output_txn mw_output_txn;

/* A site's window (bbox + ring + join margin) is read whole, at ~100 bytes
 * per pixel and thread: beyond 1500 x 1500 pixels (15 km at 10 m) a
 * "site" is nearly always cloud or haze the mask missed, and measuring it
 * would break the memory bound. Such sites are counted and reported. */
enum { MW_SITE_WINDOW_MAX_PX = 1500 * 1500 };

/** What a scan fixes before its passes; read-only in them. */
typedef struct mw_scan_setup {
    const mw_scene *before, *after;
    const mw_options *opt;
    const mw_model *model;
    const mw_change_params *params;
    const mw_grid *grid;
    const mw_aoi *aoi;       /* NULL: none */
    mw_index_shift shift;
    int radius;              /* dilation radius joining fragments, pixels */
    int buffer_px;           /* ring for river/context features, pixels */
    int site_halo;           /* margin of a site window around its bbox, pixels */
    int64_t min_pixels;      /* sites smaller than this are not measured */
    struct mw_evidence *evidence;  /* --evidence: chips captured as sites are kept (thread-safe) */
    const char *raster_path; /* where the change raster is written: a staging name (scan_outputs.c) */
    const mw_prev_set *prev; /* the earlier run's sites (--previous), or NULL */
    double link_m;           /* a detection this close to an earlier site may continue it */
} mw_scan_setup;

/** A site's measurement: kept (it passed the filters) and its alert. */
typedef struct mw_site_slot {
    int keep;
    int evidence_stage;  /* its chips, captured for --evidence (0: none) */
    mw_alert alert;
} mw_site_slot;

/** A site measured by the tile pass, before the merge. */
typedef struct mw_site_pre {
    int64_t seed;
    int taken;           /* moved into the site pass's slots */
    mw_site_acc acc;     /* what it was measured as: taken only if the final merge agrees */
    mw_site_slot slot;
} mw_site_pre;
/* mw_cmp_seed() sorts and searches these by their first member. */
_Static_assert(offsetof(mw_site_pre, seed) == 0, "mw_site_pre.seed first");

/* ---- measuring one site (site_measure.c), shared by both passes ---- */

/** The window a site is measured on: its bbox grown by the ring and join margins, in the grid. */
mw_rect mw_site_window_of(const mw_scan_setup *s, const mw_site_acc *site);
/**
 * Measure, outline, score and filter @p site on window data @p w (w->r must
 * be mw_site_window_of() the site; bands are read from wk->win); fills @p slot.
 */
mw_status mw_site_measure_window(const mw_scan_setup *s, mw_worker *wk, const mw_site_acc *site,
                                 const mw_window *w, mw_site_slot *slot);
/** Compute the window of @p site in wk->win, then mw_site_measure_window(). */
mw_status mw_site_compute_measure(const mw_scan_setup *s, mw_worker *wk, const mw_site_acc *site,
                                  mw_site_slot *slot);

/* ---- pass 2: tiles (tile_pass.c) ---- */

typedef struct mw_tile_result {
    long long valid_pixels;
    long long class_pixels[MW_CLASS_COUNT];
    mw_site_list *sites;       /* every site, merged across tiles, by seed */
    mw_site_pre *pre;          /* sites measured by the tile pass, by seed */
    int npre;
    mw_change_raster *raster;  /* open until the alerts are written: committed last */
    double t_tiles, t_merge;
} mw_tile_result;

/** Classes and components over all tiles, progress from @p p0 to @p p1. */
mw_status mw_tile_pass(const mw_scan_setup *s, mw_pool *pool, double p0, double p1, mw_tile_result *out);
/** Free what a tile result holds (aborting an open change raster). */
void mw_tile_result_clear(mw_tile_result *r);

/** What a wave of the tile pass sees: the tile rows merged, the blocks held. */
typedef struct mw_wave_scope {
    int ty;        /* the wave: tile rows up to ty are labelled */
    int ty0;       /* first tile row merged (ty - 1, or further up while slow blocks are kept) */
    int held_top;  /* grid row from which the blocks are held: windows must start there or below */
    int keep_floor;  /* sites growing downwards count in *open_top only with windows starting here or below */
} mw_wave_scope;

/**
 * After tile row sc->ty of the tile pass (tile rows up to ty labelled):
 * the sites that are complete now, lie in tile rows sc->ty0 .. sc->ty
 * with their window starting at sc->held_top or below, and are not among
 * the @p ndone sorted seeds the tiles measured (wave_sites.c); the
 * windows so far of the sites that may be complete after row ty + 1; and
 * *open_top, the first row of the windows of the sites that may still
 * grow downwards and could be measured by a later wave (INT_MAX: none;
 * slow blocks). *out (*n entries) and *open (*nopen) are malloc'ed, owned
 * by the caller.
 */
mw_status mw_wave_sites_find(const mw_scan_setup *s, mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                             const mw_wave_scope *sc, const int64_t *done, int ndone, mw_site_acc **out, int *n,
                             mw_rect **open, int *nopen, int *open_top);
/** qsort/bsearch order of int64_t seeds, and of mw_site_pre by seed (its
 *  first member). */
int mw_cmp_seed(const void *a, const void *b);
/** Same site, field for field (the sums bit for bit). */
int mw_site_acc_equal(const mw_site_acc *a, const mw_site_acc *b);

/* ---- pass 3: sites (site_pass.c) ---- */

typedef struct mw_site_result {
    mw_alert *alerts;        /* in site order, ids made unique */
    int *stages;             /* per alert: its captured chips (--evidence), 0 none */
    int nalerts;
    uint8_t *held;           /* with an earlier run: 1 for alerts that failed the filters */
    int too_large;           /* sites whose window exceeds MW_SITE_WINDOW_MAX_PX: not outlined */
    mw_rect too_large_box;   /* pixel bbox of the largest of them, to say where it is */
    double t_sites;
} mw_site_result;

/** Measure, outline, score and filter every site of @p tiles (taking the
 *  tile pass's measurements where the merge agrees). */
mw_status mw_site_pass(const mw_scan_setup *s, mw_pool *pool, mw_tile_result *tiles, double p0, double p1,
                       mw_site_result *out);
void mw_site_result_clear(mw_site_result *r);

/* ---- lineage against an earlier run (lineage_pass.c) ---- */

/** Distance within which a detection continues an earlier site: the model's merge distance, >= 2 pixels. */
double mw_scan_link_distance_m(const mw_model *model, const mw_grid *grid);
/**
 * Measure how much of each earlier outline the pair saw clear (the pool's
 * workers), then link @p sites' alerts to @p prev (mw_lineage_link):
 * sites->alerts becomes the run's alert list; @p counts gets each status.
 * @p pool may be NULL (the AOI beside the scenes: nothing seen).
 */
mw_status mw_scan_lineage(const mw_scan_setup *s, mw_pool *pool, mw_prev_set *prev, mw_site_result *sites,
                          int counts[MW_SITE_STATUS_COUNT]);
/** The lineage properties (site_id, status, ...) added to @p set from its alerts' lineage. */
mw_status mw_scan_lineage_properties(mw_alert_set *set);

/* ---- pass 1: index shift (shift.c) ---- */

/** What the shift pass found. */
typedef struct mw_shift_estimate {
    mw_index_shift shift;
    long long sampled;    /**< clear pixels sampled */
    long long stable;     /**< of them, the stable pixels the shift rests on */
    long long identical;  /**< sampled pixels whose indices are the same at both dates */
    unsigned clamped;     /**< bit k (MW_INDEX_*): held at its bound */
    int unsure;           /**< too few stable pixels: no shift removed (all zero) */
    int iterations;
} mw_shift_estimate;

/**
 * Shift of each index between the dates from its stable pixels
 * (change/stable_shift.c), on a fixed lattice of sample windows aligned to
 * the input's blocks (independent of tiles and threads); @p params are the
 * change thresholds that define stable.
 */
mw_status mw_estimate_shift(mw_pool *pool, const mw_grid *grid, const mw_scene *after, const mw_aoi *aoi,
                            const mw_change_params *params, mw_shift_estimate *out);

/* ---- the outputs (scan_outputs.c) ---- */

/** Stage the change raster and the evidence folder (those @p o asks for)
 *  in a new transaction *@p txn; *@p raster_path is where the tile pass
 *  writes the raster, *@p evidence_path the folder the package fills. */
mw_status mw_scan_outputs_prepare(const mw_options *o, mw_output_txn **txn, const char **raster_path,
                                  const char **evidence_path);
/** Close @p raster (may be NULL) into its staging folder, then hand *@p txn
 *  (taken) to @p set, whose alert file joins it (MW_OPT_COMMIT_WITH_ALERTS,
 *  or an evidence package to seal), or commit it now. */
mw_status mw_scan_outputs_finish(const mw_options *o, mw_change_raster *raster, mw_output_txn **txn,
                                 mw_alert_set *set);

#endif
