/* Alerts: outlines, reprojection, winding, geodesic area, ids. */
#include <string.h>

#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include "alerts/mw_alerts.h"
#include "core/mw_error.h"
#include "grid/mw_grid.h"
#include "minewatch/minewatch.h"
#include "mw_test.h"

static const double utm_gt[6] = {500000.0, 10.0, 0.0, 8900000.0, 0.0, -10.0};

/* Twice the signed shoelace area of ring r of polygon p. */
static double shoelace(OGRGeometryH poly, int r)
{
    OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
    int n = OGR_G_GetPointCount(ring);
    double s = 0;
    for (int i = 0; i + 1 < n; i++)
        s += OGR_G_GetX(ring, i) * OGR_G_GetY(ring, i + 1) -
             OGR_G_GetX(ring, i + 1) * OGR_G_GetY(ring, i);
    return s;
}

static int ring_points(OGRGeometryH poly, int r)
{
    return OGR_G_GetPointCount(OGR_G_GetGeometryRef(poly, r));
}

static char *wkt_of_epsg(int epsg)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    if (OSRImportFromEPSG(srs, epsg) == OGRERR_NONE) OSRExportToWkt(srs, &wkt);
    OSRDestroySpatialReference(srs);
    return wkt;
}

static void test_outline(void)
{
    /* 3x3 square inside a 5x5 window at (10, 20) of the grid. */
    uint8_t sq[25] = {0};
    for (int y = 1; y <= 3; y++)
        for (int x = 1; x <= 3; x++) sq[y * 5 + x] = 1;
    mw_rect area = {10, 20, 5, 5};
    OGRGeometryH g = NULL;
    CHECK(mw_outline_from_mask(sq, area, utm_gt, &g) == MW_OK);
    CHECK(g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon);
    if (g) {
        CHECK(OGR_G_GetGeometryCount(g) == 1);
        CHECK(ring_points(g, 0) == 5);
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        CHECK_NEAR(e.MinX, 500110.0, 1e-6);
        CHECK_NEAR(e.MaxX, 500140.0, 1e-6);
        CHECK_NEAR(e.MaxY, 8899790.0, 1e-6);
        CHECK_NEAR(e.MinY, 8899760.0, 1e-6);
        CHECK_NEAR(OGR_G_Area(g), 900.0, 1e-6);
        OGR_G_DestroyGeometry(g);
    }

    /* Non-zero values other than 1 count as site pixels too. */
    sq[12] = 7;
    g = NULL;
    CHECK(mw_outline_from_mask(sq, area, utm_gt, &g) == MW_OK);
    CHECK(g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon && ring_points(g, 0) == 5);
    if (g) OGR_G_DestroyGeometry(g);

    /* Two separate pieces -> MultiPolygon of 2. */
    uint8_t two[20] = {1, 1, 0, 0, 0,
                       1, 1, 0, 1, 1,
                       0, 0, 0, 1, 1,
                       0, 0, 0, 0, 0};
    mw_rect a2 = {0, 0, 5, 4};
    g = NULL;
    CHECK(mw_outline_from_mask(two, a2, utm_gt, &g) == MW_OK);
    CHECK(g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon);
    if (g) {
        CHECK(OGR_G_GetGeometryCount(g) == 2);
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            CHECK(ring_points(OGR_G_GetGeometryRef(g, i), 0) == 5);
        CHECK_NEAR(OGR_G_Area(g), 800.0, 1e-6);
        OGR_G_DestroyGeometry(g);
    }

    /* A ring of pixels -> one polygon with a hole. */
    uint8_t ring[16] = {1, 1, 1, 0,
                        1, 0, 1, 0,
                        1, 1, 1, 0,
                        0, 0, 0, 0};
    mw_rect a3 = {0, 0, 4, 4};
    g = NULL;
    CHECK(mw_outline_from_mask(ring, a3, utm_gt, &g) == MW_OK);
    CHECK(g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon);
    if (g) {
        CHECK(OGR_G_GetGeometryCount(g) == 2);
        CHECK(ring_points(g, 0) == 5);
        CHECK(ring_points(g, 1) == 5);
        CHECK_NEAR(OGR_G_Area(g), 800.0, 1e-6);
        OGR_G_DestroyGeometry(g);
    }

    /* Diagonal neighbours are not 4-connected: two polygons. */
    uint8_t diag[9] = {1, 0, 0,
                       0, 1, 0,
                       0, 0, 0};
    mw_rect a4 = {0, 0, 3, 3};
    g = NULL;
    CHECK(mw_outline_from_mask(diag, a4, utm_gt, &g) == MW_OK);
    CHECK(g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon);
    if (g) {
        CHECK(OGR_G_GetGeometryCount(g) == 2);
        OGR_G_DestroyGeometry(g);
    }

    /* An L: 6 corners, 7 positions. */
    uint8_t ell[12] = {1, 0, 0,
                       1, 0, 0,
                       1, 1, 1,
                       0, 0, 0};
    mw_rect a5 = {0, 0, 3, 4};
    g = NULL;
    CHECK(mw_outline_from_mask(ell, a5, utm_gt, &g) == MW_OK);
    CHECK(g && ring_points(g, 0) == 7);
    if (g) OGR_G_DestroyGeometry(g);

    /* Empty mask: a usage error, no geometry. */
    uint8_t none[4] = {0};
    mw_rect a6 = {0, 0, 2, 2};
    g = (OGRGeometryH)1;
    CHECK(mw_outline_from_mask(none, a6, utm_gt, &g) == MW_ERR_USAGE);
    CHECK(g == NULL);
}

