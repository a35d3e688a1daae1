/*
 * Internal error helpers. A failing function records its message with
 * mw_error_set() and returns the status it got back:
 *
 *     if (!ds) return mw_error_set(MW_ERR_OPEN, "%s: not a raster", path);
 *
 * The message buffer is thread-local, so OpenMP workers never race on it;
 * the engine copies the first worker failure to the calling thread.
 */
#ifndef MW_ERROR_INTERNAL_H
#define MW_ERROR_INTERNAL_H

#include "minewatch/status.h"

#if defined(__GNUC__)
#define MW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MW_PRINTF(a, b)
#endif

/** Record status and message on this thread; returns @p status. */
mw_status mw_error_set(mw_status status, const char *fmt, ...) MW_PRINTF(2, 3);

/**
 * Record status with the message GDAL left in CPLGetLastErrorMsg(),
 * prefixed by @p what (usually a file name): "<what>: <GDAL message>".
 * Falls back to @p fallback when GDAL said nothing.
 */
mw_status mw_error_from_gdal(mw_status status, const char *what, const char *fallback);

/** Copy the calling thread's error into a caller buffer (for workers). */
void mw_error_copy(char *buf, int size);

#endif
