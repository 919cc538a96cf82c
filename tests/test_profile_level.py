"""The profile data level: one province's profile (raw values with the national min and max) and the
published totals of the others. Golden tests on the real, published Khánh Hòa 2025 profile."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis.profile_level import analyse, analyse_profile
from pii_analysis.cli.main import main
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import default_resolver, load_published
from pii_analysis.data.paths import KHANH_HOA_PROFILE, raw_file
from pii_analysis.data.profile import read_profile
from pii_analysis.index.framework import default_framework
from pii_analysis.index.profile_scores import score_profile

KH = raw_file(KHANH_HOA_PROFILE)


@pytest.fixture(scope="module")
def kh():
    return analyse_profile(KH)


def node(result, code):
    return result.scores.set_index("code").loc[code]


def test_khanh_hoa_profile_reproduces_its_published_scores(kh):
    """Min-max of the displayed raw values, plain means: the published sub-pillar and pillar scores."""
    assert node(kh, "1.1")["computed"] == pytest.approx(58.90, abs=0.01)
    assert node(kh, "1.2")["computed"] == pytest.approx(58.62, abs=0.15)   # raw values displayed rounded
    assert node(kh, "2.1")["computed"] == pytest.approx(31.36, abs=0.15)
    assert node(kh, "1")["computed"] == pytest.approx(58.76, abs=0.01)     # from its sub-pillars
    assert node(kh, "2")["computed"] == pytest.approx(38.15, abs=0.01)
    assert kh.mismatches.empty                                             # all within rounding
    assert kh.pii == 46.54 and kh.rank == 9 and kh.rank_basis == "published"
    assert kh.profile.province == "Khánh Hòa" and kh.profile.year == 2025


def test_a_difference_beyond_rounding_is_reported_by_node(tmp_path):
    frame = pd.read_csv(KH, dtype=str, keep_default_na=False)
    frame.loc[frame["name_vi"] == "Môi trường chính sách", "value"] = "61.90"   # published 3 points off
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PiiInputError) as info:                  # never a silent override
        analyse_profile(path)
    e = info.value
    assert e.file == str(path) and e.row == 3 and e.column == "value"   # spreadsheet row of 1.1
    assert "node 1.1 (61.90)" in e.message and "(58.90)" in e.message
    r = analyse_profile(path, accept_typed_scores=True)         # accepted knowingly: said
    checks = r.mismatches.set_index("code")["check"]
    assert checks["1.1"] == "differs by -3.00"                  # named, with the difference
    assert checks["1"] == "differs by +1.50"                    # the pillar no longer adds up either
    assert node(r, "1.1")["score"] == 61.90
    assert {"kind": "typed", "row": 3, "code": "1.1", "typed": 61.90, "check": "differs by -3.00"} in r.warnings


def test_names_match_regardless_of_case_and_diacritics_and_codes_work(tmp_path):
    from pii_analysis.data.provinces import name_key
    frame = pd.read_csv(KH, dtype=str, keep_default_na=False)
    frame["name_vi"] = [name_key(n) if i % 2 else n.upper() for i, n in enumerate(frame["name_vi"])]
    frame = frame.drop(columns=["pillar", "subpillar", "position"])
    path = tmp_path / "plain.csv"
    frame.to_csv(path, index=False)
    a, b = analyse_profile(path), analyse_profile(KH)
    pd.testing.assert_series_equal(a.scores["computed"], b.scores["computed"])
    coded = pd.read_csv(KH, dtype=str, keep_default_na=False)
    coded["code"] = b.profile.rows.index
    coded["name_vi"] = ""
    coded.to_csv(path, index=False)
    pd.testing.assert_series_equal(analyse_profile(path).scores["computed"], b.scores["computed"])


@pytest.mark.parametrize("column, value, match", [
    ("name_vi", "Chính sách hỗ trợ doanh nhiệp", "closest names: Chính sách hỗ trợ doanh nghiệp"),
    ("value", "9.99", "outside the national range"),
    ("value", "abc", "'abc' is not a number"),
    ("province", "Atlantis", "unknown province"),
])
def test_bad_profile_rows_name_file_row_and_column(tmp_path, column, value, match):
    frame = pd.read_csv(KH, dtype=str, keep_default_na=False)
    row = int(frame.index[frame["name_vi"] == "Chính sách hỗ trợ doanh nghiệp"][0])
    if column == "province":
        frame["province"] = value
    else:
        frame.loc[row, column] = value
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PiiInputError, match=match) as info:
        analyse_profile(path)
    assert str(path) in str(info.value)
    if column != "province":
        assert info.value.row == row + 2


def test_profile_arithmetic_equals_the_engine_on_a_complete_profile(shipped, shipped_scores):  # noqa: F811
    """A profile holding every indicator (scores as values, range 0-100) gives the engine's PII."""
    fw = shipped[0]
    scores = shipped_scores.node_scores(2025, "indicator")
    for province in ("Ninh Bình", "Hà Nội", "Lai Châu"):
        rows = pd.DataFrame({"code": fw.indicators, "value": scores.loc[province, fw.indicators].to_numpy(),
                             "national_min": 0.0, "national_max": 100.0, "level": "indicator",
                             "name_vi": "", "unit": "", "source_url": "", "row": 0}).set_index("code")
        from pii_analysis.data.profile import Profile
        t = score_profile(Profile(province, 2025, rows, "test"), fw).set_index("code")
        got = shipped_scores.table.query("year == 2025 and province == @province").set_index("node")["score"]
        for code in ("PII", "IN", "OUT", "1", "7", "2.2"):
            assert t.at[code, "computed"] == pytest.approx(got[code], abs=1e-9)


