/* Sites pass 2: dilation, per-tile labelling, merge across tiles. */
#include <math.h>
#include <stdio.h>

#include "mw_test.h"
#include "sites_util.h"

/* ---- brute-force references ---- */

static void dilate_brute(const uint8_t *src, int w, int h, int r, uint8_t *dst)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = 0;
            for (int yy = y - r; yy <= y + r && !v; yy++)
                for (int xx = x - r; xx <= x + r && !v; xx++)
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h && src[yy * w + xx]) v = 1;
            dst[y * w + x] = (uint8_t)v;
        }
}

static int64_t fixed(float v) { return llround((double)v * 1e6); }

/* Whole-raster reference: dilate, flood-fill D (8-conn), accumulate. */
static mw_site_list *reference_sites(const grid *g, int radius, int64_t min_pixels)
{
    int n = g->w * g->h;
    uint8_t *m = malloc(n), *d = malloc(n);
    int32_t *lab = calloc(n, sizeof *lab), *stack = malloc(n * sizeof *stack);
    for (int i = 0; i < n; i++) m[i] = g->cls[i] >= 2 && g->cls[i] <= 6;
    dilate_brute(m, g->w, g->h, radius, d);
    mw_site_list *list = calloc(1, sizeof *list);
    list->sites = calloc(n + 1, sizeof *list->sites);
    int64_t *fx = calloc(4 * (size_t)(n + 1), sizeof *fx);
    for (int i0 = 0; i0 < n; i0++) {
        if (!d[i0] || lab[i0]) continue;
        /* components are discovered in raster order of their first D pixel */
        mw_site_acc a = {INT64_MAX, INT32_MAX, INT32_MAX, INT32_MIN, INT32_MIN, 0, {0}, 0, 0, 0, 0};
        int64_t f[4] = {0, 0, 0, 0};
        int sp = 0;
        stack[sp++] = i0;
        lab[i0] = 1;
        while (sp) {
            int i = stack[--sp], x = i % g->w, y = i / g->w;
            if (m[i]) {
                if (i < a.seed) a.seed = i;
                if (x < a.x0) a.x0 = x;
                if (x > a.x1) a.x1 = x;
                if (y < a.y0) a.y0 = y;
                if (y > a.y1) a.y1 = y;
                a.n_pixels++;
                a.n_class[g->cls[i]]++;
                const float *src[4] = {g->dndvi, g->dndti, g->dbsi, g->dmndwi};
                for (int k = 0; k < 4; k++)
                    if (!isnan(src[k][i])) f[k] += fixed(src[k][i]);
            }
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= g->w || yy >= g->h) continue;
                    int j = yy * g->w + xx;
                    if (d[j] && !lab[j]) {
                        lab[j] = 1;
                        stack[sp++] = j;
                    }
                }
        }
        if (a.n_pixels == 0 || a.n_pixels < min_pixels) continue;
        a.sum_dndvi = f[0] / 1e6;
        a.sum_dndti = f[1] / 1e6;
        a.sum_dbsi = f[2] / 1e6;
        a.sum_dmndwi = f[3] / 1e6;
        list->sites[list->count++] = a;
    }
    /* sort by seed (insertion sort is fine for a test) */
    for (int i = 1; i < list->count; i++) {
        mw_site_acc t = list->sites[i];
        int j = i - 1;
        while (j >= 0 && list->sites[j].seed > t.seed) {
            list->sites[j + 1] = list->sites[j];
            j--;
        }
        list->sites[j + 1] = t;
    }
    free(m);
    free(d);
    free(lab);
    free(stack);
    free(fx);
    return list;
}

/* ---- comparisons ---- */

static int same_site(const mw_site_acc *a, const mw_site_acc *b)
{
    if (a->seed != b->seed || a->x0 != b->x0 || a->y0 != b->y0 || a->x1 != b->x1 ||
        a->y1 != b->y1 || a->n_pixels != b->n_pixels)
        return 0;
    for (int k = 0; k < MW_CLASS_COUNT; k++)
        if (a->n_class[k] != b->n_class[k]) return 0;
    return a->sum_dndvi == b->sum_dndvi && a->sum_dndti == b->sum_dndti &&
           a->sum_dbsi == b->sum_dbsi && a->sum_dmndwi == b->sum_dmndwi;
}

