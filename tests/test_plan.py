"""A province's plan judged target by target (analysis/plan.py, `pii plan`): every kind, at the panel and the
published level, checked by hand against the scored panel and the projection's own draws."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.draws import report_draws
from pii_analysis.analysis.plan import judge_level, judge_panel, plan_targets
from pii_analysis.analysis.profile_level import analyse_published
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.analysis.verdict import classify
from pii_analysis.cli.main import main
from pii_analysis.data.targets import load_groups, load_targets
from pii_analysis.index.context import load_context
from shared_fixtures import demo_as_user_panel

NB, HUE = "Ninh Bình", "Huế"
DRAWS, SEED = 120, 7


@pytest.fixture(scope="module")
def ctx():
    return load_context()


@pytest.fixture(scope="module")
def proj(ctx):
    return report_draws(ctx, n_draws=DRAWS, seed=SEED).projection()


def cli(*args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def test_ninh_binh_plan_19_judged_from_the_projection_draws(ctx, proj):
    judged = judge_panel(ctx, NB, plan_targets(ctx, NB), proj)
    ranks = judged[judged["kind"] == "rank"]
    assert ranks["year"].tolist() == [2026, 2027, 2028, 2029, 2030, 2030]
    p = proj.index(NB)
    w = proj.weights
    for _, row in ranks.iterrows():
        event = proj.ranks[:, proj.years.index(row["year"]), p] <= row["value"]
        assert row["probability"] == pytest.approx(float(np.sum(event * w)), abs=1e-12)
        assert row["status"] == classify(row["probability"]).replace("_", " ")
    today = int(ctx.scores.ranking(2025).set_index("province").at[NB, "rank"])
    assert (ranks["current_value"] == today).all() and (ranks["current_year"] == 2025).all()
    assert (ranks["margin"] == ranks["value"] - today).all()
    share = judged[judged["kind"] == "indicators_above_national_mean_share"].iloc[0]
    _, provinces, rates = panel_rates(ctx, [2025])
    r = rates[0]
    mean = np.nanmean(r, axis=0)
    own = r[provinces.index(NB)]
    at = (own - mean) * ctx.framework.direction >= 0
    assert share["current_value"] == pytest.approx(at.sum() / len(at)) and share["year"] == 2029
    assert share["status"] in ("on track", "needs acceleration", "off track")


def write_targets(tmp_path, rows: list[str]):
    f = tmp_path / "targets.csv"
    f.write_text("province,year,kind,value,group,source_url,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_every_kind_is_judged_for_any_province(ctx, proj, tmp_path):
    code = ctx.framework.indicators[0]
    f = write_targets(tmp_path, [
        f"{HUE},2025,group_rank,2,centrally_run_cities,,", f"{HUE},2025,pillars_above_national_mean,4,,,",
        f"{HUE},2025,indicators_above_national_mean_share,0.5,,,", f"{HUE},2025,score,40,,,",
        f"{HUE},2025,indicator,1,{code},,", f"{HUE},2024,rank,3,,,",
        f"{HUE},2027,group_rank,3,centrally_run_cities,,", f"{HUE},2028,pillars_above_national_mean,5,,,",
        f"{HUE},2029,indicators_above_national_mean_share,0.6,,,", f"{HUE},2030,score,45,,,",
        f"{HUE},2030,indicator,1,{code},,", f"{HUE},2040,rank,3,,,", f"{HUE},2020,rank,3,,,"])
    judged = judge_panel(ctx, HUE, plan_targets(ctx, HUE, f), proj).set_index(["year", "kind"])
    ranking = ctx.scores.ranking(2025).set_index("province")
    cities = load_groups().query("group == 'centrally_run_cities'")["province"]
    group_rank = 1 + (ranking.loc[cities, "rank"] < ranking.at[HUE, "rank"]).sum()
    assert judged.at[(2025, "group_rank"), "current_value"] == group_rank
    assert judged.at[(2025, "group_rank"), "status"] == ("met" if group_rank <= 2 else "not met")
    cols = [f"p{c}" for c in ctx.framework.pillars]
    pillars = int((ranking.loc[HUE, cols] >= ranking[cols].mean()).sum())
    assert judged.at[(2025, "pillars_above_national_mean"), "current_value"] == pillars
    assert judged.at[(2025, "pillars_above_national_mean"), "margin"] == pillars - 4
    assert judged.at[(2025, "score"), "current_value"] == pytest.approx(ranking.at[HUE, "pii"], abs=1e-12)
    # the demonstration panel's 2024 is generated: a 2024 target is not judged on it (a user's panel: below)
    assert (judged.at[(2024, "rank"), "status"], judged.at[(2024, "rank"), "reason"]) == ("cannot be judged",
                                                                                         "generated_year")
    observed = load_context(demo_as_user_panel(tmp_path))
    past = judge_panel(observed, HUE, plan_targets(observed, HUE, f)).set_index(["year", "kind"])
    rank_2024 = int(observed.scores.ranking(2024).set_index("province").at[HUE, "rank"])
    assert past.at[(2024, "rank"), "current_value"] == rank_2024 and past.at[(2024, "rank"), "current_year"] == 2024
    assert past.at[(2024, "rank"), "status"] == ("met" if rank_2024 <= 3 else "not met")
    for key in [(2027, "group_rank"), (2028, "pillars_above_national_mean"),
                (2029, "indicators_above_national_mean_share"), (2030, "score"), (2030, "indicator")]:
        row = judged.loc[key]
        assert 0 <= row["probability"] <= 1 and row["status"] == classify(row["probability"]).replace("_", " ")
    # a group rank in the draws, by brute force over the members' ranks
    h, p = proj.years.index(2027), proj.index(HUE)
    q = [proj.index(c) for c in cities if c != HUE]
    brute = [1 + sum(proj.ranks[d, h, j] < proj.ranks[d, h, p] for j in q) <= 3 for d in range(proj.n_draws)]
    assert judged.at[(2027, "group_rank"), "probability"] == pytest.approx(float(np.sum(np.array(brute) * proj.weights)))
    assert judged.at[(2040, "rank"), "reason"] == "beyond_horizon"
    assert judged.at[(2020, "rank"), "reason"] == "no_data_year"


def test_the_published_level_judges_what_it_holds_and_says_why_not(tmp_path):
    f = write_targets(tmp_path, [f"{HUE},2025,rank,6,,,", f"{HUE},2025,pillars_above_national_mean,3,,,",
                                 f"{HUE},2025,group_rank,1,centrally_run_cities,,", f"{HUE},2027,rank,5,,,"])
    result = analyse_published(None, HUE)
    judged = judge_level(result, load_targets(f, province=HUE)).set_index(["year", "kind"])
    assert judged.at[(2025, "rank"), "current_value"] == result.rank
    assert judged.at[(2025, "rank"), "status"] == ("met" if result.rank <= 6 else "not met")
    assert judged.at[(2025, "pillars_above_national_mean"), "reason"] == "no_national_mean"
    assert judged.at[(2025, "group_rank"), "status"] in ("met", "not met", "cannot be judged")
    assert judged.at[(2027, "rank"), "reason"] == "no_projection"


def test_pii_plan_prints_one_row_per_target_as_csv_and_json(tmp_path):
    out = cli("plan", "--province", NB, "--format", "csv", "--draws", str(DRAWS), "--seed", str(SEED))
    frame = pd.read_csv(io.StringIO(out))
    assert frame.columns[:10].tolist() == ["province", "year", "kind", "value", "group", "current_year",
                                           "current_value", "status", "probability", "margin"]
    assert len(frame) == len(load_targets(province=NB)) and frame["source"].str.contains("19/KH-UBND").any()
    data = json.loads(cli("plan", "--province", NB, "--format", "json", "--draws", str(DRAWS), "--seed", str(SEED)))
    assert [r["year"] for r in data["rows"]][:5] == [2026, 2027, 2028, 2029, 2029]


def test_a_bad_targets_file_is_one_line_naming_row_and_column(tmp_path, capsys):
    f = write_targets(tmp_path, [f"{NB},2027,rank,13,,,", f"{NB},2028,pillars_above_national_mean,9,,,"])
    assert main(["plan", "--province", NB, "--targets", str(f), "--draws", "10"]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "'value'" in err and "from 0 to 7" in err
