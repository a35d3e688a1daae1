/*
 * Lineage rules on synthetic outlines (src/alerts/README.md): link, merge
 * (the oldest id survives, the others recorded), split (one site, one id),
 * growing vs persisting at max(0.5 ha, 20 %), inactive vs unobserved by the
 * clear share, held detections, edge shimmer, cores (a strip along a river
 * neither widens a site nor links one; a detection reaching from a known
 * site to a far one continues the first and starts the second), ids from
 * the first outline, an earlier file without lineage, and the same result
 * on a second run.
 *
 * Outlines are squares near the equator: 0.001 degree is about 111 m.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <ogr_api.h>

#include "alerts/mw_alerts.h"
#include "grid/mw_grid.h"
#include "mw_test.h"

static char *square(double x0, double y0, double w, double h)
{
    static char buf[8][256];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 256, "[[[%.7f, %.7f], [%.7f, %.7f], [%.7f, %.7f], [%.7f, %.7f], [%.7f, %.7f]]]", x0, y0, x0 + w,
             y0, x0 + w, y0 + h, x0, y0 + h, x0, y0);
    return b;
}

static OGRGeometryH geom(double x0, double y0, double w, double h)
{
    char wkt[256];
    snprintf(wkt, sizeof wkt, "POLYGON ((%.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f))", x0, y0, x0 + w, y0,
             x0 + w, y0 + h, x0, y0 + h, x0, y0);
    OGRGeometryH g = NULL;
    char *p = wkt;
    OGR_G_CreateFromWkt(&p, NULL, &g);
    return g;
}

/* An earlier file: features "props|x0,y0,w,h" joined. */
static const char *write_prev(const char *path, const char **feats, int n)
{
    FILE *f = fopen(path, "w");
    fputs("{\"type\": \"FeatureCollection\", \"features\": [", f);
    for (int i = 0; i < n; i++) {
        double x, y, w, h;
        char props[512];
        sscanf(strchr(feats[i], '|') + 1, "%lf,%lf,%lf,%lf", &x, &y, &w, &h);
        snprintf(props, sizeof props, "%.*s", (int)(strchr(feats[i], '|') - feats[i]), feats[i]);
        fprintf(f, "%s{\"type\": \"Feature\", \"properties\": {%s}, \"geometry\": {\"type\": \"Polygon\", "
                   "\"coordinates\": %s}}", i ? ", " : "", props, square(x, y, w, h));
    }
    fputs("]}\n", f);
    fclose(f);
    return path;
}

static mw_alert det(double x0, double y0, double w, double h, double conf)
{
    mw_alert a;
    memset(&a, 0, sizeof a);
    a.geometry = geom(x0, y0, w, h);
    a.class_name = "mining";
    a.confidence = conf;
    a.area_ha = mw_geodesic_area_m2(a.geometry) / 1e4;
    a.centroid_lon = x0 + w / 2;
    a.centroid_lat = y0 + h / 2;
    snprintf(a.id, sizeof a.id, "mw-d-%.4f", x0);
    return a;
}

static const mw_alert *find(const mw_alert *a, int n, const char *site_id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(a[i].lineage.site_id, site_id)) return &a[i];
    return NULL;
}

static void params(mw_lineage_params *p)
{
    mw_lineage_params_default(p);
    p->link_distance_m = 30;
    p->date_before = "2023-01-01";
    p->date_after = "2023-06-01";
}

