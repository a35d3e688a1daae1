/* Sites pass 3: site mask recovery and features. */
#include <math.h>
#include <stdio.h>

#include "mw_test.h"
#include "sites_util.h"

/* Index rasters of both dates over a grid: dry vegetated land by default. */
typedef struct scene {
    int n;
    uint8_t *valid;
    float *b_ndvi, *b_mndwi, *b_ndti, *b_bsi, *a_ndvi, *a_mndwi, *a_ndti, *a_bsi;
} scene;

static float *fill(int n, float v)
{
    float *p = malloc(n * sizeof *p);
    for (int i = 0; i < n; i++) p[i] = v;
    return p;
}

static scene scene_new(int n)
{
    scene s = {n, malloc(n), fill(n, 0.6f), fill(n, -0.4f), fill(n, 0.0f), fill(n, -0.2f),
               fill(n, 0.6f), fill(n, -0.4f), fill(n, 0.0f), fill(n, -0.2f)};
    memset(s.valid, 1, n);
    return s;
}

static void scene_free(scene *s)
{
    free(s->valid);
    float *p[8] = {s->b_ndvi, s->b_mndwi, s->b_ndti, s->b_bsi,
                   s->a_ndvi, s->a_mndwi, s->a_ndti, s->a_bsi};
    for (int k = 0; k < 8; k++) free(p[k]);
}

/* Window = rectangle r of the grid (copies, so that the layout is r's). */
typedef struct win {
    mw_site_window w;
    void *bufs[14];
} win;

static win win_new(const grid *g, const scene *s, mw_rect r, int radius, int buffer)
{
    win o;
    memset(&o, 0, sizeof o);
    const void *src[14] = {g->cls, s->valid, s->b_ndvi, s->b_mndwi, s->b_ndti, s->b_bsi,
                           s->a_ndvi, s->a_mndwi, s->a_ndti, s->a_bsi,
                           g->dndvi, g->dmndwi, g->dndti, g->dbsi};
    for (int k = 0; k < 14; k++) o.bufs[k] = copy_sub(src[k], k < 2 ? 1 : 4, g->w, r);
    o.w.area = r;
    o.w.cls = o.bufs[0];
    o.w.valid = o.bufs[1];
    o.w.before_ndvi = o.bufs[2];
    o.w.before_mndwi = o.bufs[3];
    o.w.before_ndti = o.bufs[4];
    o.w.before_bsi = o.bufs[5];
    o.w.after_ndvi = o.bufs[6];
    o.w.after_mndwi = o.bufs[7];
    o.w.after_ndti = o.bufs[8];
    o.w.after_bsi = o.bufs[9];
    o.w.dndvi = o.bufs[10];
    o.w.dmndwi = o.bufs[11];
    o.w.dndti = o.bufs[12];
    o.w.dbsi = o.bufs[13];
    o.w.grid_w = g->w;
    o.w.radius = radius;
    o.w.buffer_px = buffer;
    o.w.pixel_w_m = 10;
    o.w.pixel_h_m = 10;
    o.w.water_mndwi = 0.1f;
    return o;
}

static void win_free(win *o)
{
    for (int k = 0; k < 14; k++) free(o->bufs[k]);
}

static mw_rect site_window(const grid *g, const mw_site_acc *a, int radius, int buffer)
{
    mw_rect bb = {a->x0, a->y0, a->x1 - a->x0 + 1, a->y1 - a->y0 + 1};
    int m = 2 * radius + 1 > buffer ? 2 * radius + 1 : buffer;
    return mw_rect_intersect(mw_rect_expand(bb, m), (mw_rect){0, 0, g->w, g->h});
}

/* Random grids: every site's recovered mask is exactly the disturbance
 * pixels of its component in a brute-force labelling of the whole grid. */
