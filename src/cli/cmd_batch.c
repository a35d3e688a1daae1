/*
 * minewatch batch INPUT -o OUTDIR [scan options] [--pairing consecutive|first] [--shard K/N]
 *
 * Parses the command line (mw_cli_next) into scan and batch options, runs
 * the batch through the library (mw_batch_run, one context for every pair)
 * with progress over the whole batch on stderr, and turns SIGINT/SIGTERM
 * into a clean stop (the pair under way is left pending; a rerun resumes).
 * Exit 0 all pairs done, 1 the batch could not run (or was interrupted),
 * 2 usage, 3 some pairs failed (listed).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct batch_cli {
    const char *input, *outdir;
    int quiet, tty, last_tenth;
} batch_cli;

static void on_message(const char *line, void *user)
{
    batch_cli *b = user;
    if (b->quiet) return;
    fprintf(stderr, "%sminewatch: %s\n", b->tty ? "\r\033[K" : "", line);
}

static void on_warning(const char *line, void *user)
{
    batch_cli *b = user;
    fprintf(stderr, "%sminewatch: warning: %s\n", b->tty && !b->quiet ? "\r\033[K" : "", line);
}

static int on_progress(double done, const char *msg, void *user)
{
    batch_cli *b = user;
    if (interrupted) return 0;
    if (b->quiet) return 1;
    int tenth = (int)floor(done * 10 + 1e-9);
    if (b->tty) fprintf(stderr, "\r\033[K%3.0f%% %s", done * 100, msg);
    else if (tenth > b->last_tenth) fprintf(stderr, "minewatch: %d%% %s\n", tenth * 10, msg);
    if (tenth > b->last_tenth) b->last_tenth = tenth;
    fflush(stderr);
    return 1;
}

const char mw_cli_batch_help[] =
    "Usage: minewatch batch INPUT -o OUTDIR [scan options] [--pairing consecutive|first]\n"
    "                       [--shard K/N]\n"
    "\n"
    "Scan many scene pairs in one process. INPUT is a CSV manifest (before,after\n"
    "columns, optional id,aoi), a folder of scenes (paired by MGRS tile or WRS\n"
    "path/row and date), or a STAC Item/ItemCollection .json. OUTDIR gets\n"
    "pairs/<id>.geojson, batch.json (each pair's state; a rerun resumes or skips\n"
    "what is done) and alerts.geojson + alerts.gpkg (each site once where tiles\n"
    "overlap).\n"
    "\n"
    "Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
    "  -o, --output DIR         the batch folder (new, empty, or this batch's own)\n"
    "  --pairing P              consecutive (default) or first, for a folder INPUT\n"
    "  --shard K/N              run entries K, K+N, ... (0 <= K < N); join with merge\n"
    "  --sensor, --band-map, --aoi, --protected, --model, --min-area,\n"
    "  --min-confidence, --threads, --tile-size   as for scan\n"
    "  -q, --quiet              no progress and no summary\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 all pairs done, 1 the batch could not run, 2 usage error,\n"
    "3 some pairs failed (listed).\n";

enum {
    OPT_OUTPUT = 1, OPT_PAIRING, OPT_SHARD, OPT_SENSOR, OPT_BAND_MAP, OPT_QUIET
};

static const mw_cli_option batch_options[] = {
    {"--output", 'o', 1, OPT_OUTPUT},
    {"--pairing", 0, 1, OPT_PAIRING},
    {"--shard", 0, 1, OPT_SHARD},
    {"--sensor", 0, 1, OPT_SENSOR},
    {"--band-map", 0, 1, OPT_BAND_MAP},
    MW_CLI_SCAN_OPTIONS,
    {"--quiet", 'q', 0, OPT_QUIET},
};

static int parse_shard(const char *s, mw_batch_options *bo)
{
    int k, n;
    char extra;
    if (sscanf(s, "%d/%d%c", &k, &n, &extra) != 2 || mw_batch_options_set_shard(bo, k, n) != MW_OK)
        return mw_cli_usage_error("--shard: '%s' is not K/N with 0 <= K < N", s);
    return 0;
}

/* One option into @p b, @p opt or @p bo; 0 or the exit code of a usage error. */
static int apply_option(int id, const char *v, batch_cli *b, mw_options *opt, mw_batch_options *bo)
{
    mw_sensor sensor;
    int shared = mw_cli_apply_scan_option(id, v, opt);
    if (shared >= 0) return shared;
    mw_status st = MW_OK;
    switch (id) {
    case OPT_OUTPUT: b->outdir = v; break;
    case OPT_PAIRING:
        if (strcmp(v, "consecutive") && strcmp(v, "first"))
            return mw_cli_usage_error("--pairing: '%s' is not consecutive or first", v);
        st = mw_batch_options_set_pairing(bo, strcmp(v, "first") ? MW_BATCH_PAIR_CONSECUTIVE : MW_BATCH_PAIR_FIRST);
        break;
    case OPT_SHARD: return parse_shard(v, bo);
    case OPT_SENSOR:
        if (mw_cli_parse_sensor("batch", v, &sensor)) return 2;
        st = mw_batch_options_set_sensor(bo, sensor);
        break;
    case OPT_BAND_MAP: st = mw_batch_options_set_band_map(bo, v); break;
    case OPT_QUIET: b->quiet = 1; break;
    default: return mw_cli_usage_error("batch: option %d not handled", id);
    }
    return st == MW_OK ? 0 : mw_cli_usage_error("%s", mw_last_error());
}

