"""The package's layers and the `pii` command's start-up, as issue 8 set them.

The import contracts live in pyproject.toml ([tool.importlinter]); `make test` runs them, and
these tests show they hold on the package and fail on a deliberately wrong import.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pii_analysis.data.paths import REPO_ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def lint(config: Path, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of src/pii_analysis and the project's import-linter contracts, importable from tmp_path."""
    shutil.copytree(REPO_ROOT / "src" / "pii_analysis", tmp_path / "src" / "pii_analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layer_and_cycle_contracts_hold(package_copy):
    result = lint(package_copy / "pyproject.toml", package_copy, package_copy / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    # the data layer reaching up into a report: breaks the layers (and, through them, makes a cycle)
    ("data/tables.py", "from pii_analysis.report import labels  # noqa", {"layers", "cycle"}),
    # the cycle issue 8 removed: projection imports scenarios, so scenarios may not import projection
    ("analysis/scenarios.py", "from pii_analysis.analysis import projection  # noqa", {"cycle"}),
])
def test_a_wrong_import_breaks_a_contract(package_copy, module, line, broken):
    path = package_copy / "src" / "pii_analysis" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint(package_copy / "pyproject.toml", package_copy, package_copy / "src")
    assert result.returncode != 0
    report = " ".join(result.stdout.split())          # the report wraps long contract names
    found = {name for name, tail in (("layers", "higher one BROKEN"), ("cycle", "sub-packages BROKEN"))
             if tail in report}
    assert found == broken
    assert f".{Path(module).stem} " in report          # the message names the offending module


def test_building_the_command_imports_no_heavy_library():
    """`pii --help` must not pay for pandas, numpy, scipy, statsmodels or matplotlib."""
    code = ("import sys; from pii_analysis.cli.main import build_parser; build_parser(); "
            "print(','.join(m for m in ('pandas', 'numpy', 'scipy', 'statsmodels', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_scoring_does_not_import_scipy_stats_or_plotting():
    code = ("import sys; from pii_analysis.index.context import load_context; load_context().scores.ranking(2025); "
            "print(','.join(m for m in ('scipy.stats', 'statsmodels', 'matplotlib', 'SALib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == ""
