/*
 * Pass 3, per site: recover the exact pixels of a site in a window read
 * around it and compute its features (mw_site_features.h).
 *
 * General Plan
 *  1. Decode the seed, check it is a disturbance pixel of the window.
 *  2. Work rectangle S = site bbox expanded by 2 radius + 1, clipped to the
 *     window: the disturbance mask over S is dilated with the same square
 *     as in pass 2 (dilate.c). D is exact on the bbox expanded by
 *     radius + 1, which holds the whole D component of the site, and a
 *     clipped D is only ever smaller, so the 8-connected flood fill from
 *     the seed finds exactly the component pass 2 merged. The site mask is
 *     the disturbance pixels of that component; their count must equal
 *     site->n_pixels (MW_ERR_INTERNAL otherwise: the window or the classes
 *     differ from pass 2).
 *  3. One sweep over the site bbox: class counts, NaN-skipping means,
 *     water NDTI, perimeter in pixel edges (4 neighbours), valid pixels,
 *     the share bare/water before, and reflectance means (visible, SWIR,
 *     visible change; visible of bare pixels, visible, red/green and NIR
 *     of water pixels).
 *  4. Ponds: 4-connected flood fills over site pixels of classes 4/5,
 *     groups of >= 2 pixels counted.
 *  5. Ring: R = bbox expanded by buffer_px, clipped to the window; the
 *     site mask is dilated by buffer_px with the square, so the ring is the
 *     set of pixels within Chebyshev distance buffer_px of the site,
 *     outside it (the same square metric as the merge distance). Ring
 *     pixels give the context share, the river turbidity change, the
 *     water candidates for the distance, and the ring's state after (water
 *     share, bare share, mean NDVI), and the ring's context at both dates
 *     (ponds, pond/sand mosaic, NDVI texture, water colour, subtle loss;
 *     ring_context.c).
 *  6. Distance to water: exact Euclidean distance transform of the site
 *     mask over R (Felzenszwalb and Huttenlocher, separable, anisotropic
 *     pixels), only when the ring holds water of both dates; pixel centre
 *     to pixel centre, metres.
 *
 * Cost: O(|S| + |R|) time; memory 1 byte per pixel of S and R (x2 for R)
 * plus 4 bytes per pixel of S for the fill stack and, only with water in
 * the ring, 8 bytes per pixel of R for the distance transform.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "mw_sites_internal.h"

typedef struct mean_acc {
    double sum;
    int64_t n;
} mean_acc;

static void mean_add(mean_acc *m, const float *v, size_t i)
{
    if (v && !isnan(v[i])) {
        m->sum += v[i];
        m->n++;
    }
}

static double mean_get(const mean_acc *m) { return m->n ? m->sum / (double)m->n : NAN; }


/* Band roles of mw_site_window.before_band / after_band. */
enum { B_BLUE, B_GREEN, B_RED, B_NIR, B_SWIR1, B_SWIR2 };

/* Mean of the visible bands at band index j; NaN without them. */
static double vis_at(const float *const b[6], size_t j)
{
    if (!b[B_BLUE] || !b[B_GREEN] || !b[B_RED]) return NAN;
    return ((double)b[B_BLUE][j] + b[B_GREEN][j] + b[B_RED][j]) / 3.0;
}

static void mean_addv(mean_acc *m, double v)
{
    if (!isnan(v)) {
        m->sum += v;
        m->n++;
    }
}

/* Copy a sub-rectangle r (window coordinates) of a byte raster laid out on
 * the window of width ww into dst, as 0/1 (optionally only some classes). */
static void copy_rect(const uint8_t *src, int ww, mw_rect r, uint8_t *dst, int disturbance)
{
    for (int y = 0; y < r.h; y++) {
        const uint8_t *s = src + (size_t)(r.y + y) * ww + r.x;
        uint8_t *d = dst + (size_t)y * r.w;
        for (int x = 0; x < r.w; x++) d[x] = disturbance ? mw_class_is_disturbance(s[x]) : s[x] != 0;
    }
}

