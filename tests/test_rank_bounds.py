"""The rank a province can hold given everything published (analysis.rank_bounds): golden intervals
from the published 2025 table (data/raw/pii_published_results.csv, 34 provinces), and the same figure
on every output of a Ninh Bình profile filled from the template."""
from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from pii_analysis.analysis.profile_level import analyse_profile, published_totals
from pii_analysis.analysis.rank_bounds import rank_bounds
from pii_analysis.cli.main import main
from pii_analysis.data.loading import load_published


@pytest.fixture(scope="module")
def totals():
    return published_totals(load_published(), 2025)


@pytest.fixture(scope="module")
def nb_profile(tmp_path_factory):
    """The template for Ninh Bình with only its PII total (39.81) filled in."""
    path = tmp_path_factory.mktemp("nb") / "nb.xlsx"
    assert main(["template", "profile", "--province", "Ninh Binh", "--out", str(path)]) == 0
    frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    frame.loc[frame["code"] == "PII", "value"] = "39.81"
    frame.to_excel(path, index=False)
    return path


# golden: 2025 published: Đồng Nai 12th 44.92, Phú Thọ 15th (no total), Vĩnh Long 17th 38.93, Gia Lai 21st 37.66,
# Bắc Ninh 6th 48.76, Khánh Hòa 9th 46.54 (Đà Nẵng's 8th is 'conflicting', not published)
@pytest.mark.parametrize("pii, text, possible, above, below", [
    (39.81, "13–16 (not 15)", (13, 14, 16), "Đồng Nai", "Vĩnh Long"),
    (48.00, "7–8", (7, 8), "Bắc Ninh", "Khánh Hòa"),
    (45.50, "10–11", (10, 11), "Khánh Hòa", "Đồng Nai"),
    (38.00, "18–20", (18, 19, 20), "Vĩnh Long", "Gia Lai"),
    (66.00, "—", (), None, "Hà Nội"),    # above the published first: no rank fits (basis 'inconsistent')
    (30.00, "22–34", tuple(range(22, 35)), "Gia Lai", None),
])
def test_golden_rank_intervals_from_the_published_2025_table(totals, pii, text, possible, above, below):
    b = rank_bounds("Ninh Bình", pii, totals)
    assert (b.text(), b.possible) == (text, possible)
    assert (b.above or {}).get("province") == above and (b.below or {}).get("province") == below
    if b.above and b.possible:   # the neighbours are consistent with the interval
        assert b.above["rank"] == b.low - 1 and b.above["pii"] > pii
    if b.below and b.possible:
        assert b.below["rank"] == b.high + 1 and b.below["pii"] < pii


def test_own_published_rank_fixes_it_and_no_total_gives_no_rank(totals):
    assert rank_bounds("Khánh Hòa", 46.54, totals).text() == "9"
    assert rank_bounds("Phú Thọ", float("nan"), totals).text() == "15"
    assert rank_bounds("Ninh Bình", float("nan"), totals).text() == "—"


def test_bounds_equal_a_brute_force_over_every_consistent_order(totals):
    """Brute force on a small table: the ranks X takes over every ordering of 6 provinces consistent with the
    published ranks and totals of the others."""
    small = pd.DataFrame({"province": list("ABCDE"), "rank": [1, 3, float("nan"), 5, float("nan")],
                          "pii_score": [60.0, float("nan"), 50.0, 40.0, 30.0]})
    frame = pd.concat([small, pd.DataFrame({"province": ["X"], "rank": [float("nan")], "pii_score": [45.0]})])
    seen = set()
    for order in itertools.permutations(frame["province"]):
        pos = {p: i + 1 for i, p in enumerate(order)}
        ok = all(pd.isna(r) or pos[p] == r for p, r in zip(frame["province"], frame["rank"]))
        tot = dict(zip(frame["province"], frame["pii_score"]))
        known = [p for p in order if pd.notna(tot[p])]
        ok = ok and all(tot[a] > tot[b] for a, b in zip(known, known[1:]))
        if ok:
            seen.add(pos["X"])
    b = rank_bounds("X", 45.0, frame)
    assert set(b.possible) == seen == {4}
    assert b.text() == "4"


