"""The one-page summary: the 'since <previous year>' card and the three levers chosen by the stated rule."""
from __future__ import annotations

import html
import re

import pytest

from pii_analysis.analysis import drivers as drivers_analysis
from pii_analysis.analysis.profile import headline
from pii_analysis.analysis.projection import project
from pii_analysis.data.levers import load_levers
from pii_analysis.report import summary



@pytest.fixture(scope="module")
def projection(ctx):
    return project(ctx, n_draws=40, seed=3)


def provinces_to_check(ctx) -> list[str]:
    """The first, a middle and the last province of 2025, and the provinces whose rank changed most."""
    r = ctx.scores.ranking(2025).sort_values("rank")["province"].tolist()
    return list(dict.fromkeys([r[0], r[len(r) // 2], r[-1], "Ninh Bình"]))


def write(ctx, projection, province, tmp_path, lang="vi"):
    """The province's summary toward its own target (as the report run writes it) and page 02's table."""
    from pii_analysis.analysis.targets import province_target

    target = province_target(ctx, province, base_year=2025)
    table = drivers_analysis.analyse(ctx, province, 2025, target.rank, lang=lang).table
    path = summary.write_summary(tmp_path / province, ctx, province, 2025, lang=lang, projection=projection,
                                 target_rank=None, target_year=2030, drivers=table, banner="", pages=["summary"],
                                 lead=load_levers())
    return table, path.read_text(encoding="utf-8")


def cards(page: str) -> list[dict[str, list[str]]]:
    """Each card of the page: its label texts and its big value."""
    found = []
    for body in re.findall(r'<div class="card">((?:<div class="(?:label|big)">[^<]*</div>)*)</div>', page):
        found.append({"label": [html.unescape(t).strip() for t in re.findall(r'class="label">(.*?)</div>', body)],
                      "big": [html.unescape(t).strip() for t in re.findall(r'class="big">(.*?)</div>', body)]})
    return found


def test_every_card_has_a_label_and_a_value_and_the_change_card_says_the_change(ctx, projection, tmp_path):
    for province in provinces_to_check(ctx):
        _, page = write(ctx, projection, province, tmp_path)
        found = cards(page)
        assert len(found) == 3, province
        for card in found:
            assert card["label"] and card["label"][0], (province, card)
            assert len(card["big"]) == 1 and card["big"][0], (province, card)
        h = headline(ctx, province, 2025)
        change = found[2]
        # the demonstration panel's 2024 is generated: the change since then is not known (test_history.py
        # shows the change on a user's panel of observed years)
        assert h["prev_rank"] is None and h["change"] == "generated"
        assert change["label"][0] == "So với năm trước" and change["big"][0] == "–"
        assert "Chưa biết: các năm trước của số liệu là số liệu sinh ra" in " ".join(change["label"][1:])


def test_the_change_card_says_the_change_of_observed_years():
    from pii_analysis.report.summary import change_card

    for prev_rank, big, note in ((16, "▲ 2", "tăng 2 bậc"), (14, "=", "giữ nguyên hạng"), (13, "▼ 1", "giảm 1 bậc")):
        card = change_card({"prev_rank": prev_rank, "rank": 14, "prev_year": 2024, "change": "known"}, "vi")
        assert card["label"] == "So với 2024" and card["value"] == big and note in card["note"]


def test_the_first_year_of_the_data_has_a_change_card_too():
    card = summary.change_card({"prev_rank": None, "prev_year": None, "rank": 3}, "en")
    assert card == {"label": "Since the previous year", "value": "–", "note": summary.TEXT["change_none"]["en"]}
    card = summary.change_card({"prev_rank": 5, "prev_year": 2024, "rank": 6}, "en")
    assert card["label"] == "Since 2024" and card["value"] == "▼ 1" and card["note"]


def test_the_three_levers_are_page_02s_lever_rows(ctx, projection, tmp_path):
    """The summary names the rows with lever_rank 1-3 of page 02's table, in that order, each with its move in
    its own units to the target year, why it is chosen, its lead agency, and the rule and pace source stated."""
    from pii_analysis.report import levers_text

    for province in provinces_to_check(ctx):
        table, page = write(ctx, projection, province, tmp_path)
        rows = table[table["lever_rank"].notna()].sort_values("lever_rank")
        expected = rows["indicator"].astype(str).tolist()
        assert len(expected) == 3, province
        chosen = summary.levers(table, "vi", province)
        assert [lever["code"] for lever in chosen] == expected, province
        assert re.findall(r"<li><strong>(\S+) ", page) == expected, province        # shown in that order
        words = html.unescape(page)
        for lever, row in zip(chosen, rows.to_dict("records")):
            assert "→" in lever["what"] and str(row["unit"]) in lever["what"] and "năm 2030" in lever["what"]
            assert "năm nỗ lực bền bỉ" in lever["what"] and "tốc độ giả định" in lever["what"]   # not a one-year win
            assert lever["lead"].startswith(f"Chủ trì: {row['lead_agency']}")
            assert lever["why"] == levers_text.reason(row, "vi", province) and lever["why"] in words
        mode = str(rows["lever_mode"].iloc[0])
        assert levers_text.rule(province, int(rows["target_rank"].iloc[0]), 2030, mode, "vi") in words
        assert levers_text.TEXT["pace_assumption_short"]["vi"] in words   # the paces are assumed on this panel


def test_the_rule_is_stated_in_english_too(ctx, projection, tmp_path):
    _, page = write(ctx, projection, "Lai Châu", tmp_path, lang="en")
    words = html.unescape(page)
    assert "How they are chosen" in words and "years of sustained effort" in words and "assumed pace" in words
    assert "Not known: the earlier years of the data are generated" in words


def test_the_plan_rows_are_page_03s_and_pii_plans(ctx, projection, tmp_path):
    """The summary's plan table is analysis.plan.judge_panel on the run's projection (the rows `pii plan` and
    page 03 show), one row per target of the targets file; the annex is linked once the run wrote it."""
    from pii_analysis.analysis.plan import judge_panel, plan_targets
    from pii_analysis.report import plan_text

    province = "Ninh Bình"
    expected = plan_text.plan_table(judge_panel(ctx, province, plan_targets(ctx, province), projection), "vi")
    _, page = write(ctx, projection, province, tmp_path)
    table = re.search(r'<table class="plan">(.*?)</table>', page, re.S).group(1)
    rows = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in re.findall(r"<tr>(.*?)</tr>", table)]
    rows = [r for r in rows if r]
    assert rows == expected.astype(str).values.tolist() and len(rows) == len(plan_targets(ctx, province))
    assert any("15" in r[0] for r in rows) and any("%" in r[0] for r in rows)    # 2026 ≤ 15, the 2029 share
    assert summary.ANNEX not in page
    (tmp_path / province / summary.ANNEX).write_bytes(b"")
    _, page = write(ctx, projection, province, tmp_path)
    assert f'<a href="{summary.ANNEX}">' in page
