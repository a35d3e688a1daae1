"""Patch-level accuracy on the real sat-mining-detector val pairs (scored
once by scripts/train.py, which chooses everything out-of-fold on the train
split; the source's test split is not in the project).
A pair is flagged when the scan (with --min-area 0.1: a patch is 23 ha)
writes a `mining` alert. Floors are regression guards on the measured
figures (README "## Accuracy"); skip (77) without ../shared/data.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mwtest import SANITIZED, SHARED_DATA, check, done, skip  # noqa: E402
from patchscore import check_floors, score_val  # noqa: E402

DATA = os.path.join(SHARED_DATA, "sat-mining-detector-patches")
# The target: recall >= 0.85 at specificity >= 0.95 out-of-fold on
# the real train pairs (spatially blocked), and val within 0.03 of it.
# models/sentinel2.json was chosen by that protocol (scripts/train.py):
# blocked out-of-fold recall 0.612 at specificity 0.962, val (scored once,
# nothing chosen on it) recall 0.551, specificity 0.939, precision 0.956
# (TP 43 FN 35 FP 2 TN 31): the targets are NOT reached, and val sits 0.06
# below out-of-fold. These floors guard the measured val figures (minus a
# small margin); see README "## Accuracy" and tests/accuracy/README.md.
FLOOR = dict(recall=0.52, specificity=0.90)
# Where Amazon Mining Watch maps mining in the patch by the end of the
# second date (score_patches.py --reference): measured recall 0.704 (38 of
# 54 mining pairs), specificity 0.846 (11 of 13).
FLOOR_BY_T1_RECALL = 0.66
# Pairs whose second image shows any open ground (score_patches.py
# canopy_group): measured recall 0.623 (43 of 69), specificity 0.938; the 9
# closed-canopy mining pairs show nothing to find.
FLOOR_OPEN_T1_RECALL = 0.58
# Site-level truth: of the mining alerts in pairs where AMW maps mining by
# the second date, the share whose outline overlaps that footprint:
# measured 0.976 (41 of 42).
FLOOR_ON_MAPPED_MINING = 0.90

if SANITIZED:
    skip("accuracy floors are not run under sanitizers")
if not os.path.isdir(os.path.join(DATA, "val")):
    skip("no real patches at %s" % DATA)
r = score_val(DATA, "val")
check(r["errors"] == 0, "%d pairs failed: %s" % (r["errors"], r["error_examples"]))
check_floors(r, FLOOR)
g = r.get("reference_groups") or {}
if not r.get("reference"):
    print("no Amazon Mining Watch footprints next to the patches: grouped figures not checked")
else:
    for k, d in sorted(g.items()):
        print("AMW %s: %d mining pairs, recall %s; %d other pairs, specificity %s" % (
            k, d["mining"], d["recall"], d["other"], d["specificity"]))
    by = g.get("by_t1") or {}
    check(by.get("mining", 0) > 0 and by["recall"] >= FLOOR_BY_T1_RECALL,
          "recall where AMW maps mining by the second date %s < %.2f" % (by.get("recall"), FLOOR_BY_T1_RECALL))
for k, d in sorted((r.get("canopy_groups") or {}).items()):
    print("second image %s: %d mining pairs, recall %s; %d other pairs, specificity %s" % (
        k, d["mining"], d["recall"], d["other"], d["specificity"]))
site = r.get("alerts_on_mapped_mining") or {}
if r.get("reference"):
    print("alerts on AMW's mapped mining (pairs AMW maps by the second date): %s of %s (%s)" % (
        site.get("on_mapped_mining"), site.get("alerts"), site.get("share")))
    check(site.get("alerts", 0) > 0 and site["share"] >= FLOOR_ON_MAPPED_MINING,
          "share of alerts on AMW's mapped mining %s < %.2f" % (site.get("share"), FLOOR_ON_MAPPED_MINING))
op = (r.get("canopy_groups") or {}).get("open_t1") or {}
check(op.get("mining", 0) > 0 and op["recall"] >= FLOOR_OPEN_T1_RECALL,
      "recall where the second image shows open ground %s < %.2f" % (op.get("recall"), FLOOR_OPEN_T1_RECALL))
done()
