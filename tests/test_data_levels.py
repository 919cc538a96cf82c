"""The report below the full panel: a province's profile, or published results only. Every page renders
what its level allows and, for each panel section, says why it cannot run; the gap to each rank agrees
with the published totals (brute force)."""
from __future__ import annotations

import contextlib
import html
import io
import json
import re

import pandas as pd
import pytest

from pii_analysis.analysis.profile_level import GAP_DIGITS, analyse_published, level_of, open_level
from pii_analysis.cli import main as cli
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import default_resolver, load_published
from pii_analysis.report import level_pages, pages
from pii_analysis.report.page_run import cannot_text
from pii_analysis.report import run as report
from pii_analysis.report.labels import level_text

KH_PROFILE = paths.REPO_ROOT / "data" / "raw" / "examples" / "pii_profile_2025_khanh_hoa.csv"
PUBLISHED = paths.raw_file(paths.PUBLISHED)
KH = "Khánh Hòa"
PAGES = ("01_province_profile", "02_rank_drivers", "03_top10_feasibility")


def page_text(path) -> str:
    """The visible text of an HTML page (tags, scripts and styles removed, entities decoded)."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|script)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def brute_force_gaps(province: str, year: int) -> list[tuple[int, str, float | None]]:
    """(rank, province at it, gap) for every rank above the province, straight from the published file."""
    pub = load_published()
    pub = pub[(pub["year"] == year) & (pub["status"] == "published") & pub["province"].isin(default_resolver().current)]
    own = pub[pub["province"] == province].iloc[0]
    rows = []
    for r in range(1, int(own["rank"])):
        at = pub[pub["rank"] == r]
        if at.empty:
            rows.append((r, "", None))
        for row in at.itertuples():
            rows.append((r, row.province, None if pd.isna(row.pii_score)
                         else round(row.pii_score - own["pii_score"], GAP_DIGITS)))
    return rows


def published_2025() -> list[str]:
    pub = load_published()
    pub = pub[(pub["year"] == 2025) & (pub["status"] == "published") & pub["pii_score"].notna()
              & pub["rank"].notna() & pub["province"].isin(default_resolver().current)]
    return list(pub["province"])


@pytest.mark.parametrize("province", published_2025())
def test_gap_to_each_rank_is_the_published_difference(province):
    r = analyse_published(None, province, 2025)
    got = [(int(x.rank), x.province_at_rank, None if pd.isna(x.gap_pii) else round(float(x.gap_pii), GAP_DIGITS))
           for x in r.gaps.itertuples()]
    want = brute_force_gaps(province, 2025)
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in want]
    for (_, _, g), (_, _, w) in zip(got, want):
        assert (g is None and w is None) or g == pytest.approx(w, abs=1e-9)
    for row in r.gaps.itertuples():          # pillar columns: the gap over the pillar's weight, never past 100
        for p, own in r.pillar_scores().items():
            v = getattr(row, f"gap_p{p}")
            assert pd.isna(v) or v <= 100 - own + 1e-9


def test_levels_are_detected_from_the_file():
    assert level_of(None) == "panel"
    assert level_of(KH_PROFILE) == "profile"
    assert level_of(PUBLISHED) == "published"
    assert level_of(paths.raw_file(paths.DEMO_PANEL)) == "panel"


def test_a_profile_of_another_province_is_refused_naming_both():
    with pytest.raises(PiiInputError, match="profile is of Khánh Hòa, not of Ninh Bình"):
        open_level(KH_PROFILE, province="Ninh Bình")


def test_cli_drivers_at_the_published_level_prints_the_gap_table(capsys):
    assert cli.main(["drivers", "--data", str(PUBLISHED), "--province", KH, "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    want = brute_force_gaps(KH, 2025)
    assert list(table["rank"]) == [r for r, _, _ in want]
    for gap, (_, _, w) in zip(table["gap_pii"], want):
        assert (pd.isna(gap) and w is None) or gap == pytest.approx(w)
    assert set(table["data_level"]) == {"published"}


def test_cli_drivers_at_the_profile_level_prints_the_gap_table_then_the_drivers(capsys):
    """The same gap-to-each-rank table as at the published level (one function), above the drivers in the
    indicators' own units; in JSON as `gaps`."""
    assert cli.main(["drivers", "--data", str(KH_PROFILE)]) == 0
    gap_block, drivers_block = capsys.readouterr().out.split("\n\n", 1)
    assert cli.main(["drivers", "--data", str(PUBLISHED), "--province", KH]) == 0
    published = capsys.readouterr().out
    header = next(line for line in published.splitlines() if not line.startswith("#"))
    assert header in gap_block.splitlines() and "# gap_pii: published total at the rank" in gap_block
    rows = {line.split()[0]: line for line in gap_block.splitlines() if line.split()[0].isdigit()}
    want = brute_force_gaps(KH, 2025)
    assert sorted(map(int, rows)) == [r for r, _, _ in want]
    for r, name, gap in want:
        assert (name or "NaN") in rows[str(r)] and (gap is None or f" {gap:.2f} " in rows[str(r)])
    assert "next_published_above: Bắc Ninh (rank 6" in drivers_block and "units_per_pii_point" in drivers_block
    assert cli.main(["drivers", "--data", str(KH_PROFILE), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(g["rank"], g["province_at_rank"] or "") for g in out["gaps"]] == [(r, n) for r, n, _ in want]
    for g, (_, _, w) in zip(out["gaps"], want):
        assert (g["gap_pii"] is None and w is None) or g["gap_pii"] == pytest.approx(w)
    assert {d["code"] for d in out["rows"]} == set(open_level(KH_PROFILE).drivers["code"])


def test_cli_drivers_published_level_unpublished_province_exits_2(capsys):
    assert cli.main(["drivers", "--data", str(PUBLISHED), "--province", "Lai Châu"]) == 2
    assert "neither a published total nor a published rank" in capsys.readouterr().err


def run_level_report(tmp, data, province, lang="vi"):
    out, stdout = tmp / "reports", io.StringIO()
    with contextlib.redirect_stdout(stdout):
        rc = cli.main(["report", "--data", str(data), "--province", province, "--out", str(out), "--lang", lang,
                       "--processed", str(tmp / "processed"), "--jobs", "2", "--no-progress"])
    return rc, out


@pytest.fixture(scope="module")
def profile_run(tmp_path_factory, jupyter_kernel):
    return run_level_report(tmp_path_factory.mktemp("profile_level"), KH_PROFILE, KH)


@pytest.mark.slow
def test_report_on_a_profile_renders_every_page(profile_run):
    rc, out = profile_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert rc == 0 and manifest["status"] == "ok"
    assert {r["notebook"] for r in manifest["reports"]} == {f"{p}.ipynb" for p in PAGES}
    assert all(r["status"] == "ok" for r in manifest["reports"])
    for r in manifest["reports"]:                # each page writes only the results files its entry names
        assert {p.split("/")[1].removesuffix(".csv") for p in r["results"]} <= \
            set(pages.page(r["notebook"].removesuffix(".ipynb")).results["profile"]), r["notebook"]
    level_line = level_text("profile", "vi")
    for name in [*(f"{p}.html" for p in PAGES), "summary.html"]:
        assert level_line in page_text(out / "khanh-hoa" / name), name
    assert level_line in page_text(out / "index.html")


def test_profile_pages_show_the_published_sub_pillar_score_in_the_locale(profile_run):
    _, out = profile_run
    text = page_text(out / "khanh-hoa" / "01_province_profile.html")
    assert "58,90" in text and "58,76" in text          # sub-pillar 1.1 and pillar 1, Vietnamese decimal comma
    assert "DEMONSTRATION" not in text.upper().replace("KHÔNG CÓ SỐ LIỆU MINH HỌA", "")


def test_every_panel_section_says_why_it_cannot_run(profile_run):
    _, out = profile_run
    result = open_level(KH_PROFILE)
    for page in PAGES:
        entry = pages.page(page)
        nb = json.loads(entry.notebook.read_text(encoding="utf-8"))
        keys = [re.match(r'if page\.runs\("([\w.]+)"\)', "".join(c["source"])).group(1) for c in nb["cells"]
                if c["cell_type"] == "code" and "".join(c["source"]).startswith("if page.runs(")
                and "report-hide" not in c["metadata"].get("tags", [])]
        assert keys and set(keys) <= set(entry.sections), page          # the notebook's sections are the entry's
        text = re.sub(r"\s", "", page_text(out / "khanh-hoa" / f"{page}.html"))
        for key in keys:
            assert result.answers(entry.sections[key].needs) is None      # none of them runs at the profile level
            sentence = re.sub(r"\*\*|\s", "", cannot_text(entry, key, result, "vi"))
            assert sentence in text and bool(sentence) == entry.sections[key].say, (page, key)


def test_the_pages_gap_table_agrees_with_the_published_totals(profile_run):
    _, out = profile_run
    saved = pd.read_csv(out / "khanh-hoa" / "02_rank_drivers_results" / "rank_gaps.csv")
    want = brute_force_gaps(KH, 2025)
    assert list(saved["rank"]) == [r for r, _, _ in want]
    for gap, (_, _, w) in zip(saved["gap_pii"], want):
        assert (pd.isna(gap) and w is None) or gap == pytest.approx(w)
    assert set(saved["data_level"]) == {"profile"} and set(saved["province"]) == {KH}
    text = page_text(out / "khanh-hoa" / "02_rank_drivers.html")
    for _, name, w in want:
        if w is not None:
            assert f"{name} " in text and f"{w:.2f}".replace(".", ",") in text


def test_landing_lists_the_published_totals_and_marks_the_others(profile_run):
    _, out = profile_run
    text = page_text(out / "index.html")
    assert "Hà Nội 65,68" in text and "tổng điểm không công bố" in text
    assert "Lai Châu" in text            # a province without a published total is listed, marked
    assert "data:image/png" in (out / "index.html").read_text(encoding="utf-8")   # chart of the published totals


def test_summary_below_the_panel(profile_run):
    _, out = profile_run
    text = page_text(out / "khanh-hoa" / "summary.html")
    gap = brute_force_gaps(KH, 2025)[5]                  # the nearest published total above: Bắc Ninh, rank 6
    assert gap[:2] == (6, "Bắc Ninh") and f"{gap[2]:.2f}".replace(".", ",") in text
    assert "46,54" in text and "Chủ trì:" in text       # score; levers with their lead department
    assert level_text("profile", "vi") in text


def test_profile_pages_speak_the_page_language(profile_run):
    """The profile's units (written in English in the file) are shown in Vietnamese on the Vietnamese pages,
    through the catalogs; no page names a code object."""
    _, out = profile_run
    summary = page_text(out / "khanh-hoa" / "summary.html")
    drivers = page_text(out / "khanh-hoa" / "02_rank_drivers.html")
    for code, unit in open_level(KH_PROFILE).drivers[["code", "unit"]].itertuples(index=False):
        vi = level_pages.unit_text(unit, code, "vi")
        assert vi and vi != unit and vi in drivers and unit not in drivers, (code, unit)
    from pii_analysis.analysis.levers import profile_levers

    units = open_level(KH_PROFILE).drivers.set_index("code")["unit"]
    for code in profile_levers(open_level(KH_PROFILE)).dropna(subset=["lever_rank"])["code"]:   # the summary's levers
        vi = level_pages.unit_text(units[code], code, "vi")
        assert vi in summary and units[code] not in summary, code
    for name in ("summary.html", *(f"{p}.html" for p in PAGES)):
        assert not re.search(r"\b[a-z]+(_[a-z]+)*\.[a-z]+_[a-z_]+\b", page_text(out / "khanh-hoa" / name)), name
    assert "placement assumed" not in summary and "«vị trí giả định»" in summary


def test_a_unit_is_shown_in_the_page_language():
    assert level_pages.unit_text("scaled count (unit not shown on the page)", "2.1.2", "en") == \
        "scaled count (the source gives no unit)"
    assert level_pages.unit_text("million VND per learner", "2.1.3", "vi") == "triệu đồng/người đi học"
    # the framework's own unit (in either language) is shown in the page's language
    assert level_pages.unit_text("% of GRDP", "4.1.1", "vi") == "% GRDP"
    assert level_pages.unit_text("% GRDP", "4.1.1", "en") == "% of GRDP"
    # anything else as the file writes it (escaped where shown), nothing where the file gives none
    assert level_pages.unit_text("PCI <b>0-10</b>", "1.1.2", "vi") == "PCI <b>0-10</b>"
    assert level_pages.unit_text(float("nan"), "1.1.2", "vi") == ""


@pytest.mark.slow
def test_report_at_the_published_level(tmp_path, jupyter_kernel):
    rc, out = run_level_report(tmp_path, PUBLISHED, "Bắc Ninh", lang="en")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert rc == 0 and all(r["status"] == "ok" for r in manifest["reports"])
    level_line = level_text("published", "en")
    for name in [*(f"{p}.html" for p in PAGES), "summary.html"]:
        assert level_line in page_text(out / "bac-ninh" / name), name
    text = page_text(out / "bac-ninh" / "03_top10_feasibility.html")
    for _, _name, w in brute_force_gaps("Bắc Ninh", 2025):
        assert w is None or f"{w:.2f}" in text
    assert "not run at this data level" in text


@pytest.mark.slow
def test_notebook_with_a_profile_runs_under_papermill(tmp_path, jupyter_kernel):
    import papermill

    nb = tmp_path / "01.ipynb"
    papermill.execute_notebook(str(report.NOTEBOOK_DIR / "01_province_profile.ipynb"), str(nb),
                               parameters={"province": KH, "data_path": str(KH_PROFILE), "lang": "en"},
                               kernel_name=jupyter_kernel, progress_bar=False)
    outputs = json.dumps(json.loads(nb.read_text(encoding="utf-8"))["cells"], ensure_ascii=False)
    assert "58.90" in outputs and "Data level: one province" in outputs.replace("\\n", " ")


def test_published_level_file_without_ranks_and_other_maps(tmp_path, capsys):
    mine = tmp_path / "totals.csv"
    mine.write_text("year,province,pii_score\n2025,Ninh Binh,40.10\n2025,Ha Noi,65.68\n2025,Huế,49.37\n",
                    encoding="utf-8")
    assert level_of(mine) == "published"
    r = analyse_published(mine, "Ninh Bình")
    assert (r.rank, r.rank_basis) == (3, "among published totals")    # no rank column: by the totals
    assert list(r.gaps["province_at_rank"]) == ["Hà Nội", "Huế"]
    assert list(r.gaps["gap_pii"]) == [pytest.approx(25.58), pytest.approx(9.27)]
    assert cli.main(["score", "--data", str(PUBLISHED), "--year", "2024"]) == 2
    assert "no published results on today's map of 34 provinces" in capsys.readouterr().err


@pytest.mark.slow
def test_a_partial_profile_without_pii_still_renders_and_escapes_its_text(tmp_path, jupyter_kernel):
    """Three indicators of a province whose total is not published: no PII, no rank, no gaps; every page
    says so and still renders; a unit from the file is shown as text."""
    import papermill

    profile = tmp_path / "nb.csv"
    profile.write_text("year,province,code,value,national_min,national_max,unit\n"
                       "2025,Ninh Bình,1.1.2,7.10,6.35,8.44,PCI <b>0-10</b>\n"
                       "2025,Ninh Bình,1.2.3,85.00,82.95,93.09,%\n", encoding="utf-8")
    r = open_level(profile)
    assert pd.isna(r.pii) and pd.isna(r.rank) and r.gaps.empty and r.data_status == "user"
    for page in PAGES:
        nb = tmp_path / f"{page}.ipynb"
        papermill.execute_notebook(str(report.NOTEBOOK_DIR / f"{page}.ipynb"), str(nb),
                                   parameters={"province": "Hà Nam", "data_path": str(profile)},
                                   kernel_name=jupyter_kernel, progress_bar=False)
        outputs = [o for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])]
        shown = json.dumps(outputs, ensure_ascii=False)
        as_html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
        assert "<b>0-10</b>" not in as_html        # the file's text is shown as text, never as markup
        if page == "02_rank_drivers":
            assert "PCI &lt;b&gt;0-10&lt;/b&gt;" in shown
        if page == "03_top10_feasibility":
            assert level_pages.text(level_pages.TEXT, "gaps_no_pii", "vi", province="Ninh Bình") in shown


