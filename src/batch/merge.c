/*
 * The merged alerts of a batch: each site once, where tiles overlap too.
 *
 * General plan
 *  1. Read batch.json (never the run's memory: a batch and the merge of its
 *     shards then decide from the same bytes) and every done pair's
 *     pairs/<id>.geojson, in plan order.
 *  2. Two alerts are one site when their outlines intersect, they come from
 *     pairs of different footprints (two tiles, not two dates of one tile),
 *     and the pairs' date spans overlap (share more than an end date: the
 *     consecutive pairs of a series are different detections).
 *  3. Each group of such alerts (joined transitively) keeps one: the alert
 *     whose pair's footprint centre is nearest the alert's centroid (where
 *     the tile saw it least near an edge), ties by pair id, then alert id.
 *     Its id and properties are kept as the pair wrote them, plus pair_id.
 *  4. alerts.geojson: features in plan order, then as the pair wrote them;
 *     alerts.gpkg translated from it with a fixed OGR_CURRENT_DATE, so both
 *     are the same bytes whatever order the pairs finished in.
 */
#include "mw_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_utils.h>
#include <json-c/json.h>
#include <ogr_api.h>

#include "core/mw_error.h"

#define JFLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

typedef struct site {
    char *text;               /* the Feature as written to alerts.geojson (with pair_id) */
    const mw_batch_entry *pair;
    OGRGeometryH geom;
    OGREnvelope env;
    char id[80], date_before[16], date_after[16];
    double lon, lat;
    int parent;               /* union-find */
} site;

typedef struct site_list {
    site *v;
    int n, cap;
} site_list;

