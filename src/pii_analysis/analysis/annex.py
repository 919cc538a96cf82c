"""The department annex of a province's plan as numbers: one row per framework indicator with its lead
department, today's value, the national mean and best, and the value needed each year on the minimum-effort
path to the province's rank milestones.

- milestones: the province's rank target of each year after the base year up to the final year
  (`projection.milestones`: the targets file's `rank` rows, the final target as page 03's); a year without
  its own milestone takes the next one's rank;
- each year Y: `effort.minimum_effort_plan` toward that year's rank on the deterministic trend path
  (n_draws=0, no budget): the raised indicators' values in Y (`raw_in_target_year`), the others' trend path
  value; a value reached in an earlier year is kept (never given back: running best in the indicator's
  better direction);
- places the indicator buys: `levers.rank_levers` toward the final target (page 02's column);
- lead and co-agencies from data/raw/indicator_levers.csv (`agency_assumed` where its status says
  assumption); `placement_assumed` where the framework's evidence is not `confirmed`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.analysis.effort import minimum_effort_plan
from pii_analysis.analysis.levers import rank_levers
from pii_analysis.analysis.projection import deterministic_rates, milestones
from pii_analysis.analysis.raw_units import unit_of
from pii_analysis.analysis.targets import province_target
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data.levers import lever_columns, load_levers

YEARS = tuple(range(2026, 2031))


def yearly_ranks(ctx, province: str, base: int, years=YEARS) -> pd.DataFrame:
    """year, target_rank for every year of `years` after `base` (the next milestone's rank)."""
    final = province_target(ctx, province, base_year=base, target_year=max(years))
    plan = milestones(ctx, province, target_rank=final.rank, target_year=max(years), base_year=base)
    rows = []
    for y in years:
        if y <= base:
            continue
        later = plan[plan["year"] >= y]
        rows.append({"year": y, "target_rank": int(later["target_rank"].iloc[0])})
    return pd.DataFrame(rows, columns=["year", "target_rank"])


def department_annex(ctx, province: str, *, base_year: int | None = None, lang: str = "vi",
                     years=YEARS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, plans): one row per indicator (module docstring; columns needed_<year>), and one row per
    year with the rank aimed at, the plan's status (effort.STATUSES), the rank it reaches and how many
    indicators it raises."""
    fw = ctx.framework
    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    codes = list(fw.indicators)
    d = fw.direction.astype(float)
    _, provinces, rates = panel_rates(ctx, [base])
    now = rates[0]
    p = provinces.index(province)
    with np.errstate(all="ignore"):
        mean = np.nanmean(now, axis=0)
        best = np.where(d > 0, np.nanmax(now, axis=0), np.nanmin(now, axis=0))
    ranks = yearly_ranks(ctx, province, base, years)
    out = pd.DataFrame({"indicator": codes, "name": [fw.name(c, lang) for c in codes],
                        "unit": [unit_of(fw, c, lang) for c in codes], "value_now": now[p], "national_mean": mean,
                        "national_best": best})
    plans, kept, raised = [], now[p].copy(), np.zeros(len(codes), dtype=bool)
    for y in years:
        if y <= base:
            out[f"needed_{y}"] = np.nan
            continue
        rank = int(ranks.loc[ranks["year"] == y, "target_rank"].iloc[0])
        plan = minimum_effort_plan(ctx, province, target_rank=rank, target_year=y, base_year=base, n_draws=0,
                                   budget=None, lang=lang)
        _, prov, path = deterministic_rates(ctx, base_year=base, target_year=y)
        value = path[-1][prov.index(province)].copy()
        up = plan.table.set_index("indicator")["raw_in_target_year"]
        idx = [codes.index(c) for c in up.index]
        value[idx] = up.to_numpy(dtype=float)
        raised[idx] = True
        with np.errstate(invalid="ignore"):
            kept = np.where(np.isnan(kept), value, np.where((value - kept) * d >= 0, value, kept))
        kept = np.where(np.isnan(value), np.nan, kept)
        out[f"needed_{y}"] = kept
        plans.append({"year": y, "target_rank": rank, "status": plan.status, "aimed_rank": plan.aimed_rank,
                      "achieved_rank": plan.achieved_rank, "indicators_raised": len(plan.table)})
    final = int(ranks["target_rank"].iloc[-1]) if len(ranks) else None
    levers = rank_levers(ctx, province, base_year=base, target_rank=final, target_year=max(years)).table
    out["places_gained"] = out["indicator"].map(levers.set_index("indicator")["places_gained"]).fillna(0).astype(int)
    out["raised_in_plan"] = raised
    lever = lever_columns(load_levers(indicators=codes), codes, lang)
    out["lead_agency"] = lever["lead_agency"].to_numpy()
    out["co_agencies"] = lever["co_agencies"].to_numpy()
    out["agency_assumed"] = (lever["levers_status"].astype(str).str.contains("assum")).to_numpy()
    evidence = fw.nodes.loc[codes, "evidence"].astype(str) if "evidence" in fw.nodes else pd.Series("", index=codes)
    out["placement_assumed"] = (evidence != "confirmed").to_numpy()
    out["evidence"] = evidence.to_numpy()
    return out, pd.DataFrame(plans)
