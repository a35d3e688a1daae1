/*
 * Alerts writers and protected areas.
 *   test_alerts_writers            unit checks (errors, determinism, tags)
 *   test_alerts_writers --write D  write sample alerts in every format into
 *                                  folder D (checked by test_writers.py)
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include "alerts/mw_alerts.h"
#include "core/mw_error.h"
#include "grid/mw_grid.h"
#include "minewatch/minewatch.h"
#include "output/mw_output_internal.h"
#include "mw_test.h"

static const double utm_gt[6] = {500000.0, 10.0, 0.0, 8900000.0, 0.0, -10.0};

static const mw_alert_meta sample_meta = {
    .version = "0.1.0-test",
    .before_path = "/data/S2 \"before\"\\2023\xc3\xa9t\xc3\xa9\t.SAFE",
    .before_date = "2023-06-01",
    .before_sensor = "sentinel2",
    .after_path = "/data/after.tif",
    .after_date = "2024-06-10",
    .after_sensor = "sentinel2",
    .model_name = "starting-model",
    .model_path = "models/default.json",
    .parameters_json = "{\"min_area_ha\": 0.5, \"min_confidence\": 0.5}",
};

/* Two alerts: a Polygon with a hole and a MultiPolygon, in lon/lat (UTM 20S). */
static int make_alerts(mw_alert out[2])
{
    memset(out, 0, sizeof(mw_alert) * 2);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    OSRImportFromEPSG(srs, 32720);
    OSRExportToWkt(srs, &wkt);
    OSRDestroySpatialReference(srs);
    mw_lonlat *t = NULL;
    int ok = mw_lonlat_create(wkt, &t) == MW_OK;
    CPLFree(wkt);
    if (!ok) return 0;

    uint8_t m1[25];
    for (int i = 0; i < 25; i++) m1[i] = 1;
    m1[12] = 0;
    mw_rect a1 = {100, 200, 5, 5};
    uint8_t m2[6] = {1, 1, 0, 0, 0, 1};
    mw_rect a2 = {300, 50, 3, 2};
    const uint8_t *masks[2] = {m1, m2};
    mw_rect areas[2] = {a1, a2};
    for (int i = 0; i < 2; i++) {
        mw_alert *a = &out[i];
        if (mw_outline_from_mask(masks[i], areas[i], utm_gt, &a->geometry) != MW_OK) ok = 0;
        if (!ok || mw_lonlat_transform(t, a->geometry) != MW_OK) {
            ok = 0;
            break;
        }
        OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_Centroid(a->geometry, c);
        a->centroid_lon = OGR_G_GetX(c, 0);
        a->centroid_lat = OGR_G_GetY(c, 0);
        OGR_G_DestroyGeometry(c);
        a->area_ha = mw_geodesic_area_m2(a->geometry) / 1e4;
        mw_alert_make_id(a->centroid_lon, a->centroid_lat, sample_meta.before_date,
                         sample_meta.after_date, a->id, sizeof a->id);
        a->class_name = i ? "clearing" : "mining";
        a->confidence = i ? 0.31234567 : 0.9;
        mw_site_features *f = &a->features;
        f->veg_loss_ha = 0.12;
        f->bare_soil_ha = 0.05;
        f->new_water_ha = i ? 0 : 0.04;
        f->turbid_water_ha = -0.0;
        f->turbidity_rise_ha = 0.01;
        f->mean_dndvi = -0.41234;
        f->mean_dndti = 0.0700001;
        f->mean_dbsi = 0.2;
        f->mean_dmndwi = -0.00001; /* rounds to 0, never -0 */
        f->pond_count = i ? 0 : 3;
        f->water_share = 0.25;
        f->compactness = 0.5;
        f->dist_water_m = 123.456;
        f->river_turbidity_change = i ? NAN : 0.031;
        f->context_disturbed_share = 0.1;
        f->valid_fraction = 1.0;
    }
    out[0].protected_area = strdup("Terra Ind\xc3\xadgena \"Sul\"");
    mw_lonlat_destroy(t);
    return ok;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)*len + 1);
    if (b && fread(b, 1, (size_t)*len, f) != (size_t)*len) {
        free(b);
        b = NULL;
    }
    if (b) b[*len] = '\0';
    fclose(f);
    return b;
}

/* Files in @p dir whose name starts with '.' (temporaries left behind). */
static int hidden_files(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '^\\.' > /dev/null", dir);
    return system(cmd) == 0;
}

