"""The shareable HTML in a real browser: headless Debian Chromium renders index.html and a report,
the pages are not blank and every figure loads (PNG data URIs, no network)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from pii_analysis.report import run as report

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
LOADED = ("<script>window.addEventListener('load', () => { const i = [...document.images]; "
          "document.body.setAttribute('data-loaded', i.filter(x => x.complete && x.naturalWidth > 0).length "
          "+ '/' + i.length); });</script>")


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing (needs root)."""
    if not Path(CHROMIUM).exists():
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("chromium is missing and cannot be installed here (needs root and apt-get)")
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, capture_output=True)
    return CHROMIUM


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
    assert counted.group(1) == counted.group(2) == "4"
    assert "Ninh Bình" in dom and "DỮ LIỆU MINH HỌA" in dom
    shot = tmp_path / "report.png"
    browse(chromium, page, tmp_path, "--window-size=1200,2400", f"--screenshot={shot}")
    assert_not_blank(shot)


def test_index_renders_and_links_the_report(chromium, rendered, tmp_path):
    index = rendered / "index.html"
    dom = browse(chromium, index, tmp_path, "--dump-dom")
    assert 'href="ninh-binh/01_province_profile.html"' in dom and "hoàn thành" in dom
    shot = tmp_path / "index.png"
    browse(chromium, index, tmp_path, "--window-size=1200,800", f"--screenshot={shot}")
    assert_not_blank(shot)
