/*
 * What the engine needs to know about an opened scene. Owned by module io;
 * read-only for everybody else once mw_scene_open() has returned.
 */
#ifndef MW_IO_H
#define MW_IO_H

#include <stdint.h>

#include "minewatch/scene.h"

/** One band of a scene as it sits on disk. */
typedef struct mw_band_src {
    int present;
    char *file;        /**< GDAL dataset name (path, /vsizip/ path, ...) */
    int band;          /**< 1-based band index inside @c file */
    int width, height; /**< size of the band's own grid */
    double gt[6];      /**< geotransform of the band's own grid */
    double scale;      /**< reflectance = DN * scale + offset */
    double offset;
    int has_nodata;    /**< DN equal to @c nodata is invalid */
    double nodata;
} mw_band_src;

struct mw_scene {
    char *path;
    char *layout;                 /**< "Sentinel-2 L2A band folder", ... */
    mw_sensor sensor;
    char date[11];                /**< "YYYY-MM-DD" or "" */
    const char *date_source;      /**< static string or NULL */
    mw_mask_kind mask_kind;
    mw_band_src bands[MW_BAND_ROLE_COUNT];
    /* reference grid: the finest reflectance band's grid */
    int width, height;
    double gt[6];
    char *crs_wkt;
    int epsg;
};

/**
 * Decode a row of raw mask values (SCL classes or QA_PIXEL words, as read
 * into floats) into validity: out[i] = 1 when the pixel is clear land/water,
 * 0 when cloud, shadow, cirrus, snow, saturated/defective or fill.
 * NaN raw values (outside the band) are invalid.
 */
void mw_mask_decode_row(mw_mask_kind kind, const float *raw, uint8_t *valid, int n);

#endif
