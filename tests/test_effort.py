"""Minimum-effort plan: within sustained paces, cheapest by relative cost, aimed at a stated probability
that the page's scenario comparison confirms (the same number, for every province), never more indicators
than the budget: beyond it (or out of reach) the best rank within the budget, found by brute force here."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shared_fixtures import assert_same_numbers

from pii_analysis.analysis.comparison import compare_scenarios
from pii_analysis.analysis.effort import (
    DEFAULT_BUDGET,
    STATUSES,
    _points_scenario,
    cheapest_rises,
    feasible_caps,
    minimum_effort_plan,
    target_year_draws,
)
from pii_analysis.analysis.projection import deterministic_rates, project, rate_method
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.scoring import score_arrays
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import formatting

NB = "Ninh Bình"
DRAWS, SEED = 120, 7     # small, for speed; the page uses the comparison's draws the same way



@pytest.fixture(scope="module")
def target(ctx) -> int:
    """A rank Ninh Bình can reach within the sustained paces (assumed on the demonstration panel, so the rank
    follows them): one place short of the best rank it reaches with every indicator at its cap."""
    probe = minimum_effort_plan(ctx, NB, n_draws=DRAWS, seed=SEED, budget=None)
    return probe.best_rank + 1


@pytest.fixture(scope="module")
def plan(ctx, target):
    """Ninh Bình's plan for `target` without a budget (the target is within sustained paces)."""
    return minimum_effort_plan(ctx, NB, target_rank=target, n_draws=DRAWS, seed=SEED, budget=None)


def at_caps(plan, codes) -> np.ndarray:
    """Rises with `codes` at their caps, the others 0."""
    rises = plan.caps * 0.0
    rises[list(codes)] = plan.caps[list(codes)]
    return rises.to_numpy()


def plan_rises(plan) -> np.ndarray:
    rises = plan.caps * 0.0
    rises[plan.table["indicator"]] = plan.table["yearly_rise"].to_numpy()
    return rises.to_numpy()


def p_at_most(ctx, province, rises, rank, draws=DRAWS, seed=SEED):
    proj = project(ctx, province=province, scenario=_points_scenario(ctx.framework.indicators, rises),
                   n_draws=draws, seed=seed)
    return proj.p_rank_at_most(province, rank, 2030)


def test_plan_reaches_the_target_with_the_stated_probability(ctx, plan, target):
    assert plan.status == "feasible" and plan.baseline_rank > target and plan.aim == 0.8
    assert plan.probability >= plan.aim - 1e-9
    # independent projection of the plan's scenario
    rises = plan.caps * 0.0
    rises[plan.table["indicator"]] = plan.table["yearly_rise"].to_numpy()
    assert p_at_most(ctx, NB, rises.to_numpy(), target) == pytest.approx(plan.probability, abs=1e-12)
    # re-scored on the deterministic trend path
    _, provinces, rates = deterministic_rates(ctx, province=NB, scenario=plan.scenario)
    ranks = score_arrays(rates[-1], ctx.framework, rate_method(ctx)).ranks("PII")
    assert plan.achieved_rank == ranks[provinces.index(NB)] <= target


def test_plan_is_minimal_for_its_aim(ctx, plan, target):
    """Scaling the plan down by a tenth loses the aimed probability, and so does leaving out its last
    indicator (the others at their caps): it is not oversized, and no plan of the path has fewer indicators."""
    rises = plan_rises(plan)
    assert p_at_most(ctx, NB, 0.9 * rises, target) < plan.aim
    k = len(plan.table)
    assert plan.target_indicators == k and set(plan.table["indicator"]) == set(plan.path[:k])
    assert p_at_most(ctx, NB, at_caps(plan, plan.path[:k - 1]), target) < plan.aim
    # all but the last of the path's indicators raised to their caps, the last partly
    partly = plan.table.set_index("indicator")
    assert (partly.loc[list(plan.path[:k - 1]), "yearly_rise"] == partly.loc[list(plan.path[:k - 1]), "cap"]).all()


def ty_row(ctx) -> int:
    return deterministic_rates(ctx)[1].index(NB)


def test_fast_rescoring_is_the_engines(ctx, plan):
    """The per-column re-scoring of the plan search equals the engine's scores of the whole panel, draw by
    draw, and the engine's ranks are the projection's."""
    ty = target_year_draws(ctx, base_year=2025, target_year=2030, n_draws=DRAWS, seed=SEED)
    rises = plan_rises(plan)
    p = ty_row(ctx)
    fast = ty.pii + sum(ty.change(p, i, float(rises[i])) for i in np.flatnonzero(rises > 0))
    exact = ty.exact_pii(p, rises)
    assert np.abs(fast - exact).max() < 1e-9
    proj = project(ctx, province=NB, scenario=plan.scenario, n_draws=DRAWS, seed=SEED)
    from pii_analysis.index.scoring import rank_desc

    assert (rank_desc(exact, rate_method(ctx).rank_decimals) == proj.ranks[:, -1]).all()