static const char *prop_str(json_object *props, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(props, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : "";
}

static double prop_num(json_object *props, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(props, key, &v) ? json_object_get_double(v) : NAN;
}

static mw_status add_site(site_list *l, json_object *feat, const mw_batch_entry *e, const char *path)
{
    json_object *props, *geom;
    if (!json_object_object_get_ex(feat, "properties", &props) || !json_object_object_get_ex(feat, "geometry", &geom))
        return mw_error_set(MW_ERR_METADATA, "%s: a feature without geometry or properties", path);
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        site *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        l->v = v, l->cap = cap;
    }
    site *s = &l->v[l->n];
    memset(s, 0, sizeof *s);
    s->pair = e;
    s->geom = OGR_G_CreateGeometryFromJson(json_object_to_json_string_ext(geom, JFLAGS));
    if (!s->geom) return mw_error_set(MW_ERR_METADATA, "%s: a feature's geometry is not GeoJSON", path);
    OGR_G_GetEnvelope(s->geom, &s->env);
    snprintf(s->id, sizeof s->id, "%s", prop_str(props, "id"));
    snprintf(s->date_before, sizeof s->date_before, "%s", prop_str(props, "date_before"));
    snprintf(s->date_after, sizeof s->date_after, "%s", prop_str(props, "date_after"));
    /* Only the text is kept: a pair's json-c tree is ten times its file. */
    json_object_object_add(props, "pair_id", json_object_new_string(e->id));
    s->text = strdup(json_object_to_json_string_ext(feat, JFLAGS));
    if (!s->text) {
        OGR_G_DestroyGeometry(s->geom);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    s->lon = prop_num(props, "centroid_lon");
    s->lat = prop_num(props, "centroid_lat");
    s->parent = l->n++;
    return MW_OK;
}

static mw_status load_pair(site_list *l, const char *outdir, const mw_batch_entry *e)
{
    char name[300];
    snprintf(name, sizeof name, "pairs/%s.geojson", e->id);
    char *path = mw_batch_join(outdir, name);
    if (!path) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    json_object *doc = json_object_from_file(path), *feats;
    mw_status st = MW_OK;
    if (!doc || !json_object_object_get_ex(doc, "features", &feats) || !json_object_is_type(feats, json_type_array))
        st = mw_error_set(MW_ERR_OPEN, "%s: missing or not a FeatureCollection", path);
    for (size_t i = 0; st == MW_OK && i < json_object_array_length(feats); i++)
        st = add_site(l, json_object_array_get_idx(feats, i), e, path);
    json_object_put(doc);
    free(path);
    return st;
}

static int find(site *v, int i)
{
    while (v[i].parent != i) i = v[i].parent = v[v[i].parent].parent;
    return i;
}

static int same_footprint(const mw_batch_entry *a, const mw_batch_entry *b)
{
    return a->have_footprint && b->have_footprint && !memcmp(a->footprint, b->footprint, sizeof a->footprint);
}

/* Step 2: may alerts a and b be one site? */
static int one_site(const site *a, const site *b)
{
    if (a->pair == b->pair || same_footprint(a->pair, b->pair)) return 0;
    if (!(strcmp(a->date_before, b->date_after) < 0 && strcmp(b->date_before, a->date_after) < 0)) return 0;
    if (a->env.MaxX < b->env.MinX || b->env.MaxX < a->env.MinX || a->env.MaxY < b->env.MinY ||
        b->env.MaxY < a->env.MinY)
        return 0;
    return OGR_G_Intersects(a->geom, b->geom);
}

static int cmp_minx(const void *pa, const void *pb, void *arg)
{
    const site *v = arg;
    int a = *(const int *)pa, b = *(const int *)pb;
    if (v[a].env.MinX != v[b].env.MinX) return v[a].env.MinX < v[b].env.MinX ? -1 : 1;
    return a - b;
}

static void group_sites(site_list *l)
{
    int *order = malloc((size_t)(l->n ? l->n : 1) * sizeof *order);
    if (!order) return;
    for (int i = 0; i < l->n; i++) order[i] = i;
    qsort_r(order, (size_t)l->n, sizeof *order, cmp_minx, l->v);
    /* sweep on x: only alerts whose x ranges overlap are compared */
    for (int i = 0; i < l->n; i++)
        for (int j = i + 1; j < l->n && l->v[order[j]].env.MinX <= l->v[order[i]].env.MaxX; j++)
            if (one_site(&l->v[order[i]], &l->v[order[j]])) {
                int a = find(l->v, order[i]), b = find(l->v, order[j]);
                if (a != b) l->v[a > b ? a : b].parent = a < b ? a : b;
            }
    free(order);
}

static double dist2(const site *s)
{
    if (!s->pair->have_footprint || !isfinite(s->lon) || !isfinite(s->lat)) return INFINITY;
    double k = cos((s->lat + s->pair->centre[1]) * 0.5 * M_PI / 180.0);
    double dx = (s->lon - s->pair->centre[0]) * k, dy = s->lat - s->pair->centre[1];
    return dx * dx + dy * dy;
}

/* Step 3: is a a better owner than b? */
static int better(const site *a, const site *b)
{
    double da = dist2(a), db = dist2(b);
    if (da != db) return da < db;
    int c = strcmp(a->pair->id, b->pair->id);
    if (c) return c < 0;
    return strcmp(a->id, b->id) < 0;
}

/* keep[i] = 1 for the owner of each group. */
static int *choose_owners(site_list *l)
{
    int *best = malloc((size_t)(l->n ? l->n : 1) * sizeof *best), *keep = calloc((size_t)(l->n ? l->n : 1), sizeof *keep);
    if (!best || !keep) {
        free(best);
        free(keep);
        return NULL;
    }
    for (int i = 0; i < l->n; i++) best[i] = -1;
    for (int i = 0; i < l->n; i++) {
        int r = find(l->v, i);
        if (best[r] < 0 || better(&l->v[i], &l->v[best[r]])) best[r] = i;
    }
    for (int i = 0; i < l->n; i++)
        if (best[i] >= 0) keep[best[i]] = 1;
    free(best);
    return keep;
}

static void write_header(FILE *f, const mw_batch_doc *doc, int npairs)
{
    json_object *in = json_object_new_string(doc->input ? doc->input : "");
    fprintf(f, "{\n\"type\": \"FeatureCollection\",\n\"minewatch\": {\"version\": \"%s\", \"batch\": {\"input\": %s, "
               "\"pairs_done\": %d, \"entries\": %d, \"parameters\": %s, \"owner_rule\": \"one alert per site where "
               "pairs overlap: the pair whose footprint centre is nearest the site centroid, ties by pair id\"}},\n"
               "\"features\": [",
            doc->version ? doc->version : "", json_object_to_json_string_ext(in, JFLAGS), npairs, doc->total,
            doc->parameters ? doc->parameters : "{}");
    json_object_put(in);
}

static mw_status write_geojson(const char *path, const mw_batch_doc *doc, site_list *l, const int *keep, int npairs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    write_header(f, doc, npairs);
    int first = 1;
    for (int i = 0; i < l->n; i++) {
        if (!keep[i]) continue;
        fputs(first ? "\n" : ",\n", f);
        fputs(l->v[i].text, f);
        first = 0;
    }
    fputs(first ? "]\n}\n" : "\n]\n}\n", f);
    fclose(f);
    mw_status st = buf ? mw_batch_write_file(path, buf, len) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    free(buf);
    return st;
}

/* alerts.gpkg from alerts.geojson, through a temporary name. A fixed
 * OGR_CURRENT_DATE keeps the GeoPackage's bytes the same on every run. */
static mw_status write_gpkg(const char *geojson, const char *gpkg)
{
    char *tmp = malloc(strlen(gpkg) + 40);
    if (!tmp) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    char *dir = mw_batch_dirname(gpkg);
    sprintf(tmp, "%s/.alerts.tmp-%ld.gpkg", dir ? dir : ".", (long)getpid());
    free(dir);
    unlink(tmp);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    char *argv[] = {"-f", "GPKG", "-nln", "alerts", "-nlt", "PROMOTE_TO_MULTI", NULL};
    GDALVectorTranslateOptions *opt = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH src = GDALOpenEx(geojson, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    mw_status st = MW_OK;
    if (!opt || !src) st = mw_error_from_gdal(MW_ERR_WRITE, gpkg, "cannot read the merged GeoJSON");
    int usage = 0;
    GDALDatasetH out = st == MW_OK ? GDALVectorTranslate(tmp, NULL, 1, &src, opt, &usage) : NULL;
    if (st == MW_OK && !out) st = mw_error_from_gdal(MW_ERR_WRITE, gpkg, "cannot write");
    if (out) {
        CPLErrorReset();
        GDALClose(out);
        if (CPLGetLastErrorType() >= CE_Failure && st == MW_OK) st = mw_error_from_gdal(MW_ERR_WRITE, gpkg, "cannot write");
    }
    if (src) GDALClose(src);
    GDALVectorTranslateOptionsFree(opt);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    if (st == MW_OK && rename(tmp, gpkg) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: cannot rename into place", gpkg);
    if (st != MW_OK) unlink(tmp);
    free(tmp);
    return st;
}

static void site_list_clear(site_list *l)
{
    for (int i = 0; i < l->n; i++) {
        OGR_G_DestroyGeometry(l->v[i].geom);
        free(l->v[i].text);
    }
    free(l->v);
}

static mw_status commit(const char *outdir, const mw_batch_doc *doc, site_list *l, const int *keep, int npairs)
{
    char *g = mw_batch_join(outdir, "alerts.geojson"), *p = mw_batch_join(outdir, "alerts.gpkg");
    char *gtmp = mw_batch_join(outdir, ".alerts.merge.geojson");
    mw_status st = g && p && gtmp ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = write_geojson(gtmp, doc, l, keep, npairs);
    if (st == MW_OK) st = write_gpkg(gtmp, p);
    if (st == MW_OK && rename(gtmp, g) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: cannot rename into place", g);
    if (gtmp) unlink(gtmp);
    free(g);
    free(p);
    free(gtmp);
    return st;
}

mw_status mw_batch_merge_alerts(const char *outdir)
{
    mw_batch_doc doc;
    mw_status st = mw_batch_state_read(outdir, &doc);
    if (st != MW_OK) return st;
    site_list l = {0};
    int npairs = 0;
    for (int i = 0; st == MW_OK && i < doc.count; i++)
        if (doc.entries[i].state == MW_BATCH_DONE) {
            st = load_pair(&l, outdir, &doc.entries[i]);
            npairs++;
        }
    int *keep = NULL;
    if (st == MW_OK) {
        group_sites(&l);
        keep = choose_owners(&l);
        if (!keep) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    if (st == MW_OK) st = commit(outdir, &doc, &l, keep, npairs);
    free(keep);
    site_list_clear(&l);
    mw_batch_doc_clear(&doc);
    return st;
}
