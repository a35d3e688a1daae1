/*
 * mw_scan_run(): the whole job, from two opened scenes to an alert set in
 * memory; mw_scan(): the same, then the alert file.
 *
 * General plan
 *  1. Model (from the context's cache: the sensor's file in models/ unless
 *     one is given), target grid (after scene's grid over the overlap), AOI.
 *  2. The scheduler (pool.c): one worker per thread, its own GDAL handles
 *     and buffers, decoded blocks shared between them.
 *  3. Its clients: pass 1, index shift (shift.c); pass 2, tiles
 *     (tile_pass.c); pass 3, sites (site_pass.c). Then protected-area tags
 *     (main thread).
 *  4. The alerts move into an alert set with the run's description. The
 *     outputs were checked against the inputs before any pixel was read;
 *     the change raster is written in a staging folder of an output
 *     transaction (scan_outputs.c), committed at the end or handed to the
 *     set, whose alert file joins it (MW_OPT_COMMIT_WITH_ALERTS): both
 *     appear together, or the files that were there stay as they were.
 */
#include "mw_scan_internal.h"
#include "mw_pair_checks.h"

#include "minewatch/minewatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>
#include <json-c/json.h>
#include <omp.h>

#include "core/mw_error.h"
#include "mw_context_internal.h"
#include "minewatch/output.h"
#include "change/mw_change.h"
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
    mw_context *context;       /* model cache, threads, warnings */
    const mw_options *opt;
    const mw_scene *before, *after;  /* before: the earliest of befores (its date names the run) */
    const mw_scene *const *befores;  /* every before scene; their clear median is the baseline */
    int nbefore;
    const mw_model *model;     /* from the context's cache */
    mw_grid grid;
    mw_aoi *aoi;
    mw_progress progress;
    mw_pool *pool;
    mw_tile_result tiles;
    mw_site_result sites;
    mw_prev_set *prev;         /* the earlier run (--previous), or NULL */
    double t_shift;
    mw_shift_estimate shift_est; /* what the shift rests on (shift.c) */
    char *early_warnings;      /* pair and shift warnings, newline-separated, before the set exists */
    mw_evidence *evidence;     /* --evidence: begun before the first read, sealed by the set's write */
    int repaired_names;        /* protected-area names that were not UTF-8 */
    mw_output_txn *txn;        /* the change raster's and evidence's transaction until handed on */
    const char *evidence_path; /* the evidence folder's staging name (owned by txn) */
} mw_scan_ctx;

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
    /* What the shift rests on: stable pixels of the sampled clear ones. */
    fprintf(f, "\"index_shift_stable_pixels\": %lld, \"index_shift_sampled_pixels\": %lld, ",
            ctx->shift_est.unsure ? 0 : ctx->shift_est.stable, ctx->shift_est.sampled);
    fprintf(f, "\"aoi\": %s, \"protected\": %s", o->aoi ? "true" : "false",
            o->protected_areas ? "true" : "false");
    if (ctx->nbefore > 1) {
        /* Every before scene of the median baseline, as given. */
        json_object *arr = json_object_new_array();
        for (int i = 0; arr && i < ctx->nbefore; i++) {
            json_object *b = json_object_new_object();
            const char *d = mw_scene_date(ctx->befores[i]);
            json_object_object_add(b, "path", json_object_new_string(mw_scene_path(ctx->befores[i])));
            json_object_object_add(b, "date", d ? json_object_new_string(d) : NULL);
            json_object_array_add(arr, b);
        }
        fprintf(f, ", \"befores\": %s", arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_SPACED) : "[]");
        json_object_put(arr);
    }
    if (ctx->prev) {
        /* The earlier run linked to (by the name it has in a series). */
        const char *name = o->previous_label ? o->previous_label : o->previous;
        json_object *s = json_object_new_string(name ? name : "");
        fprintf(f, ", \"previous\": %s", name ? json_object_to_json_string(s) : "null");
        json_object_put(s);
    }
    fputs("}", f);
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
    ctx->repaired_names = mw_protected_repaired_names(p);
    mw_protected_destroy(p);
    return st;
}