static void test_lonlat(void)
{
    char *wkt = wkt_of_epsg(32720);
    CHECK(wkt != NULL);
    mw_lonlat *t = NULL;
    CHECK(mw_lonlat_create(wkt, &t) == MW_OK);
    CPLFree(wkt);
    if (!t) return;
    double lon = 0, lat = 0;
    /* Reference values: cs2cs -f %.9f EPSG:32720 +to EPSG:4326 (PROJ 9.1). */
    CHECK(mw_lonlat_point(t, 500000, 8900000, &lon, &lat) == MW_OK);
    CHECK_NEAR(lon, -63.000000000, 1e-8);
    CHECK_NEAR(lat, -9.951046248, 1e-8);
    CHECK(mw_lonlat_point(t, 612345.5, 9012345.25, &lon, &lat) == MW_OK);
    CHECK_NEAR(lon, -61.978115928, 1e-8);
    CHECK_NEAR(lat, -8.933491190, 1e-8);

    /* 10x10 pixels of 10 m with a 2x2 hole: 100 m x 100 m, minus 400 m². */
    uint8_t m[100];
    for (int i = 0; i < 100; i++) m[i] = 1;
    m[44] = m[45] = m[54] = m[55] = 0;
    mw_rect area = {0, 0, 10, 10};
    OGRGeometryH g = NULL;
    CHECK(mw_outline_from_mask(m, area, utm_gt, &g) == MW_OK);
    if (g) {
        CHECK(mw_lonlat_transform(t, g) == MW_OK);
        CHECK(OGR_G_GetGeometryCount(g) == 2);
        CHECK(shoelace(g, 0) > 0); /* exterior counter-clockwise */
        CHECK(shoelace(g, 1) < 0); /* hole clockwise */
        OGRGeometryH r0 = OGR_G_GetGeometryRef(g, 0);
        CHECK_NEAR(OGR_G_GetX(r0, 0), OGR_G_GetX(r0, 4), 0);
        /* The grid origin (500000, 8900000) is a corner of the outline. */
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        CHECK_NEAR(e.MinX, -63.0, 1e-8);
        CHECK_NEAR(e.MaxY, -9.951046248, 1e-8);
        double ha = mw_geodesic_area_m2(g) / 10000.0;
        CHECK_NEAR(ha, 0.96, 0.96 * 0.005);
        OGR_G_DestroyGeometry(g);
    }
    /* A plain 100 m x 100 m square is 1 ha within 0.5 %. */
    m[44] = m[45] = m[54] = m[55] = 1;
    g = NULL;
    CHECK(mw_outline_from_mask(m, area, utm_gt, &g) == MW_OK);
    if (g) {
        CHECK(mw_lonlat_transform(t, g) == MW_OK);
        CHECK_NEAR(mw_geodesic_area_m2(g) / 10000.0, 1.0, 0.005);
        /* Orientation does not change the area. */
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, 0);
        int n = OGR_G_GetPointCount(ring);
        double x[16], y[16];
        OGR_G_GetPoints(ring, x, sizeof(double), y, sizeof(double), NULL, 0);
        for (int i = 0; i < n / 2; i++) {
            double tx = x[i], ty = y[i];
            x[i] = x[n - 1 - i], y[i] = y[n - 1 - i];
            x[n - 1 - i] = tx, y[n - 1 - i] = ty;
        }
        OGR_G_SetPoints(ring, n, x, sizeof(double), y, sizeof(double), NULL, 0);
        CHECK(shoelace(g, 0) < 0);
        CHECK_NEAR(mw_geodesic_area_m2(g) / 10000.0, 1.0, 0.005);
        OGR_G_DestroyGeometry(g);
    }
    /* A MultiPolygon of two 1x1-pixel pieces: CCW each, 200 m². */
    uint8_t two[3] = {1, 0, 1};
    mw_rect a2 = {0, 0, 3, 1};
    g = NULL;
    CHECK(mw_outline_from_mask(two, a2, utm_gt, &g) == MW_OK);
    if (g) {
        CHECK(mw_lonlat_transform(t, g) == MW_OK);
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            CHECK(shoelace(OGR_G_GetGeometryRef(g, i), 0) > 0);
        CHECK_NEAR(mw_geodesic_area_m2(g), 200.0, 1.0);
        OGR_G_DestroyGeometry(g);
    }
    /* Points are rejected. */
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, 500000, 8900000);
    CHECK(mw_lonlat_transform(t, pt) == MW_ERR_USAGE);
    OGR_G_DestroyGeometry(pt);
    mw_lonlat_destroy(t);

    /* Northern hemisphere UTM. cs2cs -f %.9f EPSG:32633 +to EPSG:4326 */
    wkt = wkt_of_epsg(32633);
    t = NULL;
    CHECK(mw_lonlat_create(wkt, &t) == MW_OK);
    CPLFree(wkt);
    if (t) {
        CHECK(mw_lonlat_point(t, 440000, 1200000, &lon, &lat) == MW_OK);
        CHECK_NEAR(lon, 14.451044387, 1e-8);
        CHECK_NEAR(lat, 10.854991650, 1e-8);
        mw_lonlat_destroy(t);
    }

    /* A geographic target (EPSG:4326 WKT is lat/lon by the book): x stays lon. */
    wkt = wkt_of_epsg(4326);
    t = NULL;
    CHECK(mw_lonlat_create(wkt, &t) == MW_OK);
    CPLFree(wkt);
    if (t) {
        CHECK(mw_lonlat_point(t, -63.5, -9.5, &lon, &lat) == MW_OK);
        CHECK_NEAR(lon, -63.5, 1e-12);
        CHECK_NEAR(lat, -9.5, 1e-12);
        const double ggt[6] = {-63.5, 0.0001, 0, -9.5, 0, -0.0001};
        uint8_t one[1] = {1};
        mw_rect a1 = {0, 0, 1, 1};
        g = NULL;
        CHECK(mw_outline_from_mask(one, a1, ggt, &g) == MW_OK);
        if (g) {
            CHECK(mw_lonlat_transform(t, g) == MW_OK);
            OGREnvelope e;
            OGR_G_GetEnvelope(g, &e);
            CHECK_NEAR(e.MinX, -63.5, 1e-12);
            CHECK_NEAR(e.MaxY, -9.5, 1e-12);
            CHECK(shoelace(g, 0) > 0);
            OGR_G_DestroyGeometry(g);
        }
        mw_lonlat_destroy(t);
    }

    /* Bad CRS text. */
    t = NULL;
    CHECK(mw_lonlat_create("this is not a CRS", &t) == MW_ERR_CRS);
    CHECK(t == NULL);
    CHECK(strlen(mw_last_error()) > 0);
    CHECK(mw_lonlat_create(NULL, &t) == MW_ERR_CRS);
    mw_lonlat_destroy(NULL);
}

