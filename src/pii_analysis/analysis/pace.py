"""Indicator targets, Eurostat-style: the actual pace of each mapped plan target against the pace needed.

For every quantified target of the province's own plan mapped to an indicator
(`data/raw/resolution06_indicator_map.csv`, through the 'plan' scenario), in the indicator's own units:
- required pace: for a level target, (target - base-year value) / (target year - base year) a year; for a
  growth target, the stated growth rate (% a year);
- actual pace: over the observed years up to the base year (never a generated one: `history`), the average yearly change (level targets)
  or the compound yearly growth (growth targets), direction-aware;
- the ratio actual / required, banded as Eurostat's SDG monitoring does for quantified targets
  (Eurostat, "SDG indicators in the EU: methodology"): at least 95% 'on_track' (significant progress),
  60-95% 'moderate', 0-60% 'insufficient', below zero 'moving_away';
- no pace is judged with fewer than MIN_YEARS observations ('too_short'); a target already met at the
  base year is 'met' (reported, never silently ignored).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.analysis.history import history_years
from pii_analysis.analysis.scenarios import plan_scenario
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data.errors import PiiInputError

MIN_YEARS = 3          # observations of the series before a pace is judged
ON_TRACK = 0.95        # Eurostat: >= 95% of the required pace
MODERATE = 0.60        # 60-95% moderate; 0-60% insufficient; < 0 moving away
BANDS = ("on_track", "moderate", "insufficient", "moving_away", "met", "too_short")


def band(ratio: float) -> str:
    """Eurostat's band of a pace ratio (actual / required)."""
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= MODERATE:
        return "moderate"
    if ratio >= 0:
        return "insufficient"
    return "moving_away"


def target_pace(ctx, province: str, *, base_year: int | None = None, min_years: int = MIN_YEARS,
                map_path=None, targets_path=None, lang: str = "vi") -> pd.DataFrame:
    """One row per mapped target: indicator, name, unit, kind, base_year, base_value, target_value, target_year,
    years (observations), actual_pace, required_pace, ratio, band, note. Empty when the province has no
    mapped targets."""
    fw = ctx.framework
    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    try:
        plan = plan_scenario(ctx, province, base_year=base, map_path=map_path, targets_path=targets_path)
    except PiiInputError:
        return pd.DataFrame(columns=["indicator", "name", "unit", "kind", "base_year", "base_value", "target_value",
                                     "target_year", "years", "actual_pace", "required_pace", "ratio", "band",
                                     "note"])
    years, provinces, rates = panel_rates(ctx, history_years(ctx, base))   # observed years only
    p = provinces.index(province)
    rows = []
    for change in plan.changes:
        if change.kind not in ("target", "growth"):
            continue
        for code in change.indicators:
            i = fw.indicators.index(code)
            d = float(fw.nodes.at[code, "direction"])
            series = rates[:, p, i]
            ok = ~np.isnan(series)
            obs_years = np.asarray(years)[ok]
            values = series[ok]
            n = len(values)
            now = float(values[-1]) if n else float("nan")
            actual = required = float("nan")
            if change.kind == "target":
                required = (change.value - now) / max(change.year - base, 1)
                if n >= 2:
                    actual = (values[-1] - values[0]) / (obs_years[-1] - obs_years[0])
            else:
                required = change.value
                if n >= 2 and values[0] > 0 and values[-1] > 0:
                    actual = 100.0 * ((values[-1] / values[0]) ** (1.0 / (obs_years[-1] - obs_years[0])) - 1.0)
            if change.kind == "target" and np.isfinite(now) and (change.value - now) * d <= 0:
                verdict, ratio = "met", float("nan")
            elif n < min_years or not np.isfinite(actual) or not np.isfinite(required) or required == 0:
                verdict, ratio = "too_short", float("nan")
            else:
                ratio = (actual * d) / (required * d)
                verdict = band(ratio)
            rows.append({"indicator": code, "name": fw.name(code, lang), "unit": str(fw.nodes.at[code, "unit"]),
                         "kind": "level" if change.kind == "target" else "growth", "base_year": base,
                         "base_value": now, "target_value": change.value if change.kind == "target" else np.nan,
                         "target_year": change.year, "years": n, "actual_pace": actual, "required_pace": required,
                         "ratio": ratio, "band": verdict, "note": change.note})
    return pd.DataFrame(rows)
