"""The projection's uncertainty model: any history length, calibration on the published record, three
trend models averaged, accumulating shocks, the between-province trend variance never set to zero."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.calibration import published_changes, unchanged_provinces
from pii_analysis.analysis.models import (
    MIN_CORRELATION_CHANGES,
    MODELS,
    RHO_PILLAR,
    RHO_PROVINCE,
    TAU_GRID,
    estimate_correlations,
    tau_posterior,
)
from pii_analysis.analysis.projection import _inputs, project
from pii_analysis.data.paths import raw_file
from pii_analysis.data.record import pooled_spread
from pii_analysis.index.context import load_context
from shared_fixtures import demo_as_user_panel



@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """The demonstration values as a user's own panel of three observed years: the three trend models run
    (on the demonstration panel itself its generated years feed no trend: test_history.py)."""
    return load_context(demo_as_user_panel(tmp_path_factory.mktemp("observed")))


def _panel_of_years(tmp_path, years: list[int]):
    """The demonstration values of `years` as a user's own (observed) panel: the trend code paths run."""
    return load_context(demo_as_user_panel(tmp_path, years, f"panel_{'_'.join(map(str, years))}.csv"))


def _middle(proj):
    """A province in the middle of the ranking, and the rank just above it."""
    order = np.argsort(proj.base_ranks)
    p = int(order[len(order) // 2])
    return proj.provinces[p], int(proj.base_ranks[p]) - 1


@pytest.mark.parametrize("n_years", [1, 2])
def test_short_panels_give_probabilities_strictly_between_0_and_1_with_the_label(tmp_path, ctx, n_years):
    years = ctx.panel.years[-n_years:]
    short = _panel_of_years(tmp_path, years)
    proj = project(short, n_draws=300, seed=3)
    assert proj.models == ("random_walk",) and set(np.unique(proj.model)) == {0}
    assert proj.calibration is not None and proj.calibration.scale[0] > 0
    assert proj.calibration.panel_years == years
    province, rank = _middle(proj)
    for year in proj.years:
        p = proj.p_rank_at_most(province, rank, year)
        assert 0 < p < 1
    # draws differ: no two draws share the whole path
    assert len({proj.ranks[d].tobytes() for d in range(50)}) == 50


def test_three_years_run_three_models_and_the_headline_is_their_average(ctx):
    proj = project(ctx, n_draws=600, seed=11)
    assert proj.models == MODELS
    assert np.array_equal(np.bincount(proj.model), [200, 200, 200])
    province, rank = _middle(proj)
    event = proj.ranks[:, -1, proj.index(province)] <= rank
    per = proj.model_probabilities(event)
    s = proj.p_summary(province, rank, 2030)
    assert s["p"] == pytest.approx(per["probability"].mean())
    assert s["lo"] == per["probability"].min() and s["hi"] == per["probability"].max()
    assert s["mc_error"] == pytest.approx(np.sqrt((per["mc_error"] ** 2).sum()) / 3)


def test_shocks_accumulate_over_the_years(tmp_path, ctx):
    """Random walk: the spread of PII changes from the base year grows like the square root of the horizon."""
    short = _panel_of_years(tmp_path, ctx.panel.years[-2:])
    proj = project(short, n_draws=500, seed=4)
    change = proj.scores[:, :, :, 0].astype(float) - proj.base_scores[None, None, :, 0]
    sd = change.std(axis=0).mean(axis=1)           # per year ahead
    assert sd[3] / sd[0] == pytest.approx(2.0, rel=0.3)


def test_between_province_trend_variance_is_never_zero():
    """Slopes that agree exactly (moment estimate of tau^2 = 0) still leave posterior mass above zero."""
    slopes = np.tile(np.array([0.5, -1.0]), (34, 1))
    scale, cdf = tau_posterior(slopes, np.array([0.04, 0.01]), np.linspace(0, 1, TAU_GRID))
    pdf = np.diff(np.hstack([np.zeros((2, 1)), cdf]), axis=1)
    mean_tau = (pdf * scale[:, None] * np.linspace(0, 1, TAU_GRID)).sum(axis=1)
    assert (mean_tau > 0).all() and (cdf[:, 0] < 0.5).all()


def test_published_changes_follow_the_record_and_the_merger():
    """2023->2024: ranks of the same 63-province map; 2024->2025 only for the provinces whose borders did
    not change (their totals; ranks of two maps are not compared)."""
    pub = pd.read_csv(raw_file("pii_published_results.csv"))
    pub = pub[pub["status"] == "published"]
    changes = published_changes()
    unchanged = unchanged_provinces()
    assert len(unchanged) == 11 and "Ninh Bình" not in unchanged and "Hà Nội" in unchanged
    late = changes[changes["from_year"] == 2024]
    assert set(late["province"]) <= unchanged and late["d_rank_share"].isna().all()
    early = changes[changes["from_year"] == 2023].set_index("province")
    a = pub[pub["year"] == 2023].set_index("province")
    b = pub[pub["year"] == 2024].set_index("province")
    both = a.index.intersection(b.index)
    assert set(early.index) == set(both)
    for prov in both:   # brute force from the file
        assert early.at[prov, "d_rank_share"] == pytest.approx(b.at[prov, "rank"] / 63 - a.at[prov, "rank"] / 63,
                                                               nan_ok=True)


def test_calibration_matches_its_target(ctx):
    """Every model's simulated one-year PII-change spread meets the pooled target (published record and the
    panel's own changes, each year pair's common change removed), computed here from the data."""
    cal = _inputs(ctx, None, 2030).calibration
    t = cal.table()
    assert (t["shock_scale"] > 0).all()
    pub, df_pub = pooled_spread(published_changes())
    pii = ctx.scores.table.query("node == @ctx.framework.root").pivot(index="year", columns="province", values="score")
    d = pii.diff().dropna()
    d = d.sub(d.mean(axis=1), axis=0)
    df_panel = d.shape[0] * (d.shape[1] - 1)
    panel2 = float((d.to_numpy() ** 2).sum()) / df_panel
    assert cal.target_score_sd == pytest.approx(np.sqrt((pub ** 2 * df_pub + panel2 * df_panel) / (df_pub + df_panel)),
                                                rel=1e-6)
    assert ((t["sim_score_sd"] / cal.target_score_sd).between(0.9, 1.1)).all()


def test_the_demonstration_panel_moves_as_much_as_the_published_record(ctx):
    """The generator's stated design: the spread of one-year PII changes across provinces (each year's common
    change removed) equals the published record's."""
    pii = ctx.scores.table.query("node == @ctx.framework.root").pivot(index="year", columns="province", values="score")
    d = pii.diff().dropna()
    panel = np.sqrt(np.mean(d.var(axis=1, ddof=1)))
    assert panel == pytest.approx(pooled_spread(published_changes())[0], abs=0.05)


def _correlated_changes(rng, rp: float, rg: float, years: int, provinces: int, pillar_of: np.ndarray,
                        direction: np.ndarray) -> np.ndarray:
    """A random-walk panel (years, provinces, indicators) whose yearly shocks have the model's structure."""
    k, n = int(pillar_of.max()) + 1, len(pillar_of)
    a = rng.standard_normal((years - 1, provinces, 1))
    b = rng.standard_normal((years - 1, provinces, k))[..., pillar_of]
    e = rng.standard_normal((years - 1, provinces, n))
    sd = rng.uniform(0.5, 3.0, n)
    shock = (np.sqrt(rp) * a + np.sqrt(rg) * b) * direction + np.sqrt(1 - rp - rg) * e
    z0 = rng.normal(0, 5, (1, provinces, n))
    return np.concatenate([z0, z0 + np.cumsum(shock * sd, axis=0)])


def test_shock_correlations_are_estimated_from_the_panels_changes():
    """Brute force: a panel drawn with known shares gives them back (to sampling error); with fewer than
    MIN_CORRELATION_CHANGES one-year changes of consecutive years there is no estimate."""
    from pii_analysis.analysis.models import relative_shock_sd

    rng = np.random.default_rng(1)
    pillar_of = np.repeat(np.arange(7), [7, 7, 7, 8, 9, 7, 7])
    direction = np.where(rng.random(len(pillar_of)) < 0.2, -1.0, 1.0)
    for rp, rg in ((0.3, 0.2), (0.0, 0.0), (0.6, 0.1)):
        z = _correlated_changes(rng, rp, rg, 5, 200, pillar_of, direction)
        est = estimate_correlations(z, [2021, 2022, 2023, 2024, 2025], pillar_of, direction, relative_shock_sd(z))
        assert est[0] == pytest.approx(rp, abs=0.04) and est[1] == pytest.approx(rg, abs=0.04) and est[2] == 4
    z = _correlated_changes(rng, 0.3, 0.2, MIN_CORRELATION_CHANGES + 1, 34, pillar_of, direction)
    years = list(range(2021, 2021 + MIN_CORRELATION_CHANGES + 1))
    assert estimate_correlations(z, years, pillar_of, direction, relative_shock_sd(z)) is not None
    gap = [years[0] - 1, *years[1:]]                    # a gap: one fewer change of consecutive years
    assert estimate_correlations(z, gap, pillar_of, direction, relative_shock_sd(z)) is None


@pytest.mark.parametrize("n_years", [1, 2, 3])
def test_correlations_are_estimated_or_labelled_as_assumed(tmp_path, ctx, n_years):
    from pii_analysis.report.feasibility_text import model_note

    data = ctx if n_years == len(ctx.panel.years) else _panel_of_years(tmp_path, ctx.panel.years[-n_years:])
    proj = project(data, n_draws=30, seed=1, target_year=ctx.panel.years[-1] + 1)
    cal = proj.calibration
    if n_years - 1 >= MIN_CORRELATION_CHANGES:
        assert cal.correlation_source == "estimated" and cal.correlation_changes == n_years - 1
        assert (cal.rho_province, cal.rho_pillar) != (RHO_PROVINCE, RHO_PILLAR)
        assert "estimated from the data's" in model_note(proj, "en")
    else:
        assert cal.correlation_source == "assumed" and (cal.rho_province, cal.rho_pillar) == (RHO_PROVINCE, RHO_PILLAR)
        assert "**assumed**" in model_note(proj, "en") and "**giả định**" in model_note(proj, "vi")


@pytest.mark.slow
def test_backtest_command_reports_coverage_by_origin_and_horizon(ctx, tmp_path, capsys):
    import json

    from pii_analysis.cli.main import main

    # the panel backtest runs on observed years only (a user's own panel; the demonstration panel's are generated)
    assert main(["backtest", "--data", str(ctx.panel.source), "--draws", "60", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    years = ctx.scores.years
    expected = [(t, h) for t in years[:-1] for h in (1, 2) if t + h in years]
    assert list(dict.fromkeys((r["origin"], r["horizon"]) for r in out["coverage"])) == expected
    for r in out["coverage"]:
        assert all(0 <= r[k] <= 1 for k in ("cover50_score", "cover90_score", "cover50_rank", "cover90_rank"))
        assert r["cover90_score"] >= r["cover50_score"] and r["cover90_rank"] >= r["cover50_rank"]
        # an interval of whole ranks that holds its ends holds at least its nominal share of the model's draws
        assert r["mass50_rank"] >= 0.5 and r["mass90_rank"] >= 0.9
        # one row per trend model that ran (trend models need 3 years), and their average when several ran
        n_years = sum(y <= r["origin"] for y in years)
        ran = MODELS if n_years >= 3 else MODELS[:1]
        rows = [q["model"] for q in out["coverage"] if (q["origin"], q["horizon"]) == (r["origin"], r["horizon"])]
        assert rows == (["model average", *ran] if len(ran) > 1 else list(ran))
    assert out["overall"][0]["model"] == "model average" and out["overall"][0]["cases"] == 34 * len(expected)
    assert [m["model"] for m in out["models"]] == list(MODELS)       # the range across models at the latest year
    sd = {s["source"]: s["sd"] for s in out["spread"]}
    assert out["spread_ratio"] == pytest.approx(sd["model"] / sd["published"], rel=1e-3)
    assert out["spread_ratio_all"] == pytest.approx(sd["model"] / sd["published_all"], rel=1e-3)
    assert sd["published"] == pytest.approx(pooled_spread(published_changes())[0], rel=1e-3)
    assert sd["published_all"] == pytest.approx(np.std(published_changes()["d_score"].dropna(), ddof=1), rel=1e-3)
    sens = out["sensitivity"]
    assert {(s["rho_province"], s["rho_pillar"]) for s in sens} >= {(0.0, 0.0), (RHO_PROVINCE, RHO_PILLAR)}
    assumed = next(s for s in sens if s["values"] == "assumed")       # the backtest's origins use the assumption
    assert assumed["cover90_score"] == pytest.approx(out["overall"][0]["cover90_score"], abs=1e-9)
    one = _panel_of_years(tmp_path, years[-1:])
    assert main(["backtest", "--draws", "20", "--data", str(one.panel.source)]) == 2
    assert "at least two years" in capsys.readouterr().err
    assert main(["backtest", "--draws", "20", "--data", str(ctx.panel.source)]) == 0
    text = capsys.readouterr().out
    assert "cover90_rank" in text and "model / published" in text
    assert "rho_province" in text and "Sensitivity" in text and "shrunk_trend" in text
    assert main(["backtest", "--draws", "20"]) == 0     # the demonstration panel: published record only
    text = capsys.readouterr().out
    assert "DEMONSTRATION" in text and "HEADLINE" in text and "would be circular" in text
    assert "cover90_rank" not in text and "shrunk_trend" not in text
