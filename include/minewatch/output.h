/**
 * Outputs that never hurt what the user owns.
 *
 * Two small tools every writer of the library (scan, evidence, batch) uses:
 *
 *  - an output plan checks, before any pixel is read, that no output is the
 *    same file as an input or as another output (device and inode, through
 *    symbolic links, sidecars included), that its name and extension fit
 *    its kind, and that its folder is writable;
 *  - an output transaction stages every output of a run under temporary
 *    names that say whose they are, and commits them together: if any step
 *    fails, the files committed before are rolled back, so the files that
 *    were there stay exactly as they were.
 *
 * Symbolic links and read-only files among the outputs: an output that is a
 * symbolic link is written through to its target (the link stays, the file
 * it points to is replaced); a dangling link is refused. An existing output
 * file without write permission is never replaced (MW_ERR_WRITE).
 */
#ifndef MINEWATCH_OUTPUT_H
#define MINEWATCH_OUTPUT_H

#include "minewatch/export.h"
#include "minewatch/scan.h"
#include "minewatch/scene.h"
#include "minewatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What an output path names. */
typedef enum mw_output_kind {
    MW_OUTPUT_ALERTS = 0, /**< alert layer; format from the extension (.geojson .json .gpkg .kml .fgb .csv .shp) */
    MW_OUTPUT_RASTER,     /**< GeoTIFF (.tif, .tiff) with its .aux.xml and .qml sidecars */
    MW_OUTPUT_FOLDER,     /**< a folder the run fills (evidence package, batch output) */
    MW_OUTPUT_DOCUMENT    /**< any other single file, no sidecars (a series' timeline page) */
} mw_output_kind;

typedef struct mw_output_plan mw_output_plan;

/** A new, empty plan; NULL when out of memory. */
MW_API mw_output_plan *mw_output_plan_new(void);
/** Free a plan; NULL is accepted. */
MW_API void mw_output_plan_free(mw_output_plan *plan);

/**
 * Record an input file or folder (a folder: every file inside, a few levels
 * deep). @p what names it in messages ("--aoi", "the model"). With
 * @p must_read a local file that cannot be opened for reading fails now
 * (MW_ERR_OPEN "<path>: <reason>"). GDAL virtual paths (/vsi...) are kept
 * by name only.
 * @return MW_OK, MW_ERR_OPEN, MW_ERR_USAGE (it is a recorded output) or
 *         MW_ERR_NOMEM.
 */
MW_API mw_status mw_output_plan_add_input(mw_output_plan *plan, const char *path, const char *what,
                                   int must_read);

/** Record every file a scene reads: the path given (a folder: all its
 *  files, metadata included) and each band file. */
MW_API mw_status mw_output_plan_add_scene(mw_output_plan *plan, const mw_scene *scene, const char *what);

/**
 * Check and record an output. @p what names it in messages ("-o",
 * "--change-raster").
 * @return MW_OK;
 *         MW_ERR_USAGE: empty name, wrong extension for @p kind, an existing
 *         folder (for a file kind) or file (for a folder), a dangling
 *         symbolic link, or the same file as a recorded input or output
 *         (the message names both);
 *         MW_ERR_WRITE "<path>: <reason>": the folder is missing or not
 *         writable, or the existing file is read-only or no regular file.
 */
MW_API mw_status mw_output_plan_add_output(mw_output_plan *plan, const char *path, mw_output_kind kind,
                                    const char *what);

typedef struct mw_output_txn mw_output_txn;

/** A new transaction; NULL when out of memory. */
MW_API mw_output_txn *mw_output_txn_new(void);

/**
 * Stage the output @p path (symbolic links resolved: the target is
 * replaced). Creates a private staging folder beside it, named
 * ".<name>.minewatch-tmp-<pid>-<process start>", first removing such
 * folders left by processes that are gone. *@p staged (owned by the
 * transaction) is where the writer writes the file; whatever else it puts
 * in that folder (shapefile parts, .aux.xml, .qml) is committed with it,
 * and old sidecars of @p kind beside @p path that the new output lacks are
 * removed with the commit. Not thread-safe.
 * @return MW_OK, MW_ERR_WRITE "<path>: <reason>" or MW_ERR_NOMEM.
 */
MW_API mw_status mw_output_txn_stage(mw_output_txn *txn, const char *path, mw_output_kind kind,
                              const char **staged);

/**
 * Move every staged output into place, all or nothing: SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT are blocked on the calling thread meanwhile, and if a
 * step fails the steps before it are undone (earlier files back, exactly
 * as they were). Staging folders are removed either way. Call once.
 * @return MW_OK or MW_ERR_WRITE naming the file that failed.
 */
MW_API mw_status mw_output_txn_commit(mw_output_txn *txn);

/** Remove whatever was staged and not committed, and free; NULL is accepted. */
MW_API void mw_output_txn_free(mw_output_txn *txn);

/**
 * The checks of a scan's outputs in one call, before any pixel is read:
 * a plan of both scenes, the AOI and protected areas (which must be
 * readable), the model file given, then MW_OPT_OUTPUT (when set) and
 * MW_OPT_CHANGE_RASTER as outputs. Errors as mw_output_plan_add_output().
 */
MW_API mw_status mw_output_check_scan(const mw_scene *before, const mw_scene *after, const mw_options *options);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_OUTPUT_H */