static void test_numbers(void)
{
    static const struct { double v; int decimals; const char *want; } cases[] = {
        {1.25, 4, "1.25"}, {-0.00001, 4, "0"}, {-0.0, 7, "0"}, {12.0, 7, "12"},
        {-63.123456789, 7, "-63.1234568"},
    };
    char b[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mw_format_number(cases[i].v, cases[i].decimals, b, sizeof b);
        CHECK_STR(b, cases[i].want);
    }
    CHECK(mw_format_number(NAN, 4, b, sizeof b) == 0);
    CHECK_STR(b, "null");
    CHECK(mw_format_number(INFINITY, 4, b, sizeof b) == 0);
}

/* printf("%.*f"), trailing zeros and point dropped, "-0" -> "0": what
 * mw_format_number must print (it takes a faster path where it can). */
static void reference_number(double v, int d, char *b, size_t size)
{
    int n = snprintf(b, size, "%.*f", d, v);
    char *dot = strchr(b, '.');
    if (dot) {
        char *end = b + n - 1;
        while (end > dot && *end == '0') *end-- = '\0';
        if (end == dot) *end = '\0';
    }
    if (strcmp(b, "-0") == 0) snprintf(b, size, "0");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The formatter against printf on values where a shortcut could go wrong:
 * coordinates, ties (k/2^m: exact halves at some decimals), values one ulp
 * either side of a decimal half, tiny and negative values, integers, and
 * magnitudes around the shortcut's limit. */
static void test_numbers_exact(void)
{
    static const int decs[] = {0, 1, 2, 4, 7, 9, 12};
    char got[80], want[80];
    int bad = 0;
    long checked = 0;
    for (int i = 0; i < 400000 && bad < 5; i++) {
        double v;
        switch (i % 8) {
        case 0: v = ((double)(rng() >> 11) / 9007199254740992.0 - 0.5) * 360.0; break;
        case 1: v = (double)(int64_t)(rng() % 2000001 - 1000000) / (double)(1u << (rng() % 12)); break;
        case 2: v = ((double)(int64_t)(rng() % 200000001 - 100000000) + 0.5) / 1e7; break;
        case 3: v = nextafter(((double)(int64_t)(rng() % 20001 - 10000) + 0.5) / 1e4, (rng() & 1) ? 1e300 : -1e300); break;
        case 4: v = ((double)(rng() >> 11) / 9007199254740992.0 - 0.5) * 1e-6; break;
        case 5: v = (double)(int64_t)(rng() % 2000001 - 1000000); break;
        case 6: v = ldexp((double)(rng() >> 11) / 9007199254740992.0, (int)(rng() % 80) - 20); break;
        default: v = ((double)(rng() >> 11) / 9007199254740992.0 - 0.5) * 4e5; break;
        }
        for (size_t k = 0; k < sizeof decs / sizeof decs[0]; k++) {
            mw_format_number(v, decs[k], got, sizeof got);
            reference_number(v, decs[k], want, sizeof want);
            checked++;
            if (strcmp(got, want) != 0 && bad++ < 5)
                fprintf(stderr, "format %.17g with %d decimals: got %s, printf %s\n", v, decs[k], got, want);
        }
    }
    CHECK(bad == 0);
    CHECK(checked > 2000000);
    /* Exact ties round to even, as printf does. */
    static const struct { double v; int decimals; const char *want; } ties[] = {
        {0.00390625, 7, "0.0039062"}, {-2.5, 0, "-2"}, {-0.4, 0, "0"},
    };
    for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++) {
        mw_format_number(ties[i].v, ties[i].decimals, got, sizeof got);
        CHECK_STR(got, ties[i].want);
    }
    /* A small buffer still gets printf's text (or %.17g). */
    char small[8];
    mw_format_number(-63.123456789, 7, small, sizeof small);
    CHECK(strlen(small) < sizeof small);
}

