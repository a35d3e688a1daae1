"""Sentinel-2 reflectance offset when nothing but the date speaks for it
(src/io/scaling.c rule 4): a stack dated from 2022-01-25 on gets the
-1000 DN offset of processing baseline 04.00, unless its pixels show the
offset was already removed (harmonised exports such as annual composites:
blue DNs of a few hundred, which the offset would make negative)."""
import os
import re

import numpy as np

from mwtest import check, done, run, tmpdir, write_stack

d = tmpdir()
NAMES = ["B02", "B03", "B04", "B08", "B11", "B12"]
FOREST = [300, 600, 400, 3500, 1800, 900]  # reflectance x 1e4
rng = np.random.default_rng(3)


def offsets(path):
    rc, so, se = run("info", path)
    check(rc == 0, f"info {path}: {se}")
    return [float(o) for o in re.findall(r"^\s+(?:blue|green|red|nir|swir1|swir2)\s+\S+\s+\d+\s+\S+\s+\S+\s+(\S+)\s*$",
                                          so, re.M)]


def stack(name, add):
    bands = [(np.full((40, 40), v, np.float64) * (1 + 0.05 * rng.standard_normal((40, 40))) + add).astype(np.uint16)
             for v in FOREST]
    return write_stack(os.path.join(d, name), bands, NAMES)


raw = stack("raw_20230105.tif", 1000)          # as delivered by baseline 04.00: +1000 DN
harmonised = stack("comp_20230105.tif", 0)     # offset already removed
old = stack("old_20210105.tif", 0)             # before 04.00: no offset
o = offsets(raw)
check(len(o) == 6 and all(abs(x + 0.1) < 1e-9 for x in o), f"raw 2023 stack: offsets {o}, want -0.1")
o = offsets(harmonised)
check(len(o) == 6 and all(x == 0 for x in o), f"harmonised 2023 stack: offsets {o}, want 0")
o = offsets(old)
check(len(o) == 6 and all(x == 0 for x in o), f"2021 stack: offsets {o}, want 0")
# A pair of harmonised dates across 2022: the same forest is no change.
out = os.path.join(d, "a.geojson")
rc, so, se = run("scan", old, harmonised, "-o", out, "--quiet")
check(rc == 0 and "shift" not in se, f"harmonised pair across 2022: exit {rc}, {se!r}")
done()