static mw_alert_meta alert_meta(const mw_scan_ctx *ctx, const char *params)
{
    mw_alert_meta meta = {
        .version = mw_version(),
        .before_path = mw_scene_path(ctx->before), .before_date = mw_scene_date(ctx->before),
        .before_sensor = mw_sensor_name(mw_scene_sensor(ctx->before)),
        .after_path = mw_scene_path(ctx->after), .after_date = mw_scene_date(ctx->after),
        .after_sensor = mw_sensor_name(mw_scene_sensor(ctx->after)),
        .model_name = mw_model_name(ctx->model), .model_path = mw_model_path(ctx->model),
        .parameters_json = params};
    return meta;
}

/* ---- --evidence: the package is begun before the first pixel is read,
 * gets each kept site's chips while the site is measured (site_measure.c),
 * is built here when the alerts are final, and is sealed by the set's
 * first write (the manifest holds the alert file's SHA-256). ---- */

/* An alert's window through the scan's own worker (readers, shift, AOI):
 * for alerts whose chips were not captured while measured. */
static mw_status evidence_read(void *arg, int thread, mw_rect r, mw_evidence_window *out)
{
    mw_scan_ctx *ctx = arg;
    mw_worker *wk = mw_pool_worker(ctx->pool, thread < mw_pool_threads(ctx->pool) ? thread : 0);
    const mw_scan_setup *s = &ctx->setup;
    mw_status st = mw_window_compute(wk, &ctx->grid, r, ctx->aoi, s->params, &s->shift);
    if (st != MW_OK) return st;
    *out = (mw_evidence_window){.r = r, .before = &wk->win.before, .after = &wk->win.after, .cls = wk->win.cls};
    return MW_OK;
}

static mw_status evidence_begin(mw_scan_ctx *ctx)
{
    const mw_options *o = ctx->opt;
    if (!o->evidence) return MW_OK;
    const char *outputs[3] = {o->output, o->change_raster, NULL};
    mw_evidence_setup s = {.dir = o->evidence, .command_line = o->command_line, .before = ctx->before,
                           .after = ctx->after, .aoi = o->aoi, .protected_areas = o->protected_areas,
                           .model_path = mw_model_path(ctx->model), .outputs = outputs,
                           .staged = ctx->evidence_path};
    mw_status st = mw_evidence_begin(&s, &ctx->evidence);
    if (st == MW_OK) st = mw_evidence_set_grid(ctx->evidence, &ctx->grid);
    return st;
}

static mw_status evidence_build(mw_scan_ctx *ctx)
{
    if (!ctx->evidence) return MW_OK;
    char *params = params_json(ctx);
    if (!params) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_alert_meta meta = alert_meta(ctx, params);
    mw_evidence_scan s = {.alerts = ctx->sites.alerts, .nalerts = ctx->sites.nalerts, .meta = &meta,
                          .grid = &ctx->grid, .min_area_ha = ctx->opt->min_area_ha,
                          .min_confidence = ctx->opt->min_confidence, .parameters_json = params,
                          .threads = ctx->pool ? mw_pool_threads(ctx->pool) : 0, .tile_size = ctx->opt->tile_size,
                          .read = evidence_read, .read_arg = ctx, .stages = ctx->sites.stages};
    mw_status st = mw_evidence_build(ctx->evidence, &s);
    free(params);
    return st;
}

/* Sealed on the staged alert file, before the transaction commits. */
static mw_status evidence_commit(void *ev, const char *alert_file, const char *alert_path)
{
    mw_status st = mw_evidence_seal(ev, alert_file, alert_path);
    mw_evidence_destroy(ev);
    return st;
}

