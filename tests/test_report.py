"""The report run: notebooks executed with papermill, rendered to small offline HTML without code,
an index listing failures, a non-zero exit status, and the same files on a rerun."""
from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pii_analysis.analysis import profile
from pii_analysis.cli import main as cli
from pii_analysis.index.context import load_context
from pii_analysis.report import feasibility_text as ftext
from pii_analysis.report import formatting, profile_text
from pii_analysis.report import pages
from pii_analysis.report import run as report
from shared_fixtures import write_page

pytestmark = pytest.mark.slow   # whole report runs and browsers: `make test-fast` leaves them out

NB = "Ninh Bình"
PROFILE = report.NOTEBOOK_DIR / "01_province_profile.ipynb"
FAIL_MESSAGE = "deliberate failure for the report test"


def has_regions(province: str) -> bool:
    """Whether the shipped region file covers `province` (the profile then shows the regional chart)."""
    from pii_analysis.data.regions import load_regions
    regions = load_regions()
    return regions is not None and province in set(regions["province"])


def failing_notebook(directory: Path) -> Path:
    """A page (notebook and registry entry) that declares province and year and then raises."""
    return write_page(directory, "99_fails", [
        nbformat.v4.new_code_cell('province = "Ninh Bình"\nyear = None', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(f"raise ValueError({FAIL_MESSAGE!r})")], key="99")


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
    log = (run["out"] / "run_log.html").read_text(encoding="utf-8")
    assert log.count("<tr") == 3                                        # header + two reports
    assert FAIL_MESSAGE in log and 'href="ninh-binh/01_province_profile.html"' in log
    index = (run["out"] / "index.html").read_text(encoding="utf-8")
    assert 'role="alert"' in index and FAIL_MESSAGE in index           # the failure stays visible
    assert 'href="ninh-binh/01_province_profile.html"' in index and 'href="ninh-binh/summary.html"' in index
    assert "DỮ LIỆU MINH HỌA" in index and "Ninh Bình" in index and "2025" in index


def test_each_notebook_gets_only_the_parameters_it_declares(run):
    reports = {r["notebook"]: r for r in run["manifest"]["reports"]}
    assert reports["01_province_profile.ipynb"]["parameters"] == {"province": NB, "year": 2025, "data_path": None,
                                                                  "sheet": None, "decimal": None, "lang": "vi",
                                                                  "data_level": "panel"}   # decided once by the run
    assert reports["99_fails.ipynb"]["parameters"] == {"province": NB, "year": 2025}
    assert report.notebook_parameters(PROFILE, {"seed": 1, "lang": "en", "n_draws": 5}) == {"lang": "en"}


def test_profile_html_shows_the_library_numbers_without_code(run):
    html = _html(run)
    ctx = load_context()
    h = profile.headline(ctx, NB, 2025)
    assert f"{h['rank']}/{h['n']}" in html and formatting.fmt_num(h["pii"], "vi") in html
    assert profile_text.title(NB, 2025, "vi") in html
    for section in profile_text.SECTIONS:
        assert profile_text.heading(section, "vi") in html
    body = html[html.index("<body"):]
    assert "load_context(" not in body and "import " not in body           # no input cells
    assert 'class="jp-InputArea' not in body and 'class="jp-OutputPrompt' not in body
    assert "Traceback" not in body and "jp-OutputArea-error" not in body and "vnd.jupyter.stderr" not in body
    assert "Ninh Bình 15/63, Hà Nam 28/63, Nam Định 45/63" in html
    assert "DỮ LIỆU MINH HỌA" in html[: html.index(profile_text.heading("headline", "vi"))]   # banner first
    assert profile_text.TEXT["h_headline"]["en"] not in html                    # Vietnamese report


def test_profile_html_is_small_offline_and_embeds_png_figures(run):
    html = _html(run)
    size = len(html.encode("utf-8"))
    assert size < report.HTML_MAX_BYTES
    assert run["manifest"]["reports"][0]["html_bytes"] == size
    assert "<script" not in html and "cdnjs" not in html and "src=\"http" not in html
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 3 + has_regions(NB)      # pillars, sub-pillars, rank history (+ regions); tables for the rest
    assert 'id="T_pii-ranking"' in html and 'id="T_pii-indicators"' in html
    # the demonstration panel's 2024 is generated: no table of changes since, the sentence that they are not known
    assert 'id="T_pii-changes"' not in html and "nên chưa biết thay đổi so với năm trước" in html
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)


