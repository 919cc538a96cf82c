"""Hostile and malformed input (issue 13): numbers read by one rule, validated framework, method and
targets, real workbook layouts, and no traceback from the command line. Every test builds its input
from the shipped files at test time, so a new framework or demonstration panel changes no expectation."""
from __future__ import annotations

import builtins
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pii_analysis.cli.main import main
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import load_panel
from pii_analysis.data.targets import load_targets
from pii_analysis.data.paths import DEMO_PANEL, raw_dir, raw_file
from pii_analysis.index.framework import default_framework, load_framework
from pii_analysis.index.method import load_method
from pii_analysis.index.scores import score_panel

FW = default_framework()
NODES = FW.nodes.loc[FW.indicators]


def pick(mask: pd.Series) -> str:
    codes = list(NODES.index[mask])
    if not codes:
        pytest.skip("the framework has no indicator of this kind")
    return str(codes[0])


BOUNDED = lambda: pick((NODES["denominator"] == "none") & NODES["max_value"].notna())  # noqa: E731
UNBOUNDED = lambda: pick((NODES["denominator"] == "none") & NODES["max_value"].isna())  # noqa: E731
PER_POP = lambda: pick(NODES["denominator"] == "population")  # noqa: E731


@pytest.fixture(scope="module")
def latest() -> pd.DataFrame:
    """The demonstration panel's latest year (indicators and denominators) as text, as a user file would be."""
    panel = pd.read_csv(raw_file(DEMO_PANEL), dtype=str, keep_default_na=False)
    year = max(panel["year"])
    return panel[panel["year"] == year][["year", "province", "indicator", "value"]].reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path, **kw) -> Path:
    frame.to_csv(path, index=False, **kw)
    return path


def wide(frame: pd.DataFrame) -> pd.DataFrame:
    """Provinces x codes, one sheet of a year, numbers as floats."""
    w = frame.assign(value=frame["value"].astype(float)).pivot(index="province", columns="indicator", values="value")
    return w.reset_index()[["province", *[c for c in w.columns if c in FW.indicators or c in
                                          ("population", "enterprises", "grdp")]]]


def error_of(path, **kw) -> PiiInputError:
    with pytest.raises(PiiInputError) as info:
        load_panel(path, FW, **kw)
    assert Path(path).name in str(info.value)
    return info.value


def ranking(panel):
    year = panel.years[-1]
    return score_panel(panel, FW).ranking(year).set_index("province")


def row_of(frame, province, indicator) -> int:
    return int(frame.index[(frame["province"] == province) & (frame["indicator"] == indicator)][0])


# --- 1. numbers read by a rule ------------------------------------------------------------------------
def test_thousands_marks_are_read_as_thousands_not_decimals(tmp_path, latest):
    """'1,234,567' in a column whose other cells use '.' decimals is a million and more, never 1.234."""
    frame = latest.copy()
    i = row_of(frame, "Hà Nội", "population")
    population = float(frame.loc[i, "value"])
    frame.loc[i, "value"] = f"{population:,.2f}"          # 8,685,600.00
    panel = load_panel(write(frame, tmp_path / "f.csv"), FW)
    den = panel.denominators.set_index("province").loc["Hà Nội", "population"]
    assert den == pytest.approx(round(population, 2))


