/*
 * The alert property table shared by the GeoJSON and OGR writers, and the
 * deterministic number formatting of the GeoJSON writer.
 */
#include "mw_alerts.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Order is the contract's: the design's table first, then extra evidence. */
const mw_alert_field mw_alert_fields[] = {
    {"id", "id", MW_AK_STRING, 0},
    {"class", "class", MW_AK_STRING, 0},
    {"confidence", "confidence", MW_AK_REAL, 4},
    {"area_ha", "area_ha", MW_AK_REAL, 4},
    {"centroid_lon", "cent_lon", MW_AK_REAL, 7},
    {"centroid_lat", "cent_lat", MW_AK_REAL, 7},
    {"date_before", "date_bef", MW_AK_STRING, 0},
    {"date_after", "date_aft", MW_AK_STRING, 0},
    {"sensor", "sensor", MW_AK_STRING, 0},
    {"veg_loss_ha", "veg_loss", MW_AK_REAL, 4},
    {"bare_soil_ha", "bare_soil", MW_AK_REAL, 4},
    {"new_water_ha", "new_water", MW_AK_REAL, 4},
    {"turbid_water_ha", "turb_water", MW_AK_REAL, 4},
    {"mean_dndvi", "mean_dndvi", MW_AK_REAL, 4},
    {"mean_dndti", "mean_dndti", MW_AK_REAL, 4},
    {"river_turbidity_change", "river_dndt", MW_AK_REAL, 4},
    {"valid_fraction", "valid_frac", MW_AK_REAL, 4},
    {"protected_area", "protected", MW_AK_STRING, 0},
    {"turbidity_rise_ha", "turb_rise", MW_AK_REAL, 4},
    {"pond_count", "pond_count", MW_AK_INT, 0},
    {"water_share", "water_shr", MW_AK_REAL, 4},
    {"compactness", "compact", MW_AK_REAL, 4},
    {"dist_water_m", "dist_water", MW_AK_REAL, 2},
    {"context_disturbed_share", "context_sh", MW_AK_REAL, 4},
    {"mean_dbsi", "mean_dbsi", MW_AK_REAL, 4},
    {"mean_dmndwi", "mean_dmndw", MW_AK_REAL, 4},
    {"before_ndvi", "bef_ndvi", MW_AK_REAL, 4},
    {"after_ndvi", "aft_ndvi", MW_AK_REAL, 4},
    {"after_water_ndti", "aft_w_ndti", MW_AK_REAL, 4},
    {"bbox_fill", "bbox_fill", MW_AK_REAL, 4},
    {"after_mndwi", "aft_mndwi", MW_AK_REAL, 4},
    {"after_bsi", "aft_bsi", MW_AK_REAL, 4},
    {"ring_water_share", "ring_water", MW_AK_REAL, 4},
    {"ring_bare_share", "ring_bare", MW_AK_REAL, 4},
    {"ring_ndvi", "ring_ndvi", MW_AK_REAL, 4},
    {"after_vis", "aft_vis", MW_AK_REAL, 4},
    {"after_swir", "aft_swir", MW_AK_REAL, 4},
    {"vis_change", "vis_change", MW_AK_REAL, 4},
    {"bare_vis", "bare_vis", MW_AK_REAL, 4},
    {"water_vis", "water_vis", MW_AK_REAL, 4},
    {"water_red_green", "water_r_g", MW_AK_REAL, 4},
    {"water_nir", "water_nir", MW_AK_REAL, 4},
    {"before_disturbed_share", "bef_dist", MW_AK_REAL, 4},
    {"ring_pond_count_before", "r_ponds_b", MW_AK_INT, 0},
    {"ring_pond_count_after", "r_ponds_a", MW_AK_INT, 0},
    {"ring_mosaic_before", "r_mosaic_b", MW_AK_REAL, 4},
    {"ring_mosaic_after", "r_mosaic_a", MW_AK_REAL, 4},
    {"ring_texture_before", "r_tex_b", MW_AK_REAL, 4},
    {"ring_texture_after", "r_tex_a", MW_AK_REAL, 4},
    {"ring_water_ndti", "r_w_ndti", MW_AK_REAL, 4},
    {"ring_loss_share", "r_loss", MW_AK_REAL, 4},
};
const int mw_alert_field_count = (int)(sizeof mw_alert_fields / sizeof mw_alert_fields[0]);

const char *mw_site_status_name(mw_site_status s)
{
    static const char *const names[MW_SITE_STATUS_COUNT] = {
        NULL, "new", "growing", "persisting", "inactive", "unobserved"};
    return s > MW_SITE_NONE && s < MW_SITE_STATUS_COUNT ? names[s] : NULL;
}

/** See mw_alerts.h. */
int mw_alert_fields_total(const mw_alert_meta *m)
{
    return mw_alert_field_count + (m && m->extra_fields ? m->n_extra_fields : 0);
}

/** See mw_alerts.h. */
const mw_alert_field *mw_alert_field_at(const mw_alert_meta *m, int k)
{
    return k < mw_alert_field_count ? &mw_alert_fields[k] : &m->extra_fields[k - mw_alert_field_count];
}

