/*
 * alerts.kmz for Google Earth and field phones (Placemarks named by id,
 * styled by confidence, the before/after chips in each balloon, the images
 * inside the archive so it works offline; evidence_zip.c) and alerts.gpx (a waypoint per
 * alert centroid, for handheld GPS).
 */
#include "mw_evidence_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "core/mw_error.h"

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

/* confidence bands: >= 0.8 red, >= 0.65 orange, else yellow (KML aabbggrr) */
static const char *style_of(double c) { return c >= 0.8 ? "high" : c >= 0.65 ? "medium" : "low"; }

static void kml_styles(FILE *f)
{
    static const char *const names[3] = {"high", "medium", "low"}, *const col[3] = {"1414e6", "008cff", "00e6ff"};
    for (int i = 0; i < 3; i++)
        fprintf(f, "<Style id=\"%s\"><IconStyle><color>ff%s</color><scale>1.1</scale></IconStyle>"
                   "<LineStyle><color>ff%s</color><width>2</width></LineStyle>"
                   "<PolyStyle><color>55%s</color></PolyStyle></Style>\n",
                names[i], col[i], col[i], col[i]);
}

/* A coordinate with 7 decimals (about 1 cm), from an integer: OGR's KML
 * export (15 digits through printf) was the larger part of the KMZ's time. */
static void coord(FILE *f, double v)
{
    long long q = llround(v * 1e7);
    if (q < 0) {
        fputc('-', f);
        q = -q;
    }
    fprintf(f, "%lld.%07lld", q / 10000000, q % 10000000);
}

static void ring(FILE *f, OGRGeometryH r)
{
    fputs("<LinearRing><coordinates>", f);
    int n = OGR_G_GetPointCount(r);
    for (int i = 0; i < n; i++) {
        if (i) fputc(' ', f);
        coord(f, OGR_G_GetX(r, i));
        fputc(',', f);
        coord(f, OGR_G_GetY(r, i));
    }
    fputs("</coordinates></LinearRing>", f);
}

/* Polygons (of a polygon or multipolygon outline) as KML, lon/lat. */
static void kml_polygons(FILE *f, OGRGeometryH g)
{
    if (!g) return;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        fputs("<MultiGeometry>", f);
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) kml_polygons(f, OGR_G_GetGeometryRef(g, i));
        fputs("</MultiGeometry>", f);
        return;
    }
    if (t != wkbPolygon) return;
    for (int k = 0; k < OGR_G_GetGeometryCount(g); k++) {
        fputs(k == 0 ? "<Polygon><outerBoundaryIs>" : "<innerBoundaryIs>", f);
        ring(f, OGR_G_GetGeometryRef(g, k));
        fputs(k == 0 ? "</outerBoundaryIs>" : "</innerBoundaryIs>", f);
    }
    if (OGR_G_GetGeometryCount(g) > 0) fputs("</Polygon>", f);
}

static char *kml_text(const mw_evidence_scan *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
          "<name>minewatch alerts</name>\n",
          f);
    kml_styles(f);
    for (int i = 0; i < sc->nalerts; i++) {
        const mw_alert *a = &sc->alerts[i];
        char desc[512];
        mw_evidence_describe(a, sc->meta, desc, sizeof desc);
        fprintf(f, "<Placemark id=\"%s\"><name>%s</name><styleUrl>#%s</styleUrl><description><![CDATA[<p>", a->id,
                a->id, style_of(a->confidence));
        esc(f, desc);
        fprintf(f, "</p><table><tr><td>before %s<br><img src=\"files/%s/before.png\" width=\"220\"></td>"
                   "<td>after %s<br><img src=\"files/%s/after.png\" width=\"220\"></td></tr></table>"
                   "<p>A candidate, not proof: confirm on the ground.</p>]]></description>",
                sc->meta->before_date ? sc->meta->before_date : "", a->id,
                sc->meta->after_date ? sc->meta->after_date : "", a->id);
        fprintf(f, "<ExtendedData><Data name=\"confidence\"><value>%.4f</value></Data>"
                   "<Data name=\"area_ha\"><value>%.4f</value></Data><Data name=\"class\"><value>",
                a->confidence, a->area_ha);
        esc(f, a->class_name);
        fputs("</value></Data></ExtendedData>", f);
        fprintf(f, "<MultiGeometry><Point><coordinates>%.7f,%.7f</coordinates></Point>", a->centroid_lon,
                a->centroid_lat);
        kml_polygons(f, a->geometry);
        fputs("</MultiGeometry></Placemark>\n", f);
    }
    fputs("</Document></kml>\n", f);
    fclose(f);
    return buf;
}

static mw_status zip_add_file(mw_zip *zip, const char *name, const char *file)
{
    GByte *data = NULL;
    vsi_l_offset n = 0;
    if (!VSIIngestFile(NULL, file, &data, &n, 64 << 20)) return mw_error_set(MW_ERR_READ, "%s: cannot read", file);
    mw_status st = mw_zip_add(zip, name, data, (size_t)n, 0);  /* PNG: already compressed */
    VSIFree(data);
    return st;
}

mw_status mw_evidence_kmz(const mw_evidence_scan *sc, const char *root, const char *path)
{
    char *kml = kml_text(sc);
    if (!kml) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_zip *zip = NULL;
    mw_status st = mw_zip_open(path, &zip);
    if (st == MW_OK) st = mw_zip_add(zip, "doc.kml", kml, strlen(kml), 1);
    free(kml);
    static const char *const chips[2] = {"before.png", "after.png"};
    for (int i = 0; st == MW_OK && i < sc->nalerts; i++)
        for (int k = 0; st == MW_OK && k < 2; k++) {
            char name[256], file[PATH_MAX];
            snprintf(name, sizeof name, "files/%s/%s", sc->alerts[i].id, chips[k]);
            snprintf(file, sizeof file, "%s/alerts/%s/%s", root, sc->alerts[i].id, chips[k]);
            st = zip_add_file(zip, name, file);
        }
    if (zip) {
        mw_status cs = mw_zip_close(zip, st == MW_OK);
        if (st == MW_OK) st = cs;
    }
    return st;
}

mw_status mw_evidence_gpx(const mw_evidence_scan *sc, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"minewatch\" "
          "xmlns=\"http://www.topografix.com/GPX/1/1\">\n<metadata><name>minewatch alerts</name></metadata>\n",
          f);
    for (int i = 0; i < sc->nalerts; i++) {
        const mw_alert *a = &sc->alerts[i];
        char desc[512];
        mw_evidence_describe(a, sc->meta, desc, sizeof desc);
        fprintf(f, "<wpt lat=\"%.7f\" lon=\"%.7f\"><name>%s</name><desc>", a->centroid_lat, a->centroid_lon, a->id);
        esc(f, desc);
        fputs("</desc><sym>Flag, Red</sym><type>minewatch alert</type></wpt>\n", f);
    }
    fputs("</gpx>\n", f);
    fclose(f);
    mw_status st = mw_evidence_write_file(path, buf, len);
    free(buf);
    return st;
}