static int same_list(const mw_site_list *a, const mw_site_list *b, const char *what)
{
    if (a->count != b->count) {
        fprintf(stderr, "%s: %d sites vs %d\n", what, a->count, b->count);
        return 0;
    }
    for (int i = 0; i < a->count; i++)
        if (!same_site(&a->sites[i], &b->sites[i])) {
            fprintf(stderr, "%s: site %d differs (seed %lld vs %lld, n %lld vs %lld)\n", what,
                    i, (long long)a->sites[i].seed, (long long)b->sites[i].seed,
                    (long long)a->sites[i].n_pixels, (long long)b->sites[i].n_pixels);
            return 0;
        }
    return 1;
}

static mw_site_list *label_text(const char *const *rows, int h, int tile, int radius)
{
    grid g = grid_from_text(rows, h);
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, tile, radius, 1, &l, NULL) == MW_OK);
    grid_free(&g);
    return l;
}

/* ---- tests ---- */

static void test_dilate(void)
{
    rng_seed(7);
    const int sizes[][2] = {{1, 1}, {1, 9}, {9, 1}, {13, 7}, {31, 29}, {64, 3}};
    for (int s = 0; s < 6; s++)
        for (int r = 0; r <= 7; r++)
            for (int rep = 0; rep < 3; rep++) {
                int w = sizes[s][0], h = sizes[s][1], n = w * h;
                uint8_t *m = malloc(n), *a = malloc(n), *b = malloc(n);
                double p = rep == 0 ? 0.02 : rep == 1 ? 0.2 : 0.6;
                for (int i = 0; i < n; i++) m[i] = rng_unit() < p ? (uint8_t)(1 + rng_int(200)) : 0;
                CHECK(mw_mask_dilate(m, w, h, r, a) == MW_OK);
                dilate_brute(m, w, h, r, b);
                CHECK(memcmp(a, b, n) == 0);
                free(m);
                free(a);
                free(b);
            }
    uint8_t one = 1, out = 9;
    CHECK(mw_mask_dilate(&one, 1, 1, -1, &out) == MW_ERR_USAGE);
}

static void test_shapes(void)
{
    /* L-shape: one site of 7 pixels, on a single tile and on 2x2 tiles */
    static const char *const L[] = {
        "........",
        ".#......",
        ".#......",
        ".#......",
        ".####...",
        "........",
    };
    for (int tile = 2; tile <= 8; tile += 6) {
        mw_site_list *l = label_text(L, 6, tile, 0);
        CHECK(l && l->count == 1);
        if (l && l->count == 1) {
            CHECK(l->sites[0].n_pixels == 7);
            CHECK(l->sites[0].seed == 1 * 8 + 1);
            CHECK(l->sites[0].x0 == 1 && l->sites[0].x1 == 4);
            CHECK(l->sites[0].y0 == 1 && l->sites[0].y1 == 4);
            CHECK(l->sites[0].n_class[2] == 7);
        }
        mw_site_list_destroy(l);
    }
    /* checkerboard: diagonal chains are 8-connected -> one site */
    static const char *const chk[] = {
        "#.#.#.#",
        ".#.#.#.",
        "#.#.#.#",
        ".#.#.#.",
    };
    for (int tile = 1; tile <= 7; tile += 2) {
        mw_site_list *l = label_text(chk, 4, tile, 0);
        CHECK(l && l->count == 1 && l->sites[0].n_pixels == 14);
        mw_site_list_destroy(l);
    }
    /* anti-diagonal chain, and two pixels only touching at a corner */
    static const char *const anti[] = {
        "...#",
        "..#.",
        ".#..",
        "#...",
    };
    mw_site_list *l = label_text(anti, 4, 2, 0);
    CHECK(l && l->count == 1 && l->sites[0].n_pixels == 4 && l->sites[0].seed == 3);
    mw_site_list_destroy(l);
    /* ring with a hole: one site; the hole is not part of it */
    static const char *const ring[] = {
        ".......",
        ".#####.",
        ".#...#.",
        ".#...#.",
        ".#####.",
        ".......",
    };
    l = label_text(ring, 6, 3, 0);
    CHECK(l && l->count == 1 && l->sites[0].n_pixels == 14);
    mw_site_list_destroy(l);
    /* two fragments 3 px apart (2 empty columns): joined with radius 1?
     * squares of radius 1 reach x=3 and x=4 -> adjacent, joined.
     * 3 empty columns (x=2,3,4 empty): radius 1 reaches x=2 and x=4, the
     * gap x=3 stays -> not joined; radius 2 joins. */
    static const char *const frag[] = {
        "..........",
        ".#...#....",
        ".#...#....",
        "..........",
    };
    for (int tile = 2; tile <= 10; tile += 8) {
        l = label_text(frag, 4, tile, 1);
        CHECK(l && l->count == 2);
        mw_site_list_destroy(l);
        l = label_text(frag, 4, tile, 2);
        CHECK(l && l->count == 1 && l->sites[0].n_pixels == 4);
        mw_site_list_destroy(l);
    }
    l = label_text(frag, 4, 10, 0);
    CHECK(l && l->count == 2);
    mw_site_list_destroy(l);
}

