/*
 * report.html: one self-contained page an investigator can open on a phone
 * or print. Inline CSS only (no script, no web font, nothing fetched);
 * images by relative path inside the package, lazily loaded so a package
 * of a thousand alerts opens at once.
 *
 * General plan: header and run facts; limits; overview map (the quicklook
 * with a link pin per alert, positioned in percent so it scales); table of
 * alerts; one card per alert (chips, coordinates, facts, evidence, files);
 * legend and method.
 */
#include "mw_evidence_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>

#include "core/mw_error.h"

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

static const char css[] =
    "*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "margin:0;color:#1b1b1b;background:#fafafa}main{max-width:1180px;margin:0 auto;padding:12px}"
    "h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:2px solid #333}"
    "h3{font-size:1.05em;margin:0 0 .4em;word-break:break-all}"
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}"
    ".facts dt{font-weight:600}.facts dd{margin:0;word-break:break-word}"
    ".limits{background:#fff4e0;border-left:4px solid #d98a00;padding:8px 12px}"
    ".map{position:relative;max-width:100%;display:inline-block}.map img{display:block;max-width:100%;height:auto}"
    ".pin{position:absolute;width:14px;height:14px;margin:-7px 0 0 -7px;border-radius:50%}"
    ".tw{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92em}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#eee}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".card{background:#fff;border:1px solid #bbb;border-radius:6px;padding:10px;margin:14px 0}"
    ".chips{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:6px;margin:6px 0}"
    ".chips figure{margin:0}.chips img{width:100%;height:auto;display:block;border:1px solid #999;"
    "image-rendering:pixelated}.chips figcaption{font-size:.8em;text-align:center}"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:10px}@media(max-width:700px){.cols{grid-template-columns:1fr}}"
    ".legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;border:1px solid #666;margin:0 4px 0 10px}"
    "small{color:#555}a{color:#0b57a4}"
    "@media print{body{background:#fff;font-size:10pt}main{max-width:none;padding:0}.pin{display:none}"
    ".card{break-inside:avoid;page-break-inside:avoid;border-color:#888}h2{break-after:avoid}"
    ".chips{grid-template-columns:repeat(5,1fr)}a{color:inherit;text-decoration:none}}";

static void num(FILE *f, const char *label, double v, const char *fmt, const char *unit)
{
    fprintf(f, "<dt>%s</dt><dd>", label);
    if (isfinite(v)) {
        fprintf(f, fmt, v);
        fprintf(f, "%s</dd>", unit);
    } else {
        fputs("none</dd>", f);
    }
}

static void header(FILE *f, const mw_report_ctx *rc)
{
    const mw_evidence_scan *sc = rc->scan;
    const mw_alert_meta *m = sc->meta;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
               "<title>minewatch evidence: %d candidate site%s</title><style>%s</style></head><body><main>\n",
            sc->nalerts, sc->nalerts == 1 ? "" : "s", css);
    fprintf(f, "<h1>Candidate mining sites: %d</h1>\n<dl class=\"facts\">", sc->nalerts);
    const mw_provenance *pv[2] = {rc->prov_before, rc->prov_after};
    const char *paths[2] = {m->before_path, m->after_path}, *dates[2] = {m->before_date, m->after_date};
    for (int k = 0; k < 2; k++) {
        fprintf(f, "<dt>%s scene</dt><dd>", k ? "After" : "Before");
        esc(f, pv[k]->product_id[0] ? pv[k]->product_id : paths[k]);
        fputs(", acquired ", f);
        esc(f, pv[k]->datetime[0] ? pv[k]->datetime : dates[k] ? dates[k] : "(date unknown)");
        if (pv[k]->tile[0]) fputs(", tile ", f), esc(f, pv[k]->tile);
        if (pv[k]->baseline[0]) fputs(", baseline ", f), esc(f, pv[k]->baseline);
        fputs("</dd>", f);
    }
    fputs("<dt>Model</dt><dd>", f);
    esc(f, m->model_name);
    fprintf(f, "</dd><dt>Filters</dt><dd>minimum area %.2f ha, minimum confidence %.2f</dd>", sc->min_area_ha,
            sc->min_confidence);
    fprintf(f, "<dt>Pixel size</dt><dd>%.1f m &times; %.1f m</dd>", sc->grid->pixel_w_m, sc->grid->pixel_h_m);
    fputs("<dt>Scan started</dt><dd>", f);
    esc(f, rc->started_utc);
    fputs("</dd><dt>Provenance</dt><dd><a href=\"manifest.json\">manifest.json</a> (every input file with its "
          "SHA-256, versions, parameters); <a href=\"SHA256SUMS\">SHA256SUMS</a> (every file of this package; "
          "check with <code>minewatch verify</code>)</dd></dl>\n",
          f);
    fprintf(f,
            "<div class=\"limits\"><b>Limits.</b> An alert is a <b>candidate</b> found by an automatic comparison of "
            "two satellite images: it is not proof of mining, nor of any offence, and must be confirmed on the ground "
            "or by an analyst. The change happened at some time <b>between</b> the two acquisition dates: the "
            "detection date is not the date of the event. Pixels are %.0f m wide, so outlines are accurate to about "
            "one pixel and sites smaller than %.2f ha are not reported. Cloud, haze and shadow hide the ground "
            "(see each alert's valid fraction).</div>\n",
            sc->grid->pixel_w_m, sc->min_area_ha);
}

