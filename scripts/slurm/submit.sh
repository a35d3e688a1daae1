#!/bin/bash
# Submit a minewatch batch as N array tasks plus a merge that waits for them.
#
#   scripts/slurm/submit.sh INPUT OUTROOT N [scan options]
#
# Prints the array job id and the merge job id. Extra sbatch options (partition,
# account, time) go in SBATCH_* environment variables, e.g. SBATCH_PARTITION.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 INPUT OUTROOT N [scan options]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
input=$1 outroot=$2 n=$3
shift 3
array=$(sbatch --parsable --array=0-$((n - 1)) "$here/batch-array.sbatch" "$input" "$outroot" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch" "$outroot" "$n")
echo "array job $array, merge job ${merge%%;*}"
