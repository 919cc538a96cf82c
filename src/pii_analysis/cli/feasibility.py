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

    from pii_analysis.analysis.profile_level import level_of

    level = level_of(args.data, getattr(args, "sheet", None))    # decided once, passed down
    if level != "panel":
        return _run_totals(args, level)
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


def _run_totals(args: argparse.Namespace, level: str) -> int:
    """Below the panel (a profile or published results): totals and ranks only. P(rank <= target) from the
    totals projected with the published spread of one-year changes, one value per model of the totals
    nobody published (`analysis.totals_feasibility`)."""
    from pii_analysis.analysis.profile_level import open_level
    from pii_analysis.analysis.totals_feasibility import level_feasibility
    from pii_analysis.data.errors import PiiInputError
    from pii_analysis.analysis.verdict import Thresholds, classify
    from pii_analysis.cli.output import level_meta, rank_meta
    from pii_analysis.report.feasibility_text import thresholds_note, verdict_labels

    import pandas as pd

    r = open_level(args.data, province=None if args.province == DEFAULT_PROVINCE and level == "profile"
                   else args.province, year=args.base_year, sheet=getattr(args, "sheet", None), level=level)
    judged = level_feasibility(r, target_year=int(args.target_year), target_rank=args.target_rank,
                               n_draws=args.draws, seed=args.seed)
    if judged is None:
        raise PiiInputError(f"{r.province} has no total (and no rank the published table allows) for {r.year}: "
                            "no probability can be given at this level", file=str(args.data), column="value")
    t, f = judged
    target = t.rank
    verdict = classify(f.p)
    meta = {**level_meta(r.data_level, r.note), "province": r.province, "year": r.year, "pii": r.pii,
            **rank_meta(r), "data_status": r.data_status, "target_rank": target, "target_origin": t.origin,
            "target_source": t.source, "target_year": args.target_year,
            "probability": round(f.p, 6), "model_range": [round(f.lo, 6), round(f.hi, 6)],
            "verdict": verdict, "verdict_label": verdict_labels(pd.Series([verdict]), args.lang)[0],
            "headline_model": "unknown totals mid-interval (drawn uniformly between the published totals "
                              "that bound them)",
            "models": "; ".join(f"{k}: {v:.3f}" for k, v in f.by_model.items()),
            "calibration": f"published one-year PII changes (data/raw/pii_published_results.csv), each year's "
                           f"common change (the 2024->2025 re-basing) removed, 2024->2025 only for provinces "
                           f"unchanged by the 2025 merger (data/raw/province_merger_2025.csv): sd "
                           f"{f.sd_within:.2f} points a year between provinces, {f.df_within} degrees of freedom",
            "draws": f.n_draws, "seed": f.seed, "source": str(args.data),
            "note": "projection of totals only: the other provinces' indicators are not known at this level",
            "thresholds": thresholds_note(Thresholds(), "en")}
    print(json.dumps(meta, ensure_ascii=False, indent=2) if args.format == "json"
          else "\n".join(f"# {k}: {v}" for k, v in meta.items()))
    return 0

