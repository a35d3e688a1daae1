/*
 * Pass 3: every site found by the tile pass that it did not measure, in
 * parallel: a client of the scheduler (mw_pool.h), one batch of sites per
 * wave.
 *
 * General plan
 *  1. Sites the tile pass measured already (whole inside one tile, or
 *     complete after a wave) keep that result when the final merge gives
 *     the same site; sites whose window is too large are counted, the
 *     others are measured here (site_measure.c).
 *  2. A wave is a batch of up to SITE_BATCH sites whose windows' blocks
 *     add up to at most a tile row's (with its halo): the pool decodes
 *     them once (sites are in raster order, so neighbours share blocks),
 *     then each site is measured by one thread.
 *  3. Results go to slot i of an array: the order of alerts is the order of
 *     sites (by seed), whatever thread measured them; ids are made unique
 *     in that order.
 */
#include "mw_scan_internal.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "core/mw_error.h"

enum { SITE_BATCH = 64 };

/* The pass's state, shared by its callbacks. */
typedef struct site_pass {
    const mw_scan_setup *s;
    const mw_site_list *sites;
    mw_site_slot *slots;   /* per site */
    int *todo;             /* sites to measure here */
    int ntodo;
    int b0, b1;            /* the current batch: todo[b0 .. b1) */
    int bx, by;            /* the after scene's block, target pixels */
    int64_t budget;        /* pixels of blocks a batch may read (plan_batch) */
    mw_rect wins[SITE_BATCH];
    double p0, p1;
} site_pass;

/* Step 1: take the tile pass's results; list what is left in sp->todo. */
static void take_measured(site_pass *sp, mw_tile_result *tiles, mw_site_result *out)
{
    const int n = sp->sites ? sp->sites->count : 0;
    for (int i = 0; i < n; i++) {
        const mw_site_acc *a = &sp->sites->sites[i];
        mw_site_pre *p = tiles->npre ? bsearch(&a->seed, tiles->pre, (size_t)tiles->npre, sizeof *tiles->pre,
                                               mw_cmp_seed) : NULL;
        if (p && !p->taken && mw_site_acc_equal(&p->acc, a)) {
            sp->slots[i] = p->slot;
            p->taken = 1;
            continue;
        }
        mw_rect w = mw_site_window_of(sp->s, a);
        if ((int64_t)w.w * w.h <= MW_SITE_WINDOW_MAX_PX) {
            sp->todo[sp->ntodo++] = i;
            continue;
        }
        /* not outlined; the warning says where the largest one is (sites
         * come in seed order: the first of equals wins) */
        mw_rect box = {a->x0, a->y0, a->x1 - a->x0 + 1, a->y1 - a->y0 + 1};
        const mw_rect best = out->too_large_box;
        if (!out->too_large || (int64_t)box.w * box.h > (int64_t)best.w * best.h) out->too_large_box = box;
        out->too_large++;
    }
}

/* Pixels of the blocks (of @p bx x @p by target pixels) that @p r touches. */
static int64_t block_area(mw_rect r, int bx, int by)
{
    if (r.w <= 0 || r.h <= 0) return 0;
    int64_t w = (int64_t)((r.x + r.w - 1) / bx - r.x / bx + 1) * bx;
    return w * (int64_t)((r.y + r.h - 1) / by - r.y / by + 1) * by;
}

/* Step 2: the batch after the previous one: up to SITE_BATCH sites whose
 * windows' blocks add up to at most sp->budget pixels (the first site
 * always goes), so a batch holds no more blocks than a wave of the tile
 * pass. Sixty-four windows at once held more than any wave of the tile
 * pass on a full tile: the scan's peak. */
static mw_status plan_batch(void *arg, int b, mw_wave *wave)
{
    (void)b;
    site_pass *sp = arg;
    sp->b0 = sp->b1;
    int64_t area = 0;
    for (sp->b1 = sp->b0; sp->b1 < sp->ntodo && sp->b1 - sp->b0 < SITE_BATCH; sp->b1++) {
        mw_rect w = mw_site_window_of(sp->s, &sp->sites->sites[sp->todo[sp->b1]]);
        area += block_area(w, sp->bx, sp->by);
        if (sp->b1 > sp->b0 && area > sp->budget) break;
        sp->wins[sp->b1 - sp->b0] = w;
    }
    wave->rects = sp->wins;
    wave->nrects = sp->b1 - sp->b0;
    wave->chunk[0] = 2;
    wave->jobs[1] = sp->b1 - sp->b0;
    wave->last = sp->b1 >= sp->ntodo;
    return MW_OK;
}

