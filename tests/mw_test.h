/*
 * Minimal assertion macros for plain-C unit tests (as redis' testhelp.h).
 * A failed check prints file:line and the expression, and the test exits 1
 * at the end; MW_TEST_SKIP() exits 77 so meson reports a skip.
 */
#ifndef MW_TEST_H
#define MW_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int mw_test_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            mw_test_failures++;                                              \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                      \
    do {                                                                           \
        double a_ = (a), b_ = (b);                                                 \
        if (!(fabs(a_ - b_) <= (tol))) {                                           \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g\n",     \
                    __FILE__, __LINE__, #a, a_, #b, b_);                           \
            mw_test_failures++;                                                    \
        }                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                            \
    do {                                                                           \
        const char *a_ = (a), *b_ = (b);                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                   \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s = \"%s\", expected \"%s\"\n", \
                    __FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
            mw_test_failures++;                                                    \
        }                                                                          \
    } while (0)

#define MW_TEST_SKIP(why)                                 \
    do {                                                  \
        fprintf(stderr, "SKIP: %s\n", why);               \
        exit(77);                                         \
    } while (0)

#define MW_TEST_DONE()                                                  \
    do {                                                                \
        if (mw_test_failures) fprintf(stderr, "%d check(s) failed\n",  \
                                      mw_test_failures);                \
        return mw_test_failures ? 1 : 0;                                \
    } while (0)

#endif
