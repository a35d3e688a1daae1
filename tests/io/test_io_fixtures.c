/*
 * Opens every fixture of scripts/make_io_fixtures.py and checks what
 * mw_scene_open() found: layout, sensor, date and its source, bands,
 * resolutions, scaling, mask kind, and for the bad fixtures the status and
 * the file named by the message.
 * argv: [1] info driver (unused), [2] python3, [3] make_io_fixtures.py
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minewatch/minewatch.h"
#include "mw_test.h"

static char dir[512];

static mw_scene *open_ok(const char *name, const mw_scene_open_args *args)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mw_scene *s = NULL;
    mw_status st = mw_scene_open(path, args, &s);
    if (st != MW_OK) fprintf(stderr, "%s: unexpected failure %d: %s\n", name, st, mw_last_error());
    CHECK(st == MW_OK && s != NULL);
    return s;
}

/* Expect failure @p want whose message contains @p part1 and @p part2. */
static void open_bad(const char *name, const mw_scene_open_args *args, mw_status want, const char *part1,
                     const char *part2)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mw_scene *s = (mw_scene *)&s;
    mw_error_reset();
    mw_status st = mw_scene_open(path, args, &s);
    const char *msg = mw_last_error();
    if (st != want || (part1 && !strstr(msg, part1)) || (part2 && !strstr(msg, part2)))
        fprintf(stderr, "%s: got status %d \"%s\", expected %d with \"%s\" \"%s\"\n", name, st, msg, want,
                part1 ? part1 : "", part2 ? part2 : "");
    CHECK(st == want);
    CHECK(s == NULL);
    CHECK(!part1 || strstr(msg, part1));
    CHECK(!part2 || strstr(msg, part2));
    CHECK(strchr(msg, '\n') == NULL);
}

static const char *band_base(const mw_scene *s, mw_band_role r)
{
    const char *f = mw_scene_band_file(s, r);
    if (!f) return "";
    const char *b = strrchr(f, '/');
    return b ? b + 1 : f;
}

static void check_s2_common(const mw_scene *s, double offset, int has_swir_mask)
{
    CHECK(mw_scene_sensor(s) == MW_SENSOR_SENTINEL2);
    CHECK(mw_scene_epsg(s) == 32720);
    CHECK(mw_scene_width(s) == 20 && mw_scene_height(s) == 20);
    double gt[6];
    mw_scene_geotransform(s, gt);
    CHECK_NEAR(gt[0], 600000, 1e-6);
    CHECK_NEAR(gt[3], 8800000, 1e-6);
    CHECK_NEAR(gt[1], 10, 1e-9);
    CHECK_NEAR(gt[5], -10, 1e-9);
    for (int r = MW_BAND_BLUE; r <= MW_BAND_NIR; r++) {
        CHECK(mw_scene_has_band(s, (mw_band_role)r));
        CHECK_NEAR(mw_scene_band_scale(s, (mw_band_role)r), 1e-4, 1e-12);
        CHECK_NEAR(mw_scene_band_offset(s, (mw_band_role)r), offset, 1e-12);
    }
    if (has_swir_mask) {
        CHECK(mw_scene_has_band(s, MW_BAND_SWIR1) && mw_scene_has_band(s, MW_BAND_SWIR2));
        CHECK_NEAR(mw_scene_band_offset(s, MW_BAND_SWIR2), offset, 1e-12);
        CHECK(mw_scene_mask_kind(s) == MW_MASK_SCL);
        CHECK(mw_scene_band_scale(s, MW_BAND_MASK) == 1.0 && mw_scene_band_offset(s, MW_BAND_MASK) == 0.0);
    }
}