static void evidence_abort(void *ev) { mw_evidence_destroy(ev); }

/* The alert set of the run: its description, then the alerts moved in. */
static mw_status make_set(mw_scan_ctx *ctx, mw_alert_set **out)
{
    char *params = params_json(ctx);
    if (!params) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_alert_meta meta = alert_meta(ctx, params);
    mw_status st = mw_alert_set_create(&meta, out);
    char *text = NULL;
    if (st == MW_OK) st = mw_geojson_metadata_text(&meta, &text);
    if (st == MW_OK) mw_alert_set_take_metadata_json(*out, text);
    free(params);
    if (st == MW_OK) st = mw_alert_set_adopt(*out, ctx->sites.alerts, ctx->sites.nalerts);
    if (st == MW_OK) {
        ctx->sites.alerts = NULL;
        ctx->sites.nalerts = 0;
        mw_alert_set_set_threads(*out, ctx->pool ? mw_pool_threads(ctx->pool) : 1);
    }
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

static mw_scan_timings scan_timings(const mw_scan_ctx *ctx)
{
    mw_scan_timings t = {.shift = ctx->t_shift, .tiles = ctx->tiles.t_tiles, .merge = ctx->tiles.t_merge,
                         .sites = ctx->sites.t_sites};
    for (int i = 0; ctx->pool && i < mw_pool_threads(ctx->pool); i++) {
        const mw_worker *wk = mw_pool_worker(ctx->pool, i);
        t.read += wk->t_read;
        t.compute += wk->t_compute;
        t.site_threads += wk->t_sites;
    }
    if (ctx->pool) {
        size_t peak = 0;
        mw_pool_block_stats(ctx->pool, &peak, &t.block_decodes);
        t.block_peak_mib = peak / 1048576.0;
    }
    return t;
}

/* A warning for the user: kept in the set and sent to the context's callback. */
static mw_status warn(mw_scan_ctx *ctx, mw_alert_set *set, const char *msg)
{
    if (!msg) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (ctx->context->warn) ctx->context->warn(msg, ctx->context->warn_user);
    return mw_alert_set_add_warning(set, msg);
}

/* What the set says beside its alerts: pixels, timings, warnings. */
static mw_status describe_run(mw_scan_ctx *ctx, mw_alert_set *set, int aoi_outside)
{
    mw_status st = MW_OK;
    mw_alert_set_set_pixels(set, (long long)ctx->grid.width * ctx->grid.height);
    for (const char *l = ctx->early_warnings; st == MW_OK && l && *l;) {
        size_t n = strcspn(l, "\n");
        char *one = strndup(l, n);
        st = warn(ctx, set, one);
        free(one);
        l += n + (l[n] == '\n');
    }
    if (ctx->opt->timings && ctx->pool) {
        mw_scan_timings t = scan_timings(ctx);
        st = mw_alert_set_set_timings(set, &t);
    }
    if (st == MW_OK && ctx->sites.too_large) {
        char *w = too_large_warning(ctx);
        st = warn(ctx, set, w);
        free(w);
    }
    if (st == MW_OK && aoi_outside)
        st = warn(ctx, set, "the area of interest does not overlap the scenes: no alerts");
    else if (st == MW_OK && ctx->aoi && ctx->tiles.valid_pixels == 0)
        st = warn(ctx, set, "no clear pixel inside the area of interest: no alerts");
    if (st == MW_OK && ctx->repaired_names) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %d area name%s not valid UTF-8 (invalid bytes replaced by U+FFFD)",
                 ctx->opt->protected_areas, ctx->repaired_names, ctx->repaired_names == 1 ? " is" : "s are");
        st = warn(ctx, set, msg);
    }
    return st;
}

