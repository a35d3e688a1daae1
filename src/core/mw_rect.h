/*
 * Pixel rectangles: a value type, as libvips' VipsRect.
 */
#ifndef MW_RECT_H
#define MW_RECT_H

typedef struct mw_rect {
    int x, y, w, h;
} mw_rect;

static inline int mw_rect_is_empty(mw_rect r) { return r.w <= 0 || r.h <= 0; }

static inline mw_rect mw_rect_intersect(mw_rect a, mw_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = (a.x + a.w) < (b.x + b.w) ? (a.x + a.w) : (b.x + b.w);
    int y1 = (a.y + a.h) < (b.y + b.h) ? (a.y + a.h) : (b.y + b.h);
    mw_rect r = {x0, y0, x1 - x0, y1 - y0};
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    return r;
}

/** Grow by @p halo pixels on every side (no clipping). */
static inline mw_rect mw_rect_expand(mw_rect r, int halo)
{
    mw_rect e = {r.x - halo, r.y - halo, r.w + 2 * halo, r.h + 2 * halo};
    return e;
}

#endif
