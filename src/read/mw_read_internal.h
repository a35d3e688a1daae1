/*
 * Private to src/read: what the block store (block_store.c) asks of a
 * scene reader (scene_reader.c), so the reader's struct stays opaque.
 */
#ifndef MW_SCENE_READER_INTERNAL_H
#define MW_SCENE_READER_INTERNAL_H

#include <stdint.h>

#include "mw_read.h"
#include "mw_tiff_reader.h"

/** Distinct files the reader opened (the store's file numbers). */
int mw_scene_reader_file_count(const mw_scene_reader *r);
/** The reader's libtiff handle on file @p file, or NULL when GDAL reads it. */
mw_tiff_file *mw_scene_reader_tiff(const mw_scene_reader *r, int file);
/**
 * For band @p role read through libtiff (not warped): its file, its 1-based
 * band number and the source window a read of target rectangle @p t
 * touches; returns 0 (nothing set) for a band that is absent or not
 * decoded through libtiff.
 */
int mw_scene_reader_band_source(const mw_scene_reader *r, int role, mw_rect t, int *file, int *band,
                                mw_rect *src);

#endif
