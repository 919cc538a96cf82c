"""`pii score`: the ranking in table, CSV and JSON; pillar-level input; one-line errors."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from pii_analysis.cli.main import main

COLUMNS = ["province", "rank", "pii", "input", "output", "p1", "p2", "p3", "p4", "p5", "p6", "p7"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_score_csv_has_the_ranking_columns_and_published_figures():
    code, out, _ = run("score", "--year", "2025", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert COLUMNS == list(table.columns[: len(COLUMNS)])
    assert len(table) == 34 and table["rank"].tolist() == sorted(table["rank"])
    top = table.iloc[0]
    assert top["province"] == "Hà Nội" and top["rank"] == 1 and abs(top["pii"] - 65.68) < 0.005


def test_score_table_says_the_data_are_demonstration_data():
    code, out, _ = run("score")
    assert code == 0
    assert "# data_status: demonstration" in out
    assert "Ninh Bình" in out and "p7" in out


def test_score_json_carries_the_method_record():
    code, out, _ = run("score", "--year", "2024", "--format", "json")
    data = json.loads(out)
    assert data["year"] == 2024 and data["data_status"] == "demonstration"
    assert data["method"]["outliers"] == "gii" and data["method"]["normalisation"] == "minmax"
    assert {r["province"] for r in data["rows"]} >= {"Phú Thọ", "Ninh Bình"}
    assert next(r for r in data["rows"] if r["province"] == "Phú Thọ")["rank"] == 17


def test_score_pillar_level_input(tmp_path):
    frame = pd.DataFrame({"year": [2025] * 3, "province": ["Huế", "Khanh Hoa", "TP.HCM"],
                          **{f"p{k}": [50.0, 40.0, 60.0] for k in range(1, 8)}})
    path = tmp_path / "pillars.csv"
    frame.to_csv(path, index=False)
    code, out, _ = run("score", "--data", str(path), "--level", "pillar", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["province"].tolist() == ["TP. Hồ Chí Minh", "Huế", "Khánh Hòa"]
    assert table["pii"].tolist() == pytest.approx([60.0, 50.0, 40.0])


def test_score_user_file_in_wide_form(tmp_path):
    from pii_analysis.data.paths import DEMO_PANEL, raw_file
    panel = pd.read_csv(raw_file(DEMO_PANEL))
    wide = panel[panel.year == 2025].pivot(index=["year", "province"], columns="indicator", values="value").reset_index()
    path = tmp_path / "mine.csv"
    wide.to_csv(path, index=False)
    code, out, _ = run("score", "--data", str(path), "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert code == 0 and table.iloc[0]["province"] == "Hà Nội"
    code, out, _ = run("score", "--data", str(path))
    assert "# data_status: user" in out


def test_bad_input_is_one_line_and_exit_status_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("year,province,indicator,value\n2025,Atlantis,1.1.1,5\n", encoding="utf-8")
    code, out, err = run("score", "--data", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "bad.csv, row 2, column 'province': unknown province 'Atlantis'" in err


def test_year_not_in_the_data():
    code, _, err = run("score", "--year", "2019")
    assert code == 2 and "year 2019 is not in the data (years: 2023, 2024, 2025)" in err


def test_a_reader_that_stops_early_is_not_an_error():
    """`pii score --format csv | head -1`: the command stops quietly, no 'Broken pipe' message. (`true`
    closes the pipe before the command writes, so the write always fails.)"""
    import subprocess
    import sys

    cmd = f'"{sys.executable}" -m pii_analysis.cli.main score --format csv | true'
    out = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True, text=True, timeout=120)
    assert out.stderr == "" and out.returncode == 0