def test_results_tables_and_manifest(run):
    out, m = run["out"], run["manifest"]
    ranking = (out / "results" / "pii_ranking.csv").read_text(encoding="utf-8").splitlines()
    assert ranking[0].startswith("province,year,data_status,data_level,rank,pii")
    assert len(ranking) == 1 + 3 * 34
    head = (out / "results" / "profile_headline.csv").read_text(encoding="utf-8")
    assert "Ninh Bình,2025,demonstration,panel,34,14,42.81" in head
    assert m["parameters"]["seed"] == 7 and m["parameters"]["n_draws"] == 20
    assert m["data"]["status"] == "demonstration" and len(m["data"]["sha256"]) == 64
    assert m["version"] and set(m["timings_seconds"]) == {"tables", "shared", "notebooks", "pages", "total"}
    assert (run["tmp"] / "processed" / "pii_scores_tidy.csv").exists()
    executed = nbformat.read(out / "ninh-binh" / "01_province_profile.ipynb", as_version=4)
    assert "start_time" not in json.dumps(executed.metadata) and "execution" not in executed.cells[3].metadata
    assert "p_target" in (out / "results" / "projection_probabilities.csv").read_text(encoding="utf-8")
    assert len(list((out / ".cache").glob("projection-*.pkl"))) == 1          # computed once for the run


def test_a_rerun_gives_the_same_files(run, tmp_path):
    again = report.run_report([NB], out_dir=tmp_path / "again", n_draws=20, seed=7,
                              notebooks=[PROFILE, failing_notebook(tmp_path)], progress=False)
    assert again.outcomes[0].status == "ok"
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
    assert report.declared_parameters(PROFILE) == ["province", "year", "data_path", "sheet", "decimal", "lang",
                                                   "data_level"]


def test_every_committed_notebook_cell_has_a_unique_id():
    """nbformat 4.5 cell ids: a cell without one makes every papermill run warn (and will be an error)."""
    for path in sorted(PROFILE.parent.glob("*.ipynb")):
        ids = [c.get("id") for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]
        assert all(ids) and len(set(ids)) == len(ids), path.name


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


# --- every notebook of the run, for a province other than Ninh Bình ---------------------------
HUE, SEED, DRAWS = "Huế", 7, 20


def page_text(page: str) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded, whitespace collapsed)."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page[page.index("<body"):], flags=re.S)
    body = re.sub(r"</?(strong|em|b|i|a|code|span)\b[^>]*>", "", body)       # inline: no gap
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def plain_markdown(md: str) -> str:
    """A Markdown paragraph of the library as its rendered text reads (emphasis marks dropped)."""
    return " ".join(md.replace("**", "").replace("*", "").split())


def has_heading(page: str, markdown_heading: str) -> bool:
    """Whether the page has an <h1>..<h6> whose text is the library's Markdown heading."""
    title = html.escape(markdown_heading.lstrip("#").strip(), quote=False)
    return re.search(rf"<h[1-6][^>]*>\s*{re.escape(title)}\s*<", page) is not None


def expected_headings(notebook: str, province: str, year: int, lang: str) -> list[str]:
    """Every section heading a notebook shows, taken from the library's text tables (so the test
    follows the text): the title, then the section headings in the notebook's order."""
    from pii_analysis.report import drivers_text
    from pii_analysis.report.i18n import text

    if notebook.startswith("01_"):
        return [profile_text.title(province, year, lang), *(profile_text.heading(s, lang) for s in profile_text.SECTIONS)]
    if notebook.startswith("02_"):
        return [text(drivers_text.TEXT, "title", lang, province=province, year=year),
                *(text(drivers_text.TEXT, k, lang) for k in drivers_text.TEXT if k.startswith("h_"))]
    # 03: the title follows the province's target; the interactive explorer's heading is JupyterLab-only
    from pii_analysis.analysis.targets import province_target

    target = province_target(load_context(), province, base_year=year, target_year=report.TARGET_YEAR)
    return [ftext.target_title(target, lang),
            *(ftext.narrative(k, lang) for k in ftext.TEXT if k.startswith("h_") and k != "h_explorer")]


