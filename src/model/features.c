/*
 * Site features by name (mw_model_features.h): the name table, derived
 * features, and the public mw_site_feature_by_name().
 */
#include "mw_model.h"
#include "mw_model_features.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const feature_names[F_COUNT] = {
    "area_ha", "veg_loss_ha", "bare_soil_ha", "new_water_ha", "turbid_water_ha",
    "turbidity_rise_ha", "mean_dndvi", "mean_dndti", "mean_dbsi", "mean_dmndwi",
    "before_ndvi", "after_ndvi", "pond_count", "water_share", "after_water_ndti",
    "compactness", "bbox_fill", "dist_water_m", "river_turbidity_change",
    "context_disturbed_share", "valid_fraction",
    "after_mndwi", "after_bsi", "ring_water_share", "ring_bare_share", "ring_ndvi",
    "after_vis", "after_swir", "vis_change", "bare_vis", "water_vis", "water_red_green", "water_nir", "before_disturbed_share",
    "ring_pond_count_before", "ring_pond_count_after", "ring_mosaic_before", "ring_mosaic_after",
    "ring_texture_before", "ring_texture_after", "ring_water_ndti", "ring_loss_share",
    "bare_swir1", "bare_clay_ratio", "bare_red_blue", "water_blue_green",
    "log_area_ha", "log_pond_count", "pond_density", "veg_loss_share", "bare_share",
    "new_water_share", "turbid_share", "turbidity_rise_share", "water_change_share",
    "clearing_share", "turbid_water_fraction", "log_ring_ponds_before", "log_ring_ponds_after",
};

/** See mw_model_features.h. */
int mw_feature_lookup(const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(feature_names[i], name) == 0) return i;
    return -1;
}

/* A share of the site area; NaN when the area is unusable (the model then
 * falls back to its mean rather than dividing by zero). */
static double share(double part, double area)
{
    return (area > 0.0 && isfinite(area)) ? part / area : NAN;
}

/** See mw_model_features.h. */
double mw_feature_value(const mw_site_features *f, feature_id id)
{
    switch (id) {
    case F_AREA_HA: return f->area_ha;
    case F_VEG_LOSS_HA: return f->veg_loss_ha;
    case F_BARE_SOIL_HA: return f->bare_soil_ha;
    case F_NEW_WATER_HA: return f->new_water_ha;
    case F_TURBID_WATER_HA: return f->turbid_water_ha;
    case F_TURBIDITY_RISE_HA: return f->turbidity_rise_ha;
    case F_MEAN_DNDVI: return f->mean_dndvi;
    case F_MEAN_DNDTI: return f->mean_dndti;
    case F_MEAN_DBSI: return f->mean_dbsi;
    case F_MEAN_DMNDWI: return f->mean_dmndwi;
    case F_BEFORE_NDVI: return f->before_ndvi;
    case F_AFTER_NDVI: return f->after_ndvi;
    case F_POND_COUNT: return f->pond_count;
    case F_WATER_SHARE: return f->water_share;
    case F_AFTER_WATER_NDTI: return f->after_water_ndti;
    case F_COMPACTNESS: return f->compactness;
    case F_BBOX_FILL: return f->bbox_fill;
    case F_DIST_WATER_M: return f->dist_water_m;
    case F_RIVER_TURBIDITY_CHANGE: return f->river_turbidity_change;
    case F_CONTEXT_DISTURBED_SHARE: return f->context_disturbed_share;
    case F_VALID_FRACTION: return f->valid_fraction;
    case F_AFTER_MNDWI: return f->after_mndwi;
    case F_AFTER_BSI: return f->after_bsi;
    case F_RING_WATER_SHARE: return f->ring_water_share;
    case F_RING_BARE_SHARE: return f->ring_bare_share;
    case F_RING_NDVI: return f->ring_ndvi;
    case F_AFTER_VIS: return f->after_vis;
    case F_AFTER_SWIR: return f->after_swir;
    case F_VIS_CHANGE: return f->vis_change;
    case F_BARE_VIS: return f->bare_vis;
    case F_WATER_VIS: return f->water_vis;
    case F_WATER_RED_GREEN: return f->water_red_green;
    case F_WATER_NIR: return f->water_nir;
    case F_BEFORE_DISTURBED_SHARE: return f->before_disturbed_share;
    case F_RING_POND_COUNT_BEFORE: return f->ring_pond_count_before;
    case F_RING_POND_COUNT_AFTER: return f->ring_pond_count_after;
    case F_RING_MOSAIC_BEFORE: return f->ring_mosaic_before;
    case F_RING_MOSAIC_AFTER: return f->ring_mosaic_after;
    case F_RING_TEXTURE_BEFORE: return f->ring_texture_before;
    case F_RING_TEXTURE_AFTER: return f->ring_texture_after;
    case F_RING_WATER_NDTI: return f->ring_water_ndti;
    case F_RING_LOSS_SHARE: return f->ring_loss_share;
    case F_BARE_SWIR1: return f->bare_swir1;
    case F_BARE_CLAY_RATIO: return f->bare_clay_ratio;
    case F_BARE_RED_BLUE: return f->bare_red_blue;
    case F_WATER_BLUE_GREEN: return f->water_blue_green;
    /* Log area: site sizes span 0.01..1000 ha, a log keeps one coefficient
     * meaningful over that range; the 0.01 ha floor (one 10 m pixel) avoids
     * -Inf. */
    case F_LOG_AREA_HA:
        return isnan(f->area_ha) ? NAN : log(fmax(f->area_ha, 0.01));
    case F_LOG_POND_COUNT: return f->pond_count >= 0 ? log1p((double)f->pond_count) : NAN;
    case F_POND_DENSITY: return share((double)f->pond_count, f->area_ha);
    case F_VEG_LOSS_SHARE: return share(f->veg_loss_ha, f->area_ha);
    case F_BARE_SHARE: return share(f->bare_soil_ha, f->area_ha);
    case F_NEW_WATER_SHARE: return share(f->new_water_ha, f->area_ha);
    case F_TURBID_SHARE: return share(f->turbid_water_ha, f->area_ha);
    case F_TURBIDITY_RISE_SHARE: return share(f->turbidity_rise_ha, f->area_ha);
    case F_WATER_CHANGE_SHARE:
        return share(f->new_water_ha + f->turbid_water_ha + f->turbidity_rise_ha, f->area_ha);
    case F_CLEARING_SHARE: return share(f->veg_loss_ha + f->bare_soil_ha, f->area_ha);
    case F_TURBID_WATER_FRACTION:
        return share(f->turbid_water_ha, f->new_water_ha + f->turbid_water_ha);
    case F_LOG_RING_PONDS_BEFORE: return log1p((double)(f->ring_pond_count_before > 0 ? f->ring_pond_count_before : 0));
    case F_LOG_RING_PONDS_AFTER: return log1p((double)(f->ring_pond_count_after > 0 ? f->ring_pond_count_after : 0));
    case F_COUNT: break;
    }
    return NAN;
}

/**
 * Value of a site feature by its model-file name (see mw_model.h).
 * @return 1 and *value set (possibly NaN), or 0 for an unknown name.
 * @p f may be NULL to test a name only; @p value may be NULL. Thread-safe.
 */
int mw_site_feature_by_name(const mw_site_features *f, const char *name, double *value)
{
    int id = name ? mw_feature_lookup(name) : -1;
    if (id < 0) return 0;
    if (f && value) *value = mw_feature_value(f, (feature_id)id);
    return 1;
}
