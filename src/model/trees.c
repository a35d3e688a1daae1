/*
 * Gradient-boosted trees (mw_trees.h): parsing with full validation, and
 * evaluation.
 *
 * Layout: all nodes of all trees in flat arrays; tree k starts at
 * root[k]. A node is a leaf when feature < 0. Children always have a
 * larger index than their parent within the tree (checked), so evaluation
 * terminates whatever the file says.
 */
#include "mw_trees.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Bounds that keep a hostile file from asking for absurd memory. */
#define MW_TREES_MAX_TREES 5000
#define MW_TREES_MAX_NODES 1023

struct mw_trees {
    double base, rate;
    int ntrees;
    int *root;        /* first node of tree k */
    int *feature;     /* < 0: leaf */
    double *threshold, *value;
    int *left, *right; /* absolute node indices */
};

void mw_trees_destroy(mw_trees *t)
{
    if (!t) return;
    free(t->root);
    free(t->feature);
    free(t->threshold);
    free(t->value);
    free(t->left);
    free(t->right);
    free(t);
}

/* Array member @p key of @p tree with exactly @p n numbers (n < 0: any
 * length, set to it). Returns 0 or sets why. */
static int node_array(json_object *tree, const char *key, int *n, json_object **arr,
                      char *why, size_t why_size)
{
    if (!json_object_object_get_ex(tree, key, arr) || !*arr ||
        !json_object_is_type(*arr, json_type_array)) {
        snprintf(why, why_size, "\"%s\" missing or not an array", key);
        return -1;
    }
    int len = (int)json_object_array_length(*arr);
    if (*n < 0) {
        if (len < 1 || len > MW_TREES_MAX_NODES) {
            snprintf(why, why_size, "\"%s\" must hold 1..%d nodes", key, MW_TREES_MAX_NODES);
            return -1;
        }
        *n = len;
    } else if (len != *n) {
        snprintf(why, why_size, "\"%s\" has %d entries, \"feature\" has %d", key, len, *n);
        return -1;
    }
    for (int i = 0; i < len; i++) {
        json_object *v = json_object_array_get_idx(*arr, (size_t)i);
        if (!mw_json_is_number(v) || !isfinite(json_object_get_double(v))) {
            snprintf(why, why_size, "\"%s\"[%d] is not a finite number", key, i);
            return -1;
        }
    }
    return 0;
}

/* Where a parse error is reported: the field's name and why it is wrong. */
typedef struct {
    char *field, *why;
    size_t field_size, why_size;
} parse_msg;

/* Step 1: base, learning_rate and the trees array (1..MW_TREES_MAX_TREES). */
static int parse_header(json_object *cl, mw_trees *t, json_object **arr, const parse_msg *e)
{
    json_object *o;
    const char *num[2] = {"base", "learning_rate"};
    double *dst[2] = {&t->base, &t->rate};
    for (int k = 0; k < 2; k++) {
        if (!json_object_object_get_ex(cl, num[k], &o) || !mw_json_is_number(o) ||
            !isfinite(json_object_get_double(o))) {
            snprintf(e->field, e->field_size, "classifier.%s", num[k]);
            snprintf(e->why, e->why_size, "missing or not a finite number");
            return -1;
        }
        *dst[k] = json_object_get_double(o);
    }
    if (!json_object_object_get_ex(cl, "trees", arr) || !*arr ||
        !json_object_is_type(*arr, json_type_array) || json_object_array_length(*arr) < 1 ||
        json_object_array_length(*arr) > MW_TREES_MAX_TREES) {
        snprintf(e->field, e->field_size, "classifier.trees");
        snprintf(e->why, e->why_size, "must be an array of 1..%d trees", MW_TREES_MAX_TREES);
        return -1;
    }
    t->ntrees = (int)json_object_array_length(*arr);
    return 0;
}

/* Step 2: the number of nodes of all trees (each tree an object with a
 * "feature" array of 1..MW_TREES_MAX_NODES), -1 on error. */
static int count_nodes(json_object *arr, int ntrees, const parse_msg *e)
{
    int total = 0;
    for (int k = 0; k < ntrees; k++) {
        json_object *tree = json_object_array_get_idx(arr, (size_t)k), *fa;
        int n = -1;
        snprintf(e->field, e->field_size, "classifier.trees[%d]", k);
        if (!tree || !json_object_is_type(tree, json_type_object)) {
            snprintf(e->why, e->why_size, "not an object");
            return -1;
        }
        if (node_array(tree, "feature", &n, &fa, e->why, e->why_size)) return -1;
        total += n;
    }
    return total;
}

