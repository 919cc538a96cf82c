"""The cells of a sheet or CSV file as text, as a spreadsheet shows them, with nothing guessed.

Workbooks are read with openpyxl (.xlsx, .xlsm) or xlrd (legacy .xls); CSV text with the csv module
(UTF-8, or UTF-16 with a byte-order mark as Excel's "Unicode text"; the separator is the one of
',', ';', tab or '|' that splits the first lines most consistently). Cells that were numbers in the
workbook are marked `typed` so their text is never re-read by a decimal-mark rule. A formula cell
without a saved value fails naming the cell: the file was written by a program that does not
compute formulas, and reading it as blank would silently change ranks.

A sheet's used range is taken from its cells, never from its declared dimensions (a workbook may
declare A1:XFD1048576 for one formatted cell); a used range beyond MAX_CELLS cells (a stray value far
from the table) fails naming the sheet and the far cell instead of exhausting memory.
"""
from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from pii_analysis.data.errors import PiiInputError

SEPARATORS = (",", ";", "\t", "|")
MAX_CELLS = 5_000_000   # a province table holds a few thousand cells; beyond this a stray cell is the cause


@dataclass(frozen=True)
class Grid:
    """A sheet's cells: rows of text ('' for empty) and, per cell, whether it was a typed number."""

    rows: list[list[str]]
    typed: list[list[bool]]
    sheet: str | None = None


def column_letter(j: int) -> str:
    """Spreadsheet column name of a 0-based position: 0 -> A, 27 -> AB."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _number_text(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def _cell_text(value: object) -> tuple[str, bool]:
    """Text of a cell value and whether it is a typed number."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, (int, float)):
        return _number_text(float(value)), True
    if hasattr(value, "isoformat"):
        return value.isoformat(), False
    return str(value).strip(), False


# --- workbooks -------------------------------------------------------------------------------
def is_legacy(path: Path) -> bool:
    return path.suffix.lower() == ".xls"


def sheet_list(path: Path) -> list[tuple[str, bool]]:
    """(name, hidden) of every sheet, in workbook order."""
    try:
        if is_legacy(path):
            import xlrd
            book = xlrd.open_workbook(str(path), on_demand=True)
            try:
                return [(book.sheet_by_index(i).name, book.sheet_by_index(i).visibility != 0)
                        for i in range(book.nsheets)]
            finally:
                book.release_resources()
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [(ws.title, ws.sheet_state != "visible") for ws in book.worksheets]
        finally:
            book.close()
    except PiiInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - readers raise many types for a broken workbook
        kind = "a legacy Excel (.xls) workbook" if is_legacy(path) else "an Excel workbook"
        raise PiiInputError(f"cannot open as {kind} ({type(exc).__name__}: {exc}); open it in Excel and "
                            "save it again as .xlsx", file=path) from None


def _trim(values: list[list[object]]) -> list[list[object]]:
    while values and all(v is None or v == "" for v in values[-1]):
        values.pop()
    return values


def read_sheet(path: Path, sheet: str) -> Grid:
    """Every cell of one sheet (trailing empty rows dropped)."""
    try:
        if is_legacy(path):
            values = _xls_values(path, sheet)
        else:
            values = _xlsx_values(path, sheet)
    except PiiInputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise PiiInputError(f"cannot read the sheet ({type(exc).__name__}: {exc})", file=path, sheet=sheet) from None
    rows, typed = [], []
    for row in _trim(values):
        cells = [_cell_text(v) for v in row]
        rows.append([c[0] for c in cells])
        typed.append([c[1] for c in cells])
    return Grid(rows=rows, typed=typed, sheet=sheet)


def _sparse_rows(ws):
    """(row number, {column position: value}) of every row holding a value, read from the cells (the
    declared dimensions are dropped first: they may name a far corner that holds nothing)."""
    ws.reset_dimensions()
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row:
            cells = {j: v for j, v in enumerate(row) if v is not None and v != ""}
            if cells:
                yield i, cells


