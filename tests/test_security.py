"""Untrusted files (issue 13): names from data files never run as script in a page, never start a
formula in a spreadsheet, and a file planted in the run's cache is never unpickled."""
from __future__ import annotations

import io
import os
import pickle

import nbformat
import pandas as pd
import pytest

from pii_analysis.analysis import cache
from pii_analysis.data.errors import PiiInputError
from pii_analysis.report import run as report
from pii_analysis.report.files import csv_text, inside, neutralise, write_excel
from pii_analysis.report.styling import styled

SCRIPT = '<script>alert("pii")</script>'


def test_formula_like_text_cells_are_neutralised_but_numbers_are_not():
    frame = pd.DataFrame({"province": ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@SUM(A1)", "\tx", "Huế"],
                          "change": [-3.5, 2.0, -0.25, 1.0, 0.0, -7.0],
                          "mixed": ["-2", -2, "ok", None, "=1", 3.5]})
    out = neutralise(frame)
    assert out["province"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-cmd", "'@SUM(A1)", "'\tx", "Huế"]
    assert out["change"].tolist() == frame["change"].tolist()            # negative numbers stay numbers
    assert out["mixed"].tolist()[:2] == ["'-2", -2] and out["mixed"].iloc[4] == "'=1"
    back = pd.read_csv(io.StringIO(csv_text(frame)), dtype=str, keep_default_na=False)
    assert all(not v.startswith(("=", "+", "-", "@", "\t")) for v in back["province"])
    assert back["change"].tolist()[:3] == ["-3.5", "2.0", "-0.25"]


def test_excel_outputs_are_neutralised(tmp_path):
    path = write_excel({"=x": pd.DataFrame({"name": ["=1+1"], "v": [-1.0]})}, tmp_path / "out.xlsx")
    back = pd.read_excel(path, sheet_name=None)
    (name, sheet), = back.items()
    assert name == "'=x" and sheet["name"].iloc[0] == "'=1+1" and sheet["v"].iloc[0] == -1.0


def test_output_paths_cannot_leave_the_output_directory(tmp_path):
    assert inside(tmp_path, "a/b.csv") == (tmp_path / "a" / "b.csv").resolve()
    for bad in ("../x.csv", "a/../../x.csv", "/etc/passwd"):
        with pytest.raises(PiiInputError, match="would leave the output directory"):
            inside(tmp_path, bad)
    assert report.slug("../../etc") == "etc" and report.slug(SCRIPT) == "script-alert-pii-script"
    assert report.slug("///").startswith("province-")


def test_save_results_stays_in_the_results_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(report.RESULTS_ENV, str(tmp_path / "r"))
    path = report.save_results(pd.DataFrame({"a": ["=1"]}), "../../escape")
    assert path.parent == (tmp_path / "r").resolve() and path.read_text().splitlines()[1] == "'=1"


class Exploit:
    """Unpickling this runs code: a planted cache file must never be loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_file_planted_in_the_cache_is_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.KEY_ENV, "ab" * 32)
    marker = tmp_path / "pwned"
    entry = tmp_path / f"{cache.key_of('projection', {'x': 1})}{cache.SUFFIX}"
    entry.write_bytes(pickle.dumps(Exploit(marker)))                         # plain pickle
    assert cache.memo("projection", {"x": 1}, lambda: 42, tmp_path) == 42
    assert not marker.exists()
    assert cache.memo("projection", {"x": 1}, lambda: 43, tmp_path) == 42    # its own entry is reused
    monkeypatch.setenv(cache.KEY_ENV, "cd" * 32)                             # another run's key
    payload = pickle.dumps(Exploit(marker))
    entry.write_bytes(cache.MAGIC + b"\0" * 32 + payload)                    # forged signature
    assert cache.memo("projection", {"x": 1}, lambda: 44, tmp_path) == 44
    assert not marker.exists()


def test_report_tables_escape_every_cell_and_header():
    html = styled(pd.DataFrame({SCRIPT: [SCRIPT, "<b>x</b>"], "n": [1.5, 2.0]}), "t").to_html()
    assert SCRIPT not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(&#34;pii&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;pii&quot;)" in html


def test_printed_markdown_is_escaped_in_the_page_but_notebook_markdown_is_not():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("<em>authored</em>"),
                nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/markdown": f"# Báo cáo {SCRIPT}\n\n[link](javascript:alert(1)) "
                                                            f"<img src=x onerror=alert(2)>"})])]
    page = report.render_html(nb, SCRIPT)
    assert SCRIPT not in page and "<img src=x" not in page and 'href="javascript:' not in page
    assert "&lt;script&gt;" in page and "<em>" in page


# --- every page of a real run, with hostile names in the data files ---------------------------------
NAME = "=1+1 <script>alert(1)</script>"          # a province: starts a formula and holds a script
PILLAR = "<img src=x onerror=alert(2)>"            # a framework name
LABEL = "<script>alert(3)</script> kịch bản"       # a scenario label
RAW_PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror", "<script>alert(3)</script>")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, jupyter_kernel):
    """All three notebooks for a province named NAME, a pillar named PILLAR and a scenario labelled LABEL."""
    import shutil

    from pii_analysis.data.paths import raw_dir

    base = tmp_path_factory.mktemp("hostile")
    raw = base / "raw"
    shutil.copytree(raw_dir(), raw)
    for path in raw.rglob("*.csv"):
        path.write_text(path.read_text(encoding="utf-8").replace("Huế", NAME), encoding="utf-8")
    fw = pd.read_csv(raw / "pii_framework.csv", dtype=str, keep_default_na=False)
    first_pillar = fw.index[fw["level"] == "pillar"][0]
    fw.loc[first_pillar, ["name_vi", "name_en"]] = PILLAR
    fw.to_csv(raw / "pii_framework.csv", index=False)
    for path in (raw / "scenarios").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('  vi: "', f'  vi: "{LABEL} ', 1), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("PII_DATA_DIR", str(raw))
    try:
        from pii_analysis.report.run import run_report
        out = base / "reports"
        result = run_report([NAME], out_dir=out, lang="vi", jobs=2, n_draws=20, progress=False,
                            processed=base / "processed")
    finally:
        mp.undo()
    return result, out


@pytest.mark.slow
def test_no_page_of_the_run_runs_a_script_from_the_data(hostile_run):
    result, out = hostile_run
    assert [o.status for o in result.outcomes] == ["ok"] * len(result.outcomes), [o.error for o in result.outcomes]
    pages = [*sorted(out.glob("*.html")), *sorted(out.glob("*/*.html"))]     # landing, run log, summary, notebooks
    names = {p.name for p in pages}
    assert "index.html" in names and {f"{nb.stem}.html" for nb in report.available_notebooks()} <= names
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for payload in RAW_PAYLOADS:
            assert payload not in html, (page.name, payload)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page.name       # the name is shown, as text
    shown = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "&lt;img src=x onerror=alert(2)&gt;" in shown                        # the pillar name too
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in shown                     # and the scenario label


def test_no_results_table_starts_a_formula(hostile_run):
    _, out = hostile_run
    tables = sorted(out.rglob("*.csv"))
    assert tables
    seen = False
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in frame.columns:
            cells = frame[col]
            text = cells[~cells.str.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")]     # numbers may be negative
            assert not text.str.startswith(("=", "+", "-", "@")).any(), (path.name, col)
            seen |= cells.str.startswith("'=1+1").any()
    assert seen
