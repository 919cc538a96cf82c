"""The levers (analysis.levers): places gained toward each province's own target by the target year, checked by
brute force (the panel of the target year re-scored by the whole engine with the lever's value and the rivals'
projected values, then re-ranked); protect-the-lead levers at the top; a province's weak indicators surfacing;
who acts and who only measures; where the paces come from; one ranking on the summary, page 02 and `pii drivers`."""
from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from test_cli_score import run as run_cli

from pii_analysis.analysis import levers as lv
from pii_analysis.analysis.paces import observed_paces, sustained_paces
from pii_analysis.analysis.projection import deterministic_rates, project, rate_method
from pii_analysis.analysis.raw_units import raw_standing, resolution
from pii_analysis.analysis.targets import province_target
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.levers import load_levers
from pii_analysis.index.context import load_context
from pii_analysis.index.scoring import rank_desc, score_arrays

NB = "Ninh Bình"
YEAR = 2025



def target_year_panel(ctx, levers: lv.Levers) -> tuple[np.ndarray, list[str]]:
    """Every province's rates in the target year on the projection's central path (a copy)."""
    _, provinces, path = deterministic_rates(ctx, base_year=levers.base_year, target_year=levers.target_year)
    return path[-1].copy(), list(provinces)


def brute(ctx, levers: lv.Levers, code: str, value: float) -> tuple[int, np.ndarray]:
    """The province's rank and every province's PII in the target year when `code` alone takes `value`, the
    rivals as projected: the whole panel scored again by the engine."""
    fw = ctx.framework
    x, provinces = target_year_panel(ctx, levers)
    p = provinces.index(levers.province)
    x[p, fw.indicators.index(code)] = value
    pii = score_arrays(x, fw, rate_method(ctx)).node(fw.root)
    return int(rank_desc(pii, ctx.method.rank_decimals)[p]), pii


def places(levers: lv.Levers, rank: int) -> int:
    return max(levers.path_rank - max(rank, levers.target_rank), 0) if levers.mode == "reach" else 0


@pytest.mark.slow
@pytest.mark.parametrize("province", [NB, "Đồng Tháp", "Sơn La", "Cao Bằng", "Lai Châu", "Gia Lai"])
def test_places_gained_are_those_of_a_brute_force_rescoring(ctx, province):
    levers = lv.rank_levers(ctx, province)
    fw, t = ctx.framework, levers.table
    x, provinces = target_year_panel(ctx, levers)
    p = provinces.index(province)
    base_pii = score_arrays(x, fw, rate_method(ctx)).node(fw.root)
    assert int(rank_desc(base_pii, ctx.method.rank_decimals)[p]) == levers.path_rank
    res = resolution(x)
    h = levers.target_year - levers.base_year
    for row in t[t["usable"]].head(8).to_dict("records"):
        code = row["indicator"]
        i = fw.indicators.index(code)
        d = float(fw.direction[i])
        rank, pii = brute(ctx, levers, code, row["value_needed"])
        assert rank == row["rank_with_lever"] and places(levers, rank) == row["places_gained"], (province, code)
        assert row["pii_points"] == pytest.approx(pii[p] - base_pii[p], rel=1e-9, abs=1e-9)
        # no further than a sustained effort brings it by the target year, years and effort as stated
        assert d * (row["value_needed"] - row["value_cap"]) <= 1e-9
        assert 0 < row["years_of_effort"] <= h + 1e-9
        assert row["years_of_effort"] == pytest.approx(d * (row["value_needed"] - row["value_path"]) / row["pace"])
        assert row["effort"] == pytest.approx(row["years_of_effort"] * row["relative_cost"])
        if row["places_gained"]:
            # the smallest value on the reporting grid: one step less gains fewer places
            less, _ = brute(ctx, levers, code, row["value_needed"] - d * res[i])
            assert places(levers, less) < row["places_gained"], (province, code)
        # the most places any value within the sustained effort gains (a fine search, brute force)
        for value in np.linspace(row["value_path"], row["value_cap"], 120)[1:]:
            assert places(levers, brute(ctx, levers, code, value)[0]) <= row["places_gained"], (province, code)
        if not row["places_gained"]:       # no place within reach: the whole sustained effort to the target year
            assert row["value_needed"] == pytest.approx(row["value_cap"])


