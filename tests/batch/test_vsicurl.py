"""minewatch batch on a STAC Item whose hrefs are http:// URLs (and
/vsicurl/ paths) served by a real local HTTP server: the same alerts, byte
for byte, as the batch over the same files given as local paths; a missing
URL is a failed pair, recorded, and the batch goes on.

GDAL's /vsicurl/ reads a file with HTTP range requests ("Range: bytes=a-b",
206 answers) after a HEAD for its size. Python's http.server answers a
range request with the whole file (GDAL then falls back to downloading
whole files, which is not what it does against a real server), so the
server here answers ranges itself (RangeHandler), and the test checks that
the rasters were read through them. Skips (77) only when no local port can
be bound."""
import functools
import glob
import http.server
import io
import json
import os
import re
import shutil
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import SANITIZED, check, done, read_json, run, scene, skip, tmpdir  # noqa: E402

SIZE = 120 if SANITIZED else 200
S2 = os.path.abspath(scene(f"batch-s2-folder-{SIZE}", "--seed", 21, "--layout", "folder", "--size", SIZE))
ES_KEYS = {"blue": "_B02_", "green": "_B03_", "red": "_B04_", "nir": "_B08_", "swir16": "_B11_", "swir22": "_B12_",
           "scl": "_SCL_"}


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Files with single byte ranges (206, Content-Range), HEAD, folder
    listings (http.server's own). Counts what it answered."""
    protocol_version = "HTTP/1.1"   # keep-alive, as /vsicurl/ expects
    stats = {"206": 0, "200": 0, "404": 0, "head": 0}
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def count(self, key):
        with self.lock:
            self.stats[key] += 1

    def do_HEAD(self):
        self.count("head")
        super().do_HEAD()

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            self.count("404")
        super().send_error(code, message, explain)

    def send_head(self):
        path = self.translate_path(self.path)
        rng = self.headers.get("Range")
        if not os.path.isfile(path) or not rng:
            f = super().send_head()
            if f and os.path.isfile(path):
                self.count("200")
            return f
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
        size = os.path.getsize(path)
        if not m or (not m.group(1) and not m.group(2)):
            self.send_error(400, "only one byte range per request here")
            return None
        if m.group(1):
            start, end = int(m.group(1)), min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(size - int(m.group(2)), 0), size - 1
        if start >= size or end < start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        with open(path, "rb") as f:
            f.seek(start)
            body = f.read(end - start + 1)
        self.count("206")
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(os.stat(path).st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


def serve(root):
    """A threaded server on a free local port, in a daemon thread; None when
    no port can be bound."""
    handler = functools.partial(RangeHandler, directory=root)
    try:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    except OSError as e:
        print(f"cannot bind a local port: {e}", file=sys.stderr)
        return None
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def item(iid, date, folder, href):
    """An Earth Search Sentinel-2 L2A item over the band files of @p folder,
    each href made by @p href(file's path relative to the scene root)."""
    files = sorted(glob.glob(os.path.join(folder, "*")))
    assets = {}
    for key, token in ES_KEYS.items():
        f = sorted(p for p in files if token in os.path.basename(p))[0]  # the finest file of a band
        assets[key] = {"href": href(os.path.relpath(f, S2)), "type": "image/tiff; application=geotiff",
                       "raster:bands": [{"scale": 0.0001, "offset": -0.1, "nodata": 0}] if key != "scl" else []}
        if key == "scl":
            del assets[key]["raster:bands"]
    return {"type": "Feature", "stac_version": "1.0.0", "id": iid, "collection": "sentinel-2-l2a",
            "properties": {"datetime": date + "T10:00:00Z", "grid:code": "MGRS-21MYN"},
            "geometry": None, "assets": assets, "links": []}


def batch(w, name, href, extra=()):
    """minewatch batch over a two-item collection with hrefs made by @p href; (exit, output folder, stderr)."""
    items = [item(f"S2A_21MYN_{d.replace('-', '')}_0_L2A", d, os.path.join(S2, side), href)
             for d, side in (("2022-07-02", "before"), ("2023-07-07", "after"))]
    items += list(extra)
    # One path for every run: the merged alerts name their input.
    path = os.path.join(w, "items.json")
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": items}, f)
    out = os.path.join(w, "out-" + name)
    rc, _, err = run("batch", path, "-o", out, "-q", env=ENV, timeout=300)
    return rc, out, err


def alerts(out):
    """{relative path: bytes} of the alert files of a batch output folder."""
    got = {}
    for p in sorted(glob.glob(os.path.join(out, "pairs", "*.geojson")) + [os.path.join(out, "alerts.geojson")]):
        if os.path.exists(p):
            got[os.path.relpath(p, out)] = open(p, "rb").read()
    return got


srv = serve(S2)
if srv is None:
    skip("no local port can be bound")
port = srv.server_address[1]
# A proxy from the environment must not see 127.0.0.1; no stale answers.
ENV = dict(os.environ, no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost")
for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    ENV.pop(k, None)
w = tmpdir()
try:
    rc, local_out, err = batch(w, "local", lambda rel: os.path.join(S2, rel))
    ref = alerts(local_out)
    check(rc == 0 and "pairs/T21MYN_20220702_20230707.geojson" in ref and "alerts.geojson" in ref,
          f"local hrefs: exit {rc}, {sorted(ref)}: {err}")
    check(len(read_json(os.path.join(local_out, "pairs", "T21MYN_20220702_20230707.geojson"))["features"]) > 0,
          "the pair should give alerts to compare")

    for name, prefix in (("http", ""), ("vsicurl", "/vsicurl/")):
        before = dict(RangeHandler.stats)
        rc, out, err = batch(w, name, lambda rel, p=prefix: f"{p}http://127.0.0.1:{port}/{rel}")
        check(rc == 0, f"{name} hrefs: exit {rc}: {err}")
        got = alerts(out)
        check(sorted(got) == sorted(ref), f"{name} hrefs: alert files {sorted(got)}, want {sorted(ref)}")
        for k in ref:
            check(got.get(k) == ref[k], f"{name} hrefs: {k} differs from the local batch's")
        ranges = RangeHandler.stats["206"] - before["206"]
        check(ranges > 0, f"{name} hrefs: the rasters were not read through range requests: {RangeHandler.stats}")
        st = read_json(os.path.join(out, "batch.json"))
        check([p["state"] for p in st["pairs"]] == ["done"], f"{name}: batch.json states: {st['pairs']}")

    # Items whose URLs the server does not have (404): recorded as skipped
    # with the URL in the reason, as an unreadable local asset is; the good
    # pair is done, with the same alerts.
    bad = [item(f"S2A_21MYM_{d.replace('-', '')}_0_L2A", d, os.path.join(S2, side),
                lambda rel: f"http://127.0.0.1:{port}/missing/{rel}")
           for d, side in (("2022-07-02", "before"), ("2023-07-07", "after"))]
    for b in bad:
        b["properties"]["grid:code"] = "MGRS-21MYM"
    rc, out, err = batch(w, "missing", lambda rel: f"http://127.0.0.1:{port}/{rel}", bad)
    st = read_json(os.path.join(out, "batch.json")) if os.path.exists(os.path.join(out, "batch.json")) else {}
    states = {p["id"]: (p["state"], p["reason"] or "") for p in st.get("pairs", [])}
    check(rc == 0 and states.get("T21MYN_20220702_20230707", ("",))[0] == "done" and len(states) == 3,
          f"missing URL: exit {rc}, states {states}: {err}")
    for d in ("20220702", "20230707"):
        state, reason = states.get("T21MYM_" + d, ("", ""))
        check(state == "skipped" and f"127.0.0.1:{port}/missing/" in reason,
              f"missing URL: item of {d} should be skipped naming the URL: {state} {reason}")
    check(RangeHandler.stats["404"] > 0, f"the missing files were asked for: {RangeHandler.stats}")
    got = alerts(out)
    check(got.get("pairs/T21MYN_20220702_20230707.geojson") == ref.get("pairs/T21MYN_20220702_20230707.geojson"),
          "missing URL: the good pair's alerts differ from the local batch's")
finally:
    srv.shutdown()
    srv.server_close()
    shutil.rmtree(w, ignore_errors=True)
print("server answers:", RangeHandler.stats, file=sys.stderr)
done()
