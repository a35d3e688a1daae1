/*
 * minewatch batch INPUT -o OUTDIR [scan options] [--pairing consecutive|first] [--shard K/N]
 *
 * Parses the command line, checks the output folder, forms the plan
 * (src/batch), runs it with progress over the whole batch on stderr and
 * turns SIGINT/SIGTERM into a clean stop (the pair under way is left
 * pending; a rerun resumes). Exit 0 all pairs done, 1 the batch could not
 * run (or was interrupted), 2 usage, 3 some pairs failed (listed).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "batch/mw_batch.h"
#include "minewatch/minewatch.h"
#include "mw_cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct batch_cli {
    const char *input, *outdir, *aoi, *protected_areas, *model, *band_map;
    const char *sensor_name;
    double min_area, min_confidence;
    int quiet, pairing_first, shard_k, shard_n, tty, last_tenth;
    mw_sensor sensor;
} batch_cli;

static void on_message(const char *line, void *user)
{
    batch_cli *b = user;
    if (b->quiet) return;
    fprintf(stderr, "%sminewatch: %s\n", b->tty ? "\r\033[K" : "", line);
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

static int parse_num(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return mw_cli_usage_error("%s: '%s' is not a number", opt, s), 0;
    *out = v;
    return 1;
}

static int parse_shard(const char *s, int *k, int *n)
{
    char extra;
    if (sscanf(s, "%d/%d%c", k, n, &extra) != 2 || *n < 1 || *k < 0 || *k >= *n)
        return mw_cli_usage_error("--shard: '%s' is not K/N with 0 <= K < N", s), 0;
    return 1;
}

/* A number as a JSON double with a short, fixed text. */
static json_object *jnum(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", v);
    return json_object_new_double_s(v, buf);
}

static void add_file(json_object *o, const char *key, const char *path)
{
    char fp[65], k2[64];
    json_object_object_add(o, key, path ? json_object_new_string(path) : NULL);
    snprintf(k2, sizeof k2, "%s_fingerprint", key);
    if (path) mw_batch_fingerprint(path, NULL, 0, fp);
    json_object_object_add(o, k2, path ? json_object_new_string(fp) : NULL);
}

/* What changes a pair's alerts (never threads or tile size), as canonical JSON. */
static char *parameters_json(const batch_cli *b)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sensor", json_object_new_string(b->sensor_name));
    json_object_object_add(o, "band_map", b->band_map ? json_object_new_string(b->band_map) : NULL);
    json_object_object_add(o, "min_area_ha", jnum(b->min_area));
    json_object_object_add(o, "min_confidence", jnum(b->min_confidence));
    add_file(o, "model", b->model);
    add_file(o, "aoi", b->aoi);
    add_file(o, "protected", b->protected_areas);
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

static int is_sensor(const char *s, mw_sensor *out)
{
    static const char *const names[] = {"auto", "sentinel2", "landsat", "generic"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) return *out = (mw_sensor)i, 1;
    return 0;
}

/* Options shared with scan go into the library's options object. */
static int parse_args(int argc, char **argv, batch_cli *b, mw_options *opt)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int takes = strcmp(a, "-q") && strcmp(a, "--quiet") && a[0] == '-' && a[1];
        if (takes && i + 1 >= argc) return mw_cli_usage_error("%s needs a value", a), 0;
        if (takes) v = argv[i + 1];
        long l;
        char *end;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) b->outdir = v;
        else if (!strcmp(a, "--sensor")) {
            if (!is_sensor(v, &b->sensor)) return mw_cli_usage_error("--sensor: '%s' is not one of auto, sentinel2, landsat, generic", v), 0;
            b->sensor_name = v;
        } else if (!strcmp(a, "--band-map")) b->band_map = v;
        else if (!strcmp(a, "--aoi")) b->aoi = v;
        else if (!strcmp(a, "--protected")) b->protected_areas = v;
        else if (!strcmp(a, "--model")) b->model = v;
        else if (!strcmp(a, "--min-area")) {
            if (!parse_num(a, v, &b->min_area)) return 0;
        } else if (!strcmp(a, "--min-confidence")) {
            if (!parse_num(a, v, &b->min_confidence)) return 0;
        } else if (!strcmp(a, "--threads") || !strcmp(a, "--tile-size")) {
            l = strtol(v, &end, 10);
            if (*end || end == v || (l < 1 && !strcmp(a, "--threads")))
                return mw_cli_usage_error("%s: '%s' is not a valid whole number", a, v), 0;
            if (mw_options_set_int(opt, strcmp(a, "--threads") ? MW_OPT_TILE_SIZE : MW_OPT_THREADS, l) != MW_OK)
                return mw_cli_usage_error("%s", mw_last_error()), 0;
        } else if (!strcmp(a, "--pairing")) {
            if (strcmp(v, "consecutive") && strcmp(v, "first"))
                return mw_cli_usage_error("--pairing: '%s' is not consecutive or first", v), 0;
            b->pairing_first = !strcmp(v, "first");
        } else if (!strcmp(a, "--shard")) {
            if (!parse_shard(v, &b->shard_k, &b->shard_n)) return 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) b->quiet = 1, takes = 0;
        else if (a[0] == '-' && a[1]) return mw_cli_usage_error("batch: unknown option '%s'", a), 0;
        else if (!b->input) b->input = a;
        else return mw_cli_usage_error("batch: unexpected argument '%s'", a), 0;
        if (takes) i++;
    }
    if (!b->input) return mw_cli_usage_error("batch needs an INPUT (a .csv manifest, a folder of scenes, or STAC .json)"), 0;
    if (!b->outdir) return mw_cli_usage_error("batch needs an output folder: -o OUTDIR"), 0;
    return 1;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* OUTDIR: new, empty, or a batch folder of ours; never the input. */
