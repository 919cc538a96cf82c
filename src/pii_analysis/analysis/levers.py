"""The levers of a province: which indicators to raise first, toward its own target rank by its target year.

One ranking, shown by the summary, the drivers page (02) and `pii drivers`. For a province, its target
(rank R in year Y: `analysis.targets.province_target`) and the base year B, with h = Y - B years:

- **rivals move as projected**: every province's rates in Y on the projection's central path
  (`projection.deterministic_rates`; where only generated history exists the projection decides what its
  path is), the province's own indicators too, but one;
- **a lever raises that one indicator alone** from where the province's own path puts it in Y, no further
  than a sustained effort brings it by Y: the sustained pace (`analysis.paces`: observed where the panel
  has observed years, else the stated assumption of data/raw/indicator_levers.csv) for h years, less what
  the path already brings (the effort plan's cap, `analysis.effort`), within the values the indicator can
  take (`raw_units.search_bounds`);
- the whole panel of Y is **re-scored exactly** for every candidate value (`raw_units.RawStanding`: outlier
  rule, min-max bounds, every province re-normalised), all indicators' candidates in one engine call per
  search step;
- **reach** (the province's rank in Y on its path is worse than R): places gained toward R = the rank on the
  path - max(the rank with the lever, R). The lever's value (`value_needed`) is the smallest value on the
  indicator's reporting grid that gains the most places it can gain within the sustained effort; where it
  gains none, the value the whole sustained effort brings by Y;
- **protect** (at or above R on the path already): the lever takes the whole sustained effort by Y and is
  judged by the PII points of margin it adds over the province just below in Y (`margin_gained`);
- years_of_effort = the rise beyond the path / the pace; effort = years_of_effort x relative_cost (the effort
  plan's unit: one year at the full sustained pace of a cost-1 indicator);
- **order**: places gained per unit of effort (reach) or margin gained per unit of effort (protect), then
  PII points per unit of effort, then the province's weight of the indicator, then framework order; an
  indicator that cannot move (no value, no pace, no room, no gain) comes last. The first `N_LEVERS` are
  the levers (`lever_rank` 1..3);
- **reason**: a code (`REASONS`) and the numbers its sentence needs; `report.levers_text` words it.

`profile_levers` ranks the same way at the profile level (one province's profile, the others' published
totals): exact PII points per unit inside the national [min, max] (`profile_level.unit_drivers`), places
against the published totals held as they are (the others' indicator values are not known there), the
assumed paces (a profile has one year) and the same costs.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_TARGET_YEAR
from pii_analysis.data.errors import PiiInputError

N_LEVERS = 3
GRID = 40          # candidate values from the province's path value to the most a sustained effort brings
MODES = ("reach", "protect")
#: why an indicator is where it is in the ranking
REASONS = ("reach_target", "gains_places", "points", "protect", "passes_totals", "points_totals", "no_value", "no_pace",
           "no_room", "no_gain")
WEAK_SHARE = 1 / 3  # a weakness: among the bottom third of provinces on the indicator, below the average
TOL = 1e-12
#: the ranking's columns a drivers table carries (`analysis.drivers.lever_order`)
TABLE_COLUMNS = ("indicator", "lever_order", "lever_rank", "lever_mode", "target_rank", "target_year", "reason_code",
                 "weak", "indicator_rank", "n_provinces", "lever_below", "lever_below_margin", "value_now",
                 "value_path", "value_needed", "value_cap", "gap_below_average", "years_of_effort",
                 "effort", "places_gained", "rank_with_lever", "pii_points", "margin_gained", "places_per_effort",
                 "points_per_effort", "margin_per_effort", "usable")


@dataclass(frozen=True)
class Levers:
    """The ranking of one province's indicators (`table`, best first) and what it was ranked for."""

    table: pd.DataFrame
    province: str
    base_year: int
    target_rank: int
    target_year: int
    mode: str                   # 'reach' | 'protect'
    base_rank: int              # in the base year
    path_rank: int              # in the target year on the projection's central path
    path_pii: float
    n_provinces: int
    pace_source: str            # 'observed' | 'assumption' | 'mixed'
    below: str = ""             # protect: the province just below in the target year
    below_margin: float = float("nan")   # its PII margin on the path
    meta: dict = field(default_factory=dict)

    @property
    def chosen(self) -> pd.DataFrame:
        """The `N_LEVERS` levers, lever_rank order."""
        return self.table[self.table["lever_rank"].notna()].reset_index(drop=True)

    def attrs(self) -> dict:
        """What a table carrying these levers says about them (drivers table attrs)."""
        return {"lever_mode": self.mode, "target_year": self.target_year, "path_rank": self.path_rank,
                "path_pii": self.path_pii, "lever_below": self.below, "lever_below_margin": self.below_margin,
                "pace_source": self.pace_source, "horizon": self.target_year - self.base_year}


