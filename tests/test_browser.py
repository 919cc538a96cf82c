"""The shareable HTML in a real browser: headless Debian Chromium renders the landing page, a summary and
a report; the pages are not blank, every figure loads (PNG data URIs, no network), every link resolves,
`lang` and the titles follow the report's language, and a summary prints on one A4 page."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from pii_analysis.report import run as report

pytestmark = pytest.mark.slow   # whole report runs and browsers: `make test-fast` leaves them out

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
LOADED = ("<script>window.addEventListener('load', () => { const i = [...document.images]; "
          "document.body.setAttribute('data-loaded', i.filter(x => x.complete && x.naturalWidth > 0).length "
          "+ '/' + i.length); });</script>")


def browse(chromium: str, page: Path, tmp: Path, *args: str) -> str:
    profile = tmp / f"chrome-{len(list(tmp.iterdir()))}"          # a fresh user-data-dir each time
    done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120, cwd=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def assert_not_blank(png: Path) -> None:
    img = Image.open(png).convert("L")
    hist = img.histogram()
    non_white = sum(hist[:240]) / (img.width * img.height)
    assert non_white > 0.01, f"{png.name}: only {non_white:.2%} of the page is not white"
    assert len([h for h in hist if h]) > 20                       # text and figures, not one flat colour


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, jupyter_kernel) -> Path:
    out = tmp_path_factory.mktemp("browser") / "reports"
    result = report.run_report(["Ninh Bình"], out_dir=out, n_draws=20, seed=1,
                               notebooks=[report.NOTEBOOK_DIR / "01_province_profile.ipynb"], progress=False)
    assert result.ok
    return out


def test_report_renders_its_figures(chromium, rendered, tmp_path):
    page = rendered / "ninh-binh" / "01_province_profile.html"
    probe = tmp_path / "probe.html"               # the report plus a script that counts loaded images
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", LOADED + "</body>"), encoding="utf-8")
    dom = browse(chromium, probe, tmp_path, "--virtual-time-budget=5000", "--dump-dom")
    counted = re.search(r'data-loaded="(\d+)/(\d+)"', dom)
    assert counted, "the load script did not run"
    assert counted.group(1) == counted.group(2) and int(counted.group(1)) >= 3
    assert "Ninh Bình" in dom and "DỮ LIỆU MINH HỌA" in dom
    shot = tmp_path / "report.png"
    browse(chromium, page, tmp_path, "--window-size=1200,2400", f"--screenshot={shot}")
    assert_not_blank(shot)


def test_index_renders_and_links_the_report(chromium, rendered, tmp_path):
    index = rendered / "index.html"
    dom = browse(chromium, index, tmp_path, "--dump-dom")
    assert 'href="ninh-binh/01_province_profile.html"' in dom and 'href="ninh-binh/summary.html"' in dom
    shot = tmp_path / "index.png"
    browse(chromium, index, tmp_path, "--window-size=1200,800", f"--screenshot={shot}")
    assert_not_blank(shot)


def hrefs(dom: str) -> list[str]:
    return re.findall(r'<a\b[^>]*href="([^"]+)"', dom)


def test_landing_lists_34_provinces_and_every_link_resolves(chromium, rendered, tmp_path):
    """The landing page (as the browser built it) lists the 34 provinces; every link of the landing page
    and of the province's pages points at a file of the run."""
    dom = browse(chromium, rendered / "index.html", tmp_path, "--dump-dom")
    assert len(re.findall(r"<tr data-rank=", dom)) == 34
    assert '<html lang="vi">' in dom and "<title>Chỉ số Đổi mới sáng tạo cấp địa phương (PII) 2025" in dom
    pages = [rendered / "index.html", rendered / "ninh-binh" / "summary.html",
             rendered / "ninh-binh" / "01_province_profile.html", rendered / "run_log.html"]
    checked = 0
    for page in pages:
        links = hrefs(browse(chromium, page, tmp_path, "--dump-dom"))
        assert links, page.name
        for href in links:
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.exists(), f"{page.name}: {href}"
            checked += 1
    assert checked > 10


def test_summary_prints_on_one_a4_page(chromium, rendered, tmp_path):
    """Chromium's print to PDF of a summary: one A4 page (595 x 842 pt)."""
    from pypdf import PdfReader

    pdf = tmp_path / "summary.pdf"
    browse(chromium, rendered / "ninh-binh" / "summary.html", tmp_path, "--no-pdf-header-footer",
           f"--print-to-pdf={pdf}")
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "Ninh Bình" in reader.pages[0].extract_text()


def test_pages_declare_their_language_and_titles(chromium, rendered, tmp_path):
    dom = browse(chromium, rendered / "ninh-binh" / "01_province_profile.html", tmp_path, "--dump-dom")
    assert '<html lang="vi">' in dom and "<title>Hồ sơ: Ninh Bình, PII 2025</title>" in dom
    dom = browse(chromium, rendered / "ninh-binh" / "summary.html", tmp_path, "--dump-dom")
    assert '<html lang="vi">' in dom and "<title>Tóm tắt: Ninh Bình, PII 2025</title>" in dom


def test_a_phone_sees_the_charts_scaled(chromium, rendered, tmp_path):
    """At a phone's width (390 px) the report's figures fit the screen (viewport + max-width)."""
    page = rendered / "ninh-binh" / "01_province_profile.html"
    probe = tmp_path / "phone.html"
    script = ("<script>window.addEventListener('load', () => { const w = Math.max(...[...document.images]"
              ".map(i => i.getBoundingClientRect().right)); document.body.setAttribute('data-right', "
              "Math.round(w) + '/' + window.innerWidth); });</script>")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    dom = browse(chromium, probe, tmp_path, "--window-size=390,844", "--virtual-time-budget=5000", "--dump-dom")
    right, width = map(int, re.search(r'data-right="(\d+)/(\d+)"', dom).groups())
    assert right <= width
