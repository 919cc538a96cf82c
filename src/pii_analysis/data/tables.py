"""Read a CSV or Excel table into strings, with errors that name the file and sheet.

Every loader goes through here, so "file not found", "empty file", "wrong sheet" and
"missing column" read the same everywhere. Cells are read as text; callers convert
and validate columns themselves, which lets them name the offending row.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pii_analysis.data.errors import PiiInputError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv", ".txt"}


def check_readable(path: str | Path) -> Path:
    """The path as a Path, if it exists and has a supported extension."""
    p = Path(path)
    if not p.exists():
        raise PiiInputError("file not found", file=p)
    if p.is_dir():
        raise PiiInputError("expected a file, got a directory", file=p)
    if p.suffix.lower() not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise PiiInputError(
            f"unsupported file type '{p.suffix}' (use .csv or .xlsx)", file=p)
    if p.stat().st_size == 0:
        raise PiiInputError("file is empty", file=p)
    return p


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def excel_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook."""
    try:
        with pd.ExcelFile(path) as book:
            return [str(s) for s in book.sheet_names]
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise PiiInputError(f"cannot open as an Excel workbook ({exc})", file=path) from None


def read_table(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """All cells as stripped strings ('' for blank); header row gives the columns."""
    p = check_readable(path)
    try:
        if is_excel(p):
            sheets = excel_sheets(p)
            if sheet is None:
                sheet = sheets[0]
            elif isinstance(sheet, str) and sheet not in sheets:
                raise PiiInputError(
                    f"sheet '{sheet}' not found; the workbook has: {', '.join(sheets)}", file=p)
            frame = pd.read_excel(p, sheet_name=sheet, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except PiiInputError:
        raise
    except pd.errors.EmptyDataError:
        raise PiiInputError("file is empty (no header row)", file=p) from None
    except UnicodeDecodeError:
        raise PiiInputError("file is not UTF-8 text; save it as CSV UTF-8", file=p) from None
    except pd.errors.ParserError as exc:
        raise PiiInputError(f"cannot parse as CSV ({exc})", file=p) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    if frame.empty:
        raise PiiInputError("file has a header but no data rows", file=p,
                            sheet=sheet if is_excel(p) else None)
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, file: str | Path,
                    sheet: str | None = None) -> None:
    """Fail naming the first missing column and the columns present."""
    for col in columns:
        if col not in frame.columns:
            raise PiiInputError(
                f"required column is missing (columns present: {', '.join(frame.columns)})",
                file=file, sheet=sheet, row=1, column=col)


def to_number(frame: pd.DataFrame, column: str, *, file: str | Path, sheet: str | None = None,
              allow_blank: bool = True, row_offset: int = 2) -> pd.Series:
    """Column as floats; text fails naming the first bad row. Accepts a decimal comma."""
    raw = frame[column].astype(str).str.strip()
    cleaned = raw.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    comma_only = cleaned.str.contains(",") & ~cleaned.str.contains(r"\.")
    cleaned = cleaned.where(~comma_only, cleaned.str.replace(",", ".", regex=False))
    blank = cleaned.isin(["", "nan", "NaN", "NA", "n/a", "-", "None"])
    values = pd.to_numeric(cleaned.where(~blank, None), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise PiiInputError(f"'{raw.iloc[pos]}' is not a number", file=file, sheet=sheet,
                            row=pos + row_offset, column=column)
    if not allow_blank and blank.any():
        pos = int(blank.to_numpy().nonzero()[0][0])
        raise PiiInputError("value is blank", file=file, sheet=sheet, row=pos + row_offset,
                            column=column)
    return values.astype(float)
