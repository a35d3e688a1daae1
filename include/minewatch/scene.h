/**
 * Scenes: one acquisition as downloaded (multiband stack, per-band product
 * folder, Sentinel-2 L2A .SAFE or .zip, Landsat C2 L2 folder).
 *
 * Opening a scene finds its bands, sensor, reflectance scaling, mask source
 * and acquisition date; it reads no pixels. A scene is immutable after
 * mw_scene_open() and may be read from several threads at once (each thread
 * opens its own GDAL handles on the files it names).
 */
#ifndef MINEWATCH_SCENE_H
#define MINEWATCH_SCENE_H

#include "minewatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mw_sensor {
    MW_SENSOR_AUTO = 0,     /**< detect from names and metadata */
    MW_SENSOR_SENTINEL2,
    MW_SENSOR_LANDSAT,
    MW_SENSOR_GENERIC       /**< reflectance bands of unknown origin */
} mw_sensor;

/** The roles a band can play. MW_BAND_MASK is SCL or QA_PIXEL. */
typedef enum mw_band_role {
    MW_BAND_BLUE = 0,
    MW_BAND_GREEN,
    MW_BAND_RED,
    MW_BAND_NIR,
    MW_BAND_SWIR1,
    MW_BAND_SWIR2,
    MW_BAND_MASK,
    MW_BAND_ROLE_COUNT
} mw_band_role;

typedef enum mw_mask_kind {
    MW_MASK_NONE = 0,       /**< only nodata is masked */
    MW_MASK_SCL,            /**< Sentinel-2 L2A scene classification */
    MW_MASK_QA_PIXEL        /**< Landsat C2 QA_PIXEL bit field */
} mw_mask_kind;

typedef struct mw_scene mw_scene;

/** How to open a scene; every field may be left zero/NULL. */
typedef struct mw_scene_open_args {
    mw_sensor sensor;       /**< MW_SENSOR_AUTO to detect */
    const char *band_map;   /**< "blue=1,green=2,...,mask=7" or NULL */
    const char *date;       /**< "YYYY-MM-DD" or "YYYYMMDD" to override, or NULL */
} mw_scene_open_args;

/**
 * Open a scene. On success *out owns a new scene (free with
 * mw_scene_destroy()). On failure *out is NULL and mw_last_error() says
 * "<path>: <reason>".
 */
MW_API mw_status mw_scene_open(const char *path, const mw_scene_open_args *args,
                               mw_scene **out);

/** Free a scene; NULL is accepted. */
MW_API void mw_scene_destroy(mw_scene *scene);

MW_API const char *mw_sensor_name(mw_sensor sensor);      /**< "sentinel2", ... */
/**
 * The sensor named @p name, case-insensitively: a mw_sensor_name() ("auto",
 * "sentinel2", "landsat", "generic") or an alias ("sentinel-2", "s2").
 * MW_ERR_USAGE for anything else, the message listing the names.
 */
MW_API mw_status mw_sensor_from_name(const char *name, mw_sensor *out);
MW_API const char *mw_band_role_name(mw_band_role role);  /**< "blue", ..., "mask" */
MW_API const char *mw_mask_kind_name(mw_mask_kind kind);  /**< "none", "SCL", "QA_PIXEL" */

MW_API const char *mw_scene_path(const mw_scene *scene);
MW_API mw_sensor mw_scene_sensor(const mw_scene *scene);
/** Human-readable layout, e.g. "Sentinel-2 L2A band folder". */
MW_API const char *mw_scene_layout(const mw_scene *scene);
/** Acquisition date "YYYY-MM-DD", or NULL when unknown. */
MW_API const char *mw_scene_date(const mw_scene *scene);
/** Where the date came from: "metadata", "filename", "option" or NULL. */
MW_API const char *mw_scene_date_source(const mw_scene *scene);
MW_API mw_mask_kind mw_scene_mask_kind(const mw_scene *scene);

/* The scene's reference grid: the finest band's grid. */
MW_API int mw_scene_width(const mw_scene *scene);
MW_API int mw_scene_height(const mw_scene *scene);
MW_API void mw_scene_geotransform(const mw_scene *scene, double gt[6]);
MW_API const char *mw_scene_crs_wkt(const mw_scene *scene);
/** EPSG code of the CRS, or 0 when it has none. */
MW_API int mw_scene_epsg(const mw_scene *scene);

/* Per band role; a role that is absent answers has_band 0 and NULL/0. */
MW_API int mw_scene_has_band(const mw_scene *scene, mw_band_role role);
MW_API const char *mw_scene_band_file(const mw_scene *scene, mw_band_role role);
MW_API int mw_scene_band_index(const mw_scene *scene, mw_band_role role);
/** Pixel size (x) of the band in CRS units. */
MW_API double mw_scene_band_resolution(const mw_scene *scene, mw_band_role role);
/** reflectance = DN * scale + offset (mask: 1 and 0). */
MW_API double mw_scene_band_scale(const mw_scene *scene, mw_band_role role);
MW_API double mw_scene_band_offset(const mw_scene *scene, mw_band_role role);

#ifdef __cplusplus
}
#endif
#endif /* MINEWATCH_SCENE_H */