static void test_s2(void)
{
    mw_scene *s = open_ok("s2_stack.tif", NULL);
    if (s) {
        check_s2_common(s, -0.1, 1);
        CHECK_STR(mw_scene_layout(s), "Sentinel-2 multiband stack");
        CHECK_STR(mw_scene_date(s), "2021-06-30");
        CHECK_STR(mw_scene_date_source(s), "metadata");
        CHECK(mw_scene_band_index(s, MW_BAND_RED) == 3 && mw_scene_band_index(s, MW_BAND_MASK) == 7);
        CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_SWIR1), 10, 1e-9);
        CHECK(strstr(mw_scene_crs_wkt(s), "UTM zone 20S") != NULL);
    }
    mw_scene_destroy(s);

    s = open_ok("S2A_MSIL2A_20200105T140000_stack.tif", NULL);
    if (s) {
        check_s2_common(s, 0.0, 0);
        CHECK_STR(mw_scene_date(s), "2020-01-05");
        CHECK_STR(mw_scene_date_source(s), "filename");
        CHECK(mw_scene_mask_kind(s) == MW_MASK_NONE && !mw_scene_has_band(s, MW_BAND_MASK));
    }
    mw_scene_destroy(s);

    s = open_ok("s2_folder", NULL);
    if (s) {
        check_s2_common(s, -0.1, 1);
        CHECK_STR(mw_scene_layout(s), "Sentinel-2 L2A band folder");
        CHECK_STR(mw_scene_date_source(s), "metadata");
        CHECK_STR(band_base(s, MW_BAND_BLUE), "T20LQR_20210630T100000_B02_10m.tif"); /* 10 m beats 20 m */
        CHECK_STR(band_base(s, MW_BAND_SWIR1), "T20LQR_20210630T100000_B11_20m.tif");
        CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_BLUE), 10, 1e-9);
        CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_SWIR1), 20, 1e-9);
        CHECK_NEAR(mw_scene_band_resolution(s, MW_BAND_MASK), 20, 1e-9);
    }
    mw_scene_destroy(s);

    /* no metadata, name date 2022-02-01 is after 2022-01-25: offset by the date rule */
    s = open_ok("s2_jp2_folder", NULL);
    if (s) {
        check_s2_common(s, -0.1, 1);
        CHECK_STR(mw_scene_date(s), "2022-02-01");
        CHECK_STR(mw_scene_date_source(s), "filename");
        CHECK(strstr(band_base(s, MW_BAND_NIR), "_B08_10m.jp2") != NULL);
    }
    mw_scene_destroy(s);

    /* same folder, an option date before the switch: no offset, date from option */
    mw_scene_open_args a = {MW_SENSOR_AUTO, NULL, "20211231"};
    s = open_ok("s2_jp2_folder", &a);
    if (s) {
        check_s2_common(s, 0.0, 1);
        CHECK_STR(mw_scene_date(s), "2021-12-31");
        CHECK_STR(mw_scene_date_source(s), "option");
    }
    mw_scene_destroy(s);

    /* STAC item: raster:bands scale/offset win, date from properties.datetime */
    s = open_ok("s2_cog_stac", NULL);
    if (s) {
        check_s2_common(s, -0.1, 1);
        CHECK_STR(mw_scene_date(s), "2023-01-02");
        CHECK_STR(mw_scene_date_source(s), "metadata");
    }
    mw_scene_destroy(s);

    static const char safe[] = "S2A_MSIL2A_20230315T140000_N0509_R010_T20LQR_20230315T170000";
    char name[256];
    for (int zip = 0; zip < 2; zip++) {
        snprintf(name, sizeof name, "%s.%s", safe, zip ? "zip" : "SAFE");
        s = open_ok(name, NULL);
        if (!s) continue;
        check_s2_common(s, -0.1, 1);
        CHECK_STR(mw_scene_layout(s), zip ? "Sentinel-2 L2A SAFE (zip)" : "Sentinel-2 L2A SAFE");
        CHECK_STR(mw_scene_date(s), "2023-03-15");
        CHECK_STR(mw_scene_date_source(s), "metadata");
        CHECK(strstr(mw_scene_band_file(s, MW_BAND_BLUE), "/IMG_DATA/R10m/") != NULL);
        CHECK(strstr(mw_scene_band_file(s, MW_BAND_SWIR1), "/IMG_DATA/R20m/") != NULL);
        CHECK(strstr(mw_scene_band_file(s, MW_BAND_MASK), "_SCL_20m.jp2") != NULL);
        CHECK(!zip || strncmp(mw_scene_band_file(s, MW_BAND_RED), "/vsizip/", 8) == 0);
        mw_scene_destroy(s);
    }
}