def test_levers_are_ordered_by_places_then_points_per_unit_of_effort(ctx):
    for province in (NB, "Lai Châu", "Đồng Tháp"):
        t = lv.rank_levers(ctx, province).table
        assert t["lever_order"].tolist() == list(range(1, len(t) + 1))
        usable = t[t["usable"]]
        assert not t["usable"].iloc[len(usable):].any()
        key = list(zip(usable["places_per_effort"], usable["points_per_effort"]))
        assert all(a >= b for a, b in zip(key, key[1:])), province
        assert usable["places_per_effort"].to_numpy() == pytest.approx(
            usable["places_gained"].to_numpy() / usable["effort"].to_numpy())
        chosen = lv.rank_levers(ctx, province).chosen
        assert chosen["lever_rank"].tolist() == [1, 2, 3] and chosen["indicator"].tolist() == \
            t["indicator"].iloc[:3].tolist()


def test_ha_noi_at_rank_1_gets_levers_that_protect_its_lead(ctx):
    levers = lv.rank_levers(ctx, "Hà Nội")
    assert levers.target_rank == 1 and levers.mode == "protect" and levers.below
    fw = ctx.framework
    x, provinces = target_year_panel(ctx, levers)
    base = score_arrays(x, fw, rate_method(ctx)).node(fw.root)
    p, b = provinces.index("Hà Nội"), provinces.index(levers.below)
    assert levers.below_margin == pytest.approx(base[p] - base[b])
    assert base[b] == max(v for j, v in enumerate(base) if j != p)      # the province just below
    chosen = levers.chosen
    assert (chosen["reason_code"] == "protect").all() and (chosen["places_gained"] == 0).all()
    for row in chosen.to_dict("records"):
        _, pii = brute(ctx, levers, row["indicator"], row["value_needed"])
        assert row["margin_gained"] == pytest.approx((pii[p] - pii[b]) - (base[p] - base[b]), rel=1e-9, abs=1e-9)
        assert row["margin_gained"] > 0
    usable = levers.table[levers.table["usable"]]
    assert (np.diff(usable["margin_per_effort"].to_numpy()) <= 1e-12).all()
    # every province at or above its target on the path gets protect levers; the others reach for places
    for province in ctx.panel.provinces(YEAR)[:12]:
        other = lv.rank_levers(ctx, province)
        assert other.mode == ("protect" if other.path_rank <= other.target_rank else "reach")


def test_ninh_binhs_weak_indicators_surface(ctx):
    """Its own weaknesses (bottom third of the provinces, below the national average) are among its levers:
    closing a gap below the average is the cheap part of the assumed pace (the catch-up)."""
    levers = lv.rank_levers(ctx, NB)
    chosen = levers.chosen
    assert chosen["weak"].sum() >= 2
    n = levers.n_provinces
    assert (chosen.loc[chosen["weak"], "indicator_rank"] > n * 2 / 3).all()
    assert (chosen.loc[chosen["weak"], "score"] < chosen.loc[chosen["weak"], "national_average_score"]).all()


def test_the_weakest_indicator_surfaces_when_the_levers_file_says_it_is_cheap(ctx, tmp_path, monkeypatch):
    """Ninh Bình is last of 34 on 4.3.3 (retail sales per person); as an outcome (cost 4, slow) it is not a
    lever, but the same ranking names it first once the levers file calls it a cheap direct lever: the
    ranking follows the file's assumptions, not a hard-coded list."""
    t = lv.rank_levers(ctx, NB).table.set_index("indicator")
    assert t.at["4.3.3", "indicator_rank"] == 34 and t.at["4.3.3", "weak"] and pd.isna(t.at["4.3.3", "lever_rank"])
    raw = tmp_path / "raw"
    shutil.copytree(paths.raw_dir(), raw, ignore=shutil.ignore_patterns("indicator_levers.csv"))
    levers = pd.read_csv(paths.raw_file("indicator_levers.csv"), dtype=str, keep_default_na=False)
    at = levers["indicator"] == "4.3.3"
    levers.loc[at, ["controllability", "relative_cost", "pace_share_of_range", "catch_up_share"]] = \
        ["direct", "1", "0.03", "0.30"]
    levers.to_csv(raw / "indicator_levers.csv", index=False)
    monkeypatch.setenv("PII_DATA_DIR", str(raw))
    cheap = lv.rank_levers(load_context(), NB)
    assert cheap.chosen["indicator"].iloc[0] == "4.3.3"