def test_a_vietnamese_file_with_decimal_commas_scores_like_the_original(tmp_path, latest):
    """Every number written the Vietnamese way ('1.234.567,5'; ';' separated, as Excel saves it there)."""
    frame = latest.copy()
    frame["value"] = [f"{float(v):,.6f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in frame["value"]]
    vi = load_panel(write(frame, tmp_path / "vi.csv", sep=";"), FW)
    original = load_panel(write(latest, tmp_path / "en.csv"), FW)
    a, b = ranking(vi), ranking(original)
    assert (a["rank"] == b.loc[a.index, "rank"]).all()
    assert (a["pii"] - b.loc[a.index, "pii"]).abs().max() < 1e-3


def test_a_column_of_ambiguous_numbers_is_refused_naming_its_cells_unless_decimal_is_given(tmp_path, latest):
    """A file whose only marks are ',' + three digits: no cell says which mark is the decimal one."""
    code = BOUNDED()
    frame = wide(latest)
    numbers = frame.columns[1:]
    frame[numbers] = frame[numbers].round().astype("Int64")          # whole numbers: no mark at all
    hi = float(NODES.at[code, "max_value"])
    frame[code] = ["1,250", "2,500"] + ["3,125"] * (len(frame) - 2)    # thousands or fractions?
    frame.insert(0, "year", max(latest["year"]))
    path = write(frame, tmp_path / "wide.csv")
    err = error_of(path)
    assert "cannot tell whether ',' or '.' is the decimal mark" in err.message
    assert "'1,250' (row 2, column" in err.message and "--decimal" in err.message
    if hi >= 3.125:
        panel = load_panel(path, FW, decimal=",")
        values = panel.values[panel.values["indicator"] == code]["value"]
        assert sorted(values.unique()) == [1.25, 2.5, 3.125]


def test_a_column_mixing_decimal_marks_is_refused(tmp_path, latest):
    frame = latest.copy()
    frame.loc[3, "value"] = "12,5"   # the rest of the column uses '.'
    err = error_of(write(frame, tmp_path / "f.csv"))
    assert "mixes decimal marks" in err.message and "'12,5' (row 5" in err.message


@pytest.mark.parametrize("value", ["inf", "-Infinity", "1e400"])
def test_non_finite_values_are_refused_naming_the_cell(tmp_path, latest, value):
    frame = latest.copy()
    i = row_of(frame, "Huế", UNBOUNDED())
    frame.loc[i, "value"] = value
    err = error_of(write(frame, tmp_path / "f.csv"))
    assert err.row == i + 2 and "not a finite number" in err.message


def test_an_implausibly_large_value_is_refused_even_without_a_declared_maximum(tmp_path, latest):
    frame = latest.copy()
    i = row_of(frame, "Huế", UNBOUNDED())
    frame.loc[i, "value"] = "1e308"
    err = error_of(write(frame, tmp_path / "f.csv"))
    assert err.row == i + 2 and "implausibly large" in err.message


def test_a_value_outside_the_declared_range_is_refused(tmp_path, latest):
    code = BOUNDED()
    frame = latest.copy()
    i = row_of(frame, "Huế", code)
    frame.loc[i, "value"] = str(float(NODES.at[code, "max_value"]) * 10 + 1)
    err = error_of(write(frame, tmp_path / "f.csv"))
    assert err.row == i + 2 and f"outside the possible range of indicator {code}" in err.message


def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(tmp_path, latest):
    path = tmp_path / "book.xlsx"
    frame = wide(latest)
    frame.to_excel(path, sheet_name=str(max(latest["year"])), index=False)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet["C5"] = "=C3+C4"          # written by a program that does not calculate: no saved value
    book.save(path)
    err = error_of(path)
    assert "C5" in err.message and "formula" in err.message and "save it" in err.message and err.row == 5


def test_a_blank_denominator_an_indicator_needs_is_refused(tmp_path, latest):
    frame = latest.copy()
    PER_POP()
    i = row_of(frame, "Huế", "population")
    frame.loc[i, "value"] = ""
    err = error_of(write(frame, tmp_path / "f.csv"))
    assert err.row == i + 2 and "population of Huế" in err.message and "is blank" in err.message


def test_an_indicator_equal_for_every_province_is_reported(tmp_path, latest):
    code = BOUNDED()
    frame = latest.copy()
    frame.loc[frame["indicator"] == code, "value"] = "1"
    panel = load_panel(write(frame, tmp_path / "f.csv"), FW)
    assert any(note.startswith(f"indicator {code} has the same value (1) for every province") for note in panel.notes)


# --- 2. framework, method, targets -------------------------------------------------------------------
def framework_rows() -> pd.DataFrame:
    return pd.read_csv(raw_file("pii_framework.csv"), dtype=str, keep_default_na=False)


def test_a_framework_without_a_direction_column_is_refused(tmp_path):
    path = write(framework_rows().drop(columns="direction"), tmp_path / "fw.csv")
    with pytest.raises(PiiInputError, match="column 'direction': required column is missing"):
        load_framework(path)


def test_a_blank_direction_of_an_indicator_is_refused(tmp_path):
    frame = framework_rows()
    code = str(NODES.index[-1])
    i = int(frame.index[frame["code"] == code][0])
    frame.loc[i, "direction"] = ""
    with pytest.raises(PiiInputError, match=f"row {i + 2}, column 'direction': direction of indicator '{code}' is blank"):
        load_framework(write(frame, tmp_path / "fw.csv"))


@pytest.mark.parametrize("body, message", [
    ("method:\n  skew_threshold: .nan\n", "column 'skew_threshold': 'nan' is not a number from 0 to 100"),
    ("method:\n  skew_threshold: -1\n", "'-1' is not a number from 0 to 100"),
    ("method:\n  kurtosis_threshold: yes\n", "'True' is not a number"),
    ("method:\n  max_winsorised: 2.5\n", "'2.5' is not a whole number from 0 to 100"),
    ("method:\n  rank_decimals: '9'\n", "'9' is not a whole number"),
    ("method:\n  normalisation: min-max\n", "'min-max' is not one of minmax, zscore, rank (did you mean 'minmax'?)"),
    ("method:\n  aggregation: [arithmetic]\n", "is not one of arithmetic, geometric"),
    ("method:\n  outlier: gii\n", "column 'outlier': unknown method option (did you mean 'outliers'?)"),
    ("method:\n", "must be a mapping of option: value, got nothing"),
    ("method:\n  - minmax\n", "must be a mapping of option: value, got list"),
    ("- minmax\n", "expected a mapping of option: value"),
    ("method: [\n", "not valid YAML"),
])
def test_every_method_value_is_checked(tmp_path, body, message):
    path = tmp_path / "method.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PiiInputError) as info:
        load_method(path)
    assert message in str(info.value) and "method.yaml" in str(info.value)


def test_a_method_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "method.yaml"
    path.write_bytes("# phương pháp\nmethod:\n  missing: available\n".encode("utf-16"))
    with pytest.raises(PiiInputError, match="not UTF-8"):
        load_method(path)


@pytest.mark.parametrize("rank", ["0", "40", "2.5"])
def test_target_ranks_outside_1_to_n_are_refused(tmp_path, rank):
    frame = pd.read_csv(raw_file("province_targets.csv"), dtype=str, keep_default_na=False)
    i = int(frame.index[frame["kind"] == "rank"][0])
    frame.loc[i, "value"] = rank
    with pytest.raises(PiiInputError) as info:
        load_targets(write(frame, tmp_path / "targets.csv"))
    assert info.value.row == i + 2 and "must be a whole number from 1 to 34" in info.value.message


# --- 3. workbook layouts people send --------------------------------------------------------------------
def report_sheet(path: Path, frame: pd.DataFrame, year: str, *, extra_sheets=()) -> Path:
    """A sheet as a provincial office makes it: title rows, STT and Ghi chú columns, a national total
    row, Vietnamese headers and Excel's trailing empty rows and columns."""
    book = openpyxl.Workbook()
    for name, state in extra_sheets:
        if name == "__first__":
            book.active.title = "Trống"          # an empty first sheet
            continue
        ws = book.create_sheet(name)
        ws.sheet_state = state
        ws.append(["province", *frame.columns[1:]])
        ws.append(["Huế", *[999999.0] * (len(frame.columns) - 1)])   # a draft: must never be read
    ws = book.create_sheet(year) if extra_sheets else book.active
    ws.title = year
    ws.append(["BẢNG SỐ LIỆU CHỈ SỐ PII NĂM " + year])
    ws.append(["Nguồn: Sở Khoa học và Công nghệ"])
    ws.append([])
    ws.append(["STT", "Tỉnh/thành phố", *frame.columns[1:], "Ghi chú"])
    for k, rec in enumerate(frame.itertuples(index=False), start=1):
        ws.append([k, rec[0], *rec[1:], "ước tính" if k == 3 else None])
    ws.append([None, "Cả nước", *frame.iloc[:, 1:].mean().tolist(), None])
    for _ in range(5):                                   # formatted but empty rows and columns
        ws.append([None] * (len(frame.columns) + 4))
    ws.cell(row=1, column=len(frame.columns) + 6).value = None
    book.save(path)
    return path


def test_a_report_style_sheet_scores_like_the_clean_file(tmp_path, latest):
    year = max(latest["year"])
    path = report_sheet(tmp_path / "so_lieu.xlsx", wide(latest), year)
    a, b = ranking(load_panel(path, FW)), ranking(load_panel(write(latest, tmp_path / "f.csv"), FW))
    assert (a["rank"] == b.loc[a.index, "rank"]).all() and len(a) == len(b)
    assert (a["pii"] - b.loc[a.index, "pii"]).abs().max() < 1e-9


def test_hidden_sheets_are_ignored_unless_named_and_an_empty_first_sheet_is_skipped(tmp_path, latest):
    year = max(latest["year"])
    path = report_sheet(tmp_path / "book.xlsx", wide(latest), year,
                        extra_sheets=[("__first__", None), (f"{int(year) + 1}", "hidden")])
    panel = load_panel(path, FW)
    assert panel.years == [int(year)]
    err = error_of(path, sheet=str(int(year) + 1))     # named: read, and its draft value is refused
    assert "outside the possible range" in err.message or "implausibly" in err.message or "has no value" in err.message


def test_an_empty_year_sheet_among_full_ones_is_skipped(tmp_path, latest):
    year = max(latest["year"])
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        wide(latest).to_excel(xl, sheet_name=year, index=False)
        pd.DataFrame().to_excel(xl, sheet_name=str(int(year) + 1), index=False)
    assert load_panel(path, FW).years == [int(year)]


def test_sheet_option_chooses_a_sheet(tmp_path, latest):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["cover page"]}).to_excel(xl, sheet_name="Bìa", index=False)
        latest.to_excel(xl, sheet_name="Dữ liệu", index=False)
    assert "neither long" in error_of(path).message
    assert load_panel(path, FW, sheet="Dữ liệu").years == [int(max(latest["year"]))]


