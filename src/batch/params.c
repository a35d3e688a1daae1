/*
 * What a batch records about itself besides its pairs: the parameters that
 * change a pair's alerts (compared on every rerun: a change rescans every
 * pair), and the check that OUTDIR is a folder a batch may write into.
 */
#include "mw_batch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/mw_error.h"
#include "engine/mw_engine.h"

/* A number as a JSON double with a short, fixed text. */
static json_object *jnum(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", v);
    return json_object_new_double_s(v, buf);
}

static void add_file(json_object *o, const char *key, const char *path)
{
    char fp[65], k2[64];
    json_object_object_add(o, key, path ? json_object_new_string(path) : NULL);
    snprintf(k2, sizeof k2, "%s_fingerprint", key);
    if (path) mw_batch_fingerprint(path, NULL, 0, fp);
    json_object_object_add(o, k2, path ? json_object_new_string(fp) : NULL);
}

/* Never threads or tile size: results do not depend on them. */
char *mw_batch_parameters_json(const mw_batch_options *batch, const mw_options *scan)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "sensor", json_object_new_string(mw_sensor_name(batch->sensor)));
    json_object_object_add(o, "band_map", batch->band_map ? json_object_new_string(batch->band_map) : NULL);
    json_object_object_add(o, "min_area_ha", jnum(mw_options_get_double(scan, MW_OPT_MIN_AREA_HA)));
    json_object_object_add(o, "min_confidence", jnum(mw_options_get_double(scan, MW_OPT_MIN_CONFIDENCE)));
    add_file(o, "model", mw_options_get_string(scan, MW_OPT_MODEL));
    add_file(o, "aoi", mw_options_get_string(scan, MW_OPT_AOI));
    add_file(o, "protected", mw_options_get_string(scan, MW_OPT_PROTECTED));
    char *s = mw_batch_strdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Never a folder of the user's: a batch removes files in pairs/ it does not own. */
mw_status mw_batch_check_outdir(const char *outdir, const char *input)
{
    struct stat sb;
    if (same_file(outdir, input)) return mw_error_set(MW_ERR_USAGE, "%s: the output folder is the input", outdir);
    if (stat(outdir, &sb) != 0) return MW_OK;
    if (!S_ISDIR(sb.st_mode)) return mw_error_set(MW_ERR_USAGE, "%s: exists and is not a folder", outdir);
    char *state = mw_batch_join(outdir, "batch.json");
    int ours = state && access(state, F_OK) == 0;
    free(state);
    if (ours) return MW_OK;
    DIR *d = opendir(outdir);
    struct dirent *de;
    int empty = 1;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) empty = 0;
    if (d) closedir(d);
    if (!empty)
        return mw_error_set(MW_ERR_USAGE,
                            "%s: a folder that is not empty and holds no batch.json (not ours to write into)", outdir);
    return MW_OK;
}