static int check_outdir(const char *outdir, const char *input)
{
    struct stat sb;
    if (same_file(outdir, input)) return mw_cli_usage_error("-o %s: the output folder is the input", outdir), 0;
    if (stat(outdir, &sb) != 0) return 1;
    if (!S_ISDIR(sb.st_mode)) return mw_cli_usage_error("-o %s: exists and is not a folder", outdir), 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/batch.json", outdir);
    if (access(path, F_OK) == 0) return 1;
    DIR *d = opendir(outdir);
    struct dirent *de;
    int empty = 1;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) empty = 0;
    if (d) closedir(d);
    if (!empty) return mw_cli_usage_error("-o %s: a folder that is not empty and holds no batch.json (not ours to write into)", outdir), 0;
    return 1;
}

static int report(const batch_cli *b, mw_status st, const mw_batch_summary *sum)
{
    if (st == MW_ERR_CANCELLED) {
        mw_cli_error("interrupted: %d pair%s done; run the same command again to resume", sum->done,
                     sum->done == 1 ? "" : "s");
        return 1;
    }
    if (st != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        return st == MW_ERR_USAGE ? 2 : 1;
    }
    if (sum->nothing_to_do && !b->quiet)
        fprintf(stderr, "minewatch: nothing to do: all %d pair%s of %s already done with the same inputs and "
                        "parameters\n", sum->done, sum->done == 1 ? "" : "s", b->outdir);
    else if (!b->quiet)
        fprintf(stderr, "minewatch: %d pair%s done (%d scanned now), %d failed, %d skipped -> %s\n", sum->done,
                sum->done == 1 ? "" : "s", sum->scanned, sum->failed, sum->skipped, b->outdir);
    if (sum->failed) {
        fprintf(stderr, "minewatch: error: %d pair%s failed:\n%s", sum->failed, sum->failed == 1 ? "" : "s",
                sum->failed_list ? sum->failed_list : "");
        return 3;
    }
    return 0;
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
    "Options:\n"
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

int mw_cli_batch(int argc, char **argv)
{
    if (mw_cli_wants_help(argc, argv)) return fputs(mw_cli_batch_help, stdout) == EOF;
    batch_cli b = {.sensor_name = "auto", .min_area = 0.5, .min_confidence = 0.5, .shard_n = 1,
                   .tty = isatty(2), .last_tenth = -1};
    mw_options *opt = mw_options_new();
    if (!opt) return mw_cli_error("out of memory"), 1;
    int rc = parse_args(argc, argv, &b, opt) ? -1 : 2;
    if (rc < 0 && !check_outdir(b.outdir, b.input)) rc = 2;
    if (rc < 0 && (mw_options_set_double(opt, MW_OPT_MIN_AREA_HA, b.min_area) != MW_OK ||
                   mw_options_set_double(opt, MW_OPT_MIN_CONFIDENCE, b.min_confidence) != MW_OK ||
                   mw_options_set_string(opt, MW_OPT_MODEL, b.model) != MW_OK ||
                   mw_options_set_string(opt, MW_OPT_PROTECTED, b.protected_areas) != MW_OK))
        rc = mw_cli_usage_error("%s", mw_last_error());
    if (rc >= 0) {
        mw_options_free(opt);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    mw_batch_plan_args pa = {.pairing_first = b.pairing_first, .open = {b.sensor, b.band_map, NULL},
                             .outdir = b.outdir};
    mw_batch_plan *plan = NULL;
    mw_batch_summary sum = {0};
    mw_status st = mw_batch_plan_from_input(b.input, &pa, &plan);
    char *params = st == MW_OK ? parameters_json(&b) : NULL;
    if (st == MW_OK) {
        mw_batch_run_args ra = {.outdir = b.outdir, .scan = opt, .parameters = params, .open = pa.open,
                                .shard_k = b.shard_k, .shard_n = b.shard_n, .global_aoi = b.aoi,
                                .message = on_message, .progress = on_progress, .user = &b};
        st = mw_batch_run(plan, &ra, &sum);
        if (b.tty && !b.quiet) fputs("\r\033[K", stderr);
    }
    rc = report(&b, st, &sum);
    mw_batch_summary_clear(&sum);
    free(params);
    mw_batch_plan_destroy(plan);
    mw_options_free(opt);
    return rc;
}
