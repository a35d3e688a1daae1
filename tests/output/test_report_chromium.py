"""report.html of an evidence package in headless Chromium (Debian `chromium`).

On the package of the bundled 400 x 400 sample:
  - the page as written logs no console message (no error, no failed load)
    and names nothing on the network (no http(s) URL in src/href/url());
  - a copy whose images load eagerly and that records, in its DOM, every
    image's naturalWidth and the load time: every image loads, and the page
    (all its images) is loaded in under a second;
  - a screenshot that is not blank: strong pixel variance, many colours,
    the overview's imagery (not just text on white);
  - --print-to-pdf gives a PDF with pages.
With --card OUT, also crops the first alert card out of a screenshot into
OUT (the README's picture). Skips (77) without chromium.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mwtest import SRC, check, done, run, skip, tmpdir  # noqa: E402

import numpy as np  # noqa: E402
from osgeo import gdal  # noqa: E402

gdal.UseExceptions()
SAMPLE = os.path.join(SRC, "samples", "synthetic-s2")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def chromium(*args, timeout=120):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    profile = tempfile.mkdtemp(prefix="mw-chromium-")
    try:
        p = subprocess.run([exe, *FLAGS, "--user-data-dir=" + profile, *args], capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def console_lines(stderr):
    """Console messages and failed loads in Chromium's log (dbus noise aside)."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "net::ERR_" in ln or "Uncaught" in ln]


CHECKER = """<script>
window.addEventListener('load', function () {
  var imgs = document.images, bad = [], t = performance.getEntriesByType('navigation')[0];
  for (var i = 0; i < imgs.length; i++)
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) bad.push(imgs[i].getAttribute('src'));
  var p = document.createElement('pre');
  p.id = 'mwresult';
  p.textContent = 'images ' + imgs.length + ' broken ' + bad.length + ' load_ms ' +
                  Math.round(t.loadEventStart) + ' ' + bad.join(' ');
  document.body.appendChild(p);
});
</script></body>"""


def image_check(ev, work):
    copy = os.path.join(work, "eager")
    shutil.copytree(ev, copy)
    html = open(os.path.join(copy, "report.html")).read()
    html = html.replace('loading="lazy"', 'loading="eager"').replace("</body>", CHECKER)
    with open(os.path.join(copy, "check.html"), "w") as f:
        f.write(html)
    rc, out, err = chromium("--virtual-time-budget=20000", "--dump-dom", "file://" + os.path.join(copy, "check.html"))
    m = re.search(r"images (\d+) broken (\d+) load_ms (\d+)(.*?)</pre>", out, re.S)
    if not check(rc == 0 and m, f"the checker page ran ({rc}): {err[-2000:]}"):
        return
    n, broken, ms = int(m.group(1)), int(m.group(2)), int(m.group(3))
    check(n >= 6 and broken == 0, f"every image loads: {n} images, {broken} broken {m.group(4)[:300]}")
    check(ms < 1000, f"the page with all its images loads in under a second ({ms} ms)")
    print(f"report: {n} images, all loaded, page loaded in {ms} ms")
    check(not console_lines(err), f"no console message: {console_lines(err)[:5]}")


def screenshot_check(ev, work):
    shot = os.path.join(work, "shot.png")
    rc, _, err = chromium("--window-size=1000,1800", "--screenshot=" + shot, "file://" + os.path.join(ev, "report.html"))
    check(rc == 0 and os.path.isfile(shot), f"screenshot taken ({rc})")
    check(not console_lines(err), f"no console message on the report itself: {console_lines(err)[:5]}")
    a = gdal.Open(shot).ReadAsArray()[:3].astype(float)
    check(a.std() > 30, f"the screenshot is not blank (std {a.std():.1f})")
    colours = len(np.unique((a[0] // 16) * 256 + (a[1] // 16) * 16 + a[2] // 16))
    check(colours > 200, f"the screenshot shows imagery ({colours} colour bins)")
    # the overview map sits in the upper half: mostly not page background there
    top = a[:, 400:1100, :]
    not_bg = ((np.abs(top - 250).max(axis=0)) > 30).mean()
    check(not_bg > 0.3, f"the overview map is drawn ({not_bg:.2f} of the upper part is not background)")


def pdf_check(ev, work):
    pdf = os.path.join(work, "report.pdf")
    rc, _, err = chromium("--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + os.path.join(ev, "report.html"))
    ok = rc == 0 and os.path.isfile(pdf)
    data = open(pdf, "rb").read() if ok else b""
    check(data.startswith(b"%PDF-") and len(data) > 50000 and b"/Type /Page" in data.replace(b"/Type/Page", b"/Type /Page"),
          f"--print-to-pdf gives a PDF with pages ({rc}, {len(data)} bytes)")


def card(ev, work, out):
    """The first alert card alone, screenshot and cropped to its border."""
    html = open(os.path.join(ev, "report.html")).read()
    style = re.search(r"<style>.*?</style>", html, re.S).group(0)
    sec = re.search(r'<section class="card".*?</section>', html, re.S).group(0).replace('loading="lazy"', "")
    page = os.path.join(ev, "..", "card.html")
    with open(page, "w") as f:
        f.write('<!DOCTYPE html><html><head><meta charset="utf-8">%s</head><body><main>%s</main></body></html>'
                % (style, sec.replace('src="alerts/', 'src="evidence/alerts/')))
    shot = os.path.join(work, "card.png")
    chromium("--window-size=900,900", "--screenshot=" + shot, "file://" + os.path.abspath(page))
    a = gdal.Open(shot).ReadAsArray()[:3]
    mask = np.abs(a.astype(int) - 250).max(axis=0) > 12
    ys, xs = np.where(mask)
    a = a[:, max(ys.min() - 4, 0):ys.max() + 5, max(xs.min() - 4, 0):xs.max() + 5]
    mem = gdal.GetDriverByName("MEM").Create("", a.shape[2], a.shape[1], 3)
    for b in range(3):
        mem.GetRasterBand(b + 1).WriteArray(a[b])
    gdal.GetDriverByName("PNG").CreateCopy(out, mem, options=["ZLEVEL=9"])
    print("card written to", out, a.shape)


def main():
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        skip("no chromium (Debian package chromium; scripts/setup installs it)")
    work = tmpdir()
    try:
        ev = os.path.join(work, "evidence")
        rc, _, err = run("scan", os.path.join(SAMPLE, "before.tif"), os.path.join(SAMPLE, "after.tif"), "-o",
                         os.path.join(work, "alerts.geojson"), "--evidence", ev, "--quiet")
        if not check(rc == 0, f"scan --evidence ({rc}): {err}"):
            done()
        html = open(os.path.join(ev, "report.html")).read()
        remote = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//[^"]*"|url\(\s*[\'"]?(?:https?:)?//|@import', html)
        check(not remote and "<script" not in html, f"the report fetches nothing and runs no script: {remote[:3]}")
        check("@media print" in html and 'name="viewport"' in html, "print CSS and a phone viewport")
        t0 = time.time()
        image_check(ev, work)
        screenshot_check(ev, work)
        pdf_check(ev, work)
        print(f"chromium checks: {time.time() - t0:.1f} s")
        if "--card" in sys.argv:
            card(ev, work, os.path.abspath(sys.argv[sys.argv.index("--card") + 1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