static void check_landsat(const mw_scene *s, const char *date, int mtl_scaling)
{
    CHECK(mw_scene_sensor(s) == MW_SENSOR_LANDSAT);
    CHECK_STR(mw_scene_date(s), date);
    CHECK_STR(mw_scene_date_source(s), "metadata");
    CHECK(mw_scene_mask_kind(s) == MW_MASK_QA_PIXEL);
    CHECK(mw_scene_epsg(s) == 32720);
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++) {
        CHECK(mw_scene_has_band(s, (mw_band_role)r));
        CHECK_NEAR(mw_scene_band_resolution(s, (mw_band_role)r), 30, 1e-9);
        double want_s = (mtl_scaling && r == MW_BAND_NIR) ? 3e-5 : 2.75e-5;
        double want_o = (mtl_scaling && r == MW_BAND_NIR) ? -0.1 : -0.2;
        CHECK_NEAR(mw_scene_band_scale(s, (mw_band_role)r), want_s, 1e-15);
        CHECK_NEAR(mw_scene_band_offset(s, (mw_band_role)r), want_o, 1e-12);
    }
}

static void test_landsat(void)
{
    mw_scene *s = open_ok("ls_stack.tif", NULL);
    if (s) {
        check_landsat(s, "2021-06-30", 0);
        CHECK_STR(mw_scene_layout(s), "Landsat multiband stack");
        CHECK(mw_scene_band_index(s, MW_BAND_NIR) == 4 && mw_scene_band_index(s, MW_BAND_MASK) == 7);
    }
    mw_scene_destroy(s);
    s = open_ok("ls_folder_txt", NULL);
    if (s) {
        check_landsat(s, "2021-06-30", 1);
        CHECK_STR(mw_scene_layout(s), "Landsat C2 L2 band folder");
        CHECK(strstr(band_base(s, MW_BAND_SWIR1), "_SR_B6.TIF") != NULL);
        CHECK(strstr(band_base(s, MW_BAND_MASK), "_QA_PIXEL.TIF") != NULL);
    }
    mw_scene_destroy(s);
    s = open_ok("ls_folder_json", NULL);
    if (s) check_landsat(s, "2022-01-10", 1);
    mw_scene_destroy(s);

    /* --sensor and --date override what the files say */
    mw_scene_open_args a = {MW_SENSOR_GENERIC, NULL, "2020-01-02"};
    s = open_ok("ls_stack.tif", &a);
    if (s) {
        CHECK(mw_scene_sensor(s) == MW_SENSOR_GENERIC);
        CHECK_STR(mw_scene_date(s), "2020-01-02");
        CHECK_STR(mw_scene_date_source(s), "option");
        CHECK_NEAR(mw_scene_band_scale(s, MW_BAND_RED), 1e-4, 1e-15);
        CHECK(mw_scene_mask_kind(s) == MW_MASK_QA_PIXEL); /* named QA_PIXEL */
    }
    mw_scene_destroy(s);
}

static void test_generic(void)
{
    mw_scene *s = open_ok("generic_float.tif", NULL);
    if (s) {
        CHECK(mw_scene_sensor(s) == MW_SENSOR_GENERIC);
        CHECK(mw_scene_band_scale(s, MW_BAND_RED) == 1.0 && mw_scene_band_offset(s, MW_BAND_RED) == 0.0);
        CHECK(mw_scene_has_band(s, MW_BAND_SWIR2));
        CHECK(mw_scene_date(s) == NULL && mw_scene_date_source(s) == NULL);
    }
    mw_scene_destroy(s);
    s = open_ok("generic_float_dn.tif", NULL);
    if (s) {
        CHECK_NEAR(mw_scene_band_scale(s, MW_BAND_RED), 1e-4, 1e-15);
        CHECK(!mw_scene_has_band(s, MW_BAND_SWIR1) && !mw_scene_has_band(s, MW_BAND_SWIR2));
    }
    mw_scene_destroy(s);
    mw_scene_open_args a = {MW_SENSOR_AUTO, "nir=1,red=2,green=3,blue=4,mask=5", "2021-01-01"};
    s = open_ok("generic_unnamed.tif", &a);
    if (s) {
        CHECK(mw_scene_sensor(s) == MW_SENSOR_GENERIC);
        CHECK(mw_scene_band_index(s, MW_BAND_NIR) == 1 && mw_scene_band_index(s, MW_BAND_BLUE) == 4);
        CHECK(mw_scene_mask_kind(s) == MW_MASK_QA_PIXEL); /* 16-bit generic mask */
        CHECK_NEAR(mw_scene_band_scale(s, MW_BAND_NIR), 1e-4, 1e-15);
    }
    mw_scene_destroy(s);
    mw_scene_open_args b = {MW_SENSOR_SENTINEL2, "nir=1,red=2,green=3,blue=4,mask=5", "2021-01-01"};
    s = open_ok("generic_unnamed.tif", &b);
    if (s) CHECK(mw_scene_mask_kind(s) == MW_MASK_SCL && mw_scene_sensor(s) == MW_SENSOR_SENTINEL2);
    mw_scene_destroy(s);
}

