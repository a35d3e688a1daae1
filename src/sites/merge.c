/*
 * Pass 2, once per scan (main thread): merge the components of all tiles
 * into sites.
 *
 * General Plan
 *  1. Give every kept component of every tile a global id: tiles in
 *     row-major order, labels ascending (offset of the tile + label - 1).
 *  2. Union-find over the global ids, smallest id as root: for each tile,
 *     its right neighbour (right column against left column, offsets
 *     -1/0/+1 along the edge: 8-connectivity), its bottom neighbour (bottom
 *     row against top row, same offsets), and the two diagonal neighbours
 *     below it (bottom-right corner pixel against the top-left one of the
 *     tile at (tx+1, ty+1); bottom-left against top-right of (tx-1, ty+1)).
 *     Missing (NULL) tiles simply add nothing.
 *  3. Flatten the forest in one ascending sweep (parent[g] < g for every
 *     non-root) into root numbers, sum the accumulators into roots
 *     (mw_comp_acc_add: min/max and integer sums, so the order does not
 *     matter), drop roots with no disturbance pixel (pure dilation halo)
 *     or fewer than min_pixels, and sort by seed. Seeds are distinct
 *     pixels, so the order is total and the list identical for any tiling.
 *
 * Memory: 4 bytes per component for the forest, 120 bytes per site; the
 * tiles (120 bytes per component + 8 (w + h) bytes of strips each) stay
 * owned by the caller.
 */
#include <stdlib.h>

#include "core/mw_error.h"
#include "mw_sites_internal.h"

/* Union along two facing strips of equal length n (8-connectivity). */
static void unite_strips(int32_t *parent, const int32_t *a, int32_t offa, const int32_t *b,
                         int32_t offb, int n)
{
    for (int i = 0; i < n; i++) {
        if (!a[i]) continue;
        for (int j = i > 0 ? i - 1 : 0; j <= i + 1 && j < n; j++)
            if (b[j]) mw_uf_union(parent, offa + a[i] - 1, offb + b[j] - 1);
    }
}

static mw_status bad_grid(int tx, int ty, const char *what)
{
    return mw_error_set(MW_ERR_USAGE, "sites: tile (%d, %d) and its %s neighbour do not abut",
                        tx, ty, what);
}

static int cmp_seed(const void *a, const void *b)
{
    int64_t sa = ((const mw_site_acc *)a)->seed, sb = ((const mw_site_acc *)b)->seed;
    return (sa > sb) - (sa < sb);
}

/* A merged root as a site (the one conversion, shared by the merge and
 * mw_tile_sites_standalone() so both give the same bits). */
static void site_from_root(const mw_comp_acc *a, mw_site_acc *s)
{
    s->seed = a->seed;
    s->x0 = a->x0;
    s->y0 = a->y0;
    s->x1 = a->x1;
    s->y1 = a->y1;
    s->n_pixels = a->n_pixels;
    for (int k = 0; k < MW_CLASS_COUNT; k++) s->n_class[k] = a->n_class[k];
    s->sum_dndvi = mw_fixed_to_double(a->fx_dndvi);
    s->sum_dndti = mw_fixed_to_double(a->fx_dndti);
    s->sum_dbsi = mw_fixed_to_double(a->fx_dbsi);
    s->sum_dmndwi = mw_fixed_to_double(a->fx_dmndwi);
}

int mw_tile_sites_standalone(const mw_tile_sites *t, int64_t min_pixels, mw_site_acc *out)
{
    if (!t || t->count == 0) return 0;
    uint8_t *edge = calloc((size_t)t->count + 1, 1);
    if (!edge) return -1;
    /* Only labels on the strips can be united with another tile's. */
    for (int x = 0; x < t->core.w; x++) edge[t->top[x]] = edge[t->bottom[x]] = 1;
    for (int y = 0; y < t->core.h; y++) edge[t->left[y]] = edge[t->right[y]] = 1;
    int n = 0;
    for (int32_t c = 1; c <= t->count; c++) {
        if (edge[c]) continue;
        mw_comp_acc root;
        mw_comp_acc_init(&root);
        mw_comp_acc_add(&root, &t->comps[c - 1]);
        if (root.n_pixels <= 0 || root.n_pixels < min_pixels) continue;
        site_from_root(&root, &out[n++]);
    }
    free(edge);
    return n;
}

/* Step 2, tile (tx, ty): unite its pieces with those of the tiles to its
 * right, below, below-right and below-left. */
