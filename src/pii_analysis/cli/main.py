"""The `pii` command: one sub-command per module of this package (`cli/<name>.py`, each with
`register(subparsers)` and `run(args)`).

Building the parser imports only argparse and light default settings; each sub-command imports
the analyses it needs when it runs, so `pii --help` starts in a fraction of a second. Bad input
prints one clear line (file, row, column) and exits with status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pii_analysis.data.errors import PiiInputError

COMMANDS = ("score", "drivers", "feasibility", "backtest", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pii", description="Provincial Innovation Index (PII) analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"pii_analysis.cli.{name}").register(sub)
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
