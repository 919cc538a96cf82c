"""Drivers in real units: the raw value an indicator needs for a rank, found by re-scoring the panel.

A province's own indicator value is changed alone, the whole raw panel is scored again by the
engine (outlier rule re-applied, min-max bounds moved when the province becomes the new best,
every province re-normalised) and the province re-ranked. So "not reachable" means that no
raw value up to the indicator's bound reaches the rank, and where the rank is not monotone in
the raw value (the outlier rule starts to apply, or the maximum moves) it is said.

Values are rates after denomination ("R&D staff per 10,000 people"); the change in the
underlying quantity is the change of the rate times today's denominator ("+230 staff").
All candidates of all indicators are one batched engine call per search step.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method
from pii_analysis.analysis.paces import PACE_QUANTILE
from pii_analysis.analysis.weights import present_weights_all
from pii_analysis.index.scoring import denominate, impute, normalise, score_arrays, treat_outliers

GRID_INSIDE = 40      # candidate values between the province's value and the national best
GRID_BEYOND = 24      # candidate values beyond the best, geometrically spaced up to the bound
BEYOND_SPANS = 10.0   # unbounded indicators: search up to the best + 10 x the national range
SIG_DIGITS = 4        # raw thresholds are reported on a grid of range / 10^(SIG_DIGITS - 1)
MAX_BISECT = 40
TOP_N = 10            # the Top-n average beside the national one (as the drivers table's normalised one)


@dataclass(frozen=True)
class RawStanding:
    """One province in one year on raw (denominated) values: the panel to re-score."""

    framework: Framework
    method: Method            # the context's method on rates (denomination 'none')
    year: int
    province: str
    provinces: list[str]
    rates: np.ndarray         # (provinces, indicators) denominated values
    denominators: np.ndarray | None  # (provinces, indicators) the denominator of each cell (1 = none)

    @property
    def row(self) -> int:
        return self.provinces.index(self.province)

    @property
    def own(self) -> np.ndarray:
        return self.rates[self.row]

    @cached_property
    def _linear(self) -> bool:
        """Arithmetic aggregation: the PII is linear in each normalised column, so a change of one
        indicator re-scores from that column alone (outlier rule and normalisation re-applied to it)."""
        return self.method.aggregation == "arithmetic"

    def _columns(self, values: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return normalised_columns(values, cols, self.framework, self.method)

    @cached_property
    def _base(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(normalised scores (P, I), weight of each indicator in each province's PII (P, I), PII (P,))."""
        fw, n = self.framework, len(self.framework.indicators)
        norm = self._columns(self.rates.T, np.arange(n)).T
        pii = score_arrays(self.rates, fw, self.method).node(fw.root)
        return norm, present_weights_all(fw, self.method, norm), pii

    def rescore(self, cols: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(PII, rank) of the province when indicator cols[k] alone takes values[k]; (k,) each."""
        pii = self.rescore_all(cols, values)
        return pii[:, self.row], own_rank(pii, self.row, self.method.rank_decimals)

    def rescore_all(self, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Every province's PII (k, provinces) when the province's indicator cols[k] alone takes values[k].

        Every province is re-scored: with arithmetic aggregation from the changed column (exact:
        the PII is linear in it, missing-aware weights), otherwise by the whole engine.
        """
        cols = np.asarray(cols, dtype=int)
        values = np.asarray(values, dtype=float)
        if self._linear:
            norm, weights, pii0 = self._base
            column = self.rates[:, cols].T.copy()                     # (k, P)
            column[:, self.row] = values
            change = np.nan_to_num(self._columns(column, cols) - norm[:, cols].T)
            return pii0[None, :] + weights[:, cols].T * change
        batch = np.repeat(self.rates[None], len(cols), axis=0)
        batch[np.arange(len(cols)), self.row, cols] = values
        return score_arrays(batch, self.framework, self.method).node(self.framework.root)

    @property
    def normalised(self) -> np.ndarray:
        """(provinces, indicators) every province's normalised score as the panel stands."""
        return self._base[0]

    @property
    def field_pii(self) -> np.ndarray:
        """(provinces,) every province's PII as the panel stands."""
        return self._base[2]

    @property
    def weights_of_province(self) -> np.ndarray:
        """(indicators,) what one normalised point of each indicator is worth in the province's PII."""
        return self._base[1][self.row]

    @cached_property
    def bounds(self) -> np.ndarray:
        """How far each indicator's value can go in its good direction (see `search_bounds`)."""
        return _search_bounds(self)

    def base(self) -> tuple[float, int]:
        pii, rank = self.rescore(np.array([0]), self.own[:1])
        return float(pii[0]), int(rank[0])


def normalised_columns(values: np.ndarray, cols: np.ndarray, framework: Framework, method: Method) -> np.ndarray:
    """Normalised scores of candidate columns (k, provinces) of indicators `cols` (k,): outlier rule,
    normalisation and imputation of each column on its own, as the engine does. Values are signed by
    the indicator's direction first (the rule and the normalisation are symmetric), so one call
    serves columns of both directions."""
    d = framework.direction[cols].astype(float)[:, None]
    x = (values * d)[:, :, None]                                   # (k, provinces, 1)
    treated = treat_outliers(x, method)[0]
    return impute(normalise(treated, np.ones(1), method.normalisation), method.missing)[:, :, 0]


def own_rank(pii: np.ndarray, row: int, decimals: int) -> np.ndarray:
    """Rank of province `row` in each row of `pii` (k, provinces), as `rank_desc` ranks it."""
    x = np.round(pii, decimals)
    own = x[:, row:row + 1]
    return np.where(np.isnan(own[:, 0]), np.nan, 1.0 + np.sum(x > own, axis=1))


def raw_standing(ctx, province: str, year: int | None = None) -> RawStanding:
    """The province's raw standing in `year` (latest by default), from the context's panel."""
    from pii_analysis.data import memo

    province = ctx.check_province(province)
    year = ctx.check_year(year)
    provinces = ctx.panel.provinces(year)
    if province not in provinces:
        raise PiiInputError(f"province '{province}' has no data in {year}", column="province")
    x, d = memo.kept(ctx, ("raw_rates", year), lambda: _rates(ctx, year))
    return RawStanding(ctx.framework, ctx.method.with_options(denomination="none"), year, province, provinces, x, d)


def _rates(ctx, year: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(rates, denominators) of every province in `year`, read-only: the same for every province's standing."""
    fw = ctx.framework
    values, dens = ctx.panel.arrays(fw, ctx.panel.provinces(year), [year])
    nodes = fw.nodes.loc[fw.indicators]
    scale = nodes["scale"].to_numpy(dtype=float)
    needs = (nodes["denominator"] != "none").to_numpy()
    x, d = values[0], None
    if ctx.method.denomination == "divide" and dens is not None:   # as the engine divides (scoring.denominate)
        d = np.where(needs, dens[0], 1.0)
        x = denominate(x, dens[0], scale, needs)
    for array in (x, d):
        if array is not None:
            array.setflags(write=False)
    return x, d


def unit_of(framework: Framework, code: str, lang: str = "vi") -> str:
    """The indicator's unit in `lang` (`unit_en` for English when the framework has it)."""
    nodes = framework.nodes
    for col in (("unit_en", "unit") if lang == "en" else ("unit", "unit_en")):
        if col in nodes.columns and str(nodes.at[code, col] or "").strip():
            return str(nodes.at[code, col]).strip()
    return ""


def resolution(values: np.ndarray) -> np.ndarray:
    """Reporting step of each indicator column: its national range / 10^(SIG_DIGITS - 1), a power of ten."""
    with np.errstate(all="ignore"):
        span = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
        span = np.where(span > 0, span, np.where(np.nanmax(np.abs(values), axis=0) > 0,
                                                 np.nanmax(np.abs(values), axis=0), 1.0))
        return 10.0 ** (np.floor(np.log10(span)) - (SIG_DIGITS - 1))


def search_bounds(rs: RawStanding) -> np.ndarray:
    return rs.bounds


def _search_bounds(rs: RawStanding) -> np.ndarray:
    """How far each indicator can move in its good direction: the framework's min/max value, else
    (values never negative) 0 below, else the best plus BEYOND_SPANS national ranges."""
    fw = rs.framework
    nodes = fw.nodes.loc[fw.indicators]
    d = fw.direction
    with np.errstate(all="ignore"):
        hi, lo = np.nanmax(rs.rates, axis=0), np.nanmin(rs.rates, axis=0)
        span = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 1.0))
    up = np.where(nodes["max_value"].notna(), nodes["max_value"].to_numpy(dtype=float), hi + BEYOND_SPANS * span)
    never_negative = (nodes["min_value"].fillna(-np.inf).to_numpy(dtype=float) >= 0) | (lo >= 0)
    down = np.where(nodes["min_value"].notna(), nodes["min_value"].to_numpy(dtype=float),
                    np.where(never_negative, 0.0, lo - BEYOND_SPANS * span))
    return np.where(d > 0, up, down)


