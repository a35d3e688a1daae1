"""A scan killed (SIGTERM, SIGINT) at many moments of its run, with an older
alert file and an older change raster (and its sidecars) in place: at no
moment may the old files be lost or changed unless the run finished (then
every output is the new one), and no file may be left behind. A kill -9
leaves a staging folder that the next run into that folder removes."""
import os
import signal
import subprocess
import time

from mwtest import MINEWATCH, SANITIZED, check, check_sanitizers, done, s2_pair, tmpdir

d = tmpdir()
# Big enough that a run lasts about a second (shrunk under the sanitizers,
# where everything is slower anyway).
size = 768 if SANITIZED else 1536
before, after = s2_pair(d, size=size)
inputs = {os.path.basename(before), os.path.basename(after)}
alerts = os.path.join(d, "alerts.geojson")
raster = os.path.join(d, "change.tif")
OLD = {
    "alerts.geojson": b'{"old": "alerts"}\n',
    "change.tif": b"old raster bytes",
    "change.tif.aux.xml": b"<PAMDataset>old</PAMDataset>\n",
    "change.qml": b"<qgis>old</qgis>\n",
}
args = [MINEWATCH, "scan", before, after, "-o", alerts, "--change-raster", raster, "--threads", "1"]


def put_old():
    for name, data in OLD.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def state():
    out = {}
    for name in os.listdir(d):
        if name in inputs:
            continue
        p = os.path.join(d, name)
        out[name] = open(p, "rb").read() if os.path.isfile(p) else "<folder>"
    return out


# How long a whole run takes here and now (a loaded machine is slower).
put_old()
t0 = time.monotonic()
p = subprocess.run(args + ["--quiet"], capture_output=True, text=True, timeout=300)
full = time.monotonic() - t0
check_sanitizers(p.stderr, "full run")
check(p.returncode == 0, f"the run works: {p.stderr!r}")
new = state()
check(set(new) == set(OLD) and all(new[n] != OLD[n] for n in OLD),
      f"a finished run replaces every old output and its sidecars: {sorted(new)}")
print(f"a whole run: {full:.2f} s")

# Moments across the whole run, more of them near its end (the write).
n = 8 if SANITIZED else 11
moments = [full * k / n for k in range(n)] + [full * (0.8 + 0.25 * k / n) for k in range(n)]
finished = interrupted = 0
latencies = []
for i, delay in enumerate(moments):
    sig = signal.SIGTERM if i % 2 == 0 else signal.SIGINT
    put_old()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(sig)
    t_sig = time.monotonic()
    se = p.communicate(timeout=120)[1]
    latency = time.monotonic() - t_sig
    check_sanitizers(se, f"signal {sig.name} after {delay:.2f} s")
    now = state()
    what = f"{sig.name} after {delay:.2f} s (exit {p.returncode})"
    if p.returncode == 0:
        finished += 1
        check(set(now) == set(OLD) and all(now[k] != OLD[k] for k in OLD),
              f"{what}: finished, so every output is new: {sorted(now)}")
    else:
        interrupted += 1
        latencies.append(latency)
        check(p.returncode in (1, -sig), f"{what}: exit 1 or killed by the signal: {se[-300:]!r}")
        if p.returncode == 1:
            check("interrupted" in se, f"{what}: says it was interrupted: {se[-300:]!r}")
        check(now == OLD, f"{what}: the old outputs exactly as they were, nothing else: "
              f"{sorted(set(now) ^ set(OLD)) or [k for k in now if now[k] != OLD.get(k)]}")
print(f"{len(moments)} moments: {interrupted} interrupted, {finished} finished")
latencies.sort()
if latencies:
    print(f"signal to exit: median {latencies[len(latencies) // 2]:.3f} s, max {latencies[-1]:.3f} s")
    # Every pass asks at least every 0.2 s between work items; slack for a loaded machine.
    check(latencies[-1] < (4.0 if SANITIZED else 1.5), f"cancellation within a second or so: {latencies}")
check(interrupted >= len(moments) // 3, "most moments interrupt the run (else the test tests nothing)")

# kill -9 in the middle: its staging folder stays, and the next run into
# the same folder removes it (its process is gone).
put_old()
p = subprocess.Popen(args + ["--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(full * 0.6)
p.kill()
p.wait()
left = [k for k in state() if k not in OLD]
check(state().items() >= {k: v for k, v in OLD.items()}.items(), "kill -9: the old outputs are intact")
print("kill -9 left:", left)
p = subprocess.run(args + ["--quiet"], capture_output=True, text=True, timeout=300)
check(p.returncode == 0, f"run after kill -9: {p.stderr!r}")
check(set(state()) == set(OLD), f"the next run removed what kill -9 left: {sorted(state())}")
done()