static void test_recovery_random(void)
{
    int checked = 0;
    for (uint64_t seed = 11; seed <= 14; seed++) {
        grid g = grid_random(203, 157, seed, seed % 2 ? 0.01 : 0.08, 25);
        scene s = scene_new(g.w * g.h);
        for (int r = 0; r <= 2; r++) {
            mw_site_list *l = NULL;
            CHECK(run_tiled(&g, 33, r, 1, &l, NULL) == MW_OK);
            int32_t *ref = reference_labels(&g, r);
            for (int k = 0; l && k < l->count; k++) {
                const mw_site_acc *a = &l->sites[k];
                mw_rect wr = site_window(&g, a, r, 3);
                win o = win_new(&g, &s, wr, r, 3);
                uint8_t *mask = malloc((size_t)wr.w * wr.h);
                mw_site_features f;
                mw_status st = mw_site_measure(&o.w, a, mask, &f);
                CHECK(st == MW_OK);
                int32_t want = ref[a->seed];
                int bad = 0;
                for (int y = 0; y < wr.h; y++)
                    for (int x = 0; x < wr.w; x++) {
                        int gi = (wr.y + y) * g.w + wr.x + x;
                        uint8_t c = g.cls[gi];
                        int in = ref[gi] == want && c >= 2 && c <= 6;
                        bad += in != mask[y * wr.w + x];
                    }
                CHECK(bad == 0);
                CHECK_NEAR(f.area_ha, a->n_pixels * 0.01, 1e-9);
                CHECK_NEAR(f.veg_loss_ha, a->n_class[2] * 0.01, 1e-9);
                CHECK_NEAR(f.turbidity_rise_ha, a->n_class[6] * 0.01, 1e-9);
                CHECK(f.bbox_fill > 0 && f.bbox_fill <= 1);
                CHECK(f.compactness > 0 && f.compactness <= 1);
                checked++;
                free(mask);
                win_free(&o);
            }
            free(ref);
            mw_site_list_destroy(l);
        }
        scene_free(&s);
        grid_free(&g);
    }
    CHECK(checked > 200);
}

static const mw_site_acc *find_site(const mw_site_list *l, int64_t seed)
{
    for (int i = 0; l && i < l->count; i++)
        if (l->sites[i].seed == seed) return &l->sites[i];
    return NULL;
}

/* A hand-made site: two fragments 3 px apart joined by radius 2, ponds,
 * a river two pixels to the right, invalid pixels, old pits around. */
