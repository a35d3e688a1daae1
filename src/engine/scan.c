/*
 * mw_scan(): the whole job, from two opened scenes to the alert file.
 *
 * General plan
 *  1. Model (the sensor's file in models/ unless one is given), target grid
 *     (after scene's grid over the overlap), AOI.
 *  2. The scheduler (pool.c): one worker per thread, its own GDAL handles
 *     and buffers, decoded blocks shared between them.
 *  3. Its clients: pass 1, index shift (shift.c); pass 2, tiles
 *     (tile_pass.c); pass 3, sites (site_pass.c). Then protected-area tags
 *     (main thread).
 *  4. Alerts written to a temporary file and renamed; the change raster is
 *     committed only after that, so a failure leaves no output at all.
 */
#include "mw_scan_internal.h"

#include "minewatch/minewatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>
#include <omp.h>

#include "core/mw_error.h"
#include "output/mw_output.h"

struct mw_scan_result {
    int alerts;
    double area_ha;
    long long pixels;
    char *timings;
    char *warnings;
};

/* A scan's state: what it sets up, the scheduler, what the passes return. */
typedef struct mw_scan_ctx {
    mw_scan_setup setup;       /* read-only in the passes */
    const mw_options *opt;
    const mw_scene *before, *after;
    mw_model *model;
    mw_grid grid;
    mw_aoi *aoi;
    mw_progress progress;
    mw_pool *pool;
    mw_tile_result tiles;
    mw_site_result sites;
    double t_shift, t_write;
} mw_scan_ctx;

static int file_exists(const char *path) { return access(path, R_OK) == 0; }

static mw_status load_model(mw_scan_ctx *ctx)
{
    const mw_options *o = ctx->opt;
    if (o->model) return mw_model_load(o->model, &ctx->model);
    mw_sensor s = mw_scene_sensor(ctx->after);
    const char *name = mw_sensor_name(s == MW_SENSOR_AUTO ? MW_SENSOR_GENERIC : s);
    const char *dirs[3] = {o->model_dir, getenv("MINEWATCH_MODEL_DIR"), mw_model_default_dir()};
    char path[4096];
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !*dirs[i]) continue;
        snprintf(path, sizeof path, "%s/%s.json", dirs[i], name);
        if (file_exists(path)) return mw_model_load(path, &ctx->model);
    }
    return mw_error_set(MW_ERR_MODEL, "%s.json: no model file for sensor '%s' (give one with --model)", name, name);
}

static char *params_json(const mw_scan_ctx *ctx)
{
    const mw_options *o = ctx->opt;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    /* Only what changes the result: never threads or tile size. */
    fprintf(f, "{\"min_area_ha\": %.4g, \"min_confidence\": %.4g, ", o->min_area_ha, o->min_confidence);
    fprintf(f, "\"merge_distance_m\": %.4g, \"river_buffer_m\": %.4g, ",
            mw_model_merge_distance_m(ctx->model), mw_model_river_buffer_m(ctx->model));
    fprintf(f, "\"index_shift\": {\"ndvi\": %.4f, \"mndwi\": %.4f, \"ndti\": %.4f, \"bsi\": %.4f}, ",
            ctx->setup.shift.ndvi, ctx->setup.shift.mndwi, ctx->setup.shift.ndti, ctx->setup.shift.bsi);
    fprintf(f, "\"aoi\": %s, \"protected\": %s}", o->aoi ? "true" : "false",
            o->protected_areas ? "true" : "false");
    fclose(f);
    return buf;
}

static mw_status tag_protected(mw_scan_ctx *ctx)
{
    if (!ctx->opt->protected_areas) return MW_OK;
    mw_protected *p = NULL;
    mw_status st = mw_protected_open(ctx->opt->protected_areas, &p);
    if (st != MW_OK) return st;
    for (int i = 0; i < ctx->sites.nalerts; i++) {
        mw_alert *a = &ctx->sites.alerts[i];
        const char *name = mw_protected_name_for(p, a->geometry);
        if (name && !(a->protected_area = strdup(name))) {
            st = mw_error_set(MW_ERR_NOMEM, "out of memory");
            break;
        }
    }
    mw_protected_destroy(p);
    return st;
}