def test_legacy_xls_is_read(tmp_path, latest):
    xlwt = pytest.importorskip("xlwt")
    frame = wide(latest)
    book = xlwt.Workbook()
    ws = book.add_sheet(max(latest["year"]))
    for j, name in enumerate(frame.columns):
        ws.write(0, j, name)
    for i, rec in enumerate(frame.itertuples(index=False), start=1):
        for j, v in enumerate(rec):
            ws.write(i, j, v)
    path = tmp_path / "old.xls"
    book.save(str(path))
    a, b = ranking(load_panel(path, FW)), ranking(load_panel(write(latest, tmp_path / "f.csv"), FW))
    assert (a["rank"] == b.loc[a.index, "rank"]).all()


def test_a_broken_workbook_is_refused(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "cannot open as an Excel workbook" in error_of(path).message


def test_duplicate_headers_are_refused(tmp_path, latest):
    frame = wide(latest)
    frame.insert(0, "year", max(latest["year"]))
    text = frame.to_csv(index=False).splitlines()
    code = frame.columns[3]
    text[0] = text[0].replace(frame.columns[4], code, 1)
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(text), encoding="utf-8")
    assert f"column '{code}' appears twice" in error_of(path).message


# --- 4. no traceback: the command line ---------------------------------------------------------------
def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """A copy of data/raw that a test may spoil (method, framework), used through $PII_DATA_DIR."""
    target = tmp_path / "raw"
    shutil.copytree(raw_dir(), target)
    monkeypatch.setenv("PII_DATA_DIR", str(target))
    return target