def check_report(out: Path, notebook: str, province: str, year: int, lang: str) -> str:
    """The checks every report's HTML passes; returns the page's visible text for specific checks."""
    stem = out / report.slug(province) / Path(notebook).stem
    page = stem.with_suffix(".html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    # no input cells
    assert 'class="jp-InputArea' not in body and 'class="jp-OutputPrompt' not in body
    assert "import " not in body and "load_context(" not in body and "display(" not in body
    # no error output, in the page or in the executed notebook beside it
    assert "Traceback" not in body and "jp-OutputArea-error" not in body and "vnd.jupyter.stderr" not in body
    executed = nbformat.read(stem.with_suffix(".ipynb"), as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.output_type == "error"
                            or (o.output_type == "stream" and o.name == "stderr")]
    # every expected section heading, and the province's name
    missing = [h for h in expected_headings(Path(notebook).name, province, year, lang) if not has_heading(body, h)]
    assert not missing, f"{stem.name}: headings missing: {missing}"
    words = page_text(page)
    assert province in words
    return words


@pytest.fixture(scope="module")
def hue_run(tmp_path_factory, jupyter_kernel):
    """The real run (`run_report`) for Huế over all three notebooks, two jobs, few draws."""
    out = tmp_path_factory.mktemp("hue") / "reports"
    result = report.run_report([HUE], out_dir=out, jobs=2, n_draws=DRAWS, seed=SEED, progress=False)
    return {"result": result, "out": out,
            "manifest": json.loads(result.manifest.read_text(encoding="utf-8"))}


def _library_rank(province: str, year: int) -> tuple[int, int, float]:
    ranking = load_context().scores.ranking(year)
    row = ranking.set_index("province").loc[province]
    return int(row["rank"]), len(ranking), float(row["pii"])


def test_the_run_reports_every_notebook_in_the_index(hue_run):
    result, out = hue_run["result"], hue_run["out"]
    names = [p.name for p in report.available_notebooks()]
    assert names == list(report.NOTEBOOKS)                              # all three are in the run
    assert [(o.notebook, o.status) for o in result.outcomes] == [(n, "ok") for n in names], \
        [o.error for o in result.outcomes]
    assert result.ok and hue_run["manifest"]["status"] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    log = (out / "run_log.html").read_text(encoding="utf-8")
    assert log.count("<tr") == 1 + len(names) and log.count('<span class="ok">') == len(names)
    for name in names:
        assert f'href="hue/{Path(name).stem}.html"' in index
    assert f"{len(names)}/{len(names)} báo cáo hoàn thành; 0 lỗi" in log
    for o in result.outcomes:                    # each page writes only the results files its entry names
        entry = pages.entry_for(report.NOTEBOOK_DIR / o.notebook)
        assert {Path(r).stem for r in o.results} <= set(entry.results["panel"]), o.notebook


def _hue_target() -> int:
    """Huế's target rank on its page: its own, else the project default for its rank band."""
    from pii_analysis.analysis.targets import province_target

    return province_target(load_context(), HUE, base_year=2025, target_year=report.TARGET_YEAR).rank


@pytest.mark.parametrize("notebook", report.NOTEBOOKS)
def test_each_report_shows_its_sections_and_the_library_numbers(hue_run, notebook):
    year = 2025
    words = check_report(hue_run["out"], notebook, HUE, year, "vi")
    rank, n, pii = _library_rank(HUE, year)
    if notebook.startswith("03_"):
        from pii_analysis.analysis import verdict
        a = verdict.assess(load_context(), HUE, target_rank=_hue_target(), target_year=report.TARGET_YEAR,
                           base_year=year, scenario="baseline", n_draws=DRAWS, seed=SEED)
        assert plain_markdown(ftext.headline(a, "vi")) in words        # projected rank, probability, verdict
        assert f"{formatting.fmt_num(pii, 'vi', 1)} năm {year}" in words   # the base-year score
    else:
        assert f"{formatting.fmt_num(pii, 'vi')} điểm PII" in words and f"hạng {rank}/{n}" in words
    if notebook.startswith("02_"):                                     # the same target as page 03 and the summary
        from pii_analysis.analysis import drivers
        from pii_analysis.report import drivers_text
        result = drivers.analyse(load_context(), HUE, year, _hue_target(), lang="vi")
        assert result.meta["target_rank"] == _hue_target()
        assert plain_markdown(drivers_text.intro(result, "vi")) in words
    assert "DỮ LIỆU MINH HỌA" in words                                   # demonstration data labelled


def test_the_results_tables_exist(hue_run):
    out = hue_run["out"]
    for name in ["pii_ranking", "pii_scores_tidy", "profile_headline", "profile_indicators", "profile_nodes",
                 "profile_peers", "projection_bands", "projection_probabilities"]:
        assert (out / "results" / f"{name}.csv").stat().st_size > 0, name
    rank, _, pii = _library_rank(HUE, 2025)
    head = (out / "results" / "profile_headline.csv").read_text(encoding="utf-8")
    assert f"{HUE},2025,demonstration,panel,34,{rank},{pii:.6f}," in head
    probabilities = pd.read_csv(out / "results" / "projection_probabilities.csv")
    assert set(probabilities["province"]) == {HUE} and set(probabilities["target_rank"]) == {_hue_target()}
    drivers = (out / "hue" / "02_rank_drivers_results" / "drivers.csv").read_text(encoding="utf-8")
    assert len(drivers.splitlines()) == 1 + 52
    assert {o.notebook: o.results for o in hue_run["result"].outcomes}["02_rank_drivers.ipynb"] == \
        ["02_rank_drivers_results/drivers.csv", "02_rank_drivers_results/gap_decomposition.csv"]
    gap = pd.read_csv(out / "hue" / "02_rank_drivers_results" / "gap_decomposition.csv")
    assert "effective_weight" in gap and gap.loc[gap["level"] == "indicator", "effective_weight"].sum() == \
        pytest.approx(1.0, abs=1e-5)
    frontier = out / "hue" / "03_top10_feasibility_results" / "effort_frontier.csv"
    assert list(pd.read_csv(frontier).columns[:6]) == [*report.JOIN_COLUMNS, "rank", "indicators"]


def test_a_report_in_english(tmp_path, jupyter_kernel):
    """`pii report --lang en` for one notebook (the feasibility report): English headings and text."""
    feasibility = report.NOTEBOOK_DIR / "03_top10_feasibility.ipynb"
    out, stdout = tmp_path / "reports", io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        mp.setattr(report, "available_notebooks", lambda: [feasibility])
        rc = cli.main(["report", "--province", "hue", "--lang", "en", "--out", str(out), "--processed",
                       str(tmp_path / "processed"), "--draws", str(DRAWS), "--seed", str(SEED), "--no-progress"])
    assert rc == 0, (out / "manifest.json").read_text(encoding="utf-8")
    words = check_report(out, feasibility.name, HUE, 2025, "en")
    from pii_analysis.analysis import verdict
    a = verdict.assess(load_context(), HUE, target_rank=_hue_target(), target_year=report.TARGET_YEAR,
                       base_year=2025, scenario="baseline", n_draws=DRAWS, seed=SEED)
    assert plain_markdown(ftext.headline(a, "en")) in words
    assert "DEMONSTRATION DATA" in words.upper() and "DỮ LIỆU MINH HỌA" not in words
    assert ftext.narrative("h_fan", "vi").lstrip("# ") not in words       # no Vietnamese section left
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "1 of 1 reports succeeded" in (out / "run_log.html").read_text("utf-8")
    page = (out / "hue" / "03_top10_feasibility.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>Feasibility: Huế, PII 2025</title>" in page


def test_the_run_defaults_are_the_notebooks_defaults():
    """One seed and one number of draws: the run's defaults (function and CLI) are the projection's
    seed and the feasibility notebook's draws, and every notebook declaring them agrees."""
    import ast
    import inspect

    from pii_analysis.analysis.projection import DEFAULT_SEED

    defaults = inspect.signature(report.run_report).parameters
    assert defaults["seed"].default == report.DEFAULT_SEED == DEFAULT_SEED
    assert defaults["n_draws"].default == report.DEFAULT_DRAWS
    args = cli.build_parser().parse_args(["report"])
    assert (args.seed, args.draws) == (DEFAULT_SEED, report.DEFAULT_DRAWS)
    for nb_path in report.available_notebooks():
        nb = nbformat.read(nb_path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        values = {t.id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body
                  if isinstance(node, ast.Assign) for t in node.targets}
        if "seed" in values:
            assert values["seed"] == DEFAULT_SEED, nb_path.name
        if "n_draws" in values:
            assert values["n_draws"] == report.DEFAULT_DRAWS, nb_path.name


def test_shared_work_precomputes_what_notebook_03_asks_for(tmp_path, monkeypatch):
    """shared_work stores the projections and both method-uncertainty tables exactly as notebook 03
    requests them: the notebook's calls then only load (no new cache entries), with the same numbers
    as an uncached call."""
    from pii_analysis.analysis import verdict
    from pii_analysis.analysis.projection import secondary_draws

    ctx = load_context()
    base = ctx.check_year(None)
    draws = secondary_draws(250)          # what notebook 03 computes from the run's draws
    plain = verdict.uncertainty_table(ctx, "Huế", target_rank=report.TARGET_RANK, target_year=report.TARGET_YEAR,
                                      base_year=base, n_draws=draws["uncertainty"], seed=3)
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    report.shared_work(ctx, base_year=base, target_year=report.TARGET_YEAR, n_draws=250, seed=3)
    stored = sorted(p.name for p in tmp_path.glob("*.pkl"))
    assert [n.split("-")[0] for n in stored].count("method_uncertainty") == 2
    # the notebook's cell (secondary_draws of the run's draws, the run's seed and years)
    table = verdict.uncertainty_table(ctx, "Huế", target_rank=10, target_year=2030, base_year=base,
                                      n_draws=draws["uncertainty"], seed=3)
    assert table.equals(plain)
    a = verdict.assess(ctx, "Huế", base_year=base, n_draws=250, seed=3)   # the run's projection: loaded
    assert a.projection.n_draws == 250
    assert sorted(p.name for p in tmp_path.glob("*.pkl")) == stored


# --- the site: joinable tables, pages that link, provenance --------------------------------------
def result_csvs(out: Path) -> list[Path]:
    return sorted((out / "results").glob("*.csv")) + sorted(out.glob("*/*_results/*.csv"))


def test_every_results_csv_is_joinable(hue_run):
    """Every results CSV carries province, year, data_status and data_level, filled in."""
    out = hue_run["out"]
    files = result_csvs(out)
    assert len(files) >= 9
    for path in files:
        frame = pd.read_csv(path)
        assert list(frame.columns[:4]) == list(report.JOIN_COLUMNS), path.name
        assert frame[list(report.JOIN_COLUMNS)].notna().all().all(), path.name
        assert set(frame["data_status"]) == {"demonstration"} and set(frame["data_level"]) == {"panel"}, path.name
    nodes = pd.read_csv(out / "results" / "profile_nodes.csv")
    assert set(nodes["province"]) == {HUE} and set(nodes["year"]) == {2025}
    drivers = pd.read_csv(out / "hue" / "02_rank_drivers_results" / "drivers.csv")
    assert set(drivers["province"]) == {HUE} and set(drivers["year"]) == {2025}


def test_pages_link_to_each_other_and_to_the_index(hue_run):
    out = hue_run["out"]
    pages = ["summary.html", *(f"{Path(n).stem}.html" for n in report.NOTEBOOKS)]
    for page in pages:
        html_text = (out / "hue" / page).read_text(encoding="utf-8")
        nav = re.findall(r'<nav\b[^>]*class="pii-nav"[^>]*>(.*?)</nav>', html_text, flags=re.S)
        assert len(nav) == 1, page
        hrefs = set(re.findall(r'href="([^"]+)"', nav[0]))
        assert hrefs == {"../index.html", *pages}, page
        for href in hrefs:
            assert (out / "hue" / href).resolve().exists(), (page, href)
        assert '<html lang="vi">' in html_text and 'name="viewport"' in html_text
        title = re.search(r"<title>(.*?)</title>", html_text).group(1)
        assert "Huế" in title and ".ipynb" not in title and "_" not in title, title
        imgs = re.findall(r"<img\b[^>]*>", html_text)
        assert all(re.search(r'alt="[^"]{10,}"', i) for i in imgs), page     # alt text on every figure
        assert "@media print" in html_text, page


def test_every_page_states_its_provenance(hue_run):
    """The demonstration banner speaks of the page's own province, the method is 'modelled on the GII'
    (never claimed official), the data level is stated, assumed names are marked with a footnote."""
    out = hue_run["out"]
    for page in ["summary.html", *(f"{Path(n).stem}.html" for n in report.NOTEBOOKS)]:
        words = page_text((out / "hue" / page).read_text(encoding="utf-8"))
        assert "Hạng 2025 của Huế" in words and "Ninh Bình (hạng 14)" not in words, page
        assert "mô phỏng theo GII" in words and "Cấp dữ liệu:" in words, page
        assert "đúng phương pháp PII" not in words and "Hạng theo phương pháp chính thức" not in words, page
    profile_words = page_text((out / "hue" / "01_province_profile.html").read_text(encoding="utf-8"))
    assert "* Tên hoặc vị trí của chỉ số là giả định" in profile_words


def test_landing_page_lists_every_province_in_rank_order(hue_run):
    from pii_analysis.analysis.national import ranking_with_change
    from pii_analysis.report.collation import sorted_vi

    index = (hue_run["out"] / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-rank="(\d+)" data-name="(\d+)">\s*<td class="num">\d+</td>\s*<td>(.*?)</td>', index)
    ranking = ranking_with_change(load_context(), 2025)
    assert [int(r) for r, _, _ in rows] == list(ranking["rank"])
    names = [re.sub(r"<[^>]+>", "", cell) for _, _, cell in rows]
    assert names == list(ranking["province"])
    linked = [re.sub(r"<[^>]+>", "", cell) for _, _, cell in rows if "<a " in cell]
    assert linked == [HUE]                                   # the others have no page in this run
    by_name = [n for _, n in sorted((int(o), n) for (_, o, _), n in zip(rows, names))]
    assert by_name == sorted_vi(names) and by_name.index("Đà Nẵng") < by_name.index("Gia Lai")
