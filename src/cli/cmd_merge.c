/*
 * minewatch merge OUTDIR... -o OUTDIR
 *
 * Joins the folders of a batch's shards (minewatch batch ... --shard K/N)
 * into one through the library (mw_batch_merge): the same bytes as the
 * one-process batch. Exit 0 all pairs done, 1 the merge could not run,
 * 2 usage (not shards of one batch, a shard missing or given twice, the
 * output among the inputs), 3 some pairs failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

const char mw_cli_merge_help[] =
    "Usage: minewatch merge OUTDIR... -o OUTDIR [-q]\n"
    "\n"
    "Join the output folders of the shards of one batch (minewatch batch ...\n"
    "--shard K/N) into OUTDIR: the same bytes as a one-process batch.\n"
    "\n"
    "Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
    "  -o, --output DIR   the merged batch folder (new or empty)\n"
    "  -q, --quiet        no summary\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 all pairs done, 1 the merge could not run, 2 usage error\n"
    "(not shards of one batch, a shard missing or given twice), 3 some pairs failed.\n";

enum { OPT_OUTPUT = 1, OPT_QUIET };

static const mw_cli_option merge_options[] = {
    {"--output", 'o', 1, OPT_OUTPUT},
    {"--quiet", 'q', 0, OPT_QUIET},
};

/* The command line into @p dirs / @p out / @p quiet: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, const char **dirs, int *n, const char **out, int *quiet)
{
    mw_cli_parser p;
    mw_cli_parser_init(&p, "merge", mw_cli_merge_help, merge_options,
                       (int)(sizeof merge_options / sizeof merge_options[0]), argc, argv);
    for (;;) {
        const char *v;
        int k = mw_cli_next(&p, &v);
        if (k == MW_CLI_END) break;
        if (k == MW_CLI_STOP) return p.rc;
        if (k == MW_CLI_POSITIONAL) dirs[(*n)++] = v;
        else if (k == OPT_OUTPUT) *out = v;
        else if (k == OPT_QUIET) *quiet = 1;
    }
    if (!*n) return mw_cli_usage_error("merge needs the shard folders to join");
    if (!*out) return mw_cli_usage_error("merge needs an output folder: -o OUTDIR");
    return -1;
}

static int report(int n, const char *out, int quiet, const mw_batch_summary *sum)
{
    int done = mw_batch_summary_count(sum, MW_BATCH_DONE), failed = mw_batch_summary_count(sum, MW_BATCH_FAILED);
    if (!quiet)
        fprintf(stderr, "minewatch: merged %d folder%s: %d pair%s done, %d failed, %d skipped -> %s\n", n,
                n == 1 ? "" : "s", done, done == 1 ? "" : "s", failed, mw_batch_summary_count(sum, MW_BATCH_SKIPPED),
                out);
    if (!failed) return 0;
    fprintf(stderr, "minewatch: error: %d pair%s failed:\n", failed, failed == 1 ? "" : "s");
    for (int i = 0; i < failed; i++)
        if (mw_batch_summary_failed_id(sum, i))
            fprintf(stderr, "%s: %s\n", mw_batch_summary_failed_id(sum, i), mw_batch_summary_failed_reason(sum, i));
    return 3;
}

int mw_cli_merge(int argc, char **argv)
{
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    const char *out = NULL;
    int n = 0, quiet = 0;
    if (!dirs) return mw_cli_error("out of memory"), 1;
    int rc = parse_args(argc, argv, dirs, &n, &out, &quiet);
    if (rc < 0) {
        mw_batch_summary *sum = NULL;
        mw_status st = mw_batch_merge(dirs, n, out, &sum);
        if (st != MW_OK) {
            mw_cli_error("%s", mw_last_error());
            rc = st == MW_ERR_USAGE ? 2 : 1;
        } else rc = report(n, out, quiet, sum);
        mw_batch_summary_destroy(sum);
    }
    free(dirs);
    return rc;
}