static void test_geojson_errors(const char *dir, mw_alert *alerts)
{
    /* A full disk is detected. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        CHECK(mw_geojson_write_stream(full, "/dev/full", alerts, 2, &sample_meta, 1) ==
              MW_ERR_WRITE);
        CHECK(strstr(mw_last_error(), "/dev/full: ") == mw_last_error());
        CHECK(strstr(mw_last_error(), strerror(ENOSPC)) != NULL);
        fclose(full);
    }
    char p[512];
    /* Missing folder. */
    snprintf(p, sizeof p, "%s/no-such-dir/alerts.geojson", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_WRITE);
    CHECK(strstr(mw_last_error(), strerror(ENOENT)) != NULL);
    CHECK(!exists(p));
    snprintf(p, sizeof p, "%s/no-such-dir/alerts.gpkg", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_WRITE);
    CHECK(!exists(p));
    /* A "folder" that is a file. */
    char f[512];
    snprintf(f, sizeof f, "%s/plainfile", dir);
    FILE *pf = fopen(f, "w");
    if (pf) fclose(pf);
    snprintf(p, sizeof p, "%s/plainfile/alerts.geojson", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_WRITE);
    CHECK(strstr(mw_last_error(), strerror(ENOTDIR)) != NULL);
    unlink(f);
    /* Unwritable folder (not for root, who can write anywhere). */
    if (geteuid() != 0) {
        char ro[400];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        mkdir(ro, 0555);
        snprintf(p, sizeof p, "%s/alerts.geojson", ro);
        CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_WRITE);
        CHECK(!exists(p));
        rmdir(ro);
    }
    /* Unknown extension, no extension. */
    snprintf(p, sizeof p, "%s/alerts.xyz", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_USAGE);
    CHECK(strstr(mw_last_error(), "unknown output format '.xyz' (use .geojson, .gpkg") != NULL);
    CHECK(!exists(p));
    snprintf(p, sizeof p, "%s/alerts", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &sample_meta, 1) == MW_ERR_USAGE);
    /* Parameters that are not a JSON object: nothing written. */
    mw_alert_meta bad = sample_meta;
    bad.parameters_json = "{\"a\": ";
    snprintf(p, sizeof p, "%s/bad.geojson", dir);
    CHECK(mw_alerts_write(p, alerts, 2, &bad, 1) == MW_ERR_USAGE);
    CHECK(!exists(p));
    /* A non-polygon geometry is refused, nothing left. */
    mw_alert pt = alerts[0];
    pt.geometry = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt.geometry, 0, 1, 2);
    CHECK(mw_alerts_write(p, &pt, 1, &sample_meta, 1) != MW_OK);
    CHECK(!exists(p));
    OGR_G_DestroyGeometry(pt.geometry);
    CHECK(!hidden_files(dir));
}

static void test_geojson_determinism(const char *dir, mw_alert *alerts)
{
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/one.geojson", dir);
    snprintf(p2, sizeof p2, "%s/two.json", dir);
    CHECK(mw_alerts_write(p1, alerts, 2, &sample_meta, 1) == MW_OK);
    CHECK(mw_alerts_write(p2, alerts, 2, &sample_meta, 1) == MW_OK);
    long n1 = 0, n2 = 0;
    char *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
    CHECK(b1 && b2 && n1 == n2 && n1 > 0 && memcmp(b1, b2, (size_t)n1) == 0);
    if (b1) {
        CHECK(strstr(b1, "\"crs\"") == NULL);
        CHECK(strstr(b1, "-0,") == NULL && strstr(b1, "-0]") == NULL && strstr(b1, "-0}") == NULL);
        CHECK(strstr(b1, "\"river_turbidity_change\": null") != NULL);
        CHECK(strstr(b1, "\"mean_dmndwi\": 0,") != NULL);
        CHECK(strstr(b1, "\"ring_ndvi\": 0,") != NULL);
        CHECK(strstr(b1, "\"before_disturbed_share\": 0,") != NULL);
        CHECK(strstr(b1, "\"ring_loss_share\": 0}") != NULL);
        CHECK(strstr(b1, "\"confidence\": 0.3123,") != NULL);
        CHECK(strstr(b1, "\"dist_water_m\": 123.46,") != NULL);
        CHECK(strstr(b1, "\"protected_area\": null") != NULL);
        CHECK(strstr(b1, "\\\"before\\\"\\\\2023\xc3\xa9t\xc3\xa9\\t.SAFE") != NULL);
        CHECK(strncmp(b1, "{\n\"type\": \"FeatureCollection\",\n\"minewatch\": {", 45) == 0);
    }
    /* Overwriting an existing file works; zero alerts is a valid file. */
    CHECK(mw_alerts_write(p1, alerts, 0, NULL, 1) == MW_OK);
    free(b1);
    b1 = slurp(p1, &n1);
    CHECK(b1 && strstr(b1, "\"features\": []") != NULL);
    free(b1);
    free(b2);
    unlink(p1);
    unlink(p2);
    CHECK(!hidden_files(dir));
}

/* More alerts than one formatting batch of the GeoJSON writer, written
 * with 1, 2 and 3 threads: the same bytes; a bad geometry is reported for
 * the first bad alert in file order, whichever thread formatted it. */
