"""The `pii` command: `pii score`, and the analysis commands registered by their modules.

Each command lives in its own module (`cli_<name>.py`) exposing `register(subparsers)`;
bad input prints one clear line (file, row, column) and exits with status 2.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

import pandas as pd

from .errors import PiiInputError

PLUGIN_COMMANDS = ("drivers", "feasibility", "report")


def emit(frame: pd.DataFrame, fmt: str, meta: dict, float_digits: int = 2) -> str:
    """Render a result table as an aligned table, CSV or JSON (with its metadata)."""
    if fmt == "csv":
        return frame.to_csv(index=False, float_format=f"%.{float_digits + 2}f")
    if fmt == "json":
        return json.dumps({**meta, "rows": json.loads(frame.to_json(orient="records", double_precision=6))},
                          ensure_ascii=False, indent=2)
    lines = [f"# {k}: {v}" for k, v in meta.items() if not isinstance(v, (dict, list))]
    return "\n".join(lines) + "\n" + frame.to_string(index=False, float_format=lambda v: f"{v:.{float_digits}f}")


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str] = ("table", "csv", "json")) -> None:
    parser.add_argument("--format", choices=list(choices), default="table", help="output format (default table)")


def _score(args: argparse.Namespace) -> int:
    from .context import load_context
    from .loading import default_framework, default_method, load_node_scores
    from .scores import score_node_frame

    if args.level == "indicator":
        ctx = load_context(args.data)
        year = ctx.check_year(args.year)
        result, status, source = ctx.scores, ctx.data_status, ctx.panel.source
    else:
        if not args.data:
            raise PiiInputError("--level pillar/subindex needs --data: a file of published pillar or sub-index scores")
        fw, method = default_framework(), default_method()
        frame = load_node_scores(args.data, fw, args.level, method=method)
        result = score_node_frame(frame, fw, method, source=args.data)
        status, source = "user", args.data
        years = result.years
        year = args.year if args.year is not None else years[-1]
        if year not in years:
            raise PiiInputError(f"year {year} is not in the data (years: {', '.join(map(str, years))})",
                                file=args.data, column="year")
    table = result.ranking(year)
    meta = {"year": year, "data_status": status, "source": source, "level": args.level, "method": result.method}
    print(emit(table, args.format, meta))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pii", description="Provincial Innovation Index (PII) analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("score", help="score a panel and print the ranking")
    p.add_argument("--year", type=int, default=None, help="year to print (default: latest in the data)")
    p.add_argument("--data", default=None, help="indicator workbook/CSV (default: shipped demonstration panel)")
    p.add_argument("--level", choices=["indicator", "pillar", "subindex"], default="indicator",
                   help="what --data holds: raw indicators (default), or pillar / sub-index scores")
    add_format(p)
    p.set_defaults(func=_score)
    for name in PLUGIN_COMMANDS:
        try:
            module = importlib.import_module(f"pii_analysis.cli_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pii_analysis.cli_{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PiiInputError as exc:
        print(f"pii {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
