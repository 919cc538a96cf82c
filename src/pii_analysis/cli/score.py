"""`pii score`: score a panel (or published pillar / sub-index scores) and print the ranking."""
from __future__ import annotations

import argparse

from pii_analysis.cli.output import (
    add_data_options,
    add_format,
    add_profile_option,
    data_options,
    level_meta,
    print_notes,
    profile_warnings,
)
from pii_analysis.data.errors import PiiInputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("score", help="score a panel and print the ranking")
    p.add_argument("--year", type=int, default=None, help="year to print (default: latest in the data)")
    add_data_options(p)
    add_profile_option(p)
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

    from pii_analysis.analysis.profile_level import level_of

    level = level_of(args.data, getattr(args, "sheet", None)) if args.level == "indicator" else "panel"
    if level == "profile":
        return _run_profile(args)
    if level == "published":
        return _run_published(args)
    if args.level == "indicator":
        ctx = load_context(args.data, **data_options(args))
        print_notes(ctx)
        year = ctx.check_year(args.year)
        result, status, source, level = ctx.scores, ctx.data_status, ctx.panel.source, ctx.data_level
    else:
        if not args.data:
            raise PiiInputError("--level pillar/subindex needs --data: a file of published pillar or sub-index scores")
        fw, method = default_framework(), default_method()
        frame = load_node_scores(args.data, fw, args.level, method=method, **data_options(args))
        result = score_node_frame(frame, fw, method, source=args.data)
        status, source, level = "user", args.data, "published"
        years = result.years
        year = args.year if args.year is not None else years[-1]
        if year not in years:
            raise PiiInputError(f"year {year} is not in the data (years: {', '.join(map(str, years))})",
                                file=args.data, column="year")
    table = result.ranking(year)
    meta = {**level_meta(level), "year": year, "data_status": status, "source": source, "level": args.level,
            "method": result.method}
    print(emit(table, args.format, meta))
    return 0


PROFILE_COLUMNS = ["code", "level", "name", "value", "national_min", "national_max", "computed", "published",
                   "score", "basis", "check", "flag"]


def _run_profile(args: argparse.Namespace) -> int:
    """The profile level: one province's scores from its own profile, checked against the published ones."""
    from pii_analysis.analysis.profile_level import analyse_profile
    from pii_analysis.cli.output import emit, level_meta, rank_meta

    r = analyse_profile(args.data, year=args.year, sheet=getattr(args, "sheet", None),
                        accept_typed_scores=args.accept_typed_scores)
    warnings = profile_warnings(r)
    table = r.scores.assign(name=r.scores["name_vi"])
    shown = table if args.format != "table" else table[table["basis"] != "not available"]
    shown = shown[PROFILE_COLUMNS] if args.format == "table" else shown
    if args.format == "table":
        shown = shown.assign(name=shown["name"].str.slice(0, 38))
    n_ind = int(((table["level"] == "indicator") & table["computed"].notna()).sum())
    meta = {**level_meta(r.data_level, r.profile.note), **{f"WARNING {i + 1}": w for i, w in enumerate(warnings)},
            "province": r.profile.province, "year": r.profile.year, "data_status": r.data_status,
            "pii": r.pii, **rank_meta(r),
            "indicators_scored": f"{n_ind} of {len(r.scores[r.scores['level'] == 'indicator'])} (the others are "
                                 "not in the profile)",
            "mismatches": ", ".join(f"{c} {chk}" for c, chk in zip(r.mismatches["code"], r.mismatches["check"]))
                          or "none beyond the rounding of the displayed values",
            "score": "(value - national min) / (national max - national min) x 100; nodes: equal-weight means; "
                     "published scores are used upward where given",
            "source": r.profile.source}
    print(emit(shown, args.format, meta))
    return 0


def _run_published(args: argparse.Namespace) -> int:
    """Published results only (the layout of data/raw/pii_published_results.csv): the year's published
    totals, ranks and scores on today's map, provinces without a published total listed as such."""
    from pii_analysis.analysis.profile_level import published_provinces, published_totals
    from pii_analysis.cli.output import emit
    from pii_analysis.data.loading import load_published

    published = load_published(args.data)
    names = published_provinces(args.data, args.year)   # checks the year and that something is published
    year = int(args.year) if args.year is not None else int(
        published[published["province"].isin(names)]["year"].max())
    table = published_totals(published, year)
    meta = {**level_meta("published"), "year": year, "source": args.data,
            "published": f"{len(names)} of {len(table)} provinces have a published total or rank",
            "next": "pii drivers --data <this file> --province P: the gap to each rank in PII and pillar points"}
    print(emit(table, args.format, meta))
    return 0
