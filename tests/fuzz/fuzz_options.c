/*
 * Fuzz target: option values, i.e. the command line's numeric and enum
 * parsing (src/cli/cmd_scan.c and args.c, compiled into this harness) and the
 * mw_options setters behind it.
 *
 * Input, first byte even: the rest is an argument list, one argument per
 * line, given to `minewatch scan` (mw_cli_scan) with every -o/--output
 * and --help removed, so parsing runs to its end and stops at "needs an output file"
 * before any file is opened. Promise: exit code 2 with exactly one usage
 * message.
 *
 * First byte odd: 1 byte key, 8 bytes integer, 8 bytes double, rest a
 * string, given to mw_options_set_int / _double / _string. Promise: a
 * value is accepted exactly when it is in the documented range, and then
 * stored as given; anything else is MW_ERR_USAGE with a message.
 */
#include "fuzz.h"

#include <math.h>
#include <stdarg.h>

#include "cli/mw_cli.h"
#include "engine/mw_options_internal.h"
#include "minewatch/minewatch.h"

static int usage_calls, error_calls;

/* The CLI's message functions (src/cli/main.c holds main(), so not linked). */
void mw_cli_error(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    error_calls++;
}

int mw_cli_usage_error(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    usage_calls++;
    return 2;
}

enum { MAX_ARGS = 64 };

/* -o, -oFILE, -o=FILE, --output, --output=FILE, -h, --help: dropped so the
 * parse always ends in a usage error (no output to write, no help). */
static int names_output_or_help(const char *a)
{
    return !strncmp(a, "-o", 2) || !strncmp(a, "--output", 8) || !strcmp(a, "-h") || !strcmp(a, "--help");
}

static void fuzz_argv(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "scan";
    char *p = text, *end = text + size;
    while (p <= end && argc < MAX_ARGS + 1) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl) *nl = '\0';
        if (!names_output_or_help(p)) argv[argc++] = p;
        if (!nl) break;
        p = nl + 1;
    }
    argv[argc] = NULL;
    usage_calls = error_calls = 0;
    int rc = mw_cli_scan(argc, argv);
    FUZZ_CHECK(rc == 2);
    FUZZ_CHECK(usage_calls == 1 && error_calls == 0);
    free(text);
}

static const mw_option keys[] = {
    MW_OPT_THREADS, MW_OPT_TILE_SIZE, MW_OPT_TIMINGS, MW_OPT_MIN_AREA_HA, MW_OPT_MIN_CONFIDENCE,
    MW_OPT_MODEL, MW_OPT_AOI, MW_OPT_PROTECTED, MW_OPT_CHANGE_RASTER, MW_OPT_OUTPUT, MW_OPT_MODEL_DIR};

static void fuzz_setters(const uint8_t *data, size_t size)
{
    if (size < 17) return;
    size_t nkeys = sizeof keys / sizeof keys[0];
    mw_option key = data[0] < 2 * nkeys ? keys[data[0] % nkeys] : (mw_option)(data[0] * 7 - 300);
    long l;
    double d;
    memcpy(&l, data + 1, sizeof l);
    memcpy(&d, data + 9, sizeof d);
    char *s = fuzz_cstr(data + 17, size - 17);

    mw_options *o = mw_options_new();
    FUZZ_CHECK(o != NULL);
    mw_status st = mw_options_set_int(o, key, l);
    int ok_int = (key == MW_OPT_THREADS && l >= 0 && l <= 1024) ||
                 (key == MW_OPT_TILE_SIZE && l >= 16 && l <= 8192) || key == MW_OPT_TIMINGS;
    FUZZ_CHECK((st == MW_OK) == ok_int);
    if (st != MW_OK) FUZZ_CHECK(st == MW_ERR_USAGE && mw_last_error()[0]);
    if (st == MW_OK && key == MW_OPT_THREADS) FUZZ_CHECK(o->threads == l);
    if (st == MW_OK && key == MW_OPT_TILE_SIZE) FUZZ_CHECK(o->tile_size == l);

    st = mw_options_set_double(o, key, d);
    int ok_dbl = (key == MW_OPT_MIN_AREA_HA && isfinite(d) && d >= 0 && d <= 1e7) ||
                 (key == MW_OPT_MIN_CONFIDENCE && isfinite(d) && d >= 0 && d <= 1);
    FUZZ_CHECK((st == MW_OK) == ok_dbl);
    if (st != MW_OK) FUZZ_CHECK(st == MW_ERR_USAGE && mw_last_error()[0]);
    if (st == MW_OK && key == MW_OPT_MIN_AREA_HA) FUZZ_CHECK(o->min_area_ha == d);
    if (st == MW_OK && key == MW_OPT_MIN_CONFIDENCE) FUZZ_CHECK(o->min_confidence == d);

    int is_str = key >= MW_OPT_MODEL && key <= MW_OPT_MODEL_DIR;
    for (int twice = 0; twice < 2; twice++) { /* replacing a value frees the old one */
        st = mw_options_set_string(o, key, s);
        FUZZ_CHECK((st == MW_OK) == is_str);
    }
    if (is_str) FUZZ_CHECK(mw_options_set_string(o, key, NULL) == MW_OK);
    if (is_str && (data[0] & 1)) FUZZ_CHECK(mw_options_set_string(o, key, s) == MW_OK);
    mw_options_free(o);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (data[0] % 2 == 0)
        fuzz_argv(data + 1, size - 1);
    else
        fuzz_setters(data + 1, size - 1);
    return 0;
}
