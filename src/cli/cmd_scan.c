/*
 * minewatch scan BEFORE AFTER -o ALERTS [options]
 *
 * Parses the command line into a library options object, opens both
 * scenes, runs the scan with a GDAL-style progress bar on stderr, and turns
 * SIGINT/SIGTERM into a clean cancellation (the library removes its
 * temporary files; no output is left).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct term_progress {
    int quiet;
    int last;  /* last tick printed, in 2.5 % steps */
} term_progress;

/* "0...10...20...30...40...50...60...70...80...90...100 - done." as GDAL's tools. */
static int progress_cb(double done, const char *msg, void *arg)
{
    (void)msg;
    term_progress *p = arg;
    if (interrupted) return 0;
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

static int parse_long(const char *opt, const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return mw_cli_usage_error("%s: '%s' is not a whole number", opt, s), 0;
    *out = v;
    return 1;
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return mw_cli_usage_error("%s: '%s' is not a number", opt, s), 0;
    *out = v;
    return 1;
}

static int parse_sensor(const char *s, mw_sensor *out)
{
    static const struct { const char *name; mw_sensor v; } names[] = {
        {"auto", MW_SENSOR_AUTO}, {"sentinel2", MW_SENSOR_SENTINEL2},
        {"landsat", MW_SENSOR_LANDSAT}, {"generic", MW_SENSOR_GENERIC}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].v;
            return 1;
        }
    return 0;
}

/* "minewatch scan ..." as typed, shell-quoted where needed, for the evidence
 * manifest; malloc'ed. */
static char *command_line(int argc, char **argv)
{
    /* argv here starts at the sub-command: "minewatch" is put back in front */
    size_t n = strlen("minewatch") + 1;
    for (int i = 0; i < argc; i++) n += 3 + 4 * strlen(argv[i]);
    char *s = malloc(n), *p = s;
    if (!s) return NULL;
    p += sprintf(p, "minewatch");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%", *c)) plain = 0;
        *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') p += sprintf(p, "'\\''");
            else *p++ = *c;
        }
        *p++ = '\'';
        *p = '\0';
    }
    return s;
}

