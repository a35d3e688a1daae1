/*
 * Stable alert ids: "mw-<before yyyymmdd>-<after yyyymmdd>-<geohash9>".
 * A 9-character geohash is a cell of about 4.8 m x 4.8 m, so the id depends
 * only on where the site is and on the two dates, never on threads, tiles
 * or the order in which sites were found.
 */
#include "mw_alerts.h"
#include "mw_lineage.h"

#include <math.h>
#include <stdio.h>

static const char geohash_alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";

/* Standard geohash of (lon, lat), @p len characters plus NUL into out. */
static void geohash(double lon, double lat, int len, char *out)
{
    if (!isfinite(lon)) lon = 0.0;
    if (!isfinite(lat)) lat = 0.0;
    if (lon < -180.0) lon = -180.0;
    if (lon > 180.0) lon = 180.0;
    if (lat < -90.0) lat = -90.0;
    if (lat > 90.0) lat = 90.0;
    double lo[2] = {-180.0, -90.0}, hi[2] = {180.0, 90.0}, v[2] = {lon, lat};
    int axis = 0; /* even bits: longitude */
    for (int c = 0; c < len; c++) {
        int idx = 0;
        for (int b = 0; b < 5; b++) {
            double mid = (lo[axis] + hi[axis]) / 2.0;
            idx <<= 1;
            if (v[axis] >= mid) {
                idx |= 1;
                lo[axis] = mid;
            } else {
                hi[axis] = mid;
            }
            axis ^= 1;
        }
        out[c] = geohash_alphabet[idx];
    }
    out[len] = '\0';
}

/* First 8 digits of an ISO date ("2023-05-01", "20230501", "2023-05-01T..."), else zeros. */
static void compact_date(const char *date, char out[9])
{
    int k = 0;
    for (const char *p = date; p && *p && k < 8; p++) {
        if (*p >= '0' && *p <= '9')
            out[k++] = *p;
        else if (*p != '-')
            break;
    }
    if (k != 8) k = 0;
    for (int i = k; i < 8; i++) out[i] = '0';
    out[8] = '\0';
}

/**
 * Write the stable id of a site into @p out (@p size bytes, 64 is plenty):
 * "mw-YYYYMMDD-YYYYMMDD-<geohash of lon/lat, 9 chars>". Dates are ISO
 * "YYYY-MM-DD" (a time part is ignored) or "YYYYMMDD"; NULL or malformed
 * gives "00000000". Non-finite coordinates hash as 0. Truncates to fit
 * @p size. Thread-safe.
 */
void mw_alert_make_id(double lon, double lat, const char *date_before,
                      const char *date_after, char *out, int size)
{
    if (!out || size <= 0) return;
    char b[9], a[9], gh[10];
    compact_date(date_before, b);
    compact_date(date_after, a);
    geohash(lon, lat, 9, gh);
    snprintf(out, (size_t)size, "mw-%s-%s-%s", b, a, gh);
}

/**
 * A site's id across runs: "mws-YYYYMMDD-<geohash9>" from the date it was
 * first seen and the centroid of its first outline, so a rerun on the
 * same inputs gives the same id. Thread-safe.
 */
void mw_site_make_id(double lon, double lat, const char *first_seen, char *out, int size)
{
    if (!out || size <= 0) return;
    char d[9], gh[10];
    compact_date(first_seen, d);
    geohash(lon, lat, 9, gh);
    snprintf(out, (size_t)size, "mws-%s-%s", d, gh);
}
