/*
 * The output transaction: all outputs of a run committed together, or none
 * (see minewatch/output.h).
 *
 * General plan
 *  1. stage: resolve a symbolic link to its target; remove staging folders
 *     beside it that processes now gone left behind; make our own staging
 *     folder ".<name>.minewatch-tmp-<pid>-<start>" (pid and the process's
 *     start time, so a recycled pid is no owner). The writer writes there,
 *     under the final name, with whatever sidecars its format has.
 *  2. commit, signals blocked: for each unit, for each of its files (the
 *     staged ones, plus old sidecars of the format the new output lacks),
 *     the main file last: keep the old file as a hard link in the staging
 *     folder, then rename the new one over it (or remove a stale sidecar).
 *     The final name is never missing: rename() replaces it atomically.
 *  3. on a failed step, undo every step in reverse order (the old file's
 *     link renamed back, a new file that had no older one removed).
 *  4. either way the staging folders go.
 */
#include "mw_output_paths.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mw_error.h"

#define BACKUP_PREFIX ".mw-old-"

typedef struct txn_unit {
    char *dir;       /* folder of the final file */
    char *base;      /* its base name */
    char *stage;     /* our staging folder */
    char *staged;    /* stage/base: where the writer writes */
    char **owned;    /* sidecar names of the format (stale ones are removed) */
    int folder;      /* MW_OUTPUT_FOLDER: staged is a folder, renamed whole */
} txn_unit;

typedef struct txn_step {
    char *final;
    char *backup;    /* NULL: there was no older file */
    int linked;      /* backup is a hard link (final untouched until the rename) */
    char *fresh;     /* a folder: where it goes back on rollback */
    int made;        /* a folder: final was an empty folder, made again on rollback */
} txn_step;

struct mw_output_txn {
    txn_unit *u;
    int n;
    int done;        /* committed or failed: nothing left to stage */
};

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* Start time of process @p pid in clock ticks since boot (/proc), 0 if unknown. */
static unsigned long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');  /* the command name may hold spaces */
    unsigned long long start = 0;
    /* After ")": state is field 3, starttime field 22. */
    for (int field = 2; s && *s && field < 22; s++)
        if (*s == ' ') field++;
    if (s) start = strtoull(s, NULL, 10);
    return start;
}

static unsigned long long my_start(void)
{
    static unsigned long long start;
    if (!start) start = proc_start((long)getpid());
    return start;
}

/* Remove a file or a folder tree we made (never following links). */
static void remove_tree(const char *path, int depth)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = depth > 0 ? opendir(path) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *f = join(path, e->d_name);
        if (f) remove_tree(f, depth - 1);
        free(f);
    }
    if (d) closedir(d);
    rmdir(path);
}

/* Is the owner "<pid>-<start>" of a staging name still running? */
static int owner_alive(const char *owner)
{
    char *end;
    long pid = strtol(owner, &end, 10);
    if (pid <= 0 || *end != '-') return 1;  /* not ours to judge: keep */
    unsigned long long start = strtoull(end + 1, NULL, 10);
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 0;
    unsigned long long now = proc_start(pid);
    return !(now && start && now != start);  /* a recycled pid is another process */
}

/* Staging folders of processes that are gone (killed with -9, power cut). */
static void remove_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *m = e->d_name[0] == '.' ? strstr(e->d_name, MW_OUTPUT_TMP_MARK) : NULL;
        if (!m || owner_alive(m + strlen(MW_OUTPUT_TMP_MARK))) continue;
        char *f = join(dir, e->d_name);
        if (f) remove_tree(f, 16);
        free(f);
    }
    if (d) closedir(d);
}

mw_output_txn *mw_output_txn_new(void) { return calloc(1, sizeof(mw_output_txn)); }

static void unit_clear(txn_unit *u)
{
    free(u->dir);
    free(u->base);
    free(u->stage);
    free(u->staged);
    mw_output_names_free(u->owned);
}

