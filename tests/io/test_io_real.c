/*
 * Integration tests on the real data sets of ../shared/data (see their
 * READMEs): Sentinel-2 L2A COG folder 29RKH (100/200 m), Landsat 8 C2 L2
 * folder (600 m), a sat-mining-detector patch stack. Exit 77 (skip) when
 * the data are absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "minewatch/minewatch.h"
#include "mw_test.h"

static char data[1024];

static mw_scene *open_dir(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", data, rel);
    mw_scene *s = NULL;
    if (mw_scene_open(path, NULL, &s) != MW_OK) fprintf(stderr, "%s: %s\n", rel, mw_last_error());
    CHECK(s != NULL);
    return s;
}

static void test_s2_cog(void)
{
    mw_scene *s = open_dir("s2-l2a-cog-29RKH-100m");
    if (!s) return;
    CHECK(mw_scene_sensor(s) == MW_SENSOR_SENTINEL2);
    CHECK_STR(mw_scene_layout(s), "Sentinel-2 L2A band folder");
    CHECK_STR(mw_scene_date(s), "2020-02-19");
    CHECK_STR(mw_scene_date_source(s), "metadata");
    CHECK(mw_scene_epsg(s) == 32629);
    CHECK(mw_scene_width(s) == 1098 && mw_scene_height(s) == 1098);
    double gt[6];
    mw_scene_geotransform(s, gt);
    CHECK_NEAR(gt[0], 199980, 1e-6);
    CHECK_NEAR(gt[3], 2800020, 1e-6);
    CHECK_NEAR(gt[1], 100, 1e-9);
    CHECK(mw_scene_mask_kind(s) == MW_MASK_SCL);
    CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_RED), 100, 1e-9);
    CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_SWIR1), 200, 1e-9);
    CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_SWIR2), 200, 1e-9);
    CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_MASK), 200, 1e-9);
    CHECK(strstr(mw_scene_band_file(s, MW_BAND_NIR), "/B08.tif") != NULL);
    CHECK(strstr(mw_scene_band_file(s, MW_BAND_MASK), "/SCL.tif") != NULL);
    /* baseline 02.14 (STAC): DN/10000, no offset */
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++) {
        CHECK_NEAR(mw_scene_band_scale(s, (mw_band_role)r), 1e-4, 1e-15);
        CHECK_NEAR(mw_scene_band_offset(s, (mw_band_role)r), 0.0, 1e-15);
    }
    mw_scene_destroy(s);
}

static void test_landsat(void)
{
    mw_scene *s = open_dir("landsat8-c2l2-amazonas-600m");
    if (!s) return;
    CHECK(mw_scene_sensor(s) == MW_SENSOR_LANDSAT);
    CHECK_STR(mw_scene_layout(s), "Landsat C2 L2 band folder");
    CHECK_STR(mw_scene_date(s), "2020-10-31");
    CHECK_STR(mw_scene_date_source(s), "metadata");
    CHECK(mw_scene_epsg(s) == 32620);
    CHECK(mw_scene_width(s) == 379 && mw_scene_height(s) == 386);
    CHECK(mw_scene_mask_kind(s) == MW_MASK_QA_PIXEL);
    CHECK(strstr(mw_scene_band_file(s, MW_BAND_NIR), "_SR_B5.TIF") != NULL);
    CHECK(strstr(mw_scene_band_file(s, MW_BAND_SWIR1), "_SR_B6.TIF") != NULL);
    CHECK(strstr(mw_scene_band_file(s, MW_BAND_MASK), "_QA_PIXEL.TIF") != NULL);
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++) {
        CHECK_NEAR(mw_scene_band_scale(s, (mw_band_role)r), 2.75e-5, 1e-15);
        CHECK_NEAR(mw_scene_band_offset(s, (mw_band_role)r), -0.2, 1e-12);
    }
    mw_scene_destroy(s);
}

static void test_patch(void)
{
    mw_scene *s = open_dir("sat-mining-detector-patches/train/human_0_t0.tif");
    if (!s) return;
    CHECK(mw_scene_sensor(s) == MW_SENSOR_SENTINEL2);
    CHECK_STR(mw_scene_layout(s), "Sentinel-2 multiband stack");
    CHECK_STR(mw_scene_date(s), "2019-12-31"); /* PERIOD=2019-01-01/2019-12-31: its end */
    CHECK_STR(mw_scene_date_source(s), "metadata");
    CHECK(mw_scene_epsg(s) == 32722);
    CHECK(mw_scene_width(s) == 48 && mw_scene_height(s) == 48);
    CHECK(mw_scene_mask_kind(s) == MW_MASK_NONE && !mw_scene_has_band(s, MW_BAND_MASK));
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++) {
        CHECK(mw_scene_band_index(s, (mw_band_role)r) == r + 1);
        CHECK_NEAR(mw_scene_band_scale(s, (mw_band_role)r), 1e-4, 1e-15);
        CHECK_NEAR(mw_scene_band_offset(s, (mw_band_role)r), 0.0, 1e-15);
    }
    mw_scene_destroy(s);
}

static void test_others(void)
{
    /* OSCD: L1C per-band folder in EPSG:4326, 10/20 m grids not exact multiples */
    mw_scene *s = open_dir("oscd-sentinel2/aguasclaras/imgs_1");
    if (s) {
        CHECK(mw_scene_sensor(s) == MW_SENSOR_SENTINEL2);
        CHECK(mw_scene_epsg(s) == 4326);
        CHECK_STR(mw_scene_date(s), "2016-12-27");
        CHECK_STR(mw_scene_date_source(s), "filename");
        CHECK(mw_scene_width(s) == 525 && mw_scene_height(s) == 471);
        CHECK(mw_scene_has_band(s, MW_BAND_SWIR1));
    }
    mw_scene_destroy(s);
    /* Landsat TM/ETM+ stacks without band names: --band-map */
    char path[2048];
    snprintf(path, sizeof path, "%s/landsat-cd-taizhou-nanjing/nanjing/nanjing_LT5_20000503.tif", data);
    mw_scene_open_args a = {MW_SENSOR_AUTO, "blue=1,green=2,red=3,nir=4,swir1=5,swir2=6", NULL};
    s = NULL;
    CHECK(mw_scene_open(path, &a, &s) == MW_OK);
    if (s) {
        CHECK(mw_scene_sensor(s) == MW_SENSOR_GENERIC);
        CHECK_STR(mw_scene_date(s), "2000-05-03");
        CHECK(mw_scene_epsg(s) == 32650);
    }
    mw_scene_destroy(s);
    CHECK(mw_scene_open(path, NULL, &s) == MW_ERR_BAND && s == NULL);
}

int main(void)
{
    const char *src = getenv("MW_SOURCE_ROOT");
    snprintf(data, sizeof data, "%s/../shared/data", src && *src ? src : ".");
    struct stat st;
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/s2-l2a-cog-29RKH-100m", data);
    if (stat(probe, &st) != 0) MW_TEST_SKIP("real data not found under $MW_SOURCE_ROOT/../shared/data");
    mw_init();
    test_s2_cog();
    test_landsat();
    test_patch();
    test_others();
    MW_TEST_DONE();
}