static void test_geojson_threads(const char *dir, const mw_alert *two)
{
    enum { N = 300 };
    mw_alert *many = calloc(N, sizeof *many);
    CHECK(many != NULL);
    if (!many) return;
    for (int i = 0; i < N; i++) {
        many[i] = two[i % 2];
        snprintf(many[i].id, sizeof many[i].id, "mw-test-%03d", i);
        many[i].confidence = i / (double)N;
        many[i].geometry = OGR_G_Clone(two[i % 2].geometry);
    }
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/t1.geojson", dir);
    CHECK(mw_alerts_write(p, many, N, &sample_meta, 1) == MW_OK);
    long n1 = 0;
    char *b1 = slurp(p, &n1);
    CHECK(b1 && n1 > 0 && strstr(b1, "\"mw-test-299\"") != NULL);
    for (int t = 2; t <= 3; t++) {
        snprintf(q, sizeof q, "%s/t%d.geojson", dir, t);
        CHECK(mw_alerts_write(q, many, N, &sample_meta, t) == MW_OK);
        long n = 0;
        char *b = slurp(q, &n);
        CHECK(b && b1 && n == n1 && memcmp(b, b1, (size_t)n1) == 0);
        free(b);
        unlink(q);
    }
    free(b1);
    unlink(p);
    /* Points at 250 (second batch) and 140: the error names 140. */
    OGRGeometryH keep[2] = {many[140].geometry, many[250].geometry};
    for (int k = 0; k < 2; k++) {
        many[k ? 250 : 140].geometry = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(many[k ? 250 : 140].geometry, 0, 1, 2);
    }
    snprintf(p, sizeof p, "%s/bad.geojson", dir);
    CHECK(mw_alerts_write(p, many, N, &sample_meta, 3) == MW_ERR_INTERNAL);
    CHECK(strstr(mw_last_error(), "mw-test-140") != NULL);
    CHECK(!exists(p));
    for (int k = 0; k < 2; k++) {
        OGR_G_DestroyGeometry(many[k ? 250 : 140].geometry);
        many[k ? 250 : 140].geometry = keep[k];
    }
    for (int i = 0; i < N; i++) OGR_G_DestroyGeometry(many[i].geometry);
    free(many);
    CHECK(!hidden_files(dir));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void test_protected(const char *dir, mw_alert *alerts)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(alerts[0].geometry, &e);
    double midx = (e.MinX + e.MaxX) / 2, midy = (e.MinY + e.MaxY) / 2;
    char text[2048], p[512];
    /* "Zeta" covers the whole site; "Alpha" its western 3/10ths -> Zeta.
       "Beta" far away. Name field is "name" (after a first string "code"). */
    double w = e.MaxX - e.MinX;
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"A1\",\"name\":\"Alpha\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.9f,%.9f],[%.9f,%.9f],"
             "[%.9f,%.9f],[%.9f,%.9f],[%.9f,%.9f]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"Z9\",\"name\":\"Zeta\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.9f,%.9f],[%.9f,%.9f],"
             "[%.9f,%.9f],[%.9f,%.9f],[%.9f,%.9f]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"B2\",\"name\":\"Beta\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[10,10],[11,10],[11,11],"
             "[10,11],[10,10]]]}}]}",
             e.MinX - 1, e.MinY - 1, e.MinX + 0.3 * w, e.MinY - 1, e.MinX + 0.3 * w,
             e.MaxY + 1, e.MinX - 1, e.MaxY + 1, e.MinX - 1, e.MinY - 1, /* Alpha */
             e.MinX - 0.01, e.MinY - 0.01, e.MaxX + 0.01, e.MinY - 0.01, e.MaxX + 0.01,
             e.MaxY + 0.01, e.MinX - 0.01, e.MaxY + 0.01, e.MinX - 0.01, e.MinY - 0.01);
    snprintf(p, sizeof p, "%s/protected.geojson", dir);
    write_file(p, text);
    mw_protected *pa = NULL;
    CHECK(mw_protected_open(p, &pa) == MW_OK);
    if (pa) {
        CHECK_STR(mw_protected_name_for(pa, alerts[0].geometry), "Zeta");
        /* The other alert is 2 km east: outside Alpha, inside nothing. */
        OGR_G_GetEnvelope(alerts[1].geometry, &e);
        CHECK(mw_protected_name_for(pa, alerts[1].geometry) == NULL);
        mw_protected_destroy(pa);
    }
    /* Two areas covering the site equally: the first name wins. A layer in
       UTM (reprojected at open), names from "NOME"? no: "nombre". */
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\","
             "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32720\"}},"
             "\"features\":["
             "{\"type\":\"Feature\",\"properties\":{\"id\":\"1\",\"nombre\":\"Reserva B\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[499000,8897000],"
             "[503000,8897000],[503000,8899000],[499000,8899000],[499000,8897000]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"id\":\"2\",\"nombre\":\"Reserva A\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[499000,8897000],"
             "[503000,8897000],[503000,8899000],[499000,8899000],[499000,8897000]]]}}]}");
    (void)midx;
    (void)midy;
    snprintf(p, sizeof p, "%s/protected_utm.geojson", dir);
    write_file(p, text);
    pa = NULL;
    CHECK(mw_protected_open(p, &pa) == MW_OK);
    if (pa) {
        CHECK_STR(mw_protected_name_for(pa, alerts[0].geometry), "Reserva A");
        mw_protected_destroy(pa);
    }
    /* No string field at all: the FID names the area. */
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"id\":7,\"properties\":{\"n\":1},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[-64,-11],[-62,-11],"
             "[-62,-9],[-64,-9],[-64,-11]]]}}]}");
    snprintf(p, sizeof p, "%s/protected_fid.geojson", dir);
    write_file(p, text);
    pa = NULL;
    CHECK(mw_protected_open(p, &pa) == MW_OK);
    if (pa) {
        CHECK_STR(mw_protected_name_for(pa, alerts[0].geometry), "7");
        mw_protected_destroy(pa);
    }
    /* Points are not protected areas. */
    snprintf(p, sizeof p, "%s/points.geojson", dir);
    write_file(p, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                  "\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Point\","
                  "\"coordinates\":[1,2]}}]}");
    pa = NULL;
    CHECK(mw_protected_open(p, &pa) == MW_ERR_GEOMETRY);
    CHECK(pa == NULL);
    CHECK(strstr(mw_last_error(), "not polygons") != NULL);
    CHECK(strncmp(mw_last_error(), p, strlen(p)) == 0);
    /* Garbage, missing file, empty collection. */
    snprintf(p, sizeof p, "%s/garbage.geojson", dir);
    write_file(p, "{\"type\": \"FeatureCollection\", \"features\": [ {");
    CHECK(mw_protected_open(p, &pa) == MW_ERR_GEOMETRY);
    CHECK(strncmp(mw_last_error(), p, strlen(p)) == 0);
    snprintf(p, sizeof p, "%s/missing.geojson", dir);
    CHECK(mw_protected_open(p, &pa) == MW_ERR_GEOMETRY);
    snprintf(p, sizeof p, "%s/empty.geojson", dir);
    write_file(p, "{\"type\":\"FeatureCollection\",\"features\":[]}");
    CHECK(mw_protected_open(p, &pa) == MW_ERR_GEOMETRY);
    /* Projected coordinates without a CRS are refused. */
    snprintf(p, sizeof p, "%s/nocrs.csv", dir);
    write_file(p, "WKT,name\n\"POLYGON ((499000 8897000,503000 8897000,503000 8899000,"
                  "499000 8897000))\",x\n");
    CHECK(mw_protected_open(p, &pa) == MW_ERR_GEOMETRY);
    CHECK(strstr(mw_last_error(), "no CRS") != NULL);
}