mw_status mw_output_txn_stage(mw_output_txn *t, const char *path, mw_output_kind kind, const char **staged)
{
    if (staged) *staged = NULL;
    if (!t || !path || !*path || !staged) return mw_error_set(MW_ERR_USAGE, "mw_output_txn_stage: bad argument");
    if (t->done) return mw_error_set(MW_ERR_USAGE, "%s: the transaction is finished", path);
    txn_unit *grown = realloc(t->u, (size_t)(t->n + 1) * sizeof *grown);
    if (!grown) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    t->u = grown;
    txn_unit *u = &t->u[t->n];
    memset(u, 0, sizeof *u);
    int dangling;
    char *real = mw_output_resolve(path, &dangling);
    if (!real || !mw_output_split(real, &u->dir, &u->base)) {
        free(real);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }
    free(real);
    if (dangling) {
        unit_clear(u);
        return mw_error_set(MW_ERR_USAGE, "%s: a symbolic link to a missing file", path);
    }
    remove_leftovers(u->dir);
    char name[96];
    snprintf(name, sizeof name, MW_OUTPUT_TMP_MARK "%ld-%llu", (long)getpid(), my_start());
    size_t n = strlen(u->dir) + strlen(u->base) + strlen(name) + 3;
    u->stage = malloc(n);
    if (u->stage) snprintf(u->stage, n, "%s/.%s%s", u->dir, u->base, name);
    u->staged = u->stage ? join(u->stage, u->base) : NULL;
    u->owned = mw_output_sidecar_names(u->base, kind);
    u->folder = kind == MW_OUTPUT_FOLDER;
    if (!u->staged || !u->owned) {
        unit_clear(u);
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", path);
    }
    if (mkdir(u->stage, 0700) != 0 || (u->folder && mkdir(u->staged, 0755) != 0)) {
        mw_status st = mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
        rmdir(u->stage);
        unit_clear(u);
        return st;
    }
    t->n++;
    *staged = u->staged;
    return MW_OK;
}

/* One file into place; *s records what to undo. */
static mw_status place(const char *final, const char *fresh, const char *backup, txn_step *s)
{
    struct stat sb;
    memset(s, 0, sizeof *s);
    if (lstat(final, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return mw_error_set(MW_ERR_WRITE, "%s: is a folder: not replaced", final);
        if (link(final, backup) == 0) s->linked = 1;
        else if (rename(final, backup) != 0)  /* file systems without hard links */
            return mw_error_set(MW_ERR_WRITE, "%s: %s", final, strerror(errno));
        if (!(s->backup = strdup(backup))) {
            if (!s->linked) rename(backup, final);
            return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", final);
        }
    } else if (!fresh) {
        return MW_OK;  /* no stale sidecar: nothing to do */
    }
    int rc = fresh ? rename(fresh, final) : unlink(final);
    if (rc != 0) {
        mw_status st = mw_error_set(MW_ERR_WRITE, "%s: %s", final, strerror(errno));
        if (s->backup && !s->linked) rename(s->backup, final);
        else if (s->backup) unlink(s->backup);
        free(s->backup);
        s->backup = NULL;
        return st;
    }
    if (!(s->final = strdup(final))) {
        /* Cannot record the step: undo it now. */
        if (s->backup) rename(s->backup, final);
        else unlink(final);
        free(s->backup);
        s->backup = NULL;
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", final);
    }
    return MW_OK;
}

/* The files of unit @p u in commit order: sidecars first, the main file last. */
static char **unit_files(const txn_unit *u, int *count)
{
    int cap = 16, n = 0;
    char **f = malloc((size_t)cap * sizeof *f);
    DIR *d = f ? opendir(u->stage) : NULL;
    for (struct dirent *e; d && f && (e = readdir(d));) {
        if (e->d_name[0] == '.' && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
                                    !strncmp(e->d_name, BACKUP_PREFIX, strlen(BACKUP_PREFIX))))
            continue;
        if (!strcmp(e->d_name, u->base)) continue;
        struct stat sb;
        char *f0 = join(u->stage, e->d_name);
        const int regular = f0 && lstat(f0, &sb) == 0 && S_ISREG(sb.st_mode);
        free(f0);
        if (!regular) continue;  /* a writer's scratch folder is no output */
        if (n + 2 >= cap) {
            char **g = realloc(f, (size_t)(cap *= 2) * sizeof *g);
            if (!g) break;
            f = g;
        }
        f[n++] = strdup(e->d_name);
    }
    if (d) closedir(d);
    for (char **o = u->owned; f && *o; o++) {
        int dup = 0;
        for (int i = 0; i < n && !dup; i++) dup = f[i] && !strcmp(f[i], *o);
        if (dup) continue;
        if (n + 2 >= cap) {
            char **g = realloc(f, (size_t)(cap *= 2) * sizeof *g);
            if (!g) break;
            f = g;
        }
        f[n++] = strdup(*o);
    }
    if (f) f[n++] = strdup(u->base);
    *count = n;
    return f;
}

