"""Loading: accepted forms of input, and a clear error (file, row or sheet, column) for bad input."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import default_resolver, load_node_scores, load_panel
from pii_analysis.data.paths import DEMO_PANEL, raw_dir, raw_file
from pii_analysis.index.framework import default_framework, load_framework
from pii_analysis.index.method import default_method, load_method
from pii_analysis.index.scores import score_panel

FW = default_framework()


@pytest.fixture(scope="module")
def long_2025() -> pd.DataFrame:
    """The shipped panel's 2025 rows (indicators and denominators) as text, as a user file would be."""
    panel = pd.read_csv(raw_file(DEMO_PANEL), dtype=str)
    return panel[panel["year"] == "2025"][["year", "province", "indicator", "value"]].reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def expect_error(path, *, row=None, column=None, sheet=None, match=None, loader=None):
    loader = loader or (lambda p: load_panel(p, FW))
    with pytest.raises(PiiInputError) as info:
        loader(path)
    err = info.value
    message = str(err)
    assert Path(path).name in message, message
    if row is not None:
        assert err.row == row and f"row {row}" in message, message
    if column is not None:
        assert err.column == column and f"column '{column}'" in message, message
    if sheet is not None:
        assert err.sheet == sheet and f"sheet '{sheet}'" in message, message
    if match is not None:
        assert match in message, message
    return err


def row_of(frame: pd.DataFrame, province: str, indicator: str) -> int:
    """Spreadsheet row (header = 1) of one cell of the long frame."""
    return int(frame.index[(frame["province"] == province) & (frame["indicator"] == indicator)][0]) + 2


# --- accepted forms -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Ninh Binh", "ninh bình", "NINH BINH", "Tỉnh Ninh Bình"])
def test_names_match_regardless_of_case_diacritics_and_prefix(name):
    assert default_resolver().resolve(name) == "Ninh Bình"


@pytest.mark.parametrize("name", ["TP.HCM", "Ho Chi Minh City", "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh", "HCMC"])
def test_common_forms_of_ho_chi_minh_city(name):
    assert default_resolver().resolve(name) == "TP. Hồ Chí Minh"


def test_thua_thien_hue_is_hue():
    assert default_resolver().resolve("Thừa Thiên Huế") == "Huế"


def test_old_names_map_through_the_crosswalk_only_when_asked():
    r = default_resolver()
    assert r.resolve("Hà Nam", map_old=True) == "Ninh Bình"
    assert r.resolve("Bà Rịa - Vũng Tàu", map_old=True) == "TP. Hồ Chí Minh"
    assert r.resolve("Hà Nam", allow_old=True) == "Hà Nam"
    with pytest.raises(PiiInputError, match="unknown province 'Hà Nam'"):
        r.resolve("Hà Nam")


def test_unknown_name_fails_with_the_closest_known_names():
    with pytest.raises(PiiInputError, match="closest known names: Ninh Bình"):
        default_resolver().resolve("Ninh Bin")


@pytest.mark.slow
def test_wide_excel_with_a_sheet_per_year_scores_like_the_long_csv(tmp_path):
    panel = pd.read_csv(raw_file(DEMO_PANEL))
    path = tmp_path / "workbook.xlsx"
    with pd.ExcelWriter(path) as xl:
        for year, group in panel.groupby("year"):
            wide = group.pivot(index="province", columns="indicator", values="value").reset_index()
            wide["province"] = wide["province"].str.replace("TP. Hồ Chí Minh", "TP.HCM")
            wide.to_excel(xl, sheet_name=str(year), index=False)
    from_excel = score_panel(load_panel(path, FW), FW, load_method(raw_file("pii_method.yaml")))
    from_csv = score_panel(load_panel(raw_file(DEMO_PANEL), FW), FW, load_method(raw_file("pii_method.yaml")))
    a = from_excel.ranking(2025).set_index("province")
    b = from_csv.ranking(2025).set_index("province")
    assert (a["rank"] == b.loc[a.index, "rank"]).all()
    assert (a["pii"] - b.loc[a.index, "pii"]).abs().max() < 1e-9


def test_wide_csv_with_a_year_column_is_accepted(tmp_path, long_2025):
    wide = long_2025.pivot(index=["year", "province"], columns="indicator", values="value").reset_index()
    panel = load_panel(write(wide, tmp_path / "wide.csv"), FW)
    assert panel.years == [2025] and len(panel.provinces()) == 34
    assert panel.denominators is not None


def test_generated_years_are_known_from_the_rows(tmp_path):
    """The demonstration panel's years are all generated (no trend or change may be computed from them);
    a user's own file has observed years only; a year with one generated row counts as generated."""
    demo = load_panel(raw_file(DEMO_PANEL), FW)
    assert demo.generated_years == (2023, 2024, 2025) and demo.observed_years() == []
    assert not demo.history_known(2025, 2024)
    raw = pd.read_csv(raw_file(DEMO_PANEL))
    own = raw.assign(data_status="user")
    panel = load_panel(write(own, tmp_path / "own.csv"), FW)
    assert panel.generated_years == () and panel.observed_years(2024) == [2023, 2024]
    assert panel.history_known(2025, 2024)
    mixed = own.copy()
    mixed.loc[mixed.index[mixed["year"] == 2023][:1], "data_status"] = "demonstration"
    panel = load_panel(write(mixed, tmp_path / "mixed.csv"), FW)
    assert panel.generated_years == (2023,) and panel.observed_years() == [2024, 2025]


