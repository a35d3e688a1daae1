/*
 * OUTDIR/batch.json: the state of a batch, rewritten whole (temporary name,
 * fsync, rename) after each pair, so a batch killed at any moment resumes
 * from the last pair it finished. Nothing in it depends on when or how
 * fast the pairs ran (no times): a batch and the merge of its shards write
 * the same bytes.
 */
#include "mw_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/mw_error.h"

#define JFLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void put_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    json_object *o = json_object_new_string(s);
    fputs(o ? json_object_to_json_string_ext(o, JFLAGS) : "null", f);
    json_object_put(o);
}

static void put_entry(FILE *f, const mw_batch_entry *e)
{
    fprintf(f, "    {\"index\": %d, \"id\": ", e->index);
    put_str(f, e->id);
    fprintf(f, ", \"state\": \"%s\", \"reason\": ", mw_batch_state_name(e->state));
    put_str(f, e->reason);
    fputs(",\n     \"before\": ", f);
    put_str(f, e->before);
    fputs(", \"after\": ", f);
    put_str(f, e->after);
    fputs(", \"aoi\": ", f);
    put_str(f, e->aoi);
    fputs(",\n     \"inputs\": {\"before\": ", f);
    put_str(f, e->fp_before[0] ? e->fp_before : NULL);
    fputs(", \"after\": ", f);
    put_str(f, e->fp_after[0] ? e->fp_after : NULL);
    fputs(", \"aoi\": ", f);
    put_str(f, e->fp_aoi[0] ? e->fp_aoi : NULL);
    fputs("}", f);
    if (e->have_footprint)
        fprintf(f, ",\n     \"footprint\": [%.7f, %.7f, %.7f, %.7f], \"centre\": [%.7f, %.7f]", e->footprint[0],
                e->footprint[1], e->footprint[2], e->footprint[3], e->centre[0], e->centre[1]);
    if (e->state == MW_BATCH_DONE) fprintf(f, ",\n     \"alerts\": %d, \"pixels\": %lld", e->alerts, e->pixels);
    fputs("}", f);
}

/* The whole text of batch.json for @p doc (malloc'ed), or NULL. */
static char *doc_text(const mw_batch_doc *doc, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) return NULL;
    fputs("{\n  \"minewatch_batch\": 1,\n  \"version\": ", f);
    put_str(f, doc->version);
    fputs(",\n  \"input\": ", f);
    put_str(f, doc->input);
    fputs(",\n  \"kind\": ", f);
    put_str(f, doc->kind);
    fputs(",\n  \"fingerprints\": \"sha256 of every input file's name, size and mtime, and of the whole "
          "content of files up to 1 MiB\",\n  \"parameters\": ", f);
    fputs(doc->parameters ? doc->parameters : "{}", f);
    if (doc->shard_n > 1) fprintf(f, ",\n  \"shard\": \"%d/%d\"", doc->shard_k, doc->shard_n);
    fprintf(f, ",\n  \"entries_total\": %d,\n  \"pairs\": [", doc->total);
    for (int i = 0; i < doc->count; i++) {
        fputs(i ? ",\n" : "\n", f);
        put_entry(f, &doc->entries[i]);
    }
    fputs(doc->count ? "\n  ]\n}\n" : "]\n}\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

mw_status mw_batch_state_write(const char *outdir, const mw_batch_doc *doc)
{
    size_t len = 0;
    char *buf = doc_text(doc, &len);
    char *path = mw_batch_join(outdir, "batch.json");
    mw_status st = buf && path ? mw_batch_write_file(path, buf, len) : mw_error_set(MW_ERR_NOMEM, "out of memory");
    free(path);
    free(buf);
    return st;
}

int mw_batch_state_unchanged(const char *outdir, const mw_batch_doc *doc)
{
    size_t len = 0;
    char *buf = doc_text(doc, &len);
    char *path = mw_batch_join(outdir, "batch.json");
    int same = 0;
    FILE *f = buf && path ? fopen(path, "rb") : NULL;
    if (f) {
        char *old = malloc(len + 1);
        same = old && fread(old, 1, len + 1, f) == len && !memcmp(old, buf, len);
        free(old);
        fclose(f);
    }
    free(path);
    free(buf);
    return same;
}

static char *get_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) return NULL;
    return strdup(json_object_get_string(v));
}

static void get_hex(json_object *o, const char *key, char out[65])
{
    json_object *v;
    out[0] = '\0';
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        snprintf(out, 65, "%s", json_object_get_string(v));
}

static int get_doubles(json_object *o, const char *key, double *out, int n)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array) ||
        (int)json_object_array_length(v) != n)
        return 0;
    for (int i = 0; i < n; i++) out[i] = json_object_get_double(json_object_array_get_idx(v, (size_t)i));
    return 1;
}

static int get_int(json_object *o, const char *key, long long dflt)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? (int)json_object_get_int64(v) : (int)dflt;
}

