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
    if (st == MW_OK && o->output) st = mw_output_plan_add_output(plan, o->output, MW_OUTPUT_ALERTS, "-o");
    if (st == MW_OK && o->change_raster)
        st = mw_output_plan_add_output(plan, o->change_raster, MW_OUTPUT_RASTER, "--change-raster");
    mw_output_plan_free(plan);
    return st;
}

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_prepare(const mw_options *o, mw_output_txn **txn, const char **raster_path)
{
    *raster_path = NULL;
    if (!o->change_raster) return MW_OK;
    if (!(*txn = mw_output_txn_new())) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    return mw_output_txn_stage(*txn, o->change_raster, MW_OUTPUT_RASTER, raster_path);
}

static mw_status txn_commit(void *txn)
{
    mw_status st = mw_output_txn_commit(txn);
    mw_output_txn_free(txn);
    return st;
}

static void txn_abort(void *txn) { mw_output_txn_free(txn); }

/** See mw_scan_internal.h. */
mw_status mw_scan_outputs_finish(const mw_options *o, mw_change_raster *raster, mw_output_txn **txn,
                                 mw_alert_set *set)
{
    mw_status st = mw_change_raster_commit(raster);  /* into its staging folder */
    mw_output_txn *t = *txn;
    *txn = NULL;
    if (st != MW_OK) {
        mw_output_txn_free(t);
        return st;
    }
    /* The raster waits for the alert file (mw_alert_set_write joins the
     * transaction), or goes into place now. */
    if (o->commit_with_alerts) return mw_alert_set_add_pending(set, (mw_pending_output){txn_commit, txn_abort, t, t});
    return txn_commit(t);
}