static mw_status measure(void *arg, mw_worker *wk, int t, int stage, int j)
{
    (void)t, (void)stage;
    site_pass *sp = arg;
    int i = sp->todo[sp->b0 + j];
    return mw_site_compute_measure(sp->s, wk, &sp->sites->sites[i], &sp->slots[i]);
}

static void free_scratch(void *arg, mw_worker *wk, int t)
{
    (void)arg, (void)t;
    mw_worker_free_scratch(wk);
}

static mw_status after_batch(void *arg, int b, double *done, const char **msg)
{
    (void)b;
    site_pass *sp = arg;
    if (sp->ntodo == 0) return MW_OK;
    *done = sp->p0 + (sp->p1 - sp->p0) * sp->b1 / sp->ntodo;
    *msg = "measuring sites";
    return MW_OK;
}

/* Step 3: the kept alerts in site order, ids made unique deterministically. */
static mw_status compact(const mw_scan_setup *s, mw_site_slot *slots, int n, mw_status st, mw_site_result *out)
{
    int kept = 0;
    for (int i = 0; i < n; i++) kept += slots[i].keep != 0;
    out->alerts = calloc(kept > 0 ? (size_t)kept : 1, sizeof *out->alerts);
    out->stages = calloc(kept > 0 ? (size_t)kept : 1, sizeof *out->stages);
    if ((!out->alerts || !out->stages) && st == MW_OK) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    /* With an earlier run: which alerts failed the filters (held, lineage.c). */
    if (s->prev && !(out->held = calloc(kept > 0 ? (size_t)kept : 1, 1)) && st == MW_OK)
        st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!slots[i].keep) continue;
        if (st != MW_OK) {
            mw_alert_clear(&slots[i].alert);
            continue;
        }
        out->stages[out->nalerts] = slots[i].evidence_stage;
        if (out->held) out->held[out->nalerts] = slots[i].keep == 2;
        mw_alert *a = &out->alerts[out->nalerts++];
        *a = slots[i].alert;
        int dup = 1;
        for (int j = 0; j < out->nalerts - 1; j++)
            if (strncmp(out->alerts[j].id, a->id, strlen(a->id)) == 0) dup++;
        if (dup > 1) {
            size_t len = strlen(a->id);
            snprintf(a->id + len, sizeof a->id - len, "-%d", dup);
        }
    }
    return st;
}

mw_status mw_site_pass(const mw_scan_setup *s, mw_pool *pool, mw_tile_result *tiles, double p0, double p1,
                       mw_site_result *out)
{
    const int n = tiles->sites ? tiles->sites->count : 0;
    site_pass sp = {.s = s, .sites = tiles->sites, .p0 = p0, .p1 = p1};
    /* A batch reads at most the blocks of a tile row and its halo, as a
     * wave of the tile pass does. */
    mw_scene_block_size(s->after, s->grid, &sp.bx, &sp.by);
    if (sp.bx < 1 || sp.by < 1) sp.bx = sp.by = 256;
    sp.budget = block_area((mw_rect){0, s->opt->tile_size - s->radius, s->grid->width,
                                     s->opt->tile_size + 2 * s->radius}, sp.bx, sp.by);
    sp.slots = calloc(n > 0 ? (size_t)n : 1, sizeof *sp.slots);
    sp.todo = malloc((n > 0 ? (size_t)n : 1) * sizeof *sp.todo);
    if (!sp.slots || !sp.todo) {
        free(sp.slots);
        free(sp.todo);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    double t0 = omp_get_wtime();
    take_measured(&sp, tiles, out);
    mw_status st = MW_OK;
    if (sp.ntodo > 0) {
        const mw_pool_client client = {.arg = &sp, .plan = plan_batch, .stop = free_scratch, .work = measure,
                                       .after_wave = after_batch};
        st = mw_pool_run(pool, &client);
    }
    out->t_sites = omp_get_wtime() - t0;
    free(sp.todo);
    st = compact(s, sp.slots, n, st, out);
    free(sp.slots);
    return st;
}

void mw_site_result_clear(mw_site_result *r)
{
    for (int i = 0; i < r->nalerts; i++) mw_alert_clear(&r->alerts[i]);
    free(r->alerts);
    free(r->stages);
    free(r->held);
    memset(r, 0, sizeof *r);
}
