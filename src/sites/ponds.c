/*
 * Counting ponds: 4-connected groups of water pixels, used for the ponds
 * of a site and of its ring. 4- rather than 8-connectivity because the
 * dykes between garimpo ponds are often one pixel wide and run diagonally
 * at 10-30 m; 8-connectivity would fuse neighbouring ponds into one.
 */
#include "mw_sites_internal.h"

/** See mw_sites_internal.h. */
int mw_count_ponds(uint8_t *m, int w, int h, int32_t *stack)
{
    int ponds = 0;
    for (int32_t s = 0; s < (int32_t)w * h; s++) {
        if (m[s] != 1) continue;
        size_t sp = 0, size = 0;
        stack[sp++] = s;
        m[s] = 2;
        while (sp) {
            int32_t i = stack[--sp];
            int x = i % w, y = i / w;
            size++;
            const int32_t nb[4] = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1,
                                   y > 0 ? i - w : -1, y + 1 < h ? i + w : -1};
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && m[nb[k]] == 1) {
                    m[nb[k]] = 2;
                    stack[sp++] = nb[k];
                }
        }
        if (size >= 2) ponds++;
    }
    return ponds;
}