int mw_cli_scan(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *out_path = NULL;
    int npos = 0, quiet = 0, timings = 0;
    mw_scene_open_args before_args = {0}, after_args = {0};
    mw_options *opt = mw_options_new();
    if (!opt) {
        mw_cli_error("out of memory");
        return 1;
    }
    int rc = 0;
#define NEED_VALUE()                                                              \
    do {                                                                          \
        if (i + 1 >= argc) { rc = mw_cli_usage_error("%s needs a value", a); goto out; } \
        v = argv[++i];                                                            \
    } while (0)
#define SET(call)                                                         \
    do {                                                                  \
        if ((call) != MW_OK) { rc = mw_cli_usage_error("%s", mw_last_error()); goto out; } \
    } while (0)

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        long l;
        double d;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            NEED_VALUE();
            out_path = v;
            SET(mw_options_set_string(opt, MW_OPT_OUTPUT, v));
        } else if (!strcmp(a, "--sensor")) {
            NEED_VALUE();
            if (!parse_sensor(v, &before_args.sensor)) {
                rc = mw_cli_usage_error("--sensor: '%s' is not one of auto, sentinel2, landsat, generic", v);
                goto out;
            }
            after_args.sensor = before_args.sensor;
        } else if (!strcmp(a, "--band-map")) {
            NEED_VALUE();
            before_args.band_map = after_args.band_map = v;
        } else if (!strcmp(a, "--before-date")) {
            NEED_VALUE();
            before_args.date = v;
        } else if (!strcmp(a, "--after-date")) {
            NEED_VALUE();
            after_args.date = v;
        } else if (!strcmp(a, "--aoi")) {
            NEED_VALUE();
            SET(mw_options_set_string(opt, MW_OPT_AOI, v));
        } else if (!strcmp(a, "--protected")) {
            NEED_VALUE();
            SET(mw_options_set_string(opt, MW_OPT_PROTECTED, v));
        } else if (!strcmp(a, "--model")) {
            NEED_VALUE();
            SET(mw_options_set_string(opt, MW_OPT_MODEL, v));
        } else if (!strcmp(a, "--evidence")) {
            NEED_VALUE();
            SET(mw_options_set_string(opt, MW_OPT_EVIDENCE, v));
        } else if (!strcmp(a, "--change-raster")) {
            NEED_VALUE();
            SET(mw_options_set_string(opt, MW_OPT_CHANGE_RASTER, v));
        } else if (!strcmp(a, "--min-area")) {
            NEED_VALUE();
            if (!parse_double(a, v, &d)) { rc = 2; goto out; }
            SET(mw_options_set_double(opt, MW_OPT_MIN_AREA_HA, d));
        } else if (!strcmp(a, "--min-confidence")) {
            NEED_VALUE();
            if (!parse_double(a, v, &d)) { rc = 2; goto out; }
            SET(mw_options_set_double(opt, MW_OPT_MIN_CONFIDENCE, d));
        } else if (!strcmp(a, "--threads")) {
            NEED_VALUE();
            if (!parse_long(a, v, &l)) { rc = 2; goto out; }
            if (l < 1) { rc = mw_cli_usage_error("--threads must be at least 1, not %ld", l); goto out; }
            SET(mw_options_set_int(opt, MW_OPT_THREADS, l));
        } else if (!strcmp(a, "--tile-size")) {
            NEED_VALUE();
            if (!parse_long(a, v, &l)) { rc = 2; goto out; }
            SET(mw_options_set_int(opt, MW_OPT_TILE_SIZE, l));
        } else if (!strcmp(a, "--timings")) {
            timings = 1;
            SET(mw_options_set_int(opt, MW_OPT_TIMINGS, 1));
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = mw_cli_usage_error("scan: unknown option '%s'", a);
            goto out;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            rc = mw_cli_usage_error("scan: unexpected argument '%s'", a);
            goto out;
        }
    }
    if (npos < 2) {
        rc = mw_cli_usage_error("scan needs BEFORE and AFTER scenes");
        goto out;
    }
    if (!out_path) {
        /* A scan that writes nothing helps nobody. */
        rc = mw_cli_usage_error("scan needs an output file: -o ALERTS.geojson");
        goto out;
    }

    char *cmdline = command_line(argc, argv);
    if (!cmdline || mw_options_set_string(opt, MW_OPT_COMMAND_LINE, cmdline) != MW_OK) {
        free(cmdline);
        mw_cli_error("out of memory");
        rc = 1;
        goto out;
    }
    free(cmdline);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mw_scene *before = NULL, *after = NULL;
    mw_scan_result *res = NULL;
    if (mw_scene_open(pos[0], &before_args, &before) != MW_OK ||
        mw_scene_open(pos[1], &after_args, &after) != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        rc = 1;
    } else {
        term_progress p = {.quiet = quiet, .last = -1};
        mw_status st = mw_scan(before, after, opt, progress_cb, &p, &res);
        if (!quiet && p.last >= 0 && p.last <= 40) fputc('\n', stderr);
        if (st != MW_OK) {
            if (st == MW_ERR_CANCELLED && interrupted)
                mw_cli_error("interrupted: no output written");
            else
                mw_cli_error("%s", mw_last_error());
            rc = st == MW_ERR_USAGE ? 2 : 1;  /* a refused output path is a usage error */
        } else {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
            if (mw_scan_result_warnings(res)) fprintf(stderr, "minewatch: warning: %s\n", mw_scan_result_warnings(res));
            if (timings && mw_scan_result_timings(res))
                fprintf(stderr, "minewatch: timings: %s\n", mw_scan_result_timings(res));
            if (!quiet) {
                int n = mw_scan_result_alert_count(res);
                fprintf(stderr, "minewatch: %d alert%s, %.2f ha, %lld pixels in %.2f s -> %s\n", n,
                        n == 1 ? "" : "s", mw_scan_result_alert_area_ha(res),
                        mw_scan_result_pixels(res), secs, out_path);
            }
            if (!quiet && mw_scan_result_evidence_fingerprint(res))
                fprintf(stderr, "minewatch: evidence package sealed: SHA-256 of SHA256SUMS %s\n",
                        mw_scan_result_evidence_fingerprint(res));
        }
    }
    mw_scan_result_free(res);
    mw_scene_destroy(before);
    mw_scene_destroy(after);
out:
    mw_options_free(opt);
    return rc;
#undef NEED_VALUE
#undef SET
}
