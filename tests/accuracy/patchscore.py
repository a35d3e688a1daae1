"""What the two patch-accuracy tests share: score the val split of a
folder of patch pairs with scripts/score_patches.py, print the headline
figures, and check the floors both tests guard."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import MINEWATCH, PY, SRC, check, done  # noqa: E402


def score_val(data, label):
    """score_patches.py --json on DATA's val split (--min-area 0.1: a patch
    is 23 ha); its result, after printing LABEL's headline. A failed run is
    reported and the test ends."""
    p = subprocess.run([PY, os.path.join(SRC, "scripts", "score_patches.py"), "--split", "val", "--data", data,
                        "--minewatch", MINEWATCH, "--jobs", "2", "--json", "--", "--min-area", "0.1"],
                       capture_output=True, text=True, timeout=280)
    if not check(p.returncode == 0, "score_patches.py: %s" % p.stderr.strip()):
        done()
    r = json.loads(p.stdout)
    print("%s: recall %.3f specificity %.3f precision %s (TP %d FN %d FP %d TN %d, %d errors)" % (
        label, r["recall"], r["specificity"], r["precision"], r["tp"], r["fn"], r["fp"], r["tn"], r["errors"]))
    return r


def check_floors(r, floor):
    """Recall and specificity at or above FLOOR's, and no mining alert on
    pixels whose raw NDVI rose without water evidence."""
    check(r["recall"] >= floor["recall"], "recall %.3f < floor %.2f" % (r["recall"], floor["recall"]))
    check(r["specificity"] >= floor["specificity"],
          "specificity %.3f < floor %.2f" % (r["specificity"], floor["specificity"]))
    rose = r.get("ndvi_rose_alerts") or []
    check(not rose, "%d mining alerts on pixels whose raw NDVI rose without water evidence: %s" % (
        len(rose), rose[:5]))
