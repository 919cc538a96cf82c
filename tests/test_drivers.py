"""Rank drivers: every reported rank, rise and contribution is re-checked by re-scoring the
modified normalised scores of the whole year through the engine (`aggregate`, `rank_desc`)."""
from __future__ import annotations

import io
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_cli_score import run as run_cli

from pii_analysis.analysis import drivers
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import REPO_ROOT
from pii_analysis.index.scoring import aggregate, rank_desc
from pii_analysis.report import drivers_plots, drivers_text, profile_plots

NB = "Ninh Bình"
YEAR = 2025



@pytest.fixture(scope="module")
def nb_table(ctx):
    return drivers.drivers_table(ctx, NB, YEAR, target_rank=10, step=10.0)


@pytest.fixture(scope="module")
def normalised(ctx):
    return drivers.normalised_scores(ctx, YEAR)


def rescored_rank(ctx, normalised: pd.DataFrame, province: str, changes: dict[str, float]) -> int:
    """Independent check: raise the province's scores, aggregate all provinces, rank the PII."""
    frame = normalised.copy()
    for code, rise in changes.items():
        frame.loc[province, code] = min(frame.loc[province, code] + rise, 100.0)
    scores, codes = aggregate(frame.to_numpy(), ctx.framework, ctx.method)
    ranks = rank_desc(scores[:, codes.index("PII")], ctx.method.rank_decimals)
    return int(ranks[list(frame.index).index(province)])


def test_normalised_scores_reproduce_the_engine(ctx, normalised):
    scores, codes = aggregate(normalised.to_numpy(), ctx.framework, ctx.method)
    published = ctx.scores.node_scores(YEAR).reindex(normalised.index)[codes].to_numpy()
    assert normalised.shape == (34, 52)
    assert np.nanmax(np.abs(scores - published)) < 1e-9
    assert normalised.min().min() >= -1e-9 and normalised.max().max() <= 100 + 1e-9


def test_effective_weights_sum_to_one_and_follow_the_tree(ctx, nb_table):
    ew = nb_table.set_index("indicator")["effective_weight"]
    assert len(ew) == 52 and abs(ew.sum() - 1.0) < 1e-12
    # equal weights: the product of 1 / (number of siblings) along the path to the root
    fw = ctx.framework
    for code in fw.indicators:
        expected, cur = 1.0, code
        while fw.nodes.at[cur, "parent"]:
            cur_parent = fw.nodes.at[cur, "parent"]
            expected /= len(fw.children[cur_parent])
            cur = cur_parent
        assert ew[code] == pytest.approx(expected)
    # 1.1.1: PII -> IN (1/2) -> pillar 1 (1/5) -> 1.1 (1/2) -> indicator (1/3)
    assert ew["1.1.1"] == pytest.approx(1 / 60)


def test_required_columns_and_ordering(nb_table):
    for col in ("indicator", "name", "pillar", "effective_weight", "score", "rank", "rank_after_step",
                "points_to_next_rank", "points_to_target", "leverage", "leverage_top10", "leverage_national",
                "leverage_best", "rank_without"):
        assert col in nb_table
    assert nb_table.attrs["rank"] == 14 and nb_table.attrs["reference"] == "Cần Thơ"
    # one ranking: the levers' order (analysis.levers; checked by brute force in test_levers.py): the indicators
    # that can move first, by places gained toward the target per unit of effort, then PII points per unit
    assert nb_table["lever_order"].tolist() == list(range(1, 53))
    assert nb_table["lever_rank"].dropna().astype(int).tolist() == [1, 2, 3]
    assert nb_table["lever_rank"].iloc[:3].astype(int).tolist() == [1, 2, 3]
    usable = nb_table[nb_table["usable"]]
    assert not nb_table["usable"].iloc[len(usable):].any()
    key = list(zip(usable["places_per_effort"], usable["points_per_effort"]))
    assert all(a >= b for a, b in zip(key, key[1:]))
    # the years are the raw move over the sustained pace
    row = nb_table.dropna(subset=["raw_for_next_rank"]).iloc[0]
    d = 1 if row["national_best"] >= row["national_average_raw"] else -1
    assert row["years_to_next_rank"] == pytest.approx(
        (row["raw_for_next_rank"] - row["raw_value"]) * d / row["sustained_pace"])