/* Merge, split, new, held, inactive, unobserved in one run. */
static void test_mixed(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/prev.geojson", dir);
    const char *feats[] = {
        "\"site_id\": \"mws-b\", \"first_seen\": \"2022-06-01\", \"last_seen\": \"2022-06-01\", \"n_detections\": 1|0.0020,0,0.002,0.002",
        "\"site_id\": \"mws-a\", \"first_seen\": \"2022-01-01\", \"last_seen\": \"2022-06-01\", \"n_detections\": 3|0,0,0.002,0.002",
        "\"site_id\": \"mws-c\", \"first_seen\": \"2022-01-01\", \"n_detections\": 2|0.02,0,0.002,0.002",
        "\"site_id\": \"mws-d\", \"first_seen\": \"2022-01-01\", \"n_detections\": 2|0.04,0,0.002,0.002",
        "\"site_id\": \"mws-e\", \"first_seen\": \"2022-01-01\", \"n_detections\": 1|0.06,0,0.003,0.003",
    };
    mw_prev_set *prev = NULL;
    CHECK(mw_prev_read(write_prev(path, feats, 5), &prev) == MW_OK);
    CHECK(mw_prev_count(prev) == 5);
    CHECK_STR(mw_prev_site_id(prev, 0), "mws-a");  /* sorted by id */
    mw_prev_set_valid_share(prev, 2, 0.9);          /* c: seen clear */
    mw_prev_set_valid_share(prev, 3, 0.2);          /* d: mostly cloud */
    mw_prev_set_valid_share(prev, 4, 0.9);
    mw_alert d[5];
    d[0] = det(0.0018, 0.0005, 0.0006, 0.001, 0.9);   /* bridges a and b: merge */
    d[1] = det(0.1, 0.1, 0.002, 0.002, 0.8);          /* alone: new */
    d[2] = det(0.3, 0.3, 0.002, 0.002, 0.2);          /* alone and held: dropped */
    d[3] = det(0.0625, 0.0005, 0.0012, 0.002, 0.9);   /* inside e, two pieces of one site: split */
    d[4] = det(0.0590, 0.0005, 0.0008, 0.002, 0.9);   /* (the second piece, left of e's edge) */
    uint8_t held[5] = {0, 0, 1, 0, 0};
    mw_lineage_params p;
    params(&p);
    mw_alert *out = NULL;
    int n = 0;
    CHECK(mw_lineage_link(prev, d, held, 5, &p, &out, &n) == MW_OK);
    CHECK(n == 5);  /* a(+b), new, e, c, d */
    const mw_alert *a = find(out, n, "mws-a");
    CHECK(a && a->lineage.merged_ids && !strcmp(a->lineage.merged_ids, "mws-b"));
    CHECK(a && a->lineage.n_detections == 4);
    CHECK_STR(a ? a->lineage.first_seen : NULL, "2022-01-01");
    CHECK_STR(a ? a->lineage.last_seen : NULL, "2023-06-01");
    CHECK(!find(out, n, "mws-b"));                  /* merged: no alert of its own */
    CHECK(out[0].lineage.status == MW_SITE_PERSISTING || out[0].lineage.status == MW_SITE_GROWING);
    const mw_alert *nw = &out[1];
    CHECK(nw->lineage.status == MW_SITE_NEW);
    CHECK(!strncmp(nw->lineage.site_id, "mws-20230601-", 13));
    CHECK(nw->lineage.n_detections == 1);
    const mw_alert *e = find(out, n, "mws-e");
    CHECK(e && e->lineage.status != MW_SITE_NEW && e->lineage.status != MW_SITE_INACTIVE);
    CHECK(e && wkbFlatten(OGR_G_GetGeometryType(e->geometry)) == wkbMultiPolygon);  /* one site, pieces kept */
    const mw_alert *c = find(out, n, "mws-c"), *dd = find(out, n, "mws-d");
    CHECK(c && c->lineage.status == MW_SITE_INACTIVE && c->lineage.n_detections == 2);
    CHECK(dd && dd->lineage.status == MW_SITE_UNOBSERVED);
    CHECK(c == &out[3] && dd == &out[4]);           /* carried sites last, by id */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            CHECK(strcmp(out[i].id, out[j].id));
            CHECK(strcmp(out[i].lineage.site_id, out[j].lineage.site_id));
        }
    for (int i = 0; i < n; i++) mw_alert_clear(&out[i]);
    free(out);
    mw_prev_destroy(prev);
}

/* Growing above max(0.5 ha, 20 %), persisting below; shimmer along the edge continues nothing. */
static void test_growth(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/grow.geojson", dir);
    /* 0.003 x 0.003 degree: about 11 ha; 20 % is about 2.2 ha */
    const char *feats[] = {"\"site_id\": \"mws-g\", \"first_seen\": \"2022-01-01\"|0,0,0.003,0.003"};
    struct { double w; mw_site_status status; } cases[] = {
        {0.0005, MW_SITE_PERSISTING},   /* + ~1.9 ha */
        {0.0010, MW_SITE_GROWING},      /* + ~3.7 ha */
    };
    for (int k = 0; k < 2; k++) {
        mw_prev_set *prev = NULL;
        CHECK(mw_prev_read(write_prev(path, feats, 1), &prev) == MW_OK);
        mw_prev_set_valid_share(prev, 0, 1.0);
        mw_alert d[2];
        d[0] = det(0.003, 0, cases[k].w, 0.003, 0.9);        /* the new front, east */
        d[1] = det(-0.00012, 0.0, 0.00012, 0.003, 0.9);      /* a 13 m strip along the west edge */
        uint8_t held[2] = {0, 0};
        mw_lineage_params p;
        params(&p);
        mw_alert *out = NULL;
        int n = 0;
        CHECK(mw_lineage_link(prev, d, held, 2, &p, &out, &n) == MW_OK);
        CHECK(n == 1);                                       /* the strip is shimmer: no new site */
        CHECK(n >= 1 && out[0].lineage.status == cases[k].status);
        CHECK(n >= 1 && out[0].lineage.area_change_ha > 0);
        for (int i = 0; i < n; i++) mw_alert_clear(&out[i]);
        free(out);
        mw_prev_destroy(prev);
    }
}

