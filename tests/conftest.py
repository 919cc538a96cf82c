"""Test set-up shared by the notebook tests: a Jupyter kernel named "python3" for this interpreter."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def jupyter_kernel() -> str:
    """The kernel the report run uses; installed for this interpreter if missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], check=True)
    return "python3"
