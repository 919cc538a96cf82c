"""Minimum-effort plan: the least weighted effort that reaches a rank with a stated probability, kept small.

What a province can do is capped by what provinces sustain: for each indicator the yearly
rise on top of the trend is at most its sustained pace (`analysis.paces`: a high percentile of
provinces' multi-year average yearly changes where the panel has observed years, else the stated
assumption of data/raw/indicator_levers.csv; the same paces as the levers), minus the rise the trend
already brings, and never past the best score. The effort of a rise is
its share of that sustained pace times the indicator's relative cost from
data/raw/indicator_levers.csv (outcome indicators cost more than direct policy levers;
the shipped costs are assumptions). With arithmetic aggregation the PII is linear in the
normalised scores (missing-aware weights), so the cheapest plan for a PII gain G fills the
indicators in order of effort per PII point (an exact single-constraint LP): the plans form
one path, each adding the next indicator at its cap, the last one partly.

Every plan on that path is checked by the same Monte Carlo as the page's scenario comparison
(same draws, same seed, the target year of `projection.project`): a plan changes only the
province's own values, so each raised indicator's column is re-scored on its own in every draw
(outlier rule, min-max bounds and every province's normalised score re-computed) and every
province's PII moves by its missing-aware weight times the change. That gives, for every rank,
the fewest indicators (and the least effort) reaching it with the aimed probability (default
80%): the effort frontier. The plan shown is
- the minimal plan for the target when it needs at most `budget` indicators ('feasible');
- otherwise the minimal plan for the best rank whose plan stays within the budget, the target being
  reachable only with more indicators ('over_budget') or not within the sustained paces at all
  ('infeasible': the best rank any plan reaches with the aimed probability, every indicator at its
  cap, is `best_rank`).
`probability` is always P(rank <= target_rank) under the plan shown, scored by the engine exactly
as the scenario comparison scores it: the number its row for the plan shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.data import memo
from pii_analysis.analysis.defaults import DEFAULT_DRAWS
from pii_analysis.analysis.paces import PACE_QUANTILE
from pii_analysis.analysis.projection import DEFAULT_SEED, deterministic_rates, rate_method, shared_projection
from pii_analysis.analysis.scenarios import Change, Scenario
from pii_analysis.analysis.weights import present_weights, present_weights_all
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.scoring import Normalised, normalised_arrays, rank_desc, rescore_columns, score_arrays

DEFAULT_AIM = 0.8        # the plan's probability of reaching the rank it aims at
DEFAULT_BUDGET = 12      # the most indicators a plan shown asks a province to raise at once (a parameter):
#                          about the size of the plan of a province whose target is within reach (on the
#                          demonstration panel of 23 Nov 2026, the minimal plans for the 34 page targets need
#                          a median of 10-11 indicators, upper quartile 14), not "dozens at their caps"
BISECT = 14              # bisection steps on the last indicator's rise (to 1/16384 of its cap) ...
COARSE = 6               # ... for the plan shown; the other ranks of the frontier to 1/64 of it
TOL = 1e-9               # probabilities are sums of draw weights: compare with a rounding tolerance
STATUSES = ("already", "feasible", "over_budget", "infeasible")


@dataclass(frozen=True)
class EffortPlan:
    """The plan shown (`table`: one row per indicator raised), its checks and the effort frontier.

    status: 'already' (the trend reaches the target with the aimed probability: nothing to add),
    'feasible' (the plan reaches it with at least `aim`, within the budget), 'over_budget' (a plan within
    the sustained paces reaches it, but needs `target_indicators` > `budget` indicators: the plan shown
    aims at `aimed_rank`, the best rank reachable within the budget), 'infeasible' (no plan within the
    sustained paces reaches it: `best_rank` is the best rank reachable with `aim`, every indicator at its
    cap, with `best_probability`; the plan shown aims at `aimed_rank` within the budget).
    `frontier`: per rank from the trend's to `best_rank`, the fewest indicators and the least effort
    reaching it with `aim` (columns rank, indicators, effort, probability, within_budget, shown).
    """

    table: pd.DataFrame
    status: str
    province: str
    target_rank: int
    target_year: int
    base_year: int
    aim: float                  # the stated probability the plan aims at
    aimed_rank: int             # the rank the plan shown aims at (target_rank when feasible)
    aimed_probability: float | None  # P(rank <= aimed_rank) with the plan, projected
    baseline_rank: int          # target year, deterministic trend
    baseline_pii: float
    rival_pii: float            # PII of the rival holding the aimed rank on the trend path
    required_gain: float        # PII points the plan adds by the target year (linear, on the trend path)
    achieved_rank: int          # re-scored with the plan on the deterministic trend path
    total_rise: float           # sum of yearly rises (normalised points a year)
    total_effort: float         # sum of relative cost x share of the sustained pace
    probability: float | None   # P(rank <= target_rank) with the plan: the scenario comparison's row
    n_draws: int
    seed: int
    scenario: Scenario
    caps: pd.Series             # every indicator's yearly cap on top of the trend (normalised points a year)
    budget: int | None = None   # the most indicators a plan shown may raise (None: no limit)
    best_rank: int | None = None          # best rank reachable with `aim`, every indicator at its cap
    best_probability: float | None = None  # P(rank <= best_rank), every indicator at its cap
    target_probability_at_caps: float | None = None  # P(rank <= target_rank), every indicator at its cap
    target_indicators: int | None = None  # indicators the minimal plan for the target needs (None: out of reach)
    trend_aim_rank: int | None = None     # the rank reached with `aim` on the trend, no plan
    frontier: pd.DataFrame | None = None
    path: tuple[str, ...] = ()            # the indicators in the order the plans of the LP's path add them
    pace_source: str = "mixed"            # where the sustained paces come from (analysis.paces.pace_source)

    def results(self) -> pd.DataFrame:
        """The machine-readable plan: its rows (none raised: one row without an indicator) with the plan's
        status, target and aimed ranks, aim, budget, best reachable rank and probabilities on every row."""
        table = self.table if not self.table.empty else pd.DataFrame({"indicator": [""]})
        return table.assign(status=self.status, target_rank=self.target_rank, target_year=self.target_year,
                            aim=self.aim, aimed_rank=self.aimed_rank, probability=self.probability,
                            aimed_probability=self.aimed_probability, budget=self.budget,
                            best_rank=self.best_rank, best_probability=self.best_probability,
                            target_indicators=self.target_indicators)


def feasible_caps(ctx, base_year: int | None = None, quantile: float = PACE_QUANTILE,
                  province: str | None = None) -> pd.Series:
    """Per indicator: the sustained pace in raw units a year, >= 0 (`analysis.paces.sustained_paces`:
    observed where the panel has observed years, else assumed; the province's own catch-up with
    `province`)."""
    from pii_analysis.analysis.paces import sustained_paces

    caps = sustained_paces(ctx, base_year, quantile, province=province).set_index("indicator")["pace"]
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
    order = _lp_order(per_point, cost, upper)
    left = gain
    for i in order:
        if left <= 0:
            break
        x[i] = min(upper[i], left / per_point[i])
        left -= per_point[i] * x[i]
    return x


def _lp_order(per_point: np.ndarray, cost: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The indicators that can add to the PII, in order of cost per PII point (the LP's fill order)."""
    useful = (per_point > 0) & (upper > 0)
    ratio = np.where(useful, cost / np.where(useful, per_point, 1.0), np.inf)
    order = np.argsort(ratio, kind="stable")
    return order[useful[order]]


