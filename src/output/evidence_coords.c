/*
 * Coordinates as field teams use them: decimal degrees, degrees-minutes-
 * seconds, and WGS 84 / UTM (the zone of the point itself, not the scan's
 * grid, so a GPS set to UTM reads the same numbers).
 */
#include "mw_evidence_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <proj.h>

void mw_format_dms(double v, int is_lat, char *out, size_t size)
{
    char hemi = is_lat ? (v < 0 ? 'S' : 'N') : (v < 0 ? 'W' : 'E');
    double a = fabs(v);
    /* round at 0.01" first, so 59.999" never prints as 60.00" */
    long long cs = llround(a * 360000.0);
    int deg = (int)(cs / 360000), min = (int)(cs / 6000 % 60);
    double sec = (cs % 6000) / 100.0;
    snprintf(out, size, "%d\u00b0%02d'%05.2f\"%c", deg, min, sec, hemi);
}

struct mw_utm {
    PJ_CONTEXT *ctx;
    PJ *zone[121];    /* 1..60 north, 61..120 south; made on first use */
};

mw_utm *mw_utm_create(void)
{
    mw_utm *u = calloc(1, sizeof *u);
    if (u && !(u->ctx = proj_context_create())) {
        free(u);
        u = NULL;
    }
    return u;
}

void mw_utm_destroy(mw_utm *u)
{
    if (!u) return;
    for (int i = 0; i < 121; i++) proj_destroy(u->zone[i]);
    proj_context_destroy(u->ctx);
    free(u);
}

int mw_format_utm(mw_utm *u, double lon, double lat, char *out, size_t size)
{
    if (!u || !(lat > -80 && lat < 84) || !(lon >= -180 && lon <= 180)) return 0;
    int zone = (int)floor((lon + 180) / 6) + 1;
    if (zone > 60) zone = 60;
    static const char bands[] = "CDEFGHJKLMNPQRSTUVWXX";
    char band = bands[(int)floor((lat + 80) / 8)];
    int slot = zone + (lat < 0 ? 60 : 0);
    if (!u->zone[slot]) {
        char crs[32];
        snprintf(crs, sizeof crs, "EPSG:%d", (lat >= 0 ? 32600 : 32700) + zone);
        PJ *p = proj_create_crs_to_crs(u->ctx, "EPSG:4326", crs, NULL);
        u->zone[slot] = p ? proj_normalize_for_visualization(u->ctx, p) : NULL;
        proj_destroy(p);
        if (!u->zone[slot]) return 0;
    }
    PJ_COORD c = proj_trans(u->zone[slot], PJ_FWD, proj_coord(lon, lat, 0, 0));
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) return 0;
    snprintf(out, size, "%d%c %.0f E %.0f N", zone, band, c.xy.x, c.xy.y);
    return 1;
}
