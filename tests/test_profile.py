"""The province profile: numbers against the scored panel, the rules of tiers and flags, the merger
note, the Vietnamese/English text and the figures."""
from __future__ import annotations

import numpy as np
import pytest

from pii_analysis.analysis import national
from pii_analysis.analysis import profile as P
from pii_analysis.data.errors import PiiInputError
from pii_analysis.report import profile_plots as PP
from pii_analysis.report import profile_text as PT
from shared_fixtures import demo_as_user_panel

NB = "Ninh Bình"


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    """The demonstration values as a user's own panel (every year observed): the changes since 2024 are known
    (on the demonstration panel itself they are not: its 2024 is generated)."""
    from pii_analysis.index.context import load_context

    return load_context(demo_as_user_panel(tmp_path_factory.mktemp("observed")))



def test_headline_matches_the_ranking(ctx, observed):
    assert P.headline(ctx, NB, 2025)["prev_rank"] is None      # generated 2024: no change since
    ctx = observed
    h = P.headline(ctx, NB, 2025)
    row = ctx.scores.ranking(2025).set_index("province").loc[NB]
    assert (h["rank"], h["n"]) == (14, 34)
    assert h["pii"] == pytest.approx(42.81, abs=1e-6) == pytest.approx(row["pii"])
    assert h["input"] == pytest.approx(row["input"]) and h["output"] == pytest.approx(row["output"])
    assert h["input_rank"] == int(ctx.scores.node_ranks(2025).at[NB, "IN"])
    assert (h["prev_year"], h["prev_rank"]) == (2024, int(ctx.scores.ranking(2024).set_index("province").at[NB, "rank"]))
    assert P.headline(ctx, NB, 2023)["prev_rank"] is None


@pytest.mark.parametrize("level,n", [("pillar", 7), ("subpillar", 18)])
def test_node_comparison_against_national_and_top10_averages(ctx, level, n):
    cmp_ = P.node_comparison(ctx, NB, 2025, level, "vi")
    scores = ctx.scores.node_scores(2025, level)
    top10 = ctx.scores.ranking(2025).query("rank <= 10")["province"]
    assert len(cmp_) == n
    np.testing.assert_allclose(cmp_["national_avg"], scores.mean().to_numpy())
    np.testing.assert_allclose(cmp_["top10_avg"], scores.loc[top10].mean().to_numpy())
    np.testing.assert_allclose(cmp_["score"], scores.loc[NB].to_numpy())
    np.testing.assert_allclose(cmp_["gap_top10"], cmp_["score"] - cmp_["top10_avg"])
    if level == "pillar":
        assert cmp_.loc[0, "name"] == "Thể chế"


def test_indicator_tiers_and_flags_follow_their_rules(ctx):
    t = P.indicator_table(ctx, NB, 2025, "en")
    assert len(t) == 52 and set(t["pillar"]) == set("1234567")
    assert (t.loc[t["rank"] <= 11, "tier"] == "top").all()
    assert (t.loc[t["rank"] >= 23, "tier"] == "bottom").all()
    assert (t.loc[t["rank"].between(12, 22), "tier"] == "middle").all()
    # default rule (official provincial profiles): the 5 best and the 5 worst ranks
    strong, weak = t[t["flag"] == "strength"], t[t["flag"] == "weakness"]
    assert len(strong) == 5 and len(weak) == 5
    assert strong["rank"].max() <= t.loc[t["flag"] != "strength", "rank"].min()
    assert weak["rank"].min() >= t.loc[t["flag"] != "weakness", "rank"].max()
    direct = ctx.scores.node_scores(2025, "indicator").rank(ascending=False, method="min").loc[NB]
    assert (t.set_index("code")["rank"] == direct[t["code"]].to_numpy()).all()


def test_the_profile_and_the_drivers_analysis_flag_the_same_indicators(ctx):
    from pii_analysis.analysis.drivers import drivers_table, strengths_weaknesses
    profile_flags = P.indicator_table(ctx, NB, 2025).set_index("code")["flag"]
    sw = strengths_weaknesses(drivers_table(ctx, NB, 2025)).set_index("indicator")["kind"]
    assert profile_flags[profile_flags != ""].sort_index().to_dict() == sw.sort_index().to_dict()


