"""Read a CSV or Excel table into strings, with errors that name the file and sheet.

Every loader goes through here, so "file not found", "empty file", "wrong sheet" and
"missing column" read the same everywhere. Cells are read as text; callers convert
and validate columns themselves, which lets them name the offending row.

Tables are read as people send them: title rows above the header are skipped (the header is
the first row with a known column name, else the first row with two or more cells), empty
rows and Excel's trailing empty columns are dropped, hidden sheets are ignored unless named,
and legacy .xls is read. The frame's index is each row's spreadsheet row number (header
row = 1 when there is no title), so messages name the row the user sees.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.numbers import parse_numbers
from pii_analysis.data.workbook import Grid, column_letter, csv_rows, read_sheet, sheet_list

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv", ".txt"}
HEADER_SEARCH_ROWS = 30       # title rows above the header: at most this many
ROW = "row"                   # name of the index holding spreadsheet row numbers
TYPED = "typed_numbers"       # frame.attrs key: {(row, column)} of cells that were numbers in the workbook
HEADER = "header_row"         # frame.attrs key: the spreadsheet row of the header (1 without title rows)


def check_readable(path: str | Path) -> Path:
    """The path as a Path, if it exists, is a readable file and has a supported extension."""
    p = Path(path)
    try:
        if not p.exists():
            raise PiiInputError("file not found", file=p)
        if p.is_dir():
            raise PiiInputError("expected a file, got a directory", file=p)
        if p.suffix.lower() not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise PiiInputError(
                f"unsupported file type '{p.suffix}' (use .csv, .xlsx or .xls)", file=p)
        if p.stat().st_size == 0:
            raise PiiInputError("file is empty", file=p)
        with open(p, "rb") as fh:
            fh.read(1)
    except PermissionError:
        raise PiiInputError("file cannot be read (permission denied)", file=p) from None
    except OSError as exc:
        raise PiiInputError(f"file cannot be read ({exc.strerror or exc})", file=p) from None
    return p


def read_yaml(path: str | Path) -> object:
    """A YAML file's content (method, scenarios): unreadable, non-UTF-8 or invalid files fail naming the file."""
    import yaml

    p = Path(path)
    if p.is_dir():
        raise PiiInputError("expected a file, got a directory", file=p)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PiiInputError("file not found", file=p) from None
    except OSError as exc:
        raise PiiInputError(f"file cannot be read ({exc.strerror or exc})", file=p) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PiiInputError("file is not UTF-8 text; save it as UTF-8", file=p,
                            row=raw[:exc.start].count(b"\n") + 1) from None
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise PiiInputError(f"not valid YAML ({exc})", file=p) from None


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def excel_sheets(path: Path, *, hidden: bool = False) -> list[str]:
    """Names of the workbook's visible sheets (all sheets when `hidden`)."""
    return [name for name, is_hidden in sheet_list(path) if hidden or not is_hidden]


def row_number(frame: pd.DataFrame, pos: int) -> int:
    """Spreadsheet row of the frame's `pos`-th row, whatever title rows or blank lines precede it: the
    one row-numbering rule of every reader (header = 1 for a frame built in memory)."""
    return int(frame.index[pos]) if frame.index.name == ROW else pos + 2


def row_numbers(frame: pd.DataFrame) -> list[int]:
    """Spreadsheet row of every row of the frame (`row_number` of each position)."""
    return [row_number(frame, i) for i in range(len(frame))]


def header_row(frame: pd.DataFrame) -> int:
    """Spreadsheet row of the frame's header (below any title rows; 1 for a frame built in memory)."""
    return int(frame.attrs.get(HEADER, 1))


def _header_row(rows: list[list[str]], hints: set[str]) -> int:
    """Position of the header: the first row naming a hinted column, else the first with >= 2 cells."""
    search = rows[:HEADER_SEARCH_ROWS]
    if hints:
        for i, row in enumerate(search):
            if any(c.strip() in hints for c in row):
                return i
    for i, row in enumerate(search):
        if sum(bool(c.strip()) for c in row) >= 2:
            return i
    for i, row in enumerate(search):
        if any(c.strip() for c in row):
            return i
    return 0


INTERN_LIMIT = 10_000   # distinct texts of a column shared as one object each (provinces, codes, years)


def frame_from_grid(grid: Grid, *, file: Path, header: Iterable[str] = ()) -> pd.DataFrame:
    """The grid as a frame of text below its header row, index = spreadsheet row numbers."""
    return frame_from_records(((i + 1, r, t) for i, (r, t) in enumerate(zip(grid.rows, grid.typed))),
                              file=file, sheet=grid.sheet, header=header)


