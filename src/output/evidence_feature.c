/*
 * One alert as text: its GeoJSON Feature (the very bytes the alert writer
 * puts in the alert file) and a short plain description for balloons,
 * GPX waypoints and KML.
 */
#include "mw_evidence_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mw_output_internal.h"

char *mw_evidence_feature_json(const mw_evidence_scan *scan, int i)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    mw_status st = mw_geojson_write_stream(f, "alert.json", &scan->alerts[i], 1, scan->meta, 1);
    fclose(f);
    if (st != MW_OK) {
        free(buf);
        return NULL;
    }
    /* the writer puts each Feature on a line of its own */
    char *p = strstr(buf, "\n{\"type\": \"Feature\"");
    char *e = p ? strchr(p + 1, '\n') : NULL;
    if (!p || !e) {
        free(buf);
        return NULL;
    }
    size_t n = (size_t)(e - (p + 1));
    if (n > 0 && p[n] == ',') n--;
    char *out = malloc(n + 2);
    if (out) {
        memcpy(out, p + 1, n);
        out[n] = '\n';
        out[n + 1] = '\0';
    }
    free(buf);
    return out;
}

void mw_evidence_describe(const mw_alert *a, const mw_alert_meta *meta, char *out, size_t size)
{
    const mw_site_features *f = &a->features;
    (void)f;
    int n = snprintf(out, size,
                     "%s, confidence %.2f, %.2f ha; %s to %s; %.5f, %.5f", a->class_name ? a->class_name : "candidate",
                     a->confidence, a->area_ha, meta && meta->before_date ? meta->before_date : "?",
                     meta && meta->after_date ? meta->after_date : "?", a->centroid_lat, a->centroid_lon);
    if (n > 0 && (size_t)n < size && a->protected_area)
        snprintf(out + n, size - (size_t)n, "; in %s", a->protected_area);
}
