"""`pii feasibility`: projected rank per year, P(rank <= target) and milestone verdicts."""
from __future__ import annotations

import argparse
import json

from pii_analysis.analysis.defaults import (
    DEFAULT_DRAWS,
    DEFAULT_PROVINCE,
    DEFAULT_SEED,
    DEFAULT_TARGET_RANK,
    DEFAULT_TARGET_YEAR,
)
from pii_analysis.cli.output import add_data_options, add_format, data_options, print_notes


def register(subparsers) -> None:
    p = subparsers.add_parser("feasibility", help="probability of reaching the target rank (Monte Carlo)")
    p.add_argument("--province", default=DEFAULT_PROVINCE, help=f"province (default {DEFAULT_PROVINCE})")
    p.add_argument("--target-rank", type=int, default=None,
                   help="target rank (default: the province's own target, else the project default for its "
                        f"rank band; the plan's Top {DEFAULT_TARGET_RANK} for {DEFAULT_PROVINCE})")
    p.add_argument("--target-year", type=int, default=DEFAULT_TARGET_YEAR,
                   help=f"target year (default {DEFAULT_TARGET_YEAR})")
    p.add_argument("--base-year", type=int, default=None, help="base year (default: latest in the data)")
    p.add_argument("--scenario", default="baseline", help="baseline, plan, a shipped scenario name or a YAML path")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=f"Monte Carlo draws (default {DEFAULT_DRAWS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    add_data_options(p)
    p.add_argument("--lang", choices=["vi", "en"], default="en", help="language of verdict labels (default en)")
    add_format(p, ("table", "json"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pii_analysis.analysis.draws import report_draws
    from pii_analysis.analysis.targets import province_target
    from pii_analysis.analysis.verdict import Thresholds, assess
    from pii_analysis.cli.output import emit, level_meta
    from pii_analysis.index.context import load_context
    from pii_analysis.report.feasibility_text import thresholds_note, verdict_labels
    from pii_analysis.report.labels import TEXT as LABELS
    from pii_analysis.report.labels import data_banner

    ctx = load_context(args.data, **data_options(args))
    print_notes(ctx)
    seed = args.seed
    draws = report_draws(ctx, base_year=args.base_year, target_year=args.target_year, n_draws=args.draws, seed=seed)
    target = province_target(ctx, args.province, base_year=draws.base_year, target_rank=args.target_rank,
                             target_year=args.target_year)
    a = assess(ctx, target.province, target_rank=target.rank, target_year=args.target_year,
               base_year=draws.base_year, scenario=args.scenario, draws=draws)
    p = a.projection.p_summary(target.province, target.rank, args.target_year)
    years, proj, sc, province = a.summary, a.projection, a.scenario, a.province
    verdicts = a.milestones.assign(verdict_label=verdict_labels(a.milestones["verdict"], args.lang))
    cols = ["year", "observed", "median_rank", "rank_p05", "rank_p95", "p_target", "median_pii"]
    table = years[cols].rename(columns={"p_target": f"p_rank_le_{target.rank}"})
    meta = {**level_meta(ctx.data_level, ctx.province_note(args.province)),
            "province": province, "target_rank": target.rank, "target_origin": target.origin,
            "target_kind": target.kind, "target_year": args.target_year,
            "probability": round(p["p"], 6), "model_range": [round(p["lo"], 6), round(p["hi"], 6)],
            "mc_error": round(p["mc_error"], 6), "models": ", ".join(proj.models),
            "base_year": proj.base_year, "scenario": sc.name, "draws": args.draws, "seed": seed,
            "data_status": ctx.data_status, "source": ctx.panel.source,
            "note": LABELS["projection"]["en"] + " " + data_banner(ctx.data_status, "en", ctx.panel.source),
            "thresholds": thresholds_note(Thresholds(), "en")}
    mcols = ["year", "target_rank", "probability", "median_rank", "rank_p05", "rank_p95", "verdict", "verdict_label"]
    if args.format == "json":
        out = json.loads(emit(table, "json", meta))
        out["milestones"] = json.loads(verdicts[mcols].to_json(orient="records", double_precision=6))
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(emit(table, "table", meta))
    print()
    print("# milestones")
    print(verdicts[mcols].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0