static void test_features(void)
{
    static const char *const rows[] = {
        /*         1111111111222 */
        /*1234567890123456789012 */
        "......................",  /* 0 */
        "......................",  /* 1 */
        "..##bb...ww...........",  /* 2 */
        "..##bb...ww.w.........",  /* 3 */
        "..####...t............",  /* 4 */
        "..####............#...",  /* 5 */
        "......................",  /* 6 */
        "......................",  /* 7 */
    };
    grid g = grid_from_text(rows, 8);
    scene s = scene_new(g.w * g.h);
    /* river: column 15, water both dates, dNDTI 0.2; except rows 0-1 (0.4) */
    for (int y = 0; y < g.h; y++) {
        int i = y * g.w + 15;
        s.b_mndwi[i] = s.a_mndwi[i] = 0.5f;
        g.dndti[i] = y < 2 ? 0.4f : 0.2f;
    }
    /* old bare pit before at (1, 6) and (2, 6) */
    s.b_bsi[6 * g.w + 1] = s.b_bsi[6 * g.w + 2] = 0.2f;
    s.b_ndvi[6 * g.w + 1] = s.b_ndvi[6 * g.w + 2] = 0.1f;
    /* after water in the ponds, with NDTI 0.3, except one pixel NDTI NaN */
    const int water[] = {2 * 22 + 9, 2 * 22 + 10, 3 * 22 + 9, 3 * 22 + 10, 4 * 22 + 9, 3 * 22 + 12};
    for (int k = 0; k < 6; k++) {
        s.a_mndwi[water[k]] = 0.4f;
        s.a_ndti[water[k]] = 0.3f;
        g.dndvi[water[k]] = -0.5f;
    }
    s.a_ndti[water[5]] = NAN;
    /* d* of the site: dndvi -0.5 on water pixels, 0 elsewhere except NaN on one */
    g.dndvi[2 * 22 + 2] = NAN;
    /* two invalid pixels inside the bbox (not site pixels) */
    s.valid[5 * 22 + 7] = 0;
    s.valid[6 * 22 + 7] = 0; /* outside the bbox: does not count */
    s.valid[2 * 22 + 7] = 0;

    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 4, 2, 1, &l, NULL) == MW_OK);
    CHECK(l && l->count == 2);
    const mw_site_acc *a = find_site(l, 2 * 22 + 2);
    const mw_site_acc *b = find_site(l, 5 * 22 + 18);
    CHECK(a && b);
    if (!a || !b) {
        mw_site_list_destroy(l);
        scene_free(&s);
        grid_free(&g);
        return;
    }
    CHECK(a->n_pixels == 22 && a->x0 == 2 && a->x1 == 12 && a->y0 == 2 && a->y1 == 5);

    for (int variant = 0; variant < 2; variant++) {
        /* whole grid, and the tightest window allowed */
        mw_rect wr = variant ? site_window(&g, a, 2, 3) : (mw_rect){0, 0, g.w, g.h};
        win o = win_new(&g, &s, wr, 2, 3);
        uint8_t *mask = malloc((size_t)wr.w * wr.h);
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, a, mask, &f) == MW_OK);
        int n = 0, wrong = 0;
        for (int y = 0; y < wr.h; y++)
            for (int x = 0; x < wr.w; x++) {
                char c = rows[wr.y + y][wr.x + x];
                int in = c != '.' && !(wr.x + x == 18 && wr.y + y == 5);
                n += mask[y * wr.w + x];
                wrong += in != mask[y * wr.w + x];
            }
        CHECK(n == 22 && wrong == 0);
        CHECK_NEAR(f.area_ha, 0.22, 1e-12);
        CHECK_NEAR(f.veg_loss_ha, 0.12, 1e-12);
        CHECK_NEAR(f.bare_soil_ha, 0.04, 1e-12);
        CHECK_NEAR(f.new_water_ha, 0.05, 1e-12);
        CHECK_NEAR(f.turbid_water_ha, 0.01, 1e-12);
        CHECK_NEAR(f.turbidity_rise_ha, 0.0, 1e-12);
        CHECK(f.pond_count == 1); /* 2x2 + t below = one 5-px pond; (12,3) alone */
        CHECK_NEAR(f.water_share, 6.0 / 22.0, 1e-12);
        CHECK_NEAR(f.mean_dndvi, -3.0 / 21.0, 1e-9); /* 6 x -0.5 over 21 non-NaN */
        CHECK_NEAR(f.before_ndvi, 0.6, 1e-6);
        CHECK_NEAR(f.after_water_ndti, 0.3, 1e-6); /* NaN pixel skipped */
        /* perimeter: block 4x4 at x2..5 (16 px, P 16), pond 2x2 + 1 below
         * (5 px, P 10), single (12,3) (P 4): A 22, P 30 */
        CHECK_NEAR(f.compactness, 4 * M_PI * 22 / (30.0 * 30.0), 1e-12);
        CHECK_NEAR(f.bbox_fill, 22.0 / (11 * 4), 1e-12);
        CHECK_NEAR(f.valid_fraction, 42.0 / 44.0, 1e-12);
        /* ring = Chebyshev 3 around the site: the river at x = 15 is 3 px
         * from (12, 3): 30 m; ring rows -1..8 clipped to 0..7 */
        CHECK_NEAR(f.dist_water_m, 30.0, 1e-9);
        /* river pixels in the ring: x = 15, rows 0..6 (row 6 is 3 below
         * (12,3)? no: (12,3) reaches rows 0..6); y 0,1 at 0.4, 2..6 at 0.2 */
        CHECK_NEAR(f.river_turbidity_change, (2 * 0.4 + 5 * 0.2) / 7.0, 1e-6);
        CHECK(f.context_disturbed_share > 0 && f.context_disturbed_share < 0.2);
        free(mask);
        win_free(&o);
    }

    /* single-pixel site b at (18, 5): river 3 px to the left, square P 4 */
    {
        mw_rect wr = site_window(&g, b, 2, 3);
        win o = win_new(&g, &s, wr, 2, 3);
        o.w.pixel_w_m = 20; /* anisotropic pixels: distance along x */
        uint8_t *mask = malloc((size_t)wr.w * wr.h);
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, b, mask, &f) == MW_OK);
        CHECK_NEAR(f.area_ha, 0.02, 1e-12);
        CHECK_NEAR(f.compactness, M_PI / 4, 1e-12);
        CHECK_NEAR(f.dist_water_m, 60.0, 1e-9);
        CHECK(f.pond_count == 0);
        CHECK(isnan(f.after_water_ndti));
        /* wrong: the site does not fit (window cut through a's pixels) */
        free(mask);
        win_free(&o);
    }
    {
        mw_rect wr = {0, 0, 4, 8}; /* cuts site a */
        win o = win_new(&g, &s, wr, 2, 3);
        uint8_t mask[32];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, a, mask, &f) == MW_ERR_INTERNAL);
        mw_site_acc bad = *a;
        bad.seed = 0; /* not a disturbance pixel */
        CHECK(mw_site_measure(&o.w, &bad, mask, &f) == MW_ERR_USAGE);
        bad.seed = 100; /* outside the window */
        CHECK(mw_site_measure(&o.w, &bad, mask, &f) == MW_ERR_USAGE);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s);
    grid_free(&g);
}

