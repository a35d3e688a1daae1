/*
 * Landsat Collection 2 Level-2 metadata: MTL.txt (ODL "KEY = value" with
 * GROUPs), MTL.json and GDAL dataset metadata items. Extracts the
 * acquisition date, spacecraft and the surface-reflectance rescaling
 * (REFLECTANCE_MULT/ADD_BAND_n of LEVEL2_SURFACE_REFLECTANCE_PARAMETERS
 * only: the LEVEL1 group has TOA factors under the same names).
 */
#include "io/mw_io_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <json-c/json.h>

#include "core/mw_error.h"

static const char SR_GROUP[] = "LEVEL2_SURFACE_REFLECTANCE_PARAMETERS";

void mw_io_landsat_meta_init(mw_landsat_meta *meta) { memset(meta, 0, sizeof *meta); }

/* Apply one KEY=value pair; @p in_sr says whether it belongs to the SR group. */
static void apply_item(mw_landsat_meta *meta, const char *key, const char *value, int in_sr)
{
    if (strcmp(key, "DATE_ACQUIRED") == 0) {
        if (mw_io_date_normalise(value, meta->date)) meta->found = 1;
    } else if (strcmp(key, "SPACECRAFT_ID") == 0) {
        snprintf(meta->spacecraft, sizeof meta->spacecraft, "%s", value);
        meta->found = 1;
    } else if (in_sr && strncmp(key, "REFLECTANCE_MULT_BAND_", 22) == 0) {
        int n = atoi(key + 22);
        if (n >= 1 && n <= 9) {
            meta->mult[n] = atof(value);
            meta->have_mult[n] = 1;
            meta->found = 1;
        }
    } else if (in_sr && strncmp(key, "REFLECTANCE_ADD_BAND_", 21) == 0) {
        int n = atoi(key + 21);
        if (n >= 1 && n <= 9) {
            meta->add[n] = atof(value);
            meta->have_add[n] = 1;
            meta->found = 1;
        }
    }
}

void mw_io_landsat_meta_from_mtl_text(const char *text, mw_landsat_meta *meta)
{
    char group[128] = "";
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        p += len + (eol ? 1 : 0);

        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        char *key = line, *val = eq + 1;
        while (isspace((unsigned char)*key)) key++;
        char *e = key + strlen(key);
        while (e > key && isspace((unsigned char)e[-1])) *--e = '\0';
        while (isspace((unsigned char)*val) || *val == '"') val++;
        e = val + strlen(val);
        while (e > val && (isspace((unsigned char)e[-1]) || e[-1] == '"')) *--e = '\0';
        if (strcmp(key, "GROUP") == 0)
            snprintf(group, sizeof group, "%s", val);
        else if (strcmp(key, "END_GROUP") == 0)
            group[0] = '\0';
        else
            apply_item(meta, key, val, strcmp(group, SR_GROUP) == 0);
    }
}

mw_status mw_io_landsat_meta_from_mtl_txt(const char *path, mw_landsat_meta *meta)
{
    char *text = mw_io_slurp(path, 4L << 20);
    if (!text) return mw_error_set(MW_ERR_METADATA, "%s: cannot read", path);
    mw_io_landsat_meta_from_mtl_text(text, meta);
    free(text);
    if (!meta->found)
        return mw_error_set(MW_ERR_METADATA, "%s: not a Landsat MTL file (no DATE_ACQUIRED)", path);
    return MW_OK;
}

/* Walk a JSON object tree, applying leaf string/number values. */
static void walk_json(mw_landsat_meta *meta, json_object *o, const char *group, int depth)
{
    if (depth > 6 || !json_object_is_type(o, json_type_object)) return;
    json_object_object_foreach(o, key, val)
    {
        if (json_object_is_type(val, json_type_object))
            walk_json(meta, val, key, depth + 1);
        else if (json_object_is_type(val, json_type_string) || json_object_is_type(val, json_type_double) ||
                 json_object_is_type(val, json_type_int))
            apply_item(meta, key, json_object_get_string(val), group && strcmp(group, SR_GROUP) == 0);
    }
}

mw_status mw_io_landsat_meta_from_mtl_json(const char *path, mw_landsat_meta *meta)
{
    char *text = mw_io_slurp(path, 4L << 20);
    if (!text) return mw_error_set(MW_ERR_METADATA, "%s: cannot read", path);
    json_object *root = json_tokener_parse(text);
    free(text);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return mw_error_set(MW_ERR_METADATA, "%s: not valid JSON", path);
    }
    walk_json(meta, root, NULL, 0);
    json_object_put(root);
    if (!meta->found)
        return mw_error_set(MW_ERR_METADATA, "%s: not a Landsat MTL file (no DATE_ACQUIRED)", path);
    return MW_OK;
}

void mw_io_landsat_meta_from_gdal(void *gdal_dataset, mw_landsat_meta *meta)
{
    char **md = GDALGetMetadata((GDALDatasetH)gdal_dataset, NULL);
    for (int i = 0; md && md[i]; i++) {
        const char *eq = strchr(md[i], '=');
        if (!eq) continue;
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - md[i]), md[i]);
        /* a stack's own REFLECTANCE_* items are surface reflectance factors */
        apply_item(meta, key, eq + 1, 1);
    }
}
