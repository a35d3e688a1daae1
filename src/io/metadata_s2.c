/*
 * Sentinel-2 L2A metadata: MTD_MSIL2A.xml, STAC item JSON and GDAL dataset
 * metadata items. Extracts acquisition date, spacecraft, processing
 * baseline, BOA_ADD_OFFSET, quantification value and STAC per-asset
 * scale/offset. Also reads the generic date items (ACQUISITION_DATE,
 * PERIOD, ...) any GDAL raster may carry.
 */
#include "io/mw_io_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <json-c/json.h>

#include "core/mw_error.h"

void mw_io_s2_meta_init(mw_s2_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->quantification = 10000.0;
}

/* S2 band_id (0 = B01 ... 12 = B12) of each role, -1 for none. */
static int role_of_band_id(int id)
{
    switch (id) {
    case 1: return MW_BAND_BLUE;
    case 2: return MW_BAND_GREEN;
    case 3: return MW_BAND_RED;
    case 7: return MW_BAND_NIR;
    case 11: return MW_BAND_SWIR1;
    case 12: return MW_BAND_SWIR2;
    default: return -1;
    }
}

/*
 * Find the next element <tag ...>value< from *pos. Copies the value
 * (trimmed) and the attribute text; advances *pos. 1 when found.
 */
static int next_element(const char **pos, const char *tag, char *value, size_t vsize, char *attrs,
                        size_t asize)
{
    size_t tlen = strlen(tag);
    const char *p = *pos;
    while ((p = strchr(p, '<')) != NULL) {
        p++;
        if (strncmp(p, tag, tlen) == 0 && (p[tlen] == '>' || isspace((unsigned char)p[tlen]))) {
            const char *a = p + tlen;
            const char *gt = strchr(a, '>');
            if (!gt) return 0;
            if (attrs && asize) snprintf(attrs, asize, "%.*s", (int)(gt - a), a);
            const char *v = gt + 1;
            const char *lt = strchr(v, '<');
            if (!lt) return 0;
            while (v < lt && isspace((unsigned char)*v)) v++;
            const char *e = lt;
            while (e > v && isspace((unsigned char)e[-1])) e--;
            snprintf(value, vsize, "%.*s", (int)(e - v), v);
            *pos = lt;
            return 1;
        }
    }
    return 0;
}

static int first_element(const char *xml, const char *tag, char *value, size_t vsize)
{
    const char *p = xml;
    return next_element(&p, tag, value, vsize, NULL, 0);
}

static void set_all_offsets(mw_s2_meta *meta, double v)
{
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) meta->boa_offset[r] = v;
    meta->boa_offset[MW_BAND_MASK] = 0;
    meta->have_boa_offset = 1;
}

void mw_io_s2_meta_from_mtd_text(const char *xml, mw_s2_meta *meta)
{
    char v[256], attrs[256];
    if (!meta->date[0] && (first_element(xml, "PRODUCT_START_TIME", v, sizeof v) ||
                           first_element(xml, "DATATAKE_SENSING_START", v, sizeof v) ||
                           first_element(xml, "SENSING_TIME", v, sizeof v)))
        if (mw_io_date_normalise(v, meta->date)) meta->found = 1;
    if (first_element(xml, "SPACECRAFT_NAME", v, sizeof v)) {
        snprintf(meta->spacecraft, sizeof meta->spacecraft, "%.31s", v);
        meta->found = 1;
    }
    if (first_element(xml, "PROCESSING_BASELINE", v, sizeof v)) {
        char *end = NULL;
        double b = strtod(v, &end);
        if (end != v) {
            meta->baseline = b;
            meta->have_baseline = 1;
            meta->found = 1;
        }
    }
    if (first_element(xml, "BOA_QUANTIFICATION_VALUE", v, sizeof v)) {
        double q = atof(v);
        if (q > 0) {
            meta->quantification = q;
            meta->have_quantification = 1;
        }
    }
    const char *p = xml;
    int any = 0;
    while (next_element(&p, "BOA_ADD_OFFSET", v, sizeof v, attrs, sizeof attrs)) {
        char *end = NULL;
        double off = strtod(v, &end);
        if (end == v) continue;
        const char *bid = strstr(attrs, "band_id");
        if (!any) set_all_offsets(meta, off); /* first value for all, refined below */
        any = 1;
        if (bid) {
            bid = strchr(bid, '"');
            if (bid) {
                int r = role_of_band_id(atoi(bid + 1));
                if (r >= 0) meta->boa_offset[r] = off;
            }
        }
        meta->found = 1;
    }
}

mw_status mw_io_s2_meta_from_mtd(const char *path, mw_s2_meta *meta)
{
    char *xml = mw_io_slurp(path, 16L << 20);
    if (!xml) return mw_error_set(MW_ERR_METADATA, "%s: cannot read product metadata", path);
    if (!strstr(xml, "<")) {
        free(xml);
        return mw_error_set(MW_ERR_METADATA, "%s: not an XML metadata file", path);
    }
    mw_io_s2_meta_from_mtd_text(xml, meta);
    free(xml);
    return MW_OK;
}

