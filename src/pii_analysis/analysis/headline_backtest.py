"""Backtest of the headline model itself on the PUBLISHED record, leave-one-province-out.

The headline probability is the equal-weight average of the trend models that run (`Projection.models`: the
random walk alone when the years before the base year are generated, or fewer than three). For each province
of the published record (`data.record.published_changes`), every such model's shock scales are re-calibrated
on the OTHER provinces' published changes (`projection_inputs.recalibrate`: the province never informs its
own interval), and the model's simulated one-year spread (rank places on the base map, PII points; normal
intervals of that spread) gives the 50/80/90% interval of the held-out province's published change:
- rank: centred on today's rank, as a share of the provinces (the published rank changes are on the
  63-province map); a trend model's drift is part of its simulated spread (a province of the published record
  has no trend of its own in the panel);
- PII total: centred on today's total plus the others' mean change that year (the common shift: the 2024->2025
  re-basing moves every total; the model moves provinces apart).
The model average's interval is that of the equal-weight mixture of the models' intervals. Cases: held-out
published changes with a calibration from the others (the same cases as `published_backtest`).
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from pii_analysis.analysis.published_backtest import LEVELS

AVERAGE = "model average (headline)"


def _half_width(sds: np.ndarray, level: float) -> float:
    """Half-width of the central `level` interval of an equal-weight mixture of centred normals (bisection)."""
    sds = np.asarray(sds, dtype=float)
    nd = NormalDist()

    def mass(h: float) -> float:
        return float(np.mean([2 * nd.cdf(h / s) - 1 for s in sds]))

    lo, hi = 0.0, 10.0 * float(sds.max())
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mass(mid) < level else (lo, mid)
    return (lo + hi) / 2


def headline_backtest(ctx, base_year: int | None = None, changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (quantity, model) of the headline's models and their average: quantity, model, cases,
    cover50/80/90 (share of held-out published changes inside the interval) and spread (the mean of the
    model's simulated one-year spread over the held-out provinces: rank places on the base map, PII points)."""
    from pii_analysis.analysis.projection_inputs import _inputs, recalibrate
    from pii_analysis.data.record import published_changes

    base = ctx.check_year(base_year)
    inp = _inputs(ctx, base, base + 1)
    changes = published_changes(resolver=ctx.resolver) if changes is None else changes
    P = len(inp.provinces)
    models = list(inp.model.models)
    cal_of = {prov: recalibrate(ctx, inp, changes[changes["province"] != prov])
              for prov in sorted(changes["province"].unique())}
    rows = []
    for quantity, column in (("rank", "d_rank_share"), ("pii", "d_score")):
        cases = changes.dropna(subset=[column]).reset_index(drop=True)
        names = models + ([AVERAGE] if len(models) > 1 else [])
        hits = {n: {lv: [] for lv in LEVELS} for n in names}
        spread = {n: [] for n in names}
        for i, case in cases.iterrows():
            others = cases.drop(index=i)
            same = others[others["from_year"] == case["from_year"]][column]
            if quantity == "pii" and same.empty:
                continue   # no common shift to centre on
            centre = float(same.mean()) if quantity == "pii" else 0.0
            cal = cal_of[case["province"]]
            sds = np.asarray(cal.rank_sd, dtype=float) / P if quantity == "rank" else np.asarray(cal.score_sd, float)
            if not np.all(np.isfinite(sds)) or np.any(sds <= 0):
                continue
            miss = abs(float(case[column]) - centre)
            for m, name in enumerate(names):
                use = sds if name == AVERAGE else sds[m:m + 1]
                spread[name].append(float(np.mean(use)) * (P if quantity == "rank" else 1.0))
                for lv in LEVELS:
                    hits[name][lv].append(miss <= _half_width(use, lv) + 1e-12)
        for name in names:
            n = len(hits[name][LEVELS[0]])
            rows.append({"quantity": quantity, "model": name, "cases": n,
                         **{f"cover{int(lv * 100)}": (float(np.mean(hits[name][lv])) if n else np.nan)
                            for lv in LEVELS},
                         "spread": float(np.mean(spread[name])) if n else np.nan})
    return pd.DataFrame(rows)


def shared_headline_backtest(ctx, base_year: int | None = None) -> pd.DataFrame:
    """`headline_backtest` memoised on disk ($PII_CACHE_DIR) per data and base year: a report run computes it
    once and every province's page 03 reuses it."""
    from pii_analysis.analysis.cache import memo
    from pii_analysis.analysis.projection_inputs import data_parts

    base = ctx.check_year(base_year)
    identity = data_parts(ctx)
    if identity is None:
        return headline_backtest(ctx, base)
    return memo("headline_backtest", {**identity, "base_year": base}, lambda: headline_backtest(ctx, base))