def test_a_measuring_agency_is_never_a_lead(tmp_path):
    levers = load_levers()
    stats = "Thống kê tỉnh"
    assert not levers.at["7.3.2", "lead_agency_vi"].startswith(stats)
    assert levers.at["7.3.2", "measured_by_vi"].startswith(stats)
    assert not levers["lead_agency_vi"].str.startswith(stats).any()      # it measures; it leads nothing
    assert (levers["measured_by_vi"] != "").all() and (levers["measured_by_en"] != "").all()
    frame = pd.read_csv(paths.raw_file("indicator_levers.csv"), dtype=str, keep_default_na=False)
    last = len(frame) + 1          # the spreadsheet row of 7.3.2 (header = row 1)
    for column, lang in (("lead_agency_vi", "vi"), ("co_agencies_en", "en")):
        bad = frame.copy()
        bad.loc[bad["indicator"] == "7.3.2", column] = bad.loc[bad["indicator"] == "7.3.2", f"measured_by_{lang}"]
        path = tmp_path / f"levers_{column}.csv"
        bad.to_csv(path, index=False)
        with pytest.raises(PiiInputError, match=f"measures indicator 7.3.2.*measured_by_{lang}") as err:
            load_levers(path)
        assert err.value.row == last and err.value.column == column and str(path) in str(err.value)
    bad = frame.copy()
    bad.loc[0, "pace_share_of_range"] = "1.5"
    bad.to_csv(tmp_path / "pace.csv", index=False)
    with pytest.raises(PiiInputError, match="pace_share_of_range") as err:
        load_levers(tmp_path / "pace.csv")
    assert err.value.row == 2


def user_copy(tmp_path, drop_years=()) -> str:
    """The demonstration panel relabelled as a user's own multi-year file (its years then count as observed)."""
    frame = pd.read_csv(paths.raw_file(paths.DEMO_PANEL), dtype=str, keep_default_na=False)
    frame = frame[~frame["year"].isin([str(y) for y in drop_years])]
    frame["data_status"] = "user"
    path = tmp_path / f"user_panel{''.join(f'_{y}' for y in drop_years)}.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_paces_are_an_assumption_on_the_demonstration_panel(ctx):
    assert ctx.panel.observed_years() == []
    t = sustained_paces(ctx, province=NB)
    assert (t["pace_source"] == "assumption").all() and (t["observed_years"] == 0).all()
    # the stated assumption: a share of the national range plus a share of the gap below the national average
    assert np.allclose(t["pace"], t["share_of_range"] * t["national_range"] + t["catch_up_share"] * t["gap_below_average"])
    _, provinces, rates = panel_rates(ctx, [YEAR])
    own = rates[0][provinces.index(NB)]
    gap = np.maximum((t["national_average"] - own) * ctx.framework.direction, 0.0)
    assert np.allclose(t["gap_below_average"], np.nan_to_num(gap))
    assert lv.rank_levers(ctx, NB).pace_source == "assumption"
    # the effort plan sizes its caps from the same paces
    from pii_analysis.analysis.effort import minimum_effort_plan

    plan = minimum_effort_plan(ctx, NB, target_rank=13, n_draws=0, budget=None)
    paces = t.set_index("indicator")["pace"]
    assert np.allclose(plan.table["sustained_pace"], paces[plan.table["indicator"]].to_numpy())
    assert (plan.table["pace_source"] == "assumption").all()


def test_paces_are_observed_on_a_users_multi_year_panel(tmp_path):
    ctx = load_context(user_copy(tmp_path))
    assert ctx.panel.observed_years() == [2023, 2024, 2025]
    t = sustained_paces(ctx, province=NB)
    assert (t["pace_source"] == "observed").all() and t["share_of_range"].isna().all()
    # brute force: the 90th percentile of each province's (last - first) / years elapsed, good direction, >= 0
    _, _, rates = panel_rates(ctx, [2023, 2024, 2025])
    fw = ctx.framework
    for i in (0, 20, 40):
        pace = (rates[-1, :, i] - rates[0, :, i]) / 2 * fw.direction[i]
        assert t["pace"].iloc[i] == pytest.approx(max(np.nanquantile(pace, 0.9), 0.0))
    # years need not be consecutive: without the middle year the first and last are the same, so are the paces
    thin = load_context(user_copy(tmp_path, drop_years=[2024]))
    assert np.allclose(observed_paces(thin, [2023, 2025])[0], t["pace"])
    levers = lv.rank_levers(ctx, NB)
    assert levers.pace_source == "observed" and (levers.table["pace_source"] == "observed").all()
    code, out, _ = run_cli("drivers", "--data", user_copy(tmp_path), "--province", NB)
    assert code == 0 and "# paces: The sustained paces are observed" in out
    with pytest.raises(PiiInputError, match="two observed years"):
        observed_paces(ctx, [2025])


