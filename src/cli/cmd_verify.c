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

int mw_cli_verify(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: minewatch verify EVIDENCE_DIR\n"
             "Re-hashes an evidence package against its SHA256SUMS and the inputs its manifest lists.\n"
             "Exit status: 0 intact, 1 a file differs, is missing or was added, 2 usage error.");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') return mw_cli_usage_error("verify needs one EVIDENCE_DIR");
    verify_state s = {.dir = argv[1]};
    int intact = 0;
    if (mw_evidence_verify(argv[1], on_finding, &s, &intact) != MW_OK) {
        mw_cli_error("%s", mw_last_error());
        return 1;
    }
    if (!intact) return 1;
    printf("%s: intact; inputs: %d match, %d not at their recorded paths\n", argv[1], s.matched, s.absent);
    return 0;
}
