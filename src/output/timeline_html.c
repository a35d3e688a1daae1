/*
 * The timeline page of a monitored series: one self-contained HTML file
 * (inline SVG and CSS, no script, no network) with each site's footprint
 * area at each date, markers coloured by status, and a table of sites.
 */
#include "mw_series.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "minewatch/minewatch.h"

enum { W = 960, H = 420, ML = 70, MR = 170, MT = 30, MB = 50 };

static const struct { const char *status, *colour; } palette[] = {
    {"new", "#1f77b4"}, {"growing", "#d62728"}, {"persisting", "#ff7f0e"},
    {"inactive", "#7f7f7f"}, {"unobserved", "#bcbd22"}};

static const char *colour_of(const char *status)
{
    for (size_t i = 0; status && i < sizeof palette / sizeof palette[0]; i++)
        if (!strcmp(status, palette[i].status)) return palette[i].colour;
    return "#000000";
}

/* Days since 1970-01-01 of "YYYY-MM-DD" (civil calendar). */
static long days_of(const char *d)
{
    int y = 1970, m = 1, day = 1;
    if (sscanf(d, "%d-%d-%d", &y, &m, &day) != 3) return 0;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Text with &, <, > and " escaped. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '&') fputs("&amp;", f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static void put_axes(FILE *f, const mw_series *s, double amax, double (*xof)(const mw_series *, int))
{
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, H - MB, W - MR, H - MB);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, MT, ML, H - MB);
    for (int k = 0; k < s->nsteps; k++) {
        double x = xof(s, k);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, MT, x, H - MB);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n", x, H - MB + 18,
                s->dates[k]);
    }
    for (int t = 0; t <= 4; t++) {
        double y = H - MB - (H - MT - MB) * t / 4.0;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%.1f</text>\n", ML - 6, y + 4,
                amax * t / 4.0);
        if (t) fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n", ML, y, W - MR, y);
    }
    fprintf(f, "<text x=\"16\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">"
               "footprint area (ha)</text>\n", (MT + H - MB) / 2, (MT + H - MB) / 2);
    for (size_t i = 0; i < sizeof palette / sizeof palette[0]; i++) {
        int y = MT + 10 + 18 * (int)i;
        fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
                W - MR + 20, y, palette[i].colour, W - MR + 30, y + 4, palette[i].status);
    }
}

static double x_of(const mw_series *s, int k)
{
    long d0 = days_of(s->dates[0]), d1 = days_of(s->dates[s->nsteps - 1]);
    if (d1 <= d0) return ML + (W - ML - MR) / 2.0;
    return ML + (double)(days_of(s->dates[k]) - d0) / (double)(d1 - d0) * (W - ML - MR);
}

static void put_chart(FILE *f, const mw_series *s)
{
    double amax = 1.0;
    for (int i = 0; i < s->nsites; i++)
        for (int k = 0; k < s->nsteps; k++)
            if (isfinite(s->sites[i].area_ha[k]) && s->sites[i].area_ha[k] > amax) amax = s->sites[i].area_ha[k];
    amax = ceil(amax * 1.1);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\" aria-label=\"site areas over time\">\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
            W, H, W, H, W, H);
    put_axes(f, s, amax, x_of);
    for (int i = 0; i < s->nsites; i++) {
        const mw_site_history *h = &s->sites[i];
        fputs("<g><title>", f);
        put_text(f, h->site_id);
        fputs("</title><polyline fill=\"none\" stroke=\"#555\" stroke-width=\"1.5\" points=\"", f);
        for (int k = 0; k < s->nsteps; k++)
            if (h->status[k])
                fprintf(f, "%.1f,%.1f ", x_of(s, k), H - MB - (H - MT - MB) * h->area_ha[k] / amax);
        fputs("\"/>\n", f);
        for (int k = 0; k < s->nsteps; k++)
            if (h->status[k])
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", x_of(s, k),
                        H - MB - (H - MT - MB) * h->area_ha[k] / amax, colour_of(h->status[k]));
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
}

static void put_table(FILE *f, const mw_series *s)
{
    fputs("<table>\n<tr><th>site</th><th>first seen</th><th>last seen</th><th>detections</th>", f);
    for (int k = 0; k < s->nsteps; k++) fprintf(f, "<th>%s</th>", s->dates[k]);
    fputs("</tr>\n", f);
    for (int i = 0; i < s->nsites; i++) {
        const mw_site_history *h = &s->sites[i];
        fputs("<tr><td>", f);
        put_text(f, h->site_id);
        fprintf(f, "</td><td>%s</td><td>%s</td><td>%d</td>", h->first_seen, h->last_seen, h->n_detections);
        for (int k = 0; k < s->nsteps; k++) {
            if (!h->status[k]) fputs("<td></td>", f);
            else
                fprintf(f, "<td style=\"color:%s\">%s<br>%.2f ha</td>", colour_of(h->status[k]), h->status[k],
                        h->area_ha[k]);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

mw_status mw_series_write_html(const mw_series *s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno));
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>minewatch: sites over time</title>\n<style>body{font-family:sans-serif;margin:20px;color:#222}"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
          "text-align:left}</style>\n</head><body>\n", f);
    fprintf(f, "<h1>Sites over time</h1>\n<p>%d site%s over %d step%s, %s to %s (minewatch %s). Area is the site's "
               "footprint (all it covered so far); colour is its status at that date.</p>\n",
            s->nsites, s->nsites == 1 ? "" : "s", s->nsteps, s->nsteps == 1 ? "" : "s",
            s->nsteps ? s->dates[0] : "", s->nsteps ? s->dates[s->nsteps - 1] : "", mw_version());
    if (s->nsteps > 0) put_chart(f, s);
    put_table(f, s);
    fputs("</body></html>\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) return mw_error_set(MW_ERR_WRITE, "%s: %s", path, strerror(errno ? errno : EIO));
    return MW_OK;
}
