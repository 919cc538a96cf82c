"""The most actionable levers of a province, chosen by one stated rule (the summary page shows them and
states the rule under them).

The rule, on the drivers table (`analysis.drivers.analyse`, one row per indicator, real units):
1. a lever is an indicator a department can act on: controllability `direct` or `partly` in
   data/raw/indicator_levers.csv (outcome indicators only when fewer than `n` others are left);
2. its move is one year's improvement at the sustained pace (`raw_step` = `sustained_pace`, the yearly
   rise the best-improving tenth of provinces have kept up), whose exact effect on the province's rank
   and PII the drivers table holds (`rank_gain_raw_step`, `pii_change_raw_step`: the whole panel
   re-scored); an indicator whose move gains nothing (already the best value, no pace) is no lever;
3. that move costs an effort equal to the indicator's relative cost (`relative_cost`, 1 when the levers
   file says nothing: the effort plan's "effort" of one year at the full sustained pace);
4. the levers are the indicators with the most places gained per unit of effort, then the most PII
   points per unit of effort, then the drivers table's order.
Without the real-units columns (a drivers table from elsewhere) the normalised step's effect
(`rank_gain`, `pii_change_step`) stands in for the year at the sustained pace.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CONTROLLABLE = ("direct", "partly")
RULE_COLUMNS = ("places_per_effort", "points_per_effort")


def effects(drivers: pd.DataFrame) -> tuple[str, str]:
    """The drivers table's columns holding the move's rank gain and PII change (real units first)."""
    if {"rank_gain_raw_step", "pii_change_raw_step"} <= set(drivers.columns):
        return "rank_gain_raw_step", "pii_change_raw_step"
    return "rank_gain", "pii_change_step"


def lever_scores(drivers: pd.DataFrame) -> pd.DataFrame:
    """The drivers table with the rule's columns: effort (relative cost), places_per_effort,
    points_per_effort, controllable and usable (the move gains some PII)."""
    places, points = effects(drivers)
    out = drivers.copy()
    cost = pd.to_numeric(out["relative_cost"], errors="coerce") if "relative_cost" in out else \
        pd.Series(np.nan, index=out.index)
    out["effort"] = cost.where(cost > 0).fillna(1.0)
    gained = pd.to_numeric(out[points], errors="coerce")
    out["places_per_effort"] = pd.to_numeric(out[places], errors="coerce").fillna(0.0).clip(lower=0.0) / out["effort"]
    out["points_per_effort"] = gained / out["effort"]
    control = out["controllability"].astype(str) if "controllability" in out else pd.Series("", index=out.index)
    out["controllable"] = control.isin(CONTROLLABLE)
    out["usable"] = gained.gt(1e-12)
    return out


def actionable_levers(drivers: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The `n` levers the rule chooses (module docstring), best first, with the rule's columns."""
    scored = lever_scores(drivers.reset_index(drop=True))
    scored["_order"] = np.arange(len(scored))
    ranked = scored[scored["usable"]].sort_values(
        ["places_per_effort", "points_per_effort", "_order"], ascending=[False, False, True], kind="stable")
    chosen = pd.concat([ranked[ranked["controllable"]], ranked[~ranked["controllable"]]]).head(n)
    return chosen.drop(columns="_order").reset_index(drop=True)