/* Ponds: 4-connectivity and the 2-pixel minimum; no water: NaN features. */
static void test_ponds(void)
{
    static const char *const rows[] = {
        ".........",
        ".ww.w.t..",
        ".w#w.#t..",
        "..#..###.",
        ".w#tt#w..",
        ".........",
    };
    grid g = grid_from_text(rows, 6);
    scene s = scene_new(g.w * g.h);
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 9, 0, 1, &l, NULL) == MW_OK);
    CHECK(l && l->count == 1);
    if (l && l->count == 1) {
        win o = win_new(&g, &s, (mw_rect){0, 0, g.w, g.h}, 0, 0);
        uint8_t mask[54];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        /* groups: {(1,1),(2,1),(1,2)} 3 px; (4,1) alone; (3,2) alone (diagonal
         * only); {(6,1),(6,2)} 2 px; (1,4) alone; {(3,4),(4,4)} 2 px; (6,4)
         * alone -> 3 ponds */
        CHECK(f.pond_count == 3);
        CHECK(isnan(f.after_water_ndti));        /* no after water */
        CHECK(isnan(f.river_turbidity_change));  /* no ring (buffer 0) */
        CHECK(isnan(f.context_disturbed_share));
        CHECK_NEAR(f.dist_water_m, 0.0, 0);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s);
    grid_free(&g);
}

/* The ring's context at both dates (ring_context.c): ponds, the pond/sand
 * mosaic, NDVI texture, water colour and subtle loss, hand-computed. */
static void test_ring_context(void)
{
    static const char *const rows[] = {
        ".........", ".........", ".........", "....#....",
        ".........", ".........", ".........",
    };
    grid g = grid_from_text(rows, 7);
    scene s = scene_new(g.w * g.h);
#define AT(x, y) ((y) * 9 + (x))
    /* water after: ponds {(1,0),(2,0)} and {(6,1),(6,2)}; (7,6) alone */
    const int wa[5] = {AT(1, 0), AT(2, 0), AT(6, 1), AT(6, 2), AT(7, 6)};
    const float ndti[5] = {0.2f, 0.4f, 0.1f, 0.1f, 0.0f};
    for (int k = 0; k < 5; k++) {
        s.a_mndwi[wa[k]] = 0.5f;
        s.a_ndti[wa[k]] = ndti[k];
    }
    s.b_mndwi[AT(1, 0)] = s.b_mndwi[AT(2, 0)] = 0.5f; /* one pond before */
    /* bare after: (1,3) and (7,3) within 30 m (3 px) of water, (1,6) not */
    const int bare[3] = {AT(1, 3), AT(7, 3), AT(1, 6)};
    for (int k = 0; k < 3; k++) {
        s.a_bsi[bare[k]] = 0.2f;
        s.a_ndvi[bare[k]] = 0.1f;
    }
    s.b_bsi[AT(1, 3)] = 0.2f; /* bare before too, near the pond before */
    s.b_ndvi[AT(1, 3)] = 0.1f;
    s.a_ndvi[AT(4, 0)] = 0.2f;
    g.dndvi[AT(5, 5)] = -0.15f; /* subtle loss */
    g.dndvi[AT(5, 4)] = -0.05f; /* too small */
#undef AT
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 9, 0, 1, &l, NULL) == MW_OK);
    CHECK(l && l->count == 1);
    if (l && l->count == 1) {
        win o = win_new(&g, &s, (mw_rect){0, 0, g.w, g.h}, 0, 3);
        uint8_t mask[63];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        /* ring: x 1..7, y 0..6 without the site = 48 pixels, 80 pairs */
        CHECK(f.ring_pond_count_after == 2);
        CHECK(f.ring_pond_count_before == 1);
        CHECK_NEAR(f.ring_mosaic_after, 2.0 / 48.0, 1e-12);
        CHECK_NEAR(f.ring_mosaic_before, 1.0 / 48.0, 1e-12);
        /* after: (4,0) 3 pairs x 0.4, (1,3) and (7,3) 3 x 0.5, (1,6) 2 x 0.5 */
        CHECK_NEAR(f.ring_texture_after, 5.2 / 80.0, 1e-6);
        CHECK_NEAR(f.ring_texture_before, 1.5 / 80.0, 1e-6);
        CHECK_NEAR(f.ring_water_ndti, 0.16, 1e-6);
        CHECK_NEAR(f.ring_loss_share, 1.0 / 48.0, 1e-12);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s);
    grid_free(&g);
}

