"""The sustained pace of each indicator: how far a determined province can raise it in a year, in raw units.

One source for every page that shows a pace, a "years of effort" or an effort (the levers, the drivers
table, the effort plan):
- **observed**, where the panel has at least two observed years up to the base year (a user's own
  multi-year file; `Panel.observed_years`): the `quantile` of provinces' average yearly changes between the
  first and the last observed year each reports the indicator (years need not be consecutive), in the
  indicator's good direction, never below 0: a pace the best-improving tenth kept up, not a lucky year;
- else an **assumption** (the demonstration panel, whose every year is generated, and a single-year file),
  per indicator from data/raw/indicator_levers.csv: a determined province raises the indicator each year
  by `pace_share_of_range` of the national range plus `catch_up_share` of its own gap below the national
  average (range and average of the base year as the index scores them, after its outlier rule; shipped:
  3% + 30% for a direct lever, 2% + 20% where the province acts partly, 1% + 10% for an outcome). A
  province that lags catches up on known practice faster than the front moves, so closing a gap below the
  national average is the cheap part: the catch-up is what lets a province's own weaknesses surface among
  its levers (`analysis.levers`).
An indicator nobody reports twice in the observed years takes the assumption too. `pace_source` says which,
per indicator, so every page can label it.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError

PACE_QUANTILE = 0.9
SOURCES = ("observed", "assumption")
COLUMNS = ("indicator", "pace", "pace_source", "share_of_range", "catch_up_share", "national_range",
           "national_average", "gap_below_average", "observed_years", "median_pace")


def sustained_paces(ctx, base_year: int | None = None, quantile: float = PACE_QUANTILE,
                    province: str | None = None) -> pd.DataFrame:
    """One row per indicator (framework order): indicator, pace (raw units a year, >= 0), pace_source
    ('observed' | 'assumption'), share_of_range and catch_up_share (the assumption's shares; NaN where
    observed), national_range and national_average (base year, after the outlier rule), gap_below_average
    (the province's, in its good direction; 0 without a province), observed_years (how many the panel has
    up to the base year), median_pace (observed only). Without `province` the assumed pace is that of a
    province at or above the national average (no catch-up)."""
    from pii_analysis.data import memo

    base = ctx.check_year(base_year)
    common = memo.kept(ctx, ("sustained_paces", base, quantile), lambda: _common(ctx, base, quantile))
    gap = np.zeros(len(common))
    if province is not None:
        province = ctx.check_province(province)
        rates, provinces = memo.kept(ctx, ("pace_rates", base), lambda: _base_rates(ctx, base))
        if province not in provinces:
            raise PiiInputError(f"province '{province}' has no data in {base}", column="province")
        d = ctx.framework.direction.astype(float)
        own = rates[provinces.index(province)]
        gap = np.nan_to_num(np.maximum((common["national_average"].to_numpy() - own) * d, 0.0))
    out = common.copy()
    assumed = out["pace_source"].to_numpy() == "assumption"
    out["gap_below_average"] = gap
    out["pace"] = np.where(assumed, out["pace"] + np.nan_to_num(out["catch_up_share"]) * gap, out["pace"])
    return out


def pace_source(paces: pd.DataFrame) -> str:
    """'observed', 'assumption' or 'mixed': what a page says about the paces it shows."""
    sources = set(paces["pace_source"])
    return sources.pop() if len(sources) == 1 else "mixed"


def _base_rates(ctx, base: int) -> tuple[np.ndarray, list[str]]:
    from pii_analysis.analysis.trends import panel_rates

    _, provinces, rates = panel_rates(ctx, [base])
    return rates[0], list(provinces)


def _common(ctx, base: int, quantile: float) -> pd.DataFrame:
    """The part of the paces every province shares: the observed paces, else the frontier part of the
    assumption (share x national range), with the national range and average the catch-up needs."""
    from pii_analysis.analysis.projection import rate_method
    from pii_analysis.data.levers import lever_columns, load_levers
    from pii_analysis.index.scoring import treat_outliers

    fw = ctx.framework
    rates, _ = _base_rates(ctx, base)
    treated = treat_outliers(rates, rate_method(ctx))[0]            # the values the index normalises
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)             # an indicator nobody reports: no range
        span = np.nan_to_num(np.nanmax(treated, axis=0) - np.nanmin(treated, axis=0), nan=0.0)
        average = np.nanmean(treated, axis=0)
    lever = lever_columns(load_levers(indicators=fw.indicators), fw.indicators)
    share = lever["pace_share_of_range"].to_numpy(dtype=float)
    catch = lever["catch_up_share"].to_numpy(dtype=float)
    observed_years = ctx.panel.observed_years(up_to=base)
    observed = median = np.full(len(fw.indicators), np.nan)
    if len(observed_years) >= 2:
        observed, median = observed_paces(ctx, observed_years, quantile)
    use = ~np.isnan(observed)
    return pd.DataFrame({"indicator": fw.indicators, "pace": np.where(use, observed, share * span),
                         "pace_source": np.where(use, "observed", "assumption"),
                         "share_of_range": np.where(use, np.nan, share), "catch_up_share": np.where(use, np.nan, catch),
                         "national_range": span, "national_average": average, "gap_below_average": 0.0,
                         "observed_years": len(observed_years), "median_pace": median})


def observed_paces(ctx, years: list[int], quantile: float = PACE_QUANTILE) -> tuple[np.ndarray, np.ndarray]:
    """(cap, median) per indicator over `years`: each province's pace is its average yearly change between
    the first and the last of these years it reports the indicator (divided by the years elapsed), in the
    good direction; `cap` is the `quantile` of these paces across provinces, >= 0 (NaN: nobody reports the
    indicator twice)."""
    from pii_analysis.analysis.trends import panel_rates

    if len(years) < 2:
        raise PiiInputError("an observed pace needs at least two observed years", column="year")
    _, _, rates = panel_rates(ctx, list(years))                 # (Y, P, I)
    yrs = np.asarray(years, dtype=float)[:, None, None]
    seen = ~np.isnan(rates)
    big = np.where(seen, yrs, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first_y, last_y = np.nanmin(big, axis=0), np.nanmax(big, axis=0)
        first_i = np.nanargmin(np.where(seen, yrs, np.inf), axis=0)
        last_i = np.nanargmax(np.where(seen, yrs, -np.inf), axis=0)
        v_first = np.take_along_axis(rates, first_i[None], axis=0)[0]
        v_last = np.take_along_axis(rates, last_i[None], axis=0)[0]
        pace = (v_last - v_first) / (last_y - first_y) * ctx.framework.direction
        pace = np.where(last_y > first_y, pace, np.nan)
        cap = np.nanquantile(pace, quantile, axis=0)
        median = np.nanmedian(pace, axis=0)
    return np.clip(cap, 0.0, None), median