def test_leverage_is_weight_times_gap(nb_table, normalised):
    ref = normalised.loc["Cần Thơ"]
    row = nb_table.set_index("indicator")
    expected = row["effective_weight"] * (ref[row.index] - row["score"])
    assert np.allclose(row["leverage"], expected)
    assert np.allclose(row["national_average"], normalised.mean()[row.index])
    assert np.allclose(row["leverage_best"], row["effective_weight"] * (normalised.max()[row.index] - row["score"]))


@pytest.mark.parametrize("province", [NB, "Điện Biên", "Cần Thơ"])
def test_rank_after_step_matches_rescoring(ctx, normalised, province):
    table = drivers.drivers_table(ctx, province, YEAR, step=10.0)
    for _, row in table.iterrows():
        assert row["rank_after_step"] == rescored_rank(ctx, normalised, province, {row["indicator"]: 10.0})
    if province == "Điện Biên":
        assert (table["rank_gain"] > 0).any()  # the check above covered real rank gains


def test_points_to_next_rank_gain_exactly_one_place(ctx, normalised, nb_table):
    rank = nb_table.attrs["rank"]
    reachable = nb_table[nb_table["next_reachable"]]
    assert 0 < len(reachable) < 52
    for _, row in reachable.iterrows():
        code, pts = row["indicator"], row["points_to_next_rank"]
        assert rescored_rank(ctx, normalised, NB, {code: pts}) == rank - 1
        assert rescored_rank(ctx, normalised, NB, {code: pts - 0.1}) == rank
    for _, row in nb_table[~nb_table["next_reachable"]].iterrows():
        assert np.isnan(row["points_to_next_rank"])
        assert rescored_rank(ctx, normalised, NB, {row["indicator"]: 100.0}) == rank  # not even 100 helps


@pytest.mark.parametrize("target", [10, 13])
def test_points_to_target_reach_the_target_and_no_less(ctx, normalised, target):
    table = drivers.drivers_table(ctx, NB, YEAR, target_rank=target)
    reachable = table[table["target_reachable"]]
    if target == 13:
        assert len(reachable) >= 1  # one place up is within reach of some indicator
    for _, row in reachable.iterrows():
        code, pts = row["indicator"], row["points_to_target"]
        assert rescored_rank(ctx, normalised, NB, {code: pts}) <= target
        assert rescored_rank(ctx, normalised, NB, {code: pts - 0.1}) > target
    for _, row in table[~table["target_reachable"]].iterrows():
        assert rescored_rank(ctx, normalised, NB, {row["indicator"]: 100.0}) > target


def test_points_are_zero_when_the_target_is_met(ctx):
    table = drivers.drivers_table(ctx, "Hà Nội", YEAR, target_rank=10)
    assert table.attrs["rank"] == 1 and (table["points_to_target"] == 0).all()
    assert table["points_to_next_rank"].isna().all() and table.attrs["reference"] == "TP. Hồ Chí Minh"


def test_node_rank_gains_match_rescoring_from_the_pillars(ctx):
    result = drivers.analyse(ctx, NB, YEAR)
    pillars = ctx.framework.pillars
    nodes = result.standing.node_scores()[pillars]
    for _, row in result.nodes[result.nodes["level"] == "pillar"].iterrows():
        frame = nodes.copy()
        frame.loc[NB, row["node"]] = min(frame.loc[NB, row["node"]] + 10.0, 100.0)
        scores, codes = aggregate(frame.to_numpy(), ctx.framework, ctx.method, start=pillars)
        ranks = rank_desc(scores[:, codes.index("PII")], ctx.method.rank_decimals)
        assert row["rank_after_step"] == ranks[list(frame.index).index(NB)]
    assert (result.nodes.loc[result.nodes["level"] == "pillar", "rank_gain"] > 0).any()
    assert set(result.nodes["level"]) == {"pillar", "subpillar"} and len(result.nodes) == 25


def test_gap_decomposition_adds_up_at_every_level(ctx, nb_table):
    result = drivers.analyse(ctx, NB, YEAR)
    d = result.decomposition
    ranking = ctx.scores.ranking(YEAR).set_index("province")["pii"]
    gap = ranking["Cần Thơ"] - ranking[NB]
    assert d.attrs["gap"] == pytest.approx(gap, abs=1e-9)
    for level in ("subindex", "pillar", "subpillar", "indicator"):
        assert d.loc[d["level"] == level, "contribution"].sum() == pytest.approx(gap, abs=1e-9)
    ind = d[d["level"] == "indicator"].set_index("node")
    ew = nb_table.set_index("indicator")["effective_weight"]
    assert np.allclose(ind["contribution"], ew[ind.index] * ind["gap"])