static void ctx_clear(mw_scan_ctx *ctx)
{
    free(ctx->early_warnings);
    mw_evidence_destroy(ctx->evidence);
    mw_site_result_clear(&ctx->sites);
    mw_tile_result_clear(&ctx->tiles);
    mw_pool_destroy(ctx->pool);
    mw_prev_destroy(ctx->prev);
    mw_output_txn_free(ctx->txn);
    mw_aoi_destroy(ctx->aoi);
    mw_grid_clear(&ctx->grid);
    mw_model_cache_release(ctx->context->models, ctx->model);
}

/* Step 1: the model, the target grid (cropped to the AOI), the AOI.
 * *aoi_outside: the AOI lies beside the scenes (no error: no alerts). */
static mw_status set_up(mw_scan_ctx *ctx, int *aoi_outside)
{
    const mw_options *opt = ctx->opt;
    *aoi_outside = 0;
    mw_status st = mw_context_model(ctx->context, opt, ctx->after, &ctx->model);
    /* The earlier run is read before any pixel: a bad file fails now. */
    if (st == MW_OK && opt->previous) st = mw_prev_read(opt->previous, &ctx->prev);
    else if (st == MW_OK && opt->lineage) st = mw_prev_empty(&ctx->prev);
    if (st == MW_OK) st = mw_grid_for_scenes(ctx->befores, ctx->nbefore, ctx->after, NULL, &ctx->grid);
    if (st != MW_OK) return st;
    /* Alerts are WGS84: a CRS PROJ cannot take there (an engineering
     * CRS, an unknown EPSG code) fails now, not after the tile pass. */
    mw_lonlat *ll = NULL;
    if (mw_lonlat_create(ctx->grid.crs_wkt, &ll) != MW_OK) {
        /* PROJ says the same when memory ran out: do not blame the CRS then. */
        void *probe = malloc((size_t)8 << 20);
        st = probe ? mw_error_set(MW_ERR_CRS, "%s: its coordinate reference system cannot be transformed to "
                                  "WGS84 longitude/latitude", mw_scene_path(ctx->after))
                   : mw_error_set(MW_ERR_NOMEM, "out of memory setting up the transformation to WGS84");
        free(probe);
    }
    mw_lonlat_destroy(ll);
    if (st != MW_OK || !opt->aoi) return st;
    const double *gt = ctx->grid.gt;  /* the pair's overlap, a pixel wider */
    const double clip[4] = {gt[0] - gt[1], gt[3] + (ctx->grid.height + 1) * gt[5],
                            gt[0] + (ctx->grid.width + 1) * gt[1], gt[3] - gt[5]};
    st = mw_aoi_open(opt->aoi, ctx->grid.crs_wkt, clip, &ctx->aoi);
    if (st != MW_OK) return st;
    /* Crop the grid to the AOI; an AOI beside the scenes is no error. */
    double env[4];
    mw_aoi_envelope(ctx->aoi, env);
    mw_grid cropped;
    st = mw_grid_for_scenes(ctx->befores, ctx->nbefore, ctx->after, env, &cropped);
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
                         .params = mw_model_change_params(ctx->model), .grid = &ctx->grid, .aoi = ctx->aoi,
                         .raster_path = s->raster_path, .prev = ctx->prev,
                         .link_m = mw_scan_link_distance_m(ctx->model, &ctx->grid)};
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
    s->evidence = ctx->evidence;
    const int nthreads = mw_context_scan_threads(ctx->context, opt);
    return mw_pool_create(nthreads, ctx->befores, ctx->nbefore, ctx->after, &ctx->grid, &ctx->progress,
                          &ctx->pool);
}

/* The pair before any pixel (pair_checks.c): dates in order (a usage
 * error otherwise), and a warning for one scene given twice. */
static mw_status pair_checks(mw_scan_ctx *ctx)
{
    const char *pb = mw_scene_path(ctx->before), *pa = mw_scene_path(ctx->after);
    mw_status st = mw_pair_check_dates(mw_scene_date(ctx->before), mw_scene_date(ctx->after), &ctx->early_warnings);
    if (st == MW_OK && mw_pair_same_file(pb, pa) &&
        mw_warnings_add(&ctx->early_warnings, "%s is both the before and the after scene: nothing can have changed",
                        pa))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    return st;
}