/* Detection @p a with @p b's outline joined to it (b cleared). */
static void join(mw_alert *a, mw_alert *b)
{
    OGRGeometryH u = OGR_G_Union(a->geometry, b->geometry);
    OGR_G_DestroyGeometry(a->geometry);
    a->geometry = u;
    a->area_ha = mw_geodesic_area_m2(u) / 1e4;
    mw_alert_clear(b);
}

/* Cores: strips along a river link nothing and widen nothing; pieces of one detection link apart. */
static void test_cores(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/cores.geojson", dir);
    const char *feats[] = {
        "\"site_id\": \"mws-s\", \"first_seen\": \"2022-01-01\"|0,0,0.002,0.002",        /* ~4.9 ha */
        "\"site_id\": \"mws-t\", \"first_seen\": \"2022-01-01\"|0,0.05,0.002,0.002",
        "\"site_id\": \"mws-u\", \"first_seen\": \"2022-01-01\"|0,0.1,0.01,0.0002",      /* a 22 m strip */
    };
    mw_prev_set *prev = NULL;
    CHECK(mw_prev_read(write_prev(path, feats, 3), &prev) == MW_OK);
    for (int i = 0; i < 3; i++) mw_prev_set_valid_share(prev, i, 1.0);
    mw_alert d[6];
    /* s's new front (east, ~2.5 ha), a 22 m river strip 2 km east, a far mine at its end: one detection */
    d[0] = det(0.002, 0, 0.001, 0.002, 0.9);
    d[1] = det(0.003, 0.0009, 0.018, 0.0002, 0.9);
    d[2] = det(0.021, 0, 0.002, 0.002, 0.9);
    join(&d[0], &d[1]);
    join(&d[0], &d[2]);
    d[1] = det(0.002, 0.05, 0.001, 0.002, 0.2);     /* t's front, under the confidence threshold */
    d[2] = det(0, 0.1, 0.01, 0.0002, 0.9);           /* u again: only a strip, its edge's shimmer */
    d[3] = det(0.4, 0.4, 0.002, 0.00015, 0.9);      /* a strip alone: new as detected */
    uint8_t held[4] = {0, 1, 0, 0};
    mw_lineage_params p;
    params(&p);
    mw_alert *out = NULL;
    int n = 0;
    CHECK(mw_lineage_link(prev, d, held, 4, &p, &out, &n) == MW_OK);
    CHECK(n == 5);   /* s, the far mine, t, the strip, u carried */
    const mw_alert *s = find(out, n, "mws-s"), *t = find(out, n, "mws-t"), *u = find(out, n, "mws-u");
    CHECK(s && s->lineage.status == MW_SITE_GROWING);
    CHECK(s && s->lineage.area_change_ha > 1.8 && s->lineage.area_change_ha < 2.7);  /* the front, not the strip */
    CHECK(n >= 2 && out[1].lineage.status == MW_SITE_NEW && out[1].area_ha > 3.5 && out[1].area_ha < 5.5);
    CHECK(n >= 2 && out[1].centroid_lon > 0.02);     /* the far mine, on its own */
    CHECK(t && t->lineage.status == MW_SITE_GROWING);  /* a known site found again at low confidence */
    CHECK(u && u->lineage.status == MW_SITE_INACTIVE);  /* a strip continues nothing */
    int news = 0;
    for (int i = 0; i < n; i++) news += out[i].lineage.status == MW_SITE_NEW;
    CHECK(news == 2);
    for (int i = 0; i < n; i++) mw_alert_clear(&out[i]);
    free(out);
    mw_prev_destroy(prev);
}

/* A file written without lineage: ids as the new site would have had; and a second read gives the same set. */
static void test_plain_file(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/plain.geojson", dir);
    const char *feats[] = {"\"id\": \"mw-x\", \"date_after\": \"2022-07-07\", \"centroid_lon\": 0.001, "
                           "\"centroid_lat\": 0.001|0,0,0.002,0.002"};
    mw_prev_set *prev = NULL;
    CHECK(mw_prev_read(write_prev(path, feats, 1), &prev) == MW_OK);
    char id[48];
    mw_site_make_id(0.001, 0.001, "2022-07-07", id, sizeof id);
    CHECK_STR(mw_prev_site_id(prev, 0), id);
    CHECK(!strncmp(id, "mws-20220707-", 13));
    mw_prev_destroy(prev);
    /* bad inputs: one-line errors, no set */
    snprintf(path, sizeof path, "%s/nodate.geojson", dir);
    const char *nodate[] = {"\"id\": \"mw-y\"|0,0,0.001,0.001"};
    CHECK(mw_prev_read(write_prev(path, nodate, 1), &prev) == MW_ERR_GEOMETRY && !prev);
    CHECK(mw_prev_read("/nonexistent/earlier.geojson", &prev) == MW_ERR_OPEN && !prev);
}

int main(void)
{
    GDALAllRegister();
    char dir[] = "/tmp/mw-lineage-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_mixed(dir);
    test_growth(dir);
    test_cores(dir);
    test_plain_file(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    MW_TEST_DONE();
}