def test_gap_decomposition_uses_effective_missing_aware_weights(ctx, normalised):
    """With indicators missing (on both sides, different ones) the weight column is each province's
    effective weight: an indicator the province misses weighs 0 and its siblings weigh more; brute force:
    each province's weights times its scores give its PII, and every level adds up to the gap."""
    frame = normalised.copy()
    frame.loc[NB, ["6.1.1", "2.2.3"]] = np.nan
    frame.loc["Cần Thơ", "7.2.2"] = np.nan
    st = drivers.Standing(ctx.framework, ctx.method, YEAR, NB, frame)
    d = drivers.gap_decomposition(st, "Cần Thơ")
    scores, codes = aggregate(frame.to_numpy(), ctx.framework, ctx.method)
    pii = pd.Series(scores[:, codes.index("PII")], index=frame.index)
    gap = pii["Cần Thơ"] - pii[NB]
    for level in ("subindex", "pillar", "subpillar", "indicator"):
        assert d.loc[d["level"] == level, "contribution"].sum() == pytest.approx(gap, abs=1e-9)
    ind = d[d["level"] == "indicator"].set_index("node")
    nominal = drivers.effective_weights(ctx.framework)
    assert ind.loc[["6.1.1", "2.2.3"], "effective_weight"].eq(0).all()
    assert ind.loc["7.2.2", "reference_weight"] == 0 and ind.loc["7.2.2", "effective_weight"] > 0
    sibling = next(c for c in ctx.framework.indicators if c != "6.1.1" and
                   ctx.framework.nodes.at[c, "parent"] == ctx.framework.nodes.at["6.1.1", "parent"])
    assert ind.loc[sibling, "effective_weight"] > nominal[sibling]
    assert ind["effective_weight"].sum() == pytest.approx(1.0) and ind["reference_weight"].sum() == pytest.approx(1.0)
    for province, col in ((NB, "effective_weight"), ("Cần Thơ", "reference_weight")):
        own = frame.loc[province, ind.index].fillna(0.0)
        assert float(ind[col] @ own) == pytest.approx(pii[province], abs=1e-9)
    assert d.attrs["weights"] == "effective (missing-aware)"
    # where both report the indicator with the same weight, the contribution is weight x gap
    same = ind[(ind["effective_weight"] == ind["reference_weight"]) & ind["gap"].notna()]
    assert np.allclose(same["contribution"], same["effective_weight"] * same["gap"])


def test_gap_decomposition_is_exact_for_geometric_means_with_missing_values(ctx, normalised):
    frame = normalised.copy()
    frame.loc[NB, ["6.1.1", "2.2.3"]] = np.nan
    frame.loc["Cần Thơ", "7.2.2"] = np.nan
    method = ctx.method.with_options(aggregation="geometric")
    st = drivers.Standing(ctx.framework, method, YEAR, NB, frame)
    d = drivers.gap_decomposition(st, "Cần Thơ")
    scores, codes = aggregate(frame.to_numpy(), ctx.framework, method)
    pii = pd.Series(scores[:, codes.index("PII")], index=frame.index)
    gap = pii["Cần Thơ"] - pii[NB]
    for level in ("subindex", "pillar", "subpillar", "indicator"):
        assert d.loc[d["level"] == level, "contribution"].sum() == pytest.approx(gap, abs=1e-9)


def test_strengths_weaknesses_default_top_and_bottom_five(nb_table):
    sw = drivers.strengths_weaknesses(nb_table)
    strong, weak = sw[sw["kind"] == "strength"], sw[sw["kind"] == "weakness"]
    assert len(strong) == 5 and len(weak) == 5
    ranks = nb_table["rank"].sort_values().to_numpy()
    assert strong["rank"].max() <= ranks[4] and weak["rank"].min() >= ranks[-5]
    best, worst = nb_table.sort_values("rank"), nb_table.sort_values("rank", ascending=False)
    assert best.iloc[0]["indicator"] in set(strong["indicator"]) and worst.iloc[0]["indicator"] in set(weak["indicator"])
    rule = drivers.strengths_weaknesses(nb_table, rule="threshold", strong_rank=3, weak_rank=32)
    assert (rule.loc[rule["kind"] == "strength", "rank"] <= 3).all()
    assert (rule.loc[rule["kind"] == "weakness", "rank"] >= 32).all()
    with pytest.raises(PiiInputError, match="rule"):
        drivers.strengths_weaknesses(nb_table, rule="best")