# --- the target year of every draw, re-scored column by column ----------------------------------------
@dataclass(frozen=True)
class _TargetYear:
    """Every draw's values in the target year (or the trend path's: one 'draw'), before any plan, with
    what re-scoring a change of one province's indicator needs: the spread 'points' scale with
    (`scenarios.scoring_range`), the normalised scores, the missing-aware weights and the PII of all."""

    values: np.ndarray    # (D, P, I) before the scenario and the bounds, as `projection` makes them
    span: np.ndarray      # (D, I) what one normalised point is in raw units, per draw
    columns: np.ndarray   # (I, D, P) the bounded values, indicator by indicator (contiguous columns)
    norm: np.ndarray      # (I, D, P) their normalised scores
    weights: np.ndarray   # (I, D, P) missing-aware weights of every province in its PII
    normalised: Normalised  # what the engine re-scores a plan's changed columns from (`exact_pii`)
    pii: np.ndarray       # (D, P) float64, as the engine scores it
    lo: np.ndarray        # (I,) bounds of the values
    hi: np.ndarray
    years_ahead: float
    framework: object
    method: object

    def own_values(self, row: int, i: int, rise: float) -> np.ndarray:
        """(D,) the province's value of indicator i after `rise` normalised points a year, bounded."""
        d = float(self.framework.direction[i])
        new = self.values[:, row, i] + d * rise / 100.0 * self.span[:, i] * self.years_ahead
        return np.clip(new, self.lo[i], self.hi[i])

    def change(self, row: int, i: int, rise: float) -> np.ndarray:
        """(D, P) every province's PII change when the province raises indicator i alone by `rise`: the
        column re-scored on its own in every draw (exact: the PII is linear in each column)."""
        return self.changes(row, [i], [rise])[0]

    def changes(self, row: int, indicators, rises) -> np.ndarray:
        """(K, D, P) `change` of each (indicator, rise) pair, every column re-scored on its own in one engine
        call (a column's scores never depend on the other columns: the same numbers, one call)."""
        from pii_analysis.analysis.raw_units import normalised_columns

        idx = np.asarray(indicators, dtype=int)
        if not len(idx):
            return np.zeros((0, *self.pii.shape))
        column = self.columns[idx]                                         # (K, D, P), a copy
        for k, (i, rise) in enumerate(zip(idx, rises)):
            column[k, :, row] = self.own_values(row, int(i), float(rise))
        K, D, P = column.shape
        new = normalised_columns(column.reshape(K * D, P), np.repeat(idx, D), self.framework, self.method)
        return self.weights[idx] * np.nan_to_num(new.reshape(K, D, P) - self.norm[idx])

    def exact_pii(self, row: int, rises: np.ndarray) -> np.ndarray:
        """(D, P) every province's PII with the plan, scored by the engine as `projection.project` does (only
        the raised columns re-scored: `scoring.rescore_columns`, score_arrays' numbers)."""
        idx = np.flatnonzero(rises > 1e-9)
        changed = np.ascontiguousarray(np.moveaxis(self.columns[idx], 0, -1))   # (D, P, k)
        for k, i in enumerate(idx):
            changed[:, row, k] = self.own_values(row, int(i), float(rises[i]))
        return rescore_columns(changed, idx, self.normalised, self.framework, self.method).node(self.framework.root)


