/* Helpers shared by the sites tests: random rasters and tiled labelling. */
#ifndef SITES_UTIL_H
#define SITES_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sites/mw_sites_internal.h"

/* Small deterministic PRNG (xorshift64*), independent of libc rand(). */
static uint64_t rng_state = 88172645463325252ull;
static inline void rng_seed(uint64_t s) { rng_state = s * 2685821657736338717ull + 1; }
static inline uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static inline int rng_int(int n) { return (int)(rng_next() % (uint64_t)n); }
static inline double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

/* A grid with classes and index changes (d* may be NaN). */
typedef struct grid {
    int w, h;
    uint8_t *cls;
    float *dndvi, *dndti, *dbsi, *dmndwi;
} grid;

static inline grid grid_new(int w, int h)
{
    grid g = {w, h, calloc((size_t)w * h, 1), NULL, NULL, NULL, NULL};
    float **d[4] = {&g.dndvi, &g.dndti, &g.dbsi, &g.dmndwi};
    for (int k = 0; k < 4; k++) *d[k] = calloc((size_t)w * h, sizeof(float));
    for (int i = 0; i < w * h; i++) g.cls[i] = 1;
    return g;
}

static inline void grid_free(grid *g)
{
    free(g->cls);
    free(g->dndvi);
    free(g->dndti);
    free(g->dbsi);
    free(g->dmndwi);
}

/* Random classes: sparse noise with probability p_noise, plus nblobs
 * discs and rectangles; d* random in [-1, 1] with 5% NaN. */
static inline grid grid_random(int w, int h, uint64_t seed, double p_noise, int nblobs)
{
    rng_seed(seed);
    grid g = grid_new(w, h);
    for (int i = 0; i < w * h; i++) {
        g.cls[i] = rng_unit() < 0.03 ? 0 : 1;
        if (rng_unit() < p_noise) g.cls[i] = (uint8_t)(2 + rng_int(5));
    }
    for (int b = 0; b < nblobs; b++) {
        int cx = rng_int(w), cy = rng_int(h), r = 1 + rng_int(12);
        int disc = rng_int(2);
        uint8_t k = (uint8_t)(2 + rng_int(5));
        for (int y = cy - r; y <= cy + r; y++)
            for (int x = cx - r; x <= cx + r; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h) continue;
                if (disc && (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                g.cls[y * w + x] = rng_unit() < 0.15 ? (uint8_t)(2 + rng_int(5)) : k;
            }
    }
    float *d[4] = {g.dndvi, g.dndti, g.dbsi, g.dmndwi};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < w * h; i++)
            d[k][i] = rng_unit() < 0.05 ? NAN : (float)(2.0 * rng_unit() - 1.0);
    return g;
}

/* Grid from rows of text: '#' veg loss (2), 'b' bare (3), 'w' new water (4),
 * 't' turbid water (5), 'r' turbidity rise (6), '.' no change, ' ' nodata. */
static inline grid grid_from_text(const char *const *rows, int h)
{
    int w = (int)strlen(rows[0]);
    grid g = grid_new(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            char c = rows[y][x];
            g.cls[y * w + x] = c == '#' ? 2 : c == 'b' ? 3 : c == 'w' ? 4 : c == 't' ? 5
                             : c == 'r' ? 6 : c == ' ' ? 0 : 1;
        }
    return g;
}

static inline void *copy_sub(const void *src, int esz, int gw, mw_rect r)
{
    char *dst = malloc((size_t)r.w * r.h * esz);
    for (int y = 0; y < r.h; y++)
        memcpy(dst + (size_t)y * r.w * esz,
               (const char *)src + ((size_t)(r.y + y) * gw + r.x) * esz, (size_t)r.w * esz);
    return dst;
}

/* Label g in tiles of tile x tile pixels (in parallel with OpenMP, tiles
 * in any order) and merge. Returns the status; *bytes gets the sum of
 * mw_tile_sites_bytes (may be NULL). */
static inline mw_status run_tiled(const grid *g, int tile, int radius, int64_t min_pixels,
                                  mw_site_list **out, size_t *bytes)
{
    int tx = (g->w + tile - 1) / tile, ty = (g->h + tile - 1) / tile, nt = tx * ty;
    mw_tile_sites **tiles = calloc((size_t)nt, sizeof *tiles);
    mw_status *sts = calloc((size_t)nt, sizeof *sts);
    mw_rect gr = {0, 0, g->w, g->h};
    mw_status st = MW_OK;
    if (bytes) *bytes = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < nt; k++) {
        int i = k % tx, j = k / tx;
        mw_rect core = mw_rect_intersect((mw_rect){i * tile, j * tile, tile, tile}, gr);
        mw_rect area = mw_rect_intersect(mw_rect_expand(core, radius), gr);
        uint8_t *cls = copy_sub(g->cls, 1, g->w, area);
        float *d[4];
        const float *src[4] = {g->dndvi, g->dndti, g->dbsi, g->dmndwi};
        for (int q = 0; q < 4; q++) d[q] = copy_sub(src[q], sizeof(float), g->w, area);
        mw_label_input in = {core, area, cls, d[0], d[1], d[2], d[3],
                             radius, g->w, g->h, min_pixels};
        sts[k] = mw_tile_sites_label(&in, &tiles[k]);
        free(cls);
        for (int q = 0; q < 4; q++) free(d[q]);
    }
    for (int k = 0; k < nt; k++) {
        if (sts[k] != MW_OK && st == MW_OK) st = sts[k];
        if (bytes) *bytes += mw_tile_sites_bytes(tiles[k]);
    }
    if (st == MW_OK) st = mw_sites_merge(tiles, tx, ty, min_pixels, out);
    for (int k = 0; k < nt; k++) mw_tile_sites_destroy(tiles[k]);
    free(tiles);
    free(sts);
    return st;
}

/* Brute-force reference: square dilation by r of the disturbance mask of
 * the whole grid, then 8-connected flood fill. Returns per-pixel component
 * numbers (1..) of D, 0 outside D. */
static inline int32_t *reference_labels(const grid *g, int r)
{
    int n = g->w * g->h, next = 0;
    uint8_t *d = calloc(n, 1);
    int32_t *lab = calloc(n, sizeof *lab), *stack = malloc(n * sizeof *stack);
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            uint8_t c = g->cls[y * g->w + x];
            if (c < 2 || c > 6) continue;
            for (int yy = y - r; yy <= y + r; yy++)
                for (int xx = x - r; xx <= x + r; xx++)
                    if (xx >= 0 && yy >= 0 && xx < g->w && yy < g->h) d[yy * g->w + xx] = 1;
        }
    for (int i0 = 0; i0 < n; i0++) {
        if (!d[i0] || lab[i0]) continue;
        int sp = 0;
        stack[sp++] = i0;
        lab[i0] = ++next;
        while (sp) {
            int i = stack[--sp], x = i % g->w, y = i / g->w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= g->w || yy >= g->h) continue;
                    int j = yy * g->w + xx;
                    if (d[j] && !lab[j]) {
                        lab[j] = next;
                        stack[sp++] = j;
                    }
                }
        }
    }
    free(d);
    free(stack);
    return lab;
}

#endif
