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
void mw_cli_catch_signals(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

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

int mw_cli_apply_scan_option(int id, const char *v, mw_options *opt)
{
    long l;
    double d;
    mw_status st;
    switch (id) {
    case MW_CLI_OPT_AOI: st = mw_options_set_string(opt, MW_OPT_AOI, v); break;
    case MW_CLI_OPT_PROTECTED: st = mw_options_set_string(opt, MW_OPT_PROTECTED, v); break;
    case MW_CLI_OPT_MODEL: st = mw_options_set_string(opt, MW_OPT_MODEL, v); break;
    case MW_CLI_OPT_MIN_AREA:
        if (mw_cli_parse_double("--min-area", v, &d)) return 2;
        st = mw_options_set_double(opt, MW_OPT_MIN_AREA_HA, d);
        break;
    case MW_CLI_OPT_MIN_CONFIDENCE:
        if (mw_cli_parse_double("--min-confidence", v, &d)) return 2;
        st = mw_options_set_double(opt, MW_OPT_MIN_CONFIDENCE, d);
        break;
    case MW_CLI_OPT_THREADS:
        if (mw_cli_parse_long("--threads", v, &l)) return 2;
        if (l < 1) return mw_cli_usage_error("--threads must be at least 1, not %ld", l);
        st = mw_options_set_int(opt, MW_OPT_THREADS, l);
        break;
    case MW_CLI_OPT_TILE_SIZE:
        if (mw_cli_parse_long("--tile-size", v, &l)) return 2;
        st = mw_options_set_int(opt, MW_OPT_TILE_SIZE, l);
        break;
    default: return -1;
    }
    return st == MW_OK ? 0 : mw_cli_usage_error("%s", mw_last_error());
}
