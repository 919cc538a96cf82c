"""Minimum-effort plan: the least weighted effort that reaches the target rank with a stated probability.

What a province can do is capped by what provinces sustain: for each indicator the yearly
rise on top of the trend is at most a high percentile of provinces' multi-year average
yearly changes (`raw_units.sustained_paces`, non-consecutive years handled), minus the
rise the trend already brings, and never past the best score. The effort of a rise is
its share of that sustained pace times the indicator's relative cost from
data/raw/indicator_levers.csv (outcome indicators cost more than direct policy levers;
the shipped costs are assumptions). With arithmetic aggregation the PII is linear in the
normalised scores (missing-aware weights), so the cheapest plan for a PII gain G fills the
indicators in order of effort per PII point (an exact single-constraint LP).

The plan aims at a probability (default 80%) of reaching the target in the target year,
checked by the same Monte Carlo as the page's scenario comparison (same draws, same seed,
`projection.project`): the gain needed in each draw is read from the baseline draws, the
plan sized for the aimed quantile, then applied as a 'points' scenario, projected, and
corrected by the shortfall until the projection confirms it. When no plan within the caps
gets there, the plan says so and aims instead at the best rank it can reach with that
probability. `probability` is always P(rank <= target_rank) under the plan: the number the
scenario comparison shows in the plan's row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.defaults import COMPARISON_DRAWS
from pii_analysis.analysis.projection import DEFAULT_SEED, deterministic_rates, project, rate_method, shared_projection
from pii_analysis.analysis.scenarios import Change, Scenario
from pii_analysis.analysis.weights import present_weights
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.scoring import rank_desc, score_arrays

DEFAULT_AIM = 0.8        # the plan's probability of reaching the target
MARGIN = 0.01            # PII points above the rival, so rounding never leaves a tie short
ROUNDS = 3               # projections that correct the linear estimate of the gain the plan needs
BISECT = 3               # then bisection steps between a gain that falls short and one that is confirmed
BISECT_TOL = 0.03        # ... until they are within 3% of each other
TOL = 1e-9              # probabilities are sums of draw weights: compare with a rounding tolerance
PACE_QUANTILE = 0.9      # the sustained pace: this quantile of provinces' multi-year yearly changes


@dataclass(frozen=True)
class EffortPlan:
    """The plan (`table`: one row per indicator raised) and its checks.

    status: 'already' (the trend reaches the target with the aimed probability: nothing to add),
    'feasible' (the plan reaches it with at least `aim`), 'infeasible' (no plan within the caps
    does; the plan shown aims at `aimed_rank`, the best rank reachable with `aim`).
    """

    table: pd.DataFrame
    status: str
    province: str
    target_rank: int
    target_year: int
    base_year: int
    aim: float                  # the stated probability the plan aims at
    aimed_rank: int             # target_rank, or the best reachable rank when infeasible
    aimed_probability: float | None  # P(rank <= aimed_rank) with the plan, projected
    baseline_rank: int          # target year, deterministic trend
    baseline_pii: float
    rival_pii: float            # PII of the rival holding the aimed rank on the trend path
    required_gain: float        # PII points the plan adds by the target year (the sized gain)
    achieved_rank: int          # re-scored with the plan on the deterministic trend path
    total_rise: float           # sum of yearly rises (normalised points a year)
    total_effort: float         # sum of relative cost x share of the sustained pace
    probability: float | None   # P(rank <= target_rank) with the plan: the scenario comparison's row
    n_draws: int
    seed: int
    scenario: Scenario
    caps: pd.Series             # every indicator's yearly cap on top of the trend (normalised points a year)

    def results(self) -> pd.DataFrame:
        """The machine-readable plan: its rows (none raised: one row without an indicator) with the plan's
        status, target and aimed ranks, aim and probabilities on every row."""
        table = self.table if not self.table.empty else pd.DataFrame({"indicator": [""]})
        return table.assign(status=self.status, target_rank=self.target_rank, target_year=self.target_year,
                            aim=self.aim, aimed_rank=self.aimed_rank, probability=self.probability,
                            aimed_probability=self.aimed_probability)


def feasible_caps(ctx, base_year: int | None = None, quantile: float = PACE_QUANTILE) -> pd.Series:
    """Per indicator: the sustained pace in raw units a year (the `quantile` of provinces' multi-year
    average yearly changes, >= 0). See `raw_units.sustained_paces`."""
    from pii_analysis.analysis.raw_units import sustained_paces

    caps = sustained_paces(ctx, base_year, quantile).set_index("indicator")["cap"]
    return caps.reindex(ctx.framework.indicators).rename("cap")


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


def cheapest_rises(gain: float, per_point: np.ndarray, cost: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The cheapest yearly rises x (0 <= x <= upper) with sum(per_point * x) >= gain: the exact
    solution of this one-constraint LP fills indicators in order of cost per PII point."""
    x = np.zeros(len(cost))
    if gain <= 0:
        return x
    useful = (per_point > 0) & (upper > 0)
    ratio = np.where(useful, cost / np.where(useful, per_point, 1.0), np.inf)
    left = gain
    for i in np.argsort(ratio, kind="stable"):
        if not useful[i] or left <= 0:
            break
        x[i] = min(upper[i], left / per_point[i])
        left -= per_point[i] * x[i]
    return x