static mw_status write_alerts(mw_scan_ctx *ctx)
{
    char *params = params_json(ctx);
    if (!params) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_alert_meta meta = {
        .version = mw_version(),
        .before_path = mw_scene_path(ctx->before), .before_date = mw_scene_date(ctx->before),
        .before_sensor = mw_sensor_name(mw_scene_sensor(ctx->before)),
        .after_path = mw_scene_path(ctx->after), .after_date = mw_scene_date(ctx->after),
        .after_sensor = mw_sensor_name(mw_scene_sensor(ctx->after)),
        .model_name = mw_model_name(ctx->model), .model_path = mw_model_path(ctx->model),
        .parameters_json = params};
    mw_status st = mw_alerts_write(ctx->opt->output, ctx->sites.alerts, ctx->sites.nalerts, &meta,
                                   ctx->pool ? mw_pool_threads(ctx->pool) : 1);
    free(params);
    return st;
}

/* Lon/lat envelope of a rectangle of grid pixels (its four corners and edge
 * midpoints, enough for the UTM grids of a scan), with the transformer of
 * worker 0 (the calling thread's); 0 when PROJ cannot. */
static int box_lonlat(mw_worker *wk, const mw_grid *g, mw_rect r, double *lon0, double *lon1, double *lat0,
                      double *lat1)
{
    mw_lonlat *t = NULL;
    if (mw_worker_lonlat(wk, g->crs_wkt, &t) != MW_OK) return 0;
    int ok = 1;
    *lon0 = *lat0 = INFINITY;
    *lon1 = *lat1 = -INFINITY;
    for (int k = 0; k < 9 && ok; k++) {
        const double px = r.x + 0.5 * r.w * (k % 3), py = r.y + 0.5 * r.h * (k / 3);
        const double x = g->gt[0] + px * g->gt[1] + py * g->gt[2], y = g->gt[3] + px * g->gt[4] + py * g->gt[5];
        double lon, lat;
        ok = mw_lonlat_point(t, x, y, &lon, &lat) == MW_OK;
        if (ok) {
            *lon0 = fmin(*lon0, lon), *lon1 = fmax(*lon1, lon);
            *lat0 = fmin(*lat0, lat), *lat1 = fmax(*lat1, lat);
        }
    }
    return ok;
}

/* The warning for sites too large to outline: how many, and where the
 * largest is, so the analyst can scan it again with --aoi. */
static char *too_large_warning(mw_scan_ctx *ctx)
{
    char msg[512], where[160] = "";
    double lon0, lon1, lat0, lat1;
    if (box_lonlat(mw_pool_worker(ctx->pool, 0), &ctx->grid, ctx->sites.too_large_box, &lon0, &lon1, &lat0, &lat1))
        snprintf(where, sizeof where, "; the largest spans lon %.4f..%.4f, lat %.4f..%.4f", lon0, lon1, lat0, lat1);
    snprintf(msg, sizeof msg,
             "%d disturbance%s too large to outline (site window over %d x %d pixels; nearly always cloud or "
             "haze the mask missed)%s: scan a smaller --aoi to outline what is inside",
             ctx->sites.too_large, ctx->sites.too_large == 1 ? "" : "s", 1500, 1500, where);
    return strdup(msg);
}

static char *format_timings(const mw_scan_ctx *ctx)
{
    double read = 0, compute = 0, sites = 0;
    for (int t = 0; t < mw_pool_threads(ctx->pool); t++) {
        const mw_worker *wk = mw_pool_worker(ctx->pool, t);
        read += wk->t_read;
        compute += wk->t_compute;
        sites += wk->t_sites;
    }
    char *s = malloc(512);
    if (!s) return NULL;
    snprintf(s, 512,
             "wall: shift %.2f s, tiles %.2f s, merge %.3f s, sites %.2f s, write %.3f s; "
             "thread time: read+decode %.2f s, indices+change %.2f s, components+features %.2f s",
             ctx->t_shift, ctx->tiles.t_tiles, ctx->tiles.t_merge, ctx->sites.t_sites, ctx->t_write, read, compute,
             sites);
    return s;
}

static void ctx_clear(mw_scan_ctx *ctx)
{
    mw_site_result_clear(&ctx->sites);
    mw_tile_result_clear(&ctx->tiles);
    mw_pool_destroy(ctx->pool);
    mw_aoi_destroy(ctx->aoi);
    mw_grid_clear(&ctx->grid);
    mw_model_destroy(ctx->model);
}

