"""Effort-plan speed: the minimum-effort plan with its probability check (issue 11: at most 1 s per province
at the report's default draws), for the provinces named (default: a feasible, an out-of-reach and the
last-ranked province at Top 10, and each at its page target), and the plans themselves.

Run: .venv/bin/python benchmarks/bench_effort.py [--province "Ninh Bình" ...] [--draws 1200] [--aim 0.8]
CPU time of this process (timings on a shared machine are noisy; compare CPU times on the same load).
As on page 03, the plan gets the page's one set of draws (`draws.report_draws`), whose baseline
projection the page has already made; the target year of those draws is made once per process (first
line: shared by every province of a process, and by the page's scenario projections in a report run).
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_DRAWS, DEFAULT_SEED
from pii_analysis.analysis.draws import report_draws
from pii_analysis.analysis.effort import minimum_effort_plan, target_year_draws
from pii_analysis.analysis.targets import province_target
from pii_analysis.index.context import load_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", action="append", default=None)
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    parser.add_argument("--aim", type=float, default=0.8)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    provinces = args.province or ["Ninh Bình", "Hà Tĩnh", "Lai Châu"]
    ctx = load_context()
    draws = report_draws(ctx, n_draws=args.draws, seed=DEFAULT_SEED)
    t = time.process_time()
    draws.projection()
    print(f"{'baseline projection (the page has it already)':<60s} {time.process_time() - t:6.3f} s CPU")
    t = time.process_time()
    target_year_draws(ctx, base_year=draws.base_year, target_year=draws.target_year, n_draws=args.draws,
                      seed=DEFAULT_SEED)
    print(f"{'target year of the draws (once per process)':<60s} {time.process_time() - t:6.3f} s CPU")
    plans, times = {}, []
    for province in provinces:
        for rank in dict.fromkeys([10, province_target(ctx, province).rank]):
            t = time.process_time()
            plans[province, rank] = minimum_effort_plan(ctx, province, target_rank=rank, aim=args.aim,
                                                        lang=args.lang, draws=draws)
            times.append(time.process_time() - t)
            print(f"{f'effort plan + probability check: {province}, rank {rank}':<60s} {times[-1]:6.3f} s CPU")
    print(f"{'per plan: mean / max':<60s} {sum(times) / len(times):6.3f} / {max(times):.3f} s CPU")
    pd.set_option("display.width", 200)
    for (province, rank), plan in plans.items():
        print(f"\n{province}, target rank {rank}: {plan.status}; trend rank {plan.baseline_rank} in {plan.target_year} "
              f"(rank {plan.trend_aim_rank} with {plan.aim:.0%}); P(rank <= {rank}) with every indicator at its cap "
              f"{plan.target_probability_at_caps:.0%} (needs {plan.target_indicators} indicators); best rank with "
              f"{plan.aim:.0%}: {plan.best_rank} (P={plan.best_probability:.0%}); shown: rank {plan.aimed_rank} with "
              f"P={plan.aimed_probability:.0%}, P(rank <= {rank})={plan.probability:.0%}; {len(plan.table)} "
              f"indicators (budget {plan.budget}), effort {plan.total_effort:.2f}; trend-path rank with the plan "
              f"{plan.achieved_rank}")
        cols = ["indicator", "name", "unit", "lead_agency", "raw_value", "yearly_rise_raw", "sustained_pace",
                "share_of_cap", "raw_in_target_year"]
        print(plan.table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}",
                                         formatters={"name": lambda s: s[:38], "lead_agency": lambda s: s[:40]}))


if __name__ == "__main__":
    main()