def test_indicator_rank_matches_a_direct_ranking(nb_table, normalised):
    direct = normalised.rank(ascending=False, method="min").loc[NB]
    row = nb_table.set_index("indicator")["rank"]
    assert (row == direct[row.index]).all()


def test_below_national_average_checklist(nb_table):
    checklist = drivers.below_national_average(nb_table)
    below = nb_table[nb_table["score"] < nb_table["national_average"]]
    assert set(checklist["indicator"]) == set(below["indicator"]) and len(checklist) == len(below) > 0
    assert (checklist["gap_national"] > 0).all()
    assert (np.diff(checklist["leverage_national"].to_numpy()) <= 0).all()


def test_leave_one_out_matches_rescoring(ctx, normalised, nb_table):
    row = nb_table.set_index("indicator")["rank_without"]
    for code in ctx.framework.indicators:
        frame = normalised.copy()
        frame[code] = np.nan
        scores, codes = aggregate(frame.to_numpy(), ctx.framework, ctx.method)
        ranks = rank_desc(scores[:, codes.index("PII")], ctx.method.rank_decimals)
        assert row[code] == ranks[list(frame.index).index(NB)]
    assert row.min() < 14 < row.max()  # position partly rests on some indicators, held back by others


@pytest.mark.parametrize("kwargs, match", [
    ({"province": "Atlantis"}, "unknown province"),
    ({"target_rank": 0}, "target_rank must be a whole number from 1 to 34"),
    ({"target_rank": 35}, "target_rank must be a whole number from 1 to 34"),
    ({"step": 0}, "step must be"),
    ({"step": 150}, "step must be"),
    ({"year": 2019}, "year 2019 is not in the data"),
])
def test_bad_parameters_give_clear_errors(ctx, kwargs, match):
    args = {"province": NB, "year": YEAR, "target_rank": 10, "step": 10.0, **kwargs}
    with pytest.raises(PiiInputError, match=match):
        drivers.drivers_table(ctx, **args)


@pytest.mark.slow
def test_every_province_works(ctx):
    for province in ctx.panel.provinces(YEAR):
        table = drivers.drivers_table(ctx, province, YEAR)
        assert len(table) == 52 and table.attrs["province"] == province
        assert (table["rank_after_step"] <= table.attrs["rank"]).all()
        assert (table["rank_after_drop"] >= table.attrs["rank"]).all()


def test_cli_prints_the_required_columns():
    code, out, _ = run_cli("drivers", "--province", NB, "--year", "2025", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype={"indicator": str})
    for col in ("indicator", "effective_weight", "rank_after_step", "points_to_next_rank", "points_to_target",
                "leverage"):
        assert col in table
    assert len(table) == 52 and abs(table["effective_weight"].sum() - 1) < 1e-3
    # real units (issue 11): the raw values, the raw values needed, the national best, who acts
    for col in ("unit", "raw_value", "raw_for_next_rank", "raw_for_target", "national_best", "lead_agency"):
        assert col in table
    code, out, _ = run_cli("drivers", "--province", "Ninh Binh", "--target-rank", "10", "--step", "10")
    assert code == 0 and "# data_status: demonstration" in out and "not reachable" in out
    assert "# paces: The sustained paces are an ASSUMPTION" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("lever_rank"))
    for col in ("indicator", "unit", "value_now", "value_needed", "years_of_effort", "places_gained",
                "raw_for_next_rank", "raw_for_target", "national_best", "lead_agency"):
        assert col in header.split()


def test_cli_csv_names_indicators_in_the_chosen_language():
    names = {}
    for lang in ("vi", "en"):
        code, out, _ = run_cli("drivers", "--province", "Ninh Binh", "--format", "csv", "--lang", lang)
        assert code == 0
        table = pd.read_csv(io.StringIO(out), dtype={"indicator": str}, comment="#").set_index("indicator")
        names[lang] = table["name"]
    from pii_analysis.index.framework import default_framework
    fw = default_framework()
    for code_ in names["vi"].index[:5]:
        assert names["vi"][code_] == fw.name(code_, "vi") and names["en"][code_] == fw.name(code_, "en")


