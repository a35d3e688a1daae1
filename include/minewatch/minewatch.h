/**
 * minewatch — candidate illegal mining sites from two satellite acquisitions.
 *
 * Umbrella header of libminewatch. Every public symbol carries the `mw_`
 * prefix; handles are opaque and come in create/destroy pairs; every
 * fallible call returns an ::mw_status and leaves a one-line message for
 * mw_last_error(). The library never prints and never calls exit().
 */
#ifndef MINEWATCH_H
#define MINEWATCH_H

#include "minewatch/version.h"
#include "minewatch/export.h"
#include "minewatch/status.h"
#include "minewatch/scene.h"
#include "minewatch/context.h"
#include "minewatch/alerts.h"
#include "minewatch/scan.h"
#include "minewatch/output.h"
#include "minewatch/batch.h"
#include "minewatch/evidence.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version string of the library, e.g. "0.1.0". Static storage. */
MW_API const char *mw_version(void);

/**
 * Initialise GDAL drivers and PROJ search paths. Idempotent and cheap after
 * the first call; call it once from the main thread before anything else.
 */
MW_API void mw_init(void);

/**
 * A copy of @p s in which every byte that is not part of a valid UTF-8
 * sequence (overlong forms and surrogates included) is replaced by U+FFFD:
 * text from user files (paths, layer names) may hold any bytes, and text
 * that leaves minewatch is UTF-8. *@p repaired (may be NULL) is
 * incremented when anything was replaced. Free the copy with mw_free().
 * NULL for NULL or out of memory. Thread-safe.
 */
MW_API char *mw_utf8_repair(const char *s, int *repaired);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_H */
