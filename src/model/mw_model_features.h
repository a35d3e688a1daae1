/*
 * Site features by name, as model files refer to them: the fields of
 * mw_site_features plus derived ones (log area, shares, ...). Internal to
 * the model module; models/README.md lists the names.
 */
#ifndef MW_MODEL_FEATURES_H
#define MW_MODEL_FEATURES_H

#include "sites/mw_sites.h"

typedef enum feature_id {
    F_AREA_HA, F_VEG_LOSS_HA, F_BARE_SOIL_HA, F_NEW_WATER_HA, F_TURBID_WATER_HA,
    F_TURBIDITY_RISE_HA, F_MEAN_DNDVI, F_MEAN_DNDTI, F_MEAN_DBSI, F_MEAN_DMNDWI,
    F_BEFORE_NDVI, F_AFTER_NDVI, F_POND_COUNT, F_WATER_SHARE, F_AFTER_WATER_NDTI,
    F_COMPACTNESS, F_BBOX_FILL, F_DIST_WATER_M, F_RIVER_TURBIDITY_CHANGE,
    F_CONTEXT_DISTURBED_SHARE, F_VALID_FRACTION,
    F_AFTER_MNDWI, F_AFTER_BSI, F_RING_WATER_SHARE, F_RING_BARE_SHARE, F_RING_NDVI,
    F_AFTER_VIS, F_AFTER_SWIR, F_VIS_CHANGE, F_BARE_VIS, F_WATER_VIS, F_WATER_RED_GREEN, F_WATER_NIR, F_BEFORE_DISTURBED_SHARE,
    F_RING_POND_COUNT_BEFORE, F_RING_POND_COUNT_AFTER, F_RING_MOSAIC_BEFORE, F_RING_MOSAIC_AFTER,
    F_RING_TEXTURE_BEFORE, F_RING_TEXTURE_AFTER, F_RING_WATER_NDTI, F_RING_LOSS_SHARE,
    /* derived */
    F_LOG_AREA_HA, F_LOG_POND_COUNT, F_POND_DENSITY, F_VEG_LOSS_SHARE, F_BARE_SHARE,
    F_NEW_WATER_SHARE, F_TURBID_SHARE, F_TURBIDITY_RISE_SHARE, F_WATER_CHANGE_SHARE,
    F_CLEARING_SHARE, F_TURBID_WATER_FRACTION, F_LOG_RING_PONDS_BEFORE, F_LOG_RING_PONDS_AFTER,
    F_COUNT
} feature_id;

/** Id of a feature name, or -1 when unknown. Thread-safe. */
int mw_feature_lookup(const char *name);

/** Value of feature @p id of a site; NaN when it is undefined for it
 * (a share of a zero area, a colour without water, ...). Thread-safe. */
double mw_feature_value(const mw_site_features *f, feature_id id);

#endif
