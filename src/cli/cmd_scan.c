/*
 * minewatch scan BEFORE... AFTER -o ALERTS [options]
 *
 * Parses the command line into a library options object, opens both
 * scenes, runs the scan (mw_scan_run) with a GDAL-style progress bar on
 * stderr, writes the alert set (mw_alert_set_write), and turns
 * SIGINT/SIGTERM into a clean cancellation (the library removes its
 * temporary files; no output is left).
 */
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

/* YYYY-MM-DD or YYYYMMDD, a day that exists (the library checks again;
 * here the message can name the option and the exit is a usage error). */
static int valid_date(const char *s)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, n = 0;
    size_t len = strlen(s);
    if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && s[4] == '-' && s[7] == '-') {
    } else if (len == 8 && strspn(s, "0123456789") == 8) {
        long v = strtol(s, NULL, 10);
        y = (int)(v / 10000), m = (int)(v / 100 % 100), d = (int)(v % 100);
    } else {
        return 0;
    }
    if (strspn(s, "0123456789-") != len) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1950 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
}

const char mw_cli_scan_help[] =
    "Usage: minewatch scan BEFORE... AFTER -o ALERTS [options]\n"
    "\n"
    "Find candidate mining sites between the BEFORE and AFTER acquisitions of the\n"
    "same place and write them as alerts. Progress goes to stderr. With several\n"
    "BEFORE scenes the baseline is each pixel's median over the clear ones.\n"
    "\n"
    "Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
    "  -o, --output FILE        alerts; the format follows the extension: .geojson\n"
    "                           (RFC 7946), .gpkg, .shp, .kml, .fgb, .csv\n"
    "  --sensor S               auto (default), sentinel2, landsat, generic\n"
    "  --band-map M             blue=1,green=2,red=3,nir=4,swir1=5,swir2=6[,mask=7]\n"
    "  --before-date D          acquisition date of BEFORE (YYYY-MM-DD or YYYYMMDD)\n"
    "  --after-date D           acquisition date of AFTER\n"
    "  --aoi FILE               only scan inside these polygons (any OGR format)\n"
    "  --protected FILE         tag alerts with the protected area they fall in\n"
    "  --min-area HA            smallest alert in hectares (default 0.5)\n"
    "  --min-confidence P       smallest confidence 0..1 (default 0.5)\n"
    "  --model FILE             model file (default: the installed <sensor>.json)\n"
    "  --threads N              worker threads (default: all cores)\n"
    "  --tile-size PX           tile edge in pixels, 16..8192 (default 512)\n"
    "  --change-raster FILE.tif change classes and index changes as a GeoTIFF\n"
    "  --evidence DIR           also write an evidence package into DIR (new or empty):\n"
    "                           per-alert chips and GeoTIFFs, report.html, alerts.kmz,\n"
    "                           alerts.gpx, manifest.json (SHA-256 of every input),\n"
    "                           SHA256SUMS; check it later with 'minewatch verify DIR'\n"
    "  --previous FILE          an earlier run's alerts (any format minewatch writes):\n"
    "                           keep site ids, add site_id, status (new, growing,\n"
    "                           persisting, inactive, unobserved), first_seen,\n"
    "                           last_seen, n_detections, area_change_ha, merged_ids\n"
    "  --timings                print where the time went (stderr)\n"
    "  -q, --quiet              no progress and no summary\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 success (also with zero alerts), 1 the run failed, 2 usage error.\n";

enum {
    OPT_OUTPUT = 1, OPT_SENSOR, OPT_BAND_MAP, OPT_BEFORE_DATE, OPT_AFTER_DATE, OPT_CHANGE_RASTER,
    OPT_TIMINGS, OPT_QUIET, OPT_EVIDENCE, OPT_PREVIOUS
};

static const mw_cli_option scan_options[] = {
    {"--output", 'o', 1, OPT_OUTPUT},
    {"--sensor", 0, 1, OPT_SENSOR},
    {"--band-map", 0, 1, OPT_BAND_MAP},
    {"--before-date", 0, 1, OPT_BEFORE_DATE},
    {"--after-date", 0, 1, OPT_AFTER_DATE},
    MW_CLI_SCAN_OPTIONS,
    {"--change-raster", 0, 1, OPT_CHANGE_RASTER},
    {"--evidence", 0, 1, OPT_EVIDENCE},
    {"--timings", 0, 0, OPT_TIMINGS},
    {"--quiet", 'q', 0, OPT_QUIET},
    {"--previous", 0, 1, OPT_PREVIOUS},
};

