"""On-track verdicts per milestone, the required pace, the scenario comparison and the method
uncertainty of the feasibility report, as numbers (its page text is `pii_analysis.report.feasibility_text`).

A milestone is 'on track' when the projected probability of meeting it is at least
`on_track` (default 0.5), 'off track' below `off_track` (default 0.2), and 'needs
acceleration' in between. The thresholds are parameters and are printed with the
verdicts. The required yearly PII gain is what the province must add each year to
match, in the target year, the rival holding the target rank on the trend path; it is
set against the province's historical pace (shrunk OLS slope of its PII, 2023-2025).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pii_analysis.analysis.projection import COMPARISON_DRAWS, DEFAULT_DRAWS, UNCERTAINTY_DRAWS
from pii_analysis.data.errors import PiiInputError

CLASSES = ("on_track", "needs_acceleration", "off_track")


@dataclass(frozen=True)
class Thresholds:
    """P >= on_track: on track; P < off_track: off track; otherwise needs acceleration."""

    on_track: float = 0.5
    off_track: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.off_track <= self.on_track <= 1.0:
            raise PiiInputError(f"thresholds must satisfy 0 <= off_track ({self.off_track}) <= on_track "
                                f"({self.on_track}) <= 1", column="thresholds")


def classify(probability: float, thresholds: Thresholds = Thresholds()) -> str:
    if probability >= thresholds.on_track:
        return "on_track"
    if probability < thresholds.off_track:
        return "off_track"
    return "needs_acceleration"


def milestone_verdicts(table: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Add `verdict` (one of CLASSES) to a milestone table with `probability`."""
    out = table.copy()
    out["verdict"] = [classify(float(p), thresholds) for p in out["probability"]]
    return out


def required_pace(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                  base_year: int | None = None) -> pd.DataFrame:
    """One row: base PII, PII to reach in the target year, required and historical yearly gains (NaN without an
    observed history up to the base year: one year of data, or generated earlier years), and `history`:
    'observed', 'one_year' or 'generated'."""
    from pii_analysis.analysis.effort import trend_target
    from pii_analysis.analysis.trends import score_trends

    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    own_t, rival_t, rank_t = trend_target(ctx, province, target_rank=target_rank, target_year=target_year,
                                          base_year=base)
    from pii_analysis.analysis.history import history_known

    history = "observed" if history_known(ctx, base) else "generated" if any(
        y < base for y in ctx.scores.years) else "one_year"
    if history != "observed":   # one year, or generated earlier years: no history, so no historical pace
        base_pii = float(ctx.scores.node_scores(base).loc[province, ctx.framework.root])
        row = {"slope": float("nan"), "slope_ols": float("nan"), "slope_sd": float("nan")}
    else:
        hist = score_trends(ctx, [ctx.framework.root], base).table()
        row = hist[hist["province"] == province].iloc[0]
        base_pii = float(row["base_value"])
    required = (rival_t - base_pii) / (target_year - base)
    return pd.DataFrame([{
        "province": province, "base_year": base, "base_pii": base_pii, "target_year": target_year,
        "target_rank": target_rank, "trend_pii": own_t, "trend_rank": rank_t, "needed_pii": rival_t,
        "required_yearly_gain": required, "historical_yearly_gain": float(row["slope"]),
        "historical_yearly_gain_ols": float(row["slope_ols"]), "historical_sd": float(row["slope_sd"]),
        "gap_per_year": required - float(row["slope"]), "history": history}])


@dataclass(frozen=True)
class Assessment:
    """One province under one scenario: per-year rank summary, milestone verdicts, the projection."""

    province: str
    target_rank: int
    target_year: int
    summary: pd.DataFrame
    milestones: pd.DataFrame
    projection: object
    scenario: object
    thresholds: Thresholds


def assess(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030, base_year: int | None = None,
           scenario=None, n_draws: int = DEFAULT_DRAWS, seed: int | None = None,
           thresholds: Thresholds = Thresholds(), draws=None) -> Assessment:
    """Project (the shared cached baseline when the scenario is the baseline) and judge each milestone.
    With `draws` (draws.ReportDraws) the report's one set of draws is used (its settings win)."""
    from pii_analysis.analysis.projection import (
        DEFAULT_SEED,
        check_settings,
        milestone_table,
        milestones,
        project,
        shared_projection,
    )
    from pii_analysis.analysis.scenarios import load_scenario

    seed = DEFAULT_SEED if seed is None else seed
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    sc = load_scenario(scenario, ctx, province=province, base_year=base)
    if draws is not None:
        proj = draws.projection(sc, province)
    elif sc.changes or sc.volatility != 1.0:
        proj = project(ctx, province=province, scenario=sc, base_year=base, target_year=target_year,
                       n_draws=n_draws, seed=seed)
    else:
        proj = shared_projection(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)
    plan = milestones(ctx, province, target_rank=target_rank, target_year=target_year, base_year=base)
    verdicts = milestone_verdicts(milestone_table(proj, province, plan), thresholds)
    return Assessment(province=province, target_rank=target_rank, target_year=target_year,
                      summary=proj.rank_summary(province, target_rank), milestones=verdicts, projection=proj,
                      scenario=sc, thresholds=thresholds)


# --- the scenario comparison and the method uncertainty of the report -----------------------------
def scenario_comparison(ctx, a: Assessment, *, extra: list | None = None, n_draws: int = COMPARISON_DRAWS,
                        seed: int | None = None, lang: str = "vi", draws=None) -> pd.DataFrame:
    """`scenarios.compare_scenarios` over the standard set (baseline, the province's plan in full and with
    typical delivery, the shipped examples), `extra` (e.g. the minimum-effort plan) and the assessed
    scenario when it is none of them; with `draws`, on the report's one set of draws."""
    from pii_analysis.analysis.comparison import compare_scenarios, comparison_set

    base = a.projection.base_year
    specs = comparison_set(ctx, a.province, base_year=base, extra=extra)
    names = {getattr(s, "name", s) for s in specs}
    if a.scenario.name not in names:
        specs.append(a.scenario)
    return compare_scenarios(ctx, a.province, specs, base_year=base, target_year=a.target_year,
                             target_rank=a.target_rank, n_draws=n_draws, seed=seed, lang=lang, draws=draws)


def uncertainty_table(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                      base_year: int | None = None, n_draws: int = UNCERTAINTY_DRAWS, seed: int | None = None
                      ) -> pd.DataFrame:
    """The province's rank under varied weights and method choices (uncertainty.method_uncertainty), for the
    base year's data ('observed') and for the target year on the trend path ('projected'): case, year,
    nominal_rank, median_rank, rank_p05, rank_p95, p_target."""
    from pii_analysis.analysis.projection import DEFAULT_SEED, deterministic_rates
    from pii_analysis.analysis.uncertainty import method_uncertainty

    seed = DEFAULT_SEED if seed is None else seed
    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    rows = []
    for case, year, rates in (("observed", base, None),
                              ("projected", target_year,
                              deterministic_rates(ctx, base_year=base, target_year=target_year)[2][-1])):
        u = method_uncertainty(ctx, rates=rates, year=base, n_draws=n_draws, seed=seed, target_rank=target_rank)
        r = u.table.set_index("province").loc[province]
        rows.append({"case": case, "year": year, **r.to_dict()})
    return pd.DataFrame(rows)


def final_year(comparison: pd.DataFrame) -> pd.DataFrame:
    """The rows of the last projected year of a `scenario_comparison` (one per scenario)."""
    return comparison[comparison["year"] == comparison["year"].max()].reset_index(drop=True)