def test_cli_bad_input_is_one_line_and_exit_2():
    code, _, err = run_cli("drivers", "--province", "Atlantis")
    assert code == 2 and "unknown province" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli("drivers", "--target-rank", "40")
    assert code == 2 and "target_rank" in err


def test_narrative_in_both_languages(ctx):
    vi = drivers.analyse(ctx, NB, YEAR, lang="vi")
    en = drivers.analyse(ctx, NB, YEAR, lang="en")
    assert "hạng 14/34" in drivers_text.intro(vi, "vi") and "Cần Thơ" in drivers_text.intro(vi, "vi")
    gap = abs(float(vi.decomposition.attrs["gap"]))
    assert f"{gap:.2f}".replace(".", ",") + " điểm" in drivers_text.intro(vi, "vi")
    assert "ranks **14 of 34**" in drivers_text.intro(en, "en")
    gaining = int((vi.table["rank_gain_raw_step"] > 0).sum())      # one year at the sustained pace, own units
    assert (f"{gaining}/52 chỉ số, nếu riêng nó cải thiện bằng tốc độ bền vững của một năm" if gaining else
            "Không chỉ số đơn lẻ nào cải thiện bằng tốc độ bền vững của một năm") in drivers_text.moves(vi, "vi")
    cannot = en.table[en.table["raw_for_next_rank"].isna()].sort_values("effective_weight", ascending=False)
    first = cannot.iloc[0]
    assert f"{first['indicator']} {first['name']}" in drivers_text.limits(en, "en")   # no raw value gains a place
    assert f"{len(cannot)} of 52 indicators **cannot**" in drivers_text.limits(en, "en")
    assert "không thể đạt" in drivers_text.display_table(vi.table, "vi").to_string()
    for fn in (drivers_text.gap_text, drivers_text.loo_text, drivers_text.checklist_text):
        assert NB in fn(vi, "vi") or "52" in fn(vi, "vi")


def test_figures_are_drawn_with_translated_labels(ctx):
    result = drivers.analyse(ctx, NB, YEAR)
    for fn, arg in ((drivers_plots.tornado, result.table), (drivers_plots.waterfall, result.decomposition),
                    (drivers_plots.tornado_real, result.table)):
        vi, en = fn(arg, "vi"), fn(arg, "en")
        assert isinstance(vi, Figure) and vi.axes
        assert vi.get_suptitle() != en.get_suptitle() and NB in vi.get_suptitle()
    for fn in (drivers_plots.heatmap, drivers_plots.heatmap_real):       # coloured tables, not figures
        vi, en = fn(result.table, "vi"), fn(result.table, "en")
        assert isinstance(vi, drivers_plots.HeatTable) and vi.caption != en.caption and NB in vi.caption
    tornado = drivers_plots.tornado(result.table, "en", top=10)
    assert len(row_labels(tornado.axes[0])) == 10 and not tornado.axes[0].get_yticks().size
    waterfall = drivers_plots.waterfall(result.decomposition, "en")
    assert len(waterfall.axes[0].patches) == 9  # two totals and the seven pillars


