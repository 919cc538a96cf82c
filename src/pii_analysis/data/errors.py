"""One error type for bad input, always naming where the problem is.

Users fix their own files; a message that names the file, the row (as a
spreadsheet shows it: header = row 1) or sheet, and the column saves them
reading a pandas traceback.
"""
from __future__ import annotations

from pathlib import Path


class PiiInputError(ValueError):
    """Bad input data or configuration, with its location."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.sheet = sheet
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