/* What the shift pass found that the user should know: a shift at its
 * bound or large, few stable pixels under it, identical dates. */
static mw_status shift_warnings(mw_scan_ctx *ctx)
{
    static const char *const names[MW_INDEX_COUNT] = {"NDVI", "MNDWI", "NDTI", "BSI"};
    const mw_shift_estimate *e = &ctx->shift_est;
    const float v[MW_INDEX_COUNT] = {e->shift.ndvi, e->shift.mndwi, e->shift.ndti, e->shift.bsi};
    char **w = &ctx->early_warnings;
    int bad = 0;
    if (e->unsure)
        bad |= mw_warnings_add(w, "too few stable pixels to estimate the index shift between the dates (%lld of "
                               "%lld sampled): none removed, most of the scene changed", e->stable, e->sampled);
    for (int k = 0; k < MW_INDEX_COUNT && !e->unsure; k++) {
        if (e->clamped & (1u << k))
            bad |= mw_warnings_add(w, "the %s shift between the dates reached its bound %+.2f and is held there: "
                                   "a different sensor, scaling or season, or mostly change", names[k], v[k]);
        else if (fabsf(v[k]) >= mw_shift_large[k])
            bad |= mw_warnings_add(w, "large %s shift between the dates (%+.3f) removed before thresholding: "
                                   "check that the scenes are comparable", names[k], v[k]);
    }
    if (e->sampled > 0 && e->identical == e->sampled &&
        !mw_pair_same_file(mw_scene_path(ctx->before), mw_scene_path(ctx->after)))
        bad |= mw_warnings_add(w, "%s and %s have identical pixels: nothing can have changed",
                               mw_scene_path(ctx->before), mw_scene_path(ctx->after));
    else if (!e->unsure && e->sampled > 0 && e->stable * MW_SHIFT_FEW_STABLE_DEN < e->sampled * MW_SHIFT_FEW_STABLE_NUM)
        bad |= mw_warnings_add(w, "the index shift rests on few stable pixels (%lld of %lld sampled): most of the "
                               "scene changed, the shift is less certain", e->stable, e->sampled);
    return bad ? mw_error_set(MW_ERR_NOMEM, "out of memory") : MW_OK;
}

/* Step 3: the passes. */
static mw_status run_passes(mw_scan_ctx *ctx)
{
    double t0 = omp_get_wtime();
    mw_status st = mw_estimate_shift(ctx->pool, &ctx->grid, ctx->after, ctx->aoi, ctx->setup.params, &ctx->shift_est);
    ctx->setup.shift = ctx->shift_est.shift;
    ctx->t_shift = omp_get_wtime() - t0;
    if (st == MW_OK) st = shift_warnings(ctx);
    if (st == MW_OK) st = mw_progress_report(&ctx->progress, 0.05, "index shift");
    if (st == MW_OK) st = mw_tile_pass(&ctx->setup, ctx->pool, 0.05, 0.85, &ctx->tiles);
    if (st == MW_OK && ctx->tiles.valid_pixels == 0 && !ctx->aoi)
        st = mw_error_set(MW_ERR_NO_VALID, "%s and %s: no pixel is clear in both dates (cloud, shadow or nodata everywhere)",
                          mw_scene_path(ctx->before), mw_scene_path(ctx->after));
    if (st == MW_OK) st = mw_site_pass(&ctx->setup, ctx->pool, &ctx->tiles, 0.85, 0.97, &ctx->sites);
    return st;
}