class _Tables(HTMLParser):
    """The tables of an HTML fragment: caption, header cells, and per tbody the rows' cells as
    (tag, attributes, text); plus the page text outside the tables (the legend)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: list | None = None
        self.where = ""
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "groups": []})
        elif tag in ("caption", "thead"):
            self.where = tag
        elif tag == "tbody":
            self.where = "tbody"
            self.tables[-1]["groups"].append([])
        elif tag == "tr" and self.where == "tbody":
            self.tables[-1]["groups"][-1].append([])
        elif tag in ("th", "td"):
            self.cell = [tag, attrs, ""]

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.cell[2] = " ".join(self.cell[2].split())
            if self.where == "thead":
                self.tables[-1]["head"].append(self.cell)
            else:
                self.tables[-1]["groups"][-1][-1].append(self.cell)
            self.cell = None
        elif tag in ("caption", "table"):
            self.where = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data
        elif self.where == "caption":
            self.tables[-1]["caption"] += data
        elif not self.tables or self.where == "":
            self.outside.append(data)


def parse_tables(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def _style(cell) -> dict[str, str]:
    return dict(part.split(":", 1) for part in cell[1].get("style", "").split(";") if ":" in part)


def test_heatmaps_are_coloured_tables(ctx):
    """Both heatmaps are one HTML table each (a caption, header cells, a row header per indicator, one group
    per pillar), values in their own units (the unit column) or normalised points, each value cell coloured
    on RdYlGn by its position between the national worst (red, 0) and best (green, 100) as the charts were,
    dark text on light colours and white on dark ones (W3C luminance), a one-line legend of the colour."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    from pii_analysis.report.formatting import fmt_measure

    result = drivers.analyse(ctx, NB, YEAR)
    t = result.table
    ordered = t.sort_values("indicator", key=lambda s: s.map(drivers_plots._code_key))
    pillars = list(dict.fromkeys(ordered["pillar"]))
    cmap = colormaps["RdYlGn"]
    real = drivers_plots.heatmap_real(t, "en", ctx.framework)
    points = drivers_plots.heatmap(t, "en")
    for shown, key in ((real, "pii-heat-real"), (points, "pii-heat-points")):
        html = shown._repr_html_()
        assert html.count("<table") == 1 and html.count(f'id="{key}"') == 1
        assert f'aria-labelledby="{key}-caption"' in html and 'role="region"' in html
    (tab,) = parse_tables(real.html).tables
    assert tab["caption"].startswith(f"{NB} 2025: each indicator's value in its own unit")
    assert [c[2] for c in tab["head"]] == ["Indicator", "Unit", NB, "Top-10 average", "National average",
                                           "National best"]
    assert all(c[0] == "th" and c[1]["scope"] == "col" for c in tab["head"])
    assert len(tab["groups"]) == len(pillars) == 7                    # a line (a tbody) between pillars
    rows = [r for g in tab["groups"] for r in g]
    assert len(rows) == 52
    for group, pillar in zip(tab["groups"], pillars):
        assert [r[0][2].split()[0] for r in group] == list(ordered.loc[ordered["pillar"] == pillar, "indicator"])
    raw = ordered[["raw_value", "top10_average_raw", "national_average_raw", "national_best"]].to_numpy(dtype=float)
    worst, best = ordered["national_worst"].to_numpy(), ordered["national_best"].to_numpy()
    for row, (_, r), values, lo, hi in zip(rows, ordered.iterrows(), raw, worst, best):
        header, unit, *cells = row
        assert header[0] == "th" and header[1]["scope"] == "row"
        assert header[2].startswith(f"{r['indicator']} {r['name']}")   # the full name, marked '*' if assumed
        assert unit[2] == " ".join(str(r["unit"]).split())
        assert [c[2] for c in cells] == [fmt_measure(v, "en") for v in values]
        for cell, v in zip(cells, values):
            style = _style(cell)
            position = min(max((v - lo) / (hi - lo) * 100, 0), 100)
            colour = cmap(position / 100)
            assert style["background"] == to_hex(colour)
            assert style["color"] == ("#262626" if drivers_plots._luminance(colour) > 0.408 else "#ffffff")
        assert _style(cells[3])["background"] == to_hex(cmap(1.0))    # the national best is the best
    colours = {_style(c)["color"] for r in rows for c in r[2:]}
    assert colours == {"#262626", "#ffffff"}                            # both cases occur
    backgrounds = [_style(c)["background"] for r in rows for c in r[2:]]
    assert to_hex(cmap(0.0)) in backgrounds or any(raw[:, 0] <= worst)  # the worst value is red
    legend = " ".join(" ".join(parse_tables(real.html).outside).split())
    assert "0 100 Cell colour: Position between the national worst (0) and best (100)" in legend
    # the researchers' appendix: normalised points, coloured by the points themselves
    (tab,) = parse_tables(points.html).tables
    assert tab["caption"].startswith("Appendix:")
    assert [c[2] for c in tab["head"]] == ["Indicator", NB, "Top-10 average", "National average"]
    scores = ordered[["score", "top10_average", "national_average"]].to_numpy(dtype=float)
    rows = [r for g in tab["groups"] for r in g]
    assert [[c[2] for c in r[1:]] for r in rows] == [[f"{v:.0f}" for v in s] for s in scores]
    assert [[_style(c)["background"] for c in r[1:]] for r in rows] == [[to_hex(cmap(v / 100)) for v in s]
                                                                       for s in scores]
    assert "Cell colour: Normalised score (0–100)" in " ".join(parse_tables(points.html).outside)
    # the text form (notebooks, plain viewers) is the table itself, the same on every run
    assert repr(points).splitlines()[0] == points.caption and NB in repr(points)
    assert repr(real) == repr(drivers_plots.heatmap_real(t, "en", ctx.framework))


