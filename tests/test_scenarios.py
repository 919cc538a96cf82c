"""Scenarios as data: parsing, the province's plan, effects on the projection, comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.comparison import compare_scenarios, comparison_set
from pii_analysis.analysis.projection import deterministic_rates, project
from pii_analysis.analysis.scenarios import available_scenarios, load_scenario, parse_scenario, plan_scenario
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import raw_file
from pii_analysis.report import feasibility_text as ftext

NB = "Ninh Bình"



def test_lifting_to_100_everywhere_gives_top10_for_sure(ctx):
    best = {"name": "best", "changes": [{"all": True, "score": 100}]}
    proj = project(ctx, province=NB, scenario=best, n_draws=50, seed=2)
    assert all(proj.p_rank_at_most(NB, 10, y) == 1.0 for y in proj.years)
    assert np.allclose(proj.pii(NB), 100.0, atol=1e-4)


def test_lowering_gives_lower_probabilities(ctx):
    base = project(ctx, province=NB, n_draws=200, seed=4)
    low = project(ctx, province=NB, scenario={"changes": [{"all": True, "points": -3}]}, n_draws=200, seed=4)
    p = base.index(NB)
    assert np.mean(low.ranks[:, :, p] <= 15) < np.mean(base.ranks[:, :, p] <= 15)
    assert (np.median(low.ranks[:, -1, p]) > np.median(base.ranks[:, -1, p]))


def test_points_raise_normalised_scores_by_that_much(ctx):
    years, provinces, base = deterministic_rates(ctx)
    _, _, up = deterministic_rates(ctx, province=NB, scenario={"changes": [{"indicator": "1.1.1", "points": 2}]})
    p, i = provinces.index(NB), ctx.framework.indicators.index("1.1.1")
    span = base[:, :, i].max(axis=1) - base[:, :, i].min(axis=1)
    assert np.allclose((up[:, p, i] - base[:, p, i]) / span * 100, 2.0 * np.arange(1, 6))
    others = np.ones(base.shape, dtype=bool)
    others[:, p, i] = False
    assert np.array_equal(up[others], base[others])


def test_parsing_errors_name_the_problem(ctx):
    fw = ctx.framework
    with pytest.raises(PiiInputError, match="not a pillar"):
        parse_scenario({"changes": [{"pillar": "1.1", "points": 1}]}, fw)
    with pytest.raises(PiiInputError, match="exactly one of points"):
        parse_scenario({"changes": [{"indicator": "1.1.1"}]}, fw)
    with pytest.raises(PiiInputError, match="unknown scenario key"):
        parse_scenario({"chnages": []}, fw)
    with pytest.raises(PiiInputError, match="needs the year"):
        parse_scenario({"changes": [{"indicator": "1.1.1", "target": 9}]}, fw)
    with pytest.raises(PiiInputError, match="unknown scenario 'nope'"):
        load_scenario("nope", ctx)


def test_shipped_yaml_and_paths(ctx, tmp_path):
    assert {"baseline", "plan", "input_push", "output_push", "stagnation"} <= set(available_scenarios())
    sc = load_scenario("input_push", ctx)
    inputs = [c for c in ctx.framework.indicators if c.split(".")[0] in ("1", "2", "3")]
    assert sc.changes[0].indicators == tuple(inputs) and len(inputs) == 19 and sc.changes[0].value == 2.0 and sc.title("en")
    f = tmp_path / "mine.yaml"
    f.write_text("name: mine\nchanges:\n  - indicators: ['6.1.3']\n    percent: 10\n", encoding="utf-8")
    mine = load_scenario(str(f), ctx)
    assert mine.name == "mine" and mine.changes[0].kind == "percent"


def test_plan_maps_resolution_06_targets(ctx):
    plan = plan_scenario(ctx, NB)
    table = plan.table(ctx.framework, "en")
    mapped = pd.read_csv(raw_file("resolution06_indicator_map.csv"), dtype={"indicator": str})["indicator"].dropna()
    assert set(mapped) <= set(table["indicator"]) and {"2.2.1", "3.1.3", "5.2.1", "7.1.3", "6.1.1"} <= set(mapped)
    row = table[(table["indicator"] == "7.1.3") & (table["year"] == 2030)].iloc[0]
    assert row["kind"] == "target" and row["value"] == 57.0  # TFP share of growth > 57 % (Resolution 06 plan)
    years, provinces, rates = deterministic_rates(ctx, province=NB, scenario=plan)
    p, i = provinces.index(NB), ctx.framework.indicators.index("7.1.3")
    assert rates[-1, p, i] >= 57.0 - 1e-9                   # reached by 2030
    with pytest.raises(PiiInputError, match="no targets of Hà Nội"):
        plan_scenario(ctx, "Hà Nội")


def test_compare_side_by_side(ctx):
    specs = comparison_set(ctx, "Hà Nội")
    assert "baseline" in specs and all(getattr(s, "name", "") != "plan" for s in specs)
    cmp = compare_scenarios(ctx, NB, ["baseline", "output_push", "stagnation"], n_draws=60, seed=1, lang="en")
    final = cmp[cmp["year"] == 2030].set_index("scenario")
    assert list(final.index) == ["baseline", "output_push", "stagnation"]
    assert final.loc["output_push", "p_target"] >= final.loc["baseline", "p_target"] >= final.loc["stagnation", "p_target"]
    assert final.loc["output_push", "median_rank"] < final.loc["stagnation", "median_rank"]


def test_explorer_only_when_interactive_and_recomputes_on_release(ctx, monkeypatch):
    from pii_analysis.report import feasibility_plots as fplots

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("PII_INTERACTIVE", raising=False)
    assert not fplots.is_interactive()
    monkeypatch.setenv("PII_INTERACTIVE", "1")
    assert fplots.is_interactive()
    monkeypatch.setenv("PII_HEADLESS", "1")
    assert not fplots.is_interactive()
    box = fplots.scenario_explorer(ctx, NB, n_draws=20, lang="en")
    sliders = [w for w in box.children if w.__class__.__name__ == "FloatSlider"]
    assert [s.description for s in sliders] == [f"{c}. {ctx.framework.name(c, 'en')}" for c in ctx.framework.pillars]
    assert all(s.value == 0 for s in sliders)                    # the page's (baseline) scenario
    start = box.children[-1].value
    assert "Probability that Ninh Bình ranks 10 or better in 2030" in start      # shown at once
    for s in sliders:
        s.value = 6.0                                            # moving a slider recomputes
    assert box.children[-1].value != start and "Probability that" in box.children[-1].value


def test_report_comparison_adds_the_assessed_scenario_and_shows_the_final_year(ctx):
    from pii_analysis.analysis import verdict

    a = verdict.assess(ctx, NB, scenario={"name": "mine", "changes": [{"pillar": "7", "points": 2}]},
                       n_draws=30, seed=1)
    cmp = verdict.scenario_comparison(ctx, a, n_draws=30, seed=1, lang="en")
    final = verdict.final_year(cmp)
    assert final["year"].unique().tolist() == [2030] and final["scenario"].tolist()[-1] == "mine"
    assert final["scenario"].tolist()[:2] == ["baseline", "plan"] and final["scenario"].is_unique
    shown = ftext.display_table(final, "vi", "scenarios", year=2030, rank=10)
    assert list(shown.columns) == ["Kịch bản", "Hạng dự báo 2030 (trung vị)", "Khoảng hạng 90%",
                                   "Xác suất đạt hạng 10 trở lên"]
    assert shown["Khoảng hạng 90%"].str.fullmatch(r"\d+–\d+").all() and shown["Xác suất đạt hạng 10 trở lên"].str.endswith("%").all()


def test_a_report_run_reuses_shared_blocks_with_identical_results(ctx, tmp_path, monkeypatch):
    """Inside a run ($PII_CACHE_DIR) the trend inputs and random draw blocks are shared by every
    scenario and province; the comparison (incl. a points scenario changing the block) and the
    deterministic path are the same numbers as without reuse, and the shared block stays unchanged."""
    import numpy as np

    from pii_analysis.analysis import projection
    from pii_analysis.analysis.comparison import compare_scenarios

    specs = ["baseline", "plan", "input_push", {"name": "pts", "changes": [{"pillar": "2", "points": 3}]}]

    def run():
        return (compare_scenarios(ctx, NB, specs, n_draws=projection.CHUNK + 10, seed=4, lang="en"),
                projection.project(ctx, province="Hà Nội", scenario="rd_growth", n_draws=projection.CHUNK, seed=4),
                projection.deterministic_rates(ctx, scenario="plan", province=NB)[2])

    plain = run()
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    projection._LOCAL.clear()
    projection._CONTEXT_INPUTS.clear()
    for _ in range(2):
        cached = run()
        assert cached[0].equals(plain[0])
        assert np.array_equal(cached[1].scores, plain[1].scores) and np.array_equal(cached[1].ranks, plain[1].ranks)
        assert np.array_equal(cached[2], plain[2], equal_nan=True)
    # one whole block and the last, partial one (CHUNK + 10 draws), both kept; "rd_growth" reused the first
    assert len(projection._LOCAL["trend_block"]) == 2 and "inputs" in projection._LOCAL
    projection._LOCAL.clear()
    projection._CONTEXT_INPUTS.clear()


def test_points_move_a_winsorised_indicator_by_that_much_on_the_scoring_scale(ctx):
    """`points: 2` a year moves the province's normalised score (as the engine scores it, after
    winsorisation) by 2 points a year, not by 2% of the raw spread."""
    from pii_analysis.analysis.projection import rate_method
    from pii_analysis.index.scoring import score_arrays, treat_outliers

    method = rate_method(ctx)
    years, provinces, base = deterministic_rates(ctx)
    _, code, _, _ = treat_outliers(base, method)
    winsorised = [ctx.framework.indicators[i] for i in np.nonzero((code > 0).all(axis=0))[0]]
    assert winsorised, "the shipped data have a winsorised indicator"
    ind = winsorised[0]
    i = ctx.framework.indicators.index(ind)
    col = base[0, :, i]
    p = int(np.argsort(col)[len(col) // 2])          # a province in the middle: no extreme moves
    province = provinces[p]
    _, _, up = deterministic_rates(ctx, province=province, scenario={"changes": [{"indicator": ind, "points": 2}]})
    before = score_arrays(base, ctx.framework, method).node(ind)[:, p]
    after = score_arrays(up, ctx.framework, method).node(ind)[:, p]
    assert np.allclose(after - before, 2.0 * np.arange(1, 6), atol=1e-6)
    raw_span = base[:, :, i].max(axis=1) - base[:, :, i].min(axis=1)
    assert ((up[:, p, i] - base[:, p, i]) / raw_span * 100 < 2.0 * np.arange(1, 6)).all()


def test_plan_is_reported_in_full_and_with_typical_delivery(ctx):
    from pii_analysis.analysis.scenarios import load_scenario, plan_delivery

    full = load_scenario("plan", ctx, province=NB)
    typical = load_scenario("plan_typical", ctx, province=NB)
    assert typical.changes == full.changes and full.delivery is None
    d = plan_delivery()
    assert typical.delivery == d and d.median < 1
    a = project(ctx, province=NB, scenario=full, n_draws=120, seed=2)
    b = project(ctx, province=NB, scenario=typical, n_draws=120, seed=2)
    assert (np.median(b.pii(NB)[:, -1]) < np.median(a.pii(NB)[:, -1]))
    # delivery shares never change the rivals' draws (common random numbers)
    others = [k for k in range(len(a.provinces)) if a.provinces[k] != NB]
    base = project(ctx, n_draws=120, seed=2)
    assert np.allclose(b.scores[:, :, others, 0], base.scores[:, :, others, 0], atol=15)


def test_a_target_already_met_is_reported(ctx, tmp_path):
    from pii_analysis.analysis.scenarios import plan_scenario
    from pii_analysis.analysis.trends import panel_rates

    _, provinces, rates = panel_rates(ctx, [2025])
    i = ctx.framework.indicators.index(ctx.framework.indicators[0])
    targets = tmp_path / "targets.csv"
    mapping = tmp_path / "map.csv"
    code = ctx.framework.indicators[i]
    low = float(rates[0, provinces.index(NB), i]) * (0.5 if ctx.framework.nodes.at[code, "direction"] > 0 else 2)
    targets.write_text("province,target_year,metric,operator,value\n"
                       f"{NB},2030,thing,>=,{low}\n", encoding="utf-8")
    mapping.write_text("target_metric,indicator,rule,factor,assumption,source\n"
                       f"thing,{code},level,1,ASSUMPTION test,test\n", encoding="utf-8")
    sc = plan_scenario(ctx, NB, map_path=mapping, targets_path=targets)
    assert sc.below_current == (code,)


def test_points_move_a_log_treated_indicator_by_that_much_on_the_scoring_scale():
    """The shipped 34-province panel never reaches the GII rule's log branch (README, Method), so a synthetic
    panel of 200 units does: `points: 2` moves a unit's normalised score by 2 points on a log-treated column,
    for positive and negative skew, as the engine's outlier rule and min-max normalisation score it."""
    from types import SimpleNamespace

    from pii_analysis.analysis.scenarios import Change, Scenario, apply_scenario
    from pii_analysis.index.method import Method
    from pii_analysis.index.scoring import TREAT_LOG, normalise, treat_outliers

    rng = np.random.default_rng(5)
    big = np.concatenate([rng.uniform(0, 1, size=190), rng.uniform(50, 100, size=10)])
    values = np.stack([big, -big], axis=1)[None, None]                  # (draws, years, units, 2 columns)
    method = Method().with_options(denomination="none")
    direction = np.array([1.0, 1.0])
    assert (treat_outliers(values, method)[1] == TREAT_LOG).all()

    def scores(v):
        return normalise(treat_outliers(v, method)[0], direction)

    u = int(np.argsort(big)[95])                                        # a unit in the middle: no extreme moves
    fw = SimpleNamespace(indicators=["a", "b"], direction=direction)
    sc = Scenario(name="pts", changes=(Change(("a", "b"), "points", 2.0),))
    moved = apply_scenario(values.copy(), sc, province=u, base=values[0, 0, u], years=np.array([2026]),
                           base_year=2025, framework=fw, method=method)
    assert (treat_outliers(moved, method)[1] == TREAT_LOG).all()
    np.testing.assert_allclose(scores(moved)[0, 0, u] - scores(values)[0, 0, u], [2.0, 2.0], atol=1e-6)
    raw = (moved - values)[0, 0, u] / (values.max(axis=2) - values.min(axis=2))[0, 0] * 100
    assert not np.allclose(raw, 2.0, atol=0.1)                          # not 2% of the raw spread