def _target_year(ctx, values: np.ndarray, lo: np.ndarray, hi: np.ndarray, years_ahead: float) -> _TargetYear:
    from pii_analysis.analysis.scenarios import scoring_range

    fw, method = ctx.framework, rate_method(ctx)
    bounded = np.clip(values, lo, hi)
    batch = score_arrays(bounded, fw, method)
    norm = np.stack([batch.node(c) for c in fw.indicators], axis=-1)            # (D, P, I)
    D, P, I = norm.shape
    missing = np.isnan(norm).reshape(D * P, I)
    key = np.packbits(missing, axis=1)                                           # one byte string per pattern
    _, first, which = np.unique(key.view(np.dtype((np.void, key.shape[1]))).ravel(), return_index=True,
                                return_inverse=True)
    example = np.where(missing[first], np.nan, 1.0)                               # one row per missing pattern
    weights = present_weights_all(fw, method, example)[np.ravel(which)].reshape(D, P, I)
    def by_column(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.moveaxis(x, -1, 0))                       # (D, P, I) -> (I, D, P)

    return _TargetYear(values=values, span=scoring_range(values, method), columns=by_column(bounded),
                       norm=by_column(norm), weights=by_column(weights),
                       normalised=normalised_arrays(bounded, fw, method),
                       pii=np.asarray(batch.node(fw.root), dtype=float), lo=lo, hi=hi,
                       years_ahead=years_ahead, framework=fw, method=method)