static int alloc_nodes(mw_trees *t, int total)
{
    t->root = malloc((size_t)t->ntrees * sizeof *t->root);
    t->feature = malloc((size_t)total * sizeof *t->feature);
    t->left = malloc((size_t)total * sizeof *t->left);
    t->right = malloc((size_t)total * sizeof *t->right);
    t->threshold = malloc((size_t)total * sizeof *t->threshold);
    t->value = malloc((size_t)total * sizeof *t->value);
    return t->root && t->feature && t->left && t->right && t->threshold && t->value ? 0 : -1;
}

/* Step 3: tree k's nodes into the flat arrays from node @p at; its node
 * count in *n. Children must be later nodes of the same tree. */
static int fill_tree(mw_trees *t, json_object *tree, int k, int at, int nfeat, int *n_out, const parse_msg *e)
{
    json_object *a[5];
    const char *keys[5] = {"feature", "threshold", "left", "right", "value"};
    int n = -1;
    snprintf(e->field, e->field_size, "classifier.trees[%d]", k);
    for (int j = 0; j < 5; j++)
        if (node_array(tree, keys[j], &n, &a[j], e->why, e->why_size)) return -1;
    t->root[k] = at;
    for (int i = 0; i < n; i++) {
        double f = json_object_get_double(json_object_array_get_idx(a[0], (size_t)i));
        double l = json_object_get_double(json_object_array_get_idx(a[2], (size_t)i));
        double r = json_object_get_double(json_object_array_get_idx(a[3], (size_t)i));
        const int leaf = f < 0;
        if (!leaf && (f != floor(f) || f >= nfeat)) {
            snprintf(e->why, e->why_size, "feature[%d] must be -1 (leaf) or 0..%d", i, nfeat - 1);
            return -1;
        }
        if (!leaf && (l != floor(l) || r != floor(r) || l <= i || r <= i || l >= n || r >= n)) {
            snprintf(e->why, e->why_size, "node %d: children must be later nodes of the tree", i);
            return -1;
        }
        t->feature[at + i] = leaf ? -1 : (int)f;
        t->left[at + i] = leaf ? -1 : at + (int)l;
        t->right[at + i] = leaf ? -1 : at + (int)r;
        t->threshold[at + i] = json_object_get_double(json_object_array_get_idx(a[1], (size_t)i));
        t->value[at + i] = json_object_get_double(json_object_array_get_idx(a[4], (size_t)i));
    }
    *n_out = n;
    return 0;
}

/* Step 4: the largest log-odds any input can give must stay finite, or
 * confidences become NaN (0 x inf) and sites vanish without a word. */
static int check_logodds_bound(const mw_trees *t, int total, const parse_msg *e)
{
    double bound = 0.0;
    for (int k = 0; k < t->ntrees; k++) {
        double m = 0.0;
        for (int i = t->root[k]; i < (k + 1 < t->ntrees ? t->root[k + 1] : total); i++)
            if (t->feature[i] < 0 && fabs(t->value[i]) > m) m = fabs(t->value[i]);
        bound += m;
    }
    bound = fabs(t->base) + fabs(t->rate) * bound;
    if (!(bound <= MW_TREES_MAX_LOGODDS)) {
        snprintf(e->field, e->field_size, "classifier.trees");
        snprintf(e->why, e->why_size, "leaf values and learning_rate so large that the log-odds overflow");
        return -1;
    }
    return 0;
}

mw_trees_result mw_trees_parse(json_object *cl, int nfeat, mw_trees **out, char *field,
                               size_t field_size, char *why, size_t why_size)
{
    *out = NULL;
    const parse_msg e = {field, why, field_size, why_size};
    json_object *arr;
    mw_trees *t = calloc(1, sizeof *t);
    if (!t) return MW_TREES_NOMEM;
    if (parse_header(cl, t, &arr, &e)) goto bad;
    int total = count_nodes(arr, t->ntrees, &e);
    if (total < 0) goto bad;
    if (alloc_nodes(t, total)) {
        mw_trees_destroy(t);
        return MW_TREES_NOMEM;
    }
    for (int k = 0, at = 0; k < t->ntrees; k++) {
        int n;
        if (fill_tree(t, json_object_array_get_idx(arr, (size_t)k), k, at, nfeat, &n, &e)) goto bad;
        at += n;
    }
    if (check_logodds_bound(t, total, &e)) goto bad;
    *out = t;
    return MW_TREES_OK;
bad:
    mw_trees_destroy(t);
    return MW_TREES_BAD;
}

double mw_trees_raw(const mw_trees *t, const double *x)
{
    double sum = 0.0;
    for (int k = 0; k < t->ntrees; k++) {
        int i = t->root[k];
        while (t->feature[i] >= 0)
            i = (double)(float)x[t->feature[i]] <= t->threshold[i] ? t->left[i] : t->right[i];
        sum += t->value[i];
    }
    return t->base + t->rate * sum;
}