def test_relative_rule_compares_with_the_province_own_rank(ctx):
    from pii_analysis.analysis.strengths import StrengthRule, relative_margin
    t = P.indicator_table(ctx, NB, 2025, "en", rule=StrengthRule(rule="relative"))
    margin = relative_margin(34)
    assert margin == 6
    assert (t.loc[t["rank"] <= 3, "flag"] == "strength").all()
    assert (t.loc[t["rank"] >= 32, "flag"] == "weakness").all()
    assert (t.loc[t["rank"].between(12, 14 + margin - 1), "flag"] == "").all()   # near its own rank 14
    assert (t.loc[t["rank"] <= 14 - margin, "flag"] == "strength").all()
    hn = P.indicator_table(ctx, "Hà Nội", 2025, rule=StrengthRule(rule="relative"))
    assert not ((hn["tier"] == "top") & (hn["flag"] == "weakness")).any()


def test_rank_history_covers_every_observed_year_on_the_34_province_map(ctx, observed):
    demo = P.rank_history(ctx)        # the demonstration panel's 2023 and 2024 are generated: not history
    assert sorted(demo["year"].unique()) == [2025]
    assert "là số liệu sinh ra" in PT.narrative(ctx, NB, 2025, "vi")["history"]
    hist = P.rank_history(observed)
    assert sorted(hist["year"].unique()) == [2023, 2024, 2025]
    for _, g in hist.groupby("year"):
        assert len(g) == 34 and sorted(g["rank"]) == list(range(1, 35))
    assert hist.query("province == @NB & year == 2025")["rank"].item() == 14


def test_peers_are_nearest_on_pillar_scores_and_neighbours_sit_around(ctx):
    pe = P.peers(ctx, NB, 2025, k=3)
    pil = ctx.scores.node_scores(2025, "pillar")
    dist = np.sqrt(((pil - pil.loc[NB]) ** 2).sum(axis=1)).drop(NB).sort_values()
    assert list(pe["province"]) == list(dist.index[:3])
    np.testing.assert_allclose(pe["distance"], dist.to_numpy()[:3])
    nb = P.neighbours(ctx, NB, 2025, 1)
    assert list(nb["rank"]) == [13, 14, 15]
    assert list(nb["province"]) == ["Tây Ninh", NB, "Phú Thọ"]
    assert nb["gap"].iloc[0] > 0 > nb["gap"].iloc[2]
    assert list(P.neighbours(ctx, "Hà Nội", 2025, 2)["rank"]) == [1, 2, 3]


def test_merger_note_names_the_former_provinces_and_their_published_ranks(ctx):
    hist = P.merger_history(ctx, NB)
    y24 = hist[hist["year"] == 2024].set_index("old_province")
    assert y24["rank"].to_dict() == {"Ninh Bình": 15, "Hà Nam": 28, "Nam Định": 45}
    assert set(y24["n_provinces"]) == {63}
    vi = PT.merger_note(ctx, NB, "vi")
    assert "hợp nhất Ninh Bình, Hà Nam và Nam Định" in vi
    assert "Ninh Bình 15/63, Hà Nam 28/63, Nam Định 45/63" in vi
    assert "merging Ninh Bình, Hà Nam and Nam Định" in PT.merger_note(ctx, NB, "en")
    assert "giữ nguyên địa giới" in PT.merger_note(ctx, "Hà Nội", "vi")
    assert "chưa có thứ hạng" in PT.merger_note(ctx, "Hưng Yên", "vi")   # no published rank of its parts


def test_narrative_in_both_languages(observed):
    ctx = observed
    vi, en = PT.narrative(ctx, NB, 2025, "vi"), PT.narrative(ctx, NB, 2025, "en")
    assert set(vi) == set(en) == set(PT.SECTIONS)
    assert "**42,81 điểm**" in vi["headline"] and "**hạng 14/34**" in vi["headline"]
    before = int(ctx.scores.ranking(2024).set_index("province").at[NB, "rank"])
    k = abs(14 - before)    # the change since 2024, from the data, in the words of each language
    vi_change, en_change = (("giữ nguyên thứ hạng", "rank unchanged") if k == 0 else
                            ("giảm 1 bậc" if k == 1 else f"giảm {k} bậc", "down 1 place" if k == 1 else f"down {k} places")
                            if before < 14 else
                            ("tăng 1 bậc" if k == 1 else f"tăng {k} bậc", "up 1 place" if k == 1 else f"up {k} places"))
    assert vi_change in vi["headline"] and en_change in en["headline"]
    assert "**42.81**" in en["headline"] and "ranks **14 of 34**" in en["headline"]
    assert "Tây Ninh (hạng 13, hơn 0,95 điểm)" in vi["peers"]
    for key, entry in {**PT.TEXT, **PP.TEXT}.items():
        assert set(entry) == {"vi", "en"}, key
    with pytest.raises(PiiInputError, match="language 'fr'"):
        PT.narrative(ctx, NB, 2025, "fr")


