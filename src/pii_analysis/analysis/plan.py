"""A province's plan judged: every target row (data/targets.py, six kinds) against the data it can be judged on.

- a past year (a year the data hold): `met` / `not met`, with the margin (target minus value for a rank,
  value minus target otherwise; for an indicator in its better direction): positive = met with room,
  negative = short by that much;
- a future year: the model-average probability of meeting it from the baseline projection (one set of
  draws: pass the page's projection), classified by the page-03 bands (`verdict.classify`: `on track`,
  `needs acceleration`, `off track`), with today's value and margin;
- what the data level cannot judge says so (`cannot be judged`, with the reason code in `reason`):
  at the profile and published levels only the province's own scores and the published totals of others
  are known (no national means of pillars or indicators, no projection of the others).

Reasons (codes; the words are in report/): no_data_year, beyond_horizon, no_group_totals, no_national_mean,
no_indicator_value, no_projection, no_rank.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.analysis.projection import baseline_rate_blocks
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.analysis.verdict import Thresholds, classify
from pii_analysis.data.targets import load_groups, load_targets

COLUMNS = ("province", "year", "kind", "value", "group", "current_year", "current_value", "status",
           "probability", "margin", "reason", "source")
STATUS = {"on_track": "on track", "needs_acceleration": "needs acceleration", "off_track": "off track"}
LOWER_IS_BETTER = ("rank", "group_rank")


def plan_targets(ctx, province: str, targets_path=None) -> pd.DataFrame:
    """The province's target rows, checked against the context's framework (codes, pillar count)."""
    fw = ctx.framework
    return load_targets(targets_path, province=province, resolver=ctx.resolver, indicators=list(fw.indicators),
                        n_pillars=len(fw.pillars))


def margin(kind: str, target: float, value: float, direction: float = 1.0) -> float:
    """How far the value is past the target (positive = met with room, negative = short by)."""
    if kind in LOWER_IS_BETTER:
        return float(target - value)
    return float((value - target) * (direction if kind == "indicator" else 1.0))


def _group_members(groups: pd.DataFrame, group: str) -> list[str]:
    return groups.loc[groups["group"] == group, "province"].tolist()


def _rates_frame(ctx, year: int) -> pd.DataFrame:
    _, provinces, rates = panel_rates(ctx, [year])
    return pd.DataFrame(rates[0], index=provinces, columns=ctx.framework.indicators)


def above_mean_share(own: np.ndarray, others: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Share of the indicators where `own` (..., I) is at or above the mean over provinces of `others`
    (..., P, I) in the indicator's better direction; indicators without a value or a mean are left out."""
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(others, axis=-2)
        ok = np.isfinite(own) & np.isfinite(mean)
        at = ((own - mean) * direction >= 0) & ok
    return at.sum(axis=-1) / np.maximum(ok.sum(axis=-1), 1)


def panel_value(ctx, province: str, year: int, kind: str, group: str, groups: pd.DataFrame) -> float:
    """The province's value of a target kind in a data year of the panel."""
    fw = ctx.framework
    ranking = ctx.scores.ranking(year).set_index("province")
    if kind == "rank":
        return float(ranking.at[province, "rank"])
    if kind == "score":
        return float(ranking.at[province, "pii"])
    if kind == "group_rank":
        members = [m for m in _group_members(groups, group) if m in ranking.index]
        return float(1 + (ranking.loc[members, "rank"] < ranking.at[province, "rank"]).sum())
    if kind == "pillars_above_national_mean":
        cols = [f"p{c}" for c in fw.pillars]
        return float((ranking.loc[province, cols] >= ranking[cols].mean()).sum())
    rates = _rates_frame(ctx, year)
    if kind == "indicator":
        return float(rates.at[province, group])
    return float(above_mean_share(rates.loc[province].to_numpy(), rates.to_numpy(), fw.direction))