def test_heat_table_escapes_names_from_data(ctx):
    """Province, indicator names and units come from data files: shown as text, never as markup."""
    result = drivers.analyse(ctx, NB, YEAR)
    t = result.table.copy()
    t.attrs.update(result.table.attrs, province="<img src=x onerror=alert(1)>")
    t["name"] = t["name"].where(t["indicator"] != "1.1.1", "<script>alert('x')</script> & co")
    t["unit"] = t["unit"].where(t["indicator"] != "1.1.1", "<b>%</b>")
    for shown in (drivers_plots.heatmap_real(t, "vi"), drivers_plots.heatmap(t, "vi")):
        html = shown._repr_html_()
        assert "<script>" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        tab = parse_tables(html).tables[0]
        assert tab["groups"][0][0][0][2] == "1.1.1 <script>alert('x')</script> & co"   # the text, as written
    assert parse_tables(drivers_plots.heatmap_real(t, "vi").html).tables[0]["groups"][0][0][1][2] == "<b>%</b>"


def test_leaders_charts_are_in_real_units(ctx):
    """The leaders' tornado shows one year at the sustained pace in each indicator's unit (the step in the
    label, the bars the re-scored PII change, the new rank where it changes); the leaders' heatmap shows raw
    values (province, Top-10 average, national average, national best) coloured by the position between the
    national worst and best. The normalised versions say they are the researchers' appendix."""

    from pii_analysis.report.formatting import fmt_measure

    result = drivers.analyse(ctx, NB, YEAR)
    t = result.table
    fig = drivers_plots.tornado_real(t, "en", top=8)
    ax = fig.axes[0]
    rows = t.assign(span=t["pii_change_raw_step"] - t["pii_change_raw_drop"]).nlargest(8, "span").iloc[::-1]
    labels = row_labels(ax)
    assert len(labels) == 8
    for label, (_, row) in zip(labels, rows.iterrows()):
        assert label.startswith(row["indicator"]) and f"±{fmt_measure(row['raw_step'], 'en')} " in label
    bars = [x1 for coll in ax.collections for x1 in bar_ends(coll)]   # the drawn bars, bottom to top
    assert np.allclose(bars[:8], rows["pii_change_raw_step"]) and np.allclose(bars[8:16], rows["pii_change_raw_drop"])
    assert (rows["pii_change_raw_step"] >= 0).all() and (rows["pii_change_raw_drop"] <= 0).all()
    title = " ".join(fig.get_suptitle().split())
    assert "one year at its sustained pace" in title and "normalised" not in title
    changed = {a.get_text() for a in ax.texts if a.get_gid() != profile_plots.ROW_LABEL}
    expected = {str(int(r)) for r in pd.concat([rows["rank_after_raw_step"], rows["rank_after_raw_drop"]])
                if int(r) != t.attrs["rank"]}
    assert changed == expected
    ordered = t.sort_values("indicator", key=lambda s: s.map(drivers_plots._code_key))
    row = ordered.iloc[0]
    # Top-10 average by brute force: the ten highest PII of the year, their raw values
    rs = raw_standing_of(ctx)
    top = ctx.scores.ranking(YEAR).sort_values("rank").head(10)["province"]
    code = row["indicator"]
    rates = pd.DataFrame(rs.rates, index=rs.provinces, columns=ctx.framework.indicators)
    assert row["top10_average_raw"] == pytest.approx(rates.loc[top, code].mean())
    fig = drivers_plots.tornado(t, "en")
    assert fig.get_suptitle().startswith("Appendix:")
    _assert_fit_layout(fig)
    assert drivers_plots.heatmap(t, "en").caption.startswith("Appendix:")


