/*
 * Fuzz target: dates and product names, the strings the user controls
 * through file and folder names and --before-date / --after-date:
 * mw_io_date_normalise, mw_io_date_from_name, mw_io_role_from_band_name,
 * mw_io_role_from_filename, mw_io_sensor_from_name.
 *
 * Promises checked: a date that parses is a real "YYYY-MM-DD" calendar
 * date that normalises to itself; roles are -1..MW_BAND_ROLE_COUNT-1,
 * sensors are valid enum values, resolutions are >= 0.
 */
#include "fuzz.h"

#include <ctype.h>

#include "io/mw_io_internal.h"

static void check_date(const char out[11])
{
    FUZZ_CHECK(strlen(out) == 10);
    for (int i = 0; i < 10; i++)
        FUZZ_CHECK((i == 4 || i == 7) ? out[i] == '-' : isdigit((unsigned char)out[i]));
    int y = atoi(out), m = atoi(out + 5), d = atoi(out + 8);
    FUZZ_CHECK(mw_io_date_valid(y, m, d));
    char again[11];
    FUZZ_CHECK(mw_io_date_normalise(out, again) && strcmp(again, out) == 0);
}

static void check_sensor(mw_sensor s)
{
    FUZZ_CHECK(s == MW_SENSOR_AUTO || s == MW_SENSOR_SENTINEL2 || s == MW_SENSOR_LANDSAT ||
               s == MW_SENSOR_GENERIC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    char out[11];

    memset(out, 'x', sizeof out);
    if (mw_io_date_normalise(s, out)) check_date(out);
    memset(out, 'x', sizeof out);
    if (mw_io_date_from_name(s, out)) check_date(out);

    mw_sensor sensor = (mw_sensor)-1;
    int role = mw_io_role_from_band_name(s, &sensor);
    FUZZ_CHECK(role >= -1 && role < MW_BAND_ROLE_COUNT);
    check_sensor(sensor);

    int res = -1;
    sensor = (mw_sensor)-1;
    role = mw_io_role_from_filename(s, &sensor, &res);
    FUZZ_CHECK(role >= -1 && role < MW_BAND_ROLE_COUNT);
    FUZZ_CHECK(res >= 0);
    check_sensor(sensor);
    FUZZ_CHECK(mw_io_role_from_filename(s, NULL, NULL) == role);

    check_sensor(mw_io_sensor_from_name(s));
    const char *base = mw_io_basename(s);
    FUZZ_CHECK(base >= s && base <= s + strlen(s));
    free(s);
    return 0;
}
