"""Minimum-effort plan: the smallest yearly rise across indicators that reaches the target rank.

Arithmetic aggregation is linear in normalised indicator scores, so raising the
province's score on indicator i by x_i points a year adds (target_year - base_year) *
w_i * x_i to its PII, where w_i is the indicator's effective weight. A linear programme
(scipy.optimize.linprog, HiGHS) minimises sum(cost_i * x_i) subject to reaching the
PII of the rival that holds the target rank on the deterministic trend path, with each
x_i capped at a feasible yearly gain (by default the 90th percentile of observed yearly
changes of that indicator's normalised score across provinces) and at the 100-point
ceiling. The plan is then applied as a 'points' scenario and re-scored by the engine;
if outlier treatment or a moved extreme makes it fall short, the margin is raised by
the shortfall and the programme solved again. Finally its probability of success under
uncertainty comes from the Monte Carlo projection.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from pii_analysis.analysis.projection import DEFAULT_SEED, deterministic_rates, project, rate_method
from pii_analysis.analysis.scenarios import Change, Scenario
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.scoring import rank_desc, score_arrays

MARGIN = 0.01  # PII points above the rival, so rounding never leaves a tie short
MAX_ROUNDS = 6


@dataclass(frozen=True)
class EffortPlan:
    """The plan (`table`: indicator, name, pillar, yearly_rise, cap, share_of_cap, pii_gain) and its checks."""

    table: pd.DataFrame
    status: str                 # 'already' | 'feasible' | 'infeasible'
    province: str
    target_rank: int
    target_year: int
    base_year: int
    baseline_rank: int          # target year, deterministic trend
    baseline_pii: float
    rival_pii: float            # PII to beat (the rival holding the target rank)
    required_gain: float        # PII points needed over the trend, by the target year
    achieved_rank: int          # re-scored with the plan (deterministic)
    total_rise: float           # sum of yearly rises (normalised points a year)
    probability: float | None   # P(rank <= target) under uncertainty with the plan
    scenario: Scenario


def feasible_caps(ctx, base_year: int | None = None, quantile: float = 0.9) -> pd.Series:
    """Per indicator: the `quantile` of observed yearly changes of normalised scores (>= 0)."""
    base = ctx.check_year(base_year)
    t = ctx.scores.table
    t = t[(t["level"] == "indicator") & (t["year"] <= base)]
    wide = t.pivot_table(index=["node", "province"], columns="year", values="score")
    if wide.shape[1] < 2:
        raise PiiInputError("feasible gains need at least two years of data", column="year")
    changes = wide.diff(axis=1).iloc[:, 1:].stack().rename("change").reset_index()
    caps = changes.groupby("node")["change"].quantile(quantile).clip(lower=0.0)
    return caps.reindex(ctx.framework.indicators).fillna(0.0).rename("cap")


def _threshold(pii: np.ndarray, p: int, target_rank: int) -> float:
    """PII of the rival holding the target rank among the others."""
    others = np.sort(np.delete(pii, p))[::-1]
    return float(others[min(target_rank, len(others)) - 1])


def trend_target(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                 base_year: int | None = None) -> tuple[float, float, int]:
    """On the deterministic trend path in the target year: the province's PII, the PII of
    the rival holding the target rank, and the province's rank."""
    fw = ctx.framework
    _, provinces, rates = deterministic_rates(ctx, base_year=base_year, target_year=target_year)
    p = provinces.index(ctx.check_province(province))
    method = rate_method(ctx)
    pii = score_arrays(rates[-1], fw, method).node(fw.root)
    return float(pii[p]), _threshold(pii, p, target_rank), int(rank_desc(pii, method.rank_decimals)[p])


def _points_scenario(codes: list[str], rises: np.ndarray) -> Scenario:
    changes = tuple(Change((c,), "points", float(x)) for c, x in zip(codes, rises) if x > 1e-9)
    return Scenario(name="min_effort", changes=changes,
                    label={"vi": "Kế hoạch nỗ lực tối thiểu", "en": "Minimum-effort plan"})


