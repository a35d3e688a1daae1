/*
 * The output transaction: outputs staged under names that say whose they
 * are, committed together; a commit that fails half-way rolls back so the
 * old files are exactly as they were (same inode, same bytes); a staging
 * folder of a process that is gone is removed by the next stage.
 */
#include "minewatch/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mw_test.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static int holds(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

static int entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1) n = -1;
    if (p) pclose(p);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/mw-txn-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char a[512], b[512], b_aux[512], b_qml[512], path[2048];
    snprintf(a, sizeof a, "%s/alerts.geojson", dir);
    snprintf(b, sizeof b, "%s/change.tif", dir);
    snprintf(b_aux, sizeof b_aux, "%s/change.tif.aux.xml", dir);
    snprintf(b_qml, sizeof b_qml, "%s/change.qml", dir);

    /* 1. A commit of two outputs with sidecars; a stale sidecar goes. */
    put(a, "old alerts");
    put(b_qml, "old style");
    mw_output_txn *t = mw_output_txn_new();
    const char *sa = NULL, *sb = NULL;
    CHECK(mw_output_txn_stage(t, a, MW_OUTPUT_ALERTS, &sa) == MW_OK);
    CHECK(mw_output_txn_stage(t, b, MW_OUTPUT_RASTER, &sb) == MW_OK);
    CHECK(sa && strstr(sa, ".minewatch-tmp-") && strcmp(sa, a) != 0);
    put(sa, "new alerts");
    put(sb, "new raster");
    snprintf(path, sizeof path, "%s.aux.xml", sb);
    put(path, "new aux");
    CHECK(holds(a, "old alerts"));  /* nothing moves before the commit */
    CHECK(mw_output_txn_commit(t) == MW_OK);
    mw_output_txn_free(t);
    CHECK(holds(a, "new alerts") && holds(b, "new raster") && holds(b_aux, "new aux"));
    CHECK(access(b_qml, F_OK) != 0);  /* the old style belonged to the old raster */
    CHECK(entries(dir) == 3);

    /* 2. The second output cannot be committed (its name became a folder):
     * the first is rolled back, the very same file as before. */
    struct stat before;
    CHECK(stat(a, &before) == 0);
    t = mw_output_txn_new();
    CHECK(mw_output_txn_stage(t, a, MW_OUTPUT_ALERTS, &sa) == MW_OK);
    char c[600];
    snprintf(c, sizeof c, "%s/c.tif", dir);
    CHECK(mw_output_txn_stage(t, c, MW_OUTPUT_RASTER, &sb) == MW_OK);
    put(sa, "newer alerts");
    put(sb, "newer raster");
    CHECK(mkdir(c, 0755) == 0);
    snprintf(path, sizeof path, "%s/inside", c);
    put(path, "x");
    CHECK(mw_output_txn_commit(t) == MW_ERR_WRITE);
    CHECK(strstr(mw_last_error(), "c.tif") != NULL);
    mw_output_txn_free(t);
    struct stat after;
    CHECK(stat(a, &after) == 0 && after.st_ino == before.st_ino && holds(a, "new alerts"));
    unlink(path);
    rmdir(c);
    CHECK(entries(dir) == 3);

    /* 3. Freed without a commit: nothing staged is left. */
    t = mw_output_txn_new();
    CHECK(mw_output_txn_stage(t, a, MW_OUTPUT_ALERTS, &sa) == MW_OK);
    put(sa, "never");
    mw_output_txn_free(t);
    CHECK(holds(a, "new alerts") && entries(dir) == 3);

    /* 4. A staging folder of a process that is gone (a pid that cannot
     * exist now) is removed by the next stage beside it; a folder of a
     * living process (ours, with another start time: a recycled pid) too. */
    snprintf(path, sizeof path, "%s/.alerts.geojson.minewatch-tmp-%d-1", dir, 0x3fffffff);
    CHECK(mkdir(path, 0700) == 0);
    char inner[2100];
    snprintf(inner, sizeof inner, "%s/alerts.geojson", path);
    put(inner, "left by kill -9");
    char recycled[2048];
    snprintf(recycled, sizeof recycled, "%s/.change.tif.minewatch-tmp-%d-1", dir, (int)getpid());
    CHECK(mkdir(recycled, 0700) == 0);
    t = mw_output_txn_new();
    CHECK(mw_output_txn_stage(t, b, MW_OUTPUT_RASTER, &sb) == MW_OK);
    CHECK(access(path, F_OK) != 0);
    CHECK(access(recycled, F_OK) != 0);
    mw_output_txn_free(t);
    CHECK(entries(dir) == 3);

    unlink(a);
    unlink(b);
    unlink(b_aux);
    rmdir(dir);
    MW_TEST_DONE();
}
