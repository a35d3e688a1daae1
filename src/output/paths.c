/*
 * The output plan: every output path checked against every input and every
 * other output before a run reads a pixel (see minewatch/output.h).
 *
 * General plan
 *  1. Inputs are recorded by device and inode (a folder: every file inside,
 *     a few levels deep, so a scene folder's metadata counts too).
 *  2. An output is resolved through a symbolic link, its name and
 *     extension checked for its kind, its folder for writing; then the
 *     output and each of its sidecars is compared with the inputs (same
 *     device and inode when it exists) and with the earlier outputs (same
 *     folder, by device and inode, and same base name).
 */
#include "mw_output_paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mw_error.h"
#include "mw_output.h"
#include "io/mw_io.h"

/* Deep enough for X.SAFE/GRANULE/<id>/IMG_DATA/R10m/<band>; bounded so a
 * scene given as "/" cannot walk the disk. */
enum { WALK_DEPTH = 6, WALK_MAX_FILES = 100000 };

typedef struct plan_entry {
    char *path;      /* as the user wrote it (inputs: the file found) */
    char *what;      /* "--aoi", "the before scene", ... */
    int is_output;
    int exists;
    dev_t dev;       /* the file itself, when it exists */
    ino_t ino;
    dev_t pdev;      /* outputs: the folder it is written in */
    ino_t pino;
    char **names;    /* outputs: base name and sidecars, NULL-terminated */
} plan_entry;

struct mw_output_plan {
    plan_entry *e;
    int n, cap;
    int walked;      /* files recorded by folder walks */
};

mw_output_plan *mw_output_plan_new(void) { return calloc(1, sizeof(mw_output_plan)); }

void mw_output_plan_free(mw_output_plan *p)
{
    if (!p) return;
    for (int i = 0; i < p->n; i++) {
        free(p->e[i].path);
        free(p->e[i].what);
        mw_output_names_free(p->e[i].names);
    }
    free(p->e);
    free(p);
}

void mw_output_names_free(char **names)
{
    if (!names) return;
    for (char **s = names; *s; s++) free(*s);
    free(names);
}

static int ends_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* Sidecars: "+x" appends x to the whole name, ".x" replaces the extension. */
static const struct {
    const char *ext;
    const char *side[8];
} sidecars[] = {
    {".shp", {".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", NULL}},
    {".gpkg", {"+-wal", "+-shm", "+-journal", NULL}},
    {".csv", {".csvt", NULL}},
    {".tif", {"+.aux.xml", "+.ovr", "+.msk", ".qml", NULL}},
    {".tiff", {"+.aux.xml", "+.ovr", "+.msk", ".qml", NULL}},
};

char **mw_output_sidecar_names(const char *base, mw_output_kind kind)
{
    char **out = calloc(10, sizeof *out);
    if (!out || kind == MW_OUTPUT_FOLDER) return out;
    const char *dot = strrchr(base, '.');
    size_t stem = dot ? (size_t)(dot - base) : strlen(base);
    int k = 0;
    for (size_t i = 0; i < sizeof sidecars / sizeof sidecars[0]; i++) {
        if (!dot || strcasecmp(dot, sidecars[i].ext) != 0) continue;
        for (int j = 0; sidecars[i].side[j]; j++) {
            const char *s = sidecars[i].side[j];
            int append = s[0] == '+';
            size_t keep = append ? strlen(base) : stem;
            char *name = malloc(keep + strlen(s) + 1);
            if (!name) {
                mw_output_names_free(out);
                return NULL;
            }
            memcpy(name, base, keep);
            strcpy(name + keep, s + append);
            out[k++] = name;
        }
    }
    return out;
}

int mw_output_split(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    *base = strdup(slash ? slash + 1 : path);
    if (!slash) *dir = strdup(".");
    else if (slash == path) *dir = strdup("/");
    else *dir = strndup(path, (size_t)(slash - path));
    if (*dir && *base) return 1;
    free(*dir);
    free(*base);
    *dir = *base = NULL;
    return 0;
}

char *mw_output_resolve(const char *path, int *dangling)
{
    struct stat sb;
    *dangling = 0;
    if (lstat(path, &sb) != 0 || !S_ISLNK(sb.st_mode)) return strdup(path);
    char *r = realpath(path, NULL);
    if (!r && errno != ENOMEM) {
        *dangling = 1;
        return strdup(path);
    }
    return r;
}

static mw_status push(mw_output_plan *p, const char *path, const char *what, plan_entry **out)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        plan_entry *e = realloc(p->e, (size_t)cap * sizeof *e);
        if (!e) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
        p->e = e;
        p->cap = cap;
    }
    plan_entry *e = &p->e[p->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->what = strdup(what ? what : "an input");
    if (!e->path || !e->what) {
        free(e->path);
        free(e->what);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }
    p->n++;
    *out = e;
    return MW_OK;
}

static mw_status same_file_error(const plan_entry *out, const char *out_file, const plan_entry *other,
                                 const char *other_file)
{
    return mw_error_set(MW_ERR_USAGE, "%s %s is the same file as %s %s: refusing to overwrite %s",
                        out->what, out_file, other->what, other_file,
                        other->is_output ? "another output of the run" : "an input");
}

