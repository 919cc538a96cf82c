"""Large and stretched inputs: a sheet's used range comes from its cells (a stray formatted cell at
XFD1048576 costs nothing; a stray value there is refused naming the sheet), and a long CSV read in a
stream keeps its errors exact (file, row, column). Timings and memory: benchmarks/bench_loading.py."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.tables import read_table


def _bench():
    """benchmarks/bench_loading.py, whose workbook builder the tests use too (one stray-cell workbook)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_loading.py"
    spec = importlib.util.spec_from_file_location("bench_loading", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stray_workbook(path, value: bool):
    return _bench().write_stray(path, value)


def test_a_formatted_stray_cell_does_not_stretch_the_sheet(tmp_path):
    import openpyxl
    path = stray_workbook(tmp_path / "s.xlsx", value=False)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book["2025"].calculate_dimension() == "A1:XFD1048576"      # what the file declares
    book.close()
    frame = read_table(path)
    assert list(frame.columns) == ["province", "year", "x"] and frame.shape == (1, 3)
    assert frame.iloc[0].tolist() == ["Hà Nội", "2025", "1.5"]


def test_a_stray_value_far_away_is_refused_naming_the_sheet(tmp_path):
    path = stray_workbook(tmp_path / "s.xlsx", value=True)
    with pytest.raises(PiiInputError, match="delete the stray cells") as info:
        read_table(path)
    assert info.value.sheet == "2025" and "XFD1048576" in info.value.message


def test_a_long_csv_read_as_a_stream_names_the_exact_cell(tmp_path, shipped):
    """Many years of the demonstration panel below two title rows: a bad value far down, a bad province
    and an unknown code are named by the row a spreadsheet shows and their column."""
    from pii_analysis.data.loading import load_panel
    from pii_analysis.data.paths import DEMO_PANEL, raw_file
    fw = shipped[0]
    demo = pd.read_csv(raw_file(DEMO_PANEL), dtype=str, keep_default_na=False)
    block = demo[demo["year"] == "2025"]
    frame = pd.concat([block.assign(year=str(y)) for y in range(2025, 1995, -1)], ignore_index=True)
    title = "Bảng chỉ số PII, nhiều năm\n;;;\n"
    for column, value, match in (("value", "12,3.4", "not a number"), ("province", "Atlantis", "unknown province"),
                                 ("indicator", "9.9.9", "unknown indicator")):
        bad = frame.copy()
        at = len(bad) - 17
        bad.loc[at, column] = value
        path = tmp_path / f"long_{column}.csv"
        path.write_text(title + bad.to_csv(index=False), encoding="utf-8")
        with pytest.raises(PiiInputError, match=match) as info:
            load_panel(path, fw)
        assert (info.value.file, info.value.row) == (str(path), at + 2 + 2), str(info.value)
        assert info.value.column == column
    good = tmp_path / "long.csv"
    good.write_text(title + frame.to_csv(index=False), encoding="utf-8")
    panel = load_panel(good, fw)
    assert len(panel.values) == frame["indicator"].isin(fw.indicators).sum()   # denominators apart
    assert panel.years == list(range(1996, 2026))
