/*
 * Pass 2 of site detection, per tile: connected components of the dilated
 * disturbance mask inside one tile core, with their accumulators and the
 * labels of the four core edges.
 *
 * General Plan
 *  1. Build the disturbance mask (classes 2..6) over the input area (core
 *     plus a halo of `radius`, clipped to the grid) and dilate it by a
 *     square of side 2 radius + 1 (dilate.c). Because the halo is at least
 *     `radius` wide wherever the grid goes on, D over the core equals the
 *     D of the whole grid there, whatever the tiling.
 *  2. First scan over the core (raster order), 8-connectivity: a D pixel
 *     takes the label of N if set (N touches W, NW and NE, already merged),
 *     else of NE (and unions with W or NW, which are not adjacent to NE),
 *     else of W, else of NW, else a new provisional label. Labels are
 *     int32 per core pixel; equivalences go to a union-find whose root is
 *     always the smallest label, with path halving.
 *  3. Flatten: labels ascending, parent[l] <= l, so each label maps to a
 *     compact component number in one sweep; components are numbered by
 *     their first pixel in raster order.
 *  4. Second scan: each D pixel adds its real disturbance pixel (if any)
 *     to its component: count per class, seed (first pixel in raster
 *     order, i.e. min y * grid_w + x), bbox, fixed-point index sums
 *     (mw_sites_internal.h). It also flags components that touch a core
 *     edge shared with another tile (edges on the grid border do not
 *     count: nothing lies beyond them).
 *  5. Components touching no shared edge are complete: those with fewer
 *     than min_pixels disturbance pixels (or none) are dropped now. The
 *     rest are renumbered 1..count, keeping their order, and the labels of
 *     the four core edges are copied into the strips for the merge (a
 *     dropped component, or background, is 0). A component may hold no
 *     disturbance pixel of this core (halo spill of the dilation): it is
 *     kept when it touches a shared edge because it may bridge two sites;
 *     the merge drops it if its root stays empty.
 *
 * Memory while labelling: 2 bytes per area pixel (mask and D) plus the
 * dilation scratch (1 byte per area pixel), 4 bytes per core pixel
 * (labels) and 4 bytes per possible provisional label (a quarter of the
 * core). Kept: 120 bytes per component and 8 (w + h) bytes of strips.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "mw_sites_internal.h"

void mw_comp_acc_init(mw_comp_acc *a)
{
    memset(a, 0, sizeof *a);
    a->seed = INT64_MAX;
    a->x0 = a->y0 = INT32_MAX;
    a->x1 = a->y1 = INT32_MIN;
}

void mw_comp_acc_add(mw_comp_acc *a, const mw_comp_acc *b)
{
    if (b->seed < a->seed) a->seed = b->seed;
    if (b->x0 < a->x0) a->x0 = b->x0;
    if (b->y0 < a->y0) a->y0 = b->y0;
    if (b->x1 > a->x1) a->x1 = b->x1;
    if (b->y1 > a->y1) a->y1 = b->y1;
    a->n_pixels += b->n_pixels;
    for (int k = 0; k < MW_CLASS_COUNT; k++) a->n_class[k] += b->n_class[k];
    a->fx_dndvi += b->fx_dndvi;
    a->fx_dndti += b->fx_dndti;
    a->fx_dbsi += b->fx_dbsi;
    a->fx_dmndwi += b->fx_dmndwi;
}

static void add_fixed(int64_t *sum, const float *v, size_t i)
{
    if (v && isfinite(v[i])) *sum += mw_fixed_from_double(v[i]);
}

static mw_status check_input(const mw_label_input *in)
{
    mw_rect grid = {0, 0, in->grid_w, in->grid_h};
    if (!in->cls) return mw_error_set(MW_ERR_USAGE, "sites: tile without class raster");
    if (in->radius < 0) return mw_error_set(MW_ERR_USAGE, "sites: radius %d < 0", in->radius);
    if (mw_rect_is_empty(in->core))
        return mw_error_set(MW_ERR_USAGE, "sites: empty tile core");
    mw_rect c = mw_rect_intersect(in->core, grid);
    if (c.x != in->core.x || c.y != in->core.y || c.w != in->core.w || c.h != in->core.h)
        return mw_error_set(MW_ERR_USAGE, "sites: tile core outside the %dx%d grid",
                            in->grid_w, in->grid_h);
    mw_rect need = mw_rect_intersect(mw_rect_expand(in->core, in->radius), grid);
    mw_rect got = mw_rect_intersect(need, in->area);
    if (got.x != need.x || got.y != need.y || got.w != need.w || got.h != need.h)
        return mw_error_set(MW_ERR_USAGE,
                            "sites: tile area does not hold the core expanded by radius %d",
                            in->radius);
    return MW_OK;
}

/* Steps 2-3: provisional labels of D over the core, flattened to compact
 * component numbers 1..*ncomp in lab. d is D over the core (cw x ch). */
