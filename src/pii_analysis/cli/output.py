"""How every sub-command prints a result table: aligned text, CSV or JSON (with its metadata)."""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json")


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
    parser.add_argument("--format", choices=list(choices), default="table", help="output format (default table)")


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """--data, --sheet and --decimal: which file, which sheet, which decimal mark."""
    parser.add_argument("--data", default=None, help="indicator workbook/CSV (default: shipped demonstration panel)")
    parser.add_argument("--sheet", default=None,
                        help="workbook sheet to read (default: the year sheets, else the first visible sheet; "
                             "hidden sheets only when named here)")
    parser.add_argument("--decimal", choices=[".", ","], default=None,
                        help="decimal mark of the numbers in --data (default: decided per column from its cells)")


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """--accept-typed-scores: use a profile's typed node scores even where they contradict their indicators."""
    parser.add_argument("--accept-typed-scores", action="store_true",
                        help="a profile (--data) whose typed pillar / sub-pillar / sub-index / PII score contradicts "
                             "the score of its own indicators (or its published score) beyond rounding is refused; "
                             "with this flag the typed score is used, with a warning in the output")


def profile_warnings(result) -> list[str]:
    """A profile result's warnings in English, each also printed to stderr (they go in the output's header
    too: a typed score accepted against its check, a value without its national range, a constant one)."""
    import sys

    from pii_analysis.report.level_pages import warning_text

    lines = [warning_text(w, "en") for w in getattr(result, "warnings", [])]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def data_options(args: argparse.Namespace) -> dict:
    """load_context keywords of the data options."""
    return {"sheet": getattr(args, "sheet", None), "decimal": getattr(args, "decimal", None)}


def print_notes(ctx) -> None:
    """Warnings about the data that did not stop the run (e.g. an indicator equal for every province)."""
    import sys
    for note in ctx.panel.notes:
        print(f"note: {note}", file=sys.stderr)


def level_meta(data_level: str, note: str = "") -> dict:
    """The header lines every result carries: the data level it ran at, and a province-name note."""
    return {"data_level": data_level, **({"province_note": note} if note else {})}


def rank_meta(r) -> dict:
    """The rank lines of a result below the panel: the one figure every page shows ('13–16 (not 15)' when
    the published table allows several ranks), its low and high bounds and the provinces bounding it."""
    from pii_analysis.report.level_pages import rank_bounds_text, rank_figure

    b = r.bounds
    out = {"rank": rank_figure(r), "rank_basis": r.rank_basis}
    if b is not None and b.basis not in ("published", "unknown"):
        out.update({"rank_low": b.low, "rank_high": b.high, "rank_possible": ", ".join(map(str, b.possible)),
                    "rank_bounds": rank_bounds_text(b, "en")})
    return out


def emit(frame: pd.DataFrame, fmt: str, meta: dict, float_digits: int = 2) -> str:
    """Render a result table as an aligned table, CSV or JSON (with its metadata).

    A CSV carries the data level as a column (`data_level`), so a saved table says what it rests on."""
    if fmt == "csv" and "data_level" in meta and "data_level" not in frame.columns:
        frame = frame.assign(data_level=meta["data_level"])
    if fmt == "csv":   # text cells that look like formulas are neutralised for spreadsheets
        from pii_analysis.report.files import csv_text
        return csv_text(frame, float_format=f"%.{float_digits + 2}f")
    if fmt == "json":
        return json.dumps({**meta, "rows": json.loads(frame.to_json(orient="records", double_precision=6))},
                          ensure_ascii=False, indent=2)
    lines = [f"# {k}: {v}" for k, v in meta.items() if not isinstance(v, (dict, list))]
    return "\n".join(lines) + "\n" + frame.to_string(index=False, float_format=lambda v: f"{v:.{float_digits}f}")
