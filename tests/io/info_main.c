/*
 * Test driver for `minewatch info` alone: the real dispatcher (src/cli/
 * main.c) lives in another module, so the io tests link cmd_info.c with
 * this main and minimal copies of the two message helpers it needs.
 * Usage: mw-info-test info SCENE [options]
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/mw_cli.h"

void mw_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minewatch: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int mw_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minewatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'minewatch --help'.\n", stderr);
    va_end(ap);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "info") != 0) {
        fprintf(stderr, "usage: %s info SCENE [options]\n", argv[0]);
        return 2;
    }
    return mw_cli_info(argc - 1, argv + 1);
}
