"""Numbers typed by people, read by one rule per column, never guessed cell by cell.

"1,234" is a thousand and some in an English file and one and a quarter in a Vietnamese one. The
decimal mark of a column is decided from all its cells (or given with `--decimal`): a cell with both
marks ("1.234,5"), a repeated mark ("1,234,567") or a mark not followed by exactly three digits
("12,5") says which mark is the decimal one; a column whose cells say both is refused, and a column
whose cells are all ambiguous ("1,234") takes the rest of the file's rule or is refused, naming the
cells. Typed numbers from a workbook carry no marks and are not read again. Non-finite values
("inf", "1e400") are refused.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError

DECIMAL_MARKS = (".", ",")
BLANK_TOKENS = frozenset({"", "nan", "NaN", "NA", "N/A", "n/a", "-", "—", "None", ".."})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_MARKS = re.compile(r"[.,]")
_NUMERIC = re.compile(r"^[+-]?\d[\d.,]*([eE][+-]?\d+)?$|^[+-]?[.,]\d+$")
_NON_FINITE = re.compile(r"^[+-]?(inf|infinity|\u221e)$", re.IGNORECASE)
# one mark only, followed by exactly three digits, not after a leading zero: "1,234", "12.500"
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")

_VOTE_CODES = {None: 0, ".": 1, ",": 2, "?": 3}
Locate = Callable[[int], dict]   # position -> PiiInputError keywords (file, sheet, row, column)


def _vote(cell: str) -> str | None:
    """The decimal mark a cell proves ('.' or ','), '?' if it could be either, None if it has no mark."""
    if not _NUMERIC.match(cell):
        return None                           # text: refused later as "not a number"
    marks = _MARKS.findall(cell.split("e")[0].split("E")[0])
    if not marks:
        return None
    if len(set(marks)) == 2:
        return marks[-1]                      # "1.234,5": the last mark is the decimal one
    if len(marks) > 1:
        return "," if marks[0] == "." else "."  # "1,234,567": a repeated mark groups thousands
    if _AMBIGUOUS.match(cell):
        return "?"
    return marks[0]


def _decided(votes: list[str | None]) -> str | None:
    """The decimal mark the votes prove, if they agree."""
    has_dot, has_comma = "." in votes, "," in votes
    return "." if has_dot and not has_comma else "," if has_comma and not has_dot else None


def _cells(positions: list[int], locate: Locate, raw: pd.Series, limit: int = 4) -> str:
    shown = []
    for i in positions[:limit]:
        w = locate(int(i))
        where = ", ".join(x for x in (f"sheet '{w['sheet']}'" if w.get("sheet") else "",
                                      f"row {w['row']}" if w.get("row") is not None else "",
                                      f"column '{w['column']}'" if w.get("column") else "") if x)
        shown.append(f"'{raw.iloc[i]}' ({where})")
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return "; ".join(shown) + more


def _convert(cell: str, decimal: str) -> float | None:
    """The number under a decimal mark, or None if the cell does not follow it."""
    thousands = "," if decimal == "." else "."
    body = cell
    if thousands in body:
        head = body.split(decimal)[0].lstrip("+-")
        if not re.fullmatch(r"\d{1,3}(" + re.escape(thousands) + r"\d{3})+", head):
            return None
        body = body.replace(thousands, "")
    body = body.replace(decimal, ".")
    if not _PLAIN.match(body):
        return None
    return float(body)


def parse_numbers(raw: pd.Series, locate: Locate, *, typed: pd.Series | None = None,
                  groups: pd.Series | None = None, decimal: str | None = None,
                  allow_blank: bool = True) -> pd.Series:
    """Text cells as floats (NaN for blank), by one decimal rule per group of cells (a column).

    raw: the cells as text; typed: True where the cell was a number in the workbook (read as is);
    groups: the column each cell belongs to (default: one column); decimal: '.' or ',' from the
    user, else decided from the cells. Errors name the cell through `locate(position)`.
    """
    if decimal is not None and decimal not in DECIMAL_MARKS:
        raise PiiInputError(f"decimal mark '{decimal}' must be '.' or ','", column="--decimal")
    raw = raw.fillna("").astype(str).reset_index(drop=True)
    text = raw.str.replace(_SPACES, "", regex=True)
    typed_mask = (typed.reset_index(drop=True).fillna(False).astype(bool) if typed is not None
                  else pd.Series(False, index=raw.index))
    blank = text.isin(BLANK_TOKENS)
    if not allow_blank and blank.any():
        raise PiiInputError("value is blank", **locate(int(np.flatnonzero(blank)[0])))
    out = np.full(len(raw), np.nan)
    cells = text.tolist()
    is_blank, is_typed = blank.to_numpy(), typed_mask.to_numpy()
    for i in np.flatnonzero(~is_blank & is_typed):
        out[i] = float(cells[i])
    todo = np.flatnonzero(~is_blank & ~is_typed)
    if len(todo):
        # one small code per cell (no dict over the cells: a long panel holds millions)
        votes = np.zeros(len(cells), dtype=np.int8)
        votes[todo] = [_VOTE_CODES[_vote(cells[i])] for i in todo]
        group_of = (pd.factorize(groups.reset_index(drop=True).fillna(""))[0] if groups is not None
                    else np.zeros(len(cells), dtype=np.intp))
        file_mark = decimal or _decided([m for m, c in _VOTE_CODES.items() if (votes[todo] == c).any()])
        for g in np.unique(group_of[todo]):
            idx = todo[group_of[todo] == g]
            mark = decimal
            if mark is None:
                dots = [int(i) for i in idx[votes[idx] == _VOTE_CODES["."]]]
                commas = [int(i) for i in idx[votes[idx] == _VOTE_CODES[","]]]
                if dots and commas:
                    raise PiiInputError(
                        "the column mixes decimal marks: " + _cells(dots, locate, raw, 2) + " use '.' but "
                        + _cells(commas, locate, raw, 2) + " use ','; write every number the same way "
                        "or give --decimal", **locate(dots[0]))
                mark = "." if dots else "," if commas else file_mark
            if mark is None and (votes[idx] == _VOTE_CODES["?"]).any():
                amb = [int(i) for i in idx[votes[idx] == _VOTE_CODES["?"]]]
                raise PiiInputError(
                    "cannot tell whether ',' or '.' is the decimal mark in " + _cells(amb, locate, raw)
                    + " (thousands or a fraction?); give --decimal , or --decimal . , or write the "
                    "numbers without thousands marks", **locate(amb[0]))
            for i in idx.tolist():
                cell = cells[i]
                value = _convert(cell, mark or ".")
                if value is None and _NON_FINITE.match(cell):
                    raise PiiInputError(f"'{raw.iloc[i]}' is not a finite number", **locate(i))
                if value is None:
                    hint = f" (decimal mark of this column: '{mark}')" if mark and _MARKS.search(cell) else ""
                    hint = "; write it without the % sign (the indicator's unit says it is a share)" \
                        if cell.endswith("%") and len(cell) > 1 else hint
                    raise PiiInputError(f"'{raw.iloc[i]}' is not a number{hint}", **locate(i))
                out[i] = value
    finite = np.isfinite(out) | np.isnan(out)
    bad = ~finite | (np.isnan(out) & ~blank.to_numpy())
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PiiInputError(f"'{raw.iloc[i]}' is not a finite number", **locate(i))
    return pd.Series(out, index=raw.index)

