"""Patch-level accuracy of the Landsat model on the real val pairs made
Landsat-like (scripts/make_landsat_patches.py: the HLS bandpass adjustment
from Sentinel-2 MSI to Landsat OLI, averaged to 30 m: 16 x 16 px pairs).
No real Landsat mining pairs exist in the project; these carry real
spectra and real mining. The val split chose nothing (scripts/train.py
chooses out-of-fold on train); floors are the figures measured minus a small
margin (README "## Accuracy"). Skip (77) without ../shared/data.
"""
import atexit
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mwtest import PY, SANITIZED, SHARED_DATA, SRC, check, done, skip, tmpdir  # noqa: E402
from patchscore import check_floors, score_val  # noqa: E402

DATA = os.path.join(SHARED_DATA, "sat-mining-detector-patches")
# The target: recall >= 0.80 at specificity >= 0.90.
TARGET = dict(recall=0.80, specificity=0.90)
# models/landsat.json, chosen out-of-fold on the train pairs made Landsat-like
# (blocked folds): out-of-fold recall 0.598 at specificity 0.924; val (scored
# once) recall 0.538, specificity 0.909, precision 0.933 (TP 42 FN 36 FP 3
# TN 30). The recall target is NOT reached; floors guard the val figures.
FLOOR = dict(recall=0.50, specificity=0.88)

if SANITIZED:
    skip("accuracy floors are not run under sanitizers")
if not os.path.isdir(os.path.join(DATA, "val")):
    skip("no real patches at %s" % DATA)
d = tmpdir()
atexit.register(shutil.rmtree, d, True)
p = subprocess.run([PY, os.path.join(SRC, "scripts", "make_landsat_patches.py"), "--data", DATA, "--out", d,
                    "--split", "val"], capture_output=True, text=True, timeout=120)
if not check(p.returncode == 0, "make_landsat_patches.py: %s" % p.stderr.strip()):
    done()
r = score_val(d, "Landsat-like val")
site = r.get("alerts_on_mapped_mining") or {}
print("alerts on AMW's mapped mining: %s of %s" % (site.get("on_mapped_mining"), site.get("alerts")))
if FLOOR != TARGET:
    print("below the issue's target %s: guarded at %s" % (TARGET, FLOOR))
check_floors(r, FLOOR)
done()