/* The state after: site means and the ring's water, bare and NDVI. */
static void test_ring_after(void)
{
    static const char *const rows[] = {
        ".....",
        ".#...",
        ".....",
        ".....",
    };
    grid g = grid_from_text(rows, 4);
    scene s = scene_new(g.w * g.h);
    s.a_mndwi[0] = 0.5f;                 /* ring (0,0): water after */
    s.a_bsi[2 * 5 + 2] = 0.2f;           /* ring (2,2): bare after */
    s.a_ndvi[2 * 5 + 2] = 0.1f;
    s.a_mndwi[3 * 5 + 3] = 0.5f;         /* (3,3): outside the 1-px ring */
    s.a_bsi[1 * 5 + 1] = 0.3f;           /* the site pixel */
    s.a_mndwi[1 * 5 + 1] = -0.1f;
    s.valid[1 * 5 + 2] = 0;              /* ring (2,1) invalid: not counted */
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 5, 0, 1, &l, NULL) == MW_OK);
    CHECK(l && l->count == 1);
    if (l && l->count == 1) {
        win o = win_new(&g, &s, (mw_rect){0, 0, g.w, g.h}, 0, 1);
        uint8_t mask[20];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        CHECK_NEAR(f.after_bsi, 0.3, 1e-6);
        CHECK_NEAR(f.after_mndwi, -0.1, 1e-6);
        CHECK_NEAR(f.ring_water_share, 1.0 / 7.0, 1e-12);
        CHECK_NEAR(f.ring_bare_share, 1.0 / 7.0, 1e-12);
        CHECK_NEAR(f.ring_ndvi, (6 * 0.6 + 0.1) / 7.0, 1e-6);
        /* no bands: the reflectance evidence is NaN; the share bare/water
         * before needs indices only (the site pixel was vegetated) */
        CHECK(isnan(f.after_vis) && isnan(f.after_swir) && isnan(f.vis_change) && isnan(f.bare_vis));
        CHECK(isnan(f.water_vis) && isnan(f.water_red_green) && isnan(f.water_nir));
        CHECK_NEAR(f.before_disturbed_share, 0.0, 0);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s);
    grid_free(&g);

    /* no ring (buffer 0): the ring features are NaN */
    grid g2 = grid_from_text(rows, 4);
    scene s2 = scene_new(g2.w * g2.h);
    l = NULL;
    CHECK(run_tiled(&g2, 5, 0, 1, &l, NULL) == MW_OK);
    if (l && l->count == 1) {
        win o = win_new(&g2, &s2, (mw_rect){0, 0, g2.w, g2.h}, 0, 0);
        uint8_t mask[20];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        CHECK(isnan(f.ring_water_share) && isnan(f.ring_bare_share) && isnan(f.ring_ndvi));
        CHECK(isnan(f.ring_mosaic_before) && isnan(f.ring_mosaic_after) && isnan(f.ring_loss_share));
        CHECK(isnan(f.ring_texture_before) && isnan(f.ring_texture_after) && isnan(f.ring_water_ndti));
        CHECK(f.ring_pond_count_before == 0 && f.ring_pond_count_after == 0);
        CHECK_NEAR(f.after_bsi, -0.2, 1e-6);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s2);
    grid_free(&g2);
}

