/*
 * minewatch monitor SCENE... -o DIR [options]
 *
 * Opens every scene, runs the series (library: mw_monitor), prints one
 * line per step with its status counts. Takes the scan options that make
 * sense for a series (not --change-raster, --previous, --before-date).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct bar {
    int quiet, last;
} bar;

static int progress_cb(double done, const char *msg, void *arg)
{
    (void)msg;
    bar *p = arg;
    if (interrupted) return 0;
    if (p->quiet) return 1;
    int tick = (int)floor(done * 40.0 + 1e-9);
    if (tick > 40) tick = 40;
    while (p->last < tick) {
        p->last++;
        if (p->last % 4 == 0) fprintf(stderr, "%d", p->last / 4 * 10);
        else fputc('.', stderr);
    }
    if (tick == 40 && p->last == 40) {
        fputs(" - done.\n", stderr);
        p->last = 41;
    }
    fflush(stderr);
    return 1;
}

static int number(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(*out)) return mw_cli_usage_error("%s: '%s' is not a number", opt, s), 0;
    return 1;
}

static int sensor_of(const char *s, mw_sensor *out)
{
    static const char *const names[] = {"auto", "sentinel2", "landsat", "generic"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) return *out = (mw_sensor)i, 1;
    return 0;
}

/* One option at argv[*i] into @p opt / @p args; returns 0 ok, else the exit code. */
static int parse_option(int argc, char **argv, int *i, mw_options *opt, mw_scene_open_args *args, int *quiet,
                        const char **outdir)
{
    const char *a = argv[*i];
    static const struct { const char *name; mw_option key; int kind; } table[] = {
        {"--aoi", MW_OPT_AOI, 's'}, {"--protected", MW_OPT_PROTECTED, 's'}, {"--model", MW_OPT_MODEL, 's'},
        {"--min-area", MW_OPT_MIN_AREA_HA, 'd'}, {"--min-confidence", MW_OPT_MIN_CONFIDENCE, 'd'},
        {"--threads", MW_OPT_THREADS, 'i'}, {"--tile-size", MW_OPT_TILE_SIZE, 'i'}};
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) return *quiet = 1, 0;
    if (*i + 1 >= argc) return mw_cli_usage_error("%s needs a value", a);
    const char *v = argv[++*i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) return *outdir = v, 0;
    if (!strcmp(a, "--band-map")) return args->band_map = v, 0;
    if (!strcmp(a, "--sensor")) {
        if (sensor_of(v, &args->sensor)) return 0;
        return mw_cli_usage_error("--sensor: '%s' is not one of auto, sentinel2, landsat, generic", v);
    }
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        if (strcmp(a, table[k].name)) continue;
        double d = 0;
        if (table[k].kind != 's' && !number(a, v, &d)) return 2;
        if (table[k].kind == 'i' && (d != floor(d) || d < 1))
            return mw_cli_usage_error("%s must be a whole number of at least 1, not '%s'", a, v);
        mw_status st = table[k].kind == 's'   ? mw_options_set_string(opt, table[k].key, v)
                       : table[k].kind == 'd' ? mw_options_set_double(opt, table[k].key, d)
                                              : mw_options_set_int(opt, table[k].key, (long)d);
        return st == MW_OK ? 0 : mw_cli_usage_error("%s", mw_last_error());
    }
    return mw_cli_usage_error("monitor: unknown option '%s'", a);
}

static void print_steps(const mw_monitor_result *r, const char *outdir)
{
    static const char *const names[] = {"new", "growing", "persisting", "inactive", "unobserved"};
    for (int k = 0; k < mw_monitor_result_steps(r); k++) {
        fprintf(stderr, "minewatch: %s:", mw_monitor_result_step_date(r, k));
        for (int i = 0; i < 5; i++)
            fprintf(stderr, "%s %d %s", i ? "," : "", mw_monitor_result_step_count(r, k, names[i]), names[i]);
        fputc('\n', stderr);
    }
    fprintf(stderr, "minewatch: %d site%s over %d step%s -> %s\n", mw_monitor_result_sites(r),
            mw_monitor_result_sites(r) == 1 ? "" : "s", mw_monitor_result_steps(r),
            mw_monitor_result_steps(r) == 1 ? "" : "s", outdir);
}

int mw_cli_monitor(int argc, char **argv)
{
    mw_options *opt = mw_options_new();
    const char **paths = calloc((size_t)argc, sizeof *paths);
    mw_scene **scenes = calloc((size_t)argc, sizeof *scenes);
    mw_scene_open_args args = {0};
    const char *outdir = NULL;
    int n = 0, quiet = 0, rc = 0;
    if (!opt || !paths || !scenes) {
        mw_cli_error("out of memory");
        rc = 1;
    }
    for (int i = 1; i < argc && !rc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) rc = parse_option(argc, argv, &i, opt, &args, &quiet, &outdir);
        else paths[n++] = argv[i];
    }
    if (!rc && n < 2) rc = mw_cli_usage_error("monitor needs at least two scenes of one place");
    if (!rc && !outdir) rc = mw_cli_usage_error("monitor needs an output folder: -o DIR");
    for (int i = 0; i < n && !rc; i++)
        if (mw_scene_open(paths[i], &args, &scenes[i]) != MW_OK) {
            mw_cli_error("%s", mw_last_error());
            rc = 1;
        }
    if (!rc) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        bar p = {.quiet = quiet, .last = -1};
        mw_monitor_result *r = NULL;
        mw_status st = mw_monitor(scenes, n, opt, outdir, progress_cb, &p, &r);
        if (!quiet && p.last >= 0 && p.last <= 40) fputc('\n', stderr);
        if (st == MW_ERR_USAGE) {
            rc = mw_cli_usage_error("%s", mw_last_error());
        } else if (st != MW_OK) {
            mw_cli_error("%s", st == MW_ERR_CANCELLED && interrupted ? "interrupted: no output written"
                                                                     : mw_last_error());
            rc = 1;
        } else if (!quiet) {
            print_steps(r, outdir);
        }
        mw_monitor_result_free(r);
    }
    for (int i = 0; i < n; i++) mw_scene_destroy(scenes[i]);
    free(scenes);
    free(paths);
    mw_options_free(opt);
    return rc;
}
