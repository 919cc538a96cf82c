"""Rank-drivers speed: the full analysis of one province (library), its parts, all 34 provinces,
and the notebook under papermill.

Run: .venv/bin/python benchmarks/bench_drivers.py [--province "Ninh Bình"] [--repeat 5] [--n-sobol 512]
     [--notebook]
Prints seconds per part (best of --repeat) and, for Ninh Bình, the five indicators that matter most, in real
units (issue 11: drivers for one province including the raw-unit re-scoring under 1 s), and the number of
distinct top-3 lever sets over the 34 provinces (issue 20: at least 17).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pii_analysis.analysis import drivers, levers, raw_units, sensitivity, uncertainty
from pii_analysis.data.paths import REPO_ROOT
from pii_analysis.index.context import load_context
from pii_analysis.report import drivers_plots


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="Ninh Bình")
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-sobol", type=int, default=512)
    parser.add_argument("--notebook", action="store_true", help="also time the notebook under papermill")
    args = parser.parse_args()

    t = time.perf_counter()
    ctx = load_context()
    print(f"load_context (read, validate, score 3 years): {time.perf_counter() - t:6.3f} s")
    year = ctx.check_year(args.year)
    st = drivers.standing(ctx, args.province, year, 10)
    timings = {
        "standing (normalised scores of the year)": lambda: drivers.standing(ctx, args.province, year, 10),
        "rank after +/- step (104 re-scorings)": lambda: drivers.rank_after_change(st, 10.0),
        "points to next / target rank (bisection)": lambda: drivers.points_to_rank(st, [st.rank - 1, 10]),
        "pillar + sub-pillar rank gains": lambda: drivers.node_rank_gains(st, 10.0),
        "leave-one-out (52 re-scorings)": lambda: drivers.leave_one_out(st),
        "gap decomposition": lambda: drivers.gap_decomposition(st, st.reference(10)),
        "method robustness (500 variants + Sobol, JRC design)": lambda: uncertainty._method_uncertainty(
            ctx, None, year, 500, 1, 10, 50.0, uncertainty.IMPUTATIONS, uncertainty.AGGREGATIONS),
        "raw standing + raw-unit thresholds (full re-scoring)": lambda: raw_units.raw_thresholds(
            raw_units.raw_standing(ctx, args.province, year), [st.rank - 1, 10]),
        "real_units (thresholds, paces, raw-step effects, levers)": lambda: raw_units.real_units(
            ctx, args.province, year, 10),
        "levers (places toward the target, batched re-scoring)": lambda: levers._rank(
            ctx, st.province, year, levers.rank_levers(ctx, args.province).target_rank, 2030, levers.N_LEVERS),
        "drivers_table (all of the above per indicator)": lambda: drivers.drivers_table(ctx, args.province, year),
        "analyse (table, nodes, decomposition, S&W, checklist)": lambda: drivers.analyse(ctx, args.province, year),
        f"Sobol, 52 indicators, n={args.n_sobol}": lambda: sensitivity.sobol_rank(st, n=args.n_sobol),
        "OLS of rank on pillars": lambda: sensitivity.pillar_ols(ctx.scores),
    }
    for label, fn in timings.items():
        print(f"{label:<56s} {best_of(args.repeat, fn):6.3f} s")

    def full() -> None:
        result = drivers.analyse(ctx, args.province, year)
        sobol = sensitivity.sobol_rank(result.standing, n=args.n_sobol)
        sensitivity.pillar_ols(ctx.scores)
        for fig in (drivers_plots.tornado(result.table), drivers_plots.waterfall(result.decomposition),
                    drivers_plots.heatmap(result.table), drivers_plots.sobol_bars(sobol)):
            if hasattr(fig, "savefig"):     # the heatmap is a coloured HTML table, not a figure
                fig.savefig(Path(tempfile.gettempdir()) / "bench_drivers.png")

    def numbers_only() -> None:
        result = drivers.analyse(ctx, args.province, year)
        sensitivity.sobol_rank(result.standing, n=args.n_sobol)
        sensitivity.pillar_ols(ctx.scores)

    numbers, drawn = best_of(args.repeat, numbers_only), best_of(max(1, args.repeat // 2), full)
    print(f"{'FULL drivers analysis, numbers only (incl. Sobol, OLS)':<56s} {numbers:6.3f} s")
    print(f"{'FULL drivers analysis + 3 figures to PNG, 1 heat table':<56s} {drawn:6.3f} s")
    t = time.perf_counter()
    for province in ctx.panel.provinces(year):
        drivers.analyse(ctx, province, year)
    print(f"{'analyse for all 34 provinces':<56s} {time.perf_counter() - t:6.3f} s")
    # rank_levers keeps its result per context: time fresh searches
    t = time.perf_counter()
    sets = set()
    for province in ctx.panel.provinces(year):
        target = levers.rank_levers(ctx, province).target_rank
        chosen = levers._rank(ctx, province, year, target, 2030, levers.N_LEVERS).chosen
        sets.add(frozenset(chosen["indicator"]))
    print(f"{'levers for all 34 provinces (fresh searches)':<56s} {time.perf_counter() - t:6.3f} s"
          f"  ({len(sets)} distinct top-3 sets)")

    if args.notebook:
        import papermill as pm
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            pm.execute_notebook(str(REPO_ROOT / "notebooks" / "02_rank_drivers.ipynb"), f"{tmp}/out.ipynb",
                                parameters={"province": args.province}, kernel_name="python3", progress_bar=False)
            print(f"{'notebook 02 under papermill (defaults, incl. kernel start)':<56s} "
                  f"{time.perf_counter() - t:6.3f} s")

    table = drivers.drivers_table(ctx, args.province, year, lang="en")
    print(f"\n{args.province} {year}: rank {table.attrs['rank']}, PII {table.attrs['pii']:.2f}; reference "
          f"{table.attrs['reference']} (rank {table.attrs['reference_rank']}); the first five of its lever ranking")
    cols = ["indicator", "name", "lever_rank", "unit", "value_now", "value_needed", "years_of_effort", "places_gained",
            "pii_points", "raw_for_next_rank", "national_best", "lead_agency"]
    print(table.head(5)[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
