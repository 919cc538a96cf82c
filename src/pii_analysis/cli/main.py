"""The `pii` command: one sub-command per module of this package (`cli/<name>.py`, each with
`register(subparsers)` and `run(args)`).

Building the parser imports only argparse and light default settings; each sub-command imports
the analyses it needs when it runs, so `pii --help` starts in a fraction of a second. Bad input
prints one clear line (file, row, column) and exits with status 2; a full disk names the path being
written and exits with status 3.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from pii_analysis.data.errors import PiiInputError

DISK_FULL_STATUS = 3   # a full disk: its own exit status (2 is bad input, 1 a report that failed)
COMMANDS = ("score", "drivers", "feasibility", "plan", "backtest", "report", "template")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pii", description="Provincial Innovation Index (PII) analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"pii_analysis.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a sub-command. Bad input prints one line and exits 2; an interrupt exits 130; nothing prints a
    traceback unless $PII_DEBUG is set."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PiiInputError as exc:
        print(f"pii {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"pii {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (`pii score --format csv | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit
        return 0
    except OSError as exc:  # a file or directory that cannot be read or written
        if os.environ.get("PII_DEBUG"):
            raise
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"pii {args.command}: error: the disk is full (no space left writing {exc.filename or '?'}); "
                  "free some space or choose another --out, then run again (index.html and manifest.json say "
                  "what did not finish)", file=sys.stderr)
            return DISK_FULL_STATUS
        where = f"file {exc.filename}: " if exc.filename else ""
        print(f"pii {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"pii {args.command}: error: not enough memory (use fewer --draws or provinces)", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line, never a traceback for users
        if os.environ.get("PII_DEBUG"):
            raise
        print(f"pii {args.command}: internal error: {type(exc).__name__}: {exc} (set PII_DEBUG=1 for the "
              "traceback and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
