/*
 * Fuzz target: product metadata read from the user's folders,
 * Sentinel-2 MTD_MSIL2A.xml (mw_io_s2_meta_from_mtd_text), Landsat
 * MTL.txt (mw_io_landsat_meta_from_mtl_text), and - through /vsimem/ -
 * STAC item JSON (mw_io_s2_meta_from_stac) and Landsat MTL.json
 * (mw_io_landsat_meta_from_mtl_json), then the reflectance rules fed by
 * what they found.
 *
 * Promises checked: a date found is "" or a real YYYY-MM-DD date; strings
 * stay NUL-terminated inside their fields; the S2 quantification is > 0.
 */
#include "fuzz.h"

#include <cpl_vsi.h>

#include "io/mw_io_internal.h"

static void check_date(const char d[11])
{
    FUZZ_CHECK(memchr(d, '\0', 11) != NULL);
    if (d[0]) {
        FUZZ_CHECK(strlen(d) == 10);
        FUZZ_CHECK(mw_io_date_valid(atoi(d), atoi(d + 5), atoi(d + 8)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);

    mw_s2_meta s2;
    mw_io_s2_meta_init(&s2);
    mw_io_s2_meta_from_mtd_text(text, &s2);
    check_date(s2.date);
    FUZZ_CHECK(memchr(s2.spacecraft, '\0', sizeof s2.spacecraft) != NULL);
    FUZZ_CHECK(s2.quantification > 0);
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        double scale, offset;
        mw_io_s2_scaling(&s2, s2.date[0] ? s2.date : NULL, (mw_band_role)r, &scale, &offset);
    }

    mw_landsat_meta ls;
    mw_io_landsat_meta_init(&ls);
    mw_io_landsat_meta_from_mtl_text(text, &ls);
    check_date(ls.date);
    FUZZ_CHECK(memchr(ls.spacecraft, '\0', sizeof ls.spacecraft) != NULL);
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        double scale, offset;
        mw_io_landsat_scaling(&ls, r + 2, (mw_band_role)r, &scale, &offset);
    }

    /* The same bytes as files: a STAC item and an MTL.json. */
    const char *mem = "/vsimem/fuzz_metadata.json";
    VSILFILE *f = VSIFileFromMemBuffer(mem, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (f) {
        VSIFCloseL(f);
        static const char *const band_files[MW_BAND_ROLE_COUNT] = {"B02.tif", "B03.tif", "B04.tif", "B08.tif",
                                                                   "B11.tif", "B12.tif", NULL};
        mw_io_s2_meta_init(&s2);
        if (mw_io_s2_meta_from_stac(mem, band_files, &s2) == MW_OK) check_date(s2.date);
        FUZZ_CHECK(memchr(s2.spacecraft, '\0', sizeof s2.spacecraft) != NULL);
        mw_io_landsat_meta_init(&ls);
        if (mw_io_landsat_meta_from_mtl_json(mem, &ls) == MW_OK) check_date(ls.date);
        FUZZ_CHECK(memchr(ls.spacecraft, '\0', sizeof ls.spacecraft) != NULL);
        VSIUnlink(mem);
    }
    free(text);
    return 0;
}
