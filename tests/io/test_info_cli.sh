#!/bin/sh
# `minewatch info` end to end: text and --json output on fixtures and on the
# real data, exit codes 0 / 1 / 2 and the one-line error format.
# args: $1 info driver (mw-info-test info ...), $2 python3, $3 make_io_fixtures.py,
#       $4 part: good | errors | usage | real (each a separate test: every run
#       of the tool costs ~0.25 s of library loading)
set -u
INFO=$1
PY=$2
FIXTURES=$3
PART=${4:-good}
fail=0
tmp=$(mktemp -d "${MW_BUILD_ROOT:-/tmp}/io-info-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

check() { # check NAME CONDITION...
    name=$1; shift
    if ! "$@"; then echo "FAIL: $name" >&2; fail=1; fi
}
has() { grep -q -- "$2" "$1" || { echo "  '$2' not in $1:" >&2; sed 's/^/    /' "$1" >&2; return 1; }; }
run() { # run EXPECTED_RC ARGS... ; output in $tmp/out, $tmp/err
    want=$1; shift
    "$INFO" info "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = "$want" ] || { echo "  exit $rc, expected $want: info $*" >&2; cat "$tmp/err" >&2; return 1; }
}

F=$tmp/fx
if [ "$PART" != real ]; then
    "$PY" "$FIXTURES" "$F" || { echo "fixture script failed" >&2; exit 1; }
fi

# --- good fixtures, text ---------------------------------------------------
if [ "$PART" = good ]; then
check "s2 stack" run 0 "$F/s2_stack.tif"
check "s2 stack sensor" has "$tmp/out" "^sensor: *sentinel2$"
check "s2 stack date" has "$tmp/out" "^date: *2021-06-30 (from metadata)$"
check "s2 stack crs" has "$tmp/out" "^crs: *EPSG:32720$"
check "s2 stack mask" has "$tmp/out" "^mask: *SCL$"
check "s2 stack offset" has "$tmp/out" "^  red .* 3 .* 0.0001 *-0.1$"
check "zip" run 0 "$F/S2A_MSIL2A_20230315T140000_N0509_R010_T20LQR_20230315T170000.zip"
check "zip layout" has "$tmp/out" "^layout: *Sentinel-2 L2A SAFE (zip)$"
check "zip swir" has "$tmp/out" "^  swir1 *T20LQR_20230315T140000_B11_20m.jp2 *1 *20 "
check "landsat json" run 0 "$F/ls_folder_json" --json
check "landsat json parse" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sensor"] == "landsat", d["sensor"]
assert d["date"] == "2022-01-10" and d["date_source"] == "metadata"
assert d["epsg"] == 32720 and d["crs"] == "EPSG:32720"
assert d["mask"] == "QA_PIXEL"
assert d["width"] == 20 and d["height"] == 20 and d["pixel_size"] == [30, 30]
b = {x["role"]: x for x in d["bands"]}
assert set(b) == {"blue", "green", "red", "nir", "swir1", "swir2", "mask"}, set(b)
assert abs(b["nir"]["scale"] - 3e-5) < 1e-15 and b["nir"]["offset"] == -0.1
assert abs(b["red"]["scale"] - 2.75e-5) < 1e-15 and b["red"]["offset"] == -0.2
assert b["mask"]["file"].endswith("_QA_PIXEL.TIF")
' "$tmp/out"
check "date option" run 0 "$F/s2_jp2_folder" --date=2021-12-31 --sensor sentinel2
check "date option out" has "$tmp/out" "^date: *2021-12-31 (from option)$"
check "band map" run 0 "$F/generic_unnamed.tif" --band-map "blue=4,green=3,red=2,nir=1"
check "band map out" has "$tmp/out" "^date: *unknown"
check "help" run 0 --help
check "help text" has "$tmp/out" "Usage: minewatch info"

fi

# --- failures: exit 1, one line naming the file ----------------------------
if [ "$PART" = errors ]; then
check "text tif" run 1 "$F/bad_text.tif"
check "text tif msg" has "$tmp/err" "^minewatch: error: $F/bad_text.tif: not a raster GDAL can read$"
check "err one line" test "$(wc -l <"$tmp/err")" -eq 1
check "missing red" run 1 "$F/bad_missing_red"
check "missing red msg" has "$tmp/err" "^minewatch: error: $F/bad_missing_red: no red band (looked for B04, SR_B4, red)$"
check "no crs" run 1 "$F/bad_nocrs.tif"
check "no crs msg" has "$tmp/err" "bad_nocrs.tif: no coordinate reference system"
check "band out of range" run 1 "$F/generic_unnamed.tif" --band-map "blue=1,green=2,red=3,nir=8"
check "band out of range msg" has "$tmp/err" "generic_unnamed.tif: band map nir=8, but the raster has only 5 bands"
check "no stdout on failure" test ! -s "$tmp/out"

fi

# --- usage: exit 2 ---------------------------------------------------------
if [ "$PART" = usage ]; then
check "no scene" run 2
check "no scene msg" has "$tmp/err" "^minewatch: info: no scene given$"
check "unknown option" run 2 "$F/s2_stack.tif" --frobnicate
check "bad sensor" run 2 "$F/s2_stack.tif" --sensor modis
check "bad role" run 2 "$F/generic_unnamed.tif" --band-map "blue=1,purple=2"
check "bad role msg" has "$tmp/err" "unknown band role 'purple'"
check "bad date" run 2 "$F/s2_stack.tif" --date 2021-13-01
check "missing value" run 2 "$F/s2_stack.tif" --band-map
check "two scenes" run 2 "$F/s2_stack.tif" "$F/ls_stack.tif"

fi

# --- real data (skip when absent) ------------------------------------------
DATA=${MW_SOURCE_ROOT:-.}/../shared/data
if [ "$PART" = real ] && [ ! -d "$DATA/s2-l2a-cog-29RKH-100m" ]; then
    echo "real data not found under $DATA" >&2
    exit 77
fi
if [ "$PART" = real ]; then
    check "real s2" run 0 "$DATA/s2-l2a-cog-29RKH-100m"
    check "real s2 date" has "$tmp/out" "^date: *2020-02-19 (from metadata)$"
    check "real s2 crs" has "$tmp/out" "^crs: *EPSG:32629$"
    check "real s2 size" has "$tmp/out" "^size: *1098 x 1098 pixels$"
    check "real s2 swir" has "$tmp/out" "^  swir1 *B11.tif *1 *200 "
    check "real s2 lonlat" has "$tmp/out" "^lon/lat: *-11.979"
    check "real landsat" run 0 "$DATA/landsat8-c2l2-amazonas-600m" --json
    check "real landsat json" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sensor"] == "landsat" and d["date"] == "2020-10-31" and d["epsg"] == 32620, d
assert d["mask"] == "QA_PIXEL"
b = {x["role"]: x for x in d["bands"]}
assert b["swir2"]["scale"] == 2.75e-05 and b["swir2"]["offset"] == -0.2
w, s, e, n = d["lonlat_bounds"]
assert -66.3 < w < -66.1 and -64.2 < e < -64.1 and -4.0 < s < -3.9 and -1.9 < n < -1.8, d["lonlat_bounds"]
' "$tmp/out"
    check "real patch" run 0 "$DATA/sat-mining-detector-patches/train/human_0_t0.tif"
    check "real patch mask" has "$tmp/out" "^mask: *none$"
    check "real patch date" has "$tmp/out" "^date: *2019-12-31 (from metadata)$"
fi

exit $fail
