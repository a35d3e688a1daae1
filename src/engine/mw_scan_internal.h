/*
 * State of one scan, shared by its passes (scan.c orchestrates;
 * tile_pass.c and site_pass.c do the parallel work).
 */
#ifndef MW_SCAN_INTERNAL_H
#define MW_SCAN_INTERNAL_H

#include <stddef.h>

#include "minewatch/scan.h"
#include "alerts/mw_alerts.h"
#include "model/mw_model.h"
#include "read/mw_read.h"
#include "sites/mw_sites.h"
#include "mw_engine.h"
#include "mw_options_internal.h"

typedef struct mw_change_raster mw_change_raster;

/* A site's window (bbox + ring + join margin) is read whole, at ~100 bytes
 * per pixel and thread: beyond 1500 x 1500 pixels (15 km at 10 m) a
 * "site" is nearly always cloud or haze the mask missed, and measuring it
 * would break the memory bound. Such sites are counted and reported. */
enum { MW_SITE_WINDOW_MAX_PX = 1500 * 1500 };

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

typedef struct mw_scan_ctx {
    mw_context *context;     /* model cache, threads, warnings */
    const mw_scene *before, *after;
    const mw_options *opt;
    const mw_model *model;   /* from the context's cache */
    const mw_change_params *params;
    mw_grid grid;
    mw_aoi *aoi;
    mw_index_shift shift;
    int nthreads;
    mw_worker *workers;
    mw_block_store *store_before, *store_after;  /* decoded blocks shared by the threads */
    int store_jobs_before, store_jobs;           /* planned decode jobs (before's first) */
    int radius;              /* dilation radius joining fragments, pixels */
    int buffer_px;           /* ring for river/context features, pixels */
    double pixel_area_m2;
    int64_t min_pixels;      /* sites smaller than this are not measured */
    mw_progress_fn progress;
    void *progress_arg;

    long long valid_pixels;
    long long class_pixels[MW_CLASS_COUNT];
    mw_site_list *sites;
    mw_change_raster *raster;  /* open until the alerts are written: committed last */
    mw_alert *alerts;
    int nalerts;
    int too_large;           /* sites whose window exceeds MW_SITE_WINDOW_MAX_PX: not outlined */
    mw_rect too_large_box;   /* pixel bbox of the largest of them, to say where it is */
    mw_site_pre *pre;        /* sites measured by the tile pass, by seed */
    int npre;
    int site_halo;           /* margin of a site window around its bbox, pixels */
    double t_shift, t_tiles, t_merge, t_sites, t_write;
    struct mw_evidence *evidence;  /* --evidence: begun before the first read, committed last */
    int *alert_stages;             /* per alert: its captured chips (--evidence) */
} mw_scan_ctx;

/** Pass 2: classes and components over all tiles; fills valid_pixels, class_pixels, sites. */
mw_status mw_tile_pass(mw_scan_ctx *ctx, double p0, double p1);

/** Pass 3: measure, outline, score and filter every site; fills alerts. */
mw_status mw_site_pass(mw_scan_ctx *ctx, double p0, double p1);

/**
 * Plan the shared decoded blocks for reads of @p rects (both scenes);
 * *jobs = blocks to decode with mw_scan_fill_block() in the next parallel
 * region, before any window of @p rects is computed. n = 0 empties the stores.
 */
mw_status mw_scan_plan_blocks(mw_scan_ctx *ctx, const mw_rect *rects, int n, int *jobs);
/** Decode planned job @p i with worker @p wk's readers (thread-safe for distinct i). */
mw_status mw_scan_fill_block(mw_scan_ctx *ctx, mw_worker *wk, int i);

/** The window a site is measured on: its bbox grown by the ring and join margins, in the grid. */
mw_rect mw_scan_site_window(const mw_scan_ctx *ctx, const mw_site_acc *site);
/**
 * Measure, outline, score and filter @p site on window data @p w (w->r must
 * be mw_scan_site_window() of the site); fills @p slot. @p mask is scratch.
 */
mw_status mw_site_measure_window(mw_scan_ctx *ctx, mw_worker *wk, mw_lonlat *ll, const mw_site_acc *site,
                                 const mw_window *w, uint8_t **mask, size_t *mask_cap, mw_site_slot *slot);

/** Compute the window of @p site (mw_scan_site_window) in wk->win, then mw_site_measure_window(). */
mw_status mw_scan_measure_site(mw_scan_ctx *ctx, mw_worker *wk, mw_lonlat *ll, const mw_site_acc *site,
                               uint8_t **mask, size_t *mask_cap, mw_site_slot *slot);

/**
 * After wave @p ty of the tile pass (tile rows up to ty labelled): the
 * sites that are complete now, not among the @p ndone sorted seeds the
 * tiles measured, and whose window lies in the decoded strips of rows
 * ty - 1 and ty (wave_sites.c). *out (malloc'ed, *n entries) is owned
 * by the caller.
 */
mw_status mw_wave_sites_find(const mw_scan_ctx *ctx, mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                             int ty, const int64_t *done, int ndone, mw_site_acc **out, int *n);
/** qsort/bsearch order of int64_t seeds, and of mw_site_pre by seed (its
 *  first member). */
int mw_cmp_seed(const void *a, const void *b);
/** Same site, field for field (the sums bit for bit). */
int mw_site_acc_equal(const mw_site_acc *a, const mw_site_acc *b);

/** Call the user's progress callback; MW_ERR_CANCELLED if it says stop. */
mw_status mw_scan_progress(mw_scan_ctx *ctx, double done, const char *msg);

#endif
