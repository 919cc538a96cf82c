"""A province's own profile never gives a quiet wrong answer: its status is what the file says, a typed
node score that contradicts its own indicators is refused (or accepted loudly), a blank or constant
national range is said with the row, and every reader names the spreadsheet row the user sees."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from pii_analysis.analysis.profile_level import analyse_profile, open_level
from pii_analysis.cli.main import main
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import KHANH_HOA_PROFILE, raw_file
from pii_analysis.report.level_pages import banner, warning_text

KH = raw_file(KHANH_HOA_PROFILE)
TITLE = "Hồ sơ PII 2025 (bản tự điền)\nĐơn vị: Sở KH&CN\n\n"   # two title rows and a blank line above the header


def write(path, frame: pd.DataFrame, title: str = "") -> str:
    path.write_text(title + frame.to_csv(index=False), encoding="utf-8")
    return str(path)


def kh_frame() -> pd.DataFrame:
    return pd.read_csv(KH, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ninh_binh(shipped, shipped_scores):
    """Ninh Bình's full 2025 profile as a user would type it: every indicator as its 0-100 score in the
    national range [0, 100] (the engine's numbers), every sub-pillar and pillar blank, PII blank."""
    fw = shipped[0]
    scores = shipped_scores.node_scores(2025, "indicator").loc["Ninh Bình", fw.indicators]
    nodes = fw.nodes
    rows = [{"year": 2025, "province": "Ninh Bình", "code": c, "level": nodes.at[c, "level"],
             "value": f"{scores[c]:.6f}" if c in scores.index else "",
             "national_min": "0" if c in scores.index else "", "national_max": "100" if c in scores.index else ""}
            for c in nodes.index]
    engine = shipped_scores.table.query("year == 2025 and province == 'Ninh Bình'").set_index("node")["score"]
    return pd.DataFrame(rows), engine


# --- data_status: what the user says -----------------------------------------------------------------
def test_a_made_up_profile_with_source_urls_is_the_users(tmp_path):
    frame = kh_frame().drop(columns="data_status")
    frame["source_url"] = "https://example.org/anything"                  # a URL is not a publication
    r = analyse_profile(write(tmp_path / "mine.csv", frame))
    assert r.data_status == "user"
    assert analyse_profile(KH).data_status == "published"                  # the shipped example says so
    frame["data_status"] = ""                                              # blank = user
    assert analyse_profile(write(tmp_path / "blank.csv", frame)).data_status == "user"
    frame["data_status"] = "published"                                     # marked by the user
    assert analyse_profile(write(tmp_path / "marked.csv", frame)).data_status == "published"
    frame.loc[3, "data_status"] = "user"                                   # one own figure: the file is the user's
    assert analyse_profile(write(tmp_path / "mixed.csv", frame)).data_status == "user"


def test_an_unknown_data_status_names_its_row(tmp_path):
    frame = kh_frame()
    frame.loc[4, "data_status"] = "official"
    with pytest.raises(PiiInputError, match="data_status 'official' must be 'user'") as info:
        analyse_profile(write(tmp_path / "p.csv", frame, TITLE))
    assert info.value.row == 4 + 2 + 3 and info.value.column == "data_status"   # 3 lines above the header


def test_the_template_writes_a_user_status(capsys, tmp_path):
    out = tmp_path / "t.csv"
    assert main(["template", "profile", "--province", "Ninh Bình", "--out", str(out)]) == 0
    t = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "data_status" in t.columns and (t["data_status"] == "user").all()


# --- typed node scores -------------------------------------------------------------------------------
def test_ninh_binh_pillar_6_typed_as_99_is_refused(tmp_path, ninh_binh):
    """The issue's case: pillar 6 = 99 typed by hand used to become the PII's pillar (PII up by 18 points)."""
    frame, engine = ninh_binh
    ok = analyse_profile(write(tmp_path / "nb.csv", frame, TITLE))
    assert ok.pii == pytest.approx(engine["PII"], abs=1e-6) and ok.mismatches.empty   # the engine's PII
    frame = frame.copy()
    at = int(frame.index[frame["code"] == "6"][0])
    frame.loc[at, "value"] = "99"
    path = write(tmp_path / "nb99.csv", frame, TITLE)
    with pytest.raises(PiiInputError) as info:
        analyse_profile(path)
    e = info.value
    assert e.file == path and e.row == at + 2 + 3 and e.column == "value"      # the row the user sees
    assert "node 6 (99.00)" in e.message and f"({engine['6']:.2f})" in e.message
    assert "--accept-typed-scores" in e.message
    code = main(["score", "--data", path])                                    # the CLI: exit 2, no traceback
    assert code == 2
    accepted = analyse_profile(path, accept_typed_scores=True)                # knowingly: used, and said
    assert accepted.pii == pytest.approx(engine["PII"] + 0.25 * (99 - engine["6"]), abs=1e-6)
    w = accepted.warnings[0]
    assert w["kind"] == "typed" and w["row"] == at + 5 and w["code"] == "6" and w["typed"] == 99.0
    assert w["check"] == f"differs by {engine['6'] - 99:+.2f}"
    for lang, word in (("en", "Warning"), ("vi", "Cảnh báo")):
        html = banner(accepted, lang)
        assert word in html and "pii-banner warning" in html and f"{at + 5}" in html


def test_accepted_typed_scores_are_loud_in_the_cli(capsys, tmp_path, ninh_binh):
    frame = ninh_binh[0].copy()
    frame.loc[frame["code"] == "6", "value"] = "99"
    path = write(tmp_path / "nb99.csv", frame)
    assert main(["score", "--data", path, "--accept-typed-scores"]) == 0
    out = capsys.readouterr()
    assert "# WARNING 1: Warning: row" in out.out and "node 6: the typed score 99.00 is used" in out.out
    assert "node 6: the typed score 99.00" in out.err
    assert main(["drivers", "--data", path, "--accept-typed-scores", "--format", "json"]) == 0
    assert "the typed score 99.00" in capsys.readouterr().out


def test_a_typed_score_within_rounding_is_accepted_silently(tmp_path, ninh_binh):
    frame, engine = ninh_binh
    frame = frame.copy()
    frame.loc[frame["code"] == "6", "value"] = f"{engine['6']:.2f}"         # as printed: 2 decimals
    r = analyse_profile(write(tmp_path / "nb.csv", frame))
    assert r.warnings == [] and r.scores.set_index("code").at["6", "check"] == "matches"


# --- national range: blank, or min == max -----------------------------------------------------------
def test_a_blank_national_max_is_said_with_its_row(tmp_path, ninh_binh):
    frame = ninh_binh[0].copy()
    at = int(frame.index[frame["code"] == "6.1.2"][0])
    frame.loc[at, "national_max"] = ""
    r = analyse_profile(write(tmp_path / "nb.csv", frame, TITLE))
    assert r.warnings == [{"kind": "blank_range", "row": at + 5, "code": "6.1.2", "columns": "national_max"}]
    assert pd.isna(r.pii)                                                      # not quietly: said why
    text = warning_text(r.warnings[0], "en")
    assert f"row {at + 5}: indicator 6.1.2" in text and "Fill national_max" in text


def test_national_min_equal_to_max_carries_no_weight_as_in_coinr(tmp_path, ninh_binh, shipped):
    """COINr's n_minmax gives NaN for a zero range and its weighted mean (a_amean) drops NaN and rescales:
    the other indicators of the sub-pillar share the constant one's weight."""
    frame, engine = ninh_binh
    frame = frame.copy()
    at = int(frame.index[frame["code"] == "6.1.2"][0])
    frame.loc[at, ["value", "national_min", "national_max"]] = ["7", "7", "7"]
    r = analyse_profile(write(tmp_path / "nb.csv", frame))
    s = r.scores.set_index("code")
    fw = shipped[0]
    w = fw.nodes.loc[["6.1.1", "6.1.3"], "weight"].astype(float)
    expect = (w["6.1.1"] * s.at["6.1.1", "computed"] + w["6.1.3"] * s.at["6.1.3", "computed"]) / w.sum()
    assert s.at["6.1", "computed"] == pytest.approx(expect, abs=1e-12)
    assert s.at["6.1.2", "basis"] == "same value in every province (no weight)"
    assert pd.notna(r.pii) and r.bounds.basis in ("interval", "bounded")      # never a silent blank PII
    assert r.bounds.text() != "—"
    assert r.warnings == [{"kind": "constant", "row": at + 2, "code": "6.1.2", "value": 7.0}]
    assert "COINr" in warning_text(r.warnings[0], "en") and "COINr" in warning_text(r.warnings[0], "vi")


# --- one row-numbering rule for every reader ---------------------------------------------------------
def test_profile_errors_name_the_row_below_title_rows(tmp_path):
    frame = kh_frame()
    row = int(frame.index[frame["name_vi"] == "Chính sách hỗ trợ doanh nghiệp"][0])
    frame.loc[row, "name_vi"] = "Không có chỉ số này"
    with pytest.raises(PiiInputError, match="unknown") as info:
        analyse_profile(write(tmp_path / "p.csv", frame, TITLE))
    assert info.value.row == row + 2 + 3
    frame = kh_frame()
    frame.loc[row, "value"] = "9.99"                                           # outside the national range
    with pytest.raises(PiiInputError, match="outside the national range") as info:
        open_level(write(tmp_path / "q.csv", frame, TITLE))
    assert info.value.row == row + 2 + 3
    frame = kh_frame().drop(columns="value")
    with pytest.raises(PiiInputError, match="required column is missing") as info:
        analyse_profile(write(tmp_path / "r.csv", frame, TITLE))
    assert info.value.row == 4                                                 # the header row itself


@pytest.mark.parametrize("reader", ["levers", "targets", "panel", "regions", "default_targets", "framework"])
def test_every_reader_names_the_row_below_title_rows(tmp_path, reader, shipped):
    """Two title rows and a blank line above the header: the bad cell's row is the one a spreadsheet shows."""
    from pii_analysis.data import paths
    fw = shipped[0]
    if reader == "levers":
        from pii_analysis.data.levers import LEVERS, load_levers
        frame = pd.read_csv(paths.raw_file(LEVERS), dtype=str, keep_default_na=False)
        frame.loc[5, "controllability"] = "sometimes"
        call, bad = (lambda p: load_levers(p, fw.indicators)), 5
    elif reader == "targets":
        from pii_analysis.data.targets import load_targets
        frame = pd.read_csv(paths.raw_file(paths.TARGETS), dtype=str, keep_default_na=False)
        bad = len(frame) - 1
        frame.loc[bad, "year"] = "2030.5"
        call = load_targets
    elif reader == "panel":
        from pii_analysis.data.loading import load_panel
        frame = pd.read_csv(paths.raw_file(paths.DEMO_PANEL), dtype=str, keep_default_na=False)
        bad = 40
        frame.loc[bad, "value"] = "n/a?"
        def call(p):
            return load_panel(p, fw)
    elif reader == "regions":
        from pii_analysis.data.regions import load_regions, regions_file
        frame = pd.read_csv(regions_file(), dtype=str, keep_default_na=False)
        bad = 7
        frame.loc[bad, "region_en"] = ""
        call = load_regions
    elif reader == "default_targets":
        from pii_analysis.analysis.targets import DEFAULTS_FILE, load_default_rules
        frame = pd.read_csv(paths.raw_dir() / DEFAULTS_FILE, dtype=str, keep_default_na=False)
        bad = 1
        frame.loc[bad, "target_kind"] = "win_everything"
        call = load_default_rules
    else:
        from pii_analysis.index.framework import load_framework
        frame = pd.read_csv(paths.raw_file("pii_framework.csv"), dtype=str, keep_default_na=False)
        bad = 12
        frame.loc[bad, "code"] = frame.loc[3, "code"]
        call = load_framework
    path = write(tmp_path / f"{reader}.csv", frame, TITLE)
    with pytest.raises(PiiInputError) as info:
        call(path)
    assert info.value.row == bad + 2 + 3, str(info.value)
    if reader == "framework":
        assert f"first at row {3 + 2 + 3}" in info.value.message


def test_score_csv_of_a_profile_carries_its_status(capsys):
    assert main(["score", "--data", str(KH), "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"code": str})
    assert (table["data_level"] == "profile").all()
