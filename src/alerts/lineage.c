/*
 * Links between today's detections and the earlier run's sites.
 *
 * General Plan (the rules are in README.md):
 *  1. Cores: each detection and each earlier outline closed (fragments of
 *     a mosaic joined) then opened (strips along river banks, roads and
 *     edges, and speckle, dropped); a detection's core falls into pieces,
 *     and pieces under min_piece_ha are dropped.
 *  2. A piece within link_distance_m of an earlier site's core continues
 *     it: union-find over earlier sites and pieces (envelopes first, then
 *     the metric distance). Pieces of one detection link separately, so a
 *     detection that runs along a river from a known site to a new one
 *     continues the first and starts the second.
 *  3. Each group with an earlier site and a piece is one site now: the
 *     oldest earlier site's id survives, the others are recorded in
 *     merged_ids; its footprint is the union of the earlier outlines and
 *     the pieces; growing when the footprint grew by more than
 *     max(grow_min_ha, grow_min_share x before), else persisting.
 *  4. A detection none of whose pieces continues a site is a new site as
 *     it is (unless it failed the filters: then it is dropped); one that
 *     continues a site starts a new one from its other pieces when they
 *     reach new_min_ha. An earlier site alone is inactive when the pair
 *     saw most of it clear, else unobserved.
 *  5. Output order: by first detection (its continued sites, then what it
 *     starts), then the carried sites by site id; alert ids made unique as
 *     the site pass does.
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
    p->close_m = 15.0;
    p->open_m = 20.0;
    p->min_piece_ha = 0.25;
    p->new_min_ha = 0.5;
    p->held_grows = 1;
    p->held_water_ha = 0.5;
    p->water_over_rise = 3.0;
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

/* Today's detections cut into core pieces (rule 1). */
typedef struct pieces {
    int n;
    int *det;             /* the detection each piece comes from */
    OGRGeometryH *g;      /* lon/lat */
    uint8_t *widen;       /* 0: work inside a site (rule 3): makes it persisting, never widens it */
} pieces;

static void pieces_free(pieces *pc)
{
    for (int q = 0; q < pc->n; q++) OGR_G_DestroyGeometry(pc->g[q]);
    free(pc->det);
    free(pc->g);
    free(pc->widen);
}

/* Add the polygons of @p core (taken) from detection @p j that reach the size. */
static mw_status pieces_add(pieces *pc, int *cap, OGRGeometryH core, int j, int widen,
                            const mw_lineage_params *p)
{
    int multi = wkbFlatten(OGR_G_GetGeometryType(core)) == wkbMultiPolygon;
    int m = multi ? OGR_G_GetGeometryCount(core) : 1;
    mw_status st = MW_OK;
    for (int k = 0; k < m && st == MW_OK; k++) {
        OGRGeometryH g = OGR_G_Clone(multi ? OGR_G_GetGeometryRef(core, k) : core);
        if (!g) {
            st = mw_error_set(MW_ERR_NOMEM, "out of memory");
            break;
        }
        if (widen && mw_geodesic_area_m2(g) < p->min_piece_ha * 1e4) {
            OGR_G_DestroyGeometry(g);
            continue;
        }
        if (pc->n == *cap) {
            int c = *cap ? 2 * *cap : 16;
            int *d = realloc(pc->det, (size_t)c * sizeof *d);
            if (d) pc->det = d;
            OGRGeometryH *gg = d ? realloc(pc->g, (size_t)c * sizeof *gg) : NULL;
            if (gg) pc->g = gg;
            uint8_t *w = gg ? realloc(pc->widen, (size_t)c) : NULL;
            if (w) pc->widen = w;
            if (!d || !gg || !w) {
                OGR_G_DestroyGeometry(g);
                st = mw_error_set(MW_ERR_NOMEM, "out of memory");
                break;
            }
            *cap = c;
        }
        pc->det[pc->n] = j;
        pc->widen[pc->n] = (uint8_t)widen;
        pc->g[pc->n++] = g;
    }
    OGR_G_DestroyGeometry(core);
    return st;
}

