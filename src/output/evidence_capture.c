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
#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"

/* Keep what the report and SHA256SUMS need of capture @p n (a note in
 * memory: a file per alert costs an inode, which on a busy ext4 is not
 * cheap). Captures run on the scan's threads. */
static mw_status keep_info(mw_evidence_cap *cap, int n, const mw_chip_info *ci)
{
    mw_status st = MW_OK;
#pragma omp critical(mw_evidence_cap)
    {
        if (n > cap->cap) {
            int want = cap->cap ? 2 * cap->cap : 256;
            while (want < n) want *= 2;
            mw_chip_info *p = realloc(cap->info, (size_t)want * sizeof *p);
            if (p) {
                memset(p + cap->cap, 0, (size_t)(want - cap->cap) * sizeof *p);
                cap->info = p;
                cap->cap = want;
            }
        }
        if (n <= cap->cap) cap->info[n - 1] = *ci;
        else st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    }
    return st;
}

mw_status mw_evidence_capture_into(mw_evidence_cap *cap, const mw_chip_ctx *cc, const mw_evidence_site *site,
                                   int *stage)
{
    *stage = 0;
    /* the site's box and a margin, cut from the window in memory */
    mw_chip_info ci = {.north_angle = site->north_angle};
    const mw_rect r = ci.window = mw_chip_window(site->bbox, site->window, &ci.cropped);
    const int dx = r.x - site->window.x, dy = r.y - site->window.y;
    mw_chip_src s = {.r = r, .band_stride = site->band_stride, .cls_stride = site->cls_stride,
                     .cls = site->cls + (size_t)dy * site->cls_stride + dx, .outline = site->outline,
                     .north_angle = site->north_angle};
    for (int b = 0; b < 6; b++) {
        size_t off = (size_t)dy * site->band_stride + dx;
        s.before[b] = site->before[b] ? site->before[b] + off : NULL;
        s.after[b] = site->after[b] ? site->after[b] + off : NULL;
    }
    int n;
#pragma omp atomic capture
    n = ++cap->next;
    char rel[64], dir[PATH_MAX];
    snprintf(rel, sizeof rel, ".stage/%d", n);
    mw_status st = mw_evidence_mkdirs(cc->root, rel);
    snprintf(dir, sizeof dir, "%s/%s", cc->root, rel);
    if (st == MW_OK) st = mw_chip_write(cc, &s, dir, ci.files);
    ci.hashed = st == MW_OK;
    if (st == MW_OK) st = keep_info(cap, n, &ci);
    if (st == MW_OK) *stage = n;
    return st;
}

int mw_evidence_stage_info(const mw_evidence_cap *cap, int stage, mw_chip_info *info)
{
    if (stage < 1 || stage > cap->cap || !cap->info[stage - 1].hashed) return 0;
    *info = cap->info[stage - 1];
    return 1;
}

void mw_evidence_cap_clear(mw_evidence_cap *cap)
{
    free(cap->info);
    memset(cap, 0, sizeof *cap);
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
