"""The demonstration generator meets newly published figures dropped into a copy of the published-results
file (issue 22 item 4): a province ranked last with four pillar scores and one with a rank and a total, rows
the shipped file does not hold (test rows in tmp; data/raw is never touched). Where figures truly conflict
it names the conflict: province, figure, published and reachable value."""
from __future__ import annotations

import pytest

from pii_analysis.data.paths import raw_dir
from pii_analysis.demo.cli import main
from pii_analysis.demo.figures import check_figures
from pii_analysis.demo.generate import generate

LAST = "2025,Lai Châu,34,34,,,,21.40,{p2},30.10,26.80,,,,,,,,,,,published,test row (tests/test_demo_published.py),not a PII value"
RANKED = "2025,Cần Thơ,34,10,45.80,,,,,,,,,,,,,,,,,published,test row (tests/test_demo_published.py),not a PII value"


def _published(tmp_path, p2: str = "24.27"):
    path = tmp_path / "published.csv"
    text = (raw_dir() / "pii_published_results.csv").read_text(encoding="utf-8").rstrip("\n")
    path.write_text("\n".join([text, LAST.format(p2=p2), RANKED]) + "\n", encoding="utf-8")
    return path


def test_two_new_provinces_figures_are_all_met(tmp_path):
    path = _published(tmp_path)
    demo = generate(published=path)
    check = check_figures(demo.panel, published=path)
    used = check[check["used"]]
    assert used["ok"].all(), used.loc[~used["ok"].astype(bool), ["province", "measure", "value", "measured"]]
    new = used[used["province"].isin(["Lai Châu", "Cần Thơ"]) & (used["year"] == 2025)].set_index(["province", "measure"])
    assert new.at[("Lai Châu", "rank"), "measured"] == 34 and new.at[("Cần Thơ", "rank"), "measured"] == 10
    assert abs(new.at[("Lai Châu", "p2"), "measured"] - 24.27) <= 0.005       # was 13.27: the placed holder of the minimum
    assert abs(new.at[("Cần Thơ", "pii_score"), "measured"] - 45.80) <= 0.005
    # the published national minimum of pillar 2 (13.27) is still held, now by a province without a published p2
    p2min = used[(used["measure"] == "p2_min") & (used["year"] == 2025)].iloc[0]
    assert abs(p2min["measured"] - 13.27) <= 0.005


def test_the_generator_is_deterministic_and_writes_only_when_every_figure_is_met(tmp_path, capsys):
    path = _published(tmp_path)
    a, b = generate(seed=7, published=path), generate(seed=7, published=path)
    assert a.panel.equals(b.panel)
    main(["--published", str(path), "--write", "--out", str(tmp_path / "out")])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "published figures honoured: 102 of 102 used; 112 not used (listed with the reason)"
    assert (tmp_path / "out" / "pii_demo_panel.csv").exists()


def test_a_true_conflict_is_named(tmp_path):
    """A published pillar score below the published national minimum of that pillar (13.27) cannot be met."""
    path = _published(tmp_path, p2="10.00")
    with pytest.raises(SystemExit) as err:
        main(["--published", str(path), "--write", "--out", str(tmp_path / "out")])
    assert str(err.value) == ("some published figures cannot be met together; nothing written: 2025 Lai Châu p2 = 10.00 "
                              "is published, but the published national minimum of pillar 2 is 13.27: the reachable "
                              "scores lie at or above 13.27")
    assert not (tmp_path / "out").exists()
