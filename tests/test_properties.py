"""Property-based tests (issue 13): any mutation of a valid workbook -- its cells, headers, rows,
sheets, encoding and separator -- ends `pii score` with exit status 0 or 2, never a traceback or an
internal error, and never changes the input file.

The base workbook is the demonstration panel's latest year, wide (provinces x codes), built at test
time, so a new framework or panel changes nothing here. Example counts are moderate so the suite
stays fast; `pytest tests/test_properties.py --hypothesis-show-statistics` prints them.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pii_analysis.cli.main import main
from pii_analysis.data.paths import DEMO_PANEL, raw_file

MAX_EXAMPLES = int(os.environ.get("PII_HYPOTHESIS_EXAMPLES", "40"))   # ~40 s; more to hunt for bugs
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])

HOSTILE_CELLS = st.sampled_from([
    "", " ", "inf", "-inf", "Infinity", "nan", "NaN", "1e308", "-1e308", "1e400", "1,234", "1.234,5", "1,234.5",
    "12,5", "0,125", "1.234.567", "1,2,3", "--5", "-0", "+7", "=A1+B1", "=SUM(B2:B9)", "@cmd", "<script>alert(1)</script>",
    "n.a.", "—", "TRUE", "2025-10-01", "١٢٣", "１２３", "12 345", "12\u00a0345,6", "%", "50%", "'12", "\t", "\x00",
    "Cả nước", "Ninh Binh", "9" * 400,
])
ANY_CELL = st.one_of(HOSTILE_CELLS, st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str),
                     st.integers(-10**18, 10**18).map(str))
HEADERS = st.one_of(st.sampled_from(["", "province", "year", "STT", "Ghi chú", "Tỉnh/thành phố", "value",
                                     "indicator", "population", "=cmd", "1.1.1 (x)", "Năm"]), st.text(max_size=8))
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"])
SEPARATORS = st.sampled_from([",", ";", "\t", "|"])


def base_frame() -> pd.DataFrame:
    panel = pd.read_csv(raw_file(DEMO_PANEL), dtype=str, keep_default_na=False)
    year = max(panel["year"])
    latest = panel[panel["year"] == year]
    wide = latest.pivot(index="province", columns="indicator", values="value").reset_index()
    wide.insert(0, "year", year)
    return wide.astype(str)


BASE = base_frame()


def mutate(data: st.DataObject, frame: pd.DataFrame) -> pd.DataFrame:
    """Up to four mutations of cells, headers and rows."""
    frame = frame.copy()
    for _ in range(data.draw(st.integers(0, 4), label="mutations")):   # 0: format, encoding, separator only
        kind = data.draw(st.sampled_from(["cell", "cell", "cell", "column", "header", "drop_column", "drop_row",
                                          "duplicate_row", "title_row", "blank_row", "national_row"]), label="kind")
        n_rows, n_cols = frame.shape
        if kind == "cell" and n_rows and n_cols:
            i, j = data.draw(st.integers(0, n_rows - 1)), data.draw(st.integers(0, n_cols - 1))
            frame.iat[i, j] = data.draw(ANY_CELL, label="cell")
        elif kind == "column" and n_cols:
            j = data.draw(st.integers(0, n_cols - 1))
            value = data.draw(ANY_CELL, label="column value")
            frame.iloc[:, j] = value
        elif kind == "header" and n_cols:
            j = data.draw(st.integers(0, n_cols - 1))
            names = list(frame.columns)
            names[j] = data.draw(HEADERS, label="header")
            frame.columns = names
        elif kind == "drop_column" and n_cols > 1:
            frame = frame.drop(columns=frame.columns[data.draw(st.integers(0, n_cols - 1))])
        elif kind == "drop_row" and n_rows > 1:
            frame = frame.drop(index=frame.index[data.draw(st.integers(0, n_rows - 1))])
        elif kind == "duplicate_row" and n_rows:
            frame = pd.concat([frame, frame.iloc[[data.draw(st.integers(0, n_rows - 1))]]], ignore_index=True)
        elif kind == "title_row":
            title = pd.DataFrame([list(frame.columns)], columns=frame.columns)
            frame.columns = [data.draw(HEADERS, label="title")] + [""] * (n_cols - 1)
            title.columns = frame.columns
            frame = pd.concat([title, frame], ignore_index=True)
        elif kind == "blank_row" and n_rows:
            at = data.draw(st.integers(0, n_rows))
            blank = pd.DataFrame([[""] * n_cols], columns=frame.columns)
            frame = pd.concat([frame.iloc[:at], blank, frame.iloc[at:]], ignore_index=True)
        elif kind == "national_row" and n_cols > 1:
            row = frame.iloc[[0]].copy()
            row.iloc[0, min(1, n_cols - 1)] = "Cả nước"
            frame = pd.concat([frame, row], ignore_index=True)
    return frame


def write_csv(data: st.DataObject, frame: pd.DataFrame, directory: Path) -> Path:
    path = directory / "mutated.csv"
    text = frame.to_csv(index=False, sep=data.draw(SEPARATORS, label="separator"))
    path.write_bytes(text.encode(data.draw(ENCODINGS, label="encoding"), errors="replace"))
    return path


def cell_text(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def write_xlsx(data: st.DataObject, frame: pd.DataFrame, directory: Path) -> Path:
    path = directory / "mutated.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    title = data.draw(st.sampled_from([str(frame.iat[0, 0]) if frame.size else "2025", "Sheet1", "PII 2025",
                                       "2025", "data"]), label="sheet name")
    ws.title = re.sub(r"[\[\]:*?/\\']", "", cell_text(title))[:31].strip() or "Sheet1"   # Excel's rules
    as_numbers = data.draw(st.booleans(), label="typed numbers")
    ws.append([cell_text(c) for c in frame.columns])     # openpyxl refuses control characters in cells
    for rec in frame.itertuples(index=False):
        row = []
        for v in rec:
            try:
                row.append(float(v) if as_numbers and v.strip() else cell_text(v))
            except ValueError:
                row.append(cell_text(v))
        ws.append(row)
    for extra in range(data.draw(st.integers(0, 2), label="extra sheets")):
        other = book.create_sheet(data.draw(st.sampled_from(["2024", "Nháp", "2026", "Ghi chú"]), label="extra")
                                  + str(extra))
        other.sheet_state = data.draw(st.sampled_from(["visible", "hidden"]), label="state")
        if data.draw(st.booleans(), label="extra has cells"):
            other.append(["province", "x"])
            other.append(["Huế", cell_text(data.draw(ANY_CELL, label="extra cell"))])
    if data.draw(st.booleans(), label="reorder"):
        book.move_sheet(ws, offset=len(book.sheetnames) - 1)
    try:
        book.save(path)
    except Exception:          # noqa: BLE001 - openpyxl refuses some strings (control characters)
        path.write_bytes(b"PK\x03\x04 broken")
    return path


@pytest.mark.slow
@SETTINGS
@given(data=st.data())
def test_any_mutated_workbook_ends_in_status_0_or_2_and_is_never_changed(data):
    frame = mutate(data, BASE)
    with tempfile.TemporaryDirectory() as tmp:
        write = data.draw(st.sampled_from([write_csv, write_xlsx]), label="format")
        path = write(data, frame, Path(tmp))
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        argv = ["score", "--data", str(path), "--format", "csv"]
        if data.draw(st.booleans(), label="--decimal"):
            argv += ["--decimal", data.draw(st.sampled_from([".", ","]))]
        code, err = run(argv)
        event(f"exit status {code}")
        event(f"format {path.suffix}")
        assert code in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.fixture(autouse=True)
def _capture(capsys):
    global _CAPSYS
    _CAPSYS = capsys
    yield


_CAPSYS = None


def run(argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    captured = _CAPSYS.readouterr()
    return code, captured.err