/** See mw_alerts.h. */
void mw_alert_field_value(const mw_alert *a, const mw_alert_meta *m, int field,
                          mw_alert_value *v)
{
    const mw_site_features *f = &a->features;
    memset(v, 0, sizeof *v);
    v->kind = mw_alert_field_at(m, field)->kind;
    v->d = NAN;
    if (field < a->nprops && a->props[field].set) {
        const mw_alert_prop *p = &a->props[field];
        v->s = p->s;
        v->d = p->d;
        v->i = p->i;
        v->null = p->null;
        return;
    }
    if (field >= mw_alert_field_count) {
        v->null = 1;  /* an added property this alert has no value for */
        return;
    }
    switch (field) {
    case 0: v->s = a->id; break;
    case 1: v->s = a->class_name; break;
    case 2: v->d = a->confidence; break;
    case 3: v->d = a->area_ha; break;
    case 4: v->d = a->centroid_lon; break;
    case 5: v->d = a->centroid_lat; break;
    case 6: v->s = m ? m->before_date : NULL; break;
    case 7: v->s = m ? m->after_date : NULL; break;
    case 8: v->s = m ? m->after_sensor : NULL; break;
    case 9: v->d = f->veg_loss_ha; break;
    case 10: v->d = f->bare_soil_ha; break;
    case 11: v->d = f->new_water_ha; break;
    case 12: v->d = f->turbid_water_ha; break;
    case 13: v->d = f->mean_dndvi; break;
    case 14: v->d = f->mean_dndti; break;
    case 15: v->d = f->river_turbidity_change; break;
    case 16: v->d = f->valid_fraction; break;
    case 17: v->s = a->protected_area; break;
    case 18: v->d = f->turbidity_rise_ha; break;
    case 19: v->i = f->pond_count; break;
    case 20: v->d = f->water_share; break;
    case 21: v->d = f->compactness; break;
    case 22: v->d = f->dist_water_m; break;
    case 23: v->d = f->context_disturbed_share; break;
    case 24: v->d = f->mean_dbsi; break;
    case 25: v->d = f->mean_dmndwi; break;
    case 26: v->d = f->before_ndvi; break;
    case 27: v->d = f->after_ndvi; break;
    case 28: v->d = f->after_water_ndti; break;
    case 29: v->d = f->bbox_fill; break;
    case 30: v->d = f->after_mndwi; break;
    case 31: v->d = f->after_bsi; break;
    case 32: v->d = f->ring_water_share; break;
    case 33: v->d = f->ring_bare_share; break;
    case 34: v->d = f->ring_ndvi; break;
    case 35: v->d = f->after_vis; break;
    case 36: v->d = f->after_swir; break;
    case 37: v->d = f->vis_change; break;
    case 38: v->d = f->bare_vis; break;
    case 39: v->d = f->water_vis; break;
    case 40: v->d = f->water_red_green; break;
    case 41: v->d = f->water_nir; break;
    case 42: v->d = f->before_disturbed_share; break;
    case 43: v->i = f->ring_pond_count_before; break;
    case 44: v->i = f->ring_pond_count_after; break;
    case 45: v->d = f->ring_mosaic_before; break;
    case 46: v->d = f->ring_mosaic_after; break;
    case 47: v->d = f->ring_texture_before; break;
    case 48: v->d = f->ring_texture_after; break;
    case 49: v->d = f->ring_water_ndti; break;
    case 50: v->d = f->ring_loss_share; break;
    default: break;
    }
}

/*
 * The same text as printf("%.*f") for the common case, without printf's
 * exact multi-precision conversion (most of the GeoJSON writer's time:
 * a full tile's outlines are a million coordinates). The product
 * x = v * 10^d is rounded once in double; rounding is monotonic and k + 1/2
 * is a double while |x| < 2^42, so x is on the same side of every half as
 * the exact product or on it, and rounding x to the nearest integer gives
 * printf's exact decimal rounding except at a half (printf rounds ties to
 * even). For margin, products whose fraction is within 1/64 of .5
 * are left to printf. Returns the length written to buf (>= 48 bytes), or
 * 0 when printf must decide.
 */
static int format_fast(double v, int decimals, char *buf)
{
    static const double p10[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (decimals > 9) return 0;
    double x = fabs(v) * p10[decimals];
    if (!(x < 4398046511104.0)) return 0;  /* 2^42 */
    double fl = floor(x), frac = x - fl;
    if (fabs(frac - 0.5) < 1.0 / 64) return 0;
    uint64_t n = (uint64_t)fl + (frac > 0.5);
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    /* digits[] holds the integer n, least significant first. */
    while (nd <= decimals) digits[nd++] = '0';  /* "0.000ddd" */
    int lo = 0;                                  /* trailing fraction zeros dropped */
    while (lo < decimals && digits[lo] == '0') lo++;
    int len = 0;
    int zero = nd == decimals + 1 && digits[nd - 1] == '0' && lo == decimals;
    if (signbit(v) && !zero) buf[len++] = '-';  /* never "-0" */
    for (int i = nd - 1; i >= decimals; i--) buf[len++] = digits[i];
    if (lo < decimals) {
        buf[len++] = '.';
        for (int i = decimals - 1; i >= lo; i--) buf[len++] = digits[i];
    }
    buf[len] = '\0';
    return len;
}

/** See mw_alerts.h. */
int mw_format_number(double v, int decimals, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "null");
        return 0;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 15) decimals = 15;
    char fast[48];
    int fn = format_fast(v, decimals, fast);
    if (fn > 0 && (size_t)fn < size) {
        memcpy(buf, fast, (size_t)fn + 1);
        return 1;
    }
    int n = snprintf(buf, size, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= size) {
        /* Absurdly large value for the buffer: fall back to %.17g. */
        snprintf(buf, size, "%.17g", v);
        return 1;
    }
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + n - 1;
        while (end > dot && *end == '0') *end-- = '\0';
        if (end == dot) *end = '\0';
    }
    if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
    return 1;
}
