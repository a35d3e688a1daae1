/*
 * Which sites the tile pass can measure right after a wave (those spanning
 * tiles, and those a tile could not measure from its own window), from
 * the blocks still decoded, instead of the site pass decoding them again.
 *
 * General plan
 *  1. Merge (mw_sites_merge) the tiles of the wave's tile row and of the
 *     row above (further up while the tile pass keeps slow blocks,
 *     tile_pass.c step 2c): a site lying in these rows and joined to
 *     nothing outside them comes out with the accumulators the final merge
 *     gives it (integer sums, min/max: the order of the pieces does not
 *     matter).
 *  2. A site is joined to nothing outside the rows when no disturbance
 *     pixel outside can touch its dilated mask: two pixels are joined
 *     through the dilation (square of radius r, 8-connectivity) only when
 *     their rows differ by at most 2 r + 1. So: its last row + 2 r + 2 is
 *     still inside the wave's tile row (or the wave is the last one), and
 *     its first row - 2 r - 2 is still inside the first row merged (or that
 *     row is the grid's first). With slow blocks its window must also
 *     start where the blocks are held. A site passing the bottom test in
 *     an earlier wave was taken then: each site is taken once, in the
 *     first wave where it is complete.
 *  3. Sites a tile measured itself (standalone, given as sorted seeds) and
 *     sites whose window is too large are left out. Whatever is left out
 *     or fails a test goes to the site pass as before; the site pass also
 *     checks every early result against the final merge (same
 *     accumulators) before it takes it, so the alerts never depend on this.
 *  4. The sites that may go on below but start inside the wave's tile row
 *     are the ones the next wave may find complete: their windows so far
 *     tell the tile pass which blocks of this row to keep for then (a
 *     site that grows wider below needs a few blocks decoded again; the
 *     alerts never depend on this either). With slow blocks the tile pass
 *     keeps every held block from a row down instead: the first row of
 *     the windows of such sites (*open_top) sets that row.
 */
#include "mw_scan_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

/** See mw_scan_internal.h. */
int mw_cmp_seed(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Site @p a of the merge may still come from above the merged rows or
 * reach above the held blocks: the site pass measures it. */
static int from_above(const mw_scan_setup *s, const mw_wave_scope *sc, const mw_site_acc *a, mw_rect w)
{
    const int reach = 2 * s->radius + 2;
    if (sc->ty0 > 0 && a->y0 - reach < sc->ty0 * s->opt->tile_size) return 1;
    return w.y < sc->held_top;
}

mw_status mw_wave_sites_find(const mw_scan_setup *s, mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                             const mw_wave_scope *sc, const int64_t *done, int ndone, mw_site_acc **out, int *n,
                             mw_rect **open, int *nopen, int *open_top)
{
    *out = NULL;
    *open = NULL;
    *n = *nopen = 0;
    *open_top = INT_MAX;
    const int ts = s->opt->tile_size, reach = 2 * s->radius + 2, ty = sc->ty;
    mw_site_list *list = NULL;
    mw_status st = mw_sites_merge(tiles + (size_t)sc->ty0 * tiles_x, tiles_x, ty - sc->ty0 + 1, s->min_pixels, &list);
    if (st != MW_OK) return st;
    const size_t cap = list->count > 0 ? (size_t)list->count : 1;
    mw_site_acc *sel = malloc(cap * sizeof *sel);
    mw_rect *go_on = malloc(cap * sizeof *go_on);
    if (!sel || !go_on) {
        free(sel);
        free(go_on);
        mw_site_list_destroy(list);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    const int last = ty == tiles_y - 1;
    const int row_end = (ty + 1) * ts, row_start = ty * ts;
    int k = 0, m = 0;
    for (int i = 0; i < list->count; i++) {
        const mw_site_acc *a = &list->sites[i];
        mw_rect w = mw_site_window_of(s, a);
        const int small = (int64_t)w.w * w.h <= MW_SITE_WINDOW_MAX_PX, above = from_above(s, sc, a, w);
        if (!last && a->y1 + reach >= row_end) {                /* may go on below */
            if (a->y0 - reach >= row_start && small) go_on[m++] = w;  /* may be the next wave's (step 4) */
            if (!above && small && w.y >= sc->keep_floor && w.y < *open_top) *open_top = w.y;
            continue;
        }
        if (ty > 0 && a->y1 + reach < row_start) continue;     /* complete already: an earlier wave's */
        if (above) continue;                                    /* may come from above: site pass */
        if (ndone && bsearch(&a->seed, done, (size_t)ndone, sizeof *done, mw_cmp_seed)) continue;
        if (!small) continue;                                   /* the site pass reports it */
        sel[k++] = *a;
    }
    mw_site_list_destroy(list);
    *out = sel;
    *n = k;
    *open = go_on;
    *nopen = m;
    return MW_OK;
}

int mw_site_acc_equal(const mw_site_acc *a, const mw_site_acc *b)
{
    if (a->seed != b->seed || a->x0 != b->x0 || a->y0 != b->y0 || a->x1 != b->x1 || a->y1 != b->y1 ||
        a->n_pixels != b->n_pixels)
        return 0;
    for (int c = 0; c < MW_CLASS_COUNT; c++)
        if (a->n_class[c] != b->n_class[c]) return 0;
    /* Sums from integer fixed point: equal sites give the same bits. */
    return memcmp(&a->sum_dndvi, &b->sum_dndvi, sizeof a->sum_dndvi) == 0 &&
           memcmp(&a->sum_dndti, &b->sum_dndti, sizeof a->sum_dndti) == 0 &&
           memcmp(&a->sum_dbsi, &b->sum_dbsi, sizeof a->sum_dbsi) == 0 &&
           memcmp(&a->sum_dmndwi, &b->sum_dmndwi, sizeof a->sum_dmndwi) == 0;
}
