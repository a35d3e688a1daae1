/* Thread-local error state: see mw_error.h. */
#include "mw_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cpl_error.h>

enum { MW_ERROR_MAX = 1024 };

static _Thread_local char last_message[MW_ERROR_MAX];
static _Thread_local mw_status last_status = MW_OK;

mw_status mw_error_set(mw_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    /* One line: the CLI prints the message after "minewatch: error: ". */
    for (char *p = last_message; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    last_status = status;
    return status;
}

mw_status mw_error_from_gdal(mw_status status, const char *what, const char *fallback)
{
    const char *msg = CPLGetLastErrorMsg();
    if (!msg || !*msg) msg = fallback ? fallback : "unknown GDAL error";
    /* Some GDAL messages quote whole SQL scripts with the reason at the end
     * ("sqlite3_exec(CREATE TABLE ...) failed: database or disk is full"):
     * keep the head and the tail, which fit in one readable line. */
    char cut[320];
    size_t len = strlen(msg);
    if (len > sizeof cut - 1) {
        snprintf(cut, sizeof cut, "%.120s ... %s", msg, msg + len - 180);
        msg = cut;
    }
    /* GDAL often names the file itself: do not say it twice. */
    if (!what || strncmp(msg, what, strlen(what)) == 0) return mw_error_set(status, "%s", msg);
    return mw_error_set(status, "%s: %s", what, msg);
}

void mw_error_copy(char *buf, int size)
{
    if (size <= 0) return;
    snprintf(buf, (size_t)size, "%s", last_message);
}

const char *mw_last_error(void) { return last_message; }

mw_status mw_last_status(void) { return last_status; }

void mw_error_reset(void)
{
    last_message[0] = '\0';
    last_status = MW_OK;
}

const char *mw_strerror(mw_status status)
{
    switch (status) {
    case MW_OK: return "success";
    case MW_ERR_USAGE: return "invalid parameter";
    case MW_ERR_DATE_ORDER: return "the before date is later than the after date";
    case MW_ERR_OPEN: return "cannot open input";
    case MW_ERR_READ: return "cannot read pixels";
    case MW_ERR_LAYOUT: return "unrecognised scene layout";
    case MW_ERR_BAND: return "missing or wrongly mapped band";
    case MW_ERR_METADATA: return "malformed product metadata";
    case MW_ERR_NO_VALID: return "no valid pixel in both dates";
    case MW_ERR_CRS: return "unusable coordinate reference system";
    case MW_ERR_NO_OVERLAP: return "inputs do not overlap";
    case MW_ERR_GEOMETRY: return "unusable vector input";
    case MW_ERR_MODEL: return "unusable model file";
    case MW_ERR_WRITE: return "cannot write output";
    case MW_ERR_CANCELLED: return "cancelled";
    case MW_ERR_NOMEM: return "out of memory";
    case MW_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}