def test_drivers_in_own_units_are_exact_inside_the_national_range(kh):
    """Rescore after moving one value by the drivers' rate: the PII moves exactly as said."""
    fw = default_framework()
    profile = kh.profile
    rows = profile.rows.copy()
    base = score_profile(profile, fw).set_index("code")
    for _, d in kh.drivers.iterrows():
        code = d["code"]
        step = 0.5 * (d["national_max"] - d["value"])            # stays inside [min, max]
        moved = rows.copy()
        moved.loc[code, "value"] = d["value"] + step
        after = score_profile(type(profile)(profile.province, profile.year, moved, "t"), fw,
                              accept_typed=True).set_index("code")   # the typed sub-pillar no longer adds up
        # the pillar holds published scores, so compare at the sub-pillar: weight inside it x 100 / range
        parent = fw.nodes.at[code, "parent"]
        ew = fw.effective_weights()
        share = ew[code] / sum(ew[c] for c in fw.children[parent])
        assert after.at[parent, "computed"] - base.at[parent, "computed"] == pytest.approx(
            d["pii_per_unit"] * step * share / ew[code], rel=1e-9)
        # capped: the PII gain can never exceed weight x (100 - score)
        assert d["max_pii_gain"] == pytest.approx(ew[code] * (100 - d["score"]))
    assert not kh.drivers["reachable_alone"].any()   # Bắc Ninh is 2.22 points above: no single indicator


def test_rank_gaps_in_pii_and_pillar_points(kh):
    s = kh.standing.set_index("province")
    assert s.at["Bắc Ninh", "gap_pii"] == pytest.approx(48.76 - 46.54)
    assert s.at["Bắc Ninh", "gap_p1"] == pytest.approx((48.76 - 46.54) / 0.1)    # input pillar: 1/10 of the PII
    assert s.at["Bắc Ninh", "gap_p7"] == pytest.approx((48.76 - 46.54) / 0.25)   # output pillar: 1/4
    published = load_published().query("year == 2025 and status == 'published'").dropna(subset=["pii_score"])
    assert len(s) == len(published) - 1


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_cli_score_prints_the_profile_level_table(capsys):
    code, out, _ = run(capsys, "score", "--data", str(KH))
    assert code == 0 and "# data_level: profile" in out and "# province: Khánh Hòa" in out
    line = next(x for x in out.splitlines() if x.lstrip().startswith("1.1 "))
    assert "58.90" in line and "matches" in line
    code, out, _ = run(capsys, "score", "--data", str(KH), "--format", "csv")
    table = pd.read_csv(io.StringIO(out), dtype={"code": str})
    assert (table["data_level"] == "profile").all()
    assert table.set_index("code").at["1.1", "computed"] == pytest.approx(58.8993, abs=1e-4)


def test_cli_drivers_at_profile_level_and_template_round_trip(capsys, tmp_path):
    code, out, _ = run(capsys, "drivers", "--data", str(KH))
    assert code == 0 and "# data_level: profile" in out and "Bắc Ninh (rank 6" in out
    xlsx = tmp_path / "kh.xlsx"
    code, out, _ = run(capsys, "template", "profile", "--province", "Khanh Hoa", "--out", str(xlsx))
    assert code == 0
    blank = pd.read_excel(xlsx, dtype=str, keep_default_na=False)
    fw = default_framework()
    assert list(blank["code"]) == list(fw.nodes.index) and len(blank) == 80
    assert blank.set_index("code").at["PII", "value"] == "46.54"       # published scores prefilled
    kh = pd.read_csv(KH, dtype=str, keep_default_na=False)
    codes = read_profile(KH, fw.nodes, default_resolver()).rows.index
    filled = blank.set_index("code")
    for code_, (_, r) in zip(codes, kh.iterrows()):
        filled.loc[code_, ["value", "national_min", "national_max"]] = [r["value"], r["national_min"],
                                                                        r["national_max"]]
    filled.reset_index().to_excel(xlsx, index=False)
    a = analyse_profile(xlsx)
    b = analyse_profile(KH)
    assert np.allclose(a.scores["computed"].to_numpy(dtype=float), b.scores["computed"].to_numpy(dtype=float),
                       equal_nan=True)


def test_old_province_names_resolve_with_a_note(capsys):
    code, out, _ = run(capsys, "drivers", "--province", "Hà Nam")
    assert code == 0 and "# province: Ninh Bình" in out and "Hà Nam → Ninh Bình (merged 2025)" in out
    assert default_resolver().merger_note("Nam Dinh") == "Nam Định → Ninh Bình (merged 2025)"
    assert default_resolver().merger_note("Ninh Bình") == ""
    code, _, err = run(capsys, "drivers", "--province", "Atlantis")
    assert code == 2 and "unknown province" in err


def test_profile_of_an_old_province_name_maps_to_today(tmp_path):
    frame = pd.read_csv(KH, dtype=str, keep_default_na=False)
    frame["province"] = "Ninh Thuận"    # merged into Khánh Hòa in 2025
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    r = analyse(read_profile(path, default_framework().nodes, default_resolver()), default_framework(),
                load_published())
    assert r.profile.province == "Khánh Hòa" and r.profile.note == "Ninh Thuận → Khánh Hòa (merged 2025)"
