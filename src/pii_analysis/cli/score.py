"""`pii score`: score a panel (or published pillar / sub-index scores) and print the ranking."""
from __future__ import annotations

import argparse

from pii_analysis.cli.output import add_data_options, add_format, data_options, print_notes
from pii_analysis.data.errors import PiiInputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("score", help="score a panel and print the ranking")
    p.add_argument("--year", type=int, default=None, help="year to print (default: latest in the data)")
    add_data_options(p)
    p.add_argument("--level", choices=["indicator", "pillar", "subindex"], default="indicator",
                   help="what --data holds: raw indicators (default), or pillar / sub-index scores")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pii_analysis.cli.output import emit
    from pii_analysis.data.loading import load_node_scores
    from pii_analysis.index.context import load_context
    from pii_analysis.index.framework import default_framework
    from pii_analysis.index.method import default_method
    from pii_analysis.index.scores import score_node_frame

    if args.level == "indicator":
        ctx = load_context(args.data, **data_options(args))
        print_notes(ctx)
        year = ctx.check_year(args.year)
        result, status, source = ctx.scores, ctx.data_status, ctx.panel.source
    else:
        if not args.data:
            raise PiiInputError("--level pillar/subindex needs --data: a file of published pillar or sub-index scores")
        fw, method = default_framework(), default_method()
        frame = load_node_scores(args.data, fw, args.level, method=method, **data_options(args))
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
