"""Indicator targets, Eurostat-style: actual against required pace, bands, a minimum series length."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.pace import MIN_YEARS, band, target_pace
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data.paths import REPO_ROOT
from pii_analysis.index.context import load_context
from pii_analysis.report import feasibility_text as ftext
from shared_fixtures import demo_as_user_panel

NB = "Ninh Bình"



@pytest.mark.parametrize("ratio, expected", [(1.2, "on_track"), (0.95, "on_track"), (0.9499, "moderate"),
                                             (0.6, "moderate"), (0.5999, "insufficient"), (0.0, "insufficient"),
                                             (-0.01, "moving_away")])
def test_eurostat_bands(ratio, expected):
    assert band(ratio) == expected


def test_paces_in_the_indicators_own_units_by_brute_force(tmp_path):
    ctx = load_context(demo_as_user_panel(tmp_path))   # observed years: the paces are computed from them
    table = target_pace(ctx, NB, lang="en")
    assert len(table) and set(table["band"]) <= {"on_track", "moderate", "insufficient", "moving_away", "met",
                                                  "too_short"}
    years, provinces, rates = panel_rates(ctx)
    p = provinces.index(NB)
    for _, row in table.iterrows():
        i = ctx.framework.indicators.index(row["indicator"])
        series = rates[:, p, i]
        d = ctx.framework.nodes.at[row["indicator"], "direction"]
        assert row["base_value"] == pytest.approx(series[-1])
        if row["kind"] == "level":
            assert row["actual_pace"] == pytest.approx((series[-1] - series[0]) / (years[-1] - years[0]))
            assert row["required_pace"] == pytest.approx((row["target_value"] - series[-1]) /
                                                         (row["target_year"] - years[-1]))
            if (row["target_value"] - series[-1]) * d <= 0:
                assert row["band"] == "met"
                continue
        else:
            growth = 100 * ((series[-1] / series[0]) ** (1 / (years[-1] - years[0])) - 1)
            assert row["actual_pace"] == pytest.approx(growth)
        assert row["band"] == band(row["ratio"]) and row["ratio"] == pytest.approx(row["actual_pace"] /
                                                                                   row["required_pace"])
    shown = ftext.display_table(table, "en", "targets", base=2025)
    assert "Assessment (Eurostat bands)" in shown.columns and len(shown) == len(table)


def test_no_pace_comes_from_generated_years(ctx):
    """The demonstration panel's years are generated: every series is one observation long, so too short."""
    table = target_pace(ctx, NB, lang="en")
    assert len(table) and set(table["band"]) <= {"too_short", "met"} and table["actual_pace"].isna().all()
    assert (table["years"] == 1).all()


def test_no_pace_is_judged_on_a_short_series(ctx, tmp_path):
    panel = pd.read_csv(REPO_ROOT / "data" / "raw" / "demo" / "pii_demo_panel.csv")
    path = tmp_path / "two.csv"
    panel[panel["year"] >= ctx.panel.years[-2]].to_csv(path, index=False)
    short = load_context(path)
    table = target_pace(short, NB)
    assert MIN_YEARS > 2 and set(table["band"]) <= {"too_short", "met"} and (table["band"] == "too_short").any()
    assert np.isnan(table.loc[table["band"] == "too_short", "ratio"]).all()


def test_a_province_without_mapped_targets_gets_an_empty_table_and_a_sentence(ctx):
    table = target_pace(ctx, "Hà Nội")
    assert table.empty
    assert "no quantified target" in ftext.targets_section(table, "Hà Nội", "en")
