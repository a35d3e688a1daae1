/**
 * Status codes and error messages.
 *
 * Codes come in ranges so a caller can test the family:
 *   1xx usage (a bad parameter value), 2xx input data, 3xx geometry/CRS,
 *   4xx model, 5xx output, 6xx cancelled, 9xx internal.
 * The message of the last failure on the calling thread is kept in a
 * thread-local buffer (as GDAL's CPLGetLastErrorMsg()), already formatted
 * as "<file>: <reason>" where a file is involved.
 */
#ifndef MINEWATCH_STATUS_H
#define MINEWATCH_STATUS_H

#include "minewatch/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mw_status {
    MW_OK = 0,

    MW_ERR_USAGE = 100,       /**< a parameter value is out of range or malformed */

    MW_ERR_OPEN = 200,        /**< a file cannot be opened or is not a raster */
    MW_ERR_READ = 201,        /**< reading or decoding pixels failed */
    MW_ERR_LAYOUT = 202,      /**< the scene layout is not recognised */
    MW_ERR_BAND = 203,        /**< a required band is missing or mapped wrongly */
    MW_ERR_METADATA = 204,    /**< product metadata is malformed */
    MW_ERR_NO_VALID = 205,    /**< no pixel is valid in both dates (all cloud, all nodata) */

    MW_ERR_CRS = 300,         /**< a CRS is missing or cannot be used */
    MW_ERR_NO_OVERLAP = 301,  /**< the scenes (or the AOI) do not overlap */
    MW_ERR_GEOMETRY = 302,    /**< a vector input (AOI, protected areas) is unusable */

    MW_ERR_MODEL = 400,       /**< the model file is missing or malformed */

    MW_ERR_WRITE = 500,       /**< an output cannot be written */

    MW_ERR_CANCELLED = 600,   /**< the progress callback asked to stop */

    MW_ERR_NOMEM = 900,       /**< out of memory */
    MW_ERR_INTERNAL = 901     /**< a bug: please report it */
} mw_status;

/** Short static description of a status code ("missing band", ...). */
MW_API const char *mw_strerror(mw_status status);

/**
 * Message of the last error raised on the calling thread, or "" if none.
 * The pointer stays valid until the next failing call on the same thread.
 */
MW_API const char *mw_last_error(void);

/** Status of the last error raised on the calling thread (MW_OK if none). */
MW_API mw_status mw_last_status(void);

/** Forget the last error of the calling thread. */
MW_API void mw_error_reset(void);

/**
 * Progress callback, GDAL-compatible in spirit (GDALProgressFunc): @p done
 * runs from 0 to 1, @p message may be NULL. Return 0 to cancel the job, which
 * then fails with MW_ERR_CANCELLED. Always called from the thread that
 * started the job.
 */
typedef int (*mw_progress_fn)(double done, const char *message, void *user);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_STATUS_H */
