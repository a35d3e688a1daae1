/*
 * minewatch merge: shard folders -> one batch folder. The shards must be
 * of one batch (same input, parameters and version) and hold every entry
 * of its plan exactly once, each finished; their pairs' alerts are copied
 * as they are, batch.json is written as a one-process batch writes it, and
 * the merged alerts are made by the same code (merge.c). So N shards merged
 * give the bytes of the one-process batch.
 */
#include "mw_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/mw_error.h"

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static mw_status check_docs(const char *const *dirs, mw_batch_doc *docs, int n)
{
    for (int i = 1; i < n; i++)
        if (!same(docs[i].input, docs[0].input) || !same(docs[i].parameters, docs[0].parameters) ||
            !same(docs[i].version, docs[0].version) || docs[i].total != docs[0].total)
            return mw_error_set(MW_ERR_USAGE, "%s and %s: not shards of one batch (input, parameters or version differ)",
                                dirs[0], dirs[i]);
    return MW_OK;
}

/* Every entry index 0..total-1 once; @p at[i] = (folder, entry) holding it. */
static mw_status collect(const char *const *dirs, mw_batch_doc *docs, int n, int total, int (*at)[2])
{
    for (int i = 0; i < total; i++) at[i][0] = -1;
    for (int d = 0; d < n; d++)
        for (int k = 0; k < docs[d].count; k++) {
            const mw_batch_entry *e = &docs[d].entries[k];
            if (e->index < 0 || e->index >= total)
                return mw_error_set(MW_ERR_METADATA, "%s/batch.json: pair %s has index %d of %d", dirs[d], e->id,
                                    e->index, total);
            if (at[e->index][0] >= 0)
                return mw_error_set(MW_ERR_USAGE, "%s and %s: both hold pair %s (give each shard once)",
                                    dirs[at[e->index][0]], dirs[d], e->id);
            if (e->state == MW_BATCH_PENDING)
                return mw_error_set(MW_ERR_USAGE, "%s: pair %s is not finished (run that shard again first)", dirs[d],
                                    e->id);
            at[e->index][0] = d, at[e->index][1] = k;
        }
    for (int i = 0; i < total; i++)
        if (at[i][0] < 0)
            return mw_error_set(MW_ERR_USAGE, "entry %d of %d is in none of the folders: give every shard (%d/%d ... )",
                                i, total, i % (docs[0].shard_n > 0 ? docs[0].shard_n : 1),
                                docs[0].shard_n > 0 ? docs[0].shard_n : 1);
    return MW_OK;
}

static mw_status copy_file(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    if (!f) return mw_error_set(MW_ERR_OPEN, "%s: %s", from, strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[65536];
    size_t r;
    while (m && (r = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, r, m);
    int bad = ferror(f);
    fclose(f);
    if (m) fclose(m);
    mw_status st = bad || !buf ? mw_error_set(MW_ERR_READ, "%s: cannot read", from) : mw_batch_write_file(to, buf, len);
    free(buf);
    return st;
}

static int same_dir(const char *a, const char *b)
{
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    int s = ra && rb && !strcmp(ra, rb);
    free(ra);
    free(rb);
    return s;
}

static mw_status write_merged(const char *const *dirs, mw_batch_doc *docs, int (*at)[2], const char *outdir,
                              mw_batch_summary *sum)
{
    mw_batch_doc out = docs[0];
    out.shard_k = 0, out.shard_n = 1, out.count = out.total;
    out.entries = malloc((size_t)(out.total ? out.total : 1) * sizeof *out.entries);
    if (!out.entries) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = MW_OK;
    for (int i = 0; i < out.total && st == MW_OK; i++) {
        mw_batch_entry *e = &docs[at[i][0]].entries[at[i][1]];
        out.entries[i] = *e; /* shallow: docs own the strings */
        if (e->state == MW_BATCH_DONE) sum->done++;
        else if (e->state == MW_BATCH_SKIPPED) sum->skipped++;
        else sum->failed++;
        if (e->state != MW_BATCH_DONE) continue;
        char name[300];
        snprintf(name, sizeof name, "pairs/%s.geojson", e->id);
        char *from = mw_batch_join(dirs[at[i][0]], name), *to = mw_batch_join(outdir, name);
        st = from && to ? copy_file(from, to) : mw_error_set(MW_ERR_NOMEM, "out of memory");
        free(from);
        free(to);
    }
    if (st == MW_OK) st = mw_batch_state_write(outdir, &out);
    if (st == MW_OK) mw_batch_tidy(outdir, &out);
    if (st == MW_OK) st = mw_batch_merge_alerts(outdir);
    free(out.entries);
    return st;
}

static void list_failed(mw_batch_doc *docs, int (*at)[2], int total, mw_batch_summary *sum)
{
    for (int i = 0; i < total; i++) {
        const mw_batch_entry *e = &docs[at[i][0]].entries[at[i][1]];
        if (e->state == MW_BATCH_FAILED) mw_batch_summary_add_failed(sum, e);
    }
}

mw_status mw_batch_merge_dirs(const char *const *dirs, int ndirs, const char *outdir, mw_batch_summary *sum)
{
    for (int i = 0; i < ndirs; i++)
        if (same_dir(dirs[i], outdir))
            return mw_error_set(MW_ERR_USAGE, "%s: the output folder is one of the folders to merge", outdir);
    mw_batch_doc *docs = ndirs > 0 ? calloc((size_t)ndirs, sizeof *docs) : NULL;
    if (!docs) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = MW_OK;
    for (int i = 0; i < ndirs && st == MW_OK; i++) st = mw_batch_state_read(dirs[i], &docs[i]);
    if (st == MW_OK) st = check_docs(dirs, docs, ndirs);
    int total = st == MW_OK && docs[0].total > 0 ? docs[0].total : 0;
    int(*at)[2] = malloc((size_t)(total > 0 ? total : 1) * sizeof *at);
    if (st == MW_OK && !at) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK) st = collect(dirs, docs, ndirs, total, at);
    int lock_fd = -1;
    if (st == MW_OK) st = mw_batch_mkdir(outdir);
    char *pairs = mw_batch_join(outdir, "pairs"), *lock = mw_batch_join(outdir, ".batch.lock");
    if (st == MW_OK) st = pairs && lock ? mw_batch_mkdir(pairs) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    if (st == MW_OK && ((lock_fd = open(lock, O_RDWR | O_CREAT, 0666)) < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0))
        st = mw_error_set(MW_ERR_WRITE, "%s: another batch or merge is running in this folder", outdir);
    if (st == MW_OK) st = write_merged(dirs, docs, at, outdir, sum);
    if (st == MW_OK) list_failed(docs, at, total, sum);
    if (lock_fd >= 0) close(lock_fd);
    free(pairs);
    free(lock);
    free(at);
    for (int i = 0; i < ndirs; i++) mw_batch_doc_clear(&docs[i]);
    free(docs);
    return st;
}
