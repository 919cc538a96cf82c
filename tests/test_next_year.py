"""Next year in one command: a SYNTHETIC 2026 edition (made here, in tmp; not PII values) added as a panel
year and as published rows; `pii plan` and the summary pick the latest year and judge Plan 19's 2026
milestone as met or missed, by how much."""
from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.plan import judge_panel, plan_targets
from pii_analysis.analysis.projection import project
from pii_analysis.cli.main import main
from pii_analysis.data.paths import raw_dir
from pii_analysis.index.context import load_context
from pii_analysis.report import summary

NB = "Ninh Bình"
SYNTHETIC = "SYNTHETIC 2026 edition made by tests/test_next_year.py (seed 2026); not official PII values"


@pytest.fixture(scope="module")
def panel_2026(tmp_path_factory):
    """The shipped panel plus a synthetic 2026 year: 2025's values with seeded changes (inside 2025's range)."""
    raw = pd.read_csv(raw_dir() / "demo" / "pii_demo_panel.csv", dtype={"indicator": str})
    rng = np.random.default_rng(2026)
    new = raw[raw["year"] == 2025].copy()
    new["year"] = 2026
    changed = new["value"] * (1 + rng.normal(0.03, 0.05, len(new)))
    by = new.groupby("indicator")["value"]      # kept inside 2025's range of each indicator (possible values)
    new["value"] = changed.clip(by.transform("min"), by.transform("max"))
    new["source"] = SYNTHETIC
    path = tmp_path_factory.mktemp("edition") / "panel_2026.csv"
    pd.concat([raw, new]).to_csv(path, index=False)
    return path


def test_pii_plan_picks_2026_and_judges_its_milestone(panel_2026):
    ctx = load_context(panel_2026)
    assert ctx.panel.years[-1] == 2026
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["plan", "--province", NB, "--data", str(panel_2026), "--format", "csv", "--draws", "40"]) == 0
    frame = pd.read_csv(io.StringIO(out.getvalue()))
    row = frame[(frame["year"] == 2026) & (frame["kind"] == "rank")].iloc[0]
    rank = int(ctx.scores.ranking(2026).set_index("province").at[NB, "rank"])
    assert row["current_year"] == 2026 and row["current_value"] == rank
    assert row["status"] == ("met" if rank <= 15 else "not met") and row["margin"] == 15 - rank
    later = frame[frame["year"] > 2026]
    assert (later["current_year"] == 2026).all()
    assert later["status"].isin(["on track", "needs acceleration", "off track"]).all()


def test_the_summary_shows_the_2026_milestone_met_or_missed(panel_2026, tmp_path):
    ctx = load_context(panel_2026)
    proj = project(ctx, n_draws=20, seed=3)
    assert proj.base_year == 2026
    judged = judge_panel(ctx, NB, plan_targets(ctx, NB), proj)
    first = judged.iloc[0]
    assert first["year"] == 2026 and first["status"] in ("met", "not met")
    block = summary.plan_block(ctx, NB, proj, "en", tmp_path)
    status = block["rows"][0][block["header"].index("Status")]
    assert status.startswith("met" if first["status"] == "met" else "not met")
    margin = block["rows"][0][block["header"].index("Margin")]
    assert margin.lstrip("+").replace("−", "-") == f"{int(first['margin'])}".lstrip("+")


def test_published_2026_rows_judge_the_milestone_at_the_published_level(tmp_path):
    """A 2026 row (status published: it stands for the new edition; source and note say SYNTHETIC) dropped
    into a copy of the published-results file: the published level takes 2026 and
    says by how much the 2026 milestone (rank <= 15) is met or missed."""
    from pii_analysis.analysis.plan import judge_level
    from pii_analysis.analysis.profile_level import analyse_published
    from pii_analysis.data.targets import load_targets

    shipped = raw_dir() / "pii_published_results.csv"
    path = tmp_path / "published_2026.csv"
    text = shipped.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + f"\n2026,{NB},34,17,44.0,,,,,,,,,,,,,,,,,published,synthetic (tests/test_next_year.py),{SYNTHETIC}\n", encoding="utf-8")
    result = analyse_published(path, NB)
    assert result.year == 2026 and result.rank == 17
    judged = judge_level(result, load_targets(province=NB))
    first = judged.iloc[0]
    assert (first["year"], first["status"], first["margin"]) == (2026, "not met", -2)
    later = judged.iloc[1:]
    assert set(later.loc[later["kind"] == "rank", "reason"]) == {"no_projection"}
    assert set(later.loc[later["kind"] != "rank", "reason"]) == {"no_national_mean"}