/* Step 2: 8-connected fill of D (values 1) from index start, in a w x h
 * raster; visited pixels become 2. */
static void fill8(uint8_t *d, int w, int h, int32_t start, int32_t *stack)
{
    size_t sp = 0;
    stack[sp++] = start;
    d[start] = 2;
    while (sp) {
        int32_t i = stack[--sp];
        int x = i % w, y = i / w;
        for (int yy = y > 0 ? y - 1 : 0; yy <= y + 1 && yy < h; yy++)
            for (int xx = x > 0 ? x - 1 : 0; xx <= x + 1 && xx < w; xx++) {
                int32_t j = (int32_t)yy * w + xx;
                if (d[j] == 1) {
                    d[j] = 2;
                    stack[sp++] = j;
                }
            }
    }
}

/* 1-D squared distance transform (Felzenszwalb & Huttenlocher):
 * d[p] = min_q f[q] + a (p - q)^2 over finite f[q]; INFINITY if none.
 * v (int n) and z (double n + 1) are scratch. */
static void edt_1d(const double *f, double *d, int n, double a, int *v, double *z)
{
    int k = -1;
    for (int q = 0; q < n; q++) {
        if (!isfinite(f[q])) continue;
        double fq = f[q] + a * q * q;
        while (k >= 0) {
            double s = (fq - (f[v[k]] + a * v[k] * v[k])) / (2.0 * a * (q - v[k]));
            if (s <= z[k]) k--;
            else {
                z[k + 1] = s;
                break;
            }
        }
        if (k < 0) z[0] = -INFINITY;
        v[++k] = q;
        z[k + 1] = INFINITY;
    }
    if (k < 0) {
        for (int p = 0; p < n; p++) d[p] = INFINITY;
        return;
    }
    int j = 0;
    for (int p = 0; p < n; p++) {
        while (z[j + 1] < p) j++;
        double dp = p - v[j];
        d[p] = f[v[j]] + a * dp * dp;
    }
}

/* Step 6: squared distance (m^2) from each pixel of a w x h raster to the
 * nearest pixel with m != 0; result in out (w * h doubles). */
static mw_status edt_2d(const uint8_t *m, int w, int h, double pw, double ph, double *out)
{
    int n = w > h ? w : h;
    /* calloc: gcc cannot see that f is filled before edt_1d reads it */
    double *f = calloc((size_t)n, sizeof *f), *d = malloc(n * sizeof *d), *z = malloc((n + 1) * sizeof *z);
    int *v = malloc(n * sizeof *v);
    if (!f || !d || !z || !v) {
        free(f);
        free(d);
        free(z);
        free(v);
        return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for a distance transform");
    }
    for (int x = 0; x < w; x++) {
        for (int y = 0; y < h; y++) f[y] = m[(size_t)y * w + x] ? 0.0 : INFINITY;
        edt_1d(f, d, h, ph * ph, v, z);
        for (int y = 0; y < h; y++) out[(size_t)y * w + x] = d[y];
    }
    for (int y = 0; y < h; y++) {
        double *row = out + (size_t)y * w;
        memcpy(f, row, w * sizeof *f);
        edt_1d(f, row, w, pw * pw, v, z);
    }
    free(f);
    free(d);
    free(z);
    free(v);
    return MW_OK;
}