/* Step 1: the model, the target grid (cropped to the AOI), the AOI.
 * *aoi_outside: the AOI lies beside the scenes (no error: no alerts). */
static mw_status set_up(mw_scan_ctx *ctx, int *aoi_outside)
{
    const mw_options *opt = ctx->opt;
    *aoi_outside = 0;
    mw_status st = load_model(ctx);
    if (st == MW_OK) st = mw_grid_for_pair(ctx->before, ctx->after, NULL, &ctx->grid);
    if (st != MW_OK) return st;
    /* Alerts are WGS84: a CRS PROJ cannot take there (an engineering
     * CRS, an unknown EPSG code) fails now, not after the tile pass. */
    mw_lonlat *ll = NULL;
    if (mw_lonlat_create(ctx->grid.crs_wkt, &ll) != MW_OK)
        st = mw_error_set(MW_ERR_CRS, "%s: its coordinate reference system cannot be transformed to "
                          "WGS84 longitude/latitude", mw_scene_path(ctx->after));
    mw_lonlat_destroy(ll);
    if (st != MW_OK || !opt->aoi) return st;
    st = mw_aoi_open(opt->aoi, ctx->grid.crs_wkt, &ctx->aoi);
    if (st != MW_OK) return st;
    /* Crop the grid to the AOI; an AOI beside the scenes is no error. */
    double env[4];
    mw_aoi_envelope(ctx->aoi, env);
    mw_grid cropped;
    st = mw_grid_for_pair(ctx->before, ctx->after, env, &cropped);
    if (st == MW_ERR_NO_OVERLAP) {
        *aoi_outside = 1;
        return MW_OK;
    }
    if (st == MW_OK) {
        mw_grid_clear(&ctx->grid);
        ctx->grid = cropped;
    }
    return st;
}

/* Step 2: what the passes share, from the grid and the model; the pool. */
static mw_status set_up_passes(mw_scan_ctx *ctx)
{
    const mw_options *opt = ctx->opt;
    mw_scan_setup *s = &ctx->setup;
    *s = (mw_scan_setup){.before = ctx->before, .after = ctx->after, .opt = opt, .model = ctx->model,
                         .params = mw_model_change_params(ctx->model), .grid = &ctx->grid, .aoi = ctx->aoi};
    const double pixel_area_m2 = ctx->grid.pixel_w_m * ctx->grid.pixel_h_m;
    double px = ctx->grid.pixel_w_m > 0 ? ctx->grid.pixel_w_m : 1;
    /* Dilating both fragments by r joins gaps up to 2r pixels. */
    s->radius = (int)ceil(mw_model_merge_distance_m(ctx->model) / px / 2.0 - 1e-9);
    if (s->radius < 0) s->radius = 0;
    s->buffer_px = (int)ceil(mw_model_river_buffer_m(ctx->model) / px - 1e-9);
    /* The margin of a site's window around its bbox (site_measure.c):
     * the ring, and the dilation that recovers the site's pixels. */
    s->site_halo = (s->buffer_px > 2 * s->radius + 1 ? s->buffer_px : 2 * s->radius + 1) + 1;
    /* Pre-filter on pixel area with slack; the geodesic area decides later. */
    s->min_pixels = (int64_t)floor(opt->min_area_ha * 1e4 / pixel_area_m2 * 0.8);
    if (s->min_pixels < 1) s->min_pixels = 1;
    const int nthreads = opt->threads > 0 ? opt->threads : omp_get_num_procs();
    return mw_pool_create(nthreads, ctx->before, ctx->after, &ctx->grid, &ctx->progress, &ctx->pool);
}