def test_one_province_panel(tmp_path, capsys, latest):
    path = write(latest[latest["province"] == "Huế"], tmp_path / "one.csv")
    code, err = run_cli(capsys, "score", "--data", str(path))
    assert code == 2 and "at least two are needed" in err


def test_a_directory_as_data(tmp_path, capsys):
    code, err = run_cli(capsys, "score", "--data", str(tmp_path))
    assert code == 2 and "expected a file, got a directory" in err


def test_an_unreadable_data_file(tmp_path, capsys, latest, monkeypatch):
    path = write(latest, tmp_path / "locked.csv")
    real_open = builtins.open

    def locked(file, *a, **kw):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", locked)
    code, err = run_cli(capsys, "score", "--data", str(path))
    assert code == 2 and "permission denied" in err


@pytest.mark.parametrize("body", ["method:\n", "method:\n  - minmax\n", "method:\n  skew_threshold: .nan\n"])
def test_a_bad_method_file(data_dir, capsys, body):
    (data_dir / "pii_method.yaml").write_text(body, encoding="utf-8")
    code, err = run_cli(capsys, "score")
    assert code == 2 and "pii_method.yaml" in err


def test_a_method_file_in_another_encoding(data_dir, capsys):
    (data_dir / "pii_method.yaml").write_bytes("# Phương pháp\nmethod:\n  missing: available\n".encode("cp1258"))
    code, err = run_cli(capsys, "score")
    assert code == 2 and "not UTF-8" in err