/* Step 4: the set, and the change raster committed or handed to it. */
static mw_status finish(mw_scan_ctx *ctx, int aoi_outside, mw_alert_set **out)
{
    mw_status st = tag_protected(ctx);
    if (st == MW_OK) st = evidence_build(ctx);
    int counts[MW_SITE_STATUS_COUNT] = {0};
    if (st == MW_OK && ctx->prev) {
        if (aoi_outside) ctx->setup = (mw_scan_setup){.before = ctx->before, .after = ctx->after, .opt = ctx->opt,
                                                      .model = ctx->model, .grid = &ctx->grid};
        st = mw_scan_lineage(&ctx->setup, ctx->pool, ctx->prev, &ctx->sites, counts);
    }
    if (st == MW_OK) st = make_set(ctx, out);
    if (st == MW_OK && ctx->prev) st = mw_scan_lineage_properties(*out);
    if (st == MW_OK) st = describe_run(ctx, *out, aoi_outside);
    /* The last moment to cancel: after it the outputs are committed. */
    if (st == MW_OK) st = mw_progress_report(&ctx->progress, 1.0, "done");
    /* The seal first: pending outputs run in order, the transaction last. */
    if (st == MW_OK && ctx->evidence) {
        mw_evidence *ev = ctx->evidence;
        ctx->evidence = NULL;
        st = mw_alert_set_add_pending(*out, (mw_pending_output){evidence_commit, evidence_abort, ev, NULL});
    }
    if (st == MW_OK && ctx->txn && (ctx->tiles.raster || !ctx->opt->change_raster)) {
        mw_change_raster *r = ctx->tiles.raster;
        ctx->tiles.raster = NULL;
        st = mw_scan_outputs_finish(ctx->opt, r, &ctx->txn, *out);
    }
    return st;
}

/* Several befores: each dated before the after (when both dates are known),
 * the same bands; *earliest names the run (alert ids, date_before). */
static mw_status check_befores(const mw_scene *const *before, int nbefore, const mw_scene *after,
                               const mw_scene **earliest)
{
    *earliest = before[0];
    if (nbefore > MW_MAX_BEFORES)
        return mw_error_set(MW_ERR_USAGE, "%d before scenes: at most %d", nbefore, MW_MAX_BEFORES);
    const char *da = mw_scene_date(after);
    for (int i = 1; i < nbefore; i++) {
        if (!before[i]) return mw_error_set(MW_ERR_USAGE, "mw_scan_run: before scene %d is NULL", i + 1);
        for (int b = 0; b < MW_BAND_MASK; b++)
            if (mw_scene_has_band(before[i], (mw_band_role)b) != mw_scene_has_band(before[0], (mw_band_role)b))
                return mw_error_set(MW_ERR_USAGE, "%s: its bands differ from %s's: before scenes must have the "
                                    "same bands", mw_scene_path(before[i]), mw_scene_path(before[0]));
    }
    for (int i = 0; nbefore > 1 && i < nbefore; i++) {
        const char *d = mw_scene_date(before[i]), *de = mw_scene_date(*earliest);
        if (d && da && strcmp(d, da) >= 0)
            return mw_error_set(MW_ERR_USAGE, "%s: a before scene (%s) must be dated before the after scene (%s)",
                                mw_scene_path(before[i]), d, da);
        if (d && (!de || strcmp(d, de) < 0)) *earliest = before[i];
    }
    return MW_OK;
}