def test_ninh_binh_profile_shows_the_interval_on_every_output(nb_profile, capsys):
    r = analyse_profile(nb_profile)
    assert r.pii == 39.81 and r.bounds.text() == "13–16 (not 15)" and pd.isna(r.rank)
    assert list(r.gaps["rank"]) == list(range(1, 16))   # from the top down to its worst possible rank
    assert r.gaps.set_index("rank").at[15, "province_at_rank"] == "Phú Thọ"
    for command in ("score", "drivers"):
        capsys.readouterr()
        assert main([command, "--data", str(nb_profile), "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["rank"] == "13–16 (not 15)" and (out["rank_low"], out["rank_high"]) == (13, 16)
        assert "Đồng Nai (12, 44.92)" in out["rank_bounds"] and "Vĩnh Long (17, 38.93)" in out["rank_bounds"]
        assert main([command, "--data", str(nb_profile)]) == 0
        assert "# rank: 13–16 (not 15)" in capsys.readouterr().out


def test_pages_and_landing_show_the_same_figure(nb_profile):
    from pii_analysis.report.level_pages import standing_text
    from pii_analysis.report.level_run import landing_ranking

    r = analyse_profile(nb_profile)
    assert "13–16 (not 15)" in standing_text(r, "en") and "Đồng Nai" in standing_text(r, "vi")
    table = landing_ranking(r, {"Ninh Bình": r}).set_index("province")
    assert table.at["Ninh Bình", "rank_label"] == "13–16 (not 15)" and table.at["Khánh Hòa", "rank_label"] == "9"


def test_feasibility_on_a_profile_and_on_the_published_file(nb_profile, capsys):
    """Totals and ranks only: P(Top 10 in 2030) with its verdict, model range and calibration source; the
    calibration is the published record (pooled sd of one-year changes, each year's common change removed)."""
    from pii_analysis.analysis.totals_feasibility import MODELS, totals_feasibility
    from pii_analysis.data.record import pooled_spread, published_changes

    for args in (["--data", str(nb_profile)],
                 ["--data", "data/raw/pii_published_results.csv", "--province", "Khanh Hoa"]):
        capsys.readouterr()
        assert main(["feasibility", *args, "--target-rank", "10", "--draws", "2000", "--seed", "7",
                     "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        lo, hi = out["model_range"]
        assert 0.0 <= lo <= out["probability"] <= hi <= 1.0 and lo < hi
        assert out["verdict"] in ("on_track", "needs_acceleration", "off_track")
        assert "province_merger_2025.csv" in out["calibration"] and "re-basing" in out["calibration"]
    sd, df = pooled_spread(published_changes())
    f = totals_feasibility("Ninh Bình", 39.81, published_totals(load_published(), 2025), target_rank=10, years=5,
                           n_draws=2000, seed=7)
    assert (f.sd_within, f.df_within) == (sd, df) and list(f.by_model) == list(MODELS)
    assert f.p == f.by_model[MODELS[0]]
    # higher unknown totals make Top 10 harder; no time, no move from 13-16 to the Top 10
    assert f.by_model[MODELS[1]] <= f.p <= f.by_model[MODELS[2]]
    assert totals_feasibility("Ninh Bình", 39.81, published_totals(load_published(), 2025), target_rank=10,
                              years=0, n_draws=500, seed=7).p == 0.0


def test_one_year_of_data_gives_the_required_pace_without_a_history(tmp_path):
    """Issue 19: a one-year workbook's page 03 failed on the historical pace; with one year it is not known."""
    from pii_analysis.analysis.verdict import required_pace
    from pii_analysis.data.paths import raw_file
    from pii_analysis.index.context import load_context

    panel = pd.read_csv(raw_file("demo/pii_demo_panel.csv"))
    path = tmp_path / "one.csv"
    panel[panel["year"] == 2025].to_csv(path, index=False)
    ctx = load_context(str(path))
    p = required_pace(ctx, "Ninh Bình", target_rank=10, target_year=2030).iloc[0]
    assert p["base_pii"] == float(ctx.scores.node_scores(2025).loc["Ninh Bình", ctx.framework.root])
    assert pd.isna(p["historical_yearly_gain"]) and pd.isna(p["gap_per_year"])
    assert p["required_yearly_gain"] == (p["needed_pii"] - p["base_pii"]) / 5


@pytest.mark.parametrize("target, status, current, reason", [
    (20, "met", 16.0, ""),             # every rank left (13, 14, 16) meets rank <= 20: judged on the worst, 16
    (12, "not met", 13.0, ""),         # none does: judged on the best, 13
    (15, "cannot be judged", None, "rank_interval"),   # 13 and 14 meet it, 16 does not
])
def test_a_rank_target_is_judged_on_the_interval_never_on_a_guessed_place(nb_profile, tmp_path, target, status,
                                                                          current, reason):
    from pii_analysis.analysis.plan import judge_level
    from pii_analysis.data.targets import load_targets

    f = tmp_path / "t.csv"
    f.write_text(f"province,year,kind,value,group,source_url,note\nNinh Bình,2025,rank,{target},,mine,\n",
                 encoding="utf-8")
    row = judge_level(analyse_profile(nb_profile), load_targets(f, province="Ninh Bình")).iloc[0]
    assert (row["status"], row["reason"]) == (status, reason)
    assert (pd.isna(row["current_value"]) if current is None else row["current_value"] == current)
