"""Scenarios side by side: the standard set a report compares and their projected ranks.

Kept apart from `scenarios` (what a scenario is and how it changes values) and `projection`
(how values evolve), which it combines, so neither of those imports the other's caller.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from pii_analysis.analysis.projection import DEFAULT_SEED, project, shared_projection
from pii_analysis.analysis.scenarios import available_scenarios, load_scenario, plan_scenario, typical_delivery
from pii_analysis.data.errors import PiiInputError


def comparison_set(ctx, province: str, *, base_year: int | None = None,
                   extra: list[Any] | None = None) -> list[Any]:
    """Scenarios to compare: baseline, the province's plan (when it has mapped targets),
    the shipped example scenarios, then `extra` (e.g. the minimum-effort plan)."""
    out: list[Any] = ["baseline"]
    try:
        plan = plan_scenario(ctx, province, base_year=base_year)
        out += [plan, typical_delivery(plan)]
    except PiiInputError:
        pass  # no mapped targets for this province: nothing to compare
    out += [n for n in available_scenarios() if n not in ("baseline", "plan", "plan_typical")]
    return out + list(extra or [])



def compare_scenarios(ctx, province: str, scenarios: list[Any], *, base_year: int | None = None,
                      target_year: int = 2030, target_rank: int = 10, n_draws: int = 1000,
                      seed: int | None = None, lang: str = "vi", draws=None) -> pd.DataFrame:
    """Per scenario and projected year: median rank, 5-95% interval, P(rank <= target_rank).

    Every scenario uses the same seed (common random numbers), so differences come from
    the scenario, not from the draws; with `draws` (draws.ReportDraws) every scenario comes from the
    report's one set of draws, so the baseline row prints the headline's probability.
    """
    seed = DEFAULT_SEED if seed is None else seed
    rows = []
    for spec in scenarios:
        sc = load_scenario(spec, ctx, province=province, base_year=base_year)
        if draws is not None:
            proj = draws.projection(sc, province)
        elif sc.changes or sc.volatility != 1.0 or sc.delivery is not None:
            proj = project(ctx, province=province, scenario=sc, base_year=base_year, target_year=target_year,
                           n_draws=n_draws, seed=seed)
        else:  # the baseline is shared by every province of a report run
            proj = shared_projection(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
        summary = proj.rank_summary(province, target_rank)
        summary.insert(0, "scenario", sc.name)
        summary.insert(1, "label", sc.title(lang))
        rows.append(summary)
    return pd.concat(rows, ignore_index=True)