def test_every_province_gets_a_profile(ctx):
    for province in ctx.panel.provinces():
        text = PT.narrative(ctx, province, 2025, "vi")
        assert province in text["headline"]


def test_display_table_translates_and_formats(ctx):
    shown = PT.display_table(P.indicator_table(ctx, NB, 2025, "vi"), "vi")
    assert list(shown.columns) == ["Mã", "Trụ cột", "Tên", "Điểm", "Hạng", "Nhóm", "Đánh giá"]
    assert set(shown["Nhóm"]) == {"1/3 đầu", "1/3 giữa", "1/3 cuối"}
    assert set(shown["Đánh giá"]) == {"Điểm mạnh", "Điểm yếu", ""}
    assert shown["Điểm"].str.fullmatch(r"\d+,\d\d").all()
    html = PT.view(PT.headline_table(ctx, NB, 2025, "vi"), "vi", "headline").to_html()
    assert html == PT.view(PT.headline_table(ctx, NB, 2025, "vi"), "vi", "headline").to_html()  # fixed ids
    assert "42,81" in html and "T_pii-headline" in html


def test_figures_are_png(ctx):
    figs = [PP.comparison_chart(P.node_comparison(ctx, NB, 2025, "pillar", "en"), NB, 2025, "en"),
            PP.comparison_chart(P.node_comparison(ctx, NB, 2025, "subpillar"), NB, 2025, "vi", "subpillar"),
            PP.bump_chart(P.rank_history(ctx), NB, "vi", highlight=["Phú Thọ", "Phú Thọ", "Tây Ninh"])]
    rows = [[t.get_text() for t in f.axes[0].texts if not t.get_text().startswith("#")] for f in figs[:2]]
    assert [len(r) for r in rows] == [7, 18] and rows[0][-1].startswith("1  ")   # row labels, pillar 1 on top
    ax = figs[2].axes[0]                          # one line per province, highlights not drawn twice
    assert len(ax.lines) == 3 and len(ax.collections[0].get_segments()) == 31
    for fig in figs:
        png, meta = fig._repr_png_()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(meta["alt"]) > 10   # alt text: the chart's title


def test_png_is_savefigs_png_with_the_title_as_alt_text(ctx):
    """A chart shows itself as one PNG with savefig's pixels (stock Agg, no private renderer) and its
    title as alt text."""
    import io

    from matplotlib import image

    make = lambda: PP.bump_chart(P.rank_history(ctx), NB, "en", highlight=["Phú Thọ"])  # noqa: E731
    data, meta = make()._repr_png_()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    ours = image.imread(io.BytesIO(data))
    ref = _savefig_pixels(make())
    assert ours.shape == ref.shape and np.array_equal(ours, ref)
    fig = make()
    assert meta["alt"] and meta["alt"] == PP.alt_text(fig)
    assert " ".join(fig.axes[0].get_title("left").split()) in meta["alt"]


def _savefig_pixels(fig) -> np.ndarray:
    import io

    from matplotlib import image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    return image.imread(io.BytesIO(buf.getvalue()))


def test_png_keeps_the_pixel_density_and_follows_font_settings(ctx):
    """The PNG carries the figure's dpi; the same chart under other font settings gives other pixels
    (nothing kept stale across figures) and savefig's."""
    import io

    import matplotlib
    from matplotlib import image
    from PIL import Image

    def make():
        return PP.comparison_chart(P.node_comparison(ctx, NB, 2025, "pillar", "vi"), NB, 2025, "vi")

    png = PP.png_bytes(make())
    assert Image.open(io.BytesIO(png)).info["dpi"] == pytest.approx((PP.DPI, PP.DPI), abs=0.02)
    first = image.imread(io.BytesIO(png))
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Serif"], "text.hinting": "no_hinting"}):
        serif = image.imread(io.BytesIO(PP.png_bytes(make())))
        assert np.array_equal(serif, _savefig_pixels(make())) and not np.array_equal(serif, first)


def _css(view, row: int, column: str) -> str:
    """The CSS the styled table gives one of its cells."""
    view._compute()
    j = list(view.data.columns).index(column)
    return "; ".join(f"{k}: {v}" for k, v in view.ctx[(row, j)])


def _bar_pct(css: str) -> float:
    """The length (% of the cell) of the coloured bar of a cell's background."""
    import re
    return float(re.findall(r"rgba\([^)]*\) ([\d.]+)%, transparent", css)[-1])


