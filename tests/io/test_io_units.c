/*
 * Unit tests of module io's pure parts: band names, file names, band maps,
 * dates, metadata text parsing, scaling rules and mask decoding. All
 * expected values are computed by hand.
 */
#include <string.h>

#include "io/mw_io_internal.h"
#include "minewatch/minewatch.h"
#include "mw_test.h"

static void test_band_names(void)
{
    mw_sensor s;
    CHECK(mw_io_role_from_band_name("B02", &s) == MW_BAND_BLUE && s == MW_SENSOR_SENTINEL2);
    CHECK(mw_io_role_from_band_name("b08", &s) == MW_BAND_NIR && s == MW_SENSOR_SENTINEL2);
    CHECK(mw_io_role_from_band_name("B12", NULL) == MW_BAND_SWIR2);
    CHECK(mw_io_role_from_band_name("SCL", &s) == MW_BAND_MASK && s == MW_SENSOR_SENTINEL2);
    CHECK(mw_io_role_from_band_name("SR_B5", &s) == MW_BAND_NIR && s == MW_SENSOR_LANDSAT);
    CHECK(mw_io_role_from_band_name("SR_B6", NULL) == MW_BAND_SWIR1);
    CHECK(mw_io_role_from_band_name("QA_PIXEL", &s) == MW_BAND_MASK && s == MW_SENSOR_LANDSAT);
    CHECK(mw_io_role_from_band_name(" Red ", &s) == MW_BAND_RED && s == MW_SENSOR_AUTO);
    CHECK(mw_io_role_from_band_name("swir16", NULL) == MW_BAND_SWIR1);
    CHECK(mw_io_role_from_band_name("B8A", NULL) == -1);
    CHECK(mw_io_role_from_band_name("B4", NULL) == -1);
    CHECK(mw_io_role_from_band_name("", NULL) == -1);
    CHECK(mw_io_role_from_band_name(NULL, NULL) == -1);
    CHECK(mw_io_role_from_band_name("VV", NULL) == -1);
}

static void test_file_names(void)
{
    mw_sensor s;
    int res;
    CHECK(mw_io_role_from_filename("T20LQR_20210630T100000_B02_10m.jp2", &s, &res) == MW_BAND_BLUE);
    CHECK(s == MW_SENSOR_SENTINEL2 && res == 10);
    CHECK(mw_io_role_from_filename("/a/b/T20LQR_20210630T100000_B11_20m.tif", &s, &res) == MW_BAND_SWIR1);
    CHECK(res == 20);
    CHECK(mw_io_role_from_filename("T20LQR_20210630T100000_SCL_20m.jp2", &s, &res) == MW_BAND_MASK);
    CHECK(s == MW_SENSOR_SENTINEL2);
    CHECK(mw_io_role_from_filename("B04.tif", &s, &res) == MW_BAND_RED && res == 0);
    CHECK(mw_io_role_from_filename("S2A_OPER_MSI_L1C_TL_EPA__20161227T091305_A001222_T22LHH_B08.tif", &s,
                                   &res) == MW_BAND_NIR);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_SR_B4.TIF", &s, &res) ==
          MW_BAND_RED);
    CHECK(s == MW_SENSOR_LANDSAT);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_SR_B7.TIF", &s, &res) ==
          MW_BAND_SWIR2);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_QA_PIXEL.TIF", &s, &res) ==
          MW_BAND_MASK);
    CHECK(s == MW_SENSOR_LANDSAT);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_SR_B1.TIF", &s, &res) == -1);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_ST_B10.TIF", &s, &res) == -1);
    CHECK(mw_io_role_from_filename("LC08_L2SP_227065_20210630_20210708_02_T1_QA_RADSAT.TIF", &s, &res) == -1);
    CHECK(mw_io_role_from_filename("T20LQR_20210630T100000_B8A_20m.jp2", &s, &res) == -1);
    CHECK(mw_io_role_from_filename("T20LQR_20210630T100000_TCI_10m.jp2", &s, &res) == -1);
    CHECK(mw_io_role_from_filename("red.tif", &s, &res) == MW_BAND_RED && s == MW_SENSOR_AUTO);

    CHECK(mw_io_sensor_from_name("S2A_MSIL2A_20200219T112111_N0214_R037_T29RKH_20200219T123947.SAFE") ==
          MW_SENSOR_SENTINEL2);
    CHECK(mw_io_sensor_from_name("T29RKH_20200219_B02.tif") == MW_SENSOR_SENTINEL2);
    CHECK(mw_io_sensor_from_name("LC09_L2SP_001062_20220101_20220102_02_T1") == MW_SENSOR_LANDSAT);
    CHECK(mw_io_sensor_from_name("stack.tif") == MW_SENSOR_AUTO);
    CHECK(mw_io_sensor_from_name("TEST_stack.tif") == MW_SENSOR_AUTO);
}