def frame_from_records(records: Iterator[tuple[int, list[str], list[bool] | None]], *, file: Path,
                       sheet: str | None = None, header: Iterable[str] = ()) -> pd.DataFrame:
    """A frame of text from (spreadsheet row, cells, typed flags) records, consumed as a stream: column by
    column, the repeated texts of a column (province, year, code) shared, never a copy of all rows.

    The header is the first of the first HEADER_SEARCH_ROWS records naming a `header` column (title rows
    above it are skipped), empty rows are dropped, columns without a name or a cell are dropped."""
    records = iter(records)
    head = list(itertools.islice(records, HEADER_SEARCH_ROWS))
    h = _header_row([cells for _, cells, _ in head], set(header))
    if not any(c for _, cells, _ in head for c in cells):
        if _any_cells(records):
            raise PiiInputError(f"no header in the first {HEADER_SEARCH_ROWS} rows: delete the empty rows above "
                                "the table", file=file, sheet=sheet)
        raise PiiInputError("file is empty (no header row)" if sheet is None else "sheet is empty",
                            file=file, sheet=sheet)
    header_line, names = head[h][0], [c.strip() for c in head[h][1]]
    columns: list[list[str]] = []
    filled: list[bool] = []
    shared: list[dict[str, str] | None] = []
    lines: list[int] = []
    typed_cells: set[tuple[int, int]] = set()
    for line, cells, typed in itertools.chain(head[h + 1:], records):
        if not any(cells):
            continue
        if len(cells) > len(columns):
            for _ in range(len(cells) - len(columns)):
                columns.append([""] * len(lines))
                filled.append(False)
                shared.append({})
        for j, col in enumerate(columns):
            cell = cells[j] if j < len(cells) else ""
            if cell:
                filled[j] = True
                known = shared[j]
                if known is not None:
                    cell = known.setdefault(cell, cell)
                    if len(known) > INTERN_LIMIT:
                        shared[j] = None
            col.append(cell)
        if typed is not None and any(typed):
            typed_cells.update((line, j) for j, t in enumerate(typed) if t)
        lines.append(line)
    width = max(len(columns), len(names))
    names += [""] * (width - len(names))
    columns += [[""] * len(lines) for _ in range(width - len(columns))]
    filled += [False] * (width - len(filled))
    keep = [j for j in range(width) if names[j] or filled[j]]
    out: list[str] = []
    for j in keep:
        name = names[j] or f"(no header, column {column_letter(j)})"
        if name in out:
            first = keep[out.index(name)]
            raise PiiInputError(f"column '{name}' appears twice (columns {column_letter(first)} and "
                                f"{column_letter(j)}); rename or delete one", file=file, sheet=sheet,
                                row=header_line, column=name)
        out.append(name)
    data = {name: pd.array(columns[j], dtype="str") for name, j in zip(out, keep)}
    columns.clear()
    frame = pd.DataFrame(data, index=pd.Index(lines, name=ROW, dtype=int), columns=out)
    frame.attrs[HEADER] = header_line
    frame.attrs[TYPED] = {(line, out[keep.index(j)]) for line, j in typed_cells if j in keep}
    return frame


def _any_cells(records) -> bool:
    return any(c for _, cells, _ in records for c in cells)


def read_grid(path: Path, sheet: str | int | None = None) -> Grid:
    """The raw cells of a sheet (default: the first visible one with cells)."""
    sheets = excel_sheets(path, hidden=True)
    visible = excel_sheets(path)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(visible):
            raise PiiInputError(f"sheet number {sheet} not found; the workbook has: {', '.join(visible)}", file=path)
        sheet = visible[sheet]
    if sheet is not None:
        if sheet not in sheets:
            raise PiiInputError(f"sheet '{sheet}' not found; the workbook has: {', '.join(visible)}", file=path)
        return read_sheet(path, sheet)
    if not visible:
        raise PiiInputError("the workbook has no visible sheet", file=path)
    for name in visible:
        grid = read_sheet(path, name)
        if any(c for r in grid.rows for c in r):
            return grid
    return read_sheet(path, visible[0])


def read_table(path: str | Path, sheet: str | int | None = None, *, header: Iterable[str] = ()) -> pd.DataFrame:
    """All cells as stripped strings ('' for blank) below the header row, which gives the columns.

    `header`: column names that identify the header row below any title rows.
    """
    p = check_readable(path)
    if is_excel(p):
        grid = read_grid(p, sheet)
        frame, where = frame_from_grid(grid, file=p, header=header), grid.sheet
    else:   # a CSV file is read as a stream
        frame, where = frame_from_records(((n, cells, None) for n, cells in csv_rows(p)), file=p,
                                          header=header), None
    if frame.empty:
        raise PiiInputError("file has a header but no data rows", file=p, sheet=where)
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, file: str | Path,
                    sheet: str | None = None) -> None:
    """Fail naming the first missing column and the columns present."""
    for col in columns:
        if col not in frame.columns:
            raise PiiInputError(
                f"required column is missing (columns present: {', '.join(frame.columns)})",
                file=file, sheet=sheet, row=header_row(frame), column=col)


def typed_mask(frame: pd.DataFrame, column: str) -> pd.Series:
    """True for the cells of `column` that were numbers in the workbook."""
    typed = frame.attrs.get(TYPED) or set()
    if not typed or frame.index.name != ROW:
        return pd.Series(False, index=frame.index)
    return pd.Series([(int(r), column) in typed for r in frame.index], index=frame.index)


def to_number(frame: pd.DataFrame, column: str, *, file: str | Path, sheet: str | None = None,
              allow_blank: bool = True, decimal: str | None = None) -> pd.Series:
    """Column as floats (NaN for blank) by one decimal-mark rule for the column (`numbers.parse_numbers`);
    text, non-finite values and, unless allowed, blanks fail naming the row."""
    def locate(pos: int) -> dict:
        return {"file": file, "sheet": sheet, "row": row_number(frame, pos), "column": column}

    values = parse_numbers(frame[column].astype(str), locate, typed=typed_mask(frame, column),
                           decimal=decimal, allow_blank=allow_blank)
    return pd.Series(values.to_numpy(dtype=float), index=frame.index, name=column)


def whole_numbers(values: pd.Series, frame: pd.DataFrame, column: str, *, file: str | Path,
                  sheet: str | None = None, what: str = "value") -> pd.Series:
    """Whole numbers (blank stays NaN); a fraction fails naming the row."""
    bad = values.notna() & (values % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise PiiInputError(f"{what} '{frame[column].iloc[i]}' is not a whole number", file=file, sheet=sheet,
                            row=row_number(frame, i), column=column)
    return values