static void test_bad(void)
{
    open_bad("bad_missing_red", NULL, MW_ERR_BAND, "bad_missing_red: no red band", "(looked for B04, SR_B4, red)");
    open_bad("generic_unnamed.tif", NULL, MW_ERR_BAND, "generic_unnamed.tif: no blue band", "--band-map");
    mw_scene_open_args a = {MW_SENSOR_AUTO, "blue=1,green=2,red=3,nir=9", NULL};
    open_bad("generic_unnamed.tif", &a, MW_ERR_BAND, "generic_unnamed.tif: band map nir=9", "only 5 bands");
    mw_scene_open_args b = {MW_SENSOR_AUTO, "blue=1,green=2,red=3,infrared=4", NULL};
    open_bad("generic_unnamed.tif", &b, MW_ERR_USAGE, "unknown band role 'infrared'", NULL);
    mw_scene_open_args c = {MW_SENSOR_AUTO, "blue=1,green=2,red=3,nir=4,red=5", NULL};
    open_bad("generic_unnamed.tif", &c, MW_ERR_USAGE, "'red' given twice", NULL);
    mw_scene_open_args d = {MW_SENSOR_AUTO, NULL, "2021-02-30"};
    open_bad("s2_stack.tif", &d, MW_ERR_USAGE, "invalid date '2021-02-30'", NULL);
    open_bad("bad_text.tif", NULL, MW_ERR_OPEN, "bad_text.tif: not a raster", NULL);
    open_bad("bad_empty.tif", NULL, MW_ERR_OPEN, "bad_empty.tif: empty file", NULL);
    open_bad("bad_text_band", NULL, MW_ERR_OPEN, "bad_text_band/T20LQR_20210630T100000_B04_10m.tif: not a raster",
             NULL);
    open_bad("bad_extent", NULL, MW_ERR_BAND, "_B11_20m.tif: extent", "differs from");
    open_bad("bad_crs", NULL, MW_ERR_BAND, "_B03_10m.tif: coordinate reference system differs", NULL);
    open_bad("bad_nocrs.tif", NULL, MW_ERR_CRS, "bad_nocrs.tif: no coordinate reference system", NULL);
    open_bad("bad_empty_folder", NULL, MW_ERR_LAYOUT, "bad_empty_folder: no band files", NULL);
    open_bad("does_not_exist.tif", NULL, MW_ERR_OPEN, "does_not_exist.tif: no such file", NULL);
    mw_scene_open_args e = {MW_SENSOR_AUTO, "blue=1,green=2,red=3,nir=4", NULL};
    open_bad("s2_folder", &e, MW_ERR_USAGE, "s2_folder: --band-map applies to a multiband raster", NULL);
}

int main(int argc, char **argv)
{
    if (argc < 4) MW_TEST_SKIP("needs python3 and make_io_fixtures.py as arguments");
    const char *root = getenv("MW_BUILD_ROOT");
    snprintf(dir, sizeof dir, "%s/io-fixtures-XXXXXX", root && *root ? root : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", argv[2], argv[3], dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "fixture script failed: %s\n", cmd);
        return 1;
    }
    mw_init();
    test_s2();
    test_landsat();
    test_generic();
    test_bad();
    if (!mw_test_failures) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "fixtures kept in %s\n", dir);
    }
    MW_TEST_DONE();
}