/* An input that is already a recorded output (inputs may come later). */
static mw_status input_vs_outputs(const mw_output_plan *p, const plan_entry *in)
{
    for (int i = 0; i < p->n; i++) {
        const plan_entry *o = &p->e[i];
        if (o->is_output && o->exists && o->dev == in->dev && o->ino == in->ino)
            return same_file_error(o, o->path, in, in->path);
    }
    return MW_OK;
}

static mw_status record_file(mw_output_plan *p, const char *path, const struct stat *sb, const char *what)
{
    plan_entry *e;
    mw_status st = push(p, path, what, &e);
    if (st != MW_OK) return st;
    e->exists = 1;
    e->dev = sb->st_dev;
    e->ino = sb->st_ino;
    return input_vs_outputs(p, e);
}

static mw_status walk(mw_output_plan *p, const char *dir, const char *what, int depth)
{
    if (depth <= 0 || p->walked >= WALK_MAX_FILES) return MW_OK;
    DIR *d = opendir(dir);
    if (!d) return MW_OK;  /* unreadable parts are no file we could hurt by name */
    mw_status st = MW_OK;
    for (struct dirent *de; st == MW_OK && p->walked < WALK_MAX_FILES && (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *f = malloc(n);
        if (!f) {
            st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        snprintf(f, n, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(f, &sb) == 0) {
            p->walked++;
            st = record_file(p, f, &sb, what);
            if (st == MW_OK && S_ISDIR(sb.st_mode)) st = walk(p, f, what, depth - 1);
        }
        free(f);
    }
    closedir(d);
    return st;
}

mw_status mw_output_plan_add_input(mw_output_plan *p, const char *path, const char *what, int must_read)
{
    if (!p || !path) return mw_error_set(MW_ERR_USAGE, "mw_output_plan_add_input: NULL argument");
    if (!strncmp(path, "/vsi", 4)) return MW_OK;  /* a GDAL virtual file: nothing we could write over */
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (must_read) return mw_error_set(MW_ERR_OPEN, "%s: %s", path, strerror(errno));
        return MW_OK;
    }
    if (must_read) {
        if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
            return mw_error_set(MW_ERR_OPEN, "%s: not a regular file", path);
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0) return mw_error_set(MW_ERR_OPEN, "%s: %s", path, strerror(errno));
        close(fd);
    }
    mw_status st = record_file(p, path, &sb, what);
    if (st == MW_OK && S_ISDIR(sb.st_mode)) st = walk(p, path, what, WALK_DEPTH);
    return st;
}

mw_status mw_output_plan_add_scene(mw_output_plan *p, const mw_scene *scene, const char *what)
{
    if (!p || !scene) return mw_error_set(MW_ERR_USAGE, "mw_output_plan_add_scene: NULL argument");
    mw_status st = mw_output_plan_add_input(p, scene->path, what, 0);
    for (int r = 0; st == MW_OK && r < MW_BAND_ROLE_COUNT; r++)
        if (scene->bands[r].present && scene->bands[r].file)
            st = mw_output_plan_add_input(p, scene->bands[r].file, what, 0);
    return st;
}

#define ALERT_FORMATS ".geojson, .gpkg, .kml, .fgb, .csv, .shp"

static mw_status check_name(const char *path, const char *base, mw_output_kind kind, const char *what)
{
    if (!*path) return mw_error_set(MW_ERR_USAGE, "%s: the output name is empty", what);
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return mw_error_set(MW_ERR_USAGE, "%s %s: not a file name", what, path);
    if (kind == MW_OUTPUT_FOLDER || kind == MW_OUTPUT_DOCUMENT) return MW_OK;
    const char *dot = strrchr(base, '.');
    if (kind == MW_OUTPUT_RASTER) {
        if (!ends_ci(base, ".tif") && !ends_ci(base, ".tiff"))
            return mw_error_set(MW_ERR_USAGE, "%s %s: the change raster is a GeoTIFF, name it .tif", what, path);
        return MW_OK;
    }
    static const char *const exts[] = {".geojson", ".json", ".gpkg", ".kml", ".fgb", ".csv", ".shp"};
    for (size_t i = 0; dot && dot != base && i < sizeof exts / sizeof exts[0]; i++)
        if (!strcasecmp(dot, exts[i])) return MW_OK;
    if (!dot || dot == base)
        return mw_error_set(MW_ERR_USAGE, "%s %s: no file extension to choose the output format (use "
                            ALERT_FORMATS ")", what, path);
    return mw_error_set(MW_ERR_USAGE, "%s %s: unknown output format '%s' (use " ALERT_FORMATS ")", what,
                        path, dot);
}

