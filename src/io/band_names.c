/*
 * Band names -> roles: band descriptions of stacks, band tokens in file
 * names of product folders, product-name sensor hints and --band-map
 * strings. Pure string work, no GDAL.
 */
#include "io/mw_io_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

typedef struct name_entry {
    const char *name;
    int role;
    mw_sensor sensor;
} name_entry;

/* Accepted band names; compared case-insensitively. */
static const name_entry band_names[] = {
    {"B02", MW_BAND_BLUE, MW_SENSOR_SENTINEL2},
    {"B03", MW_BAND_GREEN, MW_SENSOR_SENTINEL2},
    {"B04", MW_BAND_RED, MW_SENSOR_SENTINEL2},
    {"B08", MW_BAND_NIR, MW_SENSOR_SENTINEL2},
    {"B11", MW_BAND_SWIR1, MW_SENSOR_SENTINEL2},
    {"B12", MW_BAND_SWIR2, MW_SENSOR_SENTINEL2},
    {"SCL", MW_BAND_MASK, MW_SENSOR_SENTINEL2},
    {"SR_B2", MW_BAND_BLUE, MW_SENSOR_LANDSAT},
    {"SR_B3", MW_BAND_GREEN, MW_SENSOR_LANDSAT},
    {"SR_B4", MW_BAND_RED, MW_SENSOR_LANDSAT},
    {"SR_B5", MW_BAND_NIR, MW_SENSOR_LANDSAT},
    {"SR_B6", MW_BAND_SWIR1, MW_SENSOR_LANDSAT},
    {"SR_B7", MW_BAND_SWIR2, MW_SENSOR_LANDSAT},
    {"QA_PIXEL", MW_BAND_MASK, MW_SENSOR_LANDSAT},
    {"blue", MW_BAND_BLUE, MW_SENSOR_AUTO},
    {"green", MW_BAND_GREEN, MW_SENSOR_AUTO},
    {"red", MW_BAND_RED, MW_SENSOR_AUTO},
    {"nir", MW_BAND_NIR, MW_SENSOR_AUTO},
    {"nir08", MW_BAND_NIR, MW_SENSOR_AUTO}, /* STAC common name of B8A: only as last resort */
    {"swir1", MW_BAND_SWIR1, MW_SENSOR_AUTO},
    {"swir16", MW_BAND_SWIR1, MW_SENSOR_AUTO},
    {"swir2", MW_BAND_SWIR2, MW_SENSOR_AUTO},
    {"swir22", MW_BAND_SWIR2, MW_SENSOR_AUTO},
    {"mask", MW_BAND_MASK, MW_SENSOR_AUTO},
};

static const char *const role_names[MW_BAND_ROLE_COUNT] = {
    "blue", "green", "red", "nir", "swir1", "swir2", "mask"};

static const char *const lookup_names[MW_BAND_ROLE_COUNT] = {
    "B02, SR_B2, blue", "B03, SR_B3, green", "B04, SR_B4, red", "B08, SR_B5, nir",
    "B11, SR_B6, swir1", "B12, SR_B7, swir2", "SCL, QA_PIXEL, mask"};

const char *mw_io_role_lookup_names(mw_band_role role)
{
    return (role >= 0 && role < MW_BAND_ROLE_COUNT) ? lookup_names[role] : "";
}

int mw_io_role_from_band_name(const char *name, mw_sensor *sensor)
{
    if (sensor) *sensor = MW_SENSOR_AUTO;
    if (!name) return -1;
    while (isspace((unsigned char)*name)) name++;
    size_t len = strlen(name);
    while (len && isspace((unsigned char)name[len - 1])) len--;
    for (size_t i = 0; i < sizeof band_names / sizeof band_names[0]; i++) {
        if (strlen(band_names[i].name) == len && strncasecmp(name, band_names[i].name, len) == 0) {
            /* "nir08" is B8A (20 m): accepted, but "nir"/"B08" is preferred by
             * callers because they see both; here a name is a name. */
            if (sensor) *sensor = band_names[i].sensor;
            return band_names[i].role;
        }
    }
    /* Sentinel-2 one-digit forms "B2", "B3", "B4", "B8" are ambiguous with
     * Landsat band numbers: not accepted. */
    return -1;
}

/* Split a base name into upper-case tokens at '_', '-', '.', ' '. */
enum { MAX_TOKENS = 32, TOKEN_LEN = 48 };

static int tokenize(const char *name, char tok[MAX_TOKENS][TOKEN_LEN])
{
    int n = 0, len = 0;
    for (const char *p = name;; p++) {
        int sep = (*p == '\0' || *p == '_' || *p == '-' || *p == '.' || *p == ' ');
        if (sep) {
            if (len > 0 && n < MAX_TOKENS) {
                tok[n][len < TOKEN_LEN ? len : TOKEN_LEN - 1] = '\0';
                n++;
            }
            len = 0;
            if (*p == '\0') break;
        } else if (n < MAX_TOKENS) {
            if (len < TOKEN_LEN - 1) tok[n][len] = (char)toupper((unsigned char)*p);
            len++;
        }
    }
    return n;
}