static mw_status check_window(const mw_site_window *w, const mw_site_acc *site, int *sx, int *sy)
{
    if (!w->cls) return mw_error_set(MW_ERR_USAGE, "sites: window without class raster");
    if (w->grid_w <= 0 || w->radius < 0 || w->buffer_px < 0 || mw_rect_is_empty(w->area))
        return mw_error_set(MW_ERR_USAGE, "sites: bad site window parameters");
    if ((int64_t)w->area.w * w->area.h > INT32_MAX)
        return mw_error_set(MW_ERR_USAGE, "sites: site window too large");
    if (site->seed < 0 || site->seed == INT64_MAX)
        return mw_error_set(MW_ERR_USAGE, "sites: site without seed");
    *sx = (int)(site->seed % w->grid_w) - w->area.x;
    *sy = (int)(site->seed / w->grid_w) - w->area.y;
    if (*sx < 0 || *sy < 0 || *sx >= w->area.w || *sy >= w->area.h)
        return mw_error_set(MW_ERR_USAGE, "sites: seed pixel outside the site window");
    if (!mw_class_is_disturbance(w->cls[(size_t)*sy * w->area.w + *sx]))
        return mw_error_set(MW_ERR_USAGE, "sites: seed pixel is not a disturbance pixel");
    return MW_OK;
}

/* Step 2: the site's pixels into @p site_mask (window coordinates), their
 * bbox and count; *stack (|S| entries, the caller frees it) is left for
 * step 4. */
static mw_status site_pixels(const mw_site_window *w, const mw_site_acc *site, int sx, int sy,
                             uint8_t *site_mask, int32_t **stack, mw_rect *box, int64_t *count)
{
    const int ww = w->area.w;
    const mw_rect win = {0, 0, ww, w->area.h};
    /* S from the pass-2 bbox (or the seed). */
    mw_rect bb = {sx, sy, 1, 1};
    if (site->x1 >= site->x0 && site->y1 >= site->y0)
        bb = (mw_rect){site->x0 - w->area.x, site->y0 - w->area.y, site->x1 - site->x0 + 1,
                       site->y1 - site->y0 + 1};
    mw_rect s = mw_rect_intersect(mw_rect_expand(bb, 2 * w->radius + 1), win);
    if (sx < s.x || sy < s.y || sx >= s.x + s.w || sy >= s.y + s.h)
        s = win; /* seed outside the bbox given: be safe, use the window */
    const size_t sn = (size_t)s.w * s.h;
    uint8_t *mask = malloc(sn), *dil = malloc(sn);
    *stack = malloc(sn * sizeof **stack);
    mw_status st = MW_OK;
    if (!mask || !dil || !*stack) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory measuring a site");
        goto done;
    }
    copy_rect(w->cls, ww, s, mask, 1);
    st = mw_mask_dilate(mask, s.w, s.h, w->radius, dil);
    if (st != MW_OK) goto done;
    fill8(dil, s.w, s.h, (int32_t)(sy - s.y) * s.w + (sx - s.x), *stack);
    int x0 = INT32_MAX, y0 = INT32_MAX, x1 = -1, y1 = -1;
    int64_t n = 0;
    for (int y = 0; y < s.h; y++)
        for (int x = 0; x < s.w; x++) {
            size_t i = (size_t)y * s.w + x;
            if (dil[i] != 2 || !mask[i]) continue;
            site_mask[(size_t)(s.y + y) * ww + s.x + x] = 1;
            if (s.x + x < x0) x0 = s.x + x;
            if (s.x + x > x1) x1 = s.x + x;
            if (s.y + y < y0) y0 = s.y + y;
            y1 = s.y + y;
            n++;
        }
    if (site->n_pixels > 0 && n != site->n_pixels) {
        st = mw_error_set(MW_ERR_INTERNAL,
                          "sites: site at pixel (%d, %d) has %lld pixels in its window, "
                          "%lld when labelled (window too small or classes differ)",
                          sx + w->area.x, sy + w->area.y, (long long)n,
                          (long long)site->n_pixels);
        goto done;
    }
    *box = (mw_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    *count = n;
done:
    free(mask);
    free(dil);
    return st;
}

/* What the sweep of step 3 adds up. */
typedef struct sweep_acc {
    int64_t ncls[MW_CLASS_COUNT], perim, nvalid, n_wrg, n_bdist;
    mean_acc m_dndvi, m_dndti, m_dbsi, m_dmndwi;
    mean_acc m_bndvi, m_andvi, m_wndti, m_amndwi, m_absi;
    mean_acc m_avis, m_aswir, m_dvis, m_bvis, m_wvis, m_wnir;
    double w_red, w_green;
} sweep_acc;

