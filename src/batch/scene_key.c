/*
 * Which tile a scene shows, for pairing a folder of scenes: the Sentinel-2
 * MGRS tile ("T21MYN") or the Landsat WRS-2 path/row ("WRS228065"), from
 * the scene's name, its band files' names, then its metadata (product ids
 * such as PRODUCT_URI or LANDSAT_PRODUCT_ID); a scene with none of these
 * gets a key from its grid (CRS, origin, pixel size, size), so two dates of
 * one unnamed grid still pair.
 */
#include "mw_batch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>

static int is_sep(char c) { return c == '\0' || c == '_' || c == '-' || c == '.' || c == '/'; }

/* T\d\d[A-Z]{3} or \d\d[A-Z]{3} between separators (Element 84 names: S2A_29RKH_...). */
static int mgrs_at(const char *s, size_t i, char out[8])
{
    const char *p = s + i;
    int t = p[0] == 'T';
    const char *q = p + t;
    if (!isdigit((unsigned char)q[0]) || !isdigit((unsigned char)q[1])) return 0;
    for (int k = 2; k < 5; k++)
        if (!isupper((unsigned char)q[k])) return 0;
    if (!is_sep(q[5]) || (i > 0 && !is_sep(s[i - 1]))) return 0;
    int zone = (q[0] - '0') * 10 + (q[1] - '0');
    if (zone < 1 || zone > 60) return 0;
    snprintf(out, 8, "T%.5s", q);
    return 1;
}

/* L[COTE]0\d_L\w\w\w_PPPRRR_ (a Landsat product id). */
static int wrs_at(const char *s, size_t i, char out[16])
{
    const char *p = s + i;
    if (p[0] != 'L' || !strchr("COTE", p[1]) || p[2] != '0' || !isdigit((unsigned char)p[3]) || p[4] != '_')
        return 0;
    if (i > 0 && !is_sep(s[i - 1])) return 0;
    const char *q = p + 5;
    if (q[0] != 'L' || q[4] != '_') return 0;
    q += 5;
    for (int k = 0; k < 6; k++)
        if (!isdigit((unsigned char)q[k])) return 0;
    if (q[6] != '_') return 0;
    snprintf(out, 16, "WRS%.6s", q);
    return 1;
}

char *mw_batch_key_from_name(const char *name)
{
    if (!name) return NULL;
    char buf[16];
    for (size_t i = 0; name[i]; i++)
        if (wrs_at(name, i, buf)) return strdup(buf);
    for (size_t i = 0; name[i]; i++)
        if (mgrs_at(name, i, buf)) return strdup(buf);
    return NULL;
}

static char *key_from_metadata(const char *file)
{
    static const char *const items[] = {"PRODUCT_URI", "PRODUCT_ID", "LANDSAT_PRODUCT_ID", "MGRS_TILE",
                                        "TILE_ID", "GRANULE_ID", "PRODUCT_NAME", NULL};
    if (!file) return NULL;
    GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return NULL;
    char *key = NULL;
    for (int i = 0; items[i] && !key; i++) {
        const char *v = GDALGetMetadataItem(ds, items[i], NULL);
        if (!v) continue;
        if (!strcmp(items[i], "MGRS_TILE") && strlen(v) == 5) {
            char t[8];
            snprintf(t, sizeof t, "T%s", v);
            key = mw_batch_key_from_name(t);
        } else key = mw_batch_key_from_name(v);
    }
    GDALClose(ds);
    return key;
}

static char *key_from_grid(const mw_scene *scene)
{
    double gt[6];
    mw_scene_geotransform(scene, gt);
    char text[256];
    snprintf(text, sizeof text, "%d %.3f %.3f %.6f %.6f %dx%d", mw_scene_epsg(scene), gt[0], gt[3], gt[1], gt[5],
             mw_scene_width(scene), mw_scene_height(scene));
    mw_sha256 c;
    char hex[65];
    mw_sha256_init(&c);
    mw_sha256_update(&c, text, strlen(text));
    if (!mw_scene_epsg(scene)) {
        const char *wkt = mw_scene_crs_wkt(scene);
        if (wkt) mw_sha256_update(&c, wkt, strlen(wkt));
    }
    mw_sha256_hex(&c, hex);
    char key[24];
    snprintf(key, sizeof key, "grid-%.8s", hex);
    return strdup(key);
}

char *mw_batch_scene_key(const char *path, const mw_scene *scene)
{
    const char *base = strrchr(path, '/');
    char *key = mw_batch_key_from_name(base && base[1] ? base + 1 : path);
    if (!key) key = mw_batch_key_from_name(path);
    for (int r = 0; !key && scene && r < MW_BAND_ROLE_COUNT; r++) {
        const char *f = mw_scene_band_file(scene, (mw_band_role)r);
        const char *fb = f ? strrchr(f, '/') : NULL;
        if (f) key = mw_batch_key_from_name(fb ? fb + 1 : f);
    }
    if (!key && scene) key = key_from_metadata(mw_scene_band_file(scene, MW_BAND_RED));
    if (!key && scene) key = key_from_grid(scene);
    return key;
}
