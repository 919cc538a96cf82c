"""Generated history never feeds a trend, a "change since" or a history-based rate (issue 20 item 4): the
demonstration panel's years are all generated, so its pages say the change and the trend are not known and
the projection runs the random walk calibrated on the published record; a user's own panel with observed
years gets them back. The headline's own models are backtested on the published record."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis import verdict
from pii_analysis.analysis.headline_backtest import headline_backtest
from pii_analysis.analysis.history import history_years, previous_observed
from pii_analysis.analysis.national import pillar_changes, ranking_with_change
from pii_analysis.analysis.profile import headline as profile_headline
from pii_analysis.analysis.projection import project
from pii_analysis.data.paths import DEMO_PANEL, raw_file
from pii_analysis.index.context import load_context
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import landing, summary
from shared_fixtures import demo_as_user_panel

NB = "Ninh Bình"


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    """The demonstration values as a user's own panel: 2023, 2024 and 2025 all observed."""
    return load_context(demo_as_user_panel(tmp_path_factory.mktemp("observed")))


def test_the_demonstration_panel_has_no_history(ctx):
    assert ctx.panel.generated_years == (2023, 2024, 2025) and ctx.panel.observed_years() == []
    assert history_years(ctx) == [2025] and previous_observed(ctx, 2025) is None


def test_the_landing_change_of_ninh_binh_is_not_known_on_the_demonstration_panel(ctx):
    ranking = ranking_with_change(ctx, 2025)
    assert ranking.attrs["change"] == "generated"
    row = ranking.set_index("province").loc[NB]
    assert pd.isna(row["rank_change"]) and np.isnan(row["pii_change"]) and pd.isna(row["prev_rank"])
    rows = landing.province_rows(ranking, [], "en", ctx.data_status, {})
    assert next(r for r in rows if r["province"] == NB)["change"] == "—"
    for lang, words in (("en", "not known"), ("vi", "chưa biết")):
        assert words in landing._t("col_change_unknown", lang)
    h = profile_headline(ctx, NB, 2025)
    assert h["prev_rank"] is None and h["change"] == "generated"
    assert summary.change_card(h, "en")["note"] == summary._t("change_generated", "en")
    changes = pillar_changes(ctx, NB, 2025, "en")
    assert changes.empty and changes.attrs["change"] == "generated"


def test_a_user_panel_with_two_observed_years_gives_the_change(tmp_path):
    two = load_context(demo_as_user_panel(tmp_path, [2024, 2025]))
    assert history_years(two) == [2024, 2025]
    ranking = ranking_with_change(two, 2025).set_index("province")
    assert ranking.attrs["change"] == "known"
    before = two.scores.ranking(2024).set_index("province").loc[NB]
    now = two.scores.ranking(2025).set_index("province").loc[NB]
    assert int(ranking.at[NB, "rank_change"]) == int(before["rank"]) - int(now["rank"])
    assert ranking.at[NB, "pii_change"] == pytest.approx(float(now["pii"]) - float(before["pii"]), abs=1e-12)
    assert profile_headline(two, NB, 2025)["prev_rank"] == int(before["rank"])


def _with_changed_2023(tmp_path, status: str | None) -> pd.DataFrame:
    panel = pd.read_csv(raw_file(DEMO_PANEL))
    if status:
        panel = panel.assign(data_status=status)
    rows = (panel["year"] == 2023) & (panel["province"] == NB)
    panel.loc[rows, "value"] = panel.loc[rows, "value"] * 0.5       # a very different 2023 for Ninh Bình
    path = tmp_path / f"changed_{status or 'demo'}.csv"
    panel.to_csv(path, index=False)
    return load_context(path)


def test_a_generated_2023_value_does_not_move_the_headline(ctx, observed, tmp_path):
    settings = dict(n_draws=300, seed=5, target_year=2030)
    base = project(ctx, **settings)
    changed = project(_with_changed_2023(tmp_path, None), **settings)
    assert base.models == changed.models == ("random_walk",)
    assert base.calibration.panel_years == [2025]
    assert base.p_rank_at_most(NB, 10, 2030) == changed.p_rank_at_most(NB, 10, 2030)
    assert np.array_equal(base.ranks, changed.ranks)
    # the same change in a user's observed panel moves the trend models (the test can see a change)
    user = project(observed, **settings)
    user_changed = project(_with_changed_2023(tmp_path, "user"), **settings)
    assert user.models == ("random_walk", "shrunk_trend", "damped_trend")
    assert not np.array_equal(user.ranks, user_changed.ranks)