/* Step 3, one site pixel: index means and reflectance evidence. */
static void sweep_pixel(const mw_site_window *w, size_t i, size_t j, sweep_acc *a)
{
    const float *const *bb_ = w->before_band, *const *ab = w->after_band;
    mean_add(&a->m_dndvi, w->dndvi, i);
    mean_add(&a->m_dndti, w->dndti, i);
    mean_add(&a->m_dbsi, w->dbsi, i);
    mean_add(&a->m_dmndwi, w->dmndwi, i);
    mean_add(&a->m_bndvi, w->before_ndvi, i);
    mean_add(&a->m_andvi, w->after_ndvi, i);
    mean_add(&a->m_amndwi, w->after_mndwi, i);
    mean_add(&a->m_absi, w->after_bsi, i);
    const int water_a = mw_is_water(w->after_mndwi, i, w->water_mndwi);
    if (water_a) mean_add(&a->m_wndti, w->after_ndti, i);
    if (mw_is_bare(w->before_bsi, w->before_ndvi, i) || mw_is_water(w->before_mndwi, i, w->water_mndwi))
        a->n_bdist++;
    /* reflectance evidence (band index j) */
    const double va = vis_at(ab, j);
    mean_addv(&a->m_avis, va);
    mean_addv(&a->m_dvis, va - vis_at(bb_, j));
    if (ab[B_SWIR1] && ab[B_SWIR2]) mean_addv(&a->m_aswir, 0.5 * ((double)ab[B_SWIR1][j] + ab[B_SWIR2][j]));
    if (water_a) {
        mean_addv(&a->m_wvis, va);
        if (ab[B_NIR]) mean_addv(&a->m_wnir, ab[B_NIR][j]);
        if (ab[B_RED] && ab[B_GREEN] && !isnan(ab[B_RED][j]) && !isnan(ab[B_GREEN][j])) {
            a->w_red += ab[B_RED][j];
            a->w_green += ab[B_GREEN][j];
            a->n_wrg++;
        }
    } else if (mw_is_bare(w->after_bsi, w->after_ndvi, i)) {
        mean_addv(&a->m_bvis, va);
    }
}

/* Step 3, the features of the sums (@p n site pixels in @p box). */
static void sweep_features(const mw_site_window *w, const sweep_acc *a, int64_t n, mw_rect box,
                           mw_site_features *out)
{
    const double px_ha = w->pixel_w_m * w->pixel_h_m / 1e4;
    mw_site_features f;
    memset(&f, 0, sizeof f);
    f.area_ha = (double)n * px_ha;
    f.veg_loss_ha = (double)a->ncls[MW_CLASS_VEG_LOSS] * px_ha;
    f.bare_soil_ha = (double)a->ncls[MW_CLASS_BARE_SOIL] * px_ha;
    f.new_water_ha = (double)a->ncls[MW_CLASS_NEW_WATER] * px_ha;
    f.turbid_water_ha = (double)a->ncls[MW_CLASS_TURBID_WATER] * px_ha;
    f.turbidity_rise_ha = (double)a->ncls[MW_CLASS_TURBIDITY_RISE] * px_ha;
    f.mean_dndvi = mean_get(&a->m_dndvi);
    f.mean_dndti = mean_get(&a->m_dndti);
    f.mean_dbsi = mean_get(&a->m_dbsi);
    f.mean_dmndwi = mean_get(&a->m_dmndwi);
    f.before_ndvi = mean_get(&a->m_bndvi);
    f.after_ndvi = mean_get(&a->m_andvi);
    f.water_share = (double)(a->ncls[MW_CLASS_NEW_WATER] + a->ncls[MW_CLASS_TURBID_WATER]) / (double)n;
    f.after_water_ndti = mean_get(&a->m_wndti);
    f.after_mndwi = mean_get(&a->m_amndwi);
    f.after_bsi = mean_get(&a->m_absi);
    f.after_vis = mean_get(&a->m_avis);
    f.after_swir = mean_get(&a->m_aswir);
    f.vis_change = mean_get(&a->m_dvis);
    f.bare_vis = mean_get(&a->m_bvis);
    f.water_vis = mean_get(&a->m_wvis);
    f.water_nir = mean_get(&a->m_wnir);
    f.water_red_green = a->n_wrg && a->w_green > 0.0 ? a->w_red / a->w_green : NAN;
    f.before_disturbed_share = (double)a->n_bdist / (double)n;
    f.compactness = 4.0 * M_PI * (double)n / ((double)a->perim * (double)a->perim);
    f.bbox_fill = (double)n / ((double)box.w * box.h);
    f.valid_fraction = (double)a->nvalid / ((double)box.w * box.h);
    *out = f;
}