def _future_events(ctx, proj, province: str, rows: pd.DataFrame, groups: pd.DataFrame) -> dict[int, np.ndarray]:
    """Per row index: the boolean event (draws,) of meeting the target in its year."""
    fw = ctx.framework
    p = proj.index(province)
    events: dict[int, np.ndarray] = {}
    needs_rates = []
    for i, row in rows.iterrows():
        h = proj.year_index(int(row["year"]))
        v = float(row["value"])
        if row["kind"] == "rank":
            events[i] = proj.ranks[:, h, p] <= v
        elif row["kind"] == "score":
            events[i] = proj.pii(province)[:, h] >= v
        elif row["kind"] == "group_rank":
            q = [proj.index(m) for m in _group_members(groups, row["group"]) if m in proj.provinces and m != province]
            events[i] = 1 + (proj.ranks[:, h, q] < proj.ranks[:, h, p][:, None]).sum(axis=1) <= v
        elif row["kind"] == "pillars_above_national_mean":
            k = [proj.codes.index(c) for c in fw.pillars]
            s = proj.scores[:, h][..., k]                     # (D, P, pillars)
            events[i] = (s[:, p] >= s.mean(axis=1)).sum(axis=1) >= v
        else:
            needs_rates.append(i)
    if needs_rates:
        out = {i: np.zeros(proj.n_draws, dtype=bool) for i in needs_rates}
        direction = fw.direction
        for lo, rates in baseline_rate_blocks(ctx, proj):
            n = rates.shape[0]
            for i in needs_rates:
                row = rows.loc[i]
                h = proj.year_index(int(row["year"]))
                if row["kind"] == "indicator":
                    j = fw.indicators.index(row["group"])
                    d = direction[j]
                    out[i][lo:lo + n] = (rates[:, h, p, j] - float(row["value"])) * d >= 0
                else:
                    out[i][lo:lo + n] = above_mean_share(rates[:, h, p], rates[:, h], direction) >= float(row["value"])
        events.update(out)
    return events


