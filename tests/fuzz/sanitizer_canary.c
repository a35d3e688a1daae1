/*
 * Sanitizer canary: proves the sanitizer build really catches things with
 * the suite's own settings (test_env: ASAN_OPTIONS detect_leaks=1,
 * UBSAN_OPTIONS halt_on_error=1, LSAN_OPTIONS with tests/lsan.supp).
 * Each mode commits one bug; the tests expect the process to fail.
 *
 *   sanitizer_canary leak      malloc without free      (LeakSanitizer)
 *   sanitizer_canary overflow  read one past a heap block (AddressSanitizer)
 *   sanitizer_canary ub        signed integer overflow   (UBSan, must halt)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "leak")) {
        char *volatile p = malloc(77);
        p[0] = 1;
        p = NULL;
    } else if (!strcmp(mode, "overflow")) {
        int *volatile a = malloc(4 * sizeof *a);
        sink = a[4];
        free(a);
    } else if (!strcmp(mode, "ub")) {
        volatile int x = INT_MAX;
        x = x + argc;
        sink = x;
    } else {
        return 2;
    }
    /* Reached only when UBSan reports without halting: that is a failure too
     * for 'ub' - but exit 0 so the test (should_fail) notices. */
    puts("canary survived");
    return 0;
}
