/*
 * Small string and file helpers shared by the io module (VSI-aware, so
 * they work inside /vsizip/ archives too).
 */
#include "io/mw_io_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_vsi.h>

#include "core/mw_error.h"

char *mw_io_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

const char *mw_io_basename(const char *path)
{
    if (!path) return "";
    const char *b = path;
    for (const char *p = path; *p; p++)
        if ((*p == '/' || *p == '\\') && p[1]) b = p + 1;
    return b;
}

char *mw_io_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), c = strlen(name);
    while (a > 1 && dir[a - 1] == '/') a--;
    char *s = malloc(a + c + 2);
    if (!s) return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, c + 1);
    return s;
}

char *mw_io_slurp(const char *path, long max_bytes)
{
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (len == cap) {
            if ((long)cap >= max_bytes) break;
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = VSIFReadL(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    VSIFCloseL(f);
    if (buf) buf[len] = '\0';
    return buf;
}

/** See mw_io_internal.h. */
mw_status mw_io_check_not_special(const char *path)
{
    struct stat sb;
    if (!path || !strncmp(path, "/vsi", 4) || stat(path, &sb) != 0) return MW_OK;
    if (S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)) return MW_OK;
    /* GDAL would block for ever opening a FIFO, or read a device's bytes. */
    return mw_error_set(MW_ERR_OPEN, "%s: not a regular file or folder (a %s)", path,
                        S_ISFIFO(sb.st_mode) ? "FIFO" : S_ISSOCK(sb.st_mode) ? "socket" : "device");
}
