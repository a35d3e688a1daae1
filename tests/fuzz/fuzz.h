/*
 * Fuzz targets of minewatch's user-controlled parsers (style practice 17).
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput(). It is linked
 * either with libFuzzer (clang -fsanitize=fuzzer, see scripts/fuzz) or
 * with standalone_main.c, which replays files and corpus folders given on
 * the command line so the corpus and every crash input found so far run
 * in `meson test` on any compiler, plain and under ASan/UBSan.
 *
 * A harness aborts (via FUZZ_CHECK) when a parser breaks a documented
 * promise, so the fuzzer also finds wrong answers, not only crashes.
 */
#ifndef MW_FUZZ_H
#define MW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                           \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* The input as a NUL-terminated string (embedded NULs end it early, as
 * they would in argv or a C string from a file). free() it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
