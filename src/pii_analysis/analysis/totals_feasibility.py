"""P(target rank) from totals and ranks only (the profile and published levels): every province's total
projected as a random walk whose spread between provinces is that of the published one-year changes
(`data.record.published_changes`, each year's common change, e.g. the 2024->2025 re-basing, removed;
2024->2025 only for provinces whose borders did not change). The totals nobody published are not known:
each model places them differently inside the bounds the published table gives (`rank_bounds`), and the
model range is the spread of P over the models. One set of draws for every model."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.rank_bounds import rank_bounds

MODELS = ("unknown totals mid-interval", "unknown totals at their upper bounds", "unknown totals at their lower bounds")
POSITION = {MODELS[0]: None, MODELS[1]: 1.0, MODELS[2]: 0.0}   # None: uniform inside the interval


@dataclass(frozen=True)
class TotalsFeasibility:
    province: str
    target_rank: int
    years: int
    p: float                      # the headline (first model)
    lo: float
    hi: float
    by_model: dict[str, float]
    sd_within: float
    df_within: int
    n_draws: int
    seed: int


def _slots(province: str, pii: float, totals: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every other province: its known total (NaN if not published) and the bounds of an unknown one:
    the published totals of the nearest ranks above / below its rank (for a province with neither rank
    nor total, one of the free ranks, in rank order), clipped by the province's own total where its
    bounds put it above or below. Returns (known, upper, lower)."""
    n = len(totals)
    b = rank_bounds(province, pii, totals)
    others = totals[totals["province"] != province]
    held = {int(r) for r in others["rank"].dropna()}
    free = [r for r in range(1, n + 1) if r not in held and r != (b.possible[len(b.possible) // 2]
                                                                  if b.possible else -1)]
    ranks = others["rank"].to_numpy(dtype=float).copy()
    ranks[np.isnan(ranks)] = free[:int(np.isnan(ranks).sum())]
    by_rank = dict(zip(ranks, others["pii_score"].to_numpy(dtype=float)))
    by_rank[float(b.possible[len(b.possible) // 2]) if b.possible else 0.0] = pii
    known_ranks = sorted(r for r, v in by_rank.items() if np.isfinite(v))
    top = max(v for v in by_rank.values() if np.isfinite(v))
    upper, lower = [], []
    for r in ranks:
        above = [by_rank[k] for k in known_ranks if k < r]
        below = [by_rank[k] for k in known_ranks if k > r]
        upper.append(min(above) if above else top)
        lower.append(max(below) if below else 0.0)
    return others["pii_score"].to_numpy(dtype=float), np.array(upper), np.array(lower)


def totals_feasibility(province: str, pii: float, totals: pd.DataFrame, *, target_rank: int, years: int,
                       changes: pd.DataFrame | None = None, n_draws: int = 4000, seed: int = 0) -> TotalsFeasibility:
    """P(the province's rank <= target_rank after `years`) under each model of the unknown totals."""
    from pii_analysis.data.record import pooled_spread, published_changes

    changes = published_changes() if changes is None else changes
    sd, df = pooled_spread(changes)
    known, upper, lower = _slots(province, pii, totals)
    rng = np.random.default_rng(seed)
    k = len(known)
    u = rng.random((n_draws, k))
    step = rng.standard_normal((n_draws, k + 1)) * sd * np.sqrt(max(years, 0))
    by_model = {}
    for name in MODELS:
        pos = POSITION[name]
        fill = lower + (u if pos is None else pos) * (upper - lower)
        now = np.where(np.isfinite(known), known, fill)
        later = now + step[:, :k]
        own = pii + step[:, k]
        rank = 1 + (later > own[:, None]).sum(axis=1)
        by_model[name] = float((rank <= target_rank).mean())
    values = list(by_model.values())
    return TotalsFeasibility(province, int(target_rank), int(years), values[0], min(values), max(values), by_model,
                             sd, df, n_draws, seed)


def level_feasibility(result, *, target_year: int, target_rank: int | None = None, n_draws: int | None = None,
                      seed: int | None = None, targets_path=None):
    """(target, TotalsFeasibility) for a profile or published-results level (`analysis.profile_level`):
    the province's own target (`analysis.targets.level_target`) judged on the totals (a target year not after
    the data's year projects no step, as `totals_feasibility` does); None when the level holds no total for
    the province or the table allows it no rank. Same draws and seed as `pii feasibility`,
    so the page, the summary and the command print one value."""
    from pii_analysis.analysis.defaults import DEFAULT_DRAWS, DEFAULT_SEED
    from pii_analysis.analysis.targets import level_target

    if not np.isfinite(result.pii):
        return None
    target = level_target(result, target_year=target_year, target_rank=target_rank, targets_path=targets_path)
    if target is None:
        return None
    f = totals_feasibility(result.province, result.pii, result.totals, target_rank=target.rank,
                           years=int(target_year) - int(result.year),
                           n_draws=DEFAULT_DRAWS if n_draws is None else n_draws,
                           seed=DEFAULT_SEED if seed is None else seed)
    return target, f