typedef struct batch_parse {
    batch_cli *b;
    mw_options *opt;
    mw_batch_options *bo;
} batch_parse;

static int on_arg(int id, const char *v, void *user)
{
    batch_parse *a = user;
    if (id != MW_CLI_POSITIONAL) return apply_option(id, v, a->b, a->opt, a->bo);
    if (a->b->input) return mw_cli_usage_error("batch: unexpected argument '%s'", v);
    a->b->input = v;
    return 0;
}

/* The command line into @p b, @p opt and @p bo: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, batch_cli *b, mw_options *opt, mw_batch_options *bo)
{
    mw_cli_parser p;
    mw_cli_parser_init(&p, "batch", mw_cli_batch_help, batch_options,
                       (int)(sizeof batch_options / sizeof batch_options[0]), argc, argv);
    batch_parse a = {b, opt, bo};
    int rc = mw_cli_parse(&p, on_arg, &a);
    if (rc >= 0) return rc;
    if (!b->input) return mw_cli_usage_error("batch needs an INPUT (a .csv manifest, a folder of scenes, or STAC .json)");
    if (!b->outdir) return mw_cli_usage_error("batch needs an output folder: -o OUTDIR");
    return -1;
}

/* The failed pairs, one "id: reason" line each, after a count line. */
static void list_failed(const mw_batch_summary *sum)
{
    int n = mw_batch_summary_count(sum, MW_BATCH_FAILED);
    fprintf(stderr, "minewatch: error: %d pair%s failed:\n", n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        if (mw_batch_summary_failed_id(sum, i))
            fprintf(stderr, "%s: %s\n", mw_batch_summary_failed_id(sum, i), mw_batch_summary_failed_reason(sum, i));
}

static int report(const batch_cli *b, mw_status st, const mw_batch_summary *sum)
{
    int done = mw_batch_summary_count(sum, MW_BATCH_DONE);
    if (st == MW_ERR_CANCELLED) {
        mw_cli_error("interrupted: %d pair%s done; run the same command again to resume", done, done == 1 ? "" : "s");
        return 1;
    }
    if (st != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        return st == MW_ERR_USAGE ? 2 : 1;
    }
    if (mw_batch_summary_up_to_date(sum) && !b->quiet)
        fprintf(stderr, "minewatch: nothing to do: all %d pair%s of %s already done with the same inputs and "
                        "parameters\n", done, done == 1 ? "" : "s", b->outdir);
    else if (!b->quiet)
        fprintf(stderr, "minewatch: %d pair%s done (%d scanned now), %d failed, %d skipped -> %s\n", done,
                done == 1 ? "" : "s", mw_batch_summary_scanned(sum), mw_batch_summary_count(sum, MW_BATCH_FAILED),
                mw_batch_summary_count(sum, MW_BATCH_SKIPPED), b->outdir);
    if (mw_batch_summary_count(sum, MW_BATCH_FAILED)) {
        list_failed(sum);
        return 3;
    }
    return 0;
}

/* One context for the whole batch: the model is read once, GDAL set up once. */
static int run_batch(batch_cli *b, const mw_options *opt, mw_batch_options *bo)
{
    mw_cli_catch_signals(on_signal);
    mw_context *ctx = NULL;
    if (mw_context_create(&ctx) != MW_OK) return mw_cli_error("%s", mw_last_error()), 1;
    mw_context_set_warning_handler(ctx, on_warning, b);
    mw_batch_options_set_message_handler(bo, on_message, b);
    mw_batch_summary *sum = NULL;
    mw_status st = mw_batch_run(ctx, b->input, b->outdir, opt, bo, on_progress, b, &sum);
    if (b->tty && !b->quiet) fputs("\r\033[K", stderr);
    int rc = report(b, st, sum);
    mw_batch_summary_destroy(sum);
    mw_context_destroy(ctx);
    return rc;
}

int mw_cli_batch(int argc, char **argv)
{
    batch_cli b = {.tty = isatty(2), .last_tenth = -1};
    mw_options *opt = mw_options_new();
    mw_batch_options *bo = mw_batch_options_new();
    int rc = opt && bo ? parse_args(argc, argv, &b, opt, bo) : (mw_cli_error("out of memory"), 1);
    if (rc < 0) rc = run_batch(&b, opt, bo);
    mw_batch_options_free(bo);
    mw_options_free(opt);
    return rc;
}