def test_cheapest_rises_is_the_lp_optimum():
    from scipy.optimize import linprog

    rng = np.random.default_rng(3)
    for _ in range(20):
        n = 12
        per_point, cost, upper = rng.uniform(0.01, 1, n), rng.uniform(0.1, 5, n), rng.uniform(0, 3, n)
        gain = rng.uniform(0, per_point @ upper)
        x = cheapest_rises(gain, per_point, cost, upper)
        res = linprog(cost, A_ub=-per_point[None, :], b_ub=[-gain], bounds=list(zip(np.zeros(n), upper)),
                      method="highs")
        assert per_point @ x >= gain - 1e-9 and (x <= upper + 1e-12).all()
        assert cost @ x == pytest.approx(res.fun, rel=1e-9, abs=1e-12)


def test_plan_respects_sustained_paces_and_reports_real_units(ctx, plan):
    t = plan.table
    assert (t["yearly_rise"] <= t["cap"] + 1e-9).all() and (t["share_of_cap"] <= 1 + 1e-9).all()
    assert plan.total_rise == pytest.approx(t["yearly_rise"].sum())
    caps = feasible_caps(ctx)
    assert (caps >= 0).all() and len(caps) == len(ctx.framework.indicators)
    # the yearly raw change is the share of the sustained pace net of the trend, never above the pace
    assert (t["yearly_rise_raw"].abs() <= t["sustained_pace"] + 1e-9).all()
    for col in ("unit", "lead_agency", "raw_value", "raw_in_target_year"):
        assert col in t


def test_costs_steer_the_plan(ctx, plan, target):
    top = plan.table["indicator"].iloc[0]
    cost = pd.Series(1.0, index=ctx.framework.indicators)
    cost[top] = 50.0
    dearer = minimum_effort_plan(ctx, NB, target_rank=target, cost=cost, n_draws=0, budget=None)
    assert top not in set(dearer.table["indicator"]) and dearer.status == "feasible"


def test_already_there_needs_nothing(ctx):
    easy = minimum_effort_plan(ctx, "Hà Nội", n_draws=DRAWS, seed=SEED)
    assert easy.status == "already" and easy.table.empty and easy.total_rise == 0.0
    assert easy.probability >= easy.aim - 1e-9


def test_out_of_reach_says_so_with_the_best_reachable_rank_and_a_small_plan(ctx):
    province = ctx.scores.ranking(2025).sort_values("rank")["province"].iloc[-1]   # the last-ranked
    plan = minimum_effort_plan(ctx, province, n_draws=DRAWS, seed=SEED)
    assert plan.status == "infeasible" and plan.best_rank > 10 and plan.target_indicators is None
    # brute force: every indicator at its cap does not reach the target, reaches the best rank, not one better
    every = plan.caps.to_numpy()
    assert p_at_most(ctx, province, every, 10) == pytest.approx(plan.target_probability_at_caps, abs=1e-9)
    assert plan.target_probability_at_caps < plan.aim
    assert p_at_most(ctx, province, every, plan.best_rank) == pytest.approx(plan.best_probability, abs=1e-9)
    assert plan.best_probability >= plan.aim
    assert p_at_most(ctx, province, every, plan.best_rank - 1) < plan.aim
    # the plan shown: at most the budget, for the best rank within it (the budget's first indicators of the
    # path at their caps reach it, not one rank better)
    budget = plan.budget
    assert budget == DEFAULT_BUDGET and 0 < len(plan.table) <= budget
    assert plan.best_rank <= plan.aimed_rank < plan.trend_aim_rank
    assert plan.aimed_probability >= plan.aim - 1e-9 and plan.probability < plan.aim
    first = at_caps(plan, plan.path[:budget])
    assert p_at_most(ctx, province, first, plan.aimed_rank) >= plan.aim
    assert p_at_most(ctx, province, first, plan.aimed_rank - 1) < plan.aim
    f = plan.frontier.set_index("rank")
    assert f.loc[plan.aimed_rank, "shown"] and f.loc[plan.aimed_rank, "indicators"] == len(plan.table)
    assert f.loc[plan.aimed_rank, "probability"] == plan.aimed_probability
    assert (f["indicators"].diff().dropna() >= 0).all()          # a better rank never needs fewer indicators
    assert f.index.min() == plan.best_rank
    assert plan.aimed_rank == plan.best_rank or not f.loc[plan.aimed_rank - 1, "within_budget"]


def test_over_budget_shows_the_best_rank_within_the_budget(ctx, plan, target):
    budget = plan.target_indicators - 3
    small = minimum_effort_plan(ctx, NB, target_rank=target, n_draws=DRAWS, seed=SEED, budget=budget)
    assert small.status == "over_budget" and small.target_indicators == plan.target_indicators
    assert 0 < len(small.table) <= budget and small.aimed_rank > target
    assert small.aimed_probability >= small.aim - 1e-9 and small.probability < small.aim
    first = at_caps(small, small.path[:budget])
    assert p_at_most(ctx, NB, first, small.aimed_rank - 1) < small.aim
    text = ftext.effort_narrative(small, "en")
    assert f"{plan.target_indicators} indicators" in text and f"rank {small.aimed_rank}**" in text
    shown = ftext.display_table(ftext.frontier_table(small, "en"), "en", "frontier")
    assert list(shown.columns) == ["Rank (or better)", "Indicators to raise", "Relative effort",
                                   "Probability of that rank", "Note"]
    assert (shown["Note"] == "the plan above").sum() == 1
    with pytest.raises(PiiInputError, match="budget"):
        minimum_effort_plan(ctx, NB, n_draws=0, budget=0)


