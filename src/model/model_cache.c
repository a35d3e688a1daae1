/*
 * The model cache of a context (see mw_model_cache.h).
 *
 * A handful of entries at most (one per model file a process uses), so a
 * list searched linearly. The file is read on every acquire (a few hundred
 * kB, well under a millisecond) and compared with the bytes the cached
 * model was parsed from: a trainer that rewrites a model file between scans
 * gets the new model, and no clock or inode is trusted to say so.
 */
#include "mw_model.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

typedef struct entry {
    char *path;
    char *text;          /* the bytes the model was parsed from */
    size_t len;
    mw_model *model;
    int refs;            /* scans using it now */
    int stale;           /* replaced by a newer load: freed at refs 0 */
    struct entry *next;
} entry;

struct mw_model_cache {
    pthread_mutex_t lock;
    entry *head;
    int loads;
};

mw_model_cache *mw_model_cache_create(void)
{
    mw_model_cache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

static void entry_free(entry *e)
{
    mw_model_destroy(e->model);
    free(e->path);
    free(e->text);
    free(e);
}

void mw_model_cache_destroy(mw_model_cache *c)
{
    if (!c) return;
    for (entry *e = c->head, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Unlink @p e (stale, unused) from the list and free it. Lock held. */
static void drop(mw_model_cache *c, entry *e)
{
    for (entry **p = &c->head; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    entry_free(e);
}

mw_status mw_model_cache_acquire(mw_model_cache *c, const char *path, const mw_model **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    mw_status st = mw_model_read_text(path, &text, &len);
    if (st != MW_OK) return st;
    pthread_mutex_lock(&c->lock);
    entry *hit = NULL;
    for (entry *e = c->head; e && !hit; e = e->next)
        if (!e->stale && !strcmp(e->path, path)) hit = e;
    if (hit && (hit->len != len || memcmp(hit->text, text, len) != 0)) {
        hit->stale = 1;
        if (!hit->refs) drop(c, hit);
        hit = NULL;
    }
    if (!hit) {
        /* Parsing under the lock: a model is parsed once even when two
         * scans ask for it at the same moment. */
        mw_model *m = NULL;
        entry *e = calloc(1, sizeof *e);
        st = e ? mw_model_parse(text, path, &m) : mw_error_set(MW_ERR_NOMEM, "out of memory");
        if (st == MW_OK && !(e->path = strdup(path))) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
        if (st == MW_OK) {
            e->text = text;
            e->len = len;
            e->model = m;
            e->next = c->head;
            c->head = e;
            c->loads++;
            text = NULL;
            hit = e;
        } else {
            mw_model_destroy(m);
            if (e) free(e->path);
            free(e);
        }
    }
    if (hit) {
        hit->refs++;
        *out = hit->model;
    }
    pthread_mutex_unlock(&c->lock);
    free(text);
    return st;
}

void mw_model_cache_release(mw_model_cache *c, const mw_model *m)
{
    if (!c || !m) return;
    pthread_mutex_lock(&c->lock);
    for (entry *e = c->head; e; e = e->next)
        if (e->model == m) {
            if (e->refs > 0) e->refs--;
            if (e->stale && !e->refs) drop(c, e);
            break;
        }
    pthread_mutex_unlock(&c->lock);
}

int mw_model_cache_loads(const mw_model_cache *c)
{
    if (!c) return 0;
    pthread_mutex_lock((pthread_mutex_t *)&c->lock);
    int n = c->loads;
    pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
    return n;
}
