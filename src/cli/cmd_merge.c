/*
 * minewatch merge OUTDIR... -o OUTDIR
 *
 * Joins the folders of a batch's shards (minewatch batch ... --shard K/N)
 * into one: the same bytes as the one-process batch. Exit 0 all pairs done,
 * 1 the merge could not run, 2 usage (not shards of one batch, a shard
 * missing or given twice, the output among the inputs), 3 some pairs failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/mw_batch.h"
#include "minewatch/minewatch.h"
#include "mw_cli.h"

const char mw_cli_merge_help[] =
    "Usage: minewatch merge OUTDIR... -o OUTDIR [-q]\n"
    "\n"
    "Join the output folders of the shards of one batch (minewatch batch ...\n"
    "--shard K/N) into OUTDIR: the same bytes as a one-process batch.\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR   the merged batch folder (new or empty)\n"
    "  -q, --quiet        no summary\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 all pairs done, 1 the merge could not run, 2 usage error\n"
    "(not shards of one batch, a shard missing or given twice), 3 some pairs failed.\n";

int mw_cli_merge(int argc, char **argv)
{
    if (mw_cli_wants_help(argc, argv)) return fputs(mw_cli_merge_help, stdout) == EOF;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    const char *out = NULL;
    int n = 0, quiet = 0;
    if (!dirs) return mw_cli_error("out of memory"), 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return free(dirs), mw_cli_usage_error("%s needs a value", a);
            out = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) quiet = 1;
        else if (a[0] == '-' && a[1]) return free(dirs), mw_cli_usage_error("merge: unknown option '%s'", a);
        else dirs[n++] = a;
    }
    if (!n) return free(dirs), mw_cli_usage_error("merge needs the shard folders to join");
    if (!out) return free(dirs), mw_cli_usage_error("merge needs an output folder: -o OUTDIR");
    mw_batch_summary sum;
    mw_status st = mw_batch_merge_dirs(dirs, n, out, &sum);
    int rc = 0;
    if (st != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        rc = st == MW_ERR_USAGE ? 2 : 1;
    } else {
        if (!quiet)
            fprintf(stderr, "minewatch: merged %d folder%s: %d pair%s done, %d failed, %d skipped -> %s\n", n,
                    n == 1 ? "" : "s", sum.done, sum.done == 1 ? "" : "s", sum.failed, sum.skipped, out);
        if (sum.failed) {
            fprintf(stderr, "minewatch: error: %d pair%s failed:\n%s", sum.failed, sum.failed == 1 ? "" : "s",
                    sum.failed_list ? sum.failed_list : "");
            rc = 3;
        }
    }
    mw_batch_summary_clear(&sum);
    free(dirs);
    return rc;
}