/** What the command line asks of a scan, beyond the library's options. */
/* Before scenes and the after (the library takes at most 64 befores). */
enum { MW_CLI_MAX_SCENES = 65 };

typedef struct scan_args {
    const char *pos[MW_CLI_MAX_SCENES], *out_path, *evidence, *previous;
    int npos, quiet, timings;
    mw_scene_open_args before, after;
} scan_args;

/* One option into @p a / @p opt; 0 or the exit code of a usage error. */
static int apply_option(int id, const char *v, scan_args *a, mw_options *opt)
{
    int shared = mw_cli_apply_scan_option(id, v, opt);
    if (shared >= 0) return shared;
    mw_status st = MW_OK;
    switch (id) {
    case OPT_OUTPUT:
        a->out_path = v;
        st = mw_options_set_string(opt, MW_OPT_OUTPUT, v);
        break;
    case OPT_SENSOR:
        if (mw_cli_parse_sensor("scan", v, &a->before.sensor)) return 2;
        a->after.sensor = a->before.sensor;
        break;
    case OPT_BAND_MAP: a->before.band_map = a->after.band_map = v; break;
    case OPT_BEFORE_DATE:
    case OPT_AFTER_DATE:
        if (!valid_date(v))
            return mw_cli_usage_error("%s: '%s' is not a date (YYYY-MM-DD or YYYYMMDD)",
                                      id == OPT_BEFORE_DATE ? "--before-date" : "--after-date", v);
        *(id == OPT_BEFORE_DATE ? &a->before.date : &a->after.date) = v;
        break;
    case OPT_CHANGE_RASTER: st = mw_options_set_string(opt, MW_OPT_CHANGE_RASTER, v); break;
    case OPT_EVIDENCE:
        a->evidence = v;
        st = mw_options_set_string(opt, MW_OPT_EVIDENCE, v);
        break;
    case OPT_TIMINGS:
        a->timings = 1;
        st = mw_options_set_int(opt, MW_OPT_TIMINGS, 1);
        break;
    case OPT_QUIET: a->quiet = 1; break;
    case OPT_PREVIOUS:
        a->previous = v;
        st = mw_options_set_string(opt, MW_OPT_PREVIOUS, v);
        break;
    default: return mw_cli_usage_error("scan: option %d not handled", id);
    }
    return st == MW_OK ? 0 : mw_cli_usage_error("%s", mw_last_error());
}

typedef struct scan_parse {
    scan_args *a;
    mw_options *opt;
} scan_parse;

static int on_arg(int id, const char *v, void *user)
{
    scan_parse *sp = user;
    scan_args *a = sp->a;
    if (id != MW_CLI_POSITIONAL) return apply_option(id, v, a, sp->opt);
    if (a->npos >= MW_CLI_MAX_SCENES) return mw_cli_usage_error("scan: too many scenes at '%s'", v);
    a->pos[a->npos++] = v;
    return 0;
}

/* The command line into @p a and @p opt: -1 to go on, else the exit code. */
static int parse_scan_args(int argc, char **argv, scan_args *a, mw_options *opt)
{
    mw_cli_parser p;
    mw_cli_parser_init(&p, "scan", mw_cli_scan_help, scan_options,
                       (int)(sizeof scan_options / sizeof scan_options[0]), argc, argv);
    scan_parse sp = {a, opt};
    int rc = mw_cli_parse(&p, on_arg, &sp);
    if (rc >= 0) return rc;
    if (a->npos < 2) return mw_cli_usage_error("scan needs BEFORE and AFTER scenes");
    if (a->npos > 2 && a->before.date)
        return mw_cli_usage_error("--before-date names one before scene: with several, each needs its own date");
    /* A scan that writes nothing helps nobody. */
    if (!a->out_path) return mw_cli_usage_error("scan needs an output file: -o ALERTS.geojson");
    if (a->previous && mw_cli_same_file(a->previous, a->out_path))
        return mw_cli_usage_error("-o %s is the --previous file: write the new alerts to another file", a->out_path);
    return -1;
}

