"""Backtest of the projection: fit on the years up to t, predict t+1 (and t+2 where the data allow).

For every origin year t of the panel with a later year, the projection is run from base year t
(the model and the panel part of its calibration see only the years up to t; the published record
it is calibrated on is the whole shipped record, a look-ahead stated with the result) and the
observed PII and rank of every province in t+h are checked against the 50% (25-75%) and 90%
(5-95%) intervals. The model's spread of one-year PII changes is set beside the published one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.calibration import published_changes
from pii_analysis.analysis.defaults import DEFAULT_SEED
from pii_analysis.analysis.projection import project

BACKTEST_DRAWS = 1000
QUANTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Backtest:
    """`coverage`: origin, horizon, provinces, models, cover50/90 of score and rank; `spread`: model vs
    published one-year PII changes (sd and quantiles); `overall`: coverage over every origin and horizon."""

    coverage: pd.DataFrame
    spread: pd.DataFrame
    overall: pd.DataFrame
    published: pd.DataFrame
    n_draws: int
    seed: int

    @property
    def spread_ratio(self) -> float:
        """Model spread of one-year PII changes / published spread."""
        s = self.spread.set_index("source")["sd"]
        return float(s["model"] / s["published"])


def _inside(actual: np.ndarray, draws: np.ndarray, lo: float, hi: float) -> np.ndarray:
    q = np.percentile(draws, [lo, hi], axis=0, method="inverted_cdf")
    return (actual >= q[0]) & (actual <= q[1])


def backtest(ctx, *, horizons: tuple[int, ...] = (1, 2), n_draws: int = BACKTEST_DRAWS,
             seed: int = DEFAULT_SEED) -> Backtest:
    """Coverage of the projection's intervals against the panel's later years (see the module docstring)."""
    fw = ctx.framework
    years = list(ctx.scores.years)
    t = ctx.scores.table
    pii = t[t["node"] == fw.root].pivot(index="year", columns="province", values="score")
    ranks = t[t["node"] == fw.root].pivot(index="year", columns="province", values="rank")
    rows, changes = [], []
    for origin in years[:-1]:
        ahead = [h for h in horizons if origin + h in years]
        if not ahead:
            continue
        proj = project(ctx, base_year=origin, target_year=origin + max(ahead), n_draws=n_draws, seed=seed)
        order = proj.provinces
        first = proj.scores[:, 0, :, 0].astype(float) - proj.base_scores[None, :, 0]
        changes.append(first - first.mean(axis=1, keepdims=True))
        for h in ahead:
            s = proj.scores[:, h - 1, :, 0].astype(float)
            r = proj.ranks[:, h - 1, :].astype(float)
            actual_s = pii.loc[origin + h].reindex(order).to_numpy(dtype=float)
            actual_r = ranks.loc[origin + h].reindex(order).to_numpy(dtype=float)
            rows.append({"origin": origin, "horizon": h, "provinces": len(order),
                         "models": ", ".join(proj.models),
                         "cover50_score": float(np.mean(_inside(actual_s, s, 25, 75))),
                         "cover90_score": float(np.mean(_inside(actual_s, s, 5, 95))),
                         "cover50_rank": float(np.mean(_inside(actual_r, r, 25, 75))),
                         "cover90_rank": float(np.mean(_inside(actual_r, r, 5, 95)))})
    coverage = pd.DataFrame(rows)
    weights = coverage["provinces"]
    overall = pd.DataFrame([{c: float(np.average(coverage[c], weights=weights)) for c in
                             ("cover50_score", "cover90_score", "cover50_rank", "cover90_rank")}])
    overall.insert(0, "cases", int(weights.sum()))
    pub = published_changes(resolver=ctx.resolver)
    model = np.concatenate([c.ravel() for c in changes]) if changes else np.array([np.nan])
    observed = [pii.loc[y + 1] - pii.loc[y] for y in years[:-1]]
    panel = np.concatenate([(o - o.mean()).to_numpy(dtype=float) for o in observed]) if observed else np.array([])
    spread = pd.DataFrame([_dist("model", model), _dist("published", pub["d_score"].dropna() -
                                                          pub["d_score"].dropna().mean()),
                           _dist("panel", panel)])
    return Backtest(coverage=coverage, spread=spread, overall=overall, published=pub, n_draws=n_draws, seed=seed)


def _dist(source: str, x) -> dict[str, float | str | int]:
    """sd and quantiles of one-year PII changes (each year's common change removed)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    q = np.percentile(x, QUANTILES) if len(x) else [np.nan] * len(QUANTILES)
    return {"source": source, "n": int(len(x)), "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
            **{f"p{k:02d}": float(v) for k, v in zip(QUANTILES, q)}}
