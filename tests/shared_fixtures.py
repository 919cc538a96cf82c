"""Test helpers that are not fixtures (the fixtures are in conftest.py)."""
from __future__ import annotations

import numpy as np


def assert_same_numbers(got, want, *, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Floats from two code paths agree to rounding (summation order differs between machines and SIMD
    widths): a relative and absolute tolerance of 1e-12 still catches any wrong number, and missing values
    must sit in the same places. Ranks and printed figures are compared exactly elsewhere."""
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol, equal_nan=True)


def demo_as_user_panel(tmp_path, years=None, name: str = "user_panel.csv"):
    """The shipped demonstration panel's values (years `years`, default all) written as a user's own file
    (`data_status` = user): a panel whose years are all observed, for the trend and history code paths
    that generated years never reach (`analysis.history`). Returns the path."""
    import pandas as pd

    from pii_analysis.data.paths import DEMO_PANEL, raw_file

    panel = pd.read_csv(raw_file(DEMO_PANEL))
    if years is not None:
        panel = panel[panel["year"].isin(list(years))]
    panel = panel.assign(data_status="user", source="test: the demonstration values relabelled as a user's file")
    path = tmp_path / name
    panel.to_csv(path, index=False)
    return path


def write_page(directory, stem: str, cells: list, *, key: str, levels=("panel",), results: dict | None = None,
               names: dict | None = None):
    """A report page in `directory`, as docs/ARCHITECTURE.md says to add one: the notebook `<stem>.ipynb`
    (`cells`: nbformat cells) and its registry entry `<stem>.page.toml` (report.pages). Returns the notebook."""
    from pathlib import Path

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = Path(directory) / f"{stem}.ipynb"
    nbformat.write(nb, path)
    lines = [f'key = "{key}"', f'name = "{stem}"', f'title = "title_{key}"',
             'headings = "pii_analysis.report.feasibility_text:heading"',
             "levels = [" + ", ".join(f'"{lv}"' for lv in levels) + "]"]
    if names:
        lines.append("names = {" + ", ".join(f'{k} = "{v}"' for k, v in names.items()) + "}")
    lines.append("[results]")
    lines += [f"{lv} = [" + ", ".join(f'"{r}"' for r in rs) + "]" for lv, rs in (results or {}).items()]
    path.with_name(f"{stem}.page.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
