/*
 * Dates: validation, ISO normalisation and YYYYMMDD tokens in names.
 * Pure string work.
 */
#include "io/mw_io_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int mw_io_date_valid(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1950 || y > 2199 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

/* Read exactly n digits at p into *v; 1 on success. */
static int digits(const char *p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) return 0;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return 1;
}

static int format(int y, int m, int d, char out[11])
{
    if (!mw_io_date_valid(y, m, d)) return 0;
    const int parts[3] = {y, m, d}, widths[3] = {4, 2, 2};
    int k = 0;
    for (int i = 0; i < 3; i++) {
        if (i) out[k++] = '-';
        for (int w = widths[i] - 1, v = parts[i]; w >= 0; w--, v /= 10) out[k + w] = (char)('0' + v % 10);
        k += widths[i];
    }
    out[k] = '\0';
    return 1;
}

/* One date at the start of s; *end receives where it stopped. */
static int parse_one(const char *s, char out[11], const char **end)
{
    int y, m, d;
    if (digits(s, 4, &y) && (s[4] == '-' || s[4] == '/') && digits(s + 5, 2, &m) && s[7] == s[4] &&
        digits(s + 8, 2, &d)) {
        if (isdigit((unsigned char)s[10])) return 0;
        *end = s + 10;
        return format(y, m, d, out);
    }
    if (digits(s, 8, &y) && !isdigit((unsigned char)s[8])) {
        m = (y / 100) % 100;
        d = y % 100;
        y /= 10000;
        *end = s + 8;
        return format(y, m, d, out);
    }
    return 0;
}

int mw_io_date_normalise(const char *in, char out[11])
{
    if (!in) return 0;
    while (isspace((unsigned char)*in) || *in == '"') in++;
    const char *end = NULL;
    char first[11];
    if (!parse_one(in, first, &end)) return 0;
    /* time part "Thh:mm:ss..." or " hh:mm" is accepted and ignored */
    if (*end == 'T' || *end == 't' || *end == ' ' || *end == '\0' || *end == '"' || *end == 'Z') {
        memcpy(out, first, 11);
        return 1;
    }
    if (*end == '/') { /* a period start/end: the end date */
        char second[11];
        const char *end2 = NULL;
        if (!parse_one(end + 1, second, &end2)) return 0;
        memcpy(out, second, 11);
        return 1;
    }
    return 0;
}

int mw_io_date_from_name(const char *name, char out[11])
{
    if (!name) return 0;
    for (const char *p = name; *p; p++) {
        if (!isdigit((unsigned char)*p)) continue;
        const char *q = p;
        while (isdigit((unsigned char)*q)) q++;
        if (q - p == 8) {
            int v = 0;
            digits(p, 8, &v);
            if (format(v / 10000, (v / 100) % 100, v % 100, out)) return 1;
        }
        p = q - 1;
    }
    return 0;
}
