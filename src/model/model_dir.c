/*
 * Where the default models (<sensor>.json) are, found from the library
 * itself so an installed copy is relocatable and never reads the source
 * tree: <dir of the running libminewatch>/<libdir-to-datadir>/minewatch/
 * models, else the configured install directory. Only a library that runs
 * from its own build tree (tests, scripts/demo) uses the source's models/.
 */
#include "mw_model.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char default_dir[PATH_MAX];
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

/* @p path (resolved) lies inside folder @p root (resolved). */
static int inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    return n > 0 && strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void find_default_dir(void)
{
    snprintf(default_dir, sizeof default_dir, "%s", MW_INSTALLED_MODEL_DIR);
    Dl_info info;
    char self[PATH_MAX], build[PATH_MAX];
    /* The object that holds this function: libminewatch.so, or the
     * executable a static copy is linked into. */
    if (!dladdr((void *)&mw_model_default_dir, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, self))
        return;
    if (realpath(MW_BUILD_ROOT, build) && inside(self, build)) {
        snprintf(default_dir, sizeof default_dir, "%s", MW_SOURCE_MODEL_DIR);
        return;
    }
    if (!*MW_MODEL_DIR_FROM_LIBDIR) return;  /* libdir outside the prefix */
    char candidate[PATH_MAX];
    int n = snprintf(candidate, sizeof candidate, "%s/%s", dirname(self), MW_MODEL_DIR_FROM_LIBDIR);
    if (n > 0 && (size_t)n < sizeof candidate && access(candidate, R_OK) == 0)
        snprintf(default_dir, sizeof default_dir, "%s", candidate);
}

const char *mw_model_default_dir(void)
{
    pthread_once(&default_once, find_default_dir);
    return default_dir;
}