/* A staged folder into place: rename(2) replaces an empty folder
 * atomically and refuses a full one, so a folder someone filled meanwhile
 * is never lost. */
static mw_status place_folder(const txn_unit *u, txn_step *s)
{
    memset(s, 0, sizeof *s);
    char *final = join(u->dir, u->base);
    if (!final) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
    struct stat sb;
    const int made = lstat(final, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (rename(u->staged, final) != 0) {
        mw_status st = mw_error_set(MW_ERR_WRITE, "%s: cannot move the finished folder into place: %s", final,
                                    strerror(errno));
        free(final);
        return st;
    }
    s->final = final;
    s->made = made;
    if (!(s->fresh = strdup(u->staged))) {
        rename(final, u->staged);
        if (made) mkdir(final, 0755);
        free(final);
        s->final = NULL;
        return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
    }
    return MW_OK;
}

static mw_status commit_unit(const txn_unit *u, txn_step **steps, int *nsteps, int *cap)
{
    if (u->folder) {
        if (*nsteps == *cap) {
            txn_step *g = realloc(*steps, (size_t)(*cap = *cap ? 2 * *cap : 16) * sizeof *g);
            if (!g) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
            *steps = g;
        }
        mw_status st = place_folder(u, &(*steps)[*nsteps]);
        if (st == MW_OK) (*nsteps)++;
        return st;
    }
    int n = 0;
    char **files = unit_files(u, &n);
    mw_status st = files ? MW_OK : mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
    for (int i = 0; st == MW_OK && i < n; i++) {
        if (!files[i]) {
            st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
            break;
        }
        char *final = join(u->dir, files[i]), *fresh = join(u->stage, files[i]);
        char bname[4096];
        snprintf(bname, sizeof bname, BACKUP_PREFIX "%s", files[i]);
        char *backup = join(u->stage, bname);
        struct stat sb;
        const int staged = fresh && lstat(fresh, &sb) == 0 && S_ISREG(sb.st_mode);
        if (!final || !fresh || !backup) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
        if (st == MW_OK && *nsteps == *cap) {
            txn_step *g = realloc(*steps, (size_t)(*cap = *cap ? 2 * *cap : 16) * sizeof *g);
            if (!g) st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", u->base);
            else *steps = g;
        }
        if (st == MW_OK) {
            st = place(final, staged ? fresh : NULL, backup, &(*steps)[*nsteps]);
            if (st == MW_OK && (*steps)[*nsteps].final) (*nsteps)++;
            else if (st == MW_OK) free((*steps)[*nsteps].backup);
        }
        free(final);
        free(fresh);
        free(backup);
    }
    for (int i = 0; files && i < n; i++) free(files[i]);
    free(files);
    return st;
}

mw_status mw_output_txn_commit(mw_output_txn *t)
{
    if (!t) return mw_error_set(MW_ERR_USAGE, "mw_output_txn_commit: NULL transaction");
    if (t->done) return mw_error_set(MW_ERR_USAGE, "mw_output_txn_commit: already finished");
    /* A signal now must not leave half the outputs new and half old. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    txn_step *steps = NULL;
    int nsteps = 0, cap = 0;
    mw_status st = MW_OK;
    /* Files first, folders last: a folder is the costly step to undo. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; st == MW_OK && i < t->n; i++)
            if (t->u[i].folder == pass) st = commit_unit(&t->u[i], &steps, &nsteps, &cap);
    for (int i = nsteps - 1; i >= 0; i--) {
        if (st != MW_OK) {  /* roll back, newest first */
            if (steps[i].fresh) {
                rename(steps[i].final, steps[i].fresh);
                if (steps[i].made) mkdir(steps[i].final, 0755);
            } else if (steps[i].backup) {
                rename(steps[i].backup, steps[i].final);
            } else {
                unlink(steps[i].final);
            }
        }
        free(steps[i].final);
        free(steps[i].backup);
        free(steps[i].fresh);
    }
    free(steps);
    for (int i = 0; i < t->n; i++) remove_tree(t->u[i].stage, t->u[i].folder ? 16 : 3);
    t->done = 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

void mw_output_txn_free(mw_output_txn *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        if (!t->done) remove_tree(t->u[i].stage, t->u[i].folder ? 16 : 3);
        unit_clear(&t->u[i]);
    }
    free(t->u);
    free(t);
}