/* Step 3: one sweep over the site bbox @p box into @p f; @p ponds
 * (box.w x box.h) gets the site's water pixels for step 4. */
static void sweep(const mw_site_window *w, const uint8_t *site_mask, mw_rect box, int64_t n, uint8_t *ponds,
                  mw_site_features *out)
{
    const int ww = w->area.w;
    const size_t bstride = w->band_stride > 0 ? (size_t)w->band_stride : (size_t)ww;
    sweep_acc a;
    memset(&a, 0, sizeof a);
    for (int y = box.y; y < box.y + box.h; y++) {
        for (int x = box.x; x < box.x + box.w; x++) {
            const size_t i = (size_t)y * ww + x;
            uint8_t *pm = &ponds[(size_t)(y - box.y) * box.w + (x - box.x)];
            *pm = 0;
            if (!w->valid || w->valid[i]) a.nvalid++;
            if (!site_mask[i]) continue;
            const uint8_t k = w->cls[i];
            a.ncls[k]++;
            *pm = k == MW_CLASS_NEW_WATER || k == MW_CLASS_TURBID_WATER;
            a.perim += (x == 0 || !site_mask[i - 1]) + (x == ww - 1 || !site_mask[i + 1]) +
                       (y == 0 || !site_mask[i - ww]) + (y == w->area.h - 1 || !site_mask[i + ww]);
            sweep_pixel(w, i, (size_t)y * bstride + x, &a);
        }
    }
    sweep_features(w, &a, n, box, out);
}

/* Step 5: the ring over @p r (R): @p mask gets the site (for step 6),
 * @p ring its ring pixels (2: water of both dates, for step 6); the ring's
 * features into @p f. *ring_water: water pixels of both dates. */
static mw_status ring_features(const mw_site_window *w, const uint8_t *site_mask, mw_rect r, uint8_t *mask,
                               uint8_t *ring, int64_t *ring_water, mw_site_features *f)
{
    const int ww = w->area.w;
    copy_rect(site_mask, ww, r, mask, 0);
    mw_status st = mw_mask_dilate(mask, r.w, r.h, w->buffer_px, ring);
    if (st != MW_OK) return st;
    int64_t ring_valid = 0, ring_context = 0, water = 0, ring_water_a = 0, ring_bare_a = 0;
    mean_acc m_river = {0}, m_rndvi = {0};
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const size_t j = (size_t)y * r.w + x, i = (size_t)(r.y + y) * ww + r.x + x;
            if (mask[j]) ring[j] = 0;
            if (!ring[j] || (w->valid && !w->valid[i])) {
                ring[j] = 0;
                continue;
            }
            ring_valid++;
            const int bare = mw_is_bare(w->before_bsi, w->before_ndvi, i);
            const int water_before = mw_is_water(w->before_mndwi, i, w->water_mndwi);
            if (bare || water_before) ring_context++;
            if (mw_is_water(w->after_mndwi, i, w->water_mndwi)) ring_water_a++;
            if (mw_is_bare(w->after_bsi, w->after_ndvi, i)) ring_bare_a++;
            mean_add(&m_rndvi, w->after_ndvi, i);
            if (water_before && mw_is_water(w->after_mndwi, i, w->water_mndwi)) {
                ring[j] = 2; /* water candidate for step 6 */
                water++;
                mean_add(&m_river, w->dndti, i);
            }
        }
    f->river_turbidity_change = mean_get(&m_river);
    f->context_disturbed_share = ring_valid ? (double)ring_context / (double)ring_valid : NAN;
    f->ring_water_share = ring_valid ? (double)ring_water_a / (double)ring_valid : NAN;
    f->ring_bare_share = ring_valid ? (double)ring_bare_a / (double)ring_valid : NAN;
    f->ring_ndvi = mean_get(&m_rndvi);
    *ring_water = water;
    return mw_ring_context(w, r, ring, f);
}

