"""The scenario explorer of notebook 03 in a real JupyterLab, driven in Chromium: JupyterLab starts
headless on a free local port, Playwright opens the notebook in Debian's chromium, runs every cell, finds
the sliders labelled with the pillars' names, moves one and sees the shown probability change."""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pii_analysis.report import run as report

pytestmark = pytest.mark.slow   # whole report runs and browsers: `make test-fast` leaves them out

DRAWS = 200          # the notebook's draws for the test (the explorer recomputes with them)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explorer_notebook(directory: Path) -> Path:
    """Notebook 03 with fewer draws (its parameters cell edited as papermill would), in `directory`."""
    nb = json.loads((report.NOTEBOOK_DIR / "03_top10_feasibility.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(cell["source"])
    cell["source"] = re.sub(r"(?m)^n_draws = \d+", f"n_draws = {DRAWS}", source)
    path = directory / "03_top10_feasibility.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def lab(tmp_path, jupyter_kernel, chromium):
    """JupyterLab on 127.0.0.1:<free port>, no browser, as root if need be; yields (url, token)."""
    pytest.importorskip("jupyterlab")
    explorer_notebook(tmp_path)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
                             "--LabApp.expose_app_in_browser=True"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError((tmp_path / "lab.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


RESULT = ".pii-explorer-result"


def test_the_explorer_moves_the_probability(lab, chromium):
    from playwright.sync_api import sync_playwright

    from pii_analysis.index.context import load_context

    url, token = lab
    pillar1 = load_context().framework.name(load_context().framework.pillars[0], "vi")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/03_top10_feasibility.ipynb?token={token}")
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                                   timeout=90_000)
            # wait for the kernel, then run every cell as a user would (Run > Run All Cells)
            page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget; const k = w && "
                                   "w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel; "
                                   "return k && k.connectionStatus === 'connected' && k.status === 'idle'; }",
                                   timeout=120_000)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function(f"() => /%/.test(document.querySelector('{RESULT}')?.innerText || '')",
                                   timeout=300_000)
            start = page.locator(RESULT).inner_text()
            assert re.search(r"\d+%|<1%|>99%", start), start
            sliders = page.locator(".widget-slider")
            assert sliders.count() == 7
            labels = [sliders.nth(i).locator(".widget-label").inner_text() for i in range(7)]
            assert labels[0] == f"1. {pillar1}" and all(re.match(r"\d\. \w", t) for t in labels), labels
            readouts = [sliders.nth(i).locator(".widget-readout").inner_text() for i in range(7)]
            assert all(float(r.replace(",", ".")) == 0 for r in readouts), readouts   # the page's scenario
            # move the institutions slider to its maximum with the keyboard, as a user would
            handle = sliders.nth(0).locator(".noUi-handle")
            handle.focus()
            for _ in range(12):
                handle.press("ArrowRight")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old "
                "&& /%/.test(e.innerText); }", arg=[RESULT, start], timeout=180_000)
            after = page.locator(RESULT).inner_text()
            assert after != start
            assert float(sliders.nth(0).locator(".widget-readout").inner_text().replace(",", ".")) > 0
        finally:
            browser.close()
