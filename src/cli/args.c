/*
 * The option parser every command uses (see mw_cli.h): GNU conventions
 * without getopt's global state, so commands and the fuzz harness can
 * parse several argument lists in one process.
 */
#include "mw_cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mw_cli_parser_init(mw_cli_parser *p, const char *cmd, const char *help, const mw_cli_option *opts,
                        int nopts, int argc, char **argv)
{
    *p = (mw_cli_parser){.cmd = cmd, .help = help, .opts = opts, .nopts = nopts, .argc = argc,
                         .argv = argv, .i = 1};
}

static int stop(mw_cli_parser *p, int rc)
{
    p->rc = rc;
    return MW_CLI_STOP;
}

/* The value of option @p o: the rest of the argument (@p inline_value) or the next one. */
static int take_value(mw_cli_parser *p, const mw_cli_option *o, const char *inline_value, const char **value)
{
    if (!o->takes_value) {
        if (inline_value) return stop(p, mw_cli_usage_error("%s: %s takes no value", p->cmd, o->name));
        *value = NULL;
        return o->id;
    }
    if (inline_value) {
        *value = inline_value;
        return o->id;
    }
    if (p->i >= p->argc) return stop(p, mw_cli_usage_error("%s: %s needs a value", p->cmd, o->name));
    *value = p->argv[p->i++];
    return o->id;
}

static int long_option(mw_cli_parser *p, const char *a, const char **value)
{
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if ((n == 6 && !strncmp(a, "--help", 6)) && !eq) {
        fputs(p->help, stdout);
        return stop(p, fflush(stdout) == 0 ? 0 : 1);
    }
    for (int k = 0; k < p->nopts; k++)
        if (strlen(p->opts[k].name) == n && !strncmp(a, p->opts[k].name, n))
            return take_value(p, &p->opts[k], eq ? eq + 1 : NULL, value);
    return stop(p, mw_cli_usage_error("%s: unknown option '%.*s'", p->cmd, (int)n, a));
}

static int short_option(mw_cli_parser *p, const char *a, const char **value)
{
    if (a[1] == 'h' && a[2] == '\0') {
        fputs(p->help, stdout);
        return stop(p, fflush(stdout) == 0 ? 0 : 1);
    }
    for (int k = 0; k < p->nopts; k++) {
        const mw_cli_option *o = &p->opts[k];
        if (!o->short_name || o->short_name != a[1]) continue;
        if (a[2] == '\0') return take_value(p, o, NULL, value);
        if (o->takes_value) return take_value(p, o, a[2] == '=' ? a + 3 : a + 2, value);  /* -oFILE */
        break;
    }
    return stop(p, mw_cli_usage_error("%s: unknown option '%s'", p->cmd, a));
}

int mw_cli_next(mw_cli_parser *p, const char **value)
{
    *value = NULL;
    if (p->i >= p->argc) return MW_CLI_END;
    const char *a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || a[1] == '\0') {  /* "-" is a name (stdin/stdout) */
        *value = a;
        return MW_CLI_POSITIONAL;
    }
    if (!strcmp(a, "--")) {
        p->only_positional = 1;
        return mw_cli_next(p, value);
    }
    return a[1] == '-' ? long_option(p, a, value) : short_option(p, a, value);
}

int mw_cli_parse(mw_cli_parser *p, int (*on_arg)(int id, const char *value, void *user), void *user)
{
    for (;;) {
        const char *v;
        int k = mw_cli_next(p, &v);
        if (k == MW_CLI_END) return -1;
        if (k == MW_CLI_STOP) return p->rc;
        int rc = on_arg(k, v, user);
        if (rc) return rc;
    }
}

int mw_cli_parse_sensor(const char *cmd, const char *value, mw_sensor *out)
{
    if (mw_sensor_from_name(value, out) == MW_OK) return 0;
    return mw_cli_usage_error("%s: --sensor: %s", cmd, mw_last_error());
}

int mw_cli_parse_long(const char *opt, const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return mw_cli_usage_error("%s: '%s' is not a whole number", opt, s);
    *out = v;
    return 0;
}

int mw_cli_parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return mw_cli_usage_error("%s: '%s' is not a number", opt, s);
    *out = v;
    return 0;
}