def used_cells(rows: dict[int, dict[int, object]], *, file: Path, sheet: str) -> list[list[object]]:
    """The sparse cells as dense rows over the used range (A1 to the last row and column holding a value);
    a used range beyond MAX_CELLS fails naming the sheet and the cell that stretches it."""
    if not rows:
        return []
    n_rows = max(rows)
    n_cols = 1 + max(max(cells) for cells in rows.values())
    if n_rows * n_cols > MAX_CELLS:
        wide = next(r for r in rows if max(rows[r]) + 1 == n_cols)
        far = dict.fromkeys([f"{column_letter(max(rows[n_rows]))}{n_rows}", f"{column_letter(n_cols - 1)}{wide}"])
        corner = " and ".join(far)
        raise PiiInputError(
            f"the sheet's cells span A1:{column_letter(n_cols - 1)}{n_rows} ({n_rows * n_cols:,} cells, more than "
            f"the {MAX_CELLS:,} a table can need) because of a value far from the table, e.g. at {corner}; delete "
            "the stray cells outside the table (or copy the table to a new sheet)", file=file, sheet=sheet)
    return [[cells.get(j) for j in range(n_cols)] if (cells := rows.get(i)) else [None] * n_cols
            for i in range(1, n_rows + 1)]


def _xlsx_values(path: Path, sheet: str) -> list[list[object]]:
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        values = used_cells(dict(_sparse_rows(book[sheet])), file=path, sheet=sheet)
    finally:
        book.close()
    if any(v is None for r in values for v in r):
        _check_formulas(path, sheet, values)
    return values


def _check_formulas(path: Path, sheet: str, values: list[list[object]]) -> None:
    """A blank cell that holds a formula has no saved value: refuse it, naming the cell."""
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for n, cells in _sparse_rows(book[sheet]):
            i = n - 1
            for j, v in cells.items():
                if isinstance(v, str) and v.startswith("=") and (i >= len(values) or j >= len(values[i])
                                                                 or values[i][j] is None):
                    raise PiiInputError(
                        f"cell {column_letter(j)}{i + 1} holds the formula {v[:60]} but no saved value (the file "
                        "was written by a program that does not calculate formulas); open the file in Excel or "
                        "LibreOffice and save it, or type the value", file=path, sheet=sheet, row=i + 1)
    finally:
        book.close()


def _xls_values(path: Path, sheet: str) -> list[list[object]]:
    import xlrd
    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        ws = book.sheet_by_name(sheet)
        rows: dict[int, dict[int, object]] = {}
        for i in range(ws.nrows):
            cells: dict[int, object] = {}
            for j, cell in enumerate(ws.row(i)):
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or cell.value == "":
                    continue
                if cell.ctype == xlrd.XL_CELL_NUMBER:
                    cells[j] = float(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells[j] = bool(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    cells[j] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
                else:
                    cells[j] = str(cell.value)
            if cells:
                rows[i + 1] = cells
        return used_cells(rows, file=path, sheet=sheet)
    finally:
        book.release_resources()


# --- CSV -------------------------------------------------------------------------------------
def decode_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PiiInputError("file is not UTF-8 text (a byte at this row cannot be read); save it as "
                            "'CSV UTF-8' in Excel", file=path, row=line) from None


def _separator(text: str) -> str:
    """The separator that splits the first lines into the most, equally many, fields."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        except csv.Error:
            continue
        if not counts:
            continue
        width = max(counts)
        score = (sum(c == width for c in counts) if width > 1 else 0, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def csv_rows(path: Path):
    """The CSV file's records as lists of stripped cells, read as a stream (never the whole text at once):
    UTF-8 (with or without BOM) or UTF-16 with a BOM, the separator decided on the first 50 lines. A byte
    that cannot be decoded fails naming its row (`decode_text`), binary data and broken quoting too."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    encoding = "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        with open(path, encoding=encoding, newline="") as fh:
            first = "".join(itertools.islice(fh, 50))
        sep = _separator(first)
        with open(path, encoding=encoding, newline="") as fh:
            for line, record in enumerate(csv.reader(_text_lines(fh, path), delimiter=sep), start=1):
                yield line, [c.strip() for c in record]
    except UnicodeDecodeError:
        decode_text(path)   # names the row of the byte (UTF-16 that fails is read as UTF-8 there)
        raise PiiInputError("file is not UTF-8 text; save it as 'CSV UTF-8' in Excel", file=path) from None
    except csv.Error as exc:
        raise PiiInputError(f"cannot parse as CSV ({exc})", file=path) from None


def _text_lines(fh, path: Path):
    for text in fh:
        if "\x00" in text:
            raise PiiInputError("file holds binary data, not CSV text", file=path)
        yield text
