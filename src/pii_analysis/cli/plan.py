"""`pii plan`: every target of a province's plan judged (met / not met for past years; on track / needs
acceleration / off track with the probability for future years), and the department annex (--xlsx)."""
from __future__ import annotations

import argparse

from pii_analysis.analysis.defaults import DEFAULT_DRAWS, DEFAULT_PROVINCE, DEFAULT_SEED
from pii_analysis.cli.output import add_data_options, add_format, data_options, print_notes

OUT_COLUMNS = ["province", "year", "kind", "value", "group", "current_year", "current_value", "status",
               "probability", "margin", "reason", "source"]


def register(subparsers) -> None:
    p = subparsers.add_parser("plan", help="a province's plan judged target by target (and its department annex)")
    p.add_argument("--province", default=DEFAULT_PROVINCE, help=f"province (default {DEFAULT_PROVINCE})")
    p.add_argument("--targets", default=None,
                   help="targets file (province, year, kind, value, group, source_url, note; default "
                        "data/raw/province_targets.csv)")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=f"Monte Carlo draws (default {DEFAULT_DRAWS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--xlsx", default=None, help="also write the department annex workbook to this file")
    p.add_argument("--lang", choices=["vi", "en"], default="en", help="language of the annex (default en)")
    add_data_options(p)
    add_format(p)
    p.set_defaults(func=run)


def judged_plan(args: argparse.Namespace):
    """(judged rows, meta, context or None) at the data level of --data."""
    from pii_analysis.analysis.data_level import open_data
    from pii_analysis.analysis.plan import judge_level, judge_panel, plan_targets
    from pii_analysis.cli.output import level_meta
    from pii_analysis.data.targets import load_targets
    from pii_analysis.report.labels import data_banner

    result = open_data(args.data, province=args.province, **data_options(args))   # the level decided once
    if result.data_level != "panel":
        targets = load_targets(args.targets, province=result.province)
        meta = {**level_meta(result.data_level, result.note), "province": result.province, "year": result.year,
                "data_status": result.data_status, "source": result.source}
        return judge_level(result, targets), meta, None
    from pii_analysis.analysis.draws import report_draws

    ctx = result
    print_notes(ctx)
    province = ctx.check_province(args.province)
    targets = plan_targets(ctx, province, args.targets)
    horizon = max([2030, *targets["year"].tolist()])
    draws = report_draws(ctx, target_year=min(horizon, ctx.panel.years[-1] + 30), n_draws=args.draws, seed=args.seed)
    meta = {**level_meta(ctx.data_level, ctx.province_note(args.province)), "province": province,
            "base_year": draws.base_year, "draws": args.draws, "seed": args.seed, "data_status": ctx.data_status,
            "source": ctx.panel.source, "note": data_banner(ctx.data_status, "en", ctx.panel.source)}
    return judge_panel(ctx, province, targets, draws.projection()), meta, ctx


def run(args: argparse.Namespace) -> int:
    from pii_analysis.cli.output import emit

    judged, meta, ctx = judged_plan(args)
    if args.xlsx:
        from pii_analysis.data.errors import PiiInputError
        if ctx is None:
            raise PiiInputError("the department annex needs a full panel (every province's indicator values): "
                                "the value needed each year comes from re-scoring all provinces", column="--xlsx")
        from pii_analysis.report.annex import write_annex
        write_annex(ctx, meta["province"], judged, args.xlsx, lang=args.lang)
        meta["xlsx"] = str(args.xlsx)
    table = judged[OUT_COLUMNS]
    print(emit(table, args.format, meta, float_digits=4 if args.format != "table" else 3))
    return 0