/* Pixels (63,63) and (64,64) only, tile 64, radius 0: the two pieces meet
 * only at the corner shared by four tiles. And the other diagonal. */
static void test_corner(void)
{
    for (int variant = 0; variant < 2; variant++) {
        grid g = grid_new(130, 100);
        if (variant == 0) {
            g.cls[63 * 130 + 63] = 4;
            g.cls[64 * 130 + 64] = 5;
        } else {
            g.cls[63 * 130 + 64] = 4;
            g.cls[64 * 130 + 63] = 5;
        }
        mw_site_list *l = NULL;
        CHECK(run_tiled(&g, 64, 0, 1, &l, NULL) == MW_OK);
        CHECK(l && l->count == 1);
        if (l && l->count == 1) {
            CHECK(l->sites[0].n_pixels == 2);
            CHECK(l->sites[0].seed == 63 * 130 + 63 + variant);
            CHECK(l->sites[0].x0 == 63 && l->sites[0].x1 == 64);
            CHECK(l->sites[0].n_class[4] == 1 && l->sites[0].n_class[5] == 1);
        }
        mw_site_list_destroy(l);
        grid_free(&g);
    }
}

/* A tile with no disturbance of its own bridges two sites through the
 * halo spill of the dilation. Tile size 3, radius 2: pixels at x = 2 and
 * x = 6; the middle tile (x 3..5) is all dilation. */
static void test_bridge(void)
{
    static const char *const row[] = {"..#...#..", ".........", "........."};
    for (int tile = 1; tile <= 9; tile++) {
        mw_site_list *l = label_text(row, 3, tile, 2);
        CHECK(l && l->count == 1 && l->sites[0].n_pixels == 2);
        mw_site_list_destroy(l);
    }
}

static void test_invariance(void)
{
    const int tiles[] = {1000, 7, 16, 33, 64, 100, 5, 203};
    const int radii[] = {0, 1, 2, 3};
    int nsites_total = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        double p = seed % 3 == 0 ? 0.002 : seed % 3 == 1 ? 0.03 : 0.15;
        grid g = grid_random(203, 157, seed, p, (int)(seed * 7 % 40));
        for (int ri = 0; ri < 4; ri++) {
            int r = radii[ri];
            int64_t minpx = (seed + ri) % 2 ? 1 : 6;
            mw_site_list *ref = reference_sites(&g, r, minpx);
            mw_site_list *whole = NULL;
            CHECK(run_tiled(&g, tiles[0], r, minpx, &whole, NULL) == MW_OK);
            if (!whole) continue;
            char what[128];
            snprintf(what, sizeof what, "seed %d radius %d: whole vs reference", (int)seed, r);
            CHECK(same_list(whole, ref, what));
            nsites_total += whole->count;
            for (int ti = 1; ti < 8; ti++) {
                mw_site_list *l = NULL;
                CHECK(run_tiled(&g, tiles[ti], r, minpx, &l, NULL) == MW_OK);
                if (!l) continue;
                snprintf(what, sizeof what, "seed %d radius %d tile %d", (int)seed, r, tiles[ti]);
                CHECK(same_list(l, whole, what));
                mw_site_list_destroy(l);
            }
            for (int i = 0; i < whole->count; i++) CHECK(whole->sites[i].n_pixels >= minpx);
            mw_site_list_destroy(whole);
            mw_site_list_destroy(ref);
        }
        grid_free(&g);
    }
    CHECK(nsites_total > 100); /* the rasters did make sites */
}

