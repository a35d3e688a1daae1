/*
 * The public batch API (minewatch/batch.h) on the bundled sample, through
 * the shared library's exports:
 *  - one context for a whole batch: its pairs' model is read once
 *    (mw_context_models_loaded() is 1 after several pairs and a rerun);
 *  - a pair's alerts are the bytes mw_scan_run() + mw_alert_set_write()
 *    give for the same pair;
 *  - the summary: done / failed / skipped counts, the failed pair's id and
 *    reason, pairs scanned and reused, a rerun that is up to date;
 *  - shards joined by mw_batch_merge() equal the whole batch byte for byte;
 *  - refusals: a folder that is not a batch's (left untouched), a change
 *    raster, bad shard and pairing values; a cancelled batch keeps a summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minewatch/minewatch.h"
#include "mw_test.h"

static char dir[256];

static char *path_in(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    if (b) b[n] = '\0';
    return b;
}

static int same_file(const char *a, const char *b)
{
    char *x = read_file(a), *y = read_file(b);
    int same = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

static int stop_at_once(double done, const char *msg, void *user)
{
    (void)done, (void)msg, (void)user;
    return 0;
}

/* The pair "one" scanned alone, through the context API. */
static void single_scan(mw_context *ctx, const char *bp, const char *ap, const char *out)
{
    mw_scene *b = NULL, *a = NULL;
    mw_alert_set *set = NULL;
    CHECK(mw_scene_open(bp, NULL, &b) == MW_OK && mw_scene_open(ap, NULL, &a) == MW_OK);
    const mw_scene *befores[1] = {b};
    CHECK(mw_scan_run(ctx, befores, 1, a, NULL, NULL, NULL, &set) == MW_OK);
    CHECK(mw_alert_set_write(set, out) == MW_OK);
    mw_alert_set_destroy(set);
    mw_scene_destroy(a);
    mw_scene_destroy(b);
}

static void refusals(mw_context *ctx, const char *manifest)
{
    mw_batch_summary *sum = (mw_batch_summary *)1;
    mkdir(path_in("theirs"), 0777);
    FILE *f = fopen(path_in("theirs/notes.txt"), "w");
    if (f) fputs("mine", f), fclose(f);
    CHECK(mw_batch_run(ctx, manifest, path_in("theirs"), NULL, NULL, NULL, NULL, &sum) == MW_ERR_USAGE);
    CHECK(sum == NULL);
    char *notes = read_file(path_in("theirs/notes.txt"));
    CHECK(notes && !strcmp(notes, "mine"));
    free(notes);
    CHECK(access(path_in("theirs/batch.json"), F_OK) != 0);

    mw_options *o = mw_options_new();
    mw_options_set_string(o, MW_OPT_CHANGE_RASTER, path_in("change.tif"));
    CHECK(mw_batch_run(ctx, manifest, path_in("raster"), o, NULL, NULL, NULL, &sum) == MW_ERR_USAGE);
    mw_options_free(o);

    mw_batch_options *bo = mw_batch_options_new();
    CHECK(mw_batch_options_set_shard(bo, 2, 2) == MW_ERR_USAGE);
    CHECK(mw_batch_options_set_shard(bo, 0, 0) == MW_ERR_USAGE);
    CHECK(mw_batch_options_set_pairing(bo, (mw_batch_pairing)7) == MW_ERR_USAGE);
    mw_batch_options_free(bo);

    CHECK(mw_batch_run(ctx, manifest, path_in("cancel"), NULL, NULL, stop_at_once, NULL, &sum) == MW_ERR_CANCELLED);
    CHECK(sum && mw_batch_summary_count(sum, MW_BATCH_DONE) == 0 && mw_batch_summary_count(sum, MW_BATCH_PENDING) == 3);
    mw_batch_summary_destroy(sum);
}

