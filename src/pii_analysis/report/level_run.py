"""`pii report` below the full panel: a province's profile, or published results only.

The run is `report.run.run_report` (one skeleton for every level); `BelowPanel` is what these levels
hold: no processed panel tables and no shared projection; the results CSVs are the level's tables
(scores from the profile, gap to each rank, published totals); each province's summary is written
from the level's analysis; the landing page lists the provinces of today's map from the published
totals, those without a published total marked as such.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pii_analysis.analysis.cache import file_checksum
from pii_analysis.analysis.defaults import DEFAULT_TARGET_YEAR
from pii_analysis.analysis.plan import judge_plan
from pii_analysis.analysis.profile_level import LevelResult, open_level
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.report.run_levels import RunLevel
from pii_analysis.report.run_plan import Outcome
from pii_analysis.report.run_tables import joinable
from pii_analysis.report.files import atomic_write, write_csv
from pii_analysis.report.site import SUMMARY, nav, page_title, slug
from pii_analysis.report.summary import plan_rows


def level_results(results: dict[str, LevelResult]) -> dict[str, pd.DataFrame]:
    """The level's tables of the chosen provinces: rank_gaps, published_totals and (profile) profile_scores,
    unit_drivers; each joinable (province, year, data_status, data_level)."""
    out: dict[str, list[pd.DataFrame]] = {}
    for r in results.values():
        where = {"province": r.province, "year": r.year, "data_status": r.data_status, "data_level": r.data_level}
        out.setdefault("rank_gaps", []).append(joinable(r.gaps, **where))
        if r.answers("drivers") == "units":      # the profile: its scores and drivers in its own units
            out.setdefault("profile_scores", []).append(joinable(r.scores, **where))
            out.setdefault("unit_drivers", []).append(joinable(r.drivers, **where))
    first = next(iter(results.values()))
    totals = first.totals.assign(data_status=np.where(first.totals["published"], "published", "not published"))
    tables = {k: pd.concat(v, ignore_index=True) for k, v in out.items()}
    tables["published_totals"] = joinable(totals, data_status="published", data_level="published",
                                               year=first.year)
    return tables


def landing_ranking(result: LevelResult, results: dict | None = None) -> pd.DataFrame:
    """The landing page's table from the published totals: every province of today's map, rank and PII
    where published, `data_status` 'published' or 'not_published'; no previous year on this map.
    `rank_label`: the rank figure, for a province of `results` the one every page shows (its interval
    when the published table allows several ranks)."""
    from pii_analysis.report.level_pages import rank_figure

    t = result.totals
    out = pd.DataFrame({"province": t["province"], "rank": t["rank"], "pii": t["pii_score"],
                        "prev_year": np.nan, "prev_rank": pd.NA, "prev_pii": np.nan,
                        "rank_change": pd.array([pd.NA] * len(t), dtype="Int64"), "pii_change": np.nan,
                        "data_status": np.where(t["pii_score"].notna(), "published", "not_published")})
    out["rank_label"] = [str(int(r)) if pd.notna(r) else "—" for r in out["rank"]]
    for province, r in (results or {}).items():
        at = out["province"] == province
        out.loc[at, "rank_label"] = rank_figure(r)
        if at.any() and pd.isna(out.loc[at, "pii"]).all() and np.isfinite(r.pii):
            out.loc[at, "pii"] = r.pii
            out.loc[at, "data_status"] = r.data_status
    return out


def write_level_summary(folder: Path, result: LevelResult, *, lang: str, pages: list[str],
                        target_year: int) -> Path:
    """<slug>/summary.html below the panel: rank and score (published or from the profile), the rank
    target replaced by the gap to the next published total and the projection band of the total, the
    three levers of `analysis.levers.profile_levers` (profile level), the data line."""
    from pii_analysis.report import level_pages as lp
    from pii_analysis.report.formatting import fmt_num
    from pii_analysis.report.labels import level_text
    from pii_analysis.report.site import render
    from pii_analysis.report.summary import TEXT as STEXT
    from pii_analysis.report.i18n import text

    levers = lp.profile_lever_items(result, lang, target_year) if result.answers("levers") else []
    counts = lp.counts(result)
    rank = lp.rank_figure(result)
    context = {
        "lang": lang, "title": text(STEXT, "title", lang, province=result.province, year=result.year),
        "tab_title": page_title("summary", result.province, result.year, lang),
        "nav": nav(pages, "summary", lang), "nav_label": result.province, "banner": lp.banner(result, lang),
        "rank": rank, "n": counts["n_all"], "of": text(STEXT, "of", lang, n=counts["n_all"]),
        "pii": fmt_num(result.pii, lang),
        "change": {"label": text(STEXT, "change_label_none", lang), "value": "–",
                   "note": lp.summary_text("change", lang)},
        "labels": {k: text(STEXT, k, lang) for k in (
            "rank", "score", "h_target", "h_levers", "h_data", "h_assumed", "pages")},
        "target": lp.summary_gap(result, lang), "probability": lp.projection_text(result, lang, target_year),
        "probability_note": lp.summary_text("target_note", lang, **counts),
        "levers": levers,
        "data_line": lp.standing_text(result, lang, markdown=False),
        "level": level_text(result.data_level, lang),
        "assumed": [lp.summary_text("assumed", lang)],
    }
    context["labels"]["levers_rule"] = lp.profile_levers_rule(lang) if levers else ""
    context["labels"]["levers_note"] = "" if levers else lp.summary_text("no_levers", lang)
    context["plan"] = plan_rows(judge_plan(result, result.province), lang, folder)
    return atomic_write(folder / SUMMARY, render("summary.html.j2", **context))


def level_analyses(data_path, provinces: list[str] | None, all_provinces: bool, year: int | None,
                   sheet: str | None, data_level: str | None = None) -> dict[str, LevelResult]:
    """The level's analysis of each chosen province: a profile's own province (a different --province is
    refused); with published results, the named provinces or (--all) every one with a published total."""
    from pii_analysis.analysis.profile_level import analyse_published, level_of, published_provinces

    if (data_level or level_of(data_path, sheet)) == "profile":
        if all_provinces or len(provinces or []) > 1:
            raise PiiInputError("a profile holds one province: --all and several --province need a full panel",
                                file=data_path, column="province")
        r = open_level(data_path, province=(provinces or [None])[0], year=year, sheet=sheet, level="profile")
        return {r.province: r}
    if all_provinces:
        provinces = published_provinces(data_path, year)
    if not provinces:
        raise PiiInputError("published results hold every province: name one with --province (or --all)",
                            file=data_path, column="province")
    out: dict[str, LevelResult] = {}
    for p in provinces:
        r = analyse_published(data_path, p, year)
        out[r.province] = r
    return out


class BelowPanel(RunLevel):
    """The run's level below the full panel (`report.run.run_report` is the run): the level's tables, no
    shared work, each province's summary from the level's analysis, the landing page from the published
    totals."""

    def __init__(self, out: Path, data_path: str | Path, provinces: list[str] | None, *, all_provinces: bool,
                 year: int | None, sheet: str | None, lang: str, notebooks: list[Path], data_level: str | None = None,
                 **panel_only: Any) -> None:
        """`data_level`: the level the caller decided (else read from the file); `panel_only`: the run's decimal,
        processed, n_draws, seed and target_rank, which do not apply here."""
        self.results = level_analyses(data_path, provinces, all_provinces, year, sheet, data_level)
        self.first = first = next(iter(self.results.values()))
        data = {"path": str(data_path), "sha256": file_checksum(Path(data_path)), "status": first.data_status,
                "level": first.data_level, "framework_sha256": file_checksum(paths.raw_file(paths.FRAMEWORK)),
                "published_sha256": file_checksum(paths.raw_file(paths.PUBLISHED))}
        super().__init__(out, data_level=first.data_level, year=first.year, provinces=list(self.results), lang=lang,
                         notebooks=notebooks,
                         data=data, parameters={"data_level": first.data_level})

    def write_tables(self, results: Path) -> None:
        for name, frame in level_results(self.results).items():
            write_csv(frame, results / f"{name}.csv", float_format="%.6f")

    def context_of(self, province: str) -> LevelResult:
        return self.results[province]   # a level result has data_status and data_level

    def write_summary(self, province: str) -> None:
        write_level_summary(self.out / slug(province), self.results[province], lang=self.lang, pages=self.pages,
                            target_year=DEFAULT_TARGET_YEAR)

    def landing(self, outcomes: list[Outcome], *, interrupted: dict | None = None) -> Path:
        from pii_analysis.report import landing, national_plots
        from pii_analysis.report import level_pages as lp
        from pii_analysis.report.profile_plots import data_uri

        first, lang = self.first, self.lang
        ranking = landing_ranking(first, self.results)
        n_pub = int(first.totals["published"].sum())
        totals = ranking[ranking["data_status"] == "published"].dropna(subset=["rank", "pii"])    # the chart shows the published totals only
        chart = data_uri(national_plots.ranking_chart(totals, first.year, lang)) \
            if len(totals) and interrupted is None else ""
        return landing.write_landing(self.out, lang=lang, year=first.year, ranking=ranking, outcomes=outcomes,
                                     data_status="published", banner=lp.site_banner(first, lang),
                                     summaries=self.linked(interrupted), chart_uri=chart, interrupted=interrupted,
                                     intro=landing._t("intro_published", lang, year=first.year, n_pub=n_pub,
                                                      n=len(ranking)))
