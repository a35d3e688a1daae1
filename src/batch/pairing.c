/*
 * A folder of scenes -> pairs. Every entry of the folder that is a scene
 * (a raster file, a band folder, a .SAFE or its .zip) is opened (metadata
 * only) for its date and tile key (scene_key.c). Scenes of one key are
 * sorted by date and paired: consecutive dates (d0-d1, d1-d2, ...) or each
 * later date against the first (d0-d1, d0-d2, ...). Pair ids are
 * "<key>_<before yyyymmdd>_<after yyyymmdd>". A scene that cannot be opened,
 * has no date, or has no other date of its tile becomes a skipped entry
 * with the reason.
 */
#include "mw_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_string.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

static const char *const scene_exts[] = {".tif", ".tiff", ".vrt", ".img", ".jp2", ".zip", ".nc", NULL};

static int has_scene_ext(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; scene_exts[i]; i++) {
        size_t k = strlen(scene_exts[i]);
        if (n > k && !strcasecmp(name + n - k, scene_exts[i])) return 1;
    }
    return 0;
}

void mw_batch_scene_clear(mw_batch_scene *s)
{
    free(s->path);
    free(s->key);
    free(s->date_iso);
    free(s->reason);
    for (int i = 0; i < s->nextra; i++) free(s->extra_files[i]);
    free(s->extra_files);
    memset(s, 0, sizeof *s);
}

static int cmp_scene(const void *pa, const void *pb)
{
    const mw_batch_scene *a = pa, *b = pb;
    int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");
    if (c) return c;
    if ((c = strcmp(a->date, b->date))) return c;
    return strcmp(a->path, b->path);
}

static mw_status add_pair(mw_batch_plan *plan, const mw_batch_scene *b, const mw_batch_scene *a)
{
    char id[160];
    snprintf(id, sizeof id, "%s_%s_%s", a->key, b->date, a->date);
    mw_batch_entry *e = mw_batch_plan_add(plan, id, b->path, a->path, NULL);
    if (!e) return mw_last_status();
    e->sensor = a->sensor;
    e->before_date = mw_batch_strdup(b->date_iso);
    e->after_date = mw_batch_strdup(a->date_iso);
    int n = b->nextra + a->nextra;
    if (n > 0) {
        e->extra_files = calloc((size_t)n, sizeof *e->extra_files);
        if (!e->extra_files) return mw_error_set(MW_ERR_NOMEM, "out of memory");
        for (int i = 0; i < b->nextra; i++) e->extra_files[e->nextra++] = mw_batch_strdup(b->extra_files[i]);
        for (int i = 0; i < a->nextra; i++) e->extra_files[e->nextra++] = mw_batch_strdup(a->extra_files[i]);
    }
    return MW_OK;
}

static mw_status add_skipped(mw_batch_plan *plan, const mw_batch_scene *s, const char *reason)
{
    const char *base = strrchr(s->path, '/');
    char id[200];
    if (s->key && s->date[0]) snprintf(id, sizeof id, "%s_%s", s->key, s->date);
    else snprintf(id, sizeof id, "%s", base && base[1] ? base + 1 : s->path);
    mw_batch_entry *e = mw_batch_plan_add(plan, id, s->path, NULL, NULL);
    if (!e) return mw_last_status();
    e->state = MW_BATCH_SKIPPED;
    e->reason = mw_batch_strdup(reason);
    return MW_OK;
}

mw_status mw_batch_pair_scenes(mw_batch_scene *scenes, int n, int pairing_first, mw_batch_plan *plan)
{
    qsort(scenes, (size_t)n, sizeof *scenes, cmp_scene);
    mw_status st = MW_OK;
    for (int i = 0; i < n && st == MW_OK;) {
        mw_batch_scene *s = &scenes[i];
        if (s->reason) {
            st = add_skipped(plan, s, s->reason);
            i++;
            continue;
        }
        int j = i + 1;
        while (j < n && !scenes[j].reason && !strcmp(scenes[j].key, s->key)) j++;
        if (j - i == 1) {
            char why[160];
            snprintf(why, sizeof why, "no other date of %s to pair with", s->key);
            st = add_skipped(plan, s, why);
        }
        for (int k = i + 1; k < j && st == MW_OK; k++)
            st = add_pair(plan, pairing_first ? &scenes[i] : &scenes[k - 1], &scenes[k]);
        i = j;
    }
    return st;
}

/* Open one folder entry for its date and key. */
static void probe_scene(mw_batch_scene *s, const mw_scene_open_args *open)
{
    mw_scene *sc = NULL;
    if (mw_scene_open(s->path, open, &sc) != MW_OK) {
        s->reason = strdup(mw_last_error());
        return;
    }
    const char *d = mw_scene_date(sc);
    if (d && strlen(d) == 10) snprintf(s->date, sizeof s->date, "%.4s%.2s%.2s", d, d + 5, d + 8);
    else s->reason = strdup("no acquisition date in its metadata or name (YYYYMMDD)");
    s->key = mw_batch_scene_key(s->path, sc);
    mw_scene_destroy(sc);
}

static int same_path(const char *a, const char *b)
{
    char *ra = a ? realpath(a, NULL) : NULL, *rb = b ? realpath(b, NULL) : NULL;
    int same = ra && rb && !strcmp(ra, rb);
    free(ra);
    free(rb);
    return same;
}

mw_status mw_batch_plan_from_folder(const char *dir, const mw_batch_plan_args *args, mw_batch_plan *plan)
{
    char **names = VSIReadDir(dir);
    int count = CSLCount(names);
    mw_batch_scene *scenes = calloc((size_t)(count ? count : 1), sizeof *scenes);
    if (!scenes) {
        CSLDestroy(names);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    int n = 0;
    mw_status st = MW_OK;
    for (int i = 0; i < count && st == MW_OK; i++) {
        const char *name = names[i];
        if (name[0] == '.') continue;
        char *path = mw_batch_join(dir, name);
        if (!path) {
            st = mw_error_set(MW_ERR_NOMEM, "out of memory");
            break;
        }
        VSIStatBufL sb;
        int is_dir = VSIStatL(path, &sb) == 0 && VSI_ISDIR(sb.st_mode);
        if ((!is_dir && !has_scene_ext(name)) || (args->outdir && same_path(path, args->outdir))) {
            free(path);
            continue;
        }
        scenes[n].path = path;
        probe_scene(&scenes[n], &args->open);
        n++;
    }
    CSLDestroy(names);
    if (st == MW_OK) st = mw_batch_pair_scenes(scenes, n, args->pairing_first, plan);
    for (int i = 0; i < n; i++) mw_batch_scene_clear(&scenes[i]);
    free(scenes);
    return st;
}
