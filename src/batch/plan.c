/*
 * The plan of a batch: its entries in order, their ids, and the small file
 * helpers the other batch files share.
 */
#include "mw_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_vsi.h>

#include "core/mw_error.h"

static const char *const state_names[] = {"pending", "done", "failed", "skipped"};

const char *mw_batch_state_name(mw_batch_state s)
{
    return s >= MW_BATCH_PENDING && s <= MW_BATCH_SKIPPED ? state_names[s] : "pending";
}

int mw_batch_state_parse(const char *s, mw_batch_state *out)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, state_names[i])) {
            *out = (mw_batch_state)i;
            return 1;
        }
    return 0;
}

char *mw_batch_strdup(const char *s) { return s ? strdup(s) : NULL; }

char *mw_batch_join(const char *dir, const char *name)
{
    if (!dir || !*dir || name[0] == '/') return strdup(name);
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

char *mw_batch_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

mw_status mw_batch_mkdir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return MW_OK;
        return mw_error_set(MW_ERR_WRITE, "%s: exists and is not a folder", dir);
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return mw_error_set(MW_ERR_WRITE, "%s: %s", dir, strerror(errno));
    return MW_OK;
}

mw_status mw_batch_write_file(const char *path, const char *data, size_t len)
{
    char *dir = mw_batch_dirname(path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *tmp = dir ? malloc(strlen(dir) + strlen(base) + 40) : NULL;
    if (!tmp) {
        free(dir);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    sprintf(tmp, "%s/.%s.tmp-%ld", dir, base, (long)getpid());
    free(dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    mw_status st = MW_OK;
    if (fd < 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    size_t off = 0;
    while (st == MW_OK && off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
        else off += (size_t)w;
    }
    /* fsync: a crash right after must find the old file or the new one whole */
    if (st == MW_OK && fsync(fd) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && st == MW_OK) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    if (st == MW_OK && rename(tmp, path) != 0) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    if (st != MW_OK) unlink(tmp);
    free(tmp);
    return st;
}

void mw_batch_sanitize_id(char *id)
{
    for (char *p = id; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        if (!ok) *p = '_';
    }
    if (id[0] == '.') id[0] = '_';  /* no hidden files in pairs/ */
}

mw_batch_entry *mw_batch_plan_add(mw_batch_plan *plan, const char *id, const char *before, const char *after,
                                  const char *aoi)
{
    if (plan->count == plan->cap) {
        int cap = plan->cap ? plan->cap * 2 : 16;
        mw_batch_entry *e = realloc(plan->entries, (size_t)cap * sizeof *e);
        if (!e) return mw_error_set(MW_ERR_NOMEM, "out of memory"), NULL;
        plan->entries = e;
        plan->cap = cap;
    }
    mw_batch_entry *e = &plan->entries[plan->count];
    memset(e, 0, sizeof *e);
    e->index = plan->count;
    e->id = mw_batch_strdup(id);
    e->before = mw_batch_strdup(before);
    e->after = mw_batch_strdup(after);
    e->aoi = mw_batch_strdup(aoi);
    if ((id && !e->id) || (before && !e->before) || (after && !e->after) || (aoi && !e->aoi)) {
        mw_batch_entry_clear(e);
        return mw_error_set(MW_ERR_NOMEM, "out of memory"), NULL;
    }
    plan->count++;
    return e;
}

mw_status mw_batch_plan_finish(mw_batch_plan *plan)
{
    for (int i = 0; i < plan->count; i++) {
        mw_batch_entry *e = &plan->entries[i];
        mw_batch_sanitize_id(e->id);
        /* A clash gets -2, -3 ...: the plan order decides, so ids are stable. */
        for (int n = 2;; n++) {
            int clash = 0;
            for (int j = 0; j < i && !clash; j++) clash = !strcmp(plan->entries[j].id, e->id);
            if (!clash) break;
            char *base = e->id, buf[64];
            char *dash = n > 2 ? strrchr(base, '-') : NULL;
            size_t keep = dash ? (size_t)(dash - base) : strlen(base);
            snprintf(buf, sizeof buf, "-%d", n);
            char *id = malloc(keep + strlen(buf) + 1);
            if (!id) return mw_error_set(MW_ERR_NOMEM, "out of memory");
            memcpy(id, base, keep);
            strcpy(id + keep, buf);
            free(e->id);
            e->id = id;
        }
    }
    return MW_OK;
}

void mw_batch_entry_clear(mw_batch_entry *e)
{
    free(e->id);
    free(e->before);
    free(e->after);
    free(e->aoi);
    free(e->before_date);
    free(e->after_date);
    for (int i = 0; i < e->nextra; i++) free(e->extra_files[i]);
    free(e->extra_files);
    free(e->reason);
    memset(e, 0, sizeof *e);
}

mw_status mw_batch_entry_copy(const mw_batch_entry *src, mw_batch_entry *dst)
{
    *dst = *src;
    dst->id = mw_batch_strdup(src->id);
    dst->before = mw_batch_strdup(src->before);
    dst->after = mw_batch_strdup(src->after);
    dst->aoi = mw_batch_strdup(src->aoi);
    dst->before_date = mw_batch_strdup(src->before_date);
    dst->after_date = mw_batch_strdup(src->after_date);
    dst->reason = mw_batch_strdup(src->reason);
    dst->extra_files = NULL;
    dst->nextra = 0;
    if ((src->id && !dst->id) || (src->before && !dst->before) || (src->after && !dst->after) ||
        (src->aoi && !dst->aoi) || (src->reason && !dst->reason) || (src->before_date && !dst->before_date) ||
        (src->after_date && !dst->after_date)) {
        mw_batch_entry_clear(dst);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    return MW_OK;
}

void mw_batch_plan_destroy(mw_batch_plan *plan)
{
    if (!plan) return;
    for (int i = 0; i < plan->count; i++) mw_batch_entry_clear(&plan->entries[i]);
    free(plan->entries);
    free(plan->input);
    free(plan);
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

mw_status mw_batch_plan_from_input(const char *input, const mw_batch_plan_args *args, mw_batch_plan **out)
{
    *out = NULL;
    mw_batch_plan *plan = calloc(1, sizeof *plan);
    if (!plan || !(plan->input = strdup(input))) {
        free(plan);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    VSIStatBufL sb;
    mw_status st;
    if (VSIStatL(input, &sb) != 0) {
        st = mw_error_set(MW_ERR_OPEN, "%s: no such file or folder", input);
    } else if (VSI_ISDIR(sb.st_mode) && !ends_with_ci(input, ".SAFE") && !ends_with_ci(input, ".SAFE/")) {
        plan->kind = "folder";
        st = mw_batch_plan_from_folder(input, args, plan);
    } else if (ends_with_ci(input, ".csv") || ends_with_ci(input, ".txt")) {
        plan->kind = "csv";
        st = mw_batch_plan_from_csv(input, plan);
    } else if (ends_with_ci(input, ".json") || ends_with_ci(input, ".geojson")) {
        plan->kind = "stac";
        st = mw_batch_plan_from_stac(input, args, plan);
    } else {
        st = mw_error_set(MW_ERR_USAGE,
                          "%s: not a batch input (a .csv manifest, a folder of scenes, or a STAC .json)", input);
    }
    if (st == MW_OK && plan->count == 0) st = mw_error_set(MW_ERR_OPEN, "%s: no scene pairs found", input);
    if (st == MW_OK) st = mw_batch_plan_finish(plan);
    if (st != MW_OK) {
        mw_batch_plan_destroy(plan);
        return st;
    }
    *out = plan;
    return MW_OK;
}
