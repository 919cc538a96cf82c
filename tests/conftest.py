"""Test set-up shared by the notebook and browser tests: a Jupyter kernel named "python3" for this
interpreter, and Debian's chromium (installed by `make test`'s browser step, never from inside the tests)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


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
