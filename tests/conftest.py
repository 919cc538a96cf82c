"""Fixtures shared by the test files: the shipped framework, method, demonstration panel and its scores
(once per session), the shipped context (once per module, as each file had it), a Jupyter kernel named
"python3" for this interpreter, and Debian's chromium (installed by `make test`'s browser step, never from
inside the tests). Helpers that are not fixtures live in shared_fixtures.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pii_analysis.data.loading import load_panel
from pii_analysis.data.paths import DEMO_PANEL, raw_file
from pii_analysis.index.context import load_context
from pii_analysis.index.framework import default_framework
from pii_analysis.index.method import default_method
from pii_analysis.index.scores import score_panel


@pytest.fixture(scope="session")
def shipped():
    """The shipped framework, method and demonstration panel."""
    fw = default_framework()
    return fw, default_method(), load_panel(raw_file(DEMO_PANEL), fw)


@pytest.fixture(scope="session")
def shipped_scores(shipped):
    """The demonstration panel scored by the shipped method."""
    fw, method, panel = shipped
    return score_panel(panel, fw, method)


@pytest.fixture(scope="module")
def ctx():
    """The shipped context (framework, method, demonstration panel, published results)."""
    return load_context()


@pytest.fixture(scope="session")
def jupyter_kernel() -> str:
    """The kernel the report run uses; installed for this interpreter if missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], check=True)
    return "python3"


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed by `make test` (its `browser` step); the browser tests skip without it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is missing: `make browser` installs it (needs root and apt-get)")
    return CHROMIUM


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs a Jupyter kernel or a browser (directly or through a fixture: whole report
    runs) is `slow`, so `make test-fast` leaves it out; whole-country searches are marked where they stand."""
    for item in items:
        if {"jupyter_kernel", "chromium"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
