/*
 * Text that leaves the library is valid UTF-8: names from user files
 * (protected-area layers, paths) may hold any bytes.
 */
#include "minewatch/minewatch.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at @p p (1..4), 0 if invalid. */
static int seq_len(const unsigned char *p)
{
    if (p[0] < 0x80) return 1;
    int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (!n || p[0] > 0xF4) return 0;
    unsigned cp = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/** See minewatch.h. */
char *mw_utf8_repair(const char *s, int *repaired)
{
    if (!s) return NULL;
    size_t len = strlen(s);
    char *out = malloc(3 * len + 1), *w = out;  /* each bad byte becomes 3 */
    if (!out) return NULL;
    int bad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = seq_len(p);
        if (n) {
            memcpy(w, p, (size_t)n);
            w += n;
            p += n;
        } else {
            memcpy(w, "\xEF\xBF\xBD", 3);  /* U+FFFD */
            w += 3;
            p++;
            bad = 1;
        }
    }
    *w = '\0';
    if (repaired) *repaired += bad;
    return out;
}