static int write_all(const char *dir, mw_alert *alerts)
{
    static const char *const names[] = {"alerts.geojson", "alerts.gpkg", "alerts.kml",
                                        "alerts.fgb", "alerts.csv", "alerts.shp"};
    int ok = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (mw_alerts_write(p, alerts, 2, &sample_meta, 1) != MW_OK) {
            fprintf(stderr, "%s: %s\n", p, mw_last_error());
            ok = 0;
        }
    }
    return ok;
}

int main(int argc, char **argv)
{
    mw_init();
    mw_alert alerts[2];
    if (!make_alerts(alerts)) {
        fprintf(stderr, "cannot build sample alerts: %s\n", mw_last_error());
        return 1;
    }
    if (argc == 3 && !strcmp(argv[1], "--write")) {
        int ok = write_all(argv[2], alerts);
        mw_alert_clear(&alerts[0]);
        mw_alert_clear(&alerts[1]);
        return ok ? 0 : 1;
    }
    char dir[] = "/tmp/mw-alerts-test-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_numbers();
    test_numbers_exact();
    test_geojson_errors(dir, alerts);
    test_geojson_determinism(dir, alerts);
    test_geojson_threads(dir, alerts);
    test_protected(dir, alerts);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    mw_alert_clear(&alerts[0]);
    mw_alert_clear(&alerts[1]);
    mw_alert_clear(&alerts[1]);
    MW_TEST_DONE();
}
