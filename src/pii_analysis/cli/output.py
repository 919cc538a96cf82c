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


def emit(frame: pd.DataFrame, fmt: str, meta: dict, float_digits: int = 2) -> str:
    """Render a result table as an aligned table, CSV or JSON (with its metadata)."""
    if fmt == "csv":
        return frame.to_csv(index=False, float_format=f"%.{float_digits + 2}f")
    if fmt == "json":
        return json.dumps({**meta, "rows": json.loads(frame.to_json(orient="records", double_precision=6))},
                          ensure_ascii=False, indent=2)
    lines = [f"# {k}: {v}" for k, v in meta.items() if not isinstance(v, (dict, list))]
    return "\n".join(lines) + "\n" + frame.to_string(index=False, float_format=lambda v: f"{v:.{float_digits}f}")