def target_year_draws(ctx, *, base_year: int, target_year: int, n_draws: int, seed: int) -> _TargetYear:
    """The target year of the draws `projection.project` makes with these settings (n_draws=0: the
    deterministic trend path), computed once per context and settings. The random blocks are those of
    the projection (kept for the rest of a report run's page, which projects its scenarios from them);
    kept per context (`memo.kept`)."""
    return memo.kept(ctx, ("target_year_draws", base_year, target_year, n_draws, seed),
                     lambda: _target_year_draws(ctx, base_year, target_year, n_draws, seed))


def _target_year_draws(ctx, base_year: int, target_year: int, n_draws: int, seed: int) -> _TargetYear:
    from pii_analysis.analysis import projection as pj
    from pii_analysis.analysis.models import central_path, to_rates

    inp = pj._inputs(ctx, base_year, target_year)
    h = (inp.years - inp.base_year).astype(float)
    if n_draws:
        parts = []
        for c, first in enumerate(range(0, n_draws, pj.CHUNK)):
            n = min(pj.CHUNK, n_draws - first)
            block = pj.trend_block(ctx, inp, seed=seed, chunk=c, n=n, n_draws=n_draws)  # the projection's own
            parts.append(np.array(block[:n, -1]))
        values = np.concatenate(parts)
    else:
        values = to_rates(inp.model, central_path(inp.model, h))[:, -1]
    return _target_year(ctx, values, inp.lo, inp.hi, float(h[-1]))


def _own_ranks(pii: np.ndarray, row: int, decimals: int) -> np.ndarray:
    """(...,) the province's rank in each draw of `pii` (..., P), as `rank_desc` ranks it."""
    x = np.round(pii, decimals)
    return 1 + np.sum(x > x[..., row:row + 1], axis=-1)


