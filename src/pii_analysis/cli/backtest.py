"""`pii backtest`: does the projection's uncertainty match what happened? Coverage of its intervals."""
from __future__ import annotations

import argparse

from pii_analysis.analysis.defaults import DEFAULT_SEED
from pii_analysis.cli.output import add_data_options, add_format, data_options, print_notes

DRAWS = 1000


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "backtest", help="coverage of the projection's intervals: on the published record (every model the "
                         "headline averages) and on the panel's observed years",
        description="On the PUBLISHED record (data/raw/pii_published_results.csv), leave-one-province-out: the "
                    "headline's own models (and their average) and the totals-level random walk and common "
                    "shift, 50/80/90%% coverage of published one-year rank and PII changes with the number of "
                    "cases. Then, when the panel has observed years (not generated ones), fit the projection "
                    "on the years up to t, predict t+1 (and t+2 where the data allow) and report how often the "
                    "50%% and 90%% intervals of PII score and rank hold the observed values.")
    add_data_options(p)
    p.add_argument("--draws", type=int, default=DRAWS, help=f"Monte Carlo draws per origin year (default {DRAWS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    add_format(p, ("table", "json"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from pii_analysis.analysis.backtest import backtest
    from pii_analysis.analysis.headline_backtest import headline_backtest
    from pii_analysis.analysis.history import history_known
    from pii_analysis.analysis.projection import check_settings
    from pii_analysis.analysis.published_backtest import published_backtest
    from pii_analysis.data.errors import PiiInputError
    from pii_analysis.index.context import load_context
    from pii_analysis.report.feasibility_text import backtest_lines, headline_backtest_lines

    ctx = load_context(args.data, **data_options(args))
    print_notes(ctx)
    if len(ctx.scores.years) < 2:
        raise PiiInputError("a backtest needs at least two years of data", column="year")
    check_settings(ctx, base_year=None, target_year=ctx.scores.years[-1] + 1, n_draws=args.draws, seed=args.seed)
    # generated years are never backtested against: the generator is built by the projection's own kind of model
    result = backtest(ctx, n_draws=args.draws, seed=args.seed) if history_known(ctx) else None
    published = published_backtest()
    headline = headline_backtest(ctx)
    if args.format == "json":
        def records(frame):
            return json.loads(frame.to_json(orient="records", double_precision=4)) if frame is not None else None

        out = {"data_status": ctx.data_status, "source": ctx.panel.source, "draws": args.draws, "seed": args.seed,
               "published_backtest": records(published), "headline_backtest": records(headline),
               "panel_backtest": result is not None}
        if result is not None:
            out.update({"coverage": records(result.coverage), "overall": records(result.overall),
                        "spread": records(result.spread), "spread_ratio": round(result.spread_ratio, 4),
                        "spread_ratio_all": round(result.spread_ratio_all, 4), "models": records(result.models),
                        "correlations": records(result.correlations), "sensitivity": records(result.sensitivity)})
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print("# Backtest on the PUBLISHED record (data/raw/pii_published_results.csv), leave-one-province-out: each "
          "model calibrated on the other provinces' published one-year changes (each year pair's common change "
          "removed: the 2024->2025 re-basing is a shift of every total), the held-out province's published "
          "next-year rank (share of the provinces, same map) and PII total checked against its 50/80/90% "
          "interval. cases: held-out published changes. random walk: centred on today's value (the totals-level "
          "headline of pii feasibility --data); common shift: plus the others' mean change that year.")
    print(published.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print()
    print("\n".join(headline_backtest_lines(headline, ctx)))
    print()
    print("\n".join(backtest_lines(result, ctx.data_status, ctx.panel.source)))
    return 0
