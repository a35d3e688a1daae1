/* Small helpers shared by the sub-commands. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

void mw_cli_status_counts(const mw_alert_set *set, char *buf, int size)
{
    static const char *const names[] = {"new", "growing", "persisting", "inactive", "unobserved"};
    buf[0] = '\0';
    if (mw_alert_set_property_index(set, "status") < 0) return;
    int counts[5] = {0};
    for (int i = 0; i < mw_alert_set_count(set); i++) {
        const char *s = NULL;
        if (mw_alert_get_string(mw_alert_set_get(set, i), "status", &s) != MW_OK || !s) continue;
        for (int k = 0; k < 5; k++) counts[k] += !strcmp(s, names[k]);
    }
    int len = snprintf(buf, (size_t)size, " (");
    for (int k = 0; k < 5 && len < size; k++)
        len += snprintf(buf + len, (size_t)(size - len), "%s%d %s", k ? ", " : "", counts[k], names[k]);
    if (len < size) snprintf(buf + len, (size_t)(size - len), ")");
}

int mw_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