static const char *json_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return NULL;
    return json_object_get_string(v);
}

mw_status mw_io_s2_meta_from_stac(const char *path, const char *const band_files[MW_BAND_ROLE_COUNT],
                                  mw_s2_meta *meta)
{
    char *text = mw_io_slurp(path, 16L << 20);
    if (!text) return mw_error_set(MW_ERR_METADATA, "%s: cannot read", path);
    json_object *root = json_tokener_parse(text);
    free(text);
    json_object *props = NULL, *assets = NULL;
    if (!root || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "properties", &props) ||
        !json_object_is_type(props, json_type_object)) {
        json_object_put(root);
        return mw_error_set(MW_ERR_METADATA, "%s: not a STAC item", path);
    }
    const char *s;
    if (!meta->date[0] && ((s = json_str(props, "datetime")) || (s = json_str(props, "start_datetime"))))
        mw_io_date_normalise(s, meta->date);
    if ((s = json_str(props, "platform")))
        snprintf(meta->spacecraft, sizeof meta->spacecraft, "%s", s);
    if ((s = json_str(props, "s2:processing_baseline")) && *s) {
        meta->baseline = atof(s);
        meta->have_baseline = 1;
    }
    json_object *applied = NULL;
    if (json_object_object_get_ex(props, "earthsearch:boa_offset_applied", &applied) &&
        json_object_get_boolean(applied)) {
        meta->offset_applied = 1;
        set_all_offsets(meta, 0.0);
    }
    if (json_object_object_get_ex(root, "assets", &assets) &&
        json_object_is_type(assets, json_type_object)) {
        /* two passes: match by file name first, by asset key second */
        for (int pass = 0; pass < 2; pass++) {
            json_object_object_foreach(assets, key, asset)
            {
                int role = -1;
                if (pass == 0) {
                    const char *href = json_str(asset, "href");
                    if (!href || !band_files) continue;
                    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++)
                        if (band_files[r] && strcmp(mw_io_basename(href), mw_io_basename(band_files[r])) == 0)
                            role = r;
                } else {
                    if (strchr(key, '-') || strcasecmp(key, "nir08") == 0) continue;
                    role = mw_io_role_from_band_name(key, NULL);
                }
                if (role < 0 || role == MW_BAND_MASK || meta->have_band_scale[role]) continue;
                json_object *rb = NULL;
                if (!json_object_object_get_ex(asset, "raster:bands", &rb) ||
                    !json_object_is_type(rb, json_type_array) || json_object_array_length(rb) < 1)
                    continue;
                json_object *b0 = json_object_array_get_idx(rb, 0), *sc = NULL, *of = NULL;
                if (json_object_object_get_ex(b0, "scale", &sc)) {
                    meta->have_band_scale[role] = 1;
                    meta->band_scale[role] = json_object_get_double(sc);
                    meta->band_offset[role] =
                        json_object_object_get_ex(b0, "offset", &of) ? json_object_get_double(of) : 0.0;
                }
            }
        }
    }
    meta->found = 1;
    json_object_put(root);
    return MW_OK;
}

void mw_io_s2_meta_from_gdal(void *gdal_dataset, mw_s2_meta *meta)
{
    GDALDatasetH ds = gdal_dataset;
    const char *v;
    static const char *const date_keys[] = {"PRODUCT_START_TIME", "DATATAKE_1_DATATAKE_SENSING_START",
                                            "SENSING_TIME", "ACQUISITION_DATE", "DATE_ACQUIRED",
                                            "DATETIME", "PERIOD"};
    for (size_t i = 0; !meta->date[0] && i < sizeof date_keys / sizeof date_keys[0]; i++)
        if ((v = GDALGetMetadataItem(ds, date_keys[i], NULL)) && mw_io_date_normalise(v, meta->date))
            meta->found = 1;
    if ((v = GDALGetMetadataItem(ds, "SPACECRAFT_NAME", NULL))) {
        snprintf(meta->spacecraft, sizeof meta->spacecraft, "%.31s", v);
        meta->found = 1;
    }
    if ((v = GDALGetMetadataItem(ds, "PROCESSING_BASELINE", NULL)) && *v) {
        meta->baseline = atof(v);
        meta->have_baseline = 1;
        meta->found = 1;
    }
    if ((v = GDALGetMetadataItem(ds, "BOA_QUANTIFICATION_VALUE", NULL)) && atof(v) > 0) {
        meta->quantification = atof(v);
        meta->have_quantification = 1;
    }
    if ((v = GDALGetMetadataItem(ds, "BOA_ADD_OFFSET", NULL)) && *v) {
        set_all_offsets(meta, atof(v));
        meta->found = 1;
    } else {
        /* SENTINEL2 driver style: BOA_ADD_OFFSET_B2=-1000 ... (or per band) */
        char **md = GDALGetMetadata(ds, NULL);
        for (int i = 0; md && md[i]; i++)
            if (strncmp(md[i], "BOA_ADD_OFFSET", 14) == 0 && strchr(md[i], '=')) {
                set_all_offsets(meta, atof(strchr(md[i], '=') + 1));
                meta->found = 1;
                break;
            }
    }
}
