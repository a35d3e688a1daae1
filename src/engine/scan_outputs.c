/*
 * The scan's outputs: checked against the inputs before a pixel is read
 * (mw_output_check_scan), the change raster written into a staging folder
 * of an output transaction that the alert file joins when the set is
 * written (module output's plan and transaction).
 */
#include "mw_scan_internal.h"

#include "minewatch/output.h"

#include "core/mw_error.h"
#include "output/mw_output.h"

/** See minewatch/output.h. */
mw_status mw_output_check_scan(const mw_scene *before, const mw_scene *after, const mw_options *o)
{
    if (!before || !after || !o) return mw_error_set(MW_ERR_USAGE, "mw_output_check_scan: NULL argument");
    mw_output_plan *plan = mw_output_plan_new();
    if (!plan) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = mw_output_plan_add_scene(plan, before, "the before scene");
    if (st == MW_OK) st = mw_output_plan_add_scene(plan, after, "the after scene");
    if (st == MW_OK && o->aoi) st = mw_output_plan_add_input(plan, o->aoi, "--aoi", 1);
    if (st == MW_OK && o->protected_areas) st = mw_output_plan_add_input(plan, o->protected_areas, "--protected", 1);
    if (st == MW_OK && o->model) st = mw_output_plan_add_input(plan, o->model, "the model", 0);
    const char *others[3] = {o->output, o->change_raster, NULL};
    if (!o->output) others[0] = o->change_raster, others[1] = NULL;
    if (st == MW_OK && o->evidence) st = mw_evidence_check_dir(o->evidence, others);
    if (st == MW_OK && o->output) st = mw_output_plan_add_output(plan, o->output, MW_OUTPUT_ALERTS, "-o");
    if (st == MW_OK && o->change_raster)
        st = mw_output_plan_add_output(plan, o->change_raster, MW_OUTPUT_RASTER, "--change-raster");
    if (st == MW_OK && o->evidence) st = mw_output_plan_add_output(plan, o->evidence, MW_OUTPUT_FOLDER, "--evidence");
    mw_output_plan_free(plan);
    return st;
}

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_prepare(const mw_options *o, mw_output_txn **txn, const char **raster_path,
                                  const char **evidence_path)
{
    *raster_path = *evidence_path = NULL;
    if (!o->change_raster && !o->evidence) return MW_OK;
    if (!(*txn = mw_output_txn_new())) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    mw_status st = MW_OK;
    if (o->change_raster) st = mw_output_txn_stage(*txn, o->change_raster, MW_OUTPUT_RASTER, raster_path);
    /* The evidence folder (new or empty, checked by mw_evidence_begin) is
     * written under a staging name and committed with the alert file. */
    if (st == MW_OK && o->evidence) st = mw_output_txn_stage(*txn, o->evidence, MW_OUTPUT_FOLDER, evidence_path);
    return st;
}

static mw_status txn_commit(void *txn, const char *alert_file, const char *alert_path)
{
    (void)alert_file;
    (void)alert_path;
    mw_status st = mw_output_txn_commit(txn);
    mw_output_txn_free(txn);
    return st;
}

static void txn_abort(void *txn) { mw_output_txn_free(txn); }

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_finish(const mw_options *o, mw_change_raster *raster, mw_output_txn **txn,
                                 mw_alert_set *set)
{
    mw_status st = raster ? mw_change_raster_commit(raster) : MW_OK;  /* into its staging folder */
    mw_output_txn *t = *txn;
    *txn = NULL;
    if (st != MW_OK) {
        mw_output_txn_free(t);
        return st;
    }
    /* The raster waits for the alert file (mw_alert_set_write joins the
     * transaction), or goes into place now. */
    if (o->commit_with_alerts || o->evidence)  /* the evidence is sealed on the alert file */
        return mw_alert_set_add_pending(set, (mw_pending_output){txn_commit, txn_abort, t, t});
    return txn_commit(t, NULL, NULL);
}
