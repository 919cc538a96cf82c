"""Trends, Monte Carlo projection, milestones, verdicts, the CLI and the feasibility notebook."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pii_analysis.analysis.projection import (
    check_settings,
    competitors,
    deterministic_rates,
    milestone_table,
    milestones,
    project,
    rate_method,
    shared_projection,
)
from pii_analysis.analysis.trends import fit_trends, panel_rates
from pii_analysis.analysis.verdict import Thresholds, classify, milestone_verdicts, required_pace
from pii_analysis.cli.main import main
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import REPO_ROOT
from pii_analysis.index.scoring import score_arrays
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import formatting

NB = "Ninh Bình"



def test_exact_lines_are_recovered_and_noise_is_shrunk():
    years = [2023, 2024, 2025]
    slopes = np.array([[1.0, -2.0], [3.0, 0.5]])
    y = np.stack([10 + slopes * (t - 2024) for t in years])
    fit = fit_trends(y, years, ["a", "b"], ["x", "z"])
    assert np.allclose(fit.slope, slopes) and np.allclose(fit.sigma, 0) and np.allclose(fit.shrinkage, 0)
    rng = np.random.default_rng(1)
    noisy = 5 + 0.3 * (np.array(years)[:, None, None] - 2024) + rng.normal(0, 1, (3, 40, 1))
    fit = fit_trends(noisy, years, [str(i) for i in range(40)], ["x"])
    assert 0 < fit.shrinkage[0] <= 1
    assert fit.slope.std() < np.nanstd(fit.slope_ols)          # shrunk towards the common mean
    assert {"slope", "slope_sd", "sigma", "shrinkage"} <= set(fit.table().columns)


def test_rates_score_like_the_panel(ctx):
    _, _, rates = panel_rates(ctx, [2025])
    pii = score_arrays(rates[0], ctx.framework, rate_method(ctx)).node("PII")
    published = ctx.scores.ranking(2025).set_index("province")["pii"].reindex(ctx.panel.provinces())
    assert np.allclose(pii, published.to_numpy())


def test_same_seed_same_result_other_seed_differs(ctx):
    a = project(ctx, n_draws=60, seed=5)
    b = project(ctx, n_draws=60, seed=5)
    c = project(ctx, n_draws=60, seed=6)
    assert np.array_equal(a.scores, b.scores) and np.array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.scores, c.scores)
    assert a.years == [2026, 2027, 2028, 2029, 2030] and a.scores.shape[:3] == (60, 5, 34)


def test_deterministic_path_is_the_model_average_central_path(ctx):
    """No shocks: base-year rates moved by the posterior-mean slope times the models' mean number of
    years of slope (random walk 0, linear h, damped phi(1-phi^h)/(1-phi)); clipped to the range."""
    from pii_analysis.analysis.models import DAMPING, central_slope
    from pii_analysis.analysis.projection import _inputs

    inp = _inputs(ctx, None, 2030)
    years, provinces, rates = deterministic_rates(ctx)
    _, _, base = panel_rates(ctx, [2025])
    h = np.arange(1, 6, dtype=float)
    fac = ((0 * h + h + DAMPING * (1 - DAMPING ** h) / (1 - DAMPING)) / 3)[:, None, None]
    slope = central_slope(inp.model)
    log = inp.model.log
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(log, np.exp(np.log(base[0]) + slope * fac), base[0] + slope * fac)
    nodes = ctx.framework.nodes.loc[ctx.framework.indicators]
    expected = np.clip(expected, nodes["min_value"].fillna(-np.inf).to_numpy(),
                       nodes["max_value"].fillna(np.inf).to_numpy())
    assert np.allclose(rates, expected, rtol=1e-9, equal_nan=True)
    assert years == [2026, 2027, 2028, 2029, 2030] and provinces == ctx.panel.provinces()


def test_milestones_from_the_targets_file_and_without_rows(ctx, tmp_path):
    m = milestones(ctx, NB)
    assert m["year"].tolist() == [2026, 2027, 2028, 2029, 2030]
    assert m["target_rank"].tolist() == [15, 13, 12, 11, 10]
    assert milestones(ctx, "Hà Nội")[["year", "target_rank"]].values.tolist() == [[2030, 10]]
    assert milestones(ctx, NB, target_rank=8)["target_rank"].iloc[-1] == 8
    f = tmp_path / "targets.csv"
    f.write_text("province,year,kind,value,source_url\n"
                 "Huế,2027,rank,4,test\nHuế,2028,rank,3,test\nHuế,2028,rank,5,test\nHuế,2028,score,40,test\n",
                 encoding="utf-8")
    hue = milestones(ctx, "Huế", target_rank=3, targets_path=f)
    assert hue[["year", "target_rank"]].values.tolist() == [[2027, 4], [2028, 3], [2030, 3]]


def test_milestone_probabilities_and_verdicts(ctx):
    proj = project(ctx, n_draws=100, seed=3)
    table = milestone_verdicts(milestone_table(proj, NB, milestones(ctx, NB)), Thresholds())
    p = proj.ranks[:, proj.years.index(2027), proj.index(NB)]
    assert table.loc[table["year"] == 2027, "probability"].iloc[0] == pytest.approx(np.average(p <= 13, weights=proj.weights))
    assert set(table["verdict"]) <= {"on_track", "needs_acceleration", "off_track"}
    assert classify(0.5) == "on_track" and classify(0.3) == "needs_acceleration" and classify(0.19) == "off_track"
    assert classify(0.3, Thresholds(on_track=0.3, off_track=0.1)) == "on_track"
    with pytest.raises(PiiInputError):
        Thresholds(on_track=0.1, off_track=0.5)


def test_required_pace(ctx):
    row = required_pace(ctx, NB).iloc[0]
    assert row.needed_pii > row.trend_pii and row.trend_rank > 10
    assert row.required_yearly_gain == pytest.approx((row.needed_pii - row.base_pii) / 5)


def test_settings_are_checked(ctx):
    with pytest.raises(PiiInputError, match="target_year"):
        check_settings(ctx, base_year=None, target_year=2025, n_draws=10, seed=1)
    with pytest.raises(PiiInputError, match="n_draws"):
        project(ctx, n_draws=0)


def test_scenarios_projected_from_kept_blocks_equal_the_plain_projection(ctx, tmp_path, monkeypatch):
    """In a report run the trend blocks are kept and a scenario re-scores only the indicators it changes
    (projection._block_scores): the same projection, number for number, as a run without the cache."""
    from pii_analysis.analysis.scenarios import load_scenario

    fw = ctx.framework
    specs = ["plan_typical", "input_push",
             {"name": "mixed", "changes": [{"pillar": fw.pillars[0], "score": 95},
                                           {"indicator": fw.indicators[-1], "points": 25},
                                           {"indicator": fw.indicators[3], "percent": 40}]}]
    settings = {"base_year": 2025, "target_year": 2027, "n_draws": 300, "seed": 5}
    plain = [project(ctx, province="Ninh Bình", scenario=load_scenario(s, ctx, province="Ninh Bình",
                                                                        base_year=2025), **settings) for s in specs]
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    for spec, expected in zip(specs, plain):
        for _ in range(2):    # the first fills the kept blocks, the second reuses them
            kept = project(ctx, province="Ninh Bình", scenario=load_scenario(spec, ctx, province="Ninh Bình",
                                                                              base_year=2025), **settings)
            assert np.array_equal(kept.scores, expected.scores, equal_nan=True)
            assert np.array_equal(kept.ranks, expected.ranks)
    baseline = project(ctx, **settings)     # the shared blocks were restored after every scenario
    monkeypatch.delenv("PII_CACHE_DIR")
    assert np.array_equal(baseline.scores, project(ctx, **settings).scores)


def test_shared_projection_is_memoised(ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    a = shared_projection(ctx, n_draws=20, seed=9)
    assert len(list(tmp_path.glob("projection-*.pkl"))) == 1
    b = shared_projection(ctx, n_draws=20, seed=9)
    assert np.array_equal(a.ranks, b.ranks)
    shared_projection(ctx, n_draws=20, seed=10)
    assert len(list(tmp_path.glob("projection-*.pkl"))) == 2


def test_cli_feasibility(capsys):
    assert main(["feasibility", "--province", "Ninh Binh", "--draws", "40", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["province"] == NB and out["scenario"] == "baseline"
    assert [r["year"] for r in out["rows"]] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert [m["target_rank"] for m in out["milestones"]] == [15, 13, 12, 11, 10]
    assert all(m["verdict"] in ("on_track", "needs_acceleration", "off_track") for m in out["milestones"])
    assert main(["feasibility", "--draws", "40", "--scenario", "output_push"]) == 0
    text = capsys.readouterr().out
    assert "# milestones" in text and "p_rank_le_10" in text and "PROJECTION" in text
    assert main(["feasibility", "--province", "Nowhere", "--draws", "10"]) == 2
    assert "unknown province" in capsys.readouterr().err


def _text_of(html: str) -> str:
    """The visible text of a rendered report: no tags, no embedded images, no style sheets."""
    import re
    body = re.sub(r"<style.*?</style>|<img[^>]*>", " ", html[html.index("<body"):], flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.slow
def test_notebook_renders_a_vietnamese_report_for_leaders(tmp_path, jupyter_kernel, monkeypatch, ctx):
    """The leader's HTML (as `pii report` renders it): title and both banners first, tables without an
    index column, probabilities in percent, whole ranks, decimal commas, short Vietnamese source
    labels, and no developer text, English text or Python reprs."""
    import re

    import nbformat
    import papermill as pm

    from pii_analysis.report import run as report
    from pii_analysis.report.labels import TEXT as LABELS

    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PII_RESULTS_DIR", str(tmp_path / "results"))   # as in a report run: tables saved
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(REPO_ROOT / "notebooks" / "03_top10_feasibility.ipynb"), str(out),
                        parameters={"n_draws": 40}, kernel_name=jupyter_kernel, progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    assert "scenario explorer is shown only" not in out.read_text(encoding="utf-8")  # vi by default
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] in ("stream", "error", "execute_result")]
    html = report.render_html(nb, "03")
    text = _text_of(html)
    title = ftext.title(NB, 10, 2030, "vi")
    first_section = text.index(ftext.narrative("h_fan", "vi").lstrip("# "))
    assert text.index(title) < text.index("DỰ BÁO —") < text.index("DỮ LIỆU MINH HỌA") < first_section
    assert html.count('class="pii-banner ') == 2 and LABELS["projection"]["vi"] in text
    for english in ("2030 Top-10 feasibility", "All computation", "pii_analysis", "plan to raise", "JupyterLab",
                    "target_rank / target_year", "Probability", "Verdict", "PosixPath", "Warning", "<Figure"):
        assert english not in text, english
    assert "row_heading" not in html and "blank level0" not in html      # no index column
    assert "Kế hoạch 19/KH-UBND (10/01/2026)" in text
    assert "Kế hoạch thực hiện Nghị quyết 06-NQ/TU (2026)" in text          # the 2030 target cites the file
    tables = " ".join(re.findall(r"<table.*?</table>", html, flags=re.S))
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tables, flags=re.S)]
    assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c)]         # no decimal points, no 14.0
    milestones_html = re.search(r'<table id="T_pii-feasibility-milestones".*?</table>', html, flags=re.S).group(0)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)
            for r in re.findall(r"<tr>(.*?)</tr>", milestones_html, flags=re.S)]
    rows = [r for r in rows if r]
    assert [r[0] for r in rows] == ["2026", "2027", "2028", "2029", "2030"]   # first column: the year, no index
    assert all(re.fullmatch(r"(<|>)?\d+%", r[2].strip().replace("&lt;", "<").replace("&gt;", ">")) for r in rows)
    assert all(re.fullmatch(r"\d+", r[3].strip()) for r in rows)             # ranks as whole numbers
    assert "Xác suất đạt" in text and "Đánh giá" in text and "Khoảng hạng 90%" in text


def test_report_tables_in_both_languages(ctx):
    from pii_analysis.analysis import verdict

    a = verdict.assess(ctx, NB, n_draws=40, seed=1)
    vi = ftext.display_table(a.milestones, "vi", "milestones")
    en = ftext.display_table(a.milestones, "en", "milestones")
    assert list(vi.columns) == ["Năm", "Hạng mục tiêu", "Xác suất đạt", "Hạng dự báo (trung vị)", "Khoảng hạng 90%",
                                "Đánh giá", "Nguồn mục tiêu"]
    assert list(en.columns)[:3] == ["Year", "Target rank", "Probability of meeting it"]
    assert vi["Năm"].tolist() == ["2026", "2027", "2028", "2029", "2030"]
    assert vi["Xác suất đạt"].tolist() == [formatting.fmt_pct(p, "vi") for p in a.milestones["probability"]]
    assert vi["Hạng dự báo (trung vị)"].str.fullmatch(r"\d+").all()
    assert vi["Nguồn mục tiêu"].iloc[0] == "Kế hoạch 19/KH-UBND (10/01/2026)"
    assert en["Target source"].iloc[0] == "Plan 19/KH-UBND (10/01/2026)"
    assert en["Target source"].iloc[-1] == ("Plan 19/KH-UBND (10/01/2026); "
                                           "Plan implementing Resolution 06-NQ/TU (2026)")
    assert set(en["Verdict"]) <= {"On track", "Needs acceleration", "Off track"}
    view = ftext.view(a.milestones, "vi", "milestones")
    assert "row_heading" not in view.to_html() and "Kế hoạch 19/KH-UBND" in repr(view)
    rivals = ftext.display_table(competitors(a.projection, NB), "vi", "competitors", base=2025, year=2030,
                                   province=NB)
    assert "Xác suất xếp trên Ninh Bình" in rivals.columns and "PII 2025" in rivals.columns
    assert rivals["PII 2025"].str.fullmatch(r"\d+,\d\d").all()


def test_percentages_source_labels_and_cited_targets(ctx):

    assert [formatting.fmt_pct(p) for p in (0.0, 0.004, 0.966, 0.996, 1.0)] == ["0%", "<1%", "97%", ">99%", "100%"]
    assert ftext.source_label("19/KH-UBND (10/01/2026) plan to raise PII 2026-2030", "vi") == \
        "Kế hoạch 19/KH-UBND (10/01/2026)"
    assert ftext.source_label("Plan implementing Resolution 06-NQ/TU (2026)", "vi") == \
        "Kế hoạch thực hiện Nghị quyết 06-NQ/TU (2026)"
    assert ftext.source_label("provincial note", "vi") == "provincial note"      # unknown: as written
    assert ftext.source_label(ftext.TARGET_PARAMETER, "en") == "Target set for this report"
    plan = milestones(ctx, NB, target_rank=8)                 # 8 is not in the file: the parameter stays
    assert plan["source"].iloc[-1] == ftext.TARGET_PARAMETER
    cited = milestones(ctx, NB)["source"].iloc[-1]
    assert cited.startswith("19/KH-UBND") and "06-NQ/TU" in cited
    assert milestones(ctx, "Hà Nội")["source"].iloc[-1] == ftext.TARGET_PARAMETER


def test_narrative_numbers_follow_the_language(ctx):
    from pii_analysis.analysis import verdict
    from pii_analysis.report.formatting import fmt_num

    pace = required_pace(ctx, NB)
    vi, en = ftext.pace_text(pace, "vi"), ftext.pace_text(pace, "en")
    assert fmt_num(pace["base_pii"].iloc[0], "vi", 1) in vi and "," in fmt_num(pace["base_pii"].iloc[0], "vi", 1)
    assert f"{pace['base_pii'].iloc[0]:.1f}" in en
    a = verdict.assess(ctx, NB, n_draws=40, seed=1)
    intro = ftext.intro(a, ctx, "vi")
    assert "40 lượt" in intro and "Theo xu hướng" in intro and "seed" not in intro


def test_charts_are_labelled_as_projections(ctx):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pii_analysis.analysis.projection import competitors
    from pii_analysis.report import feasibility_plots as fplots

    proj = project(ctx, n_draws=30, seed=1)
    summary = proj.rank_summary(NB)
    ms = milestone_table(proj, NB, milestones(ctx, NB))
    fig = fplots.fan_chart(summary, ms, NB, scenario="baseline", lang="vi")
    assert fig.get_suptitle().startswith("DỰ BÁO: ") and fig.axes[0].yaxis_inverted()
    rivals = competitors(proj, NB)
    assert {"Tây Ninh", "Phú Thọ"} <= set(rivals["province"]) and rivals["p_ahead"].between(0, 1).all()
    fig2 = fplots.competitor_chart(proj, NB, rivals["province"].tolist(), lang="en")
    assert fig2.get_suptitle().startswith("PROJECTION: ")
    assert [t.get_text() for t in fig.axes[0].texts][0].endswith("%")   # milestone probabilities in percent
    fig.canvas.draw()
    fig3 = fplots.competitor_chart(proj, NB, rivals["province"].tolist(), lang="vi")
    fig3.canvas.draw()
    ticks = [t.get_text() for t in fig3.axes[0].get_yticklabels() if t.get_text()]
    assert ticks and not any("." in t for t in ticks)                     # decimal comma in Vietnamese
    assert fig.get_dpi() and not plt.get_fignums()                        # no pyplot state left behind
    plt.close("all")
