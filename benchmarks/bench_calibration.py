"""Benchmark: the backtest on the shipped data (`pii backtest`): coverage of the 50% and 90% intervals of
PII score and rank, and the model's spread of one-year PII changes against the published one.

Prints the whole `pii backtest` report (coverage per origin, horizon and trend model, the spread of one-year
PII changes, each trend model at the latest base year, the shock correlations and the sensitivity rows).
Aim: coverage within 10 points of nominal; spread ratio within 0.67-1.5.
Run: .venv/bin/python benchmarks/bench_calibration.py [n_draws]
"""
from __future__ import annotations

import sys
import time

from pii_analysis.analysis.backtest import backtest
from pii_analysis.index.context import load_context
from pii_analysis.report.feasibility_text import backtest_lines


def main(n_draws: int = 1000) -> None:
    ctx = load_context()
    start = time.perf_counter()
    result = backtest(ctx, n_draws=n_draws)
    elapsed = time.perf_counter() - start
    print("\n".join(backtest_lines(result, ctx.data_status, ctx.panel.source, "en")))
    print()
    for _, o in result.overall.iterrows():
        ok = all(abs(o[f"cover{q}_{k}"] - q / 100) <= 0.10 for q in (50, 90) for k in ("score", "rank"))
        print(f"{o['model']} ({int(o['cases'])} province-years): 50% score {o['cover50_score']:.0%}, 90% score "
              f"{o['cover90_score']:.0%}, 50% rank {o['cover50_rank']:.0%}, 90% rank {o['cover90_rank']:.0%}; "
              f"within 10 points of nominal: {'OK' if ok else 'NO'} (the rank intervals hold {o['mass50_rank']:.0%} "
              f"and {o['mass90_rank']:.0%} of the model's own probability: ranks are whole numbers)")
    for name, ratio in (("published (common change removed)", result.spread_ratio),
                        ("published (all changes, one mean)", result.spread_ratio_all)):
        print(f"spread ratio model / {name} = {ratio:.2f}: {'OK' if 1 / 1.5 <= ratio <= 1.5 else 'NO'}")
    print(f"{elapsed:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