/* Open the before scenes (every positional but the last) and the after. */
static mw_status open_scenes(const scan_args *a, mw_scene **befores, mw_scene **after)
{
    for (int i = 0; i < a->npos - 1; i++) {
        mw_status st = mw_scene_open(a->pos[i], &a->before, &befores[i]);
        if (st != MW_OK) return st;
    }
    return mw_scene_open(a->pos[a->npos - 1], &a->after, after);
}

/* Open the scenes and scan them, with progress and a summary on stderr. */
static int run_scan(const scan_args *a, mw_options *opt)
{
    mw_cli_catch_signals(on_signal);

    int rc = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mw_scene *befores[MW_CLI_MAX_SCENES] = {NULL}, *after = NULL;
    const int nbefore = a->npos - 1;
    mw_context *ctx = NULL;
    mw_alert_set *set = NULL;
    if (mw_context_create(&ctx) != MW_OK || mw_options_set_int(opt, MW_OPT_COMMIT_WITH_ALERTS, 1) != MW_OK ||
        open_scenes(a, befores, &after) != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        rc = 1;
    } else {
        /* Warnings are printed after the progress bar, from the set. */
        mw_cli_bar p = {.quiet = a->quiet, .last = -1, .stop = &interrupted};
        mw_status st = mw_scan_run(ctx, (const mw_scene *const *)befores, nbefore, after, opt, mw_cli_bar_progress, &p,
                                   &set);
        if (!a->quiet && p.last >= 0 && p.last <= 40) fputc('\n', stderr);
        /* The change raster is committed with the alert file. */
        if (st == MW_OK) st = mw_alert_set_write(set, a->out_path);
        if (st != MW_OK) {
            if (st == MW_ERR_CANCELLED && interrupted)
                mw_cli_error("interrupted: no output written");
            else
                mw_cli_error("%s", mw_last_error());
            /* An output that would hurt an input, a bad output name, dates
             * in the wrong order: usage. */
            rc = st == MW_ERR_USAGE || st == MW_ERR_DATE_ORDER ? 2 : 1;
        } else {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
            for (int i = 0; i < mw_alert_set_warning_count(set); i++)
                fprintf(stderr, "minewatch: warning: %s\n", mw_alert_set_warning(set, i));
            if (a->timings && mw_alert_set_timings(set))
                fprintf(stderr, "minewatch: timings: %s\n", mw_alert_set_timings(set));
            if (!a->quiet) {
                int n = mw_alert_set_count(set);
                char counts[160] = "";
                mw_cli_status_counts(set, counts, sizeof counts);
                fprintf(stderr, "minewatch: %d alert%s%s, %.2f ha, %lld pixels in %.2f s -> %s\n", n,
                        n == 1 ? "" : "s", counts, mw_alert_set_area_ha(set), mw_alert_set_pixels(set), secs,
                        a->out_path);
                if (a->evidence)
                    fprintf(stderr, "minewatch: evidence package -> %s (check it with: minewatch verify %s)\n",
                            a->evidence, a->evidence);
            }
        }
    }
    mw_alert_set_destroy(set);
    mw_context_destroy(ctx);
    for (int i = 0; i < nbefore; i++) mw_scene_destroy(befores[i]);
    mw_scene_destroy(after);
    return rc;
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
    mw_options *opt = mw_options_new();
    if (!opt) {
        mw_cli_error("out of memory");
        return 1;
    }
    scan_args a = {0};
    int rc = parse_scan_args(argc, argv, &a, opt);
    char *cmdline = rc < 0 ? command_line(argc, argv) : NULL;
    if (rc < 0 && (!cmdline || mw_options_set_string(opt, MW_OPT_COMMAND_LINE, cmdline) != MW_OK)) {
        mw_cli_error("out of memory");
        rc = 1;
    }
    free(cmdline);
    if (rc < 0) rc = run_scan(&a, opt);
    mw_options_free(opt);
    return rc;
}