static void whole_and_shards(mw_context *ctx, const char *manifest)
{
    mw_batch_summary *sum = NULL;
    CHECK(mw_batch_run(ctx, manifest, path_in("whole"), NULL, NULL, NULL, NULL, &sum) == MW_OK);
    CHECK(mw_batch_summary_count(sum, MW_BATCH_DONE) == 2 && mw_batch_summary_count(sum, MW_BATCH_FAILED) == 1);
    CHECK(mw_batch_summary_scanned(sum) == 3 && mw_batch_summary_reused(sum) == 0);
    CHECK_STR(mw_batch_summary_failed_id(sum, 0), "bad");
    CHECK(mw_batch_summary_failed_reason(sum, 0) && strstr(mw_batch_summary_failed_reason(sum, 0), "nothere.tif"));
    CHECK(mw_batch_summary_failed_id(sum, 1) == NULL);
    CHECK(!mw_batch_summary_up_to_date(sum));
    mw_batch_summary_destroy(sum);
    /* Every pair of the batch ran in ctx: the model was read once. */
    CHECK(mw_context_models_loaded(ctx) == 1);
    CHECK(same_file(path_in("whole/pairs/one.geojson"), path_in("single.geojson")));

    mw_batch_options *bo = mw_batch_options_new();
    for (int k = 0; k < 2; k++) {
        CHECK(mw_batch_options_set_shard(bo, k, 2) == MW_OK);
        CHECK(mw_batch_run(ctx, manifest, path_in(k ? "s1" : "s0"), NULL, bo, NULL, NULL, &sum) == MW_OK);
        CHECK(mw_batch_summary_count(sum, MW_BATCH_DONE) == 1);
        mw_batch_summary_destroy(sum);
    }
    /* Shard 1/2 holds pair "two" only: a rerun keeps it and writes nothing. */
    CHECK(mw_batch_run(ctx, manifest, path_in("s1"), NULL, bo, NULL, NULL, &sum) == MW_OK);
    CHECK(mw_batch_summary_up_to_date(sum) && mw_batch_summary_reused(sum) == 1 && mw_batch_summary_scanned(sum) == 0);
    mw_batch_summary_destroy(sum);
    mw_batch_options_free(bo);
    CHECK(mw_context_models_loaded(ctx) == 1);

    const char *dirs[2] = {path_in("s0"), path_in("s1")};
    CHECK(mw_batch_merge(dirs, 2, path_in("merged"), &sum) == MW_OK);
    CHECK(mw_batch_summary_count(sum, MW_BATCH_DONE) == 2 && mw_batch_summary_count(sum, MW_BATCH_FAILED) == 1);
    CHECK_STR(mw_batch_summary_failed_id(sum, 0), "bad");
    mw_batch_summary_destroy(sum);
    const char *files[] = {"batch.json", "alerts.geojson", "pairs/one.geojson", "pairs/two.geojson"};
    for (int i = 0; i < 4; i++) {
        char w[64], m[64];
        snprintf(w, sizeof w, "whole/%s", files[i]);
        snprintf(m, sizeof m, "merged/%s", files[i]);
        CHECK(same_file(path_in(w), path_in(m)));
    }
    const char *twice[2] = {path_in("s0"), path_in("s0")};
    CHECK(mw_batch_merge(twice, 2, path_in("merged2"), &sum) == MW_ERR_USAGE && sum == NULL);
}

int main(void)
{
    const char *root = getenv("MW_SOURCE_ROOT");
    if (!root) MW_TEST_SKIP("MW_SOURCE_ROOT not set");
    char bp[512], ap[512];
    snprintf(bp, sizeof bp, "%s/samples/synthetic-s2/before.tif", root);
    snprintf(ap, sizeof ap, "%s/samples/synthetic-s2/after.tif", root);
    if (access(bp, R_OK) || access(ap, R_OK)) MW_TEST_SKIP("samples/synthetic-s2 missing");
    snprintf(dir, sizeof dir, "/tmp/mw-batch-api-XXXXXX");
    if (!mkdtemp(dir)) MW_TEST_SKIP("no temporary folder");

    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/pairs.csv", dir);
    FILE *f = fopen(manifest, "w");
    if (!f) MW_TEST_SKIP("cannot write the manifest");
    fprintf(f, "id,before,after\none,%s,%s\ntwo,%s,%s\nbad,%s,nothere.tif\n", bp, ap, ap, bp, bp);
    fclose(f);

    mw_context *ctx = NULL;
    CHECK(mw_context_create(&ctx) == MW_OK);
    mw_context_set_threads(ctx, 2);
    CHECK_STR(mw_batch_state_name(MW_BATCH_SKIPPED), "skipped");
    refusals(ctx, manifest);
    single_scan(ctx, bp, ap, path_in("single.geojson"));
    whole_and_shards(ctx, manifest);
    mw_context_destroy(ctx);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (!mw_test_failures && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    MW_TEST_DONE();
}
