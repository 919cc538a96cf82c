"""The page registry (report.pages) and the DataLevel protocol (data.shapes): the shipped pages are their
entries, every level answers what it can and how exactly, and a page added as two files in a temporary
folder (a one-cell notebook and its entry) is rendered by the report run."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest

from pii_analysis.analysis.data_level import open_data
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.shapes import DATA_LEVELS, PLAN_KINDS, QUESTIONS, DataLevel
from pii_analysis.data.targets import KINDS
from pii_analysis.report import pages, site
from pii_analysis.report import run as report
from shared_fixtures import write_page

KH_PROFILE = paths.REPO_ROOT / "data" / "raw" / "examples" / "pii_profile_2025_khanh_hoa.csv"
PUBLISHED = paths.raw_file(paths.PUBLISHED)
NB, KH = "Ninh Bình", "Khánh Hòa"


def test_the_run_and_the_site_read_the_registry():
    shipped = pages.registry()
    assert list(shipped) == ["01_province_profile", "02_rank_drivers", "03_top10_feasibility"]
    assert report.NOTEBOOKS == tuple(f"{stem}.ipynb" for stem in shipped)
    assert [p.key for p in shipped.values()] == ["01", "02", "03"]
    assert site.page_name("02_rank_drivers", "en") == "Rank drivers"          # the entry's catalog key
    for page in shipped.values():
        assert set(page.levels) == set(DATA_LEVELS) and page.notebook.exists()
        for key, section in page.sections.items():
            assert section.needs in QUESTIONS
            if section.say:                                                  # every heading in both catalogs
                assert page.heading(key, "vi") and page.heading(key, "en")


def test_every_panel_cell_is_a_section_of_its_entry():
    """scripts/nb_data_levels.py --check: every later code cell is `if page.runs(key):` with a key of the entry
    and every section of the entry is a cell; no cell magic is left."""
    done = subprocess.run([sys.executable, str(paths.REPO_ROOT / "scripts" / "nb_data_levels.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for page in pages.registry().values():
        cells = json.loads(page.notebook.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert not any("%%" in c or "exec(" in c for c in code), page.stem
        keys = [m.group(1) for c in code if (m := re.match(r'if page\.runs\("([\w.]+)"\):', c))]
        assert keys == list(page.sections), page.stem


def test_an_entry_with_an_unknown_level_or_question_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "77_bad.page.toml"
    path.write_text('key = "77"\nname = "77_bad"\ntitle = "t"\nheadings = "m:f"\nlevels = ["district"]\n',
                    encoding="utf-8")
    with pytest.raises(PiiInputError, match="unknown data level 'district'") as err:
        pages.read_entry(path)
    assert "77_bad.page.toml" in str(err.value)
    path.write_text('key = "77"\nname = "77_bad"\ntitle = "t"\nheadings = "m:f"\nlevels = ["panel"]\n'
                    '[sections]\n"x.y" = {needs = "weather"}\n', encoding="utf-8")
    with pytest.raises(PiiInputError, match="needs 'weather'"):
        pages.read_entry(path)
    with pytest.raises(PiiInputError, match="has no page entry"):
        pages.entry_for(tmp_path / "nothing.ipynb")


def test_each_level_says_what_it_answers_and_how_exactly():
    panel = open_data(None)
    profile = open_data(KH_PROFILE)
    published = open_data(PUBLISHED, province=KH)
    assert [d.data_level for d in (panel, profile, published)] == list(DATA_LEVELS)   # decided once, from the file
    assert all(isinstance(d, DataLevel) for d in (panel, profile, published))
    assert panel.answers("rank") == "exact" and panel.answers("rank_projection") == "draws"
    assert panel.answers("history") == "generated"          # the demonstration panel: no observed history
    assert profile.answers("drivers") == "units" and profile.answers("indicators") is None
    assert published.answers("drivers") is None and published.answers("projection") == "band"
    for level in (profile, published):                      # the rank: exact only where one rank is possible
        assert level.answers("rank") == ("exact" if level.bounds.single else "interval")
    assert panel.plan_kinds == KINDS and set(profile.plan_kinds) < set(KINDS)
    assert published.plan_kinds == PLAN_KINDS["published"] and "indicator" not in published.plan_kinds
    with pytest.raises(KeyError, match="unknown question"):
        panel.answers("weather")
    with pytest.raises(PiiInputError, match="data_level 'district'"):
        open_data(None, level="district")


HELLO = "Hello from a page added as two files"


@pytest.fixture(scope="module")
def added_page(tmp_path_factory, jupyter_kernel):
    """docs/ARCHITECTURE.md, 'Add a page': a one-cell notebook and its entry in a temporary folder, run for
    Ninh Bình at the panel level by the report run."""
    tmp = tmp_path_factory.mktemp("added_page")
    cell = ("import pandas as pd\nfrom IPython.display import Markdown, display\n"
            "from pii_analysis.report.run_kernels import save_results\n\n"
            f"display(Markdown('## {HELLO}'))\nsave_results(pd.DataFrame({{'x': [1, 2]}}), 'hello')")
    notebook = write_page(tmp, "90_hello", [nbformat.v4.new_code_cell(cell)], key="90", levels=["panel"],
                          results={"panel": ["hello"]}, names={"vi": "Trang chào", "en": "Hello page"})
    result = report.run_report([NB], out_dir=tmp / "reports", notebooks=[notebook], n_draws=20, seed=7,
                               progress=False)
    return tmp, notebook, result


def test_a_page_added_as_two_files_is_rendered_by_the_run(added_page):
    tmp, notebook, result = added_page
    assert result.ok and [o.notebook for o in result.outcomes] == ["90_hello.ipynb"]
    out = tmp / "reports" / "ninh-binh"
    page = (out / "90_hello.html").read_text(encoding="utf-8")
    assert HELLO in page
    assert "<title>Trang chào: Ninh Bình, PII 2025</title>" in page      # its name from its entry
    assert 'href="90_hello.html"' in (out / "summary.html").read_text(encoding="utf-8")
    assert result.outcomes[0].results == ["90_hello_results/hello.csv"]  # the results file its entry names
    assert pages.entry_for(notebook).results["panel"] == ("hello",)
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["parameters"]["data_level"] == "panel" and manifest["parameters"]["notebooks"] == ["90_hello.ipynb"]


def test_a_page_is_left_out_at_a_level_its_entry_does_not_support(added_page, tmp_path):
    _, notebook, _ = added_page
    result = report.run_report(None, data_path=KH_PROFILE, out_dir=tmp_path / "reports", notebooks=[notebook],
                               progress=False)
    assert result.outcomes == [] and (tmp_path / "reports" / "khanh-hoa" / "summary.html").exists()
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["parameters"]["data_level"] == "profile" and manifest["parameters"]["notebooks"] == []


def test_a_section_runs_where_the_level_answers_what_it_needs(tmp_path, monkeypatch):
    from pii_analysis.report.page_run import PageRun, cannot_text, start_page

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    drivers = pages.page("02")
    at_panel, at_profile = PageRun(drivers, open_data(None), "en"), PageRun(drivers, open_data(KH_PROFILE), "en")
    assert at_panel.runs("drivers.move") and at_panel.level == "panel" and shown == []
    assert not at_profile.runs("drivers.move")                     # shows why not instead
    assert shown == [cannot_text(drivers, "drivers.move", at_profile.data, "en")]
    assert "needs the indicator values of all provinces" in shown[0]
    assert not at_profile.runs("setup") and len(shown) == 1        # a set-up cell says nothing
    with pytest.raises(KeyError, match="unknown panel section 'drivers.nothing'"):
        at_panel.runs("drivers.nothing")
    only_panel = write_page(tmp_path, "91_panel_only", [], key="91", levels=["panel"])
    with pytest.raises(PiiInputError, match="runs at the panel level"):
        start_page(str(pages.entry_path(only_panel)), KH_PROFILE, province=None, year=None)