static mw_status unite_tile(mw_tile_sites *const *tiles, int tiles_x, int tiles_y, int tx, int ty,
                            const int32_t *offset, int32_t *parent)
{
    const size_t ia = (size_t)ty * tiles_x + tx;
    const mw_tile_sites *a = tiles[ia];
    if (!a) return MW_OK;
    const mw_rect ca = a->core;
    if (tx + 1 < tiles_x && tiles[ia + 1]) {
        const mw_tile_sites *b = tiles[ia + 1];
        if (b->core.x != ca.x + ca.w || b->core.y != ca.y || b->core.h != ca.h) return bad_grid(tx, ty, "right");
        unite_strips(parent, a->right, offset[ia], b->left, offset[ia + 1], ca.h);
    }
    if (ty + 1 >= tiles_y) return MW_OK;
    const size_t ib = ia + tiles_x;
    if (tiles[ib]) {
        const mw_tile_sites *b = tiles[ib];
        if (b->core.y != ca.y + ca.h || b->core.x != ca.x || b->core.w != ca.w) return bad_grid(tx, ty, "bottom");
        unite_strips(parent, a->bottom, offset[ia], b->top, offset[ib], ca.w);
    }
    if (tx + 1 < tiles_x && tiles[ib + 1]) {
        const mw_tile_sites *b = tiles[ib + 1];
        if (b->core.x != ca.x + ca.w || b->core.y != ca.y + ca.h) return bad_grid(tx, ty, "bottom-right");
        int32_t la = a->bottom[ca.w - 1], lb = b->top[0];
        if (la && lb) mw_uf_union(parent, offset[ia] + la - 1, offset[ib + 1] + lb - 1);
    }
    if (tx > 0 && tiles[ib - 1]) {
        const mw_tile_sites *b = tiles[ib - 1];
        if (b->core.x + b->core.w != ca.x || b->core.y != ca.y + ca.h) return bad_grid(tx, ty, "bottom-left");
        int32_t la = a->bottom[0], lb = b->top[b->core.w - 1];
        if (la && lb) mw_uf_union(parent, offset[ia] + la - 1, offset[ib - 1] + lb - 1);
    }
    return MW_OK;
}

/* Step 3: root numbers, the pieces' sums into their roots, and the roots
 * large enough as sites, by seed. */
static mw_status sites_from_roots(mw_tile_sites *const *tiles, size_t nt, const int32_t *offset, int32_t *parent,
                                  int32_t total, int64_t min_pixels, mw_site_list **out)
{
    int32_t nroots = 0;
    for (int32_t g = 0; g < total; g++)
        parent[g] = parent[g] == g ? nroots++ : parent[parent[g]];
    mw_comp_acc *roots = malloc(((size_t)nroots + 1) * sizeof *roots);
    mw_site_list *list = calloc(1, sizeof *list);
    if (!roots || !list) {
        free(roots);
        free(list);
        return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for %d sites", (int)nroots);
    }
    for (int32_t r = 0; r < nroots; r++) mw_comp_acc_init(&roots[r]);
    for (size_t t = 0; t < nt; t++) {
        if (!tiles[t]) continue;
        for (int32_t c = 0; c < tiles[t]->count; c++)
            mw_comp_acc_add(&roots[parent[offset[t] + c]], &tiles[t]->comps[c]);
    }
    int32_t nsites = 0;
    for (int32_t r = 0; r < nroots; r++)
        if (roots[r].n_pixels > 0 && roots[r].n_pixels >= min_pixels) nsites++;
    list->sites = malloc(((size_t)nsites + 1) * sizeof *list->sites);
    if (!list->sites) {
        free(roots);
        mw_site_list_destroy(list);
        return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for %d sites", (int)nsites);
    }
    for (int32_t r = 0; r < nroots; r++) {
        const mw_comp_acc *a = &roots[r];
        if (a->n_pixels <= 0 || a->n_pixels < min_pixels) continue;
        site_from_root(a, &list->sites[list->count++]);
    }
    free(roots);
    qsort(list->sites, (size_t)list->count, sizeof *list->sites, cmp_seed);
    *out = list;
    return MW_OK;
}

mw_status mw_sites_merge(mw_tile_sites *const *tiles, int tiles_x, int tiles_y,
                         int64_t min_pixels, mw_site_list **out)
{
    *out = NULL;
    if (tiles_x < 0 || tiles_y < 0)
        return mw_error_set(MW_ERR_USAGE, "sites: negative tile grid %dx%d", tiles_x, tiles_y);
    const size_t nt = (size_t)tiles_x * tiles_y;
    mw_status st = MW_OK;
    int32_t *offset = malloc((nt + 1) * sizeof *offset);
    int32_t *parent = NULL;
    if (!offset) return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for the merge");

    /* Step 1 */
    int64_t total = 0;
    for (size_t t = 0; t < nt; t++) {
        offset[t] = (int32_t)total;
        total += tiles[t] ? tiles[t]->count : 0;
        if (total >= INT32_MAX) {
            st = mw_error_set(MW_ERR_USAGE, "sites: too many components to merge");
            goto done;
        }
    }
    offset[nt] = (int32_t)total;
    parent = malloc(((size_t)total + 1) * sizeof *parent);
    if (!parent) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for %lld components",
                          (long long)total);
        goto done;
    }
    for (int32_t g = 0; g < (int32_t)total; g++) parent[g] = g;
    for (int ty = 0; st == MW_OK && ty < tiles_y; ty++)  /* step 2 */
        for (int tx = 0; st == MW_OK && tx < tiles_x; tx++)
            st = unite_tile(tiles, tiles_x, tiles_y, tx, ty, offset, parent);
    if (st == MW_OK) st = sites_from_roots(tiles, nt, offset, parent, (int32_t)total, min_pixels, out);

done:
    free(offset);
    free(parent);
    return st;
}

void mw_site_list_destroy(mw_site_list *list)
{
    if (!list) return;
    free(list->sites);
    free(list);
}