def test_the_34_provinces_are_a_table_with_bars(ctx):
    """Page 01's national ranking as a table: rank order, the PII as a bar proportional to it (the province's
    red and bold), the chart's title as caption, names from the data escaped."""
    ranking = national.ranking_with_change(ctx, 2025)
    view = PT.ranking_view(ranking, 2025, "vi", NB)
    shown = view.data
    assert list(shown.columns) == ["Hạng", "Tỉnh, thành phố", "Điểm PII"] and len(shown) == 34
    assert list(shown["Hạng"]) == sorted(ranking["rank"]) and shown.at[13, "Tỉnh, thành phố"] == NB
    assert shown.at[13, "Điểm PII"] == "42,81"
    top = ranking["pii"].max() * 1.1
    for i in (0, 13, 33):
        assert _bar_pct(_css(view, i, "Điểm PII")) == pytest.approx(100 * ranking["pii"].iloc[i] / top, abs=0.06)
    assert "192, 57, 43" in _css(view, 13, "Điểm PII") and "192, 57, 43" not in _css(view, 0, "Điểm PII")
    assert "bold" in _css(view, 13, "Tỉnh, thành phố") and "bold" not in _css(view, 12, "Tỉnh, thành phố")
    html = view.to_html()
    assert "<caption>Điểm PII 2025 của 34 tỉnh, thành phố (Ninh Bình: hạng 14)</caption>" in html
    hostile = ranking.assign(province=ranking["province"].replace(NB, "<b>x</b>"))
    html = PT.ranking_view(hostile, 2025, "en", "<b>x</b>").to_html()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_indicator_table_carries_the_chart(ctx):
    """Each indicator's rank as a bar (rank 1 fills the cell, rank n a 1/n of it) in its tier's colour, a line
    at the PII rank, tiers tinted, strengths green and weaknesses red in bold; the caption keys them."""
    ind = P.indicator_table(ctx, NB, 2025, "en")
    h = P.headline(ctx, NB, 2025)
    view = PT.indicator_view(ind, NB, 2025, h["rank"], h["n"], "en", ctx.framework)
    colour = {"top": "30, 132, 73", "middle": "183, 149, 11", "bottom": "192, 57, 43"}
    for i, r in ind.iterrows():
        bar = _css(view, i, "Rank")
        assert _bar_pct(bar) == pytest.approx(100 * (35 - r["rank"]) / 34, abs=0.06)
        assert colour[r["tier"]] in bar and f"{round(100 * (35 - h['rank']) / 34, 1)}%" in bar   # PII line
        assert colour[r["tier"]] in _css(view, i, "Tier")
        flag = _css(view, i, "Flag")
        assert ("bold" in flag) == bool(r["flag"])
        assert not r["flag"] or colour["top" if r["flag"] == "strength" else "bottom"] in flag
    assert set(ind["flag"]) == {"strength", "weakness", ""}
    html = view.to_html()
    assert f"Ninh Bình&#x27;s PII rank ({h['rank']})" in html and "green top third" in html
    assert list(view.data["Rank"]) == list(ind["rank"])               # the ranks stay the cells' text


def test_pillar_changes_table_has_diverging_bars(ctx, observed):
    assert "là số liệu sinh ra" in PT.changes_text(national.pillar_changes(ctx, NB, 2025, "vi"), NB, "vi")
    ctx = observed
    changes = national.pillar_changes(ctx, NB, 2025, "vi")
    view = PT.changes_view(changes, NB, 2025, "vi")
    span = max(changes["change"].abs().max(), 0.5)
    for i, c in enumerate(changes["change"]):
        css = _css(view, i, "Thay đổi điểm")
        half = round(50 * min(abs(c) / span, 1), 1)
        expected = f"rgba(30, 132, 73, 0.42) {50 + half}%" if c >= 0 else f"transparent {50 - half}%, rgba(192, 57, 43"
        assert expected in css, (c, css)
    assert "2024 đến 2025" in view.to_html() and "thanh xanh sang phải là tăng" in view.to_html()


def test_page_tables_feed_the_narrative(ctx):
    """The narrative from the page's tables (computed once) is the narrative computed on its own, for the
    first, a middle and the last province (the places just above and below)."""
    for province in ("Hà Nội", NB, "Lai Châu"):
        tables = PT.page_tables(ctx, province, 2025, "vi")
        assert PT.narrative(ctx, province, 2025, "vi", tables) == PT.narrative(ctx, province, 2025, "vi")
        assert tables["neighbours"].equals(P.neighbours(ctx, province, 2025))
    first, last = PT.narrative(ctx, "Hà Nội", 2025, "vi")["peers"], PT.narrative(ctx, "Lai Châu", 2025, "vi")["peers"]
    assert "TP. Hồ Chí Minh" in first and "Cao Bằng" in last
