/*
 * A CSV manifest: a header row naming the columns `before`, `after` and
 * optionally `id` and `aoi` (any order, any case), then one pair a row.
 * Fields may be quoted ("a, b" and "" for a quote); blank lines and lines
 * starting with '#' are ignored. Relative paths are relative to the
 * manifest's folder. A row without an id gets "pair-<row number>".
 */
#include "mw_batch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mw_error.h"

#define MAX_COLS 32

/* Split one line into at most MAX_COLS fields in place; returns the count or -1 (bad quotes). */
static int split_csv(char *line, char **fields)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == MAX_COLS) return -1;
        while (*p == ' ' || *p == '\t') p++;
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) return -1;
                if (*p == '"' && p[1] == '"') *out++ = '"', p += 2;
                else if (*p == '"') {
                    p++;
                    break;
                } else *out++ = *p++;
            }
            while (*p == ' ' || *p == '\t') p++;
            if (*p && *p != ',') return -1;
        } else {
            while (*p && *p != ',') *out++ = *p++;
            while (out > start && (out[-1] == ' ' || out[-1] == '\t')) out--;
        }
        char sep = *p;
        *out = '\0';
        fields[n++] = start;
        if (sep != ',') return n;
        p++;
    }
}

static char *resolve(const char *dir, const char *p)
{
    if (p[0] == '/' || !strncmp(p, "http://", 7) || !strncmp(p, "https://", 8)) return strdup(p);
    return mw_batch_join(dir, p);
}

typedef struct cols { int before, after, id, aoi; } cols;

static mw_status parse_header(const char *path, char **f, int n, cols *c)
{
    c->before = c->after = c->id = c->aoi = -1;
    for (int i = 0; i < n; i++) {
        if (!strcasecmp(f[i], "before")) c->before = i;
        else if (!strcasecmp(f[i], "after")) c->after = i;
        else if (!strcasecmp(f[i], "id")) c->id = i;
        else if (!strcasecmp(f[i], "aoi")) c->aoi = i;
    }
    if (c->before < 0 || c->after < 0)
        return mw_error_set(MW_ERR_USAGE, "%s:1: the header row needs 'before' and 'after' columns", path);
    return MW_OK;
}

static mw_status add_row(const char *path, const char *dir, int lineno, int row, char **f, int n, const cols *c,
                         mw_batch_plan *plan)
{
    int need = c->before > c->after ? c->before : c->after;
    if (n <= need || !*f[c->before] || !*f[c->after])
        return mw_error_set(MW_ERR_USAGE, "%s:%d: a row needs both a before and an after scene", path, lineno);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "pair-%03d", row);
    const char *id = c->id >= 0 && c->id < n && *f[c->id] ? f[c->id] : idbuf;
    char *b = resolve(dir, f[c->before]), *a = resolve(dir, f[c->after]);
    char *aoi = c->aoi >= 0 && c->aoi < n && *f[c->aoi] ? resolve(dir, f[c->aoi]) : NULL;
    mw_status st = MW_OK;
    if (!b || !a) st = mw_error_set(MW_ERR_NOMEM, "out of memory");
    else if (!mw_batch_plan_add(plan, id, b, a, aoi)) st = mw_last_status();
    free(b);
    free(a);
    free(aoi);
    return st;
}

mw_status mw_batch_plan_from_csv(const char *path, mw_batch_plan *plan)
{
    FILE *f = fopen(path, "r");
    if (!f) return mw_error_set(MW_ERR_OPEN, "%s: cannot open the manifest", path);
    char *dir = mw_batch_dirname(path), *line = NULL;
    size_t cap = 0;
    char *fields[MAX_COLS];
    int lineno = 0, row = 0, have_header = 0;
    cols c = {-1, -1, -1, -1};
    mw_status st = dir ? MW_OK : mw_error_set(MW_ERR_NOMEM, "out of memory");
    while (st == MW_OK && getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        if (lineno == 1 && !strncmp(p, "\xEF\xBB\xBF", 3)) p += 3;  /* a spreadsheet's BOM */
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        int n = split_csv(p, fields);
        if (n < 0) st = mw_error_set(MW_ERR_USAGE, "%s:%d: unbalanced quotes or too many columns", path, lineno);
        else if (!have_header) {
            st = parse_header(path, fields, n, &c);
            have_header = 1;
        } else st = add_row(path, dir, lineno, ++row, fields, n, &c, plan);
    }
    if (st == MW_OK && !have_header) st = mw_error_set(MW_ERR_USAGE, "%s: empty manifest (expected a header 'before,after')", path);
    free(line);
    free(dir);
    fclose(f);
    return st;
}
