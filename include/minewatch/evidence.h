/**
 * Checking an evidence package (written by `minewatch scan --evidence DIR`).
 */
#ifndef MINEWATCH_EVIDENCE_H
#define MINEWATCH_EVIDENCE_H

#include "minewatch/export.h"
#include "minewatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of findings reported by mw_evidence_verify(). */
typedef enum mw_verify_kind {
    MW_VERIFY_ALTERED = 1,        /**< a package file differs from SHA256SUMS */
    MW_VERIFY_MISSING,            /**< a file listed in SHA256SUMS is gone */
    MW_VERIFY_ADDED,              /**< a file not listed in SHA256SUMS */
    MW_VERIFY_INPUT_CHANGED,      /**< an input at its recorded path differs from the manifest */
    MW_VERIFY_INPUT_ABSENT,       /**< an input is no longer at its recorded path (not a failure) */
    MW_VERIFY_INPUT_MATCHES       /**< an input at its path still matches */
} mw_verify_kind;

/** Called once per finding, in order; @p path is relative to the package for package files. */
typedef void (*mw_verify_fn)(void *arg, mw_verify_kind kind, const char *path);

/**
 * Re-hash every file of the package against its SHA256SUMS (reporting the
 * files that differ, are missing or were added, in path order), then the
 * inputs the manifest lists where they are still at their paths.
 * *intact is 1 when nothing differs (absent inputs do not count).
 * Returns an error status only when the check itself cannot run (no
 * SHA256SUMS, unreadable folder).
 */
MW_API mw_status mw_evidence_verify(const char *dir, mw_verify_fn report, void *arg, int *intact);

#ifdef __cplusplus
}
#endif

#endif
