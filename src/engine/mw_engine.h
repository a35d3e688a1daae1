/*
 * Engine internals shared by the scan passes.
 */
#ifndef MW_ENGINE_H
#define MW_ENGINE_H

#include <stdint.h>

#include <ogr_api.h>

#include "change/mw_change.h"
#include "grid/mw_grid.h"
#include "read/mw_read.h"
#include "minewatch/scan.h"

/* Before scenes a scan takes at most (window.c's median works on the stack). */
enum { MW_MAX_BEFORES = 64 };

enum { MW_INDEX_NDVI = 0, MW_INDEX_MNDWI, MW_INDEX_NDTI, MW_INDEX_BSI, MW_INDEX_COUNT };

/** Everything a window computation produces, over one rectangle. */
typedef struct mw_window {
    mw_rect r;
    size_t cap;                                  /* pixels allocated */
    mw_scene_pixels before, after;               /* before: the median of befores when several */
    mw_scene_pixels *stack;                      /* several befores: each one's pixels, then reduced */
    int nstack;
    uint8_t *valid;                              /* valid in both dates (and inside the AOI) */
    float *before_idx[MW_INDEX_COUNT], *after_idx[MW_INDEX_COUNT];
    uint8_t *cls;
    float *dndvi, *dmndwi, *dndti, *dbsi;
    uint8_t *aoi;                                /* scratch for the AOI mask */
} mw_window;

/** Per-thread state: GDAL handles and buffers belong to one thread. */
typedef struct mw_worker {
    mw_scene_reader *before, *after;             /* before: befores[0] */
    mw_scene_reader **befores;                   /* one reader per before scene */
    int nbefore;
    mw_window win;
    mw_window sub;                               /* a part of win (mw_window_extract) */
    struct mw_lonlat *ll;                        /* PROJ context of this thread, made on first use */
    uint8_t *mask;                               /* scratch of site measurements (freed after a wave) */
    size_t mask_cap;
    int use_ndwi;                                /* a scene lacks SWIR: water from NDWI */
    double t_read, t_compute, t_sites;           /* seconds, this thread */
} mw_worker;

mw_status mw_worker_init(mw_worker *w, const mw_scene *const *befores, int nbefore, const mw_scene *after,
                         const mw_grid *grid);
void mw_worker_clear(mw_worker *w);
/** Free the worker's site-measurement scratch (it grows again on use). */
void mw_worker_free_scratch(mw_worker *w);

/**
 * Read both scenes over @p r, compute indices of both dates, validity, and
 * (when @p params is not NULL) change classes and index changes.
 */
mw_status mw_window_compute(mw_worker *w, const mw_grid *grid, mw_rect r, const mw_aoi *aoi,
                            const mw_change_params *params, const mw_index_shift *shift);

/** The worker's lon/lat transformer to @p crs_wkt's grid, created on first use. */
mw_status mw_worker_lonlat(mw_worker *w, const char *crs_wkt, struct mw_lonlat **out);

/**
 * Copy rectangle @p r (inside the last computed window) of validity,
 * indices of both dates, classes and index changes into w->sub, as if
 * mw_window_compute() had been called on @p r (band pixels are not copied).
 */
mw_status mw_window_extract(mw_worker *w, mw_rect r);

/* Scan options for the modules that drive scans (batch): a deep copy
 * (NULL when out of memory; defaults when @p o is NULL) and getters. */
mw_options *mw_options_copy(const mw_options *o);
const char *mw_options_get_string(const mw_options *o, mw_option key);
double mw_options_get_double(const mw_options *o, mw_option key);

#endif