@pytest.mark.slow
def test_plan_probability_equals_the_scenario_comparison_row_for_every_province(ctx):
    """For all 34 provinces, at the Top 10 and at the page's own target: the probability the plan section
    states is the comparison's row for the plan, the page text, the CSV and the frontier say the same, and no
    plan shown exceeds the budget."""
    from pii_analysis.analysis.targets import province_target

    for province, target in ((p, t) for p in ctx.panel.provinces()
                             for t in dict.fromkeys([10, province_target(ctx, p).rank])):
        plan = minimum_effort_plan(ctx, province, target_rank=target, n_draws=DRAWS, seed=SEED)
        comp = compare_scenarios(ctx, province, [plan.scenario], n_draws=DRAWS, seed=SEED, target_rank=target)
        row = comp[comp["year"] == 2030].iloc[0]
        assert row["p_target"] == plan.probability, province
        assert plan.status in STATUSES and len(plan.table) <= plan.budget, province
        text = ftext.effort_narrative(plan, "en")
        assert f"**{formatting.fmt_pct(plan.probability, 'en')}**" in text, province
        csv = plan.results()
        assert (csv["probability"] == plan.probability).all() and (csv["status"] == plan.status).all()
        if plan.status == "already":
            assert plan.table.empty and plan.probability >= plan.aim - 1e-9
            continue
        assert plan.aimed_probability >= plan.aim - 1e-9 or plan.table.empty, province
        shown = plan.frontier[plan.frontier["shown"]]
        if len(plan.table):
            assert shown["rank"].tolist() == [plan.aimed_rank] and shown["probability"].iloc[0] == \
                plan.aimed_probability, province
        if plan.status == "feasible":
            assert plan.aimed_rank == target and plan.probability >= plan.aim - 1e-9, province
        else:
            assert f"rank {plan.aimed_rank}" in text and f"{plan.budget} indicators" in text, province


def test_plan_table_as_the_report_shows_it(plan):
    shown = ftext.display_table(plan.table, "vi", "effort", base=2025, year=2030)
    assert list(shown.columns) == ["Mã", "Chỉ số", "Đơn vị", "Cơ quan chủ trì (giả định)", "Giá trị năm 2025",
                                   "Thêm mỗi năm so với xu hướng", "Tốc độ bền vững mỗi năm",
                                   "Phần của tốc độ bền vững", "Giá trị năm 2030", "Đóng góp vào PII (điểm)"]
    assert shown["Phần của tốc độ bền vững"].tolist() == [formatting.fmt_pct(v) for v in plan.table["share_of_cap"]]
    assert shown["Đóng góp vào PII (điểm)"].str.fullmatch(r"\d+,\d\d").all()
    en = ftext.display_table(plan.table, "en", "effort", base=2025, year=2030)
    assert en["PII gain (points)"].str.fullmatch(r"\d+\.\d\d").all()
    assert repr(ftext.view(plan.table.iloc[:0], "vi", "effort")) == ""   # nothing to show, nothing shown
    text = ftext.effort_narrative(plan, "en")
    assert "80%" in text and formatting.fmt_pct(plan.probability, "en") in text and "assumptions" in text


def test_results_csv_always_has_a_row(ctx, plan):
    easy = minimum_effort_plan(ctx, "Hà Nội", n_draws=DRAWS, seed=SEED)
    assert len(easy.results()) == 1 and easy.results()["status"].iloc[0] == "already"
    full = plan.results()
    assert len(full) == len(plan.table) and (full["probability"] == plan.probability).all()


def test_plan_search_batches_give_the_single_column_numbers(ctx, plan):
    """The search re-scores many (indicator, rise) columns in one engine call and the plan's exact check
    re-scores only its raised columns: the numbers are, to rounding (rtol 1e-12), those of one column at a time and of
    the engine scoring the whole panel."""
    ty = target_year_draws(ctx, base_year=2025, target_year=2030, n_draws=DRAWS, seed=SEED)
    p = ty_row(ctx)
    rises = plan_rises(plan)
    idx = np.flatnonzero(rises > 0)
    together = ty.changes(p, idx, rises[idx])
    for k, i in enumerate(idx):
        assert_same_numbers(together[k], ty.change(p, int(i), float(rises[i])))
    values = np.clip(ty.values, ty.lo, ty.hi)
    for i in idx:
        values[:, p, i] = ty.own_values(p, int(i), float(rises[i]))
    whole = score_arrays(values, ctx.framework, rate_method(ctx)).node(ctx.framework.root)
    assert_same_numbers(ty.exact_pii(p, rises), whole)