def test_probability_of_being_above_a_published_total_matches_a_simulation():
    """Two independent random walks with the published spread between provinces, simulated."""
    import numpy as np

    from pii_analysis.analysis.profile_level import ahead_probability, total_band

    r = open_level(KH_PROFILE)
    band = total_band(r.pii, 2025, 2030)
    assert band["sd_within"] > 0 and band["years"] == 5
    rows = r.gaps.dropna(subset=["gap_pii"])
    p = ahead_probability(rows, band["sd_within"], band["years"])
    rng = np.random.default_rng(3)
    steps = rng.normal(0, band["sd_within"], size=(2, 100_000, band["years"])).sum(axis=2)
    for gap, prob in zip(rows["gap_pii"], p):
        simulated = float(np.mean(r.pii + steps[0] > r.pii + gap + steps[1]))
        assert prob == pytest.approx(simulated, abs=0.01)
    assert list(p) == sorted(p)    # a smaller gap, a larger chance


def test_a_profile_gets_one_probability_on_its_pages_and_from_the_command(profile_run, capsys):
    """Feasibility runs at the profile level: the summary and page 03 print P(target) from the totals, the
    value `pii feasibility --data` gives (same draws, same seed), with the range over the models."""
    from pii_analysis.cli.main import main
    from pii_analysis.report.formatting import fmt_pct

    _, out = profile_run
    assert main(["feasibility", "--data", str(KH_PROFILE), "--format", "json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["target_rank"] == 10 and meta["target_origin"] == "default"     # Khánh Hòa 9th: the Top-10 band
    p, (lo, hi) = fmt_pct(meta["probability"], "vi"), (fmt_pct(v, "vi") for v in meta["model_range"])
    sentence = f"Xác suất đạt hạng ≤ 10 năm 2030: {p}"
    for name in ("summary.html", "03_top10_feasibility.html"):
        text = page_text(out / "khanh-hoa" / name)
        assert sentence in text and f"từ {lo} đến {hi}" in text, name