def cli_levers(province: str) -> pd.DataFrame:
    code, out, _ = run_cli("drivers", "--province", province, "--format", "csv")
    assert code == 0, province
    return pd.read_csv(io.StringIO(out), dtype={"indicator": str})


@pytest.mark.slow
def test_pii_drivers_csv_names_three_levers_for_every_province_and_they_differ(ctx):
    sets = {}
    for province in ctx.panel.provinces(YEAR):
        t = cli_levers(province)
        for col in ("lever_rank", "places_gained", "value_now", "value_needed", "years_of_effort", "effort",
                    "lead_agency", "reason"):
            assert col in t, col
        ranked = t.dropna(subset=["lever_rank"]).sort_values("lever_rank")
        assert ranked["lever_rank"].tolist() == [1, 2, 3], province
        assert (ranked["reason"].str.len() > 20).all() and (ranked["lead_agency"] != "").all()
        target = province_target(ctx, province, base_year=YEAR)
        assert (t["target_rank"] == target.rank).all() and (t["target_year"] == 2030).all()
        sets[province] = frozenset(ranked["indicator"])
    assert len(set(sets.values())) >= 17, len(set(sets.values()))


def test_the_summary_names_the_csvs_levers(ctx, tmp_path):
    from pii_analysis.report import summary

    shared = project(ctx, n_draws=40, seed=3)
    ranking = ctx.scores.ranking(YEAR).sort_values("rank")["province"].tolist()
    for province in dict.fromkeys([ranking[0], ranking[9], ranking[16], NB, ranking[-5], ranking[-1]]):
        t = cli_levers(province)
        expected = t.dropna(subset=["lever_rank"]).sort_values("lever_rank")["indicator"].tolist()
        page = summary.write_summary(tmp_path / province, ctx, province, YEAR, lang="en", projection=shared,
                                     target_rank=None, target_year=2030, drivers=pd.DataFrame(), banner="",
                                     pages=["summary"]).read_text(encoding="utf-8")
        assert re.findall(r"<li><strong>(\S+) ", page) == expected, province


def test_profile_levels_levers_follow_the_same_rule(ctx):
    from pii_analysis.analysis.profile_level import analyse_profile
    from pii_analysis.report import level_pages

    result = analyse_profile(paths.raw_file(paths.KHANH_HOA_PROFILE))
    t = lv.profile_levers(result, target_year=2030)
    assert t["lever_rank"].dropna().tolist() == [1, 2, 3] and (t["pace_source"] == "assumption").all()
    usable = t[t["usable"]]
    key = list(zip(usable["places_per_effort"], usable["points_per_effort"]))
    assert all(a >= b for a, b in zip(key, key[1:]))
    gaps = np.sort(result.standing["gap_pii"].round(2)[result.standing["gap_pii"] > 0].to_numpy())
    for row in usable.to_dict("records"):
        # exact inside the national range: points = PII per unit x the rise, capped at the room to the maximum
        rise = abs(row["value_needed"] - row["value_now"])
        assert row["pii_points"] == pytest.approx(min(abs(row["pii_per_unit"]) * rise, row["max_pii_gain"]))
        assert row["places_gained"] == int(np.sum(gaps < row["pii_points"] - 1e-12))   # more than the gap passes
        assert row["years_of_effort"] <= 5 + 1e-9 and row["effort"] == pytest.approx(
            row["years_of_effort"] * row["relative_cost"])
    items = level_pages.profile_lever_items(result, "en", 2030)
    assert [i["code"] for i in items] == t.dropna(subset=["lever_rank"])["code"].tolist()
    assert all("assumed pace" in i["what"] and i["lead"].startswith("Lead: ") for i in items)
    assert "published totals held as they are" in level_pages.profile_levers_rule("en")


def test_a_target_year_before_the_base_year_is_refused(ctx):
    with pytest.raises(PiiInputError, match="target year"):
        lv.rank_levers(ctx, NB, target_year=2025)
    assert raw_standing(ctx, NB).base()[1] == 14
