/*
 * Checks on the pair itself, before any pixel is read: the order and gap
 * of the dates, and the same scene given as both dates. Also the list of
 * warnings a scan returns.
 */
#include "mw_pair_checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mw_error.h"

int mw_warnings_add(char **list, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t old = *list ? strlen(*list) : 0, add = strlen(msg);
    char *s = realloc(*list, old + add + 2);
    if (!s) return -1;
    if (old) s[old++] = '\n';
    memcpy(s + old, msg, add + 1);
    *list = s;
    return 0;
}

/* "YYYY-MM-DD" with the year moved by @p years (29 Feb stays 29 Feb: as a
 * string it still sorts between 28 Feb and 1 Mar). */
static void add_years(const char *date, int years, char out[16])
{
    snprintf(out, 16, "%04d%s", atoi(date) + years, date + 4);
}

mw_status mw_pair_check_dates(const char *before, const char *after, char **warnings)
{
    if (!before || !after || strlen(before) != 10 || strlen(after) != 10) return MW_OK;  /* unknown */
    /* ISO dates sort as strings. */
    int order = strcmp(before, after);
    if (order > 0)
        return mw_error_set(MW_ERR_DATE_ORDER,
                            "the before date %s is later than the after date %s: give the earlier scene "
                            "first (or fix --before-date / --after-date)", before, after);
    if (order == 0)
        return mw_warnings_add(warnings, "both scenes are dated %s: change within one day is rarely "
                               "what a mining scan looks for", before)
                   ? mw_error_set(MW_ERR_NOMEM, "out of memory") : MW_OK;
    char limit[16];
    add_years(before, 5, limit);
    if (strcmp(after, limit) > 0 &&
        mw_warnings_add(warnings, "the dates %s and %s are more than five years apart: regrowth and "
                        "seasons blur what changed in between", before, after))
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    return MW_OK;
}

int mw_pair_same_file(const char *before_path, const char *after_path)
{
    struct stat a, b;
    if (!before_path || !after_path || stat(before_path, &a) || stat(after_path, &b)) return 0;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
