/*
 * Helpers shared by the output plan (paths.c) and the output transaction
 * (transaction.c). Not part of the contract.
 */
#ifndef MW_OUTPUT_PATHS_H
#define MW_OUTPUT_PATHS_H

#include "minewatch/output.h"

/**
 * Base names of the files that belong to output @p base of @p kind besides
 * itself (shapefile parts, GDAL's .aux.xml, the QGIS .qml, SQLite's
 * -wal/-shm/-journal), NULL-terminated, malloc'ed (free with
 * mw_output_names_free()). NULL when out of memory.
 */
char **mw_output_sidecar_names(const char *base, mw_output_kind kind);
void mw_output_names_free(char **names);

/**
 * Split @p path into its folder ("." when none) and base name; both
 * malloc'ed. Returns 0 when out of memory.
 */
int mw_output_split(const char *path, char **dir, char **base);

/**
 * @p path with a symbolic link resolved to the file it names (malloc'ed),
 * or a copy of @p path when it is no link. *@p dangling is set when it is
 * a link to nothing. NULL when out of memory.
 */
char *mw_output_resolve(const char *path, int *dangling);

/** The marker of staging folders: ".<name>" MW_OUTPUT_TMP_MARK "<pid>-<start>". */
#define MW_OUTPUT_TMP_MARK ".minewatch-tmp-"

#endif