# --- the plan ----------------------------------------------------------------------------------------------
def minimum_effort_plan(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                        base_year: int | None = None, cost: pd.Series | None = None, aim: float = DEFAULT_AIM,
                        cap_quantile: float = PACE_QUANTILE, n_draws: int = DEFAULT_DRAWS,
                        seed: int | None = None, lang: str = "vi", budget: int | None = DEFAULT_BUDGET,
                        draws=None) -> EffortPlan:
    """The least weighted effort reaching `target_rank` in `target_year` with probability >= `aim`, with at
    most `budget` indicators raised (None: no limit); see the module's text for the plan shown otherwise.

    `cost` overrides the relative costs of data/raw/indicator_levers.csv (default 1 when absent).
    `n_draws` and `seed` must be those of the scenario comparison on the same page, so that its row
    for the plan shows the same probability; `draws` (draws.ReportDraws) gives them and its baseline.
    n_draws=0 sizes the plan on the deterministic trend path only (no probability).
    """
    from pii_analysis.analysis.paces import pace_source, sustained_paces
    from pii_analysis.analysis.raw_units import unit_of
    from pii_analysis.data.levers import lever_columns, load_levers

    fw = ctx.framework
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    if draws is not None:
        base_year, target_year, n_draws, seed = draws.base_year, draws.target_year, draws.n_draws, draws.seed
    base = ctx.check_year(base_year)
    seed = DEFAULT_SEED if seed is None else seed
    if ctx.method.aggregation != "arithmetic":
        raise PiiInputError("the minimum-effort plan needs arithmetic aggregation (linear in scores)",
                            column="aggregation")
    if isinstance(aim, bool) or not isinstance(aim, (int, float)) or not 0 < aim < 1:
        raise PiiInputError(f"aim must be a probability between 0 and 1, got {aim!r}", column="aim")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 1):
        raise PiiInputError(f"budget must be a whole number of indicators >= 1 (or None), got {budget!r}",
                            column="budget")
    codes = fw.indicators
    method = rate_method(ctx)
    _, provinces, rates = deterministic_rates(ctx, base_year=base, target_year=target_year)
    p = provinces.index(province)
    h = float(target_year - base)
    d = fw.direction.astype(float)

    batch = score_arrays(rates[-1], fw, method)
    pii = batch.node(fw.root)
    own = np.stack([batch.node(c) for c in codes], axis=-1)[p]
    w = present_weights(fw, method, own)                           # missing-aware
    base_rates = ctx_rates_base(ctx, base, provinces)
    with np.errstate(all="ignore"):
        span = np.nanmax(rates[-1], axis=0) - np.nanmin(rates[-1], axis=0)
        span = np.where(span > 0, span, np.nan)
        paces = sustained_paces(ctx, base, cap_quantile, province=province).set_index("indicator").reindex(codes)
        pace = paces["pace"].to_numpy(dtype=float)
        trend_pace = np.nan_to_num((rates[-1][p] - base_rates[p]) * d / h)
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
    base_rank = int(rank_desc(pii, method.rank_decimals)[p])

    # the draws (or the trend path) and how probable each rank is on every plan of the LP's path
    ty = target_year_draws(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)
    if n_draws:
        baseline = draws.projection() if draws is not None else \
            shared_projection(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)

        def prob(event: np.ndarray) -> np.ndarray:
            return baseline.prob(event)
    else:
        def prob(event: np.ndarray) -> np.ndarray:
            return np.asarray(event, dtype=float)[0]
    search = _Search(ty, p, method.rank_decimals, prob, _lp_order(per_point, unit_cost, upper), upper, unit_cost,
                     aim)
    frontier = search.frontier(budget)

    # the plan shown
    trend_aim = search.aim_rank(0)
    best = search.aim_rank(search.k_max)
    target_k = search.fewest(target_rank)
    fits = frontier[frontier["within_budget"]] if len(frontier) else frontier
    if search.probability(0, target_rank) >= aim - TOL:
        status, aimed, rises = "already", target_rank, np.zeros(len(codes))
    else:
        status = "infeasible" if target_k is None else \
            ("feasible" if budget is None or target_k <= budget else "over_budget")
        aimed = target_rank if status == "feasible" else (int(fits["rank"].min()) if len(fits) else trend_aim)
        rises = search.minimal(aimed)[0] if aimed < trend_aim else np.zeros(len(codes))

    # the stated probabilities: the engine's scores of the plan, as the scenario comparison computes them
    probability = aimed_p = best_p = target_at_caps = None
    if n_draws:
        with_plan = _own_ranks(ty.exact_pii(p, rises), p, method.rank_decimals)
        if rises.any() and float(prob(with_plan <= aimed)) < aim - TOL:
            # a PII that the per-column sums and the engine round to different sides of a tie: the plan's last
            # indicator is raised to its cap (the next plan of the path, checked the same way)
            rises = search.at_caps(search.fewest(aimed) or search.k_max)
            with_plan = _own_ranks(ty.exact_pii(p, rises), p, method.rank_decimals)
        probability = float(prob(with_plan <= target_rank))
        aimed_p = float(prob(with_plan <= aimed))
        best_p = float(search.probability(search.k_max, best))
        target_at_caps = float(search.probability(search.k_max, target_rank))
    shown = (frontier["rank"] == aimed) & (status != "already")
    frontier.loc[shown, "effort"] = float(unit_cost[rises > 0] @ rises[rises > 0])
    if n_draws:
        frontier.loc[shown, "probability"] = aimed_p
    frontier["shown"] = shown

    scenario = _points_scenario(codes, rises)
    trend_path = target_year_draws(ctx, base_year=base, target_year=target_year, n_draws=0, seed=seed)
    achieved = int(_own_ranks(trend_path.exact_pii(p, rises), p, method.rank_decimals)[0])
    raw_after = np.array([trend_path.own_values(p, i, float(rises[i]))[0] if rises[i] > 1e-9 else rates[-1][p][i]
                          for i in range(len(codes))])
    pillar = {i: next((a for a in fw.ancestors(i) if a in fw.pillars), "") for i in codes}
    share = np.where(pace_pts > 0, rises / np.where(pace_pts > 0, pace_pts, 1.0), np.nan)
    rise_raw = rises / 100.0 * np.nan_to_num(span)
    table = pd.DataFrame({
        "indicator": codes, "name": [fw.name(i, lang) for i in codes], "pillar": [pillar[i] for i in codes],
        "unit": [unit_of(fw, i, lang) for i in codes], "lead_agency": lever["lead_agency"].to_numpy(),
        "controllability": lever["controllability"].to_numpy(), "relative_cost": rel_cost,
        "weight": w, "raw_value": base_rates[p], "yearly_rise_raw": rise_raw * d, "sustained_pace": pace,
        "pace_source": paces["pace_source"].to_numpy(),
        "raw_in_target_year": raw_after, "yearly_rise": rises, "cap": upper, "share_of_cap": share,
        "effort": rel_cost * np.nan_to_num(share), "pii_gain": per_point * rises})
    table = table[table["yearly_rise"] > 1e-9].sort_values("pii_gain", ascending=False).reset_index(drop=True)
    return EffortPlan(table=table, status=status, province=province, target_rank=target_rank,
                      target_year=target_year, base_year=base, aim=float(aim), aimed_rank=int(aimed),
                      aimed_probability=aimed_p, baseline_rank=base_rank, baseline_pii=float(pii[p]),
                      rival_pii=_threshold(pii, p, int(aimed)), required_gain=float(per_point @ rises),
                      achieved_rank=achieved, total_rise=float(rises.sum()),
                      total_effort=float(table["effort"].sum()), probability=probability, n_draws=n_draws,
                      seed=seed, scenario=scenario, caps=pd.Series(upper, index=codes, name="cap"),
                      budget=budget, best_rank=int(best), best_probability=best_p,
                      target_probability_at_caps=target_at_caps, target_indicators=target_k,
                      trend_aim_rank=int(trend_aim), frontier=frontier,
                      path=tuple(codes[i] for i in search.order), pace_source=pace_source(paces))


