/* Small helpers shared by the sub-commands. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

void mw_cli_status_counts(const struct mw_scan_result *res, char *buf, int size)
{
    static const char *const names[] = {"new", "growing", "persisting", "inactive", "unobserved"};
    int len = snprintf(buf, (size_t)size, " (");
    for (int i = 0; i < 5 && len < size; i++)
        len += snprintf(buf + len, (size_t)(size - len), "%s%d %s", i ? ", " : "",
                        mw_scan_result_status_count(res, names[i]), names[i]);
    if (len < size) snprintf(buf + len, (size_t)(size - len), ")");
}

int mw_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
