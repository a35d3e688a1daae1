/*
 * Checks on a scene pair before its pixels are read (pair_checks.c).
 */
#ifndef MW_PAIR_CHECKS_H
#define MW_PAIR_CHECKS_H

#include "minewatch/minewatch.h"

/** Append a printf-formatted line to the newline-separated @p *list
 *  (NULL = empty). Returns 0, or -1 when out of memory (list unchanged). */
int mw_warnings_add(char **list, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/**
 * The dates of a pair ("YYYY-MM-DD"; NULL or another form = unknown, not
 * checked): MW_ERR_DATE_ORDER naming both when @p before is later than
 * @p after; a warning in @p *warnings when they are the same day or more
 * than five years apart.
 */
mw_status mw_pair_check_dates(const char *before, const char *after, char **warnings);

/** 1 when both paths name the same file or folder (through links too). */
int mw_pair_same_file(const char *before_path, const char *after_path);

#endif
