/* Small helpers shared by the sub-commands. */
#include <math.h>
#include <signal.h>
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

/* "0...10...20...30...40...50...60...70...80...90...100 - done." as GDAL's
 * tools; returns 0 (cancel) once *stop is set. */
int mw_cli_bar_progress(double done, const char *msg, void *arg)
{
    (void)msg;
    mw_cli_bar *p = arg;
    if (p->stop && *p->stop) return 0;
    if (p->quiet) return 1;
    int tick = (int)floor(done * 40.0 + 1e-9);
    if (tick > 40) tick = 40;
    while (p->last < tick) {
        p->last++;
        if (p->last % 4 == 0)
            fprintf(stderr, "%d", p->last / 4 * 10);
        else
            fputc('.', stderr);
    }
    if (tick == 40 && p->last == 40) {
        fputs(" - done.\n", stderr);
        p->last = 41;
    }
    fflush(stderr);
    return 1;
}