def judge_panel(ctx, province: str, targets: pd.DataFrame, proj=None, *,
                thresholds: Thresholds = Thresholds(), groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every target row of the province judged on a full panel (see the module docstring). `proj`: the
    baseline projection of the page (its base year is today's data year); None judges past years only."""
    groups = load_groups(resolver=ctx.resolver) if groups is None else groups
    fw = ctx.framework
    years = ctx.panel.years
    current = proj.base_year if proj is not None else years[-1]
    rows = targets.reset_index(drop=True)
    future = rows[rows["year"] > current]
    future = future[future["year"].isin(proj.years)] if proj is not None else future.iloc[0:0]
    events = _future_events(ctx, proj, province, future, groups) if len(future) else {}
    out = []
    for i, row in rows.iterrows():
        kind, year, group = row["kind"], int(row["year"]), row["group"]
        direction = float(fw.nodes.at[group, "direction"]) if kind == "indicator" else 1.0
        at = year if year <= current else current
        rec = {**{c: row[c] for c in ("province", "year", "kind", "value", "group", "source")},
               "current_year": at, "current_value": np.nan, "status": "cannot be judged", "probability": np.nan,
               "margin": np.nan, "reason": ""}
        if at not in years:
            rec.update(current_year=np.nan, reason="no_data_year")
            out.append(rec)
            continue
        if at < current and at in ctx.panel.generated_years:   # an earlier generated year: not a fact to judge
            rec["reason"] = "generated_year"
            out.append(rec)
            continue
        value = panel_value(ctx, province, at, kind, group, groups)
        rec.update(current_value=value, margin=margin(kind, float(row["value"]), value, direction))
        if not np.isfinite(value):
            rec.update(reason="no_indicator_value")
        elif year <= current:
            rec["status"] = "met" if rec["margin"] >= 0 else "not met"
        elif i in events:
            prob = float(proj.prob(events[i]))
            rec.update(probability=prob, status=STATUS[classify(prob, thresholds)])
        else:
            rec["reason"] = "beyond_horizon" if proj is not None else "no_projection"
        out.append(rec)
    return pd.DataFrame(out, columns=list(COLUMNS))


def _rank_against(result, target: float) -> tuple[float, str]:
    """The rank to judge a rank target by when the published neighbours only bound it (rank_bounds): the
    worst rank left when every rank left meets the target, the best when none does; NaN and the reason
    'rank_interval' when the interval straddles the target (never a guessed single place)."""
    if np.isfinite(result.rank):
        return float(result.rank), ""
    bounds = getattr(result, "bounds", None)
    possible = tuple(bounds.possible) if bounds is not None else ()
    if not possible:
        return np.nan, "no_rank"
    if max(possible) <= target:
        return float(max(possible)), ""
    if min(possible) > target:
        return float(min(possible)), ""
    return np.nan, "rank_interval"


def judge_level(result, targets: pd.DataFrame, *, groups: pd.DataFrame | None = None,
                framework=None) -> pd.DataFrame:
    """The target rows at the profile or published level (`analysis.profile_level` results): the
    province's own total and rank, a group rank where every member's total is published, an indicator
    whose value the profile holds, for the result's year; the rest cannot be judged (reason given), and
    future years are not projected at these levels (the others' totals are not published)."""
    from pii_analysis.index.framework import default_framework

    groups = load_groups() if groups is None else groups
    fw = framework or default_framework()
    totals = result.totals.set_index("province")
    values = {}
    if getattr(result, "scores", None) is not None and "value" in result.scores:
        ind = result.scores[result.scores["level"] == "indicator"]
        values = dict(zip(ind["code"].astype(str), ind["value"].astype(float)))
    out = []
    for _, row in targets.reset_index(drop=True).iterrows():
        kind, year, group = row["kind"], int(row["year"]), row["group"]
        rec = {**{c: row[c] for c in ("province", "year", "kind", "value", "group", "source")},
               "current_year": result.year, "current_value": np.nan, "status": "cannot be judged",
               "probability": np.nan, "margin": np.nan, "reason": ""}
        value, reason = np.nan, ""
        if kind == "rank":
            value, reason = _rank_against(result, float(row["value"]))
        elif kind == "score":
            value, reason = float(result.pii), ("" if np.isfinite(result.pii) else "no_rank")
        elif kind == "group_rank":
            members = _group_members(groups, group)
            pii = totals.reindex(members)["pii_score"].astype(float)
            pii[result.province] = result.pii
            if pii.notna().all():
                value = float(1 + (pii.drop(result.province) > result.pii).sum())
            else:
                reason = "no_group_totals"
        elif kind == "indicator":
            value = values.get(group, np.nan)
            reason = "" if np.isfinite(value) else "no_indicator_value"
        else:
            reason = "no_national_mean"
        direction = float(fw.nodes.at[group, "direction"]) if kind == "indicator" and group in fw.nodes.index else 1.0
        rec.update(current_value=value, reason=reason)
        if np.isfinite(value):
            rec["margin"] = margin(kind, float(row["value"]), value, direction)
            if year == result.year:
                rec["status"] = "met" if rec["margin"] >= 0 else "not met"
            elif year > result.year:
                rec["reason"] = "no_projection"
            else:
                rec.update(reason="no_data_year", current_value=np.nan, margin=np.nan)
        out.append(rec)
    return pd.DataFrame(out, columns=list(COLUMNS))


def judge_plan(source, province: str, *, projection=None, targets_path=None) -> pd.DataFrame:
    """The plan judged at the data level `source` holds (a data.shapes.DataLevel): a Context (full panel;
    `projection` = the page's baseline projection) or a profile / published level result
    (analysis.data_level.open_data), which judges the kinds of its `plan_kinds`."""
    if source.data_level == "panel":
        province = source.check_province(province)
        return judge_panel(source, province, plan_targets(source, province, targets_path), projection)
    return judge_level(source, load_targets(targets_path, province=source.province))