/* Ponds dug or worked inside a site (rule 3): new water (clear or turbid)
 * of at least p->held_water_ha, at least p->water_over_rise times the area
 * where standing water only turned more turbid (old ponds changing colour
 * and noise in them), and at least p->held_inside_share of the detection
 * inside the earlier outline @p old. */
static int works_inside(const mw_alert *a, OGRGeometryH old, const mw_lineage_params *p)
{
    const mw_site_features *f = &a->features;
    double w = (isfinite(f->new_water_ha) ? f->new_water_ha : 0) + (isfinite(f->turbid_water_ha) ? f->turbid_water_ha : 0);
    double rise = isfinite(f->turbidity_rise_ha) ? f->turbidity_rise_ha : 0;
    return w >= p->held_water_ha && w >= p->water_over_rise * rise &&
           mw_lineage_inside_share(a->geometry, old) >= p->held_inside_share;
}

static mw_status make_pieces(mw_prev_set *prev, const mw_alert *det, int ndet, const mw_lineage_params *p,
                             pieces *pc)
{
    memset(pc, 0, sizeof *pc);
    int cap = 0;
    for (int j = 0; j < ndet; j++) {
        /* Far from every earlier site a detection is new as it is: no core needed. */
        if (!det[j].geometry || !mw_prev_near(prev, det[j].geometry, p->link_distance_m)) continue;
        OGRGeometryH core = mw_lineage_core(det[j].geometry, p->close_m, p->open_m);
        mw_status st = core ? pieces_add(pc, &cap, core, j, 1, p) : MW_OK;
        for (int i = 0; i < mw_prev_count(prev) && st == MW_OK; i++)
            if (near_env(mw_prev_geometry(prev, i), det[j].geometry, 0) &&
                works_inside(&det[j], mw_prev_geometry(prev, i), p)) {
                st = pieces_add(pc, &cap, OGR_G_Clone(det[j].geometry), j, 0, p);
                break;
            }
        if (st != MW_OK) return st;
    }
    return MW_OK;
}

/* Pieces within p->link_distance_m of an earlier site's core (rule 2). */
static void link_all(mw_prev_set *prev, OGRGeometryH *pcore, const mw_alert *det, const pieces *pc,
                     const mw_lineage_params *p, int *parent)
{
    const double dist_m = p->link_distance_m;
    const int np = mw_prev_count(prev);
    for (int i = 0; i < np; i++) {
        OGRGeometryH g = pcore[i];
        if (!g) continue;
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        double lat = fmax(fabs(e.MinY), fabs(e.MaxY));
        double deg = dist_m / (111320.0 * fmax(cos(lat * M_PI / 180.0), 0.01)) * 1.01 + 1e-9;
        for (int q = 0; q < pc->n; q++)
            if (pc->widen[q] && near_env(g, pc->g[q], deg) && mw_lineage_distance_m(g, pc->g[q]) <= dist_m)
                uf_union(parent, i, np + q);
    }
    for (int q = 0; q < pc->n; q++)
        for (int i = 0; i < np && !pc->widen[q]; i++)
            if (near_env(mw_prev_geometry(prev, i), pc->g[q], 0) &&
                works_inside(&det[pc->det[q]], mw_prev_geometry(prev, i), p))
                uf_union(parent, i, np + q);
}