static void test_ids(void)
{
    char id[64];
    /* Geohash reference: lat 57.64911, lon 10.40744 -> u4pruydqqvj. */
    mw_alert_make_id(10.40744, 57.64911, "2023-05-01", "2024-06-02", id, sizeof id);
    CHECK_STR(id, "mw-20230501-20240602-u4pruydqq");
    mw_alert_make_id(10.40744, 57.64911, "20230501", "2024-06-02T13:45:00Z", id, sizeof id);
    CHECK_STR(id, "mw-20230501-20240602-u4pruydqq");
    mw_alert_make_id(10.40744, 57.64911, NULL, "garbage", id, sizeof id);
    CHECK_STR(id, "mw-00000000-00000000-u4pruydqq");
    /* Southern/western: format and stability. */
    char id2[64];
    mw_alert_make_id(-63.0001, -9.9510, "2023-05-01", "2024-06-02", id, sizeof id);
    mw_alert_make_id(-63.0001, -9.9510, "2023-05-01", "2024-06-02", id2, sizeof id2);
    CHECK_STR(id, id2);
    CHECK(strlen(id) == strlen("mw-20230501-20240602-") + 9);
    CHECK(strncmp(id, "mw-20230501-20240602-", 21) == 0);
    for (const char *p = id + 21; *p; p++) CHECK(strchr("0123456789bcdefghjkmnpqrstuvwxyz", *p));
    /* Moving ~20 m changes the 9-char hash; ~1 cm does not (not on a cell edge). */
    mw_alert_make_id(-63.0003, -9.9510, "2023-05-01", "2024-06-02", id2, sizeof id2);
    CHECK(strcmp(id, id2) != 0);
    mw_alert_make_id(-63.0001001, -9.9510, "2023-05-01", "2024-06-02", id2, sizeof id2);
    CHECK_STR(id, id2);
    /* Truncation is safe. */
    char small[8];
    mw_alert_make_id(0, 0, NULL, NULL, small, sizeof small);
    CHECK_STR(small, "mw-0000");
}

int main(void)
{
    mw_init();
    test_outline();
    test_lonlat();
    test_ids();
    MW_TEST_DONE();
}