/** See minewatch/scan.h. */
mw_status mw_scan_run(mw_context *context, const mw_scene *const *before, int nbefore,
                      const mw_scene *after, const mw_options *options, mw_progress_fn progress,
                      void *progress_arg, mw_alert_set **out)
{
    if (!out) return mw_error_set(MW_ERR_USAGE, "mw_scan_run: NULL output argument");
    *out = NULL;
    if (!before || !after || nbefore < 1 || !before[0])
        return mw_error_set(MW_ERR_USAGE, "mw_scan_run: a before and an after scene are needed");
    const mw_scene *earliest = NULL;
    mw_status st = check_befores(before, nbefore, after, &earliest);
    if (st != MW_OK) return st;
    mw_context *own = NULL;
    mw_options *defaults = NULL;
    if (!context) st = mw_context_create(&own);
    if (st == MW_OK && !options && !(options = defaults = mw_options_new()))
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st != MW_OK) {
        mw_context_destroy(own);
        return st;
    }
    mw_scan_ctx ctx = {.context = context ? context : own, .before = earliest, .befores = before,
                       .nbefore = nbefore, .after = after, .opt = options, .progress = {.fn = progress, .arg = progress_arg}};
    int aoi_outside = 0;
    mw_alert_set *set = NULL;
    /* Outputs that would hurt an input are refused before a pixel is read. */
    st = mw_output_check_scan(before[0], after, options);
    for (int i = 1; st == MW_OK && i < nbefore; i++) st = mw_output_check_scan(before[i], after, options);
    if (st == MW_OK) st = pair_checks(&ctx);
    if (st == MW_OK) st = set_up(&ctx, &aoi_outside);
    if (st == MW_OK) st = mw_scan_outputs_prepare(options, &ctx.txn, &ctx.setup.raster_path, &ctx.evidence_path);
    if (st == MW_OK) st = evidence_begin(&ctx);
    if (st == MW_OK) st = mw_progress_report(&ctx.progress, 0.0, "starting");
    if (st == MW_OK && !aoi_outside) st = set_up_passes(&ctx);
    if (st == MW_OK && !aoi_outside) st = run_passes(&ctx);
    if (st == MW_OK) st = finish(&ctx, aoi_outside, &set);
    if (st != MW_OK) mw_output_error_rename(ctx.setup.raster_path, options->change_raster);
    ctx_clear(&ctx);
    mw_options_free(defaults);
    mw_context_destroy(own);
    if (st != MW_OK) {
        mw_alert_set_destroy(set);
        return st;
    }
    *out = set;
    return MW_OK;
}

/* Warnings of a set on one line, "; " between them (NULL if none). */
static char *joined_warnings(const mw_alert_set *set)
{
    size_t len = 0;
    for (int i = 0; i < mw_alert_set_warning_count(set); i++) len += strlen(mw_alert_set_warning(set, i)) + 2;
    if (!len) return NULL;
    char *s = calloc(1, len + 1);
    for (int i = 0; s && i < mw_alert_set_warning_count(set); i++) {
        if (i) strcat(s, "; ");
        strcat(s, mw_alert_set_warning(set, i));
    }
    return s;
}

/** See minewatch/scan.h. */
mw_status mw_scan(const mw_scene *before, const mw_scene *after, const mw_options *opt,
                  mw_progress_fn progress, void *progress_arg, mw_scan_result **result)
{
    if (result) *result = NULL;
    if (!before || !after || !opt) return mw_error_set(MW_ERR_USAGE, "mw_scan: NULL argument");
    if (!opt->output) return mw_error_set(MW_ERR_USAGE, "no output file given (-o)");
    /* The raster waits for the alert file: both appear, or neither. */
    mw_options staged = *opt;
    staged.commit_with_alerts = 1;
    mw_alert_set *set = NULL;
    mw_status st = mw_scan_run(NULL, &before, 1, after, &staged, progress, progress_arg, &set);
    if (st == MW_OK) st = mw_alert_set_write(set, opt->output);
    mw_scan_result *res = NULL;
    if (st == MW_OK && result) {
        res = calloc(1, sizeof *res);
        if (!res) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    if (res) {
        res->alerts = mw_alert_set_count(set);
        res->area_ha = mw_alert_set_area_ha(set);
        res->pixels = mw_alert_set_pixels(set);
        res->timings = mw_alert_set_timings(set) ? strdup(mw_alert_set_timings(set)) : NULL;
        res->warnings = joined_warnings(set);
        *result = res;
    }
    mw_alert_set_destroy(set);
    return st;
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