/* Step 6: distance from the site (@p mask over @p r) to the nearest ring
 * water (@p ring == 2), or buffer_px when there is none. */
static mw_status dist_to_water(const mw_site_window *w, const uint8_t *mask, const uint8_t *ring, mw_rect r,
                               int64_t ring_water, mw_site_features *f)
{
    const double pmin = w->pixel_w_m < w->pixel_h_m ? w->pixel_w_m : w->pixel_h_m;
    f->dist_water_m = w->buffer_px * pmin;
    if (!ring_water) return MW_OK;
    const size_t rn = (size_t)r.w * r.h;
    double *dist = malloc(rn * sizeof *dist);
    if (!dist) return mw_error_set(MW_ERR_NOMEM, "sites: out of memory for the distance to water");
    mw_status st = edt_2d(mask, r.w, r.h, w->pixel_w_m, w->pixel_h_m, dist);
    if (st == MW_OK) {
        double best = INFINITY;
        for (size_t j = 0; j < rn; j++)
            if (ring[j] == 2 && dist[j] < best) best = dist[j];
        f->dist_water_m = sqrt(best);
    }
    free(dist);
    return st;
}

mw_status mw_site_measure(const mw_site_window *w, const mw_site_acc *site,
                          uint8_t *site_mask, mw_site_features *features)
{
    int sx = 0, sy = 0;
    mw_status st = check_window(w, site, &sx, &sy);  /* step 1 */
    if (st != MW_OK) return st;
    const int ww = w->area.w;
    memset(site_mask, 0, (size_t)ww * w->area.h);
    uint8_t *mask = NULL, *ring = NULL, *ponds = NULL;
    int32_t *stack = NULL;
    mw_rect box = {0, 0, 0, 0};
    int64_t n = 0;
    st = site_pixels(w, site, sx, sy, site_mask, &stack, &box, &n);
    if (st != MW_OK) goto done;
    mw_site_features f;
    if (!(ponds = malloc((size_t)box.w * box.h))) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory measuring a site");
        goto done;
    }
    sweep(w, site_mask, box, n, ponds, &f);
    f.pond_count = mw_count_ponds(ponds, box.w, box.h, stack);  /* step 4 (stack holds >= |S| >= |box|) */
    const mw_rect r = mw_rect_intersect(mw_rect_expand(box, w->buffer_px), (mw_rect){0, 0, ww, w->area.h});
    mask = malloc((size_t)r.w * r.h);
    ring = malloc((size_t)r.w * r.h);
    if (!mask || !ring) {
        st = mw_error_set(MW_ERR_NOMEM, "sites: out of memory for the site ring");
        goto done;
    }
    int64_t ring_water = 0;
    st = ring_features(w, site_mask, r, mask, ring, &ring_water, &f);
    if (st == MW_OK) st = dist_to_water(w, mask, ring, r, ring_water, &f);
    if (st == MW_OK) *features = f;

done:
    if (st != MW_OK) memset(site_mask, 0, (size_t)ww * w->area.h);
    free(mask);
    free(ring);
    free(ponds);
    free(stack);
    return st;
}
