/* Scan options: an opaque object with typed setters (cf. ZSTD_CCtx_setParameter). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "minewatch/scan.h"
#include "core/mw_error.h"
#include "mw_options_internal.h"

mw_options *mw_options_new(void)
{
    mw_options *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->threads = 0;
    o->tile_size = 512;
    o->min_area_ha = 0.5;
    o->min_confidence = 0.5;
    return o;
}

void mw_options_free(mw_options *o)
{
    if (!o) return;
    free(o->model);
    free(o->aoi);
    free(o->protected_areas);
    free(o->change_raster);
    free(o->output);
    free(o->model_dir);
    free(o->evidence);
    free(o->command_line);
    free(o->previous);
    free(o);
}

mw_status mw_options_set_int(mw_options *o, mw_option key, long v)
{
    switch (key) {
    case MW_OPT_THREADS:
        if (v < 0 || v > 1024)
            return mw_error_set(MW_ERR_USAGE, "--threads must be 1..1024 (or 0 for all cores), not %ld", v);
        o->threads = (int)v;
        return MW_OK;
    case MW_OPT_TILE_SIZE:
        if (v < 16 || v > 8192)
            return mw_error_set(MW_ERR_USAGE, "--tile-size must be 16..8192 pixels, not %ld", v);
        o->tile_size = (int)v;
        return MW_OK;
    case MW_OPT_TIMINGS:
        o->timings = v != 0;
        return MW_OK;
    case MW_OPT_COMMIT_WITH_ALERTS:
        o->commit_with_alerts = v != 0;
        return MW_OK;
    default:
        return mw_error_set(MW_ERR_USAGE, "option %d is not an integer option", (int)key);
    }
}

mw_status mw_options_set_double(mw_options *o, mw_option key, double v)
{
    switch (key) {
    case MW_OPT_MIN_AREA_HA:
        if (!isfinite(v) || v < 0 || v > 1e7)
            return mw_error_set(MW_ERR_USAGE, "--min-area must be a number of hectares >= 0, not %g", v);
        o->min_area_ha = v;
        return MW_OK;
    case MW_OPT_MIN_CONFIDENCE:
        if (!isfinite(v) || v < 0 || v > 1)
            return mw_error_set(MW_ERR_USAGE, "--min-confidence must be between 0 and 1, not %g", v);
        o->min_confidence = v;
        return MW_OK;
    default:
        return mw_error_set(MW_ERR_USAGE, "option %d is not a number option", (int)key);
    }
}

static mw_status set_str(char **slot, const char *v)
{
    char *copy = NULL;
    if (v && !(copy = strdup(v))) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return MW_OK;
}

mw_status mw_options_set_string(mw_options *o, mw_option key, const char *v)
{
    switch (key) {
    case MW_OPT_MODEL: return set_str(&o->model, v);
    case MW_OPT_AOI: return set_str(&o->aoi, v);
    case MW_OPT_PROTECTED: return set_str(&o->protected_areas, v);
    case MW_OPT_CHANGE_RASTER: return set_str(&o->change_raster, v);
    case MW_OPT_OUTPUT: return set_str(&o->output, v);
    case MW_OPT_MODEL_DIR: return set_str(&o->model_dir, v);
    case MW_OPT_EVIDENCE: return set_str(&o->evidence, v);
    case MW_OPT_COMMAND_LINE: return set_str(&o->command_line, v);
    case MW_OPT_PREVIOUS: return set_str(&o->previous, v);
    default:
        return mw_error_set(MW_ERR_USAGE, "option %d is not a string option", (int)key);
    }
}

mw_options *mw_options_copy(const mw_options *o)
{
    mw_options *c = mw_options_new();
    if (!c || !o) return c;
    *c = *o;
    c->model = c->aoi = c->protected_areas = c->change_raster = c->output = c->model_dir = NULL;
    if (set_str(&c->model, o->model) || set_str(&c->aoi, o->aoi) ||
        set_str(&c->protected_areas, o->protected_areas) || set_str(&c->change_raster, o->change_raster) ||
        set_str(&c->output, o->output) || set_str(&c->model_dir, o->model_dir)) {
        mw_options_free(c);
        return NULL;
    }
    return c;
}

const char *mw_options_get_string(const mw_options *o, mw_option key)
{
    switch (key) {
    case MW_OPT_MODEL: return o->model;
    case MW_OPT_AOI: return o->aoi;
    case MW_OPT_PROTECTED: return o->protected_areas;
    case MW_OPT_CHANGE_RASTER: return o->change_raster;
    case MW_OPT_OUTPUT: return o->output;
    case MW_OPT_MODEL_DIR: return o->model_dir;
    default: return NULL;
    }
}

double mw_options_get_double(const mw_options *o, mw_option key)
{
    return key == MW_OPT_MIN_AREA_HA ? o->min_area_ha : key == MW_OPT_MIN_CONFIDENCE ? o->min_confidence : NAN;
}
