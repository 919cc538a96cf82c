"""Effort-plan speed: the minimum-effort plan with its probability target (issue 11: under 5 s), for a
feasible, an out-of-reach and an already-there province, and the plans themselves.

Run: .venv/bin/python benchmarks/bench_effort.py [--province "Ninh Bình" ...] [--draws 500] [--aim 0.8]
The draws are the scenario comparison's (COMPARISON_DRAWS): the plan's probability is its row there.
The shared baseline projection is computed once first (a report run has it on disk already).
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from pii_analysis.analysis.defaults import COMPARISON_DRAWS, DEFAULT_SEED
from pii_analysis.analysis.effort import minimum_effort_plan
from pii_analysis.analysis.projection import shared_projection
from pii_analysis.index.context import load_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", action="append", default=None)
    parser.add_argument("--draws", type=int, default=COMPARISON_DRAWS)
    parser.add_argument("--aim", type=float, default=0.8)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    provinces = args.province or ["Ninh Bình", "Hà Tĩnh", "Lai Châu"]
    ctx = load_context()
    t = time.perf_counter()
    shared_projection(ctx, n_draws=args.draws, seed=DEFAULT_SEED)
    print(f"{'shared baseline projection (once per report run)':<52s} {time.perf_counter() - t:6.3f} s")
    plans = {}
    for province in provinces:
        t = time.perf_counter()
        plans[province] = minimum_effort_plan(ctx, province, n_draws=args.draws, aim=args.aim, lang=args.lang)
        print(f"{'effort plan + probability target: ' + province:<52s} {time.perf_counter() - t:6.3f} s")
    pd.set_option("display.width", 200)
    for province, plan in plans.items():
        print(f"\n{province}: {plan.status}; trend rank {plan.baseline_rank} in {plan.target_year}; aims at rank "
              f"{plan.aimed_rank} with P={plan.aimed_probability:.0%} (aim {plan.aim:.0%}); P(Top "
              f"{plan.target_rank})={plan.probability:.0%}; {len(plan.table)} indicators, effort "
              f"{plan.total_effort:.2f}; deterministic rank with the plan {plan.achieved_rank}")
        cols = ["indicator", "name", "unit", "lead_agency", "raw_value", "yearly_rise_raw", "sustained_pace",
                "share_of_cap", "raw_in_target_year"]
        print(plan.table.head(8)[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}",
                                                 formatters={"name": lambda s: s[:38]}))


if __name__ == "__main__":
    main()