/* The output file as it stands: a folder, a device, a read-only file. */
static mw_status check_existing(const char *path, const struct stat *sb, mw_output_kind kind, const char *what)
{
    if (kind == MW_OUTPUT_FOLDER) {
        if (!S_ISDIR(sb->st_mode)) return mw_error_set(MW_ERR_USAGE, "%s %s: exists and is no folder", what, path);
        if (access(path, W_OK | X_OK) != 0) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
        return MW_OK;
    }
    if (S_ISDIR(sb->st_mode)) return mw_error_set(MW_ERR_USAGE, "%s %s: is a folder, not a file name", what, path);
    if (!S_ISREG(sb->st_mode)) return mw_error_set(MW_ERR_WRITE, "%s: not a regular file: not replaced", path);
    /* Root passes access(): the mode bits say what the owner meant. */
    if (!(sb->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) || access(path, W_OK) != 0)
        return mw_error_set(MW_ERR_WRITE, "%s: read-only file: not replaced (make it writable or remove it)",
                            path);
    return MW_OK;
}

/* Each file of the new output (itself and its sidecars) against the plan. */
static mw_status check_collisions(const mw_output_plan *p, const plan_entry *o, const char *dir)
{
    for (char **nm = o->names; *nm; nm++) {
        size_t n = strlen(dir) + strlen(*nm) + 2;
        char *f = malloc(n);
        if (!f) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", o->path);
        snprintf(f, n, "%s/%s", dir, *nm);
        struct stat sb;
        int exists = stat(f, &sb) == 0;
        const char *shown = nm == o->names ? o->path : f;
        mw_status st = MW_OK;
        for (int i = 0; st == MW_OK && i < p->n; i++) {
            const plan_entry *e = &p->e[i];
            if (e == o) continue;
            if (exists && e->exists && e->dev == sb.st_dev && e->ino == sb.st_ino && !e->is_output)
                st = same_file_error(o, shown, e, e->path);
            for (char **m = e->is_output ? e->names : NULL; st == MW_OK && m && *m; m++)
                if (e->pdev == o->pdev && e->pino == o->pino && !strcmp(*m, *nm))
                    st = same_file_error(o, shown, e, e->path);
        }
        free(f);
        if (st != MW_OK) return st;
    }
    return MW_OK;
}

mw_status mw_output_plan_add_output(mw_output_plan *p, const char *path, mw_output_kind kind, const char *what)
{
    if (!p) return mw_error_set(MW_ERR_USAGE, "mw_output_plan_add_output: NULL plan");
    if (!what) what = "output";
    if (!path) path = "";
    int dangling = 0;
    char *real = *path ? mw_output_resolve(path, &dangling) : strdup(path), *dir = NULL, *base = NULL;
    if (!real || !mw_output_split(real, &dir, &base)) {
        free(real);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }
    /* The name the user gave chooses the format, even through a link. */
    const char *slash = strrchr(path, '/');
    mw_status st = check_name(path, slash ? slash + 1 : path, kind, what);
    struct stat sb, db;
    if (st == MW_OK && dangling)
        st = mw_error_set(MW_ERR_USAGE, "%s %s: a symbolic link to a missing file", what, path);
    if (st == MW_OK && stat(dir, &db) != 0)
        st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    if (st == MW_OK && !S_ISDIR(db.st_mode)) st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(ENOTDIR));
    if (st == MW_OK && access(dir, W_OK | X_OK) != 0)
        st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    int exists = st == MW_OK && stat(real, &sb) == 0;
    plan_entry *o = NULL;
    if (st == MW_OK) st = push(p, path, what, &o);
    if (st == MW_OK) {
        o->is_output = 1;
        o->exists = exists;
        o->dev = exists ? sb.st_dev : 0;
        o->ino = exists ? sb.st_ino : 0;
        o->pdev = db.st_dev;
        o->pino = db.st_ino;
        char **side = mw_output_sidecar_names(base, kind);
        int k = 0;
        while (side && side[k]) k++;
        o->names = side ? calloc((size_t)k + 2, sizeof *o->names) : NULL;
        if (!o->names) {
            mw_output_names_free(side);
            st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
        } else {
            o->names[0] = base;
            base = NULL;
            memcpy(o->names + 1, side, (size_t)k * sizeof *side);
            free(side);
        }
        /* Same file as an input first: that is the message that helps. */
        if (st == MW_OK) st = check_collisions(p, o, dir);
        if (st == MW_OK && exists) st = check_existing(path, &sb, kind, what);
        if (st != MW_OK) {  /* a refused output stays out of the plan */
            free(o->path);
            free(o->what);
            mw_output_names_free(o->names);
            p->n--;
        }
    }
    free(real);
    free(dir);
    free(base);
    return st;
}

/** See mw_output_paths.h. */
void mw_output_error_rename(const char *staged, const char *user)
{
    const char *msg = mw_last_error();
    if (!staged || !user || !*staged || !strstr(msg, staged)) return;
    size_t sl = strlen(staged), ul = strlen(user), n = strlen(msg) + 1;
    for (const char *p = strstr(msg, staged); p; p = strstr(p + sl, staged)) n += ul;
    char *out = malloc(n), *w = out;
    if (!out) return;
    const char *p = msg, *q;
    while ((q = strstr(p, staged))) {
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, user, ul);
        w += ul;
        p = q + sl;
    }
    strcpy(w, p);
    mw_error_set(mw_last_status(), "%s", out);
    free(out);
}