def test_raw_files_are_never_written(tmp_path):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw_dir().rglob("*") if p.is_file()}
    panel = load_panel(raw_file(DEMO_PANEL), FW)
    score_panel(panel, FW)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw_dir().rglob("*") if p.is_file()}
    assert before == after


# --- malformed input: at least 15 cases, each naming file, row or sheet, and column --------------------
def test_missing_column(tmp_path, long_2025):
    expect_error(write(long_2025.drop(columns="value"), tmp_path / "f.csv"), row=1, column="value",
                 match="required column is missing")


def test_duplicate_province_year_indicator(tmp_path, long_2025):
    frame = pd.concat([long_2025, long_2025.iloc[[5]]], ignore_index=True)
    expect_error(write(frame, tmp_path / "f.csv"), row=len(frame) + 1, column="value", match="duplicate value")


def test_duplicate_after_name_matching(tmp_path, long_2025):
    frame = long_2025.copy()
    first = frame.index[frame["province"] == "Ninh Bình"][0]
    extra = frame.loc[[first]].assign(province="Ninh Binh")
    frame = pd.concat([frame, extra], ignore_index=True)
    expect_error(write(frame, tmp_path / "f.csv"), row=len(frame) + 1, match="duplicate value for Ninh Bình")


@pytest.mark.parametrize("province, indicator, value, message", [
    ("Huế", "2.2.1", "n.a. (chưa có)", "'n.a. (chưa có)' is not a number"),             # text in a number column
    ("Huế", "1.2.3", "135", "outside the possible range of indicator 1.2.3 [0, 100]"),  # a share above 100 %
    ("Huế", "population", "-5", "denominator population must be positive"),
])
def test_one_bad_cell_is_reported_at_its_row(tmp_path, long_2025, province, indicator, value, message):
    frame = long_2025.copy()
    r = row_of(frame, province, indicator)
    frame.loc[r - 2, "value"] = value
    expect_error(write(frame, tmp_path / "f.csv"), row=r, column="value", match=message)


def test_unknown_province(tmp_path, long_2025):
    frame = long_2025.copy()
    frame.loc[10, "province"] = "Ninh Bin"
    expect_error(write(frame, tmp_path / "f.csv"), row=12, column="province", match="closest known names: Ninh Bình")


def test_blank_province(tmp_path, long_2025):
    frame = long_2025.copy()
    frame.loc[3, "province"] = ""
    expect_error(write(frame, tmp_path / "f.csv"), row=5, column="province", match="empty")


def test_unknown_indicator_code(tmp_path, long_2025):
    frame = long_2025.copy()
    frame.loc[0, "indicator"] = "2.3.9"
    expect_error(write(frame, tmp_path / "f.csv"), row=2, column="indicator", match="unknown indicator code '2.3.9'")


def test_unknown_indicator_column_in_a_wide_file(tmp_path, long_2025):
    wide = long_2025.pivot(index=["year", "province"], columns="indicator", values="value").reset_index()
    wide = wide.rename(columns={"6.1.1": "6.1.1 (patents)"})
    err = expect_error(write(wide, tmp_path / "wide.csv"), column="6.1.1 (patents)", match="closest codes: 6.1.1")
    assert err.row is not None


def test_indicator_missing_for_every_province(tmp_path, long_2025):
    frame = long_2025[long_2025["indicator"] != "5.2.2"]
    expect_error(write(frame, tmp_path / "f.csv"), column="5.2.2", match="no value for any province in 2025")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    expect_error(path, match="file is empty")