def test_page_03_says_what_one_year_or_generated_years_allow(ctx, tmp_path):
    one = load_context(demo_as_user_panel(tmp_path, [2025]))
    for data, key in ((one, "history_one_year"), (ctx, "history_generated")):
        pace = verdict.required_pace(data, NB, target_rank=10, target_year=2030)
        assert np.isnan(pace["historical_yearly_gain"].iloc[0])
        for lang in ("en", "vi"):
            words = ftext.pace_text(pace, lang)
            assert ftext.narrative(key, lang, base=2025) in words and "—" not in words and "nan" not in words


def test_page_03_shows_which_model_gives_which_value(observed):
    from pii_analysis.analysis.draws import report_draws

    draws = report_draws(observed, target_year=2030, n_draws=300, seed=5)
    a = verdict.assess(observed, NB, target_rank=10, target_year=2030, draws=draws)
    words = ftext.intro(a, observed, "en")
    per = a.projection.model_probabilities(a.projection.ranks[:, -1, a.projection.index(NB)] <= 10)
    for name, p in zip(per["model"], per["probability"]):
        assert f"{ftext.text(ftext.TEXT, f'model_{name}', 'en')} {ftext.fmt_pct(p, 'en')}" in words
    s = a.projection.p_summary(NB, 10, 2030)          # the range printed is the models' own range
    assert s["lo"] == per["probability"].min() and s["hi"] == per["probability"].max()


def _published_cases() -> tuple[int, int]:
    """Published one-year changes counted straight from the file: ranks on the same map (both years
    published with a rank), PII totals of the same borders (2024->2025: provinces the merger left alone)."""
    from pii_analysis.data.record import unchanged_provinces

    pub = pd.read_csv(raw_file("pii_published_results.csv"))
    pub = pub[pub["status"] == "published"]
    unchanged = unchanged_provinces()
    ranks = scores = 0
    for year in (2023, 2024):
        a, b = pub[pub["year"] == year].set_index("province"), pub[pub["year"] == year + 1].set_index("province")
        for prov in a.index.intersection(b.index):
            same_map = a.at[prov, "n_provinces"] == b.at[prov, "n_provinces"]
            if not same_map and prov not in unchanged:
                continue
            ranks += bool(same_map and pd.notna(a.at[prov, "rank"]) and pd.notna(b.at[prov, "rank"]))
            scores += bool(pd.notna(a.at[prov, "pii_score"]) and pd.notna(b.at[prov, "pii_score"]))
    return ranks, scores


def test_the_headline_backtest_reproduces_the_published_case_counts(ctx, observed):
    rank_cases, score_cases = _published_cases()
    for data, models in ((ctx, ["random_walk"]),
                         (observed, ["random_walk", "shrunk_trend", "damped_trend", "model average (headline)"])):
        table = headline_backtest(data)
        assert table[table["quantity"] == "rank"]["model"].tolist() == models
        assert (table.loc[table["quantity"] == "rank", "cases"] == rank_cases).all()
        # a PII change is judged against the others' common shift that year: a year pair of one case has none
        assert (table.loc[table["quantity"] == "pii", "cases"] <= score_cases).all()
        cover = table[["cover50", "cover80", "cover90"]].to_numpy()
        assert np.all(np.diff(cover, axis=1) >= 0) and np.all((cover >= 0) & (cover <= 1))


def test_page_03_states_the_headline_models_backtest(ctx):
    from pii_analysis.analysis.draws import report_draws

    table = headline_backtest(ctx)
    row = table[table["quantity"] == "rank"].iloc[-1]
    draws = report_draws(ctx, target_year=2030, n_draws=300, seed=5)
    a = verdict.assess(ctx, NB, target_rank=10, target_year=2030, draws=draws)
    words = ftext.intro(a, ctx, "en")
    assert (f"held {ftext.fmt_pct(row['cover50'], 'en')}, {ftext.fmt_pct(row['cover80'], 'en')} and "
            f"{ftext.fmt_pct(row['cover90'], 'en')} of {int(row['cases'])} published one-year rank changes") in words
    assert "calibrated random walk" in words and "trend is not known" in words
