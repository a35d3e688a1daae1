/*
 * Fuzz target: --band-map strings (mw_io_parse_band_map).
 *
 * Input: first byte picks the raster's band count (-1 = unknown, 0..10),
 * the rest is the map text. Promises checked: on MW_OK every role index
 * is 0 or a band the raster has, and at least one role is mapped; on an
 * error the status is USAGE or BAND and a message is set.
 */
#include "fuzz.h"

#include "io/mw_io_internal.h"
#include "minewatch/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int nbands = (int)(data[0] % 12) - 1;
    char *map = fuzz_cstr(data + 1, size - 1);
    int index[MW_BAND_ROLE_COUNT];
    mw_status st = mw_io_parse_band_map(map, nbands, (data[0] & 0x80) ? NULL : "fuzz.tif", index);
    if (st == MW_OK) {
        int mapped = 0;
        for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
            FUZZ_CHECK(index[r] >= 0);
            FUZZ_CHECK(nbands <= 0 ? index[r] <= 1000000 : index[r] <= nbands);
            mapped += index[r] > 0;
        }
        FUZZ_CHECK(mapped > 0);
    } else {
        FUZZ_CHECK(st == MW_ERR_USAGE || st == MW_ERR_BAND);
        FUZZ_CHECK(mw_last_error()[0] != '\0');
    }
    free(map);
    return 0;
}
