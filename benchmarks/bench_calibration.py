"""Benchmark: the backtest on the shipped data (`pii backtest`): coverage of the 50% and 90% intervals of
PII score and rank, and the model's spread of one-year PII changes against the published one.

Aim: coverage within 10 points of nominal; spread ratio within 0.67-1.5.
Run: .venv/bin/python benchmarks/bench_calibration.py [n_draws]
"""
from __future__ import annotations

import sys
import time

from pii_analysis.analysis.backtest import backtest
from pii_analysis.index.context import load_context


def main(n_draws: int = 1000) -> None:
    ctx = load_context()
    start = time.perf_counter()
    result = backtest(ctx, n_draws=n_draws)
    elapsed = time.perf_counter() - start
    print(result.coverage.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    o = result.overall.iloc[0]
    print(f"overall ({int(o['cases'])} province-years): 50% score {o['cover50_score']:.0%}, 90% score "
          f"{o['cover90_score']:.0%}, 50% rank {o['cover50_rank']:.0%}, 90% rank {o['cover90_rank']:.0%}")
    ok = all(abs(o[f"cover{q}_{k}"] - q / 100) <= 0.10 for q in (50, 90) for k in ("score", "rank"))
    print(f"coverage within 10 points of nominal: {'OK' if ok else 'NO'}")
    print(result.spread.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    ratio = result.spread_ratio
    print(f"spread ratio model/published = {ratio:.2f}: {'OK' if 1 / 1.5 <= ratio <= 1.5 else 'NO'}")
    print(f"{elapsed:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
