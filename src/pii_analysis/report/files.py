"""How the run writes files: atomically, inside its output directory, and safe to open in a spreadsheet.

A reader (a browser, Excel, another run) never sees half a file: everything is written to a temporary
file in the same directory and renamed over the target. Text cells that a spreadsheet would take for a
formula (starting with '=', '+', '-', '@', a tab or a carriage return) get a leading apostrophe, as
OWASP recommends against CSV injection; numbers, negative ones included, are left as numbers.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from pii_analysis.data.errors import PiiInputError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell that would start a formula, prefixed with an apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells (and column names) neutralised; numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def inside(base: str | Path, path: str | Path) -> Path:
    """`path` resolved, if it lies inside `base`; an output path never leaves its directory."""
    root = Path(base).resolve()
    target = (root / path).resolve() if not Path(path).is_absolute() else Path(path).resolve()
    if target != root and root not in target.parents:
        raise PiiInputError(f"output path '{path}' would leave the output directory {root}", file=root)
    return target


def atomic_write(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def csv_text(frame: pd.DataFrame, **to_csv: object) -> str:
    """The frame as CSV text, formula-like text cells neutralised."""
    return neutralise(frame).to_csv(index=False, **to_csv)


def write_csv(frame: pd.DataFrame, path: str | Path, **to_csv: object) -> Path:
    """The frame as CSV (neutralised), written atomically."""
    return atomic_write(path, csv_text(frame, **to_csv))


def write_excel(frames: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Sheets of an Excel workbook (neutralised), written atomically."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".xlsx")
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, frame in frames.items():
                neutralise(frame).to_excel(xl, sheet_name=str(neutralise_cell(name))[:31], index=False)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