/* Step 3: the passes. */
static mw_status run_passes(mw_scan_ctx *ctx)
{
    long long sampled = 0;
    double t0 = omp_get_wtime();
    mw_status st = mw_estimate_shift(ctx->pool, &ctx->grid, ctx->after, ctx->aoi, &ctx->setup.shift, &sampled);
    ctx->t_shift = omp_get_wtime() - t0;
    if (st == MW_OK) st = mw_progress_report(&ctx->progress, 0.05, "index shift");
    if (st == MW_OK) st = mw_tile_pass(&ctx->setup, ctx->pool, 0.05, 0.85, &ctx->tiles);
    if (st == MW_OK && ctx->tiles.valid_pixels == 0 && !ctx->aoi)
        st = mw_error_set(MW_ERR_NO_VALID, "%s and %s: no pixel is clear in both dates (cloud, shadow or nodata everywhere)",
                          mw_scene_path(ctx->before), mw_scene_path(ctx->after));
    if (st == MW_OK) st = mw_site_pass(&ctx->setup, ctx->pool, &ctx->tiles, 0.85, 0.97, &ctx->sites);
    return st;
}

/* Step 4: alerts, then the change raster: all or nothing. */
static mw_status write_outputs(mw_scan_ctx *ctx)
{
    double t0 = omp_get_wtime();
    mw_status st = write_alerts(ctx);
    if (st == MW_OK && ctx->tiles.raster) {
        st = mw_change_raster_commit(ctx->tiles.raster);
        ctx->tiles.raster = NULL;
        if (st != MW_OK) remove(ctx->opt->output);
    }
    ctx->t_write = omp_get_wtime() - t0;
    return st;
}

static void fill_result(mw_scan_ctx *ctx, int aoi_outside, mw_scan_result *res)
{
    res->alerts = ctx->sites.nalerts;
    for (int i = 0; i < ctx->sites.nalerts; i++) res->area_ha += ctx->sites.alerts[i].area_ha;
    res->pixels = (long long)ctx->grid.width * ctx->grid.height;
    if (ctx->opt->timings && ctx->pool) res->timings = format_timings(ctx);
    if (ctx->sites.too_large) res->warnings = too_large_warning(ctx);
    if (aoi_outside) res->warnings = strdup("the area of interest does not overlap the scenes: no alerts");
    else if (ctx->aoi && ctx->tiles.valid_pixels == 0)
        res->warnings = strdup("no clear pixel inside the area of interest: no alerts");
}

mw_status mw_scan(const mw_scene *before, const mw_scene *after, const mw_options *opt,
                  mw_progress_fn progress, void *progress_arg, mw_scan_result **result)
{
    if (result) *result = NULL;
    if (!before || !after || !opt) return mw_error_set(MW_ERR_USAGE, "mw_scan: NULL argument");
    if (!opt->output) return mw_error_set(MW_ERR_USAGE, "no output file given (-o)");
    mw_scan_ctx ctx = {.before = before, .after = after, .opt = opt,
                       .progress = {.fn = progress, .arg = progress_arg}};
    mw_scan_result *res = calloc(1, sizeof *res);
    if (!res) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    int aoi_outside = 0;
    mw_status st = set_up(&ctx, &aoi_outside);
    if (st == MW_OK) st = mw_progress_report(&ctx.progress, 0.0, "starting");
    if (st == MW_OK && !aoi_outside) st = set_up_passes(&ctx);
    if (st == MW_OK && !aoi_outside) st = run_passes(&ctx);
    if (st == MW_OK) st = tag_protected(&ctx);
    if (st == MW_OK) st = write_outputs(&ctx);
    if (st == MW_OK) st = mw_progress_report(&ctx.progress, 1.0, "done");
    if (st == MW_ERR_CANCELLED && file_exists(opt->output) && ctx.t_write > 0) {
        /* Cancelled after the rename: take the output back. */
        remove(opt->output);
    }
    if (st == MW_OK) fill_result(&ctx, aoi_outside, res);
    ctx_clear(&ctx);
    if (st != MW_OK || !result) {
        mw_scan_result_free(res);
        return st;
    }
    *result = res;
    return MW_OK;
}

void mw_scan_result_free(mw_scan_result *r)
{
    if (!r) return;
    free(r->timings);
    free(r->warnings);
    free(r);
}

int mw_scan_result_alert_count(const mw_scan_result *r) { return r ? r->alerts : 0; }
double mw_scan_result_alert_area_ha(const mw_scan_result *r) { return r ? r->area_ha : 0; }
long long mw_scan_result_pixels(const mw_scan_result *r) { return r ? r->pixels : 0; }
const char *mw_scan_result_timings(const mw_scan_result *r) { return r ? r->timings : NULL; }
const char *mw_scan_result_warnings(const mw_scan_result *r) { return r ? r->warnings : NULL; }
