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

const char mw_cli_monitor_help[] =
    "Usage: minewatch monitor SCENE... -o DIR [options]\n"
    "\n"
    "Run a dated series of one place (scenes in any order; sorted by date) as\n"
    "consecutive pairs, each linked to the one before: every site keeps one\n"
    "site_id and gets a status per date (new, growing, persisting, inactive,\n"
    "unobserved). DIR gets <date>.geojson per step (the later date of the pair),\n"
    "sites.gpkg (one row per site with its history) and timeline.html (each\n"
    "site's area over time). Nothing is written unless the whole series runs.\n"
    "\n"
    "Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
    "  -o, --output DIR         output folder (made if missing)\n"
    "  --sensor S               auto (default), sentinel2, landsat, generic\n"
    "  --band-map M             blue=1,green=2,red=3,nir=4,swir1=5,swir2=6[,mask=7]\n"
    "  --aoi FILE               only scan inside these polygons (any OGR format)\n"
    "  --protected FILE         tag alerts with the protected area they fall in\n"
    "  --min-area HA            smallest new site in hectares (default 0.5)\n"
    "  --min-confidence P       smallest confidence of a new site (default 0.5)\n"
    "  --model FILE             model file (default: the installed <sensor>.json)\n"
    "  --threads N              worker threads (default: all cores)\n"
    "  --tile-size PX           tile edge in pixels, 16..8192 (default 512)\n"
    "  -q, --quiet              no progress and no summary\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 success, 1 the run failed, 2 usage error.\n";

enum { OPT_OUTPUT = 1, OPT_SENSOR, OPT_BAND_MAP, OPT_QUIET };

static const mw_cli_option monitor_options[] = {
    {"--output", 'o', 1, OPT_OUTPUT},       {"--sensor", 0, 1, OPT_SENSOR},
    {"--band-map", 0, 1, OPT_BAND_MAP},     MW_CLI_SCAN_OPTIONS,
    {"--quiet", 'q', 0, OPT_QUIET},
};

/* One option into @p opt / @p args; 0 or the exit code of a usage error. */
static int apply_option(int id, const char *v, mw_options *opt, mw_scene_open_args *args, int *quiet,
                        const char **outdir)
{
    if (id == OPT_QUIET) return *quiet = 1, 0;
    if (id == OPT_OUTPUT) return *outdir = v, 0;
    if (id == OPT_BAND_MAP) return args->band_map = v, 0;
    if (id == OPT_SENSOR) return mw_cli_parse_sensor("monitor", v, &args->sensor) ? 2 : 0;
    int shared = mw_cli_apply_scan_option(id, v, opt);
    if (shared >= 0) return shared;
    return mw_cli_usage_error("monitor: option %d not handled", id);
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
    mw_cli_parser cp;
    mw_cli_parser_init(&cp, "monitor", mw_cli_monitor_help, monitor_options,
                       (int)(sizeof monitor_options / sizeof monitor_options[0]), argc, argv);
    while (!rc) {
        const char *v;
        int k = mw_cli_next(&cp, &v);
        if (k == MW_CLI_END) break;
        if (k == MW_CLI_STOP) rc = cp.rc ? cp.rc : -1;
        else if (k == MW_CLI_POSITIONAL) paths[n++] = v;
        else rc = apply_option(k, v, opt, &args, &quiet, &outdir);
    }
    if (rc == -1) {  /* --help */
        rc = 0;
        goto out;
    }
    if (!rc && n < 2) rc = mw_cli_usage_error("monitor needs at least two scenes of one place");
    if (!rc && !outdir) rc = mw_cli_usage_error("monitor needs an output folder: -o DIR");
    for (int i = 0; i < n && !rc; i++)
        if (mw_scene_open(paths[i], &args, &scenes[i]) != MW_OK) {
            mw_cli_error("%s", mw_last_error());
            rc = 1;
        }
    if (!rc) {
        mw_cli_catch_signals(on_signal);
        mw_cli_bar p = {.quiet = quiet, .last = -1, .stop = &interrupted};
        mw_monitor_result *r = NULL;
        mw_status st = mw_monitor(NULL, scenes, n, opt, outdir, mw_cli_bar_progress, &p, &r);
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
out:
    for (int i = 0; i < n; i++) mw_scene_destroy(scenes[i]);
    free(scenes);
    free(paths);
    mw_options_free(opt);
    return rc;
}
