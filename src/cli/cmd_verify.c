/*
 * minewatch verify EVIDENCE_DIR
 *
 * Exit 0 when every file of the package matches its SHA256SUMS, nothing was
 * added, and every input still at its recorded path matches the manifest;
 * 1 naming the first file that differs (each further finding on its own
 * line); 2 for usage. Inputs no longer at their paths are listed, not
 * failures: evidence is often checked far from the original data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

typedef struct verify_state {
    const char *dir;
    int failures, matched, absent;
} verify_state;

static void on_finding(void *arg, mw_verify_kind kind, const char *path)
{
    verify_state *s = arg;
    switch (kind) {
    case MW_VERIFY_ALTERED:
    case MW_VERIFY_MISSING:
    case MW_VERIFY_ADDED: {
        const char *what = kind == MW_VERIFY_ALTERED ? "altered (its SHA-256 differs from SHA256SUMS)"
                           : kind == MW_VERIFY_MISSING ? "missing (listed in SHA256SUMS)"
                                                       : "added (not listed in SHA256SUMS)";
        if (kind == MW_VERIFY_MISSING && !strcmp(path, "SHA256SUMS"))
            what = "missing: not an evidence package, or its list of hashes was removed";
        if (s->failures++ == 0) mw_cli_error("%s/%s: %s", s->dir, path, what);
        else fprintf(stderr, "minewatch: also: %s/%s: %s\n", s->dir, path, what);
        break;
    }
    case MW_VERIFY_INPUT_CHANGED:
        if (s->failures++ == 0) mw_cli_error("%s: input changed since the scan (SHA-256 differs from the manifest)", path);
        else fprintf(stderr, "minewatch: also: %s: input changed since the scan\n", path);
        break;
    case MW_VERIFY_INPUT_ABSENT:
        s->absent++;
        printf("input not at its recorded path (not checked): %s\n", path);
        break;
    case MW_VERIFY_INPUT_MATCHES:
        s->matched++;
        break;
    }
}

const char mw_cli_verify_help[] =
    "Usage: minewatch verify EVIDENCE_DIR\n"
    "\n"
    "Check an evidence package written by 'minewatch scan --evidence DIR': every file\n"
    "against its SHA256SUMS (altered, missing and added files are named), then the\n"
    "inputs its manifest.json lists, where they are still at their recorded paths.\n"
    "\n"
    "Options:\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 intact, 1 a file differs, is missing or was added (the first is\n"
    "named on the error line), 2 usage error.\n";

int mw_cli_verify(int argc, char **argv)
{
    mw_cli_parser p;
    mw_cli_parser_init(&p, "verify", mw_cli_verify_help, NULL, 0, argc, argv);
    const char *dir = NULL;
    for (;;) {
        const char *v;
        int k = mw_cli_next(&p, &v);
        if (k == MW_CLI_END) break;
        if (k == MW_CLI_STOP) return p.rc;
        if (dir) return mw_cli_usage_error("verify: unexpected argument '%s'", v);
        dir = v;
    }
    if (!dir) return mw_cli_usage_error("verify needs one EVIDENCE_DIR");
    verify_state s = {.dir = dir};
    int intact = 0;
    if (mw_evidence_verify(dir, on_finding, &s, &intact) != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        return 1;
    }
    if (!intact) return 1;
    printf("%s: intact; inputs: %d match, %d not at their recorded paths\n", dir, s.matched, s.absent);
    return 0;
}