static mw_status label_core(const uint8_t *d, int cw, int ch, int32_t *lab, int32_t *ncomp)
{
    size_t maxl = ((size_t)cw + 1) / 2 * (((size_t)ch + 1) / 2) + 1;
    if (maxl > INT32_MAX) return mw_error_set(MW_ERR_USAGE, "sites: tile too large");
    int32_t *parent = malloc(maxl * sizeof *parent);
    if (!parent) return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for labels");
    int32_t next = 1;
    parent[0] = 0;
    for (int y = 0; y < ch; y++) {
        const uint8_t *drow = d + (size_t)y * cw;
        int32_t *row = lab + (size_t)y * cw;
        const int32_t *up = y > 0 ? row - cw : NULL;
        for (int x = 0; x < cw; x++) {
            if (!drow[x]) {
                row[x] = 0;
                continue;
            }
            int32_t w = x > 0 ? row[x - 1] : 0;
            int32_t n = up ? up[x] : 0;
            int32_t nw = up && x > 0 ? up[x - 1] : 0;
            int32_t ne = up && x + 1 < cw ? up[x + 1] : 0;
            int32_t l;
            if (n) {
                l = n;
            } else if (ne) {
                l = ne;
                if (w) mw_uf_union(parent, ne, w);
                else if (nw) mw_uf_union(parent, ne, nw);
            } else if (w) {
                l = w;
            } else if (nw) {
                l = nw;
            } else {
                l = next;
                parent[next] = next;
                next++;
            }
            row[x] = l;
        }
    }
    /* Step 3: parent[l] < l for every non-root (smaller root wins, halving
     * only shortcuts), so in one ascending sweep parent[parent[l]] already
     * holds the component number of l's root. */
    int32_t nc = 0;
    for (int32_t l = 1; l < next; l++) parent[l] = parent[l] == l ? ++nc : parent[parent[l]];
    size_t n = (size_t)cw * ch;
    for (size_t i = 0; i < n; i++) lab[i] = parent[lab[i]];
    free(parent);
    *ncomp = nc;
    return MW_OK;
}

/* Step 1: the disturbance mask over the area, dilated, cut to the core
 * (@p dcore, core.w x core.h). */
static mw_status dilated_core(const mw_label_input *in, uint8_t *mask, uint8_t *dcore)
{
    const mw_rect core = in->core, area = in->area;
    const size_t an = (size_t)area.w * area.h;
    uint8_t *dil = malloc(an);
    if (!dil) return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for a %dx%d tile", core.w, core.h);
    for (size_t i = 0; i < an; i++) mask[i] = mw_class_is_disturbance(in->cls[i]);
    mw_status st = mw_mask_dilate(mask, area.w, area.h, in->radius, dil);
    const int ox = core.x - area.x, oy = core.y - area.y;
    for (int y = 0; st == MW_OK && y < core.h; y++)
        memcpy(dcore + (size_t)y * core.w, dil + (size_t)(oy + y) * area.w + ox, (size_t)core.w);
    free(dil);
    return st;
}

/* Step 4: one sweep of the core: each component's accumulator, and
 * whether it touches an edge shared with another tile. */
static void accumulate(const mw_label_input *in, const int32_t *lab, mw_comp_acc *acc, uint8_t *touch)
{
    const mw_rect core = in->core, area = in->area;
    const int cw = core.w, ch = core.h, ox = core.x - area.x, oy = core.y - area.y;
    const int share_top = core.y > 0, share_bottom = core.y + ch < in->grid_h;
    const int share_left = core.x > 0, share_right = core.x + cw < in->grid_w;
    for (int y = 0; y < ch; y++) {
        const int gy = core.y + y;
        const int32_t *lrow = lab + (size_t)y * cw;
        const size_t arow = (size_t)(oy + y) * area.w + ox;
        const int edge_row = (y == 0 && share_top) || (y == ch - 1 && share_bottom);
        for (int x = 0; x < cw; x++) {
            int32_t c = lrow[x];
            if (!c) continue;
            if (edge_row || (x == 0 && share_left) || (x == cw - 1 && share_right))
                touch[c] = 1;
            const size_t ai = arow + x;
            const uint8_t k = in->cls[ai];
            if (!mw_class_is_disturbance(k)) continue;
            mw_comp_acc *a = &acc[c];
            const int gx = core.x + x;
            if (a->n_pixels == 0) {
                a->seed = (int64_t)gy * in->grid_w + gx;
                a->y0 = gy;
            }
            if (gx < a->x0) a->x0 = gx;
            if (gx > a->x1) a->x1 = gx;
            a->y1 = gy;
            a->n_pixels++;
            a->n_class[k]++;
            add_fixed(&a->fx_dndvi, in->dndvi, ai);
            add_fixed(&a->fx_dndti, in->dndti, ai);
            add_fixed(&a->fx_dbsi, in->dbsi, ai);
            add_fixed(&a->fx_dmndwi, in->dmndwi, ai);
        }
    }
}

