"""`pii report` below the full panel: a province's profile, or published results only.

The same run as `report.run.run_report` (lock, signals, notebooks in worker processes, run log,
manifest), with what these levels hold: no processed panel tables and no shared projection; the
results CSVs are the level's tables (scores from the profile, gap to each rank, published totals);
each province's summary is written from the level's analysis; the landing page lists the provinces
of today's map from the published totals, those without a published total marked as such.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis import __version__
from pii_analysis.analysis.cache import file_checksum
from pii_analysis.analysis.defaults import DEFAULT_TARGET_YEAR
from pii_analysis.analysis.profile_level import LevelResult, open_level
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.report import run as base
from pii_analysis.report.files import atomic_write, write_csv
from pii_analysis.report.i18n import check_lang
from pii_analysis.report.site import SUMMARY, nav, page_title, slug


def level_results(results: dict[str, LevelResult]) -> dict[str, pd.DataFrame]:
    """The level's tables of the chosen provinces: rank_gaps, published_totals and (profile) profile_scores,
    unit_drivers; each joinable (province, year, data_status, data_level)."""
    out: dict[str, list[pd.DataFrame]] = {}
    for r in results.values():
        where = {"province": r.province, "year": r.year, "data_status": r.data_status, "data_level": r.data_level}
        out.setdefault("rank_gaps", []).append(base.joinable(r.gaps, **where))
        if r.data_level == "profile":
            out.setdefault("profile_scores", []).append(base.joinable(r.scores, **where))
            out.setdefault("unit_drivers", []).append(base.joinable(r.drivers, **where))
    first = next(iter(results.values()))
    totals = first.totals.assign(data_status=np.where(first.totals["published"], "published", "not published"))
    tables = {k: pd.concat(v, ignore_index=True) for k, v in out.items()}
    tables["published_totals"] = base.joinable(totals, data_status="published", data_level="published",
                                               year=first.year)
    return tables


def landing_ranking(result: LevelResult) -> pd.DataFrame:
    """The landing page's table from the published totals: every province of today's map, rank and PII
    where published, `data_status` 'published' or 'not_published'; no previous year on this map."""
    t = result.totals
    return pd.DataFrame({"province": t["province"], "rank": t["rank"], "pii": t["pii_score"],
                         "prev_year": np.nan, "prev_rank": pd.NA, "prev_pii": np.nan,
                         "rank_change": pd.array([pd.NA] * len(t), dtype="Int64"), "pii_change": np.nan,
                         "data_status": np.where(t["pii_score"].notna(), "published", "not_published")})


def write_level_summary(folder: Path, result: LevelResult, *, lang: str, pages: list[str],
                        target_year: int) -> Path:
    """<slug>/summary.html below the panel: rank and score (published or from the profile), the rank
    target replaced by the gap to the next published total and the projection band of the total, the
    three indicators that close the gap with the fewest units of their own (profile level), the data line."""
    from pii_analysis.report import level_pages as lp
    from pii_analysis.report.formatting import fmt_num
    from pii_analysis.report.labels import level_text
    from pii_analysis.report.site import render
    from pii_analysis.report.summary import TEXT as STEXT
    from pii_analysis.report.i18n import text

    from pii_analysis.data.levers import lever_columns, load_levers

    levers = []
    if result.data_level == "profile":   # the most room to raise the PII before the national maximum
        picked = result.drivers.sort_values("max_pii_gain", ascending=False).head(3)
        agencies = lever_columns(load_levers(), list(picked["code"]), lang)["lead_agency"]
        for row in picked.to_dict("records"):
            name = row["name_vi" if lang == "vi" else "name_en"] or row["name_vi"]
            agency = str(agencies.get(row["code"], "") or "").strip()
            lead = text(STEXT, "lead", lang, agency=agency) if agency else text(STEXT, "lead_unknown", lang)
            levers.append({"code": row["code"], "name": name, "what": lp.lever_text(row, lang), "lead": lead})
    counts = lp.counts(result)
    rank = int(result.rank) if np.isfinite(result.rank) else "—"
    context = {
        "lang": lang, "title": text(STEXT, "title", lang, province=result.province, year=result.year),
        "tab_title": page_title("summary", result.province, result.year, lang),
        "nav": nav(pages, "summary", lang), "nav_label": result.province, "banner": lp.banner(result, lang),
        "rank": rank, "n": counts["n_all"], "of": text(STEXT, "of", lang, n=counts["n_all"]),
        "pii": fmt_num(result.pii, lang),
        "change": {"label": text(STEXT, "change_label_none", lang), "value": "–",
                   "note": lp.summary_text("change", lang)},
        "labels": {k: text(STEXT, k, lang) for k in (
            "rank", "score", "h_target", "h_levers", "h_data", "h_assumed", "levers_note", "pages")},
        "target": lp.summary_gap(result, lang), "probability": lp.projection_text(result, lang, target_year),
        "probability_note": lp.summary_text("target_note", lang, **counts),
        "levers": levers,
        "data_line": lp.standing_text(result, lang, markdown=False),
        "level": level_text(result.data_level, lang),
        "assumed": [lp.summary_text("assumed", lang)],
    }
    context["labels"]["levers_note"] = lp.summary_text("levers_rule" if levers else "no_levers", lang)
    context["labels"]["levers_rule"] = ""          # the panel's rule (summary.TEXT) does not apply here
    return atomic_write(folder / SUMMARY, render("summary.html.j2", **context))


def run_level_report(provinces: list[str] | None = None, *, all_provinces: bool = False, year: int | None = None,
                     data_path: str | Path, out_dir: str | Path = "reports", lang: str = "vi", jobs: int = 1,
                     n_draws: int = base.DEFAULT_DRAWS, seed: int = base.DEFAULT_SEED, timeout: int = base.TIMEOUT,
                     notebooks: list[Path] | None = None, kernel: str = base.KERNEL, progress: bool = True,
                     sheet: str | None = None, decimal: str | None = None,
                     target_rank: int | None = None) -> base.RunResult:
    """`run_report` for a profile or a published-results file (see the module docstring; `pii report`
    calls it when `analysis.profile_level.level_of(--data)` is not 'panel')."""
    t0 = time.perf_counter()
    lang = check_lang(lang)
    out = base.writable_directory(Path(out_dir).resolve(), "--out")
    with base.run_lock(out), base.stop_on_signals(), base._kernel_runtime_dir():
        results = level_analyses(data_path, provinces, all_provinces, year, sheet)
        first = next(iter(results.values()))
        year = first.year
        chosen = list(results)
        notebooks = base.available_notebooks() if notebooks is None else [Path(n) for n in notebooks]
        data_file = Path(data_path)
        data = {"path": str(data_path), "sha256": file_checksum(data_file), "status": first.data_status,
                "level": first.data_level}
        run_parameters = {"year": year, "data_path": str(data_file.resolve()), "lang": lang, "base_year": year,
                          "target_year": DEFAULT_TARGET_YEAR, "n_draws": n_draws, "seed": seed, "sheet": sheet,
                          "decimal": decimal}
        if target_rank is not None:
            run_parameters["target_rank"] = target_rank
        meta = {"seed": seed, "n_draws": n_draws}
        job_list = base.plan(notebooks, chosen, run_parameters, out, kernel=kernel, timeout=timeout)
        timings: dict[str, float] = {}
        manifest = {
            "package": "pii-analysis", "version": __version__,
            "parameters": {"provinces": chosen, "year": year, "lang": lang, "n_draws": n_draws, "seed": seed,
                           "target_rank": target_rank, "target_year": DEFAULT_TARGET_YEAR, "jobs": jobs,
                           "timeout": timeout, "kernel": kernel, "notebooks": [Path(n).name for n in notebooks],
                           "data_level": first.data_level},
            "data": {**data, "framework_sha256": file_checksum(paths.raw_file(paths.FRAMEWORK)),
                     "published_sha256": file_checksum(paths.raw_file(paths.PUBLISHED))},
            "html_max_bytes": base.HTML_MAX_BYTES,
        }
        outcomes: list[base.Outcome] = []
        try:
            t = time.perf_counter()
            for name, frame in level_results(results).items():
                write_csv(frame, out / "results" / f"{name}.csv", float_format="%.6f")
            timings["tables"] = time.perf_counter() - t
            t = time.perf_counter()
            pool = base._start_pool(jobs, out / ".logs" / "kernels.log")
            try:
                outcomes = base._run_jobs(job_list, pool, progress, outcomes)
            except BaseException:
                base._stop_processes(pool)
                raise
            pool.shutdown(wait=True)
            for o in outcomes:   # the notebooks' CSVs get the join columns (a level result has data_status/level)
                base.make_joinable(out / slug(o.province) / f"{Path(o.notebook).stem}_results", results[o.province],
                                   o.province, o.year)
            timings["notebooks"] = time.perf_counter() - t
            t = time.perf_counter()
            index = write_level_site(out, results, outcomes, lang=lang, notebooks=notebooks, data=data, meta=meta,
                                     timings=timings)
            timings["pages"] = time.perf_counter() - t
        except base.RunInterrupted as stop:
            interrupted = {"signal": signal.Signals(stop.signum).name, "seconds": round(time.perf_counter() - t0, 1),
                           "finished": len(outcomes), "total": len(job_list)}
            from pii_analysis.report import landing
            landing.write_run_log(out, lang=lang, outcomes=outcomes, data=data, meta=meta, version=__version__,
                                  timings=timings, interrupted=interrupted)
            base._finish(out, outcomes, manifest, timings, t0, interrupted=interrupted)
            raise
        manifest_path = base._finish(out, outcomes, manifest, timings, t0)
        return base.RunResult(index=index, outcomes=outcomes, manifest=manifest_path)


def level_analyses(data_path, provinces: list[str] | None, all_provinces: bool, year: int | None,
                   sheet: str | None) -> dict[str, LevelResult]:
    """The level's analysis of each chosen province: a profile's own province (a different --province is
    refused); with published results, the named provinces or (--all) every one with a published total."""
    from pii_analysis.analysis.profile_level import analyse_published, level_of, published_provinces

    if level_of(data_path, sheet) == "profile":
        if all_provinces or len(provinces or []) > 1:
            raise PiiInputError("a profile holds one province: --all and several --province need a full panel",
                                file=data_path, column="province")
        r = open_level(data_path, province=(provinces or [None])[0], year=year, sheet=sheet)
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


def write_level_site(out: Path, results: dict[str, LevelResult], outcomes: list, *, lang: str,
                     notebooks: list[Path], data: dict, meta: dict, timings: dict[str, float]) -> Path:
    """Summaries, the landing page from the published totals, and the run log."""
    from pii_analysis.report import landing, national_plots
    from pii_analysis.report import level_pages as lp
    from pii_analysis.report.profile_plots import data_uri

    pages = ["summary", *(Path(nb).stem for nb in notebooks)]
    summaries: dict[str, str] = {}
    for province, r in results.items():
        try:
            write_level_summary(out / slug(province), r, lang=lang, pages=pages, target_year=DEFAULT_TARGET_YEAR)
            summaries[province] = f"{slug(province)}/{SUMMARY}"
        except Exception as exc:  # listed with the failed reports; the other pages are still written
            outcomes.append(base.Outcome(notebook=SUMMARY, province=province, year=r.year, parameters={},
                                         error=base._error_of(exc), attempts=1))
    first = next(iter(results.values()))
    ranking = landing_ranking(first)
    landing.write_run_log(out, lang=lang, outcomes=outcomes, data=data, meta=meta, version=__version__,
                          timings=timings)
    n_pub = int(first.totals["published"].sum())
    totals = ranking.dropna(subset=["rank", "pii"])    # the chart shows the published totals only
    chart = data_uri(national_plots.ranking_chart(totals, first.year, lang)) if len(totals) else ""
    return landing.write_landing(out, lang=lang, year=first.year, ranking=ranking, outcomes=outcomes,
                                 data_status="published", banner=lp.site_banner(first, lang), summaries=summaries,
                                 chart_uri=chart, intro=landing._t("intro_published", lang, year=first.year,
                                                                n_pub=n_pub, n=len(ranking)))