int mw_io_role_from_filename(const char *name, mw_sensor *sensor, int *res_m)
{
    char tok[MAX_TOKENS][TOKEN_LEN];
    if (sensor) *sensor = MW_SENSOR_AUTO;
    if (res_m) *res_m = 0;
    if (!name) return -1;
    name = mw_io_basename(name);
    /* drop the extension (last '.' part) */
    char base[512];
    snprintf(base, sizeof base, "%s", name);
    char *dot = strrchr(base, '.');
    if (dot && dot != base) *dot = '\0';
    int n = tokenize(base, tok);
    int role = -1;
    mw_sensor s = MW_SENSOR_AUTO;
    for (int i = 0; i < n; i++) {
        /* Landsat: "SR" "Bn" and "QA" "PIXEL" */
        if (i + 1 < n && strcmp(tok[i], "SR") == 0 && tok[i + 1][0] == 'B' &&
            tok[i + 1][1] >= '2' && tok[i + 1][1] <= '7' && tok[i + 1][2] == '\0') {
            role = MW_BAND_BLUE + (tok[i + 1][1] - '2');
            s = MW_SENSOR_LANDSAT;
            break;
        }
        if (i + 1 < n && strcmp(tok[i], "QA") == 0 && strcmp(tok[i + 1], "PIXEL") == 0) {
            role = MW_BAND_MASK;
            s = MW_SENSOR_LANDSAT;
            break;
        }
        /* Landsat "ST_B10" etc. must not fall through to the tests below */
        if (strcmp(tok[i], "ST") == 0 || strcmp(tok[i], "QA") == 0) {
            i++;
            continue;
        }
        mw_sensor ts;
        int r = mw_io_role_from_band_name(tok[i], &ts);
        if (r >= 0 && ts != MW_SENSOR_LANDSAT) {
            if (strcmp(tok[i], "NIR08") == 0 || strcmp(tok[i], "MASK") == 0) continue;
            role = r;
            s = ts;
            /* resolution token right after: "B02_10m" */
            if (res_m && i + 1 < n) {
                char *end = NULL;
                long v = strtol(tok[i + 1], &end, 10);
                if (end && end != tok[i + 1] && strcmp(end, "M") == 0 && v > 0 && v < 100000)
                    *res_m = (int)v;
            }
            break;
        }
    }
    if (sensor) *sensor = s;
    return role;
}

mw_sensor mw_io_sensor_from_name(const char *name)
{
    if (!name) return MW_SENSOR_AUTO;
    char up[1024];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof up; i++) up[i] = (char)toupper((unsigned char)name[i]);
    up[i] = '\0';
    if (strstr(up, "MSIL2A") || strstr(up, "MSIL1C")) return MW_SENSOR_SENTINEL2;
    /* Landsat product id: L[COT]0[89]_L2SP_ (also L1TP etc.) */
    for (const char *p = up; (p = strchr(p, 'L')) != NULL; p++) {
        if ((p[1] == 'C' || p[1] == 'O' || p[1] == 'T') && p[2] == '0' && (p[3] == '8' || p[3] == '9') &&
            p[4] == '_' && p[5] == 'L' && (p == up || !isalnum((unsigned char)p[-1])))
            return MW_SENSOR_LANDSAT;
    }
    /* S2[ABC]_ at a token start */
    for (const char *p = up; (p = strstr(p, "S2")) != NULL; p++) {
        if ((p[2] == 'A' || p[2] == 'B' || p[2] == 'C') && p[3] == '_' &&
            (p == up || !isalnum((unsigned char)p[-1])))
            return MW_SENSOR_SENTINEL2;
    }
    /* MGRS tile token T\d\d[A-Z]{3}_ */
    for (const char *p = up; (p = strchr(p, 'T')) != NULL; p++) {
        if ((p == up || !isalnum((unsigned char)p[-1])) && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]) && isupper((unsigned char)p[3]) &&
            isupper((unsigned char)p[4]) && isupper((unsigned char)p[5]) && p[6] == '_')
            return MW_SENSOR_SENTINEL2;
    }
    return MW_SENSOR_AUTO;
}

mw_status mw_io_parse_band_map(const char *map, int nbands, const char *path,
                               int index[MW_BAND_ROLE_COUNT])
{
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) index[r] = 0;
    if (!path) path = "band map";
    if (!map || !*map) return mw_error_set(MW_ERR_USAGE, "%s: empty band map", path);
    const char *p = map;
    while (*p) {
        while (isspace((unsigned char)*p)) p++;
        const char *key = p;
        while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p)) p++;
        size_t klen = (size_t)(p - key);
        while (isspace((unsigned char)*p)) p++;
        if (klen == 0 || *p != '=')
            return mw_error_set(MW_ERR_USAGE,
                                "%s: malformed band map '%s' (expected role=index,... e.g. blue=1,green=2,red=3,nir=4)",
                                path, map);
        p++;
        while (isspace((unsigned char)*p)) p++;
        errno = 0;
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p || errno)
            return mw_error_set(MW_ERR_USAGE, "%s: band map entry '%.*s' has no band number", path,
                                (int)klen, key);
        p = end;
        while (isspace((unsigned char)*p)) p++;
        if (*p && *p != ',')
            return mw_error_set(MW_ERR_USAGE, "%s: malformed band map '%s' near '%s'", path, map, p);
        if (*p == ',') p++;

        int role = -1;
        for (int r = 0; r < MW_BAND_ROLE_COUNT; r++)
            if (strlen(role_names[r]) == klen && strncasecmp(key, role_names[r], klen) == 0) role = r;
        if (role < 0)
            return mw_error_set(MW_ERR_USAGE,
                                "%s: unknown band role '%.*s' in band map (roles: blue, green, red, nir, swir1, swir2, mask)",
                                path, (int)klen, key);
        if (index[role])
            return mw_error_set(MW_ERR_USAGE, "%s: band role '%s' given twice in band map", path,
                                role_names[role]);
        if (v < 1 || v > 1000000)
            return mw_error_set(MW_ERR_USAGE, "%s: band map %s=%ld: band numbers start at 1", path,
                                role_names[role], v);
        if (nbands > 0 && v > nbands)
            return mw_error_set(MW_ERR_BAND, "%s: band map %s=%ld, but the raster has only %d band%s", path,
                                role_names[role], v, nbands, nbands == 1 ? "" : "s");
        index[role] = (int)v;
    }
    return MW_OK;
}
