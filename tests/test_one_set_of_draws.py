"""One set of draws per report: a page never prints two values for one probability, and every province
gets a target that fits where it stands (titles and text follow it)."""
from __future__ import annotations

import re

import pytest


from pii_analysis.analysis.draws import report_draws
from pii_analysis.analysis.effort import minimum_effort_plan
from pii_analysis.analysis.targets import province_target
from pii_analysis.analysis.verdict import assess, final_year, scenario_comparison
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report.formatting import fmt_pct

DRAWS = 30
PCT = re.compile(r"\*\*([<>]?\d+%)")



def page_probabilities(ctx, province: str, lang: str = "en") -> dict[tuple, set[str]]:
    """Every probability the feasibility page prints, by event (scenario, rank, year): the set of printed
    values. Built with the same calls as notebook 03."""
    target = province_target(ctx, province)
    draws = report_draws(ctx, n_draws=DRAWS, seed=5)
    a = assess(ctx, province, target_rank=target.rank, draws=draws)
    seen: dict[tuple, set[str]] = {}

    def add(event, value):
        seen.setdefault(event, set()).add(value)

    year = a.target_year
    add(("baseline", target.rank, year), PCT.search(ftext.headline(a, lang)).group(1))
    ms = ftext.display_table(a.milestones, lang, "milestones")
    for _, row in ms.iterrows():
        add(("baseline", int(row.iloc[1]), int(row.iloc[0])), row.iloc[2])
    plan = draws.checked(minimum_effort_plan(ctx, province, target_rank=target.rank, n_draws=draws.n_draws,
                                             seed=draws.seed))
    shown_effort = fmt_pct(plan.probability, lang)
    assert f"**{shown_effort}**" in ftext.effort_narrative(plan, lang)
    add((plan.scenario.name, target.rank, year), shown_effort)
    comp = scenario_comparison(ctx, a, extra=[plan.scenario], lang=lang, draws=draws)
    shown = ftext.display_table(final_year(comp), lang, "scenarios", year=year, rank=target.rank)
    for name, value in zip(final_year(comp)["scenario"], shown.iloc[:, -1]):
        add((name, target.rank, year), value)
    add(("baseline", target.rank, year), fmt_pct(draws.probability(province, target.rank), lang))  # explorer start
    return seen


@pytest.mark.slow
def test_a_page_never_shows_two_values_for_one_probability(ctx):
    for province in ctx.scores.ranking(ctx.scores.years[-1])["province"]:
        seen = page_probabilities(ctx, province)
        assert ("baseline", province_target(ctx, province).rank, 2030) in seen
        for event, values in seen.items():
            assert len(values) == 1, f"{province}: {event} printed as {sorted(values)}"


def test_targets_fit_the_positions_of_ha_noi_and_lai_chau(ctx):
    ranking = ctx.scores.ranking(ctx.scores.years[-1]).set_index("province")
    n = len(ranking)
    top = province_target(ctx, "Hà Nội")
    assert top.rank <= ranking.at["Hà Nội", "rank"] and top.kind in ("hold", "stay") and top.origin == "default"
    title = ftext.target_title(top, "en")
    assert "Hà Nội" in title and "Top 10" not in title and "hold" in title
    assert top.overtake_risk
    bottom = province_target(ctx, "Lai Châu")
    lai_chau = int(ranking.at["Lai Châu", "rank"])
    assert bottom.origin == "default" and bottom.rank < lai_chau          # a step up from where it stands
    if lai_chau > n - 5:                                                 # in the bottom five: leave it
        assert bottom.rank == n - 5 and bottom.kind == "leave_bottom"
        assert "bottom five" in ftext.target_title(bottom, "en")
        assert "ra khỏi nhóm 5 tỉnh cuối bảng" in ftext.target_title(bottom, "vi")
    assert "Top 10" not in ftext.target_title(bottom, "en") or bottom.rank == 10
    draws = report_draws(ctx, n_draws=60, seed=5)
    for target in (top, bottom):
        a = assess(ctx, target.province, target_rank=target.rank, draws=draws)
        note = ftext.target_note(target, "en", a.projection)
        assert "assumption" in note and f"rank {target.rank} or better" in note
    assert "overtaken" in ftext.target_note(top, "en", draws.projection())
    # the province's own plan wins over the default, a parameter over both
    nb = province_target(ctx, "Ninh Bình")
    assert nb.origin == "plan" and nb.rank == 10 and "19/KH-UBND" in nb.source
    assert province_target(ctx, "Hà Nội", target_rank=3).origin == "parameter"


def test_every_province_gets_a_target_that_fits_where_it_stands(ctx):
    """Top five hold their place (and see the risk of being overtaken); 6th-10th stay in the Top 10; every
    other default asks for a step up; the province's own plan or a parameter wins over the default."""
    for province, base in ctx.scores.ranking(ctx.scores.years[-1]).set_index("province")["rank"].items():
        t = province_target(ctx, province)
        assert t.base_rank == base
        if t.origin != "default":
            continue
        if base <= 5:
            assert t.rank == base and t.kind == "hold" and t.overtake_risk
        elif base <= 10:
            assert t.rank == 10 and t.kind in ("stay", "hold")
        else:
            assert t.rank < base and t.kind in ("reach", "gain", "leave_bottom")
        title = ftext.target_title(t, "en")
        assert province in title and str(t.year) in title