/* A deep copy of detection @p a (lineage and added properties left out). */
static mw_status clone_alert(const mw_alert *a, mw_alert *out)
{
    *out = *a;
    out->props = NULL;
    out->nprops = 0;
    out->lineage.merged_ids = NULL;
    out->geometry = a->geometry ? OGR_G_Clone(a->geometry) : NULL;
    out->protected_area = a->protected_area ? strdup(a->protected_area) : NULL;
    if ((a->geometry && !out->geometry) || (a->protected_area && !out->protected_area)) {
        mw_alert_clear(out);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    return MW_OK;
}

/* One group (earlier sites olds[0..no), pieces qs[0..nq)) as one continued site in *out. */
static mw_status continue_site(mw_prev_set *prev, const int *olds, int no, const mw_alert *det,
                               const uint8_t *held, const pieces *pc, const int *qs, int nq,
                               const mw_lineage_params *p, mw_alert *out)
{
    /* The survivor: earliest first_seen, then smallest site id (olds are in id order). */
    int s = 0;
    double vs;
    for (int k = 1; k < no; k++)
        if (strcmp(mw_prev_alert(prev, olds[k], &vs)->lineage.first_seen,
                   mw_prev_alert(prev, olds[s], &vs)->lineage.first_seen) < 0) s = k;
    /* The evidence: the most confident detection that passed the filters (else any). */
    int r = pc->det[qs[0]];
    for (int k = 1; k < nq; k++) {
        int j = pc->det[qs[k]];
        if ((held[r] && !held[j]) || (held[r] == held[j] && det[j].confidence > det[r].confidence)) r = j;
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
    for (int k = 0; k < nq && ok && now; k++) {
        if (!pc->widen[qs[k]] || (held[pc->det[qs[k]]] && !p->held_grows)) continue;
        OGRGeometryH u = mw_lineage_union(now, pc->g[qs[k]]);
        OGR_G_DestroyGeometry(now);
        now = u;
    }
    mw_status st = ok && now ? clone_alert(&det[r], out) : MW_ERR_GEOMETRY;
    if (st != MW_OK) {
        if (before) OGR_G_DestroyGeometry(before);
        if (now) OGR_G_DestroyGeometry(now);
        free(lin.merged_ids);
        return st == MW_ERR_GEOMETRY ? mw_error_set(MW_ERR_GEOMETRY, "site %s: cannot join its outlines", lin.site_id)
                                     : st;
    }
    double a0 = mw_geodesic_area_m2(before) / 1e4, a1 = mw_geodesic_area_m2(now) / 1e4;
    OGR_G_DestroyGeometry(before);
    /* Area evidence of every other detection of the site (each once). */
    for (int k = 0; k < nq; k++) {
        int j = pc->det[qs[k]], seen = j == r;
        for (int m = 0; m < k && !seen; m++) seen = pc->det[qs[m]] == j;
        if (seen) continue;
        const mw_site_features *f = &det[j].features;
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

/* What is left of detection @p j beyond the sites it continues (its pieces
 * in groups without an earlier site), as a new site in *out when it
 * reaches p->new_min_ha; *made 0 when not. */
static mw_status start_rest(const mw_alert *det, int j, const pieces *pc, int *parent, int np,
                            const mw_lineage_params *p, mw_alert *out, int *made)
{
    *made = 0;
    OGRGeometryH rest = NULL;
    for (int q = 0; q < pc->n; q++) {
        if (pc->det[q] != j || !pc->widen[q] || uf_find(parent, np + q) < np) continue;
        OGRGeometryH u = mw_lineage_union(rest, pc->g[q]);
        if (rest) OGR_G_DestroyGeometry(rest);
        if (!(rest = u)) return mw_error_set(MW_ERR_GEOMETRY, "cannot join the pieces of a detection");
    }
    double ha = rest ? mw_geodesic_area_m2(rest) / 1e4 : 0.0;
    if (ha < p->new_min_ha) {
        if (rest) OGR_G_DestroyGeometry(rest);
        return MW_OK;
    }
    mw_status st = clone_alert(&det[j], out);
    if (st != MW_OK) {
        OGR_G_DestroyGeometry(rest);
        return st;
    }
    OGR_G_DestroyGeometry(out->geometry);
    out->geometry = rest;
    out->area_ha = out->features.area_ha = ha;
    set_centroid(out);
    mw_alert_make_id(out->centroid_lon, out->centroid_lat, p->date_before, p->date_after, out->id, sizeof out->id);
    make_new(out, p);
    *made = 1;
    return MW_OK;
}

/* A detection without a piece that continues a site, within the link
 * distance of an earlier outline, and with less than p->new_min_ha of core:
 * shimmer along a known site's edge (mixed pixels, co-registration). */
static int shimmer(mw_prev_set *prev, const mw_alert *a, const pieces *pc, int j, const mw_lineage_params *p)
{
    double core = 0;
    for (int q = 0; q < pc->n; q++)
        if (pc->det[q] == j && pc->widen[q]) core += mw_geodesic_area_m2(pc->g[q]);
    if (core >= p->new_min_ha * 1e4) return 0;
    for (int i = 0; i < mw_prev_count(prev); i++)
        if (mw_lineage_distance_m(mw_prev_geometry(prev, i), a->geometry) <= p->link_distance_m) return 1;
    return 0;
}

/* The run's sites in output order (rules 3-5) into res[*n...]. */
static mw_status emit(mw_prev_set *prev, mw_alert *det, const uint8_t *held, int ndet, const pieces *pc,
                      int *parent, const mw_lineage_params *p, mw_alert *res, int *n)
{
    const int np = mw_prev_count(prev);
    int *olds = malloc((size_t)(np > 0 ? np : 1) * sizeof *olds);
    int *qs = malloc((size_t)(pc->n > 0 ? pc->n : 1) * sizeof *qs);
    uint8_t *done = calloc((size_t)(np > 0 ? np : 1), 1);
    mw_status st = olds && qs && done ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int j = 0; j < ndet && st == MW_OK; j++) {
        int used = 0;
        for (int q = 0; q < pc->n && st == MW_OK; q++) {
            int root = uf_find(parent, np + q);
            if (pc->det[q] != j || root >= np) continue;   /* roots below np hold an earlier site */
            used = 1;
            if (done[root]) continue;
            done[root] = 1;
            int no = 0, nq = 0;
            for (int i = 0; i < np; i++)
                if (uf_find(parent, i) == root) olds[no++] = i;
            for (int k = q; k < pc->n; k++)
                if (uf_find(parent, np + k) == root) qs[nq++] = k;
            st = continue_site(prev, olds, no, det, held, pc, qs, nq, p, &res[*n]);
            if (st == MW_OK) ++*n;
        }
        if (st != MW_OK || held[j] || !det[j].geometry) continue;
        if (!used && shimmer(prev, &det[j], pc, j, p)) continue;
        if (!used) {
            res[*n] = det[j];
            memset(&det[j], 0, sizeof det[j]);
            make_new(&res[(*n)++], p);
        } else {
            int made = 0;
            st = start_rest(det, j, pc, parent, np, p, &res[*n], &made);
            *n += made;
        }
    }
    for (int i = 0; i < np && st == MW_OK; i++)
        if (!done[uf_find(parent, i)]) carry_site(prev, i, p, &res[(*n)++]);
    free(olds), free(qs), free(done);
    return st;
}

/** See mw_lineage.h. */
mw_status mw_lineage_link(mw_prev_set *prev, mw_alert *det, const uint8_t *held, int ndet,
                          const mw_lineage_params *p, mw_alert **out, int *nout)
{
    *out = NULL;
    *nout = 0;
    const int np = mw_prev_count(prev);
    pieces pc;
    mw_status st = make_pieces(prev, det, ndet, p, &pc);
    const int nn = np + pc.n;
    /* At most: a continued site per piece, a new site per detection, every earlier site. */
    const int cap = np + pc.n + ndet;
    int *parent = malloc((size_t)(nn > 0 ? nn : 1) * sizeof *parent);
    OGRGeometryH *pcore = calloc((size_t)(np > 0 ? np : 1), sizeof *pcore);
    mw_alert *res = calloc((size_t)(cap > 0 ? cap : 1), sizeof *res);
    if (st == MW_OK && (!parent || !pcore || !res)) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    int n = 0;
    if (st == MW_OK) {
        for (int i = 0; i < nn; i++) parent[i] = i;
        for (int i = 0; i < np; i++) pcore[i] = mw_lineage_core(mw_prev_geometry(prev, i), p->close_m, p->open_m);
        link_all(prev, pcore, det, &pc, p, parent);
        st = emit(prev, det, held, ndet, &pc, parent, p, res, &n);
    }
    for (int j = 0; j < ndet; j++) mw_alert_clear(&det[j]);
    for (int i = 0; pcore && i < np; i++)
        if (pcore[i]) OGR_G_DestroyGeometry(pcore[i]);
    pieces_free(&pc);
    free(parent), free(pcore);
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
