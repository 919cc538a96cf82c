"""The report run: notebooks executed with papermill, rendered to small offline HTML without code,
an index listing failures, a non-zero exit status, and the same files on a rerun."""
from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path

import nbformat
import pytest

from pii_analysis import cli, profile, report
from pii_analysis.context import load_context

NB = "Ninh Bình"
PROFILE = report.NOTEBOOK_DIR / "01_province_profile.ipynb"
FAIL_MESSAGE = "deliberate failure for the report test"


def failing_notebook(directory: Path) -> Path:
    """A notebook that declares province and year and then raises."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('province = "Ninh Bình"\nyear = None', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(f"raise ValueError({FAIL_MESSAGE!r})")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = directory / "99_fails.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory, jupyter_kernel):
    """`pii report` for Ninh Bình over the profile notebook and a failing one, two jobs."""
    tmp = tmp_path_factory.mktemp("report")
    notebooks = [PROFILE, failing_notebook(tmp)]
    out, stdout = tmp / "reports", io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        mp.setattr(report, "available_notebooks", lambda: notebooks)
        rc = cli.main(["report", "--province", NB, "--out", str(out), "--processed", str(tmp / "processed"),
                       "--jobs", "2", "--draws", "20", "--seed", "7", "--no-progress"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"rc": rc, "stdout": stdout.getvalue(), "out": out, "tmp": tmp, "manifest": manifest}


def _html(run) -> str:
    return (run["out"] / "ninh-binh" / "01_province_profile.html").read_text(encoding="utf-8")


def test_a_failing_notebook_is_reported_and_the_others_finish(run):
    assert run["rc"] == 1
    assert run["stdout"].strip().splitlines()[-1] == str(run["out"].resolve() / "index.html")
    reports = {r["notebook"]: r for r in run["manifest"]["reports"]}
    assert reports["01_province_profile.ipynb"]["status"] == "ok"
    failed = reports["99_fails.ipynb"]
    assert failed["status"] == "failed" and failed["attempts"] == 1     # a notebook error is not retried
    assert failed["error"] == f"ValueError: {FAIL_MESSAGE}"
    assert run["manifest"]["status"] == "failed"
    index = (run["out"] / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 3                                     # header + two reports
    assert FAIL_MESSAGE in index and 'href="ninh-binh/01_province_profile.html"' in index
    assert "DỮ LIỆU MINH HỌA" in index and "Ninh Bình" in index and "2025" in index


def test_each_notebook_gets_only_the_parameters_it_declares(run):
    reports = {r["notebook"]: r for r in run["manifest"]["reports"]}
    assert reports["01_province_profile.ipynb"]["parameters"] == {"province": NB, "year": 2025, "data_path": None,
                                                                  "lang": "vi"}
    assert reports["99_fails.ipynb"]["parameters"] == {"province": NB, "year": 2025}
    assert report.notebook_parameters(PROFILE, {"seed": 1, "lang": "en", "n_draws": 5}) == {"lang": "en"}


def test_profile_html_shows_the_library_numbers_without_code(run):
    html = _html(run)
    ctx = load_context()
    h = profile.headline(ctx, NB, 2025)
    assert f"{h['rank']}/{h['n']}" in html and profile.fmt_num(h["pii"], "vi") in html
    assert profile.title(NB, 2025, "vi") in html
    for section in profile.SECTIONS:
        assert profile.heading(section, "vi") in html
    body = html[html.index("<body"):]
    assert "load_context(" not in body and "import " not in body           # no input cells
    assert 'class="jp-InputArea' not in body and 'class="jp-OutputPrompt' not in body
    assert "Traceback" not in body and "jp-OutputArea-error" not in body and "vnd.jupyter.stderr" not in body
    assert "Ninh Bình 15/63, Hà Nam 28/63, Nam Định 45/63" in html
    assert "DỮ LIỆU MINH HỌA" in html[: html.index(profile.heading("headline", "vi"))]   # banner first
    assert profile.TEXT["h_headline"]["en"] not in html                    # Vietnamese report


def test_profile_html_is_small_offline_and_embeds_png_figures(run):
    html = _html(run)
    size = len(html.encode("utf-8"))
    assert size < report.HTML_MAX_BYTES
    assert run["manifest"]["reports"][0]["html_bytes"] == size
    assert "<script" not in html and "cdnjs" not in html and "src=\"http" not in html
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)


def test_results_tables_and_manifest(run):
    out, m = run["out"], run["manifest"]
    ranking = (out / "results" / "pii_ranking.csv").read_text(encoding="utf-8").splitlines()
    assert ranking[0].startswith("year,province,rank,pii")
    assert len(ranking) == 1 + 3 * 34
    head = (out / "results" / "profile_headline.csv").read_text(encoding="utf-8")
    assert "Ninh Bình,2025,34,14,42.81" in head
    assert m["parameters"]["seed"] == 7 and m["parameters"]["n_draws"] == 20
    assert m["data"]["status"] == "demonstration" and len(m["data"]["sha256"]) == 64
    assert m["version"] and set(m["timings_seconds"]) == {"tables", "shared", "notebooks", "total"}
    assert (run["tmp"] / "processed" / "pii_scores_tidy.csv").exists()
    executed = nbformat.read(out / "ninh-binh" / "01_province_profile.ipynb", as_version=4)
    assert "start_time" not in json.dumps(executed.metadata) and "execution" not in executed.cells[3].metadata
    if (out / "results" / "projection_probabilities.csv").exists():           # with pii_analysis.projection
        assert "p_target" in (out / "results" / "projection_probabilities.csv").read_text(encoding="utf-8")
        assert any((out / ".cache").glob("projection-*.pkl"))


def test_a_rerun_gives_the_same_files(run, tmp_path):
    again = report.run_report([NB], out_dir=tmp_path / "again", n_draws=20, seed=7, notebooks=[PROFILE],
                              progress=False)
    assert again.ok
    for rel in ["ninh-binh/01_province_profile.ipynb", "ninh-binh/01_province_profile.html",
                "results/pii_ranking.csv", "results/profile_indicators.csv", "results/profile_nodes.csv"]:
        assert (tmp_path / "again" / rel).read_bytes() == (run["out"] / rel).read_bytes(), rel


def test_bad_parameters_fail_with_one_clear_line(tmp_path, capsys):
    rc = cli.main(["report", "--province", "Ninh Bin", "--out", str(tmp_path), "--processed", str(tmp_path / "p"),
                   "--no-progress"])
    assert rc == 2
    assert "unknown province 'Ninh Bin'" in capsys.readouterr().err


def test_committed_notebook_has_no_outputs_and_literal_parameters():
    nb = nbformat.read(PROFILE, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert report.declared_parameters(PROFILE) == ["province", "year", "data_path", "lang"]


def test_scrub_and_slug():
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "x", "duration": 1.0, "parameters": {"a": 1}}
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={"execution": {"iopub.status.idle": "t"},
                                                          "papermill": {"duration": 2}})]
    report.scrub(nb)
    assert nb.metadata["papermill"] == {"parameters": {"a": 1}}
    assert nb.cells[0].metadata == {} and nb.cells[0]["id"] == "cell-000"
    assert [report.slug(p) for p in ("Ninh Bình", "TP. Hồ Chí Minh", "Đắk Lắk")] == \
        ["ninh-binh", "tp-ho-chi-minh", "dak-lak"]
