/*
 * Engine internals shared by the scan passes.
 */
#ifndef MW_ENGINE_H
#define MW_ENGINE_H

#include <stdint.h>

#include <ogr_api.h>

#include "change/mw_change.h"
#include "grid/mw_grid.h"

enum { MW_INDEX_NDVI = 0, MW_INDEX_MNDWI, MW_INDEX_NDTI, MW_INDEX_BSI, MW_INDEX_COUNT };

/** Everything a window computation produces, over one rectangle. */
typedef struct mw_window {
    mw_rect r;
    size_t cap;                                  /* pixels allocated */
    mw_scene_pixels before, after;
    uint8_t *valid;                              /* valid in both dates (and inside the AOI) */
    float *before_idx[MW_INDEX_COUNT], *after_idx[MW_INDEX_COUNT];
    uint8_t *cls;
    float *dndvi, *dmndwi, *dndti, *dbsi;
    uint8_t *aoi;                                /* scratch for the AOI mask */
} mw_window;

/** Per-thread state: GDAL handles and buffers belong to one thread. */
typedef struct mw_worker {
    mw_scene_reader *before, *after;
    mw_window win;
    mw_window sub;                               /* a part of win (mw_window_extract) */
    struct mw_lonlat *ll;                        /* PROJ context of this thread, made on first use */
    int use_ndwi;                                /* a scene lacks SWIR: water from NDWI */
    double t_read, t_compute, t_sites;           /* seconds, this thread */
} mw_worker;

/** The AOI as polygons in the target CRS (read-only after creation). */
typedef struct mw_aoi mw_aoi;

mw_status mw_aoi_open(const char *path, const char *target_wkt, mw_aoi **out);
void mw_aoi_destroy(mw_aoi *aoi);
/** Envelope in the target CRS: minx, miny, maxx, maxy. */
void mw_aoi_envelope(const mw_aoi *aoi, double env[4]);
/** Burn the AOI into @p mask (1 inside) over rectangle @p r of @p grid. Returns pixels inside. */
mw_status mw_aoi_rasterize(const mw_aoi *aoi, const mw_grid *grid, mw_rect r, uint8_t *mask,
                           long long *inside);

mw_status mw_worker_init(mw_worker *w, const mw_scene *before, const mw_scene *after,
                         const mw_grid *grid);
void mw_worker_clear(mw_worker *w);

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

/** What the shift pass found (shift.c). */
typedef struct mw_shift_estimate {
    mw_index_shift shift;
    long long sampled;    /**< clear pixels sampled */
    long long stable;     /**< of them, the stable pixels the shift rests on */
    long long identical;  /**< sampled pixels whose indices are the same at both dates */
    unsigned clamped;     /**< bit k (MW_INDEX_*): held at its bound */
    int unsure;           /**< too few stable pixels: no shift removed (all zero) */
    int iterations;
} mw_shift_estimate;

/** Called on the calling thread between waves with the share done; a
 *  status other than MW_OK stops the pass with it (cancellation). */
typedef mw_status (*mw_poll_fn)(void *arg, double done);

/**
 * Shift of each index between the dates from its stable pixels, on a fixed
 * lattice of sample windows aligned to the input's blocks (independent of
 * tiles and threads); @p params are the change thresholds that define
 * stable. @p poll may be NULL.
 */
mw_status mw_estimate_shift(mw_worker *workers, int nthreads, const mw_grid *grid, const mw_scene *after,
                            const mw_aoi *aoi, const mw_change_params *params, mw_poll_fn poll, void *poll_arg,
                            mw_shift_estimate *out);

#endif
