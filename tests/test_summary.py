"""The one-page summary: the 'since <previous year>' card and the three levers chosen by the stated rule."""
from __future__ import annotations

import html
import math
import re

import pytest

from pii_analysis.analysis import drivers as drivers_analysis
from pii_analysis.analysis.profile import headline
from pii_analysis.analysis.projection import project
from pii_analysis.data.levers import load_levers
from pii_analysis.index.context import load_context
from pii_analysis.report import summary


@pytest.fixture(scope="module")
def ctx():
    return load_context()


@pytest.fixture(scope="module")
def projection(ctx):
    return project(ctx, n_draws=40, seed=3)


def provinces_to_check(ctx) -> list[str]:
    """The first, a middle and the last province of 2025, and the provinces whose rank changed most."""
    r = ctx.scores.ranking(2025).sort_values("rank")["province"].tolist()
    return list(dict.fromkeys([r[0], r[len(r) // 2], r[-1], "Ninh Bình"]))


def write(ctx, projection, province, tmp_path, lang="vi"):
    table = drivers_analysis.analyse(ctx, province, 2025, 10, lang=lang).table
    path = summary.write_summary(tmp_path / province, ctx, province, 2025, lang=lang, projection=projection,
                                 target_rank=10, target_year=2030, drivers=table, banner="", pages=["summary"],
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
        assert change["label"][0] == f"So với {h['prev_year']}"
        k = h["prev_rank"] - h["rank"]
        assert change["big"][0] == ("=" if k == 0 else f"▲ {k}" if k > 0 else f"▼ {-k}")
        words = " ".join(change["label"][1:])
        assert ("giữ nguyên hạng" in words) if k == 0 else (f"{'tăng' if k > 0 else 'giảm'} {abs(k)} bậc" in words)


def test_the_first_year_of_the_data_has_a_change_card_too():
    card = summary.change_card({"prev_rank": None, "prev_year": None, "rank": 3}, "en")
    assert card == {"label": "Since the previous year", "value": "–", "note": summary.TEXT["change_none"]["en"]}
    card = summary.change_card({"prev_rank": 5, "prev_year": 2024, "rank": 6}, "en")
    assert card["label"] == "Since 2024" and card["value"] == "▼ 1" and card["note"]


def brute_force_levers(table, n=3) -> list[str]:
    """The rule written out row by row: controllable indicators (outcomes only to fill up) whose year at the
    sustained pace gains PII, by places then PII points per unit of relative cost, then table order."""
    rows = []
    for i, row in enumerate(table.to_dict("records")):
        gain = row["pii_change_raw_step"]
        if gain is None or (isinstance(gain, float) and math.isnan(gain)) or gain <= 1e-12:
            continue
        cost = row["relative_cost"] if row["relative_cost"] == row["relative_cost"] and row["relative_cost"] > 0 \
            else 1.0
        places = max(row["rank_gain_raw_step"], 0) if row["rank_gain_raw_step"] == row["rank_gain_raw_step"] else 0
        outcome = row["controllability"] not in ("direct", "partly")
        rows.append((outcome, -places / cost, -gain / cost, i, str(row["indicator"])))
    return [r[-1] for r in sorted(rows)[:n]]


def test_the_three_levers_are_the_top_three_by_the_stated_rule(ctx, projection, tmp_path):
    lead = load_levers()
    for province in provinces_to_check(ctx):
        table, page = write(ctx, projection, province, tmp_path)
        expected = brute_force_levers(table)
        rank = headline(ctx, province, 2025)["rank"]
        chosen = summary.levers(table, rank, 10, "vi", lead, framework=ctx.framework)
        assert [lever["code"] for lever in chosen] == expected, province
        items = re.findall(r"<li><strong>(\S+) ", page)
        assert items == expected, province                       # the page shows them in that order
        for lever, row in zip(chosen, table.set_index(table["indicator"].astype(str)).loc[expected].to_dict("records")):
            assert "một năm ở tốc độ bền vững" in lever["what"] and str(row["unit"]) in lever["what"]
            assert lever["lead"] == f"Chủ trì: {row['lead_agency']}"
        assert summary.TEXT["levers_rule"]["vi"] in html.unescape(page)   # the rule is stated on the page


def test_the_rule_is_stated_in_english_too(ctx, projection, tmp_path):
    _, page = write(ctx, projection, "Lai Châu", tmp_path, lang="en")
    words = html.unescape(page)
    assert "How they are chosen" in words and "one year at the sustained pace" in words
    assert re.search(r'class="big">(▲ \d+|▼ \d+|=)</div>', page)