/* Reflectance evidence: bands in a larger buffer (band_stride), the site's
 * bare pixels, its water pixels (red/green, NIR) and the state before. */
static void test_reflectance(void)
{
    static const char *const rows[] = {
        "......",
        ".##...",
        ".##...",
        "......",
    };
    grid g = grid_from_text(rows, 4);
    scene s = scene_new(g.w * g.h);
    /* site pixels (1,1) (2,1) (1,2) (2,2): (1,1) water after, (2,1) bare
     * after, (1,2) water before (part of the old mosaic) */
    s.a_mndwi[1 * 6 + 1] = 0.5f;
    s.a_bsi[1 * 6 + 2] = 0.3f;
    s.a_ndvi[1 * 6 + 2] = 0.05f;
    s.b_mndwi[2 * 6 + 1] = 0.4f;
    mw_site_list *l = NULL;
    CHECK(run_tiled(&g, 6, 0, 1, &l, NULL) == MW_OK);
    CHECK(l && l->count == 1);
    if (l && l->count == 1) {
        win o = win_new(&g, &s, (mw_rect){0, 0, g.w, g.h}, 0, 1);
        /* bands in a buffer 2 columns wider than the window */
        enum { BW = 8 };
        float bands[12][BW * 4];
        for (int b = 0; b < 12; b++)
            for (int k = 0; k < BW * 4; k++) bands[b][k] = NAN;
        const float before[6] = {0.03f, 0.05f, 0.04f, 0.30f, 0.20f, 0.10f};
        const float after[6] = {0.06f, 0.08f, 0.07f, 0.25f, 0.30f, 0.20f};
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++)
                for (int b = 0; b < 6; b++) {
                    bands[b][y * BW + x] = before[b];
                    bands[6 + b][y * BW + x] = after[b];
                }
        /* the water pixel (1,1) after: red 0.12 green 0.10 NIR 0.08 */
        bands[6 + 2][1 * BW + 1] = 0.12f;
        bands[6 + 1][1 * BW + 1] = 0.10f;
        bands[6 + 3][1 * BW + 1] = 0.08f;
        /* the bare pixel (2,1) after: bright sand */
        for (int b = 0; b < 3; b++) bands[6 + b][1 * BW + 2] = 0.30f;
        for (int b = 0; b < 6; b++) {
            o.w.before_band[b] = bands[b];
            o.w.after_band[b] = bands[6 + b];
        }
        o.w.band_stride = BW;
        uint8_t mask[24];
        mw_site_features f;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        const double v0 = (0.06 + 0.08 + 0.07) / 3.0, vw = (0.06 + 0.10 + 0.12) / 3.0, vb = 0.30;
        const double vbef = (0.03 + 0.05 + 0.04) / 3.0;
        CHECK_NEAR(f.after_vis, (2 * v0 + vw + vb) / 4.0, 1e-6);
        CHECK_NEAR(f.vis_change, (2 * v0 + vw + vb) / 4.0 - vbef, 1e-6);
        CHECK_NEAR(f.after_swir, 0.25, 1e-6);
        CHECK_NEAR(f.bare_vis, vb, 1e-6);
        CHECK_NEAR(f.water_vis, vw, 1e-6);
        CHECK_NEAR(f.water_red_green, 1.2, 1e-6);
        CHECK_NEAR(f.water_nir, 0.08, 1e-6);
        CHECK_NEAR(f.before_disturbed_share, 0.25, 1e-12);
        /* only visible bands missing: visible features NaN, SWIR kept */
        o.w.after_band[0] = NULL;
        CHECK(mw_site_measure(&o.w, &l->sites[0], mask, &f) == MW_OK);
        CHECK(isnan(f.after_vis) && isnan(f.vis_change) && isnan(f.bare_vis) && isnan(f.water_vis));
        CHECK_NEAR(f.after_swir, 0.25, 1e-6);
        CHECK_NEAR(f.water_red_green, 1.2, 1e-6);
        win_free(&o);
    }
    mw_site_list_destroy(l);
    scene_free(&s);
    grid_free(&g);
}

int main(void)
{
    test_recovery_random();
    test_features();
    test_ponds();
    test_ring_after();
    test_ring_context();
    test_reflectance();
    MW_TEST_DONE();
}