def test_header_but_no_rows(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("year,province,indicator,value\n", encoding="utf-8")
    expect_error(path, match="no data rows")


def test_wrong_sheet(tmp_path, long_2025):
    path = tmp_path / "book.xlsx"
    long_2025.to_excel(path, sheet_name="data", index=False)
    expect_error(path, loader=lambda p: load_panel(p, FW, sheet="2025"), match="sheet '2025' not found; the workbook has: data")


def test_sheet_that_is_neither_long_nor_a_year(tmp_path):
    path = tmp_path / "book.xlsx"
    pd.DataFrame({"note": ["see the ministry's letter"]}).to_excel(path, sheet_name="Notes", index=False)
    expect_error(path, sheet="Notes", match="neither long")


def test_value_outside_its_range_after_denomination(tmp_path, long_2025):
    frame = long_2025.copy()
    r = row_of(frame, "Huế", "6.3.1")          # firms per 1,000 enterprises, at most 1,000
    ent = float(frame.loc[row_of(frame, "Huế", "enterprises") - 2, "value"])
    frame.loc[r - 2, "value"] = str(ent * 2)
    expect_error(write(frame, tmp_path / "f.csv"), row=r, column="value", match="after dividing by enterprises")


def test_year_that_is_not_a_whole_number(tmp_path, long_2025):
    frame = long_2025.copy()
    frame.loc[7, "year"] = "2025.5"
    expect_error(write(frame, tmp_path / "f.csv"), row=9, column="year", match="not a whole number")


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "panel.json"
    path.write_text("{}")
    expect_error(path, match="unsupported file type")


def test_file_not_found(tmp_path):
    expect_error(tmp_path / "missing.csv", match="file not found")


# --- the framework file ------------------------------------------------------------------------------
def framework_rows() -> pd.DataFrame:
    return pd.read_csv(raw_file("pii_framework.csv"), dtype=str, keep_default_na=False)


def fw_error(tmp_path, frame, **kw):
    return expect_error(write(frame, tmp_path / "framework.csv"), loader=load_framework, **kw)


def test_framework_with_a_cycle(tmp_path):
    frame = framework_rows()
    frame.loc[frame["code"] == "IN", "parent"] = "1.1"   # IN -> 1.1 -> 1 -> IN
    fw_error(tmp_path, frame, column="parent", match="cycle in the framework")


def test_framework_with_an_orphan_node(tmp_path):
    frame = framework_rows()
    i = int(frame.index[frame["code"] == "3.2.2"][0])
    frame.loc[i, "parent"] = "3.4"
    fw_error(tmp_path, frame, row=i + 2, column="parent", match="orphan node '3.2.2': parent '3.4' is not defined")


def test_framework_weights_that_do_not_sum_within_a_node(tmp_path):
    frame = framework_rows()
    frame.loc[frame["code"] == "7.2.1", "weight"] = "0.9"
    i = int(frame.index[frame["parent"] == "7.2"][0])
    fw_error(tmp_path, frame, row=i + 2, column="weight", match="children of '7.2' sum to 1.400000, not 1")


def test_framework_duplicate_code(tmp_path):
    frame = framework_rows()
    frame = pd.concat([frame, frame.iloc[[10]]], ignore_index=True)
    fw_error(tmp_path, frame, row=len(frame) + 1, column="code", match="duplicate node code")


def test_framework_bad_direction(tmp_path):
    frame = framework_rows()
    i = int(frame.index[frame["code"] == "2.1.3"][0])
    frame.loc[i, "direction"] = "down"
    fw_error(tmp_path, frame, row=i + 2, column="direction", match="must be 'higher' or 'lower'")


def test_framework_text_weight(tmp_path):
    frame = framework_rows()
    i = int(frame.index[frame["code"] == "4.1"][0])
    frame.loc[i, "weight"] = "half"
    fw_error(tmp_path, frame, row=i + 2, column="weight", match="is not a number")


def test_method_file_with_an_unknown_option(tmp_path):
    path = tmp_path / "method.yaml"
    path.write_text("method:\n  normalisation: minmax\n  winsorise_points: 5\n")
    with pytest.raises(PiiInputError, match="method.yaml, column 'winsorise_points': unknown method option"):
        load_method(path)
    path.write_text("method:\n  normalisation: percentile\n")
    with pytest.raises(PiiInputError, match="'percentile' is not one of minmax, zscore, rank"):
        load_method(path)


def test_pillar_scores_outside_0_100(tmp_path):
    frame = pd.DataFrame({"year": [2025], "province": ["Huế"], **{f"p{k}": [50.0] for k in range(1, 8)}})
    frame.loc[0, "p3"] = 130.0
    expect_error(write(frame, tmp_path / "pillars.csv"), row=2, column="p3", match="outside 0-100",
                 loader=lambda p: load_node_scores(p, FW, "pillar", method=default_method()))


def test_panel_arrays_are_the_tidy_values_and_each_call_its_own():
    """Panel.arrays (pivoted once per panel) puts every tidy value at its (year, province, indicator), NaN
    where absent, for any years and province order asked; a caller changing one result changes no other."""
    import numpy as np

    fw = default_framework()
    panel = load_panel(raw_file(DEMO_PANEL), fw)
    provinces = panel.provinces()[::-1][:7]
    years = panel.years[-2:]
    values, _ = panel.arrays(fw, provinces, years)
    assert values.shape == (len(years), len(provinces), len(fw.indicators))
    tidy = panel.values.drop_duplicates(["year", "province", "indicator"]).set_index(
        ["year", "province", "indicator"])["value"]
    for y, year in enumerate(years):
        for p, province in enumerate(provinces):
            for i, code in enumerate(fw.indicators):
                want = tidy.get((year, province, code), np.nan)
                assert values[y, p, i] == want or (np.isnan(values[y, p, i]) and np.isnan(want))
    values[...] = -1.0
    again, _ = panel.arrays(fw, provinces, years)
    assert not (again == -1.0).any()