def _needed_gains(pii: np.ndarray, p: int, rank: int) -> np.ndarray:
    """(draws,) PII gain the province needs in each draw to rank <= `rank`, rivals as drawn."""
    others = np.sort(np.delete(pii, p, axis=-1), axis=-1)[:, ::-1]
    return others[:, min(rank, others.shape[-1]) - 1] - pii[:, p]


def minimum_effort_plan(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                        base_year: int | None = None, cost: pd.Series | None = None, aim: float = DEFAULT_AIM,
                        cap_quantile: float = PACE_QUANTILE, n_draws: int = COMPARISON_DRAWS,
                        seed: int | None = None, lang: str = "vi") -> EffortPlan:
    """The least weighted effort reaching `target_rank` in `target_year` with probability >= `aim`.

    `cost` overrides the relative costs of data/raw/indicator_levers.csv (default 1 when absent).
    `n_draws` and `seed` must be those of the scenario comparison on the same page, so that its row
    for the plan shows the same probability (both call `projection.project` with them).
    n_draws=0 sizes the plan on the deterministic trend path only (no probability).
    """
    from pii_analysis.analysis.raw_units import sustained_paces, unit_of
    from pii_analysis.data.levers import lever_columns, load_levers

    fw = ctx.framework
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = ctx.check_year(base_year)
    seed = DEFAULT_SEED if seed is None else seed
    if ctx.method.aggregation != "arithmetic":
        raise PiiInputError("the minimum-effort plan needs arithmetic aggregation (linear in scores)",
                            column="aggregation")
    if isinstance(aim, bool) or not isinstance(aim, (int, float)) or not 0 < aim < 1:
        raise PiiInputError(f"aim must be a probability between 0 and 1, got {aim!r}", column="aim")
    codes = fw.indicators
    method = rate_method(ctx)
    _, provinces, rates = deterministic_rates(ctx, base_year=base, target_year=target_year)
    p = provinces.index(province)
    h = float(target_year - base)
    d = fw.direction.astype(float)

    def rescore(rises: np.ndarray) -> np.ndarray:
        r = deterministic_rates(ctx, base_year=base, target_year=target_year,
                                scenario=_points_scenario(codes, rises), province=province)[2]
        return score_arrays(r[-1], fw, method).node(fw.root)

    batch = score_arrays(rates[-1], fw, method)
    pii = batch.node(fw.root)
    own = np.stack([batch.node(c) for c in codes], axis=-1)[p]
    w = present_weights(fw, method, own)                           # missing-aware
    with np.errstate(all="ignore"):
        span = np.nanmax(rates[-1], axis=0) - np.nanmin(rates[-1], axis=0)
        span = np.where(span > 0, span, np.nan)
        pace = sustained_paces(ctx, base, cap_quantile).set_index("indicator")["cap"].reindex(codes).to_numpy()
        trend_pace = np.nan_to_num((rates[-1][p] - ctx_rates_base(ctx, base, provinces)[p]) * d / h)
        pace_pts = np.nan_to_num(pace / span * 100.0)              # the sustained pace in points a year
        room_pts = np.nan_to_num(np.maximum(pace - np.maximum(trend_pace, 0.0), 0.0) / span * 100.0)
    upper = np.clip(np.minimum(room_pts, (100.0 - np.nan_to_num(own, nan=100.0)) / h), 0.0, None)
    levers = load_levers(indicators=codes)
    lever = lever_columns(levers, codes, lang)
    rel_cost = lever["relative_cost"].to_numpy(dtype=float) if cost is None else \
        cost.reindex(codes).fillna(1.0).to_numpy(dtype=float)
    if np.any(rel_cost <= 0):
        raise PiiInputError("costs must be positive", column="cost")
    unit_cost = rel_cost / np.where(pace_pts > 0, pace_pts, np.inf)  # effort per point a year
    per_point = h * w
    max_gain = float(per_point @ upper)
    base_rank = int(rank_desc(pii, method.rank_decimals)[p])

    def det_gain(rank: int) -> float:
        return _threshold(pii, p, rank) - float(pii[p]) + MARGIN

    def projected(rises: np.ndarray):
        if not np.any(rises > 1e-9):
            return shared_projection(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)
        return project(ctx, province=province, scenario=_points_scenario(codes, rises), base_year=base,
                       target_year=target_year, n_draws=n_draws, seed=seed)

    status, aimed = "feasible", target_rank
    if n_draws:   # the gain each draw needs, rivals as drawn: the plan is sized for the `aim` quantile
        baseline = projected(np.zeros(len(codes)))
        draws_pii = baseline.scores[:, baseline.year_index(target_year), :, 0].astype(float)

        def need(rank: int) -> float:
            return _quantile(_needed_gains(draws_pii, p, rank), baseline.weights, aim) + MARGIN

        if baseline.p_rank_at_most(province, target_rank, target_year) >= aim - TOL:
            status = "already"
        elif need(target_rank) > max_gain:
            # out of reach by the linear estimate: the projection of every indicator at its cap decides
            at_caps = projected(upper)
            if at_caps.p_rank_at_most(province, target_rank, target_year) < aim - TOL:
                ranks = at_caps.ranks[:, at_caps.year_index(target_year), at_caps.index(province)]
                status, aimed = "infeasible", int(np.ceil(_quantile(ranks, at_caps.weights, aim)))
    else:         # deterministic trend path only
        need = det_gain
        if base_rank <= target_rank:
            status = "already"
        elif det_gain(target_rank) > max_gain:
            gained = pii.copy()
            gained[p] += max_gain
            status, aimed = "infeasible", int(rank_desc(gained, method.rank_decimals)[p])

    rises = np.zeros(len(codes))
    proj = None
    if status != "already" and not n_draws:
        rises = cheapest_rises(min(need(aimed), max_gain), per_point, unit_cost, upper)
    elif status != "already":
        rises, proj = _confirm(lambda g: cheapest_rises(g, per_point, unit_cost, upper), projected,
                               min(need(aimed), max_gain), max_gain, draws_pii, p, province, aimed, target_year, aim)
    if n_draws and proj is None:
        proj = projected(rises)
    new_pii = rescore(rises) if rises.any() else pii
    achieved = int(rank_desc(new_pii, method.rank_decimals)[p])
    probability = aimed_p = None
    if n_draws:
        # exactly the scenario comparison's number (`comparison.compare_scenarios`: rank_summary)
        summary = proj.rank_summary(province, target_rank)
        probability = float(summary.loc[summary["year"] == target_year, "p_target"].iloc[0])
        aimed_p = proj.p_rank_at_most(province, aimed, target_year)
    scenario = _points_scenario(codes, rises)
    pillar = {i: next((a for a in fw.ancestors(i) if a in fw.pillars), "") for i in codes}
    share = np.where(pace_pts > 0, rises / np.where(pace_pts > 0, pace_pts, 1.0), np.nan)
    rise_raw = rises / 100.0 * np.nan_to_num(span)
    table = pd.DataFrame({
        "indicator": codes, "name": [fw.name(i, lang) for i in codes], "pillar": [pillar[i] for i in codes],
        "unit": [unit_of(fw, i, lang) for i in codes], "lead_agency": lever["lead_agency"].to_numpy(),
        "controllability": lever["controllability"].to_numpy(), "relative_cost": rel_cost,
        "weight": w, "raw_value": ctx_rates_base(ctx, base, provinces)[p],
        "yearly_rise_raw": rise_raw * d, "sustained_pace": pace, "raw_in_target_year":
            deterministic_rates(ctx, base_year=base, target_year=target_year, scenario=scenario,
                                province=province)[2][-1][p] if rises.any() else rates[-1][p],
        "yearly_rise": rises, "cap": upper, "share_of_cap": share,
        "effort": rel_cost * np.nan_to_num(share), "pii_gain": per_point * rises})
    table = table[table["yearly_rise"] > 1e-9].sort_values("pii_gain", ascending=False).reset_index(drop=True)
    return EffortPlan(table=table, status=status, province=province, target_rank=target_rank,
                      target_year=target_year, base_year=base, aim=float(aim), aimed_rank=aimed,
                      aimed_probability=aimed_p, baseline_rank=base_rank, baseline_pii=float(pii[p]),
                      rival_pii=_threshold(pii, p, aimed), required_gain=float(per_point @ rises),
                      achieved_rank=achieved, total_rise=float(rises.sum()),
                      total_effort=float(table["effort"].sum()), probability=probability, n_draws=n_draws,
                      seed=seed, scenario=scenario, caps=pd.Series(upper, index=codes, name="cap"))


