/*
 * Links between today's detections and the earlier run's sites.
 *
 * General Plan (the rules are in README.md):
 *  1. A detection within link_distance_m of an earlier outline continues
 *     it: union-find over earlier sites and detections joined by such
 *     links (envelopes first, then the metric distance).
 *  2. Each group with an earlier site and a detection is one site now: the
 *     oldest earlier site's id survives, the others are recorded in
 *     merged_ids; its footprint is the union of the earlier outlines and
 *     the detections; growing when the footprint grew by more than
 *     max(grow_min_ha, grow_min_share x before), else persisting.
 *  3. A detection alone is a new site (unless it failed the filters: then
 *     it is dropped as before); an earlier site alone is inactive when the
 *     pair saw most of it clear, else unobserved.
 *  4. Output order: groups by their first detection, then the carried
 *     sites by site id; alert ids made unique as the site pass does.
 */
#include "mw_lineage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "grid/mw_grid.h"

mw_alert *mw_prev_alert(mw_prev_set *set, int i, double *valid_share);

void mw_lineage_params_default(mw_lineage_params *p)
{
    memset(p, 0, sizeof *p);
    p->grow_min_ha = 0.5;
    p->grow_min_share = 0.2;
    p->observed_share = 0.5;
    p->edge_band_m = 15.0;
    p->min_core_ha = 0.25;
    p->held_water_ha = 0.5;
    p->held_inside_share = 0.5;
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* The smaller index becomes the root: roots do not depend on link order. */
static void uf_union(int *parent, int a, int b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
}

/* Envelopes within @p deg of each other. */
static int near_env(OGRGeometryH a, OGRGeometryH b, double deg)
{
    OGREnvelope x, y;
    OGR_G_GetEnvelope(a, &x);
    OGR_G_GetEnvelope(b, &y);
    return !(x.MaxX + deg < y.MinX || y.MaxX + deg < x.MinX || x.MaxY + deg < y.MinY || y.MaxY + deg < x.MinY);
}

/* A detection that failed the filters is activity at a known site when it
 * holds pits being dug or worked: new or turbid water of at least
 * p->held_water_ha. Below that, what fails the filters next to a site is
 * mostly noise along its edges and in its old ponds (measured on generated
 * series, scripts/score_series.py). */
static int held_counts(const mw_alert *a, const mw_lineage_params *p)
{
    const mw_site_features *f = &a->features;
    double w = (isfinite(f->new_water_ha) ? f->new_water_ha : 0) + (isfinite(f->turbid_water_ha) ? f->turbid_water_ha : 0);
    return w >= p->held_water_ha;
}

/* Links within p->link_distance_m; a detection that is only shimmer along
 * an earlier site's edge is marked in @p shimmer and links nothing. */
static void link_all(mw_prev_set *prev, const mw_alert *det, const uint8_t *held, int ndet,
                     const mw_lineage_params *p, int *parent, uint8_t *shimmer)
{
    const double dist_m = p->link_distance_m;
    const int np = mw_prev_count(prev);
    for (int i = 0; i < np; i++) {
        OGRGeometryH g = mw_prev_geometry(prev, i);
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        double lat = fmax(fabs(e.MinY), fabs(e.MaxY));
        double deg = dist_m / (111320.0 * fmax(cos(lat * M_PI / 180.0), 0.01)) * 1.01 + 1e-9;
        for (int j = 0; j < ndet; j++)
            if (det[j].geometry && !(held[j] && !held_counts(&det[j], p)) && near_env(g, det[j].geometry, deg) &&
                mw_lineage_distance_m(g, det[j].geometry) <= dist_m) {
                if (mw_lineage_core_area_m2(det[j].geometry, g, p->edge_band_m) < p->min_core_ha * 1e4 ||
                    (held[j] && mw_lineage_inside_share(det[j].geometry, g) < p->held_inside_share))
                    shimmer[j] = 1;
                else
                    uf_union(parent, i, np + j);
            }
    }
}

/* Append @p s to the comma list *list (grows it). 0 when out of memory. */
static int list_add(char **list, const char *s)
{
    if (!s || !*s) return 1;
    size_t a = *list ? strlen(*list) : 0, b = strlen(s);
    char *p = realloc(*list, a + b + 2);
    if (!p) return 0;
    if (a) p[a++] = ',';
    memcpy(p + a, s, b + 1);
    *list = p;
    return 1;
}

static void set_centroid(mw_alert *a)
{
    OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
    if (c && OGR_G_Centroid(a->geometry, c) == OGRERR_NONE) {
        a->centroid_lon = OGR_G_GetX(c, 0);
        a->centroid_lat = OGR_G_GetY(c, 0);
    }
    if (c) OGR_G_DestroyGeometry(c);
}

/* One group (earlier sites olds[0..no), detections dets[0..nd)) as one continued site in *out. */
static mw_status continue_site(mw_prev_set *prev, const int *olds, int no, mw_alert *det, const uint8_t *held,
                               const int *dets, int nd, const mw_lineage_params *p, mw_alert *out)
{
    /* The survivor: earliest first_seen, then smallest site id (olds are in id order). */
    int s = 0;
    double vs;
    for (int k = 1; k < no; k++)
        if (strcmp(mw_prev_alert(prev, olds[k], &vs)->lineage.first_seen,
                   mw_prev_alert(prev, olds[s], &vs)->lineage.first_seen) < 0) s = k;
    /* The evidence: the most confident detection that passed the filters (else any). */
    int r = -1;
    for (int k = 0; k < nd; k++) {
        const mw_alert *a = &det[dets[k]];
        int better = r < 0 || (held[dets[r]] && !held[dets[k]]) ||
                     (held[dets[r]] == held[dets[k]] && a->confidence > det[dets[r]].confidence);
        if (better) r = k;
    }
    OGRGeometryH before = NULL, now = NULL;
    mw_lineage lin = mw_prev_alert(prev, olds[s], &vs)->lineage;
    lin.merged_ids = NULL;
    int ok = 1, ndet_max = 0;
    for (int k = 0; k < no && ok; k++) {
        const mw_alert *o = mw_prev_alert(prev, olds[k], &vs);
        OGRGeometryH u = mw_lineage_union(before, o->geometry);
        ok = u != NULL;
        if (before) OGR_G_DestroyGeometry(before);
        before = u;
        if (o->lineage.n_detections > ndet_max) ndet_max = o->lineage.n_detections;
        if (k != s) ok = ok && list_add(&lin.merged_ids, o->lineage.site_id);
        ok = ok && list_add(&lin.merged_ids, o->lineage.merged_ids);
    }
    now = before ? OGR_G_Clone(before) : NULL;
    for (int k = 0; k < nd && ok && now; k++) {
        /* Detections that failed the filters say the site is active; they do
         * not widen its footprint (river-bank and edge changes would). */
        if (held[dets[k]]) continue;
        OGRGeometryH u = mw_lineage_union(now, det[dets[k]].geometry);
        OGR_G_DestroyGeometry(now);
        now = u;
    }
    if (!ok || !now) {
        if (before) OGR_G_DestroyGeometry(before);
        if (now) OGR_G_DestroyGeometry(now);
        free(lin.merged_ids);
        return mw_error_set(MW_ERR_GEOMETRY, "site %s: cannot join its outlines", lin.site_id);
    }
    double a0 = mw_geodesic_area_m2(before) / 1e4, a1 = mw_geodesic_area_m2(now) / 1e4;
    OGR_G_DestroyGeometry(before);
    mw_alert *rep = &det[dets[r]];
    *out = *rep;
    memset(rep, 0, sizeof *rep);
    /* Area evidence of every detection of the site. */
    for (int k = 0; k < nd; k++) {
        if (k == r) continue;
        const mw_site_features *f = &det[dets[k]].features;
        out->features.veg_loss_ha += f->veg_loss_ha;
        out->features.bare_soil_ha += f->bare_soil_ha;
        out->features.new_water_ha += f->new_water_ha;
        out->features.turbid_water_ha += f->turbid_water_ha;
        out->features.turbidity_rise_ha += f->turbidity_rise_ha;
        out->features.pond_count += f->pond_count;
    }
    OGR_G_DestroyGeometry(out->geometry);
    out->geometry = now;
    out->area_ha = a1;
    set_centroid(out);
    double grow = fmax(p->grow_min_ha, p->grow_min_share * a0);
    lin.status = a1 - a0 > grow ? MW_SITE_GROWING : MW_SITE_PERSISTING;
    lin.area_change_ha = a1 - a0;
    lin.n_detections = ndet_max + 1;
    snprintf(lin.last_seen, sizeof lin.last_seen, "%.10s", p->date_after ? p->date_after : "");
    out->lineage = lin;
    return MW_OK;
}

/* An earlier site not found again, moved into @p out. */
static void carry_site(mw_prev_set *prev, int i, const mw_lineage_params *p, mw_alert *out)
{
    double vs;
    mw_alert *o = mw_prev_alert(prev, i, &vs);
    *out = *o;
    memset(o, 0, sizeof *o);
    o->class_name = out->class_name;
    double nan = NAN;
    mw_site_features f;
    for (size_t k = 0; k < sizeof f / sizeof nan; k++) memcpy((char *)&f + k * sizeof nan, &nan, sizeof nan);
    f.pond_count = f.ring_pond_count_before = f.ring_pond_count_after = 0;
    f.area_ha = out->area_ha;
    f.valid_fraction = isfinite(vs) ? vs : 0.0;
    out->features = f;
    out->lineage.status = isfinite(vs) && vs >= p->observed_share ? MW_SITE_INACTIVE : MW_SITE_UNOBSERVED;
    out->lineage.area_change_ha = 0.0;
    mw_alert_make_id(out->centroid_lon, out->centroid_lat, p->date_before, p->date_after, out->id,
                     sizeof out->id);
}

static void make_new(mw_alert *a, const mw_lineage_params *p)
{
    mw_lineage *l = &a->lineage;
    snprintf(l->first_seen, sizeof l->first_seen, "%.10s", p->date_after ? p->date_after : "");
    memcpy(l->last_seen, l->first_seen, sizeof l->last_seen);
    mw_site_make_id(a->centroid_lon, a->centroid_lat, l->first_seen, l->site_id, sizeof l->site_id);
    l->status = MW_SITE_NEW;
    l->n_detections = 1;
    l->area_change_ha = a->area_ha;
}

/* Same id twice: "-2", "-3" suffixes in output order (as the site pass). */
static void unique_ids(mw_alert *a, int n)
{
    for (int i = 1; i < n; i++) {
        int dup = 1, dups = 1;
        for (int j = 0; j < i; j++) {
            dup += strncmp(a[j].id, a[i].id, strlen(a[i].id)) == 0;
            dups += strncmp(a[j].lineage.site_id, a[i].lineage.site_id, strlen(a[i].lineage.site_id)) == 0;
        }
        size_t len = strlen(a[i].id), sl = strlen(a[i].lineage.site_id);
        if (dup > 1) snprintf(a[i].id + len, sizeof a[i].id - len, "-%d", dup);
        if (dups > 1 && a[i].lineage.status == MW_SITE_NEW)
            snprintf(a[i].lineage.site_id + sl, sizeof a[i].lineage.site_id - sl, "-%d", dups);
    }
}

/** See mw_lineage.h. */
mw_status mw_lineage_link(mw_prev_set *prev, mw_alert *det, const uint8_t *held, int ndet,
                          const mw_lineage_params *p, mw_alert **out, int *nout)
{
    *out = NULL;
    *nout = 0;
    const int np = mw_prev_count(prev), nn = np + ndet;
    int *parent = malloc((size_t)(nn > 0 ? nn : 1) * sizeof *parent);
    int *olds = malloc((size_t)(np > 0 ? np : 1) * sizeof *olds);
    int *dets = malloc((size_t)(ndet > 0 ? ndet : 1) * sizeof *dets);
    uint8_t *done = calloc((size_t)(nn > 0 ? nn : 1), 1);
    uint8_t *shimmer = calloc((size_t)(ndet > 0 ? ndet : 1), 1);
    mw_alert *res = calloc((size_t)(nn > 0 ? nn : 1), sizeof *res);
    if (!parent || !olds || !dets || !done || !res || !shimmer) {
        free(parent), free(olds), free(dets), free(done), free(res), free(shimmer);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < nn; i++) parent[i] = i;
    link_all(prev, det, held, ndet, p, parent, shimmer);
    mw_status st = MW_OK;
    int n = 0;
    /* Groups in the order of their first detection. */
    for (int j = 0; j < ndet && st == MW_OK; j++) {
        int root = uf_find(parent, np + j);
        if (done[root] || (shimmer[j] && root == np + j)) continue;  /* edge shimmer alone: dropped */
        done[root] = 1;
        int no = 0, nd = 0, kept = 0;
        for (int i = 0; i < np; i++)
            if (uf_find(parent, i) == root) olds[no++] = i;
        for (int k = j; k < ndet; k++)
            if (uf_find(parent, np + k) == root) {
                dets[nd++] = k;
                kept += !held[k];
            }
        if (no > 0) {
            st = continue_site(prev, olds, no, det, held, dets, nd, p, &res[n]);
            if (st == MW_OK) n++;
        } else if (kept) {
            /* Alone: no link joins two detections, so nd == 1. */
            res[n] = det[j];
            memset(&det[j], 0, sizeof det[j]);
            make_new(&res[n++], p);
        }
        for (int k = 0; k < nd; k++) mw_alert_clear(&det[dets[k]]);
    }
    for (int i = 0; i < np && st == MW_OK; i++)
        if (!done[uf_find(parent, i)]) carry_site(prev, i, p, &res[n++]);
    for (int j = 0; j < ndet; j++) mw_alert_clear(&det[j]);
    free(parent), free(olds), free(dets), free(done), free(shimmer);
    if (st != MW_OK) {
        for (int i = 0; i < n; i++) mw_alert_clear(&res[i]);
        free(res);
        return st;
    }
    unique_ids(res, n);
    *out = res;
    *nout = n;
    return MW_OK;
}
