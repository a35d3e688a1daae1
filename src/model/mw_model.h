/*
 * Model files (models/<sensor>.json): change thresholds, site parameters and
 * a small logistic classifier from site features to P(mining). See
 * models/README.md for the format.
 */
#ifndef MW_MODEL_H
#define MW_MODEL_H

#include <stddef.h>

#include "minewatch/status.h"
#include "change/mw_change.h"
#include "sites/mw_sites.h"

typedef struct mw_model mw_model;

/** Load and validate a model file; errors name the file and the field. */
mw_status mw_model_load(const char *path, mw_model **out);
/** Read a model file's text (size-checked, NUL-terminated, malloc'ed); errors name the file. */
mw_status mw_model_read_text(const char *path, char **text, size_t *len);
/** Parse a model from a JSON text (for tests and fuzzing); @p name labels errors. */
mw_status mw_model_parse(const char *json_text, const char *name, mw_model **out);
/**
 * Folder of the default models (<sensor>.json) for this library: found from
 * where the running library is installed (relocatable), or the source
 * tree's models/ for a library in its build tree. Static storage.
 */
const char *mw_model_default_dir(void);
/** Free a model; NULL is a no-op. */
void mw_model_destroy(mw_model *model);

const char *mw_model_name(const mw_model *model);     /**< "name" field */
const char *mw_model_path(const mw_model *model);     /**< as loaded, or the name */
const mw_change_params *mw_model_change_params(const mw_model *model);
double mw_model_merge_distance_m(const mw_model *model);  /**< fragments closer than this join */
double mw_model_river_buffer_m(const mw_model *model);    /**< ring for river/context features */

/**
 * Score a site: returns P(mining) in [0,1] (calibrated by the model) and
 * sets *class_name to "mining" when P >= the model's decision threshold,
 * else to the disturbance class its evidence points to ("clearing",
 * "water_change", ...). Thread-safe.
 */
double mw_model_score(const mw_model *model, const mw_site_features *f,
                      const char **class_name);

/**
 * Value of a feature by its name in model files: any mw_site_features field
 * ("pond_count", "water_share", ...) or a derived feature ("log_area_ha",
 * "veg_loss_share", ...; the list is in models/README.md). Returns 1 and sets
 * *value (which may be NaN: the model then uses its mean), or 0 if the name
 * is unknown. @p f may be NULL to only test the name. Thread-safe.
 */
int mw_site_feature_by_name(const mw_site_features *f, const char *name, double *value);

/* Added after the first contract. */
const char *mw_model_sensor(const mw_model *model);   /**< "sentinel2", "landsat" or "generic" */
double mw_model_threshold(const mw_model *model);     /**< decision threshold on P(mining) */

/* The model cache of a context. */
#include "mw_model_cache.h"

#endif