def _confirm(plan_for, projected, gain: float, max_gain: float, base_pii: np.ndarray, p: int, province: str,
             rank: int, year: int, aim: float):
    """The smallest planned PII gain whose plan the projection confirms (P(rank <= `rank`) >= aim).

    The linear estimate `gain` is projected; each draw's realised gain (the same draws: common
    random numbers) shows how much of the planned gain arrives there, so the gain each draw needs
    is rescaled by it and the `aim` quantile taken again, smaller after a confirmed plan and larger
    after one that falls short (a few rounds). Then bisection between the largest gain that falls
    short and the smallest that is confirmed (at worst `max_gain`, every indicator at its cap)
    tightens it. Returns (rises, projection)."""
    tried: dict[float, tuple[bool, np.ndarray, object]] = {}

    def check(g: float):
        g = float(min(max(g, 0.0), max_gain))
        if g not in tried:
            rises = plan_for(g)
            proj = projected(rises)
            ok = proj.p_rank_at_most(province, rank, year) >= aim - TOL
            tried[g] = (ok, rises, proj)
        return tried[g]

    for _ in range(ROUNDS):
        ok, _, proj = check(gain)
        drawn = proj.scores[:, proj.year_index(year), :, 0].astype(float)
        realised = np.clip((drawn[:, p] - base_pii[:, p]) / max(gain, 1e-9), 0.05, None)
        needed = (_needed_gains(drawn, p, rank) + drawn[:, p] - base_pii[:, p]) / realised
        estimate = _quantile(needed, proj.weights, aim) + MARGIN
        estimate = min(estimate, gain * (1 - BISECT_TOL)) if ok else max(estimate, gain + MARGIN)
        estimate = float(min(max(estimate, 0.0), max_gain))
        if (not ok and gain >= max_gain - 1e-9) or abs(estimate - gain) <= BISECT_TOL * max(gain, 1e-9):
            break
        gain = estimate
    good = [g for g, (ok, _, _) in tried.items() if ok]
    if not good:
        check(max_gain)
        good = [g for g, (ok, _, _) in tried.items() if ok] or [max_gain]
    for _ in range(BISECT):
        hi = min(good)
        lo = max([g for g, (ok, _, _) in tried.items() if not ok and g < hi], default=0.0)
        if hi - lo <= BISECT_TOL * max(hi, 1e-9):
            break
        if check(0.5 * (lo + hi))[0]:
            good.append(0.5 * (lo + hi))
    _, rises, proj = tried[min(good)]
    return rises, proj


def _quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The `q` quantile of draws weighted as the projection weighs them (inverted CDF): the smallest
    value v with P(value <= v) >= q."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(np.asarray(weights, dtype=float)[order])
    k = min(int(np.searchsorted(cum, q * cum[-1] - 1e-12)), len(order) - 1)
    return float(np.asarray(values, dtype=float)[order][k])


def ctx_rates_base(ctx, base: int, provinces: list[str]) -> np.ndarray:
    """(provinces, indicators) observed rates of the base year, in `provinces` order."""
    from pii_analysis.analysis.trends import panel_rates

    _, order, rates = panel_rates(ctx, [base])
    return rates[0][[order.index(x) for x in provinces]]