/* Step 5: the components kept (on a shared edge, or large enough), and
 * the labels of the four edge strips renumbered to them. */
static mw_status tile_result(const mw_label_input *in, const int32_t *lab, int32_t nc, const mw_comp_acc *acc,
                             const uint8_t *touch, int32_t *keep, mw_tile_sites **out)
{
    const int cw = in->core.w, ch = in->core.h;
    int32_t nkeep = 0;
    for (int32_t c = 1; c <= nc; c++) {
        int small = acc[c].n_pixels == 0 || acc[c].n_pixels < in->min_pixels;
        keep[c] = (touch[c] || !small) ? ++nkeep : 0;
    }
    mw_tile_sites *t = calloc(1, sizeof *t);
    if (!t) return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for a tile result");
    t->core = in->core;
    t->grid_w = in->grid_w;
    t->grid_h = in->grid_h;
    t->count = nkeep;
    t->comps = malloc(((size_t)nkeep + 1) * sizeof *t->comps);
    t->strips = malloc(2 * ((size_t)cw + ch) * sizeof *t->strips);
    if (!t->comps || !t->strips) {
        mw_tile_sites_destroy(t);
        return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for a tile result");
    }
    for (int32_t c = 1; c <= nc; c++)
        if (keep[c]) t->comps[keep[c] - 1] = acc[c];
    t->top = t->strips;
    t->bottom = t->top + cw;
    t->left = t->bottom + cw;
    t->right = t->left + ch;
    for (int x = 0; x < cw; x++) {
        t->top[x] = keep[lab[x]];
        t->bottom[x] = keep[lab[(size_t)(ch - 1) * cw + x]];
    }
    for (int y = 0; y < ch; y++) {
        t->left[y] = keep[lab[(size_t)y * cw]];
        t->right[y] = keep[lab[(size_t)y * cw + cw - 1]];
    }
    *out = t;
    return MW_OK;
}

mw_status mw_tile_sites_label(const mw_label_input *in, mw_tile_sites **out)
{
    *out = NULL;
    mw_status st = check_input(in);
    if (st != MW_OK) return st;
    const int cw = in->core.w, ch = in->core.h;
    const size_t an = (size_t)in->area.w * in->area.h, cn = (size_t)cw * ch;
    uint8_t *mask = malloc(an), *dcore = malloc(cn), *touch = NULL;
    int32_t *lab = malloc(cn * sizeof *lab), *keep = NULL;
    mw_comp_acc *acc = NULL;
    if (!mask || !dcore || !lab) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for a %dx%d tile", cw, ch);
        goto done;
    }
    st = dilated_core(in, mask, dcore);
    int32_t nc = 0;
    if (st == MW_OK) st = label_core(dcore, cw, ch, lab, &nc);  /* steps 2-3 */
    if (st != MW_OK) goto done;
    acc = malloc(((size_t)nc + 1) * sizeof *acc);
    touch = calloc((size_t)nc + 1, 1);
    keep = calloc((size_t)nc + 1, sizeof *keep);
    if (!acc || !touch || !keep) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for %d components", (int)nc);
        goto done;
    }
    for (int32_t c = 0; c <= nc; c++) mw_comp_acc_init(&acc[c]);
    accumulate(in, lab, acc, touch);
    st = tile_result(in, lab, nc, acc, touch, keep, out);

done:
    free(mask);
    free(dcore);
    free(lab);
    free(acc);
    free(touch);
    free(keep);
    return st;
}

void mw_tile_sites_destroy(mw_tile_sites *t)
{
    if (!t) return;
    free(t->comps);
    free(t->strips);
    free(t);
}

int mw_tile_sites_count(const mw_tile_sites *t) { return t ? (int)t->count : 0; }

size_t mw_tile_sites_bytes(const mw_tile_sites *t)
{
    if (!t) return 0;
    return sizeof *t + (size_t)t->count * sizeof(mw_comp_acc) +
           2 * ((size_t)t->core.w + t->core.h) * sizeof(int32_t);
}
