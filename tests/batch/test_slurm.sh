#!/bin/bash
# A real one-node Slurm: munged, slurmctld and slurmd started here without
# systemd (configuration, state, sockets and logs under a temporary folder,
# ports of our own), a batch submitted as a job array of shards plus a merge
# job that depends on it (scripts/slurm/submit.sh), and the merged folder
# compared byte for byte with the one-process batch. The daemons are
# stopped by their pids, on failure too. Installs nothing: scripts/setup
# installs slurmctld slurmd slurm-client munge; skips (77) without them.
set -uo pipefail
src=${MW_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MW_BUILD_ROOT:-$src/build}
mw=${MINEWATCH:-$build/src/cli/minewatch}
for p in munged slurmctld slurmd sbatch squeue scontrol; do
  if ! command -v "$p" >/dev/null && [ ! -x "/usr/sbin/$p" ]; then
    echo "SKIP: $p not installed (scripts/setup installs slurmctld slurmd slurm-client munge)" >&2
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the one-node Slurm test runs the daemons as root" >&2
  exit 77
fi
export PATH=$PATH:/usr/sbin

tmp=$(mktemp -d /tmp/mw-slurm.XXXXXX)
pids=()
cleanup() {
  # stop what we started, by pid, newest first; then wait for them
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$tmp"/*.log "$tmp"/run/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}

free_port() {  # a TCP port nobody listens on, from a range of our own
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
  done
  echo 0
}

# munge, on a socket of our own
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/run"
chmod 700 "$tmp"
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
munged -F -f --socket="$tmp/munge.sock" --key-file="$tmp/munge.key" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munge.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge.sock" ] && break; sleep 0.1; done
[ -S "$tmp/munge.sock" ] || fail "munged did not start"

host=$(hostname -s)
cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
cat >"$tmp/slurm.conf" <<CONF
ClusterName=mwtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=mw Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$tmp/slurm.conf" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$tmp/slurm.conf" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
ok=0
for _ in $(seq 150); do
  if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed)'; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || fail "the node did not come up: $(sinfo 2>&1 | tail -2)"

# a generated batch: 4 pairs of a small scene, shards of 3
size=120
[ "${MW_SANITIZED:-}" = 1 ] && size=80
/usr/bin/python3 "$src/scripts/gen_scenes.py" --seed 41 --size $size --out "$tmp/scene" --quiet || fail "generator"
{
  echo "id,before,after"
  for i in 1 2 3 4; do
    if [ $((i % 2)) = 1 ]; then echo "p$i,scene/before.tif,scene/after.tif"; else echo "p$i,scene/after.tif,scene/before.tif"; fi
  done
} >"$tmp/pairs.csv"
cd "$tmp/run" || fail "cd"
"$mw" batch "$tmp/pairs.csv" -o "$tmp/one" -q --threads 1 || fail "one-process batch"
out=$(MINEWATCH=$mw SBATCH_TIMELIMIT=10 "$src/scripts/slurm/submit.sh" "$tmp/pairs.csv" "$tmp/sharded" 3 --threads 1) \
  || fail "submit: $out"
echo "$out"
merge=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
array=$(echo "$out" | sed -n 's/array job \([0-9]*\),.*/\1/p')
[ -n "$merge" ] && [ -n "$array" ] || fail "no job ids in: $out"
state=
for _ in $(seq 600); do
  state=$(scontrol show job "$merge" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 0.2
done
[ "$state" = COMPLETED ] || fail "merge job $merge ended $state; array: $(scontrol show job "$array" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr '\n' ' ')"
n=$(scontrol show job "$array" | grep -c 'JobState=COMPLETED')
[ "$n" = 3 ] || fail "$n of 3 array tasks completed"

# the shards merged by Slurm equal the one-process batch, byte for byte
for f in batch.json alerts.geojson alerts.gpkg pairs/p1.geojson pairs/p2.geojson pairs/p3.geojson pairs/p4.geojson; do
  cmp "$tmp/one/$f" "$tmp/sharded/all/$f" || fail "$f differs between the Slurm shards merged and one process"
done
a=$(cd "$tmp/one" && find . -type f ! -name .batch.lock | sort)
b=$(cd "$tmp/sharded/all" && find . -type f ! -name .batch.lock | sort)
[ "$a" = "$b" ] || fail "the folders hold different files: $a vs $b"
for k in 0 1 2; do grep -q "\"shard\": \"$k/3\"" "$tmp/sharded/shard-$k/batch.json" || fail "shard $k/3 ran"; done
echo "1 passed, 0 failed"