class _Search:
    """The plans of the LP's path, checked in every draw: plan k raises the first k indicators of `order`
    to their caps. Each indicator's column changes every province's PII by its own amount (the PII is
    linear in each column), so the path's PII are cumulative sums, and a partial last indicator is one
    more column re-scored."""

    def __init__(self, ty: _TargetYear, row: int, decimals: int, prob, order: np.ndarray, upper: np.ndarray,
                 unit_cost: np.ndarray, aim: float) -> None:
        self.ty, self.row, self.decimals, self.prob, self.order = ty, row, decimals, prob, order
        self.upper, self.unit_cost, self.aim = upper, unit_cost, aim
        steps = np.concatenate([np.zeros_like(ty.pii)[None], ty.changes(row, order, upper[order])])
        self.pii = ty.pii[None] + np.cumsum(steps, axis=0)                     # (K + 1, D, P)
        self.ranks = _own_ranks(self.pii, row, decimals)                       # (K + 1, D)
        self.table = self._table(ty.pii.shape[-1])
        self._bracket: dict[int, tuple[int, float, float, float]] = {}   # rank: steps done, lo, hi, p(hi)

    def _table(self, n: int) -> np.ndarray:
        """(K + 1, P): P(rank <= r) of plan k, for r = 1..P."""
        ranks = np.moveaxis(self.ranks, 0, -1)                                 # (D, K + 1)
        return np.stack([self.prob(ranks <= r) for r in range(1, n + 1)], axis=-1)

    @property
    def k_max(self) -> int:
        return len(self.order)

    def probability(self, k: int, rank: int) -> float:
        return float(self.table[k, rank - 1])

    def aim_rank(self, k: int) -> int:
        """The best rank plan k reaches with the aimed probability."""
        return int(np.argmax(self.table[k] >= self.aim - TOL)) + 1

    def fewest(self, rank: int) -> int | None:
        """The fewest indicators of the path reaching `rank` with the aimed probability (None: no plan)."""
        ok = np.flatnonzero(self.table[:, rank - 1] >= self.aim - TOL)
        return int(ok[0]) if len(ok) else None

    def at_caps(self, k: int) -> np.ndarray:
        """The rises of plan k of the path: its first k indicators at their caps."""
        rises = np.zeros(len(self.upper))
        rises[self.order[:k]] = self.upper[self.order[:k]]
        return rises

    def minimal(self, rank: int, steps: int = BISECT) -> tuple[np.ndarray, float]:
        """The rises of the smallest plan of the path reaching `rank` with the aimed probability (the first
        k - 1 indicators at their caps and the k-th raised as little as needed: `steps` bisection steps in
        all, continuing earlier ones), and that probability. No plan reaches it: every indicator at its cap."""
        k = self.fewest(rank)
        if k is None:
            return self.at_caps(self.k_max), self.probability(self.k_max, rank)
        rises = self.at_caps(max(k - 1, 0))
        if k == 0:
            return rises, self.probability(0, rank)
        self.bisect([rank], steps)
        _, _, hi, p = self._bracket[rank]
        rises[int(self.order[k - 1])] = hi
        return rises, p

    def bisect(self, ranks: list[int], steps: int) -> None:
        """`steps` bisection steps in all on the last indicator's rise of each rank's minimal plan (continuing
        earlier ones; kept in `_bracket`), the ranks stepped side by side: each step re-scores every rank's
        column in one engine call (the same numbers as one rank at a time)."""
        work = {}
        for rank in ranks:
            k = self.fewest(rank)
            if not k:   # no plan reaches it, or none is needed: nothing to bisect
                continue
            last = int(self.order[k - 1])
            work[rank] = (k, last)
            if rank not in self._bracket:
                self._bracket[rank] = (0, 0.0, float(self.upper[last]), self.probability(k, rank))
        while True:
            live = [r for r in work if self._bracket[r][0] < steps]
            if not live:
                return
            mids = [0.5 * (self._bracket[r][1] + self._bracket[r][2]) for r in live]
            moved = self.ty.changes(self.row, [work[r][1] for r in live], mids)
            for rank, mid, change in zip(live, mids, moved):
                done, lo, hi, p = self._bracket[rank]
                ranks_mid = _own_ranks(self.pii[work[rank][0] - 1] + change, self.row, self.decimals)
                p_mid = float(self.prob(ranks_mid <= rank))
                if p_mid >= self.aim - TOL:
                    hi, p = mid, p_mid
                else:
                    lo = mid
                self._bracket[rank] = (done + 1, lo, hi, p)

    def frontier(self, budget: int | None) -> pd.DataFrame:
        """Per rank better than the trend's (with the aimed probability) down to the best reachable one:
        the fewest indicators, the least effort and the probability of its minimal plan."""
        rows = []
        ranks = list(range(self.aim_rank(0) - 1, self.aim_rank(self.k_max) - 1, -1))
        self.bisect(ranks, COARSE)
        for rank in ranks:
            k = self.fewest(rank)
            rises, p = self.minimal(rank, COARSE)
            rows.append({"rank": rank, "indicators": k, "effort": float(self.unit_cost[rises > 0] @ rises[rises > 0]),
                         "probability": p, "within_budget": budget is None or k <= budget})
        return pd.DataFrame(rows, columns=["rank", "indicators", "effort", "probability", "within_budget"])


def ctx_rates_base(ctx, base: int, provinces: list[str]) -> np.ndarray:
    """(provinces, indicators) observed rates of the base year, in `provinces` order."""
    from pii_analysis.analysis.trends import panel_rates

    _, order, rates = memo.kept(ctx, ("base_rates", base), lambda: panel_rates(ctx, [base]))
    return rates[0][[order.index(x) for x in provinces]]