static void overview(FILE *f, const mw_report_ctx *rc)
{
    const mw_evidence_scan *sc = rc->scan;
    fprintf(f, "<h2>Overview</h2><p><small>After scene in true colour; red rings mark the %d alerts (select one to "
               "jump to its card).</small></p><div class=\"map\"><img src=\"overview.png\" width=\"%d\" height=\"%d\" "
               "alt=\"overview map of the alerts\">",
            sc->nalerts, rc->ql->w, rc->ql->h);
    OGRSpatialReferenceH ll = OSRNewSpatialReference(NULL), grid = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    OSRImportFromWkt(grid, &(char *){sc->grid->crs_wkt});
    OSRSetAxisMappingStrategy(grid, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH t = OCTNewCoordinateTransformation(ll, grid);
    double inv[6];
    if (!GDALInvGeoTransform((double *)rc->ql->gt, inv)) memset(inv, 0, sizeof inv);
    for (int i = 0; t && i < sc->nalerts; i++) {
        double x = sc->alerts[i].centroid_lon, y = sc->alerts[i].centroid_lat, px, py;
        if (!OCTTransform(t, 1, &x, &y, NULL)) continue;
        GDALApplyGeoTransform(inv, x, y, &px, &py);
        fprintf(f, "<a class=\"pin\" href=\"#%s\" title=\"%s\" style=\"left:%.3f%%;top:%.3f%%\"></a>",
                sc->alerts[i].id, sc->alerts[i].id, 100.0 * px / rc->ql->w, 100.0 * py / rc->ql->h);
    }
    if (t) OCTDestroyCoordinateTransformation(t);
    OSRDestroySpatialReference(ll);
    OSRDestroySpatialReference(grid);
    fputs("</div>\n", f);
}

static void table(FILE *f, const mw_evidence_scan *sc)
{
    fputs("<h2>Alerts</h2><div class=\"tw\"><table><thead><tr><th>#</th><th>id</th><th>class</th><th>confidence</th>"
          "<th>area ha</th><th>latitude</th><th>longitude</th><th>protected area</th></tr></thead><tbody>\n",
          f);
    for (int i = 0; i < sc->nalerts; i++) {
        const mw_alert *a = &sc->alerts[i];
        fprintf(f, "<tr><td class=\"n\">%d</td><td><a href=\"#%s\">%s</a></td><td>", i + 1, a->id, a->id);
        esc(f, a->class_name);
        fprintf(f, "</td><td class=\"n\">%.2f</td><td class=\"n\">%.2f</td><td class=\"n\">%.6f</td>"
                   "<td class=\"n\">%.6f</td><td>",
                a->confidence, a->area_ha, a->centroid_lat, a->centroid_lon);
        esc(f, a->protected_area ? a->protected_area : "");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static void card(FILE *f, const mw_report_ctx *rc, mw_utm *utm, int i)
{
    const mw_evidence_scan *sc = rc->scan;
    const mw_alert *a = &sc->alerts[i];
    const mw_site_features *x = &a->features;
    const mw_chip_info *ci = &rc->info[i];
    static const char *const chips[5][2] = {{"before.png", "Before, true colour"}, {"after.png", "After, true colour"},
                                            {"before_swir.png", "Before, SWIR2/NIR/red"},
                                            {"after_swir.png", "After, SWIR2/NIR/red"}, {"change.png", "Change classes"}};
    fprintf(f, "<section class=\"card\" id=\"%s\"><h3>%d. %s</h3><div class=\"chips\">", a->id, i + 1, a->id);
    for (int k = 0; k < 5; k++)
        fprintf(f, "<figure><img src=\"alerts/%s/%s\" width=\"%d\" loading=\"lazy\" alt=\"%s\">"
                   "<figcaption>%s</figcaption></figure>",
                a->id, chips[k][0], MW_CHIP_SIZE, chips[k][1], chips[k][1]);
    char dlat[48], dlon[48], u[96];
    mw_format_dms(a->centroid_lat, 1, dlat, sizeof dlat);
    mw_format_dms(a->centroid_lon, 0, dlon, sizeof dlon);
    if (!mw_format_utm(utm, a->centroid_lon, a->centroid_lat, u, sizeof u)) snprintf(u, sizeof u, "n/a");
    fprintf(f, "</div><div class=\"cols\"><dl class=\"facts\"><dt>Centre</dt><dd>%.6f, %.6f</dd>"
               "<dt>DMS</dt><dd>%s %s</dd><dt>UTM (WGS 84)</dt><dd>%s</dd>",
            a->centroid_lat, a->centroid_lon, dlat, dlon, u);
    fprintf(f, "<dt>Area</dt><dd>%.2f ha</dd><dt>Class</dt><dd>", a->area_ha);
    esc(f, a->class_name);
    fprintf(f, ", confidence %.2f</dd><dt>Changed between</dt><dd>", a->confidence);
    esc(f, sc->meta->before_date);
    fputs(" and ", f);
    esc(f, sc->meta->after_date);
    fputs("</dd><dt>Protected area</dt><dd>", f);
    esc(f, a->protected_area ? a->protected_area : "none");
    fprintf(f, "</dd><dt>Chip window</dt><dd>%d &times; %d px (%.0f m)%s</dd></dl><dl class=\"facts\">", ci->window.w,
            ci->window.h, ci->window.w * sc->grid->pixel_w_m, ci->cropped ? ", the site is larger: its centre part" : "");
    num(f, "Vegetation loss", x->veg_loss_ha, "%.2f", " ha");
    num(f, "Bare soil", x->bare_soil_ha, "%.2f", " ha");
    num(f, "New water", x->new_water_ha, "%.2f", " ha");
    num(f, "Turbid new water", x->turbid_water_ha, "%.2f", " ha");
    num(f, "Mean NDVI change", x->mean_dndvi, "%+.3f", "");
    num(f, "Mean NDTI change", x->mean_dndti, "%+.3f", "");
    num(f, "River turbidity change", x->river_turbidity_change, "%+.3f", "");
    num(f, "Clear in both dates", x->valid_fraction * 100, "%.0f", " %");
    fprintf(f, "<dt>Files</dt><dd><a href=\"alerts/%s/before.tif\">before.tif</a>, <a href=\"alerts/%s/after.tif\">"
               "after.tif</a>, <a href=\"alerts/%s/alert.json\">alert.json</a></dd></dl></div></section>\n",
            a->id, a->id, a->id);
}

static void footer(FILE *f)
{
    fputs("<h2>How to read the chips</h2><p class=\"legend\">Change classes:", f);
    for (int c = 0; c < 7; c++) {
        uint8_t rgb[3];
        mw_class_colour(c, rgb);
        fprintf(f, "<span style=\"background:#%02x%02x%02x\"></span>%s", rgb[0], rgb[1], rgb[2], mw_class_label(c));
    }
    fprintf(f, "</p><p>Every chip of every scan uses one fixed stretch, so chips can be compared and nothing is "
               "enhanced per image: true colour maps reflectance 0&ndash;%.2f of red, green and blue to black&ndash;white; "
               "SWIR2/NIR/red maps 0&ndash;%.2f. Each chip shows the window's pixels as squares (%d&nbsp;px wide on screen). The yellow "
               "line is the alert's outline; N points to true north. before.tif and after.tif hold the bands at the "
               "product's values on the scan's grid (reflectance = value &times; scale + offset, stored in the file).</p>"
               "<p><small>Made by minewatch. This page loads nothing from the network.</small></p></main></body></html>\n",
            MW_STRETCH_TRUE_MAX, MW_STRETCH_SWIR_MAX, MW_CHIP_SIZE);
}

mw_status mw_evidence_report(const mw_report_ctx *rc, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mw_utm *utm = mw_utm_create();
    if (!f || !utm) {
        if (f) fclose(f);
        free(buf);
        mw_utm_destroy(utm);
        return mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    header(f, rc);
    overview(f, rc);
    table(f, rc->scan);
    fputs("<h2>Alert cards</h2>\n", f);
    for (int i = 0; i < rc->scan->nalerts; i++) card(f, rc, utm, i);
    footer(f);
    fclose(f);
    mw_utm_destroy(utm);
    mw_status st = mw_evidence_write_file(path, buf, len);
    free(buf);
    return st;
}