def rank_levers(ctx, province: str, *, base_year: int | None = None, target_rank: int | None = None,
                target_year: int = DEFAULT_TARGET_YEAR, n: int = N_LEVERS) -> Levers:
    """The province's levers toward `target_rank` (None: its own or default target, as page 03's) by
    `target_year` (module docstring). Worked out once per context and arguments; the table is a copy."""
    from pii_analysis.data import memo
    from pii_analysis.analysis.targets import province_target

    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    if isinstance(target_year, bool) or not isinstance(target_year, (int, np.integer)) or target_year <= base:
        raise PiiInputError(f"the target year must be a year after the base year {base}, got {target_year!r}",
                            column="target_year")
    rank = province_target(ctx, province, base_year=base, target_rank=target_rank, target_year=int(target_year)).rank
    out = memo.kept(ctx, ("levers", province, base, rank, int(target_year), n),
                     lambda: _rank(ctx, province, base, rank, int(target_year), n))
    return replace(out, table=out.table.copy())


def _rank(ctx, province: str, base: int, target_rank: int, target_year: int, n: int) -> Levers:
    from pii_analysis.analysis.paces import pace_source, sustained_paces
    from pii_analysis.analysis.projection import deterministic_rates, rate_method
    from pii_analysis.analysis.raw_units import (
        RawStanding,
        first_reaching,
        own_rank,
        raw_standing,
        resolution,
        search_bounds,
    )
    from pii_analysis.data.levers import lever_columns, load_levers
    from pii_analysis.index.scoring import rank_desc

    fw = ctx.framework
    codes = fw.indicators
    d = fw.direction.astype(float)
    h = float(target_year - base)
    today = raw_standing(ctx, province, base)
    _, provinces, path = deterministic_rates(ctx, base_year=base, target_year=target_year)
    rs = RawStanding(fw, rate_method(ctx), target_year, province, list(provinces), path[-1], None)
    own_now, own_path = today.own, rs.own
    paces = sustained_paces(ctx, base, province=province).set_index("indicator").reindex(codes)
    pace = paces["pace"].to_numpy(dtype=float)
    cost = lever_columns(load_levers(indicators=codes), codes)["relative_cost"].to_numpy(dtype=float)

    present = ~np.isnan(own_path) & ~np.isnan(own_now)
    with np.errstate(invalid="ignore"):
        trend = np.nan_to_num(np.maximum((own_path - own_now) * d, 0.0))
        room = np.maximum(np.nan_to_num(pace) * h - trend, 0.0)
    bound = search_bounds(rs)
    start = np.where(present, own_path, 0.0)
    cap = start + d * room
    cap = np.where(d > 0, np.minimum(cap, bound), np.maximum(cap, bound))
    reach = np.maximum((cap - start) * d, 0.0)
    movable = present & (np.nan_to_num(pace) > 0) & (reach > 0)
    base_pii, path_rank = rs.base()
    field_pii = rs.field_pii
    mode = "reach" if path_rank > target_rank else "protect"

    idx = np.flatnonzero(movable)
    k = len(codes)
    value = start.copy()
    if mode == "reach" and len(idx):
        steps = np.linspace(0.0, 1.0, GRID + 1)[1:]
        grid = start[:, None] + d[:, None] * reach[:, None] * steps[None, :]          # (I, G)
        ranks = np.full(grid.shape, float(path_rank))
        ranks[idx] = rs.rescore(np.repeat(idx, GRID), grid[idx].ravel())[1].reshape(len(idx), GRID)
        best = ranks.min(axis=1)
        goal = np.where(movable & (best < path_rank), np.maximum(best, target_rank), np.nan)
        needed = first_reaching(rs, goal, grid, ranks, path_rank, resolution(rs.rates), d, movable, bound=cap)
        value = np.where(~np.isnan(needed), needed, np.where(movable, cap, start))
    elif len(idx):
        value = np.where(movable, cap, start)

    pii_all = np.repeat(field_pii[None], k, axis=0)
    if len(idx):
        pii_all[idx] = rs.rescore_all(idx, value[idx])
    row = rs.row
    own_pii = pii_all[:, row]
    rank_with = np.where(movable, own_rank(pii_all, row, rs.method.rank_decimals), float(path_rank))
    points = np.where(movable, own_pii - base_pii, 0.0)
    places = np.where(movable & (mode == "reach"), np.maximum(path_rank - np.maximum(rank_with, target_rank), 0), 0)
    below, margin0, margin = _below(field_pii, row, list(provinces)) if mode == "protect" else ("", np.nan, None)
    margin_gained = np.where(movable, pii_all[:, row] - pii_all[:, margin], np.nan) - margin0 \
        if margin is not None else np.full(k, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.where(movable, (value - start) * d / pace, np.nan)
    effort = years * cost
    gain = points if mode == "reach" else np.nan_to_num(margin_gained, nan=0.0) if margin is not None else points
    usable = movable & ((places > 0) | (gain > TOL)) & (effort > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_place = np.where(usable, places / effort, np.nan)
        per_point = np.where(usable, points / effort, np.nan)
        per_margin = np.where(usable, margin_gained / effort, np.nan)
    weight = rs.weights_of_province

    # the base-year standing on each indicator, for the reason (a weakness?)
    scores, at = today.normalised, today.row
    ind_rank = rank_desc(scores.T, ctx.method.rank_decimals)[:, at]
    average = np.nanmean(scores, axis=0)
    n_prov = int(np.sum(~np.isnan(field_pii)))
    weak = (ind_rank > n_prov * (1 - WEAK_SHARE)) & (scores[at] < average)

    reason = np.select(
        [~present, ~(np.nan_to_num(pace) > 0), ~(reach > 0), ~usable, np.full(k, mode == "protect"),
         (places > 0) & (np.maximum(rank_with, target_rank) == target_rank), places > 0],
        ["no_value", "no_pace", "no_room", "no_gain", "protect", "reach_target", "gains_places"], "points")
    first = per_margin if mode == "protect" and margin is not None else per_place
    order = np.lexsort((np.arange(k), -np.nan_to_num(weight), -np.nan_to_num(per_point, nan=-np.inf),
                        -np.nan_to_num(first, nan=-np.inf), ~usable))
    table = pd.DataFrame({
        "indicator": codes, "lever_mode": mode, "reason_code": reason, "weak": weak & present,
        "indicator_rank": ind_rank, "score": scores[at], "national_average_score": average,
        "value_now": own_now, "value_path": own_path, "value_needed": np.where(movable, value, np.nan),
        "value_cap": np.where(present, cap, np.nan), "pace": pace, "pace_source": paces["pace_source"].to_numpy(),
        "share_of_range": paces["share_of_range"].to_numpy(), "catch_up_share": paces["catch_up_share"].to_numpy(),
        "gap_below_average": paces["gap_below_average"].to_numpy(), "years_of_effort": years, "relative_cost": cost,
        "effort": effort, "places_gained": places.astype(int), "rank_with_lever": rank_with, "pii_points": points,
        "margin_gained": margin_gained, "places_per_effort": per_place, "points_per_effort": per_point,
        "margin_per_effort": per_margin, "lever_weight": weight, "usable": usable,
    }).iloc[order].reset_index(drop=True)
    table = table.assign(target_rank=int(target_rank), target_year=int(target_year), n_provinces=n_prov,
                         lever_below=below, lever_below_margin=margin0)
    _number_levers(table, n)
    return Levers(table=table, province=province, base_year=base, target_rank=int(target_rank),
                  target_year=target_year, mode=mode, base_rank=int(today.base()[1]), path_rank=int(path_rank),
                  path_pii=float(base_pii), n_provinces=n_prov, pace_source=pace_source(paces),
                  below=below, below_margin=float(margin0))


def _number_levers(table: pd.DataFrame, n: int) -> None:
    """Insert lever_order (1..k, the table's order) and lever_rank (1..n on the first n usable rows, else NA)."""
    usable = table["usable"].to_numpy()
    chosen = usable & (np.cumsum(usable) <= n)
    table.insert(1, "lever_order", np.arange(1, len(table) + 1))
    table.insert(2, "lever_rank", pd.array(np.where(chosen, np.cumsum(chosen), 0), dtype="Int64"))
    table.loc[~chosen, "lever_rank"] = pd.NA


def _below(pii: np.ndarray, row: int, provinces: list[str]) -> tuple[str, float, int | None]:
    """The province just below `row` on the PII of the target year (the highest PII not above it, other than
    the province itself): its name, the margin and its index; ('', NaN, None) for the last."""
    others = np.array([j for j in range(len(pii)) if j != row and not np.isnan(pii[j]) and pii[j] <= pii[row]])
    if not len(others):
        return "", float("nan"), None
    j = int(others[np.argmax(pii[others])])
    return provinces[j], float(pii[row] - pii[j]), j


# --- the profile level: one province's profile and the others' published totals ------------------------------
def profile_levers(result, *, target_year: int = DEFAULT_TARGET_YEAR, n: int = N_LEVERS) -> pd.DataFrame:
    """The profile level's levers (module docstring), one row per indicator of the profile, best first:
    code, lever_order, lever_rank, reason_code ('passes_totals', 'points_totals' or why not a lever), value_now,
    value_needed, value_cap, pace (assumed: the profile's national range x the levers file's share; a profile
    holds one year and not the national average, so no catch-up), pace_source ('assumption'), years_of_effort,
    relative_cost, effort, pii_points, places_gained (published totals passed, the others held at them),
    places_per_effort, points_per_effort, usable, target_year, rivals ('published totals'), then the columns of
    `result.drivers`. attrs: target_year, horizon, pace_source, rivals, published_above."""
    from pii_analysis.analysis.raw_units import SIG_DIGITS
    from pii_analysis.data.levers import lever_columns, load_levers

    d = result.drivers.copy()
    year = int(result.year)
    if target_year <= year:
        raise PiiInputError(f"the target year must be a year after {year}, got {target_year!r}",
                            column="target_year")
    h = float(target_year - year)
    codes = d["code"].astype(str).tolist()
    lever = lever_columns(load_levers(), codes)
    direction = np.sign(d["pii_per_unit"].to_numpy(dtype=float))
    value = d["value"].to_numpy(dtype=float)
    span = (d["national_max"] - d["national_min"]).to_numpy(dtype=float)
    pace = lever["pace_share_of_range"].to_numpy(dtype=float) * span
    cost = lever["relative_cost"].to_numpy(dtype=float)
    per_unit = np.abs(d["pii_per_unit"].to_numpy(dtype=float))
    most = d["max_pii_gain"].to_numpy(dtype=float)
    room = pace * h
    present = np.isfinite(value) & np.isfinite(per_unit) & (pace > 0)
    gain_cap = np.where(present, np.minimum(per_unit * room, most), 0.0)
    gaps = _published_gaps(result)
    passed = np.array([int(np.sum(gaps < g - TOL)) for g in gain_cap])
    needed_gain = np.array([gaps[k - 1] if k > 0 else np.nan for k in passed])
    res = 10.0 ** (np.floor(np.log10(np.where(span > 0, span, 1.0))) - (SIG_DIGITS - 1))   # as raw_units reports
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(passed > 0, (np.floor(needed_gain / per_unit / res) + 1) * res, room)
    rise = np.where(present, np.minimum(rise, room), 0.0)
    points = np.where(present, np.minimum(per_unit * rise, most), 0.0)
    places = np.array([int(np.sum(gaps < p - TOL)) for p in points])
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.where(present, rise / pace, np.nan)
    effort = years * cost
    usable = present & (points > TOL) & (effort > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_place = np.where(usable, places / effort, np.nan)
        per_point = np.where(usable, points / effort, np.nan)
    reason = np.select([~np.isfinite(value), ~(pace > 0), ~usable, places > 0],
                       ["no_value", "no_pace", "no_gain", "passes_totals"], "points_totals")
    k = len(codes)
    order = np.lexsort((np.arange(k), -np.nan_to_num(d["effective_weight"].to_numpy(dtype=float)),
                        -np.nan_to_num(per_point, nan=-np.inf), -np.nan_to_num(per_place, nan=-np.inf), ~usable))
    table = pd.DataFrame({
        "code": codes, "reason_code": reason, "value_now": value,
        "value_needed": np.where(present, value + direction * rise, np.nan),
        "value_cap": np.where(present, value + direction * room, np.nan), "pace": pace,
        "pace_source": "assumption", "share_of_range": lever["pace_share_of_range"].to_numpy(),
        "years_of_effort": years, "relative_cost": cost, "effort": effort, "pii_points": points,
        "places_gained": places, "places_per_effort": per_place, "points_per_effort": per_point,
        "usable": usable}).iloc[order].reset_index(drop=True)
    _number_levers(table, n)
    table = table.astype({"code": str}).merge(d.astype({"code": str}), on="code", how="left").assign(
        target_year=int(target_year), rivals="published totals", lever_mode="reach")
    table.attrs.update(target_year=target_year, horizon=int(h), pace_source="assumption",
                       rivals="published totals", published_above=int(len(gaps)))
    return table


def _published_gaps(result) -> np.ndarray:
    """The PII points the province must gain MORE than to pass each published total above it, ascending."""
    if not np.isfinite(result.pii) or result.standing is None or not len(result.standing):
        return np.array([])
    gaps = result.standing["gap_pii"].round(2).to_numpy(dtype=float)   # published totals' precision
    return np.sort(gaps[gaps > 0])