static void test_band_map(void)
{
    int idx[MW_BAND_ROLE_COUNT];
    CHECK(mw_io_parse_band_map("blue=1,green=2,red=3,nir=4,swir1=5,swir2=6,mask=7", 7, "x.tif", idx) == MW_OK);
    CHECK(idx[MW_BAND_BLUE] == 1 && idx[MW_BAND_NIR] == 4 && idx[MW_BAND_MASK] == 7);
    CHECK(mw_io_parse_band_map(" red = 3 , nir=1,blue=2,green=4 ", 4, "x.tif", idx) == MW_OK);
    CHECK(idx[MW_BAND_RED] == 3 && idx[MW_BAND_NIR] == 1 && idx[MW_BAND_SWIR1] == 0 && idx[MW_BAND_MASK] == 0);
    CHECK(mw_io_parse_band_map("NIR=4,Blue=1,green=2,red=3", 0, NULL, idx) == MW_OK && idx[MW_BAND_NIR] == 4);

    mw_error_reset();
    CHECK(mw_io_parse_band_map("blue=1,green=2,red=3,nir=9", 6, "x.tif", idx) == MW_ERR_BAND);
    CHECK(strstr(mw_last_error(), "x.tif") && strstr(mw_last_error(), "nir=9") &&
          strstr(mw_last_error(), "6 bands"));
    CHECK(mw_io_parse_band_map("blue=1,purple=2", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(strstr(mw_last_error(), "unknown band role 'purple'") != NULL);
    CHECK(mw_io_parse_band_map("blue=1,blue=2", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(strstr(mw_last_error(), "given twice") != NULL);
    CHECK(mw_io_parse_band_map("blue=0", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(mw_io_parse_band_map("blue=x", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(mw_io_parse_band_map("blue", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(mw_io_parse_band_map("blue=1;green=2", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(mw_io_parse_band_map("", 6, "x.tif", idx) == MW_ERR_USAGE);
    CHECK(mw_io_parse_band_map("=3", 6, "x.tif", idx) == MW_ERR_USAGE);
}

static void test_dates(void)
{
    char d[11];
    CHECK(mw_io_date_valid(2024, 2, 29) && !mw_io_date_valid(2023, 2, 29));
    CHECK(!mw_io_date_valid(1900, 2, 29) && mw_io_date_valid(2000, 2, 29));
    CHECK(!mw_io_date_valid(2021, 13, 1) && !mw_io_date_valid(2021, 4, 31) && !mw_io_date_valid(2021, 0, 1));

    CHECK(mw_io_date_normalise("2021-06-30", d) && strcmp(d, "2021-06-30") == 0);
    CHECK(mw_io_date_normalise("20210630", d) && strcmp(d, "2021-06-30") == 0);
    CHECK(mw_io_date_normalise("2020-02-19T11:34:25.405000Z", d) && strcmp(d, "2020-02-19") == 0);
    CHECK(mw_io_date_normalise("2019-01-01/2019-12-31", d) && strcmp(d, "2019-12-31") == 0);
    CHECK(mw_io_date_normalise("2021/06/30", d) && strcmp(d, "2021-06-30") == 0);
    CHECK(!mw_io_date_normalise("2021-02-30", d));
    CHECK(!mw_io_date_normalise("20211301", d));
    CHECK(!mw_io_date_normalise("June 30", d));
    CHECK(!mw_io_date_normalise("2021-06-3", d));
    CHECK(!mw_io_date_normalise("202106301", d));

    CHECK(mw_io_date_from_name("LC08_L2SP_227065_20210630_20210708_02_T1_SR_B2.TIF", d) &&
          strcmp(d, "2021-06-30") == 0);
    CHECK(mw_io_date_from_name("S2A_MSIL2A_20200219T112111_N0214_R037_T29RKH_20200219T123947.SAFE", d) &&
          strcmp(d, "2020-02-19") == 0);
    CHECK(mw_io_date_from_name("T20LQR_20210630T100000_B02_10m.tif", d) && strcmp(d, "2021-06-30") == 0);
    CHECK(mw_io_date_from_name("nanjing_LT5_20000503.tif", d) && strcmp(d, "2000-05-03") == 0);
    /* 9-digit runs and invalid dates are skipped, the next token is taken */
    CHECK(mw_io_date_from_name("x_123456789_20211399_20211231.tif", d) && strcmp(d, "2021-12-31") == 0);
    CHECK(!mw_io_date_from_name("human_0_t0.tif", d));
    CHECK(!mw_io_date_from_name("B02.tif", d));
}

static void test_metadata_text(void)
{
    mw_s2_meta m;
    mw_io_s2_meta_init(&m);
    mw_io_s2_meta_from_mtd_text(
        "<?xml version=\"1.0\"?><n1:Level-2A_User_Product xmlns:n1=\"x\"><General_Info><Product_Info>"
        "<PRODUCT_START_TIME>2022-03-01T10:20:31.024Z</PRODUCT_START_TIME>"
        "<PROCESSING_BASELINE>04.00</PROCESSING_BASELINE>"
        "<Datatake datatakeIdentifier=\"x\"><SPACECRAFT_NAME>Sentinel-2B</SPACECRAFT_NAME></Datatake>"
        "</Product_Info><Product_Image_Characteristics><QUANTIFICATION_VALUES_LIST>"
        "<BOA_QUANTIFICATION_VALUE unit=\"none\">10000</BOA_QUANTIFICATION_VALUE>"
        "</QUANTIFICATION_VALUES_LIST><BOA_ADD_OFFSET_VALUES_LIST>"
        "<BOA_ADD_OFFSET band_id=\"0\">-1000</BOA_ADD_OFFSET>"
        "<BOA_ADD_OFFSET band_id=\"3\">-900</BOA_ADD_OFFSET>"
        "</BOA_ADD_OFFSET_VALUES_LIST></Product_Image_Characteristics></General_Info></n1:Level-2A_User_Product>",
        &m);
    CHECK_STR(m.date, "2022-03-01");
    CHECK_STR(m.spacecraft, "Sentinel-2B");
    CHECK(m.have_baseline && fabs(m.baseline - 4.0) < 1e-12);
    CHECK(m.have_boa_offset && m.boa_offset[MW_BAND_BLUE] == -1000 && m.boa_offset[MW_BAND_RED] == -900);
    CHECK(m.have_quantification && m.quantification == 10000);

    mw_landsat_meta l;
    mw_io_landsat_meta_init(&l);
    mw_io_landsat_meta_from_mtl_text("GROUP = LANDSAT_METADATA_FILE\n"
                                     "  GROUP = IMAGE_ATTRIBUTES\n"
                                     "    SPACECRAFT_ID = \"LANDSAT_9\"\n"
                                     "    DATE_ACQUIRED = 2022-01-10\n"
                                     "  END_GROUP = IMAGE_ATTRIBUTES\n"
                                     "  GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS\n"
                                     "    REFLECTANCE_MULT_BAND_4 = 2.75e-05\n"
                                     "    REFLECTANCE_ADD_BAND_4 = -0.2\n"
                                     "  END_GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS\n"
                                     "  GROUP = LEVEL1_RADIOMETRIC_RESCALING\n"
                                     "    REFLECTANCE_MULT_BAND_4 = 2.0000E-05\n"
                                     "    REFLECTANCE_ADD_BAND_4 = -0.100000\n"
                                     "  END_GROUP = LEVEL1_RADIOMETRIC_RESCALING\n"
                                     "END_GROUP = LANDSAT_METADATA_FILE\nEND\n",
                                     &l);
    CHECK_STR(l.date, "2022-01-10");
    CHECK_STR(l.spacecraft, "LANDSAT_9");
    CHECK(l.have_mult[4] && fabs(l.mult[4] - 2.75e-5) < 1e-15 && l.have_add[4] && l.add[4] == -0.2);
    CHECK(!l.have_mult[5]);
}

static void test_scaling(void)
{
    double sc, off;
    mw_s2_meta m;
    mw_io_s2_meta_init(&m);
    /* nothing known: date decides (2022-01-25 is the first day with offset) */
    mw_io_s2_scaling(&m, "2022-01-24", MW_BAND_RED, &sc, &off);
    CHECK_NEAR(sc, 1e-4, 1e-15);
    CHECK_NEAR(off, 0.0, 1e-15);
    mw_io_s2_scaling(&m, "2022-01-25", MW_BAND_RED, &sc, &off);
    CHECK_NEAR(off, -0.1, 1e-15);
    mw_io_s2_scaling(&m, "", MW_BAND_RED, &sc, &off);
    CHECK_NEAR(off, 0.0, 1e-15);
    /* baseline known wins over the date */
    m.have_baseline = 1;
    m.baseline = 2.14;
    mw_io_s2_scaling(&m, "2023-01-01", MW_BAND_NIR, &sc, &off);
    CHECK_NEAR(off, 0.0, 1e-15);
    m.baseline = 4.0;
    mw_io_s2_scaling(&m, "2021-06-30", MW_BAND_NIR, &sc, &off);
    CHECK_NEAR(off, -0.1, 1e-15);
    m.baseline = 5.09;
    mw_io_s2_scaling(&m, "2021-06-30", MW_BAND_NIR, &sc, &off);
    CHECK_NEAR(off, -0.1, 1e-15);
    /* a stated BOA_ADD_OFFSET wins over the baseline */
    m.have_boa_offset = 1;
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) m.boa_offset[r] = 0;
    mw_io_s2_scaling(&m, "2023-01-01", MW_BAND_NIR, &sc, &off);
    CHECK_NEAR(off, 0.0, 1e-15);
    m.boa_offset[MW_BAND_SWIR1] = -1000;
    m.quantification = 20000;
    mw_io_s2_scaling(&m, "2023-01-01", MW_BAND_SWIR1, &sc, &off);
    CHECK_NEAR(sc, 5e-5, 1e-15);
    CHECK_NEAR(off, -0.05, 1e-15);
    /* STAC raster:bands wins over everything */
    m.have_band_scale[MW_BAND_SWIR1] = 1;
    m.band_scale[MW_BAND_SWIR1] = 1e-4;
    m.band_offset[MW_BAND_SWIR1] = 0;
    mw_io_s2_scaling(&m, "2023-01-01", MW_BAND_SWIR1, &sc, &off);
    CHECK_NEAR(sc, 1e-4, 1e-15);
    CHECK_NEAR(off, 0.0, 1e-15);
    mw_io_s2_scaling(&m, "2023-01-01", MW_BAND_MASK, &sc, &off);
    CHECK(sc == 1.0 && off == 0.0);

    mw_landsat_meta l;
    mw_io_landsat_meta_init(&l);
    mw_io_landsat_scaling(&l, 4, MW_BAND_RED, &sc, &off);
    CHECK_NEAR(sc, 2.75e-5, 1e-15);
    CHECK_NEAR(off, -0.2, 1e-15);
    l.have_mult[5] = l.have_add[5] = 1;
    l.mult[5] = 3e-5;
    l.add[5] = -0.1;
    mw_io_landsat_scaling(&l, 5, MW_BAND_NIR, &sc, &off);
    CHECK_NEAR(sc, 3e-5, 1e-15);
    CHECK_NEAR(off, -0.1, 1e-15);
    /* DN 7273 of SR_B4 -> 7273 * 2.75e-5 - 0.2 = 0.0000075 */
    mw_io_landsat_scaling(NULL, 4, MW_BAND_RED, &sc, &off);
    CHECK_NEAR(7273 * sc + off, 0.0000075, 1e-12);

    mw_io_generic_scaling(0, NAN, MW_BAND_RED, &sc, &off);
    CHECK(sc == 1e-4 && off == 0);
    mw_io_generic_scaling(1, 0.45, MW_BAND_RED, &sc, &off);
    CHECK(sc == 1.0);
    mw_io_generic_scaling(1, 3500.0, MW_BAND_RED, &sc, &off);
    CHECK(sc == 1e-4);
    mw_io_generic_scaling(1, NAN, MW_BAND_RED, &sc, &off);
    CHECK(sc == 1.0);
}

static void test_masks(void)
{
    /* SCL classes 0..11: invalid 0,1,3,8,9,10,11; valid 2,4,5,6,7 */
    float scl[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, NAN};
    uint8_t v[13];
    const uint8_t want_scl[13] = {0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    mw_mask_decode_row(MW_MASK_SCL, scl, v, 13);
    for (int i = 0; i < 13; i++) CHECK(v[i] == want_scl[i]);
    /* Values that are no SCL class (a corrupt band) are invalid, not clear. */
    float bad_scl[5] = {12, 15, 99, 200, 255};
    mw_mask_decode_row(MW_MASK_SCL, bad_scl, v, 5);
    for (int i = 0; i < 5; i++) CHECK(v[i] == 0);

    /* QA_PIXEL words (bits set): 21824 clear land (6,8,10,12,14); 21952
     * clear water (6,7,8,...); 1 fill (0); 55052 (2,3,8,9,...) cirrus +
     * cloud; 22280 (3,...) cloud; 23888 (4,...) shadow; 54596 (2,...)
     * cirrus; 13600 (5,...) snow; 21826 (1,6,...) dilated cloud. */
    float qa[9] = {21824, 21952, 1, 55052, 22280, 23888, 54596, 13600, 21826};
    const uint8_t want_qa[9] = {1, 1, 0, 0, 0, 0, 0, 0, 0};
    mw_mask_decode_row(MW_MASK_QA_PIXEL, qa, v, 9);
    for (int i = 0; i < 9; i++) {
        if (v[i] != want_qa[i]) fprintf(stderr, "QA value %g: got %d\n", qa[i], v[i]);
        CHECK(v[i] == want_qa[i]);
    }
    float any[3] = {0, 12345, NAN};
    mw_mask_decode_row(MW_MASK_NONE, any, v, 3);
    CHECK(v[0] == 1 && v[1] == 1 && v[2] == 0);
}

static void test_names(void)
{
    CHECK_STR(mw_sensor_name(MW_SENSOR_SENTINEL2), "sentinel2");
    CHECK_STR(mw_sensor_name(MW_SENSOR_LANDSAT), "landsat");
    CHECK_STR(mw_sensor_name(MW_SENSOR_GENERIC), "generic");
    CHECK_STR(mw_band_role_name(MW_BAND_SWIR1), "swir1");
    CHECK_STR(mw_band_role_name(MW_BAND_MASK), "mask");
    CHECK_STR(mw_mask_kind_name(MW_MASK_QA_PIXEL), "QA_PIXEL");
    CHECK_STR(mw_mask_kind_name(MW_MASK_NONE), "none");
    mw_scene *s = (mw_scene *)1;
    CHECK(mw_scene_open(NULL, NULL, &s) == MW_ERR_USAGE && s == NULL);
    mw_scene_destroy(NULL);
}

int main(void)
{
    test_band_names();
    test_file_names();
    test_band_map();
    test_dates();
    test_metadata_text();
    test_scaling();
    test_masks();
    test_names();
    MW_TEST_DONE();
}
