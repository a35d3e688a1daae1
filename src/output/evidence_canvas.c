/*
 * An RGB canvas for chips and the overview: thick lines, polygon outlines
 * (black under yellow, visible on any background), a scale bar of a round
 * length, a north arrow, and text in the built-in font. PNG: evidence_png.c.
 */
#include "mw_evidence_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255}, yellow[3] = {255, 230, 0};

mw_status mw_canvas_init(mw_canvas *c, int w, int h)
{
    c->w = w;
    c->h = h;
    c->rgb = calloc((size_t)w * h * 3, 1);
    return c->rgb ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory for a %d x %d image", w, h);
}

mw_status mw_canvas_init_overlay(mw_canvas *c, int w, int h)
{
    mw_status st = mw_canvas_init(c, w, h);
    if (st == MW_OK && !(c->ink = calloc((size_t)w * h, 1))) {
        mw_canvas_clear(c);
        st = mw_error_set(MW_ERR_NOMEM, "out of memory for a %d x %d image", w, h);
    }
    return st;
}

void mw_canvas_stamp(mw_canvas *c, const mw_canvas *overlay)
{
    const size_t n = (size_t)c->w * c->h;
    for (size_t i = 0; i < n; i++)
        if (overlay->ink[i]) memcpy(c->rgb + i * 3, overlay->rgb + i * 3, 3);
}

void mw_canvas_clear(mw_canvas *c)
{
    free(c->rgb);
    free(c->ink);
    c->rgb = NULL;
    c->ink = NULL;
}

static void put(mw_canvas *c, int x, int y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    memcpy(c->rgb + ((size_t)y * c->w + x) * 3, rgb, 3);
    if (c->ink) c->ink[(size_t)y * c->w + x] = 1;
}

static void dot(mw_canvas *c, int x, int y, int width, const uint8_t rgb[3])
{
    int r0 = -(width - 1) / 2, r1 = width / 2;
    for (int dy = r0; dy <= r1; dy++)
        for (int dx = r0; dx <= r1; dx++) put(c, x + dx, y + dy, rgb);
}

void mw_canvas_line(mw_canvas *c, double x0, double y0, double x1, double y1, int width, const uint8_t rgb[3])
{
    /* far outside (a huge outline clipped by the chip): skip what cannot show */
    double lim = 4.0 * (c->w + c->h);
    if (!isfinite(x0 + y0 + x1 + y1) || fabs(x0) > lim || fabs(x1) > lim || fabs(y0) > lim || fabs(y1) > lim) return;
    double dx = x1 - x0, dy = y1 - y0;
    int steps = (int)ceil(fmax(fabs(dx), fabs(dy)));
    if (steps < 1) steps = 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        dot(c, (int)floor(x0 + t * dx), (int)floor(y0 + t * dy), width, rgb);
    }
}

static void rings(mw_canvas *c, OGRGeometryH g, int width, const uint8_t rgb[3])
{
    int n = OGR_G_GetGeometryCount(g);
    if (n > 0) {
        for (int i = 0; i < n; i++) rings(c, OGR_G_GetGeometryRef(g, i), width, rgb);
        return;
    }
    int np = OGR_G_GetPointCount(g);
    for (int i = 1; i < np; i++)
        mw_canvas_line(c, OGR_G_GetX(g, i - 1), OGR_G_GetY(g, i - 1), OGR_G_GetX(g, i), OGR_G_GetY(g, i), width, rgb);
}

void mw_canvas_outline(mw_canvas *c, OGRGeometryH g)
{
    rings(c, g, 4, black);
    rings(c, g, 2, yellow);
}

int mw_canvas_text_width(const char *text, int scale) { return (int)strlen(text) * 6 * scale - scale; }

void mw_canvas_text(mw_canvas *c, int x, int y, const char *text, int scale)
{
    /* halo first, then the letters: readable on bright and dark ground */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; text[k]; k++) {
            const uint8_t *g = mw_font_glyph(text[k]);
            if (!g) continue;
            int gx = x + k * 6 * scale;
            for (int row = 0; row < 7; row++)
                for (int col = 0; col < 5; col++) {
                    if (!(g[row] & (0x10 >> col))) continue;
                    for (int sy = 0; sy < scale; sy++)
                        for (int sx = 0; sx < scale; sx++) {
                            int px = gx + col * scale + sx, py = y + row * scale + sy;
                            if (pass == 0) dot(c, px, py, 3, black);
                            else put(c, px, py, white);
                        }
                }
        }
}

static void fill_rect(mw_canvas *c, int x, int y, int w, int h, const uint8_t rgb[3])
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) put(c, i, j, rgb);
}

void mw_canvas_scale_bar(mw_canvas *c, double m_per_px)
{
    if (!(m_per_px > 0)) return;
    /* the longest 1-2-5 length that fits in 40 % of the width */
    double best = 0;
    for (double dec = 1; dec <= 1e6; dec *= 10)
        for (int k = 0; k < 3; k++) {
            double len = dec * (k == 0 ? 1 : k == 1 ? 2 : 5);
            if (len / m_per_px <= 0.4 * c->w) best = len;
        }
    if (best <= 0) return;
    int px = (int)lround(best / m_per_px), x = 8, y = c->h - 14;
    char label[32];
    if (best >= 1000) snprintf(label, sizeof label, "%g km", best / 1000);
    else snprintf(label, sizeof label, "%g m", best);
    fill_rect(c, x - 1, y - 1, px + 2, 8, black);
    fill_rect(c, x, y, px / 2, 6, white);
    fill_rect(c, x + px / 2, y, px - px / 2, 6, black);
    fill_rect(c, x + px / 2, y + 1, px - px / 2 - 1, 4, white);
    fill_rect(c, x + px / 2, y + 2, px - px / 2 - 1, 2, black);
    mw_canvas_text(c, x, y - 18, label, 2);
}

void mw_canvas_north_arrow(mw_canvas *c, double angle)
{
    /* a filled arrow head of 22 px, then the "N" above it */
    const double cx = c->w - 20, cy = 44, len = 22;
    const double s = sin(angle), co = cos(angle);
    for (int pass = 0; pass < 2; pass++)
        for (double t = 0; t <= len; t += 0.5) {
            double half = (t / len) * 7.0;          /* widens from the tip */
            for (double u = -half; u <= half; u += 0.5) {
                double lx = u, ly = -len / 2 + t;     /* tip at ly = -len/2 */
                double x = cx + lx * co - ly * s, y = cy + lx * s + ly * co;
                if (pass == 0) dot(c, (int)floor(x), (int)floor(y), 3, black);
                else put(c, (int)floor(x), (int)floor(y), u < 0 ? white : yellow);
            }
        }
    mw_canvas_text(c, (int)(cx - 5 - 18 * s), (int)(cy - len / 2 - 20), "N", 2);
}

mw_status mw_canvas_write_png(const mw_canvas *c, const char *path, mw_digest *digest)
{
    uint8_t *png = NULL;
    size_t n = 0;
    mw_status st = mw_png_encode(c->rgb, c->w, c->h, &png, &n);
    if (st == MW_OK) st = mw_evidence_write_hashed(path, png, n, digest);
    free(png);
    return st;
}