def _grid(own: np.ndarray, best: np.ndarray, bound: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(indicators, G) candidate values from the province's value towards the bound, in order."""
    inside = np.linspace(0.0, 1.0, GRID_INSIDE + 1)[1:]
    reach_best = np.maximum((best - own) * d, 0.0)
    room = np.maximum((bound - own) * d, 0.0)
    beyond = np.geomspace(1e-3, 1.0, GRID_BEYOND)
    t = np.concatenate([reach_best[:, None] * inside[None, :],
                        reach_best[:, None] + (room - reach_best)[:, None] * beyond[None, :]], axis=1)
    t = np.minimum(t, room[:, None])
    return own[:, None] + d[:, None] * t


def raw_thresholds(rs: RawStanding, goal_ranks: list[int]) -> pd.DataFrame:
    """Per indicator, the raw value the province needs (alone) to reach each goal rank, by re-scoring.

    Columns: raw_value, national_best, national_average, bound (how far the search goes),
    resolution (the reporting step), monotone (False when, along the search, the rank gets worse
    as the value improves; worse_beyond: the searched value after which the rank first gets worse),
    best_rank_alone (the best rank any searched value gives), and per goal
    g: raw_for_<g> (NaN = no value up to the bound reaches it; the current value when already
    met). Each threshold is the first value on the reporting grid that reaches the goal, and the
    value one step before it does not (both re-checked by re-scoring).
    """
    fw = rs.framework
    d = fw.direction.astype(float)
    n = len(fw.indicators)
    own = rs.own
    present = ~np.isnan(own)
    best = np.where(d > 0, np.nanmax(rs.rates, axis=0), np.nanmin(rs.rates, axis=0))
    bound = search_bounds(rs)
    res = resolution(rs.rates)
    own_f = np.where(present, own, 0.0)
    grid = _grid(own_f, best, bound, d)                                   # (n, G)
    g = grid.shape[1]
    cols = np.repeat(np.arange(n), g)
    _, ranks = rs.rescore(cols, grid.ravel())
    ranks = ranks.reshape(n, g)
    _, base_rank = rs.base()
    path = np.concatenate([np.full((n, 1), base_rank), ranks], axis=1)
    worse = np.diff(path, axis=1) > 0
    monotone = ~worse.any(axis=1)
    values = np.concatenate([own_f[:, None], grid], axis=1)
    worse_beyond = np.where(monotone, np.nan, values[np.arange(n), worse.argmax(axis=1)])
    worst = np.where(d > 0, np.nanmin(rs.rates, axis=0), np.nanmax(rs.rates, axis=0))
    out = pd.DataFrame({"indicator": fw.indicators, "raw_value": own, "national_best": best, "national_worst": worst,
                        "national_average": np.nanmean(rs.rates, axis=0), "bound": bound, "resolution": res,
                        "monotone": monotone | ~present,
                        "worse_beyond": np.where(present, worse_beyond, np.nan),
                        "best_rank_alone": np.where(present, path.min(axis=1), np.nan)})
    for goal in goal_ranks:
        out[f"raw_for_{goal}"] = first_reaching(rs, goal, grid, ranks, base_rank, res, d, present)
    out.attrs.update(base_rank=base_rank, province=rs.province, year=rs.year)
    return out


def first_reaching(rs: RawStanding, goal, grid: np.ndarray, ranks: np.ndarray, base_rank: int,
                    res: np.ndarray, d: np.ndarray, present: np.ndarray, bound: np.ndarray | None = None
                    ) -> np.ndarray:
    """The smallest improvement on the reporting grid reaching `goal` for each indicator (NaN = none).

    `goal` is one rank for every indicator or one per indicator (NaN: none asked); `grid` (indicators, G)
    holds the searched values in order from the province's value and `ranks` the rank at each; `bound`
    (default `search_bounds`) is the furthest value a reported threshold may take."""
    n = len(grid)
    own = rs.own
    goal = np.broadcast_to(np.asarray(goal, dtype=float), (n,))
    asked = present & ~np.isnan(goal)
    met = asked & (base_rank <= goal)
    hit = ranks <= goal[:, None]
    found = hit.any(axis=1) & asked & ~met
    out = np.where(met, own, np.nan)
    if not found.any():
        return out
    idx = np.flatnonzero(found)
    gi = goal[idx]
    first = hit[idx].argmax(axis=1)
    hi = grid[idx, first]
    lo = np.where(first > 0, grid[idx, np.maximum(first - 1, 0)], own[idx])
    dd, rr = d[idx], res[idx]
    for _ in range(MAX_BISECT):                      # lo never reaches, hi does
        if np.all(np.abs(hi - lo) <= rr / 4):
            break
        mid = 0.5 * (lo + hi)
        reached = rs.rescore(idx, mid)[1] <= gi
        hi, lo = np.where(reached, mid, hi), np.where(reached, lo, mid)
    # snap to the reporting grid: the first grid value (in the good direction) that reaches the
    # goal with the value one step before it not reaching
    k0 = np.where(dd > 0, np.floor(lo / rr), np.ceil(lo / rr))
    steps = np.arange(-1, 4)
    cand = (k0[:, None] + dd[:, None] * steps[None, :]) * rr[:, None]       # (m, 5)
    bnd = (search_bounds(rs) if bound is None else np.asarray(bound, dtype=float))[idx][:, None]
    cand = np.where(dd[:, None] > 0, np.minimum(cand, bnd), np.maximum(cand, bnd))
    reached = (rs.rescore(np.repeat(idx, len(steps)), cand.ravel())[1] <= np.repeat(gi, len(steps))
               ).reshape(cand.shape)
    ok = reached[:, 1:] & ~reached[:, :-1]
    pick = np.where(ok.any(axis=1), cand[np.arange(len(idx)), 1 + ok.argmax(axis=1)], hi)
    out[idx] = pick
    return out


def top_average(rs: RawStanding, n: int) -> np.ndarray:
    """(indicators,) the average raw value of the `n` provinces with the highest PII (ties: panel order)."""
    pii = rs._base[2]
    top = np.argsort(-np.nan_to_num(pii, nan=-np.inf), kind="stable")[:n]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(rs.rates[top], axis=0)


def quantity_change(rs: RawStanding, new_values: np.ndarray) -> np.ndarray:
    """Change of the underlying quantity (numerator) at today's denominator for each indicator's
    new rate; NaN for indicators without a denominator (the rate is the quantity)."""
    fw = rs.framework
    nodes = fw.nodes.loc[fw.indicators]
    needs = (nodes["denominator"] != "none").to_numpy()
    if rs.denominators is None:
        return np.full(len(new_values), np.nan)
    scale = nodes["scale"].to_numpy(dtype=float)
    delta = (np.asarray(new_values, dtype=float) - rs.own) * rs.denominators[rs.row] / scale
    return np.where(needs, delta, np.nan)


def _floor_bounds(rs: RawStanding) -> np.ndarray:
    """How far each indicator's value can fall (its bad direction): the framework's min/max value, else 0
    (values never negative, for an indicator where more is better), else unbounded."""
    fw = rs.framework
    nodes = fw.nodes.loc[fw.indicators]
    with np.errstate(all="ignore"):
        lo = np.nanmin(rs.rates, axis=0)
    never_negative = (nodes["min_value"].fillna(-np.inf).to_numpy(dtype=float) >= 0) | (lo >= 0)
    down = np.where(nodes["min_value"].notna(), nodes["min_value"].to_numpy(dtype=float),
                    np.where(never_negative, 0.0, -np.inf))
    up = nodes["max_value"].fillna(np.inf).to_numpy(dtype=float)
    return np.where(fw.direction > 0, down, up)


def marginal_effects(rs: RawStanding, steps: np.ndarray) -> pd.DataFrame:
    """Exact effect of one realistic step in raw units per indicator, the whole panel re-scored: PII change
    and rank after the step in its good direction (kept within the search bound) and after the same step
    in its bad direction (a slip; kept within the values the indicator can take)."""
    fw = rs.framework
    d = fw.direction.astype(float)
    n = len(fw.indicators)
    steps = np.asarray(steps, dtype=float)
    bound, floor = search_bounds(rs), _floor_bounds(rs)
    new = rs.own + d * steps
    new = np.where(d > 0, np.minimum(new, bound), np.maximum(new, bound))
    slip = rs.own - d * steps
    slip = np.where(d > 0, np.maximum(slip, floor), np.minimum(slip, floor))
    base_pii, base_rank = rs.base()
    present = ~np.isnan(rs.own)
    pii, rank = rs.rescore(np.tile(np.arange(n), 2), np.where(np.tile(present, 2), np.concatenate([new, slip]),
                                                               np.nan))
    return pd.DataFrame({"indicator": fw.indicators, "raw_step": steps, "raw_after_step": new,
                         "pii_change_raw_step": pii[:n] - base_pii, "rank_after_raw_step": rank[:n],
                         "rank_gain_raw_step": base_rank - rank[:n], "raw_after_drop": slip,
                         "pii_change_raw_drop": pii[n:] - base_pii, "rank_after_raw_drop": rank[n:]})


def real_units(ctx, province: str, year: int | None = None, target_rank: int = 10, lang: str = "vi",
               levers: pd.DataFrame | None = None, pace_quantile: float = PACE_QUANTILE) -> pd.DataFrame:
    """One row per indicator, in real units, for the drivers table and its CSV.

    unit, denominator, raw_value (after denomination), national_best, national_average_raw,
    raw_for_next_rank / raw_for_target (NaN: no value up to raw_search_bound reaches it; the current
    value when already met), quantity_for_next_rank / quantity_for_target (change of the underlying
    quantity at today's denominator), monotone, best_rank_alone, raw_resolution, sustained_pace (raw units a
    year, `analysis.paces`: observed where the panel has observed years, else assumed) and pace_source,
    raw_step and its exact
    effect (pii_change_raw_step, rank_after_raw_step, rank_gain_raw_step) and that of the same slip
    (pii_change_raw_drop, rank_after_raw_drop), top10_average_raw (the Top-10 provinces' average),
    national_worst, years_to_next_rank /
    years_to_target (years at the sustained pace; inf when no province sustains a rise), and the levers
    (lead_agency, co_agencies, measured_by in `lang`, controllability, relative_cost, pace_share_of_range,
    levers_status).
    """
    from pii_analysis.analysis.paces import sustained_paces
    from pii_analysis.data.levers import lever_columns, load_levers

    fw = ctx.framework
    rs = raw_standing(ctx, province, year)
    _, rank = rs.base()
    goals = list(dict.fromkeys([max(rank - 1, 1), target_rank]))
    th = raw_thresholds(rs, goals)
    next_col, target_col = th[f"raw_for_{goals[0]}"], th[f"raw_for_{target_rank}"]
    if rank == 1:
        next_col = pd.Series(np.nan, index=th.index)
    paces = sustained_paces(ctx, rs.year, pace_quantile, province=rs.province)
    pace = paces["pace"].to_numpy()
    step = np.where(pace > 0, pace, th["resolution"].to_numpy())
    effects = marginal_effects(rs, step)
    nodes = fw.nodes.loc[fw.indicators]
    out = pd.DataFrame({
        "unit": [unit_of(fw, c, lang) for c in fw.indicators],
        "denominator": nodes["denominator"].to_numpy(),
        "raw_value": th["raw_value"].to_numpy(),
        "national_best": th["national_best"].to_numpy(),
        "national_average_raw": th["national_average"].to_numpy(),
        "raw_for_next_rank": next_col.to_numpy(),
        "raw_for_target": target_col.to_numpy(),
        "quantity_for_next_rank": quantity_change(rs, next_col.to_numpy()),
        "quantity_for_target": quantity_change(rs, target_col.to_numpy()),
        "monotone": th["monotone"].to_numpy(),
        "worse_beyond": th["worse_beyond"].to_numpy(),
        "best_rank_alone": th["best_rank_alone"].to_numpy(),
        "raw_search_bound": th["bound"].to_numpy(),
        "raw_resolution": th["resolution"].to_numpy(),
        "sustained_pace": pace,
        "pace_source": paces["pace_source"].to_numpy(),
        "raw_step": step,
        "pii_change_raw_step": effects["pii_change_raw_step"].to_numpy(),
        "rank_after_raw_step": effects["rank_after_raw_step"].to_numpy(),
        "rank_gain_raw_step": effects["rank_gain_raw_step"].to_numpy(),
        "pii_change_raw_drop": effects["pii_change_raw_drop"].to_numpy(),
        "rank_after_raw_drop": effects["rank_after_raw_drop"].to_numpy(),
        "top10_average_raw": top_average(rs, TOP_N),
        "national_worst": th["national_worst"].to_numpy(),
    }, index=pd.Index(fw.indicators, name="indicator"))
    d = fw.direction.astype(float)
    with np.errstate(all="ignore"):
        for key in ("next_rank", "target"):
            move = (out[f"raw_for_{key}"].to_numpy() - out["raw_value"].to_numpy()) * d
            out[f"years_to_{key}"] = np.where(pace > 0, move / pace, np.where(move > 0, np.inf, 0.0))
    levers = load_levers(indicators=fw.indicators) if levers is None else levers
    return out.join(lever_columns(levers, fw.indicators, lang))