static mw_status read_entry(const char *path, json_object *o, mw_batch_entry *e)
{
    memset(e, 0, sizeof *e);
    char *state = get_str(o, "state");
    e->index = get_int(o, "index", -1);
    e->id = get_str(o, "id");
    int ok = e->id && e->index >= 0 && mw_batch_state_parse(state, &e->state);
    free(state);
    if (!ok) return mw_error_set(MW_ERR_METADATA, "%s: a pair without index, id or state", path);
    e->reason = get_str(o, "reason");
    e->before = get_str(o, "before");
    e->after = get_str(o, "after");
    e->aoi = get_str(o, "aoi");
    json_object *in;
    if (json_object_object_get_ex(o, "inputs", &in)) {
        get_hex(in, "before", e->fp_before);
        get_hex(in, "after", e->fp_after);
        get_hex(in, "aoi", e->fp_aoi);
    }
    e->have_footprint = get_doubles(o, "footprint", e->footprint, 4) && get_doubles(o, "centre", e->centre, 2);
    e->alerts = get_int(o, "alerts", 0);
    json_object *px;
    e->pixels = json_object_object_get_ex(o, "pixels", &px) ? json_object_get_int64(px) : 0;
    return MW_OK;
}

static mw_status read_doc(const char *path, json_object *root, mw_batch_doc *doc)
{
    json_object *v, *pairs;
    if (!json_object_object_get_ex(root, "minewatch_batch", &v) ||
        !json_object_object_get_ex(root, "pairs", &pairs) || !json_object_is_type(pairs, json_type_array))
        return mw_error_set(MW_ERR_METADATA, "%s: not a minewatch batch state", path);
    doc->version = get_str(root, "version");
    doc->input = get_str(root, "input");
    doc->kind = get_str(root, "kind");
    doc->total = get_int(root, "entries_total", 0);
    doc->shard_k = 0, doc->shard_n = 1;
    char *shard = get_str(root, "shard");
    if (shard && sscanf(shard, "%d/%d", &doc->shard_k, &doc->shard_n) != 2) doc->shard_n = 1;
    free(shard);
    if (json_object_object_get_ex(root, "parameters", &v))
        doc->parameters = strdup(json_object_to_json_string_ext(v, JFLAGS));
    int n = (int)json_object_array_length(pairs);
    doc->entries = calloc((size_t)(n ? n : 1), sizeof *doc->entries);
    if (!doc->entries) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        mw_status st = read_entry(path, json_object_array_get_idx(pairs, (size_t)i), &doc->entries[i]);
        if (st != MW_OK) return st;
        doc->count++;
    }
    return MW_OK;
}

mw_status mw_batch_state_read(const char *outdir, mw_batch_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    char *path = mw_batch_join(outdir, "batch.json");
    if (!path) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    FILE *f = fopen(path, "r");
    if (!f) {
        mw_status st = mw_error_set(MW_ERR_OPEN, "%s: no batch state here", path);
        free(path);
        return st;
    }
    fclose(f);
    json_object *root = json_object_from_file(path);
    mw_status st = root ? read_doc(path, root, doc)
                        : mw_error_set(MW_ERR_METADATA, "%s: not valid JSON (%s)", path, json_util_get_last_err());
    json_object_put(root);
    free(path);
    if (st != MW_OK) mw_batch_doc_clear(doc);
    return st;
}

void mw_batch_doc_clear(mw_batch_doc *doc)
{
    free(doc->version);
    free(doc->input);
    free(doc->kind);
    free(doc->parameters);
    for (int i = 0; i < doc->count; i++) mw_batch_entry_clear(&doc->entries[i]);
    free(doc->entries);
    memset(doc, 0, sizeof *doc);
}

static int owned(const mw_batch_doc *doc, const char *name)
{
    size_t n = strlen(name);
    if (n < 9 || strcmp(name + n - 8, ".geojson")) return 0;
    for (int i = 0; i < doc->count; i++) {
        const mw_batch_entry *e = &doc->entries[i];
        if (e->state == MW_BATCH_DONE && strlen(e->id) == n - 8 && !strncmp(e->id, name, n - 8)) return 1;
    }
    return 0;
}

/* Everything in pairs/ is ours: files of pairs no longer done (other
 * parameters, a pair now failing, a pair gone from the plan) and the
 * temporary files of a killed run go, so the folder says what batch.json says. */
void mw_batch_tidy(const char *outdir, const mw_batch_doc *doc)
{
    char *pairs = mw_batch_join(outdir, "pairs");
    DIR *d = pairs ? opendir(pairs) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *name = de->d_name;
        int stale_tmp = name[0] == '.' && strstr(name, ".tmp-");
        int ours = name[0] != '.' && strlen(name) > 8 && !strcmp(name + strlen(name) - 8, ".geojson");
        if (!stale_tmp && !(ours && !owned(doc, name))) continue;
        char *p = mw_batch_join(pairs, name);
        if (p) unlink(p);
        free(p);
    }
    if (d) closedir(d);
    free(pairs);
}
