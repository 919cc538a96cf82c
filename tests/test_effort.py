"""Minimum-effort plan: reaches the target when applied and re-scored, within the caps."""
from __future__ import annotations

import pandas as pd
import pytest

from pii_analysis.analysis.effort import feasible_caps, minimum_effort_plan
from pii_analysis.analysis.projection import deterministic_rates, rate_method
from pii_analysis.index.context import load_context
from pii_analysis.index.scoring import score_arrays
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import formatting

NB = "Ninh Bình"


@pytest.fixture(scope="module")
def ctx():
    return load_context()


@pytest.fixture(scope="module")
def plan(ctx):
    return minimum_effort_plan(ctx, NB, n_draws=100, seed=1)


def test_plan_applied_and_rescored_reaches_the_target(ctx, plan):
    assert plan.status == "feasible" and plan.baseline_rank > 10
    _, provinces, rates = deterministic_rates(ctx, province=NB, scenario=plan.scenario)
    ranks = score_arrays(rates[-1], ctx.framework, rate_method(ctx)).ranks("PII")
    assert ranks[provinces.index(NB)] <= 10 == plan.target_rank
    assert plan.achieved_rank == ranks[provinces.index(NB)]
    assert 0.0 <= plan.probability <= 1.0


def test_plan_respects_caps_and_reports_shares(ctx, plan):
    t = plan.table
    assert (t["yearly_rise"] <= t["cap"] + 1e-9).all() and (t["share_of_cap"] <= 1 + 1e-9).all()
    assert plan.total_rise == pytest.approx(t["yearly_rise"].sum())
    assert t["pii_gain"].sum() >= plan.rival_pii - plan.baseline_pii
    caps = feasible_caps(ctx)
    assert (caps >= 0).all() and len(caps) == 52


def test_costs_steer_the_plan(ctx, plan):
    top = plan.table["indicator"].iloc[0]
    cost = pd.Series(1.0, index=ctx.framework.indicators)
    cost[top] = 50.0
    dearer = minimum_effort_plan(ctx, NB, cost=cost, n_draws=0)
    assert top not in set(dearer.table["indicator"]) and dearer.status == "feasible"


def test_already_there_needs_nothing(ctx):
    easy = minimum_effort_plan(ctx, "Hà Nội", n_draws=0)
    assert easy.status == "already" and easy.table.empty and easy.total_rise == 0.0


def test_plan_table_as_the_report_shows_it(plan):

    shown = ftext.display_table(plan.table, "vi", "effort")
    assert list(shown.columns) == ["Mã", "Chỉ số", "Trụ cột", "Mức tăng cần mỗi năm (điểm)",
                                   "Mức tăng khả thi mỗi năm (điểm)", "Tỷ lệ so với mức khả thi",
                                   "Đóng góp vào PII (điểm)"]
    assert shown["Tỷ lệ so với mức khả thi"].tolist() == [formatting.fmt_pct(v) for v in plan.table["share_of_cap"]]
    assert shown["Mức tăng cần mỗi năm (điểm)"].str.fullmatch(r"\d+,\d\d").all()
    en = ftext.display_table(plan.table, "en", "effort")
    assert en["Yearly rise needed (points)"].str.fullmatch(r"\d+\.\d\d").all()
    assert repr(ftext.view(plan.table.iloc[:0], "vi", "effort")) == ""   # nothing to show, nothing shown
