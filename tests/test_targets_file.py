"""Targets as data (data/targets.py): the shipped file's six kinds, the groups, and bad rows named by file,
spreadsheet row and column."""
from __future__ import annotations

import pandas as pd
import pytest

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import raw_file
from pii_analysis.data.regions import load_regions
from pii_analysis.data.targets import KINDS, load_groups, load_plan_metrics, load_targets

NB = "Ninh Bình"
HEADER = "province,year,kind,value,group,source_url,note\n"


def test_ninh_binh_plan_19_milestones_are_rows_with_their_source():
    t = load_targets(province=NB)
    ranks = t[t["kind"] == "rank"].drop_duplicates("year")
    assert ranks[["year", "value"]].values.tolist() == [[2026, 15], [2027, 13], [2028, 12], [2029, 11], [2030, 10]]
    share = t[t["kind"] == "indicators_above_national_mean_share"]
    assert share[["year", "value"]].values.tolist() == [[2029, 1.0]]
    assert t["source_url"].str.contains("19/KH-UBND|06-NQ/TU").all() and set(t["kind"]) <= set(KINDS)
    assert (t["source"] == t["source_url"]).all()


def test_the_plan_metrics_other_than_pii_targets_keep_their_rows_and_sources():
    old = pd.read_csv(raw_file("province_plan_metrics.csv"), dtype=str)
    metrics = load_plan_metrics(province=NB)
    assert len(metrics) == len(old) == 21 and old["source_doc"].str.strip().ne("").all()
    assert "PII rank" not in set(metrics["metric"])


def test_groups_hold_the_six_centrally_run_cities_and_every_region():
    g = load_groups()
    assert sorted(g.loc[g["group"] == "centrally_run_cities", "province"]) == sorted(
        ["Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "TP. Hồ Chí Minh", "Cần Thơ"])
    regions = load_regions()
    for region, members in regions.groupby("region_en")["province"]:
        key = region.lower().replace(" and ", "_").replace(" ", "_")
        assert sorted(g.loc[g["group"] == key, "province"]) == sorted(members)


def write(tmp_path, rows: str):
    f = tmp_path / "my_targets.csv"
    f.write_text(HEADER + rows, encoding="utf-8")
    return f


@pytest.mark.parametrize("row, column, message", [
    ("Huế,2027,place,3,,,", "kind", "kind 'place' must be one of"),
    ("Huế,2027,rank,35,,,", "value", "whole number from 1 to 34"),
    ("Huế,2027,rank,2.5,,,", "value", "whole number from 1 to 34"),
    ("Huế,2027,group_rank,2,nowhere,,", "group", "group 'nowhere' is not in"),
    ("Huế,2027,group_rank,2,southeast,,", "group", "Huế is not a member of group 'southeast'"),
    ("Huế,2027,group_rank,7,centrally_run_cities,,", "value", "whole number from 1 to 6"),
    ("Huế,2027,pillars_above_national_mean,8,,,", "value", "from 0 to 7"),
    ("Huế,2027,indicators_above_national_mean_share,100,,,", "value", "write 100% as 1"),
    ("Huế,2027,indicator,3,,,", "group", "indicator code"),
    ("Huế,2027,score,120,,,", "value", "from 0 to 100"),
    ("Huế,20x7,score,40,,,", "year", ""),
    ("Huế,2027,score,,,,", "value", ""),
])
def test_a_bad_row_is_named_by_file_row_and_column(tmp_path, row, column, message):
    f = write(tmp_path, "Huế,2026,rank,3,,,\n" + row + "\n")
    with pytest.raises(PiiInputError) as info:
        load_targets(f)
    assert info.value.row == 3 and info.value.column == column and info.value.file == str(f)
    assert message in info.value.message


def test_an_unknown_indicator_code_is_refused_when_the_framework_is_given(tmp_path):
    f = write(tmp_path, "Huế,2027,indicator,3,9.9.9,,\n")
    with pytest.raises(PiiInputError, match="unknown indicator code '9.9.9'") as info:
        load_targets(f, indicators=["1.1.1"])
    assert info.value.row == 2 and info.value.column == "group"


def test_a_users_row_without_a_source_is_labelled_user_with_its_row(tmp_path):
    f = write(tmp_path, "Huế,2027,group_rank,2,centrally_run_cities,,\nHuế,2028,score,50,,https://x.vn/plan,\n")
    t = load_targets(f)
    assert t["source"].tolist() == ["my_targets.csv, row 2 (user)", "https://x.vn/plan"]
