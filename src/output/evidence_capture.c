/*
 * Chips captured during the scan: when the scan keeps a site, its window
 * (the site's box plus the ring the features look at) is in memory with
 * both dates' bands and the change classes, so the chips and GeoTIFFs are
 * written from it at once into "<package>/.stage/<n>/", and the alert's
 * folder is that one renamed when the package is built. A full tile's
 * thousand alerts then cost encoding only, not a second decode of the
 * scene. The overview is sampled from the after scene's tiles likewise.
 */
#include "mw_evidence_internal.h"

#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

/* The note beside a capture's files: its window and the files' SHA-256. */
static mw_status write_note(const char *dir, mw_rect r, int cropped, double north, const mw_digest *d)
{
    char note[160 + MW_CHIP_NFILES * 96], path[PATH_MAX + 16];
    int len = snprintf(note, sizeof note, "%d %d %d %d %d %.17g\n", r.x, r.y, r.w, r.h, cropped, north);
    for (int k = 0; k < MW_CHIP_NFILES; k++)
        len += snprintf(note + len, sizeof note - (size_t)len, "%s %lld\n", d[k].hex[0] ? d[k].hex : "-", d[k].size);
    snprintf(path, sizeof path, "%s/.window", dir);
    return mw_evidence_write_file(path, note, (size_t)len);
}

mw_status mw_evidence_capture_into(mw_evidence_cap *cap, const mw_chip_ctx *cc, const mw_evidence_site *site,
                                   int *stage)
{
    *stage = 0;
    /* the site's box and a margin, cut from the window in memory */
    int cropped = 0;
    const mw_rect r = mw_chip_window(site->bbox, site->window, &cropped);
    const int dx = r.x - site->window.x, dy = r.y - site->window.y;
    mw_chip_src s = {.r = r, .band_stride = site->band_stride, .cls_stride = site->cls_stride,
                     .cls = site->cls + (size_t)dy * site->cls_stride + dx, .outline = site->outline,
                     .north_angle = site->north_angle};
    for (int b = 0; b < 6; b++) {
        size_t off = (size_t)dy * site->band_stride + dx;
        s.before[b] = site->before[b] ? site->before[b] + off : NULL;
        s.after[b] = site->after[b] ? site->after[b] + off : NULL;
    }
    int n = atomic_fetch_add(&cap->next, 1) + 1;
    char rel[64], dir[PATH_MAX];
    snprintf(rel, sizeof rel, ".stage/%d", n);
    mw_status st = mw_evidence_mkdirs(cc->root, rel);
    snprintf(dir, sizeof dir, "%s/%s", cc->root, rel);
    mw_digest d[MW_CHIP_NFILES];
    if (st == MW_OK) st = mw_chip_write(cc, &s, dir, d);
    if (st == MW_OK) st = write_note(dir, r, cropped, site->north_angle, d);
    if (st == MW_OK) *stage = n;
    return st;
}

int mw_evidence_stage_info(const char *root, int stage, mw_chip_info *info)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.stage/%d/.window", root, stage);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int ok = fscanf(f, "%d %d %d %d %d %lf", &info->window.x, &info->window.y, &info->window.w, &info->window.h,
                    &info->cropped, &info->north_angle) == 6;
    info->hashed = ok;
    for (int k = 0; ok && k < MW_CHIP_NFILES; k++) {
        mw_digest *d = &info->files[k];
        info->hashed &= fscanf(f, " %64s %lld", d->hex, &d->size) == 2;
        if (d->hex[0] == '-') d->hex[0] = '\0';
    }
    fclose(f);
    if (ok) remove(path);
    return ok;
}

void mw_quicklook_add(mw_quicklook *q, uint8_t *rgb, const mw_grid *g, mw_rect core, mw_rect area,
                      const mw_scene_pixels *px)
{
    const float *band[3] = {px->band[MW_BAND_RED], px->band[MW_BAND_GREEN], px->band[MW_BAND_BLUE]};
    if (!band[0] || !band[1] || !band[2]) return;
    /* canvas row j shows grid row floor(j * H / qh): the rows and columns of this core */
    int j0 = (int)(((long long)core.y * q->h + g->height - 1) / g->height);
    int i0 = (int)(((long long)core.x * q->w + g->width - 1) / g->width);
    for (int j = j0; j < q->h; j++) {
        int sy = (int)((long long)j * g->height / q->h);
        if (sy >= core.y + core.h) break;
        for (int i = i0; i < q->w; i++) {
            int sx = (int)((long long)i * g->width / q->w);
            if (sx >= core.x + core.w) break;
            size_t k = (size_t)(sy - area.y) * area.w + (size_t)(sx - area.x);
            uint8_t *o = rgb + ((size_t)j * q->w + i) * 3;
            for (int b = 0; b < 3; b++) {
                float v = band[b][k];
                double s = v / MW_STRETCH_TRUE_MAX * 255.0;
                o[b] = !(s > 0) ? 0 : s >= 255 ? 255 : (uint8_t)lround(s);
            }
        }
    }
}