def minimum_effort_plan(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                        base_year: int | None = None, cost: pd.Series | None = None,
                        cap_quantile: float = 0.9, n_draws: int = 1000, seed: int = DEFAULT_SEED,
                        lang: str = "vi") -> EffortPlan:
    """Smallest (cost-weighted) total yearly rise reaching `target_rank` in `target_year`."""
    fw = ctx.framework
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = ctx.check_year(base_year)
    if ctx.method.aggregation != "arithmetic":
        raise PiiInputError("the minimum-effort plan needs arithmetic aggregation (linear in scores)",
                            column="aggregation")
    codes = fw.indicators
    years, provinces, rates = deterministic_rates(ctx, base_year=base, target_year=target_year)
    p = provinces.index(province)
    horizon = float(target_year - base)
    method = rate_method(ctx)

    def rescore(scenario: Scenario | None) -> tuple[np.ndarray, np.ndarray]:
        r = rates if scenario is None else deterministic_rates(
            ctx, base_year=base, target_year=target_year, scenario=scenario, province=province)[2]
        batch = score_arrays(r[-1], fw, method)
        return batch.node(fw.root), np.stack([batch.node(c) for c in codes], axis=-1)

    pii, ind = rescore(None)
    own = ind[p]
    w = fw.effective_weights().reindex(codes).to_numpy(dtype=float)
    caps = feasible_caps(ctx, base, cap_quantile).to_numpy(dtype=float)
    upper = np.clip(np.minimum(caps, (100.0 - np.nan_to_num(own, nan=100.0)) / horizon), 0.0, None)
    c = np.ones(len(codes)) if cost is None else cost.reindex(codes).fillna(1.0).to_numpy(dtype=float)
    if np.any(c <= 0):
        raise PiiInputError("costs must be positive", column="cost")
    rival = _threshold(pii, p, target_rank)
    base_rank = int(rank_desc(pii, method.rank_decimals)[p])
    required = max(rival - float(pii[p]), 0.0)
    rises = np.zeros(len(codes))
    status = "already"
    achieved = base_rank
    if base_rank > target_rank:
        margin = MARGIN
        status = "infeasible"
        for _ in range(MAX_ROUNDS):
            need = rival - float(pii[p]) + margin
            res = linprog(c, A_ub=-(horizon * w)[None, :], b_ub=[-need],
                          bounds=list(zip(np.zeros(len(codes)), upper)), method="highs")
            if res.status != 0:
                rises = upper.copy()   # best effort: every indicator at its cap
                status = "infeasible"
                break
            rises = np.where(res.x > 1e-9, res.x, 0.0)
            new_pii, _ = rescore(_points_scenario(codes, rises))
            achieved = int(rank_desc(new_pii, method.rank_decimals)[p])
            if achieved <= target_rank:
                status = "feasible"
                break
            margin += _threshold(new_pii, p, target_rank) - float(new_pii[p]) + MARGIN
        if status == "infeasible":
            new_pii, _ = rescore(_points_scenario(codes, rises))
            achieved = int(rank_desc(new_pii, method.rank_decimals)[p])
    scenario = _points_scenario(codes, rises)
    probability = None
    if n_draws:
        proj = project(ctx, province=province, scenario=scenario, base_year=base, target_year=target_year,
                       n_draws=n_draws, seed=seed)
        probability = proj.p_rank_at_most(province, target_rank, target_year)
    pillar = {i: next(a for a in fw.ancestors(i) if a in fw.pillars) for i in codes}
    table = pd.DataFrame({"indicator": codes, "name": [fw.name(i, lang) for i in codes],
                          "pillar": [pillar[i] for i in codes], "weight": w, "yearly_rise": rises,
                          "cap": caps, "share_of_cap": np.where(caps > 0, rises / np.where(caps > 0, caps, 1), np.nan),
                          "pii_gain": horizon * w * rises})
    table = table[table["yearly_rise"] > 1e-9].sort_values("pii_gain", ascending=False).reset_index(drop=True)
    return EffortPlan(table=table, status=status, province=province, target_rank=target_rank,
                      target_year=target_year, base_year=base, baseline_rank=base_rank,
                      baseline_pii=float(pii[p]), rival_pii=rival, required_gain=required,
                      achieved_rank=achieved, total_rise=float(rises.sum()), probability=probability,
                      scenario=scenario)