def _assert_fit_layout(fig) -> None:
    """FitLayout (public matplotlib API only) keeps the title at the top, the legends at the bottom centre and
    the axes between them, all inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.bbox
    title = next(t for t in fig.texts if t.get_text() == fig.get_suptitle())
    ax = fig.axes[0].get_window_extent(renderer)
    assert box.y1 >= title.get_window_extent(renderer).y0 >= ax.y1
    for legend in fig.legends:
        extent = legend.get_window_extent(renderer)
        assert 0 <= extent.y0 and extent.y1 <= ax.y0
        assert abs((extent.x0 + extent.x1) / 2 - box.width / 2) < 1
    assert 0 <= ax.x0 < ax.x1 <= box.x1


def row_labels(ax) -> list[str]:
    """The row labels of a bar chart, bottom to top."""
    texts = [t for t in ax.texts if t.get_gid() == profile_plots.ROW_LABEL]
    return [t.get_text() for t in sorted(texts, key=lambda t: t.get_position()[1])]


def bar_ends(collection) -> list[float]:
    """Where each horizontal bar of a collection ends (its signed length from 0), bottom to top."""
    paths = sorted(collection.get_paths(), key=lambda p: p.vertices[:, 1].min())
    return [float(p.vertices[2, 0]) for p in paths]


def raw_standing_of(ctx):
    from pii_analysis.analysis.raw_units import raw_standing

    return raw_standing(ctx, NB, YEAR)


@pytest.mark.slow
def test_notebook_runs_headless(tmp_path, jupyter_kernel, monkeypatch):
    import papermill as pm

    monkeypatch.setenv("PII_RESULTS_DIR", str(tmp_path / "results"))   # as in a report run: tables saved
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(REPO_ROOT / "notebooks" / "02_rank_drivers.ipynb"), str(out),
                        parameters={"province": "Điện Biên", "n_sobol": 16, "lang": "en"},
                        kernel_name=jupyter_kernel, progress_bar=False)
    text = out.read_text(encoding="utf-8")
    assert "Điện Biên" in text and "DEMONSTRATION DATA" in text and "image/png" in text
    assert "What moves the PII rank: Điện Biên, 2025" in text
    import nbformat

    from pii_analysis.report import run as report
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] in ("stream", "error", "execute_result")]  # no reprs
    html = report.render_html(nb, "02")
    assert "PosixPath" not in html and "drivers.csv" not in html
    body = html[html.index("<body"):]
    assert body.index("What moves the PII rank") < body.index("pii-banner") < body.index("In 2025")  # as in 01
    assert "row_heading" not in body
    # leaders read exact effects in real units; the OLS table and the Sobol chart stay for researchers
    assert "One year at a sustained pace" in body and "Intercept" not in body
    # the two heatmaps are one coloured table each, not pictures
    assert body.count('<table class="pii-heat-table">') == 2
    assert body.count('id="pii-heat-real"') == 1 and body.count('id="pii-heat-points"') == 1


def test_tables_use_the_shared_report_styling(ctx):
    from pii_analysis.report import styling

    result = drivers.analyse(ctx, NB, YEAR, lang="vi")
    view = drivers_text.view(result.table.head(5), "vi", "drivers")
    shown = drivers_text.display_table(result.table.head(5), "vi", *drivers_text.VIEWS["drivers"])
    assert isinstance(view, styling.TableView)
    assert view.to_html() == styling.styled(shown, "drivers").to_html()   # one way to style a report table
    assert "row_heading" not in view.to_html() and 'id="T_pii-drivers' in view.to_html()
    assert repr(view) == shown.to_string(index=False)                    # no memory address in the notebook
    assert drivers_text.term_label("const", "vi") == "Hằng số"
    assert drivers_text.term_label("year_2024", "en") == "Year 2024"
    assert drivers_text.term_label("p6", "vi", ctx.framework) == "Trụ cột 6 " + ctx.framework.name("6", "vi")


def test_notebook_is_committed_clean():
    import nbformat

    nb = nbformat.read(REPO_ROOT / "notebooks" / "02_rank_drivers.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    import papermill

    declared = set(papermill.inspect_notebook(str(REPO_ROOT / "notebooks" / "02_rank_drivers.ipynb")))
    assert declared == {"province", "year", "target_rank", "step", "data_path", "sheet", "decimal", "lang", "seed",
                        "n_sobol", "data_level"}
