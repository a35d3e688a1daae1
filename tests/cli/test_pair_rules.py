"""Rules on the pair itself: a before date later than the after date is a
usage error (exit 2) naming both dates and writing nothing; the same file
or identical pixels as both dates, dates on the same day or more than five
years apart are warnings (exit 0). The shift and the pixels it rests on
are in the `minewatch` member."""
import os
import shutil

from mwtest import check, done, read_json, run, s2_pair, tmpdir

d = tmpdir()
before, after = s2_pair(d)  # 2020-01-05 and 2021-01-10
out = os.path.join(d, "alerts.geojson")


def scan(*args):
    if os.path.exists(out):
        os.remove(out)
    return run("scan", *args, "-o", out, "--quiet")


rc, so, se = scan(before, after)
check(rc == 0 and "warning" not in se, f"in order: exit {rc}, {se!r}")
if rc == 0:
    p = read_json(out)["minewatch"]["parameters"]
    check(p["index_shift_sampled_pixels"] == 64 * 64, f"sampled {p.get('index_shift_sampled_pixels')}")
    check(0 < p["index_shift_stable_pixels"] <= p["index_shift_sampled_pixels"],
          f"stable {p.get('index_shift_stable_pixels')}")

rc, so, se = scan(after, before)
check(rc == 2, f"swapped dates: exit {rc}, want 2")
check("2021-01-10" in se and "2020-01-05" in se, f"swapped dates: both dates named: {se!r}")
check(not os.path.exists(out), "swapped dates: no output")
rc, so, se = scan(before, after, "--before-date", "2021-02-01")
check(rc == 2 and "2021-02-01" in se and "2021-01-10" in se, f"--before-date after the after date: exit {rc}, {se!r}")

rc, so, se = scan(before, before)
check(rc == 0 and "both the before and the after scene" in se, f"same file: exit {rc}, {se!r}")
check(rc != 0 or len(read_json(out)["features"]) == 0, "same file: no alerts")
link = os.path.join(d, "again.tif")
os.symlink(before, link)
rc, so, se = scan(before, link, "--after-date", "2021-01-10")
check(rc == 0 and "both the before and the after scene" in se, f"same file through a link: exit {rc}, {se!r}")

copy = os.path.join(d, "copy_20210110.tif")
shutil.copy(before, copy)
rc, so, se = scan(before, copy, "--after-date", "2021-01-10")
check(rc == 0 and "identical pixels" in se, f"identical pixels: exit {rc}, {se!r}")

rc, so, se = scan(before, after, "--before-date", "2015-01-09")
check(rc == 0 and "more than five years apart" in se, f"six years: exit {rc}, {se!r}")
rc, so, se = scan(before, after, "--before-date", "2016-01-10")
check(rc == 0 and "five years" not in se, f"exactly five years is no warning: exit {rc}, {se!r}")
rc, so, se = scan(before, after, "--before-date", "2021-01-10")
check(rc == 0 and "both scenes are dated 2021-01-10" in se, f"same day: exit {rc}, {se!r}")
done()