/* Interior small components are dropped inside the tile (memory), and the
 * merge drops small sites made of pieces. */
static void test_min_pixels(void)
{
    grid g = grid_random(200, 150, 42, 0.01, 0);
    mw_site_list *l1 = NULL, *l5 = NULL;
    size_t b1 = 0, b5 = 0;
    CHECK(run_tiled(&g, 50, 0, 1, &l1, &b1) == MW_OK);
    CHECK(run_tiled(&g, 50, 0, 3, &l5, &b5) == MW_OK);
    CHECK(l1 && l5 && l5->count < l1->count);
    CHECK(b5 < b1);
    int big = 0;
    for (int i = 0; l1 && i < l1->count; i++) big += l1->sites[i].n_pixels >= 3;
    CHECK(l5 && l5->count == big);
    mw_site_list_destroy(l1);
    mw_site_list_destroy(l5);
    grid_free(&g);

    /* a 2-pixel piece on each side of a tile edge: 4 pixels, kept with 4 */
    static const char *const two[] = {"......", "..##..", "......"};
    g = grid_from_text(two, 3);
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 3, 0, 2, &l, NULL) == MW_OK);
    CHECK(l && l->count == 1 && l->sites[0].n_pixels == 2);
    mw_site_list_destroy(l);
    CHECK(run_tiled(&g, 3, 0, 3, &l, NULL) == MW_OK);
    CHECK(l && l->count == 0);
    mw_site_list_destroy(l);
    grid_free(&g);
}

static void test_bad_input(void)
{
    uint8_t cls[16] = {0};
    mw_tile_sites *t = (mw_tile_sites *)1;
    mw_label_input in = {{0, 0, 4, 4}, {0, 0, 4, 4}, cls, NULL, NULL, NULL, NULL, 1, 4, 4, 1};
    CHECK(mw_tile_sites_label(&in, &t) == MW_OK && t && t->count == 0);
    mw_tile_sites_destroy(t);
    in.core = (mw_rect){2, 2, 4, 4}; /* outside the grid */
    CHECK(mw_tile_sites_label(&in, &t) == MW_ERR_USAGE && t == NULL);
    in.grid_w = in.grid_h = 8;
    in.core = (mw_rect){0, 0, 4, 4};
    in.area = (mw_rect){0, 0, 4, 4}; /* radius 1 needs a halo of 1 to the right */
    CHECK(mw_tile_sites_label(&in, &t) == MW_ERR_USAGE);
    /* tiles that do not abut */
    in.grid_w = in.grid_h = 4;
    mw_tile_sites *tt[2] = {NULL, NULL};
    CHECK(mw_tile_sites_label(&in, &tt[0]) == MW_OK);
    CHECK(mw_tile_sites_label(&in, &tt[1]) == MW_OK);
    mw_site_list *l = NULL;
    CHECK(mw_sites_merge(tt, 2, 1, 1, &l) == MW_ERR_USAGE && l == NULL);
    mw_tile_sites *none[3] = {NULL, NULL, NULL};
    CHECK(mw_sites_merge(none, 3, 1, 1, &l) == MW_OK && l && l->count == 0);
    mw_site_list_destroy(l);
    mw_tile_sites_destroy(tt[0]);
    mw_tile_sites_destroy(tt[1]);
    mw_tile_sites_destroy(NULL);
    mw_site_list_destroy(NULL);
}

int main(void)
{
    test_dilate();
    test_shapes();
    test_corner();
    test_bridge();
    test_invariance();
    test_min_pixels();
    test_bad_input();
    MW_TEST_DONE();
}