def test_sheet_and_decimal_options(tmp_path, capsys, latest):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["cover"]}).to_excel(xl, sheet_name="Bìa", index=False)
        latest.to_excel(xl, sheet_name="Dữ liệu", index=False)
    code, _ = run_cli(capsys, "score", "--data", str(path), "--sheet", "Dữ liệu", "--decimal", ".", "--format", "csv")
    assert code == 0
    code, err = run_cli(capsys, "score", "--data", str(path), "--sheet", "Nope")
    assert code == 2 and "sheet 'Nope' not found" in err


def test_huge_draws_are_bounded_by_the_memory_they_need(capsys):
    code, err = run_cli(capsys, "feasibility", "--draws", "100000000000")
    assert code == 2 and "GiB of memory" in err and "use at most" in err


@pytest.mark.parametrize("option", ["--out", "--processed"])
def test_an_output_directory_that_cannot_be_written(tmp_path, capsys, option, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    code, err = run_cli(capsys, "report", option, str(blocker / "sub"), "--no-progress")
    assert code == 2 and str(blocker) in err


@pytest.mark.slow
def test_input_files_are_never_changed(tmp_path, latest):
    path = report_sheet(tmp_path / "book.xlsx", wide(latest), max(latest["year"]))
    before = path.read_bytes()
    load_panel(path, FW)
    assert path.read_bytes() == before
    assert np.isfinite(ranking(load_panel(path, FW))["pii"]).all()


def test_a_scenario_file_that_is_not_utf8_or_not_a_file(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_bytes("name: x\nlabel:\n  vi: \"Kịch bản\"\n".encode("utf-16"))
    code, err = run_cli(capsys, "feasibility", "--draws", "20", "--scenario", str(path))
    assert code == 2 and "not UTF-8" in err
    code, err = run_cli(capsys, "feasibility", "--draws", "20", "--scenario", str(tmp_path) + "/")
    assert code == 2


def test_the_cli_says_an_internal_error_in_one_line(capsys, monkeypatch):
    """A bug is a bug, but even then the user sees one line and exit status 1, not a traceback."""
    from pii_analysis.cli import score

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(score, "run", broken)
    monkeypatch.delenv("PII_DEBUG", raising=False)
    code, err = run_cli(capsys, "score")
    assert code == 1 and "internal error: ZeroDivisionError" in err


def test_a_mistyped_year_that_leaves_one_province_in_a_year_is_refused(tmp_path):
    """Found by the property test: one year cell changed to 2026 made a year of one province (KeyError)."""
    import pandas as pd

    from pii_analysis.data.paths import DEMO_PANEL, raw_file
    from pii_analysis.index.context import load_context

    panel = pd.read_csv(raw_file(DEMO_PANEL), dtype=str, keep_default_na=False)
    latest = panel[panel["year"] == max(panel["year"])]
    wide = latest.pivot(index="province", columns="indicator", values="value").reset_index()
    wide.insert(0, "year", "2025")
    wide.loc[0, "year"] = "2026"
    path = tmp_path / "panel.csv"
    wide.to_csv(path, index=False)
    with pytest.raises(PiiInputError, match=r"year 2026 holds only An Giang; every year needs at least two"):
        load_context(path)
