"""Minimum-effort plan: within sustained paces, cheapest by relative cost, aimed at a stated probability
that the page's scenario comparison confirms (the same number, for every province)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.comparison import compare_scenarios
from pii_analysis.analysis.effort import _points_scenario, cheapest_rises, feasible_caps, minimum_effort_plan
from pii_analysis.analysis.projection import deterministic_rates, project, rate_method
from pii_analysis.index.context import load_context
from pii_analysis.index.scoring import score_arrays
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import formatting

NB = "Ninh Bình"
DRAWS, SEED = 120, 7     # small, for speed; the page uses the comparison's draws the same way


@pytest.fixture(scope="module")
def ctx():
    return load_context()


@pytest.fixture(scope="module")
def plan(ctx):
    return minimum_effort_plan(ctx, NB, n_draws=DRAWS, seed=SEED)


def p_at_most(ctx, province, rises, rank, draws=DRAWS, seed=SEED):
    proj = project(ctx, province=province, scenario=_points_scenario(ctx.framework.indicators, rises),
                   n_draws=draws, seed=seed)
    return proj.p_rank_at_most(province, rank, 2030)


def test_plan_reaches_the_target_with_the_stated_probability(ctx, plan):
    assert plan.status == "feasible" and plan.baseline_rank > 10 and plan.aim == 0.8
    assert plan.probability >= plan.aim - 1e-9
    # independent projection of the plan's scenario
    rises = plan.caps * 0.0
    rises[plan.table["indicator"]] = plan.table["yearly_rise"].to_numpy()
    assert p_at_most(ctx, NB, rises.to_numpy(), 10) == pytest.approx(plan.probability, abs=1e-12)
    # re-scored on the deterministic trend path
    _, provinces, rates = deterministic_rates(ctx, province=NB, scenario=plan.scenario)
    ranks = score_arrays(rates[-1], ctx.framework, rate_method(ctx)).ranks("PII")
    assert plan.achieved_rank == ranks[provinces.index(NB)] <= 10


def test_plan_is_minimal_for_its_aim(ctx, plan):
    """Scaling the plan down by a tenth loses the aimed probability: it is not oversized."""
    rises = plan.caps * 0.0
    rises[plan.table["indicator"]] = plan.table["yearly_rise"].to_numpy()
    assert p_at_most(ctx, NB, 0.9 * rises.to_numpy(), 10) < plan.aim


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


def test_costs_steer_the_plan(ctx, plan):
    top = plan.table["indicator"].iloc[0]
    cost = pd.Series(1.0, index=ctx.framework.indicators)
    cost[top] = 50.0
    dearer = minimum_effort_plan(ctx, NB, cost=cost, n_draws=0)
    assert top not in set(dearer.table["indicator"]) and dearer.status == "feasible"


def test_already_there_needs_nothing(ctx):
    easy = minimum_effort_plan(ctx, "Hà Nội", n_draws=DRAWS, seed=SEED)
    assert easy.status == "already" and easy.table.empty and easy.total_rise == 0.0
    assert easy.probability >= easy.aim - 1e-9


def test_out_of_reach_says_so_with_the_best_reachable_rank(ctx):
    province = ctx.scores.ranking(2025).sort_values("rank")["province"].iloc[-1]   # the last-ranked
    plan = minimum_effort_plan(ctx, province, n_draws=DRAWS, seed=SEED)
    assert plan.status == "infeasible" and plan.aimed_rank > 10
    assert plan.aimed_probability >= plan.aim - 1e-9 and plan.probability < plan.aim
    # brute force: even every indicator at its cap does not reach the target, nor one rank better
    at_caps = plan.caps.to_numpy()
    assert p_at_most(ctx, province, at_caps, 10) < plan.aim
    assert p_at_most(ctx, province, at_caps, plan.aimed_rank - 1) < plan.aim


def test_plan_probability_equals_the_scenario_comparison_row_for_every_province(ctx):
    for province in ctx.panel.provinces():
        plan = minimum_effort_plan(ctx, province, n_draws=DRAWS, seed=SEED)
        comp = compare_scenarios(ctx, province, [plan.scenario], n_draws=DRAWS, seed=SEED, target_rank=10)
        row = comp[comp["year"] == 2030].iloc[0]
        assert row["p_target"] == plan.probability, province


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
