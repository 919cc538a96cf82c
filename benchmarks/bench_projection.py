"""Benchmark: 10,000 draws x 5 years x 34 provinces x 52 indicators projected and scored.

Target: under 10 s on 2 cores. Prints wall time, throughput and peak memory.
Run: .venv/bin/python benchmarks/bench_projection.py [n_draws]
"""
from __future__ import annotations

import resource
import sys
import time

from pii_analysis.analysis.projection import project
from pii_analysis.index.context import load_context


def main(n_draws: int = 10_000) -> None:
    ctx = load_context()
    project(ctx, n_draws=50)                                   # warm-up (imports, caches)
    start = time.perf_counter()
    proj = project(ctx, n_draws=n_draws, target_year=2030)
    elapsed = time.perf_counter() - start
    draws, years, provinces, _ = proj.scores.shape
    panels = draws * years
    cells = panels * provinces * len(ctx.framework.indicators)
    print(f"draws={draws} years={years} provinces={provinces} indicators={len(ctx.framework.indicators)}")
    print(f"projected and scored {panels:,} panels ({cells:,} indicator cells) in {elapsed:.2f} s "
          f"({panels / elapsed:,.0f} panels/s); target < 10 s: {'OK' if elapsed < 10 else 'SLOW'}")
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    p = proj.index("Ninh Bình")
    print(f"Ninh Bình P(rank <= 10 in 2030) = {proj.p_rank_at_most('Ninh Bình', 10, 2030):.4f}; "
          f"median rank 2030 = {float(sorted(proj.ranks[:, -1, p])[draws // 2]):.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
