/*
 * Gradient-boosted regression trees on the log-odds, the non-linear site
 * classifier of model files ("classifier": {"type": "trees", ...}; see
 * models/README.md). Internal to the model module.
 *
 * Why trees next to the logistic model: one classifier serves generated
 * scenes and real imagery, whose sites live in different parts of feature
 * space; a linear score has to trade one against the other, shallow trees
 * need not (measured in README "Accuracy").
 */
#ifndef MW_TREES_H
#define MW_TREES_H

#include <stddef.h>

#include <json-c/json.h>

typedef struct mw_trees mw_trees;

/** Largest |log-odds| a model may reach for any input (far from overflow). */
#define MW_TREES_MAX_LOGODDS 1e300

/** A JSON number (int or double); the model parser's test too (model.c). */
static inline int mw_json_is_number(json_object *o)
{
    return o && (json_object_is_type(o, json_type_double) || json_object_is_type(o, json_type_int));
}

/** Result of mw_trees_parse. */
typedef enum { MW_TREES_OK = 0, MW_TREES_BAD = 1, MW_TREES_NOMEM = 2 } mw_trees_result;

/**
 * Read "base", "learning_rate" and "trees" of a classifier object whose
 * features number @p nfeat. On MW_TREES_BAD, @p field names the offending
 * field (e.g. "classifier.trees[3].left[1]") and @p why the problem.
 */
mw_trees_result mw_trees_parse(json_object *classifier, int nfeat, mw_trees **out, char *field,
                               size_t field_size, char *why, size_t why_size);

/**
 * Log-odds of a feature vector x[nfeat] (no NaN: the caller substitutes
 * the model's "missing" value): base + learning_rate * sum of the leaves.
 * A node sends x left when (float)x[f] <= threshold, as the trainer
 * (scikit-learn, single-precision features) does. Thread-safe.
 */
double mw_trees_raw(const mw_trees *t, const double *x);

/** Free; NULL is a no-op. */
void mw_trees_destroy(mw_trees *t);

#endif
