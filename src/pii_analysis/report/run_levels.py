"""What a run does that depends on the data's level: `RunLevel` (the site's bookkeeping common to every
level) and `PanelLevel` (the full panel); `level_run.BelowPanel` is a province's profile or published results.
`run.run_report` is the one run skeleton for every level."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis import __version__
from pii_analysis.analysis.cache import file_checksum
from pii_analysis.analysis.projection import Projection
from pii_analysis.data import paths
from pii_analysis.index.context import Context, load_context, resolve_data_path
from pii_analysis.report import run_tables
from pii_analysis.report.run_kernels import _error_of
from pii_analysis.report.run_plan import Job, Outcome, pages_at
from pii_analysis.report.run_tables import (
    TARGET_YEAR, choose_provinces, make_joinable, profile_results, shared_tables, shared_work, targets,
    write_processed)
from pii_analysis.report.site import SUMMARY, slug


class RunLevel:
    """What a run does that depends on the data's level; `run_report` is the one run skeleton (lock, signals,
    kernel runtime directory, parameters, manifest, worker pool, interrupt) for every level.

    A level gives the chosen provinces and year, the description of its data (`data`: path, checksums), its
    results tables (`write_tables`), the work every notebook shares (`shared_work`: none below the panel)
    and the pages the run writes itself: a summary per province (`write_summary`) and the landing page
    (`landing`). `PanelLevel` is the full panel; `level_run.BelowPanel` a province's profile or published
    results only.

    The site's bookkeeping is common: a province's summary (and the join columns of its notebooks' CSVs) is
    written as soon as its last notebook finishes (`province_finished`), while the workers go on with the
    others; `write_site` then writes the summaries still missing, the run log and the landing page; an
    interrupted run writes the run log and a quick landing page (`write_stopped`). A summary that fails is
    listed with the failed reports."""

    def __init__(self, out: Path, *, data_level: str, year: int, provinces: list[str], lang: str,
                 notebooks: list[Path], data: dict, parameters: dict | None = None,
                 notes: tuple[str, ...] = ()) -> None:
        self.out, self.year, self.provinces, self.lang = out, year, provinces, lang
        self.data_level = data_level    # decided once where the data are read; each notebook is given it
        self.data, self.parameters, self.notes = data, parameters or {}, notes
        self.notebooks = pages_at(notebooks, data_level)   # the pages (report.pages) that run at this level
        self.pages = ["summary", *(str(nb) for nb in self.notebooks)]   # paths: their entries name them
        self.summaries: dict[str, str] = {}
        self.failed: list[Outcome] = []

    # --- what a level gives ---------------------------------------------------------------------
    def warm(self, kernel: str) -> dict[str, Any] | None:
        """What each worker's kernel loads before its first notebook (`warm_kernel`); None: nothing."""
        return None

    def write_tables(self, results: Path) -> None:
        """The run's results tables (joinable) in `results`."""
        raise NotImplementedError

    def shared_work(self, results: Path) -> bool:
        """Compute the work the notebooks share (and write its tables); False: the level has none."""
        return False

    def context_of(self, province: str) -> Any:
        """What the join columns of the province's notebook CSVs come from (its data_status and data_level)."""
        raise NotImplementedError

    def write_summary(self, province: str) -> None:
        """<slug>/summary.html of the province."""
        raise NotImplementedError

    def landing(self, outcomes: list[Outcome], *, interrupted: dict | None = None) -> Path:
        """index.html linking the summaries written (interrupted: quickly, no chart and no summary linked)."""
        raise NotImplementedError

    # --- the site ------------------------------------------------------------------------------
    def linked(self, interrupted: dict | None = None) -> dict[str, str]:
        """The summaries the landing page links, in the provinces' order (none when the run was interrupted)."""
        return {} if interrupted else {p: self.summaries[p] for p in self.provinces if p in self.summaries}

    def province_finished(self, jobs: list[Job]):
        """A callback for each finished notebook: once all of a province's notebooks are done, their CSVs get
        the join columns and the province's summary is written."""
        left: dict[str, int] = {}
        for job in jobs:
            left[job.province] = left.get(job.province, 0) + 1

        def finished(outcome: Outcome) -> None:
            make_joinable(self.out / slug(outcome.province) / f"{Path(outcome.notebook).stem}_results",
                          self.context_of(outcome.province), outcome.province, outcome.year)
            left[outcome.province] -= 1
            if not left[outcome.province]:
                self.summary(outcome.province)
        return finished

    def summary(self, province: str) -> None:
        try:
            self.write_summary(province)
            self.summaries[province] = f"{slug(province)}/{SUMMARY}"
        except Exception as exc:  # a summary that fails is listed with the failed reports, the others go on
            self.failed.append(Outcome(notebook=SUMMARY, province=province, year=self.year, parameters={},
                                       error=_error_of(exc), attempts=1))

    def write_site(self, outcomes: list[Outcome], *, meta: dict, timings: dict[str, float]) -> Path:
        """The summaries not written yet, the run log and the landing page (failed summaries are appended to
        `outcomes`)."""
        from pii_analysis.report import landing

        done = {o.province for o in self.failed} | set(self.summaries)
        for province in self.provinces:
            if province not in done:
                self.summary(province)
        order = {p: i for i, p in enumerate(self.provinces)}
        outcomes.extend(sorted(self.failed, key=lambda o: order.get(o.province, len(order))))
        landing.write_run_log(self.out, lang=self.lang, outcomes=outcomes, data=self.data, meta=meta,
                              version=__version__, timings=timings)
        return self.landing(outcomes)

    def write_stopped(self, outcomes: list[Outcome], *, meta: dict, timings: dict[str, float],
                      interrupted: dict) -> Path:
        """The run log and the landing page of an interrupted run: quickly (no chart, no new summary), saying
        that the run was interrupted and which reports finished."""
        from pii_analysis.report import landing

        landing.write_run_log(self.out, lang=self.lang, outcomes=outcomes, data=self.data, meta=meta,
                              version=__version__, timings=timings, interrupted=interrupted)
        return self.landing(outcomes, interrupted=interrupted)


class PanelLevel(RunLevel):
    """The full panel: the processed score tables and the profile tables, the projection of all provinces
    computed once for every notebook, a summary per province with its target as page 03's (the run's
    `target_rank`, else its own or default target), the landing page with the year's change and regions."""

    def __init__(self, out: Path, data_path: str | Path | None, provinces: list[str] | None, *,
                 all_provinces: bool, year: int | None, sheet: str | None, decimal: str | None, lang: str,
                 notebooks: list[Path], n_draws: int, seed: int, target_rank: int | None,
                 processed: str | Path | None) -> None:
        ctx = load_context(data_path, sheet=sheet, decimal=decimal)
        year = ctx.check_year(year)
        data_file = resolve_data_path(data_path)
        data = {"path": str(data_path) if data_path else str(data_file.relative_to(paths.REPO_ROOT))
                if data_file.is_relative_to(paths.REPO_ROOT) else str(data_file),
                "sha256": file_checksum(data_file), "status": ctx.data_status,
                "framework_sha256": file_checksum(paths.raw_file(paths.FRAMEWORK)),
                "method_sha256": file_checksum(paths.raw_file(paths.METHOD))}
        super().__init__(out, data_level=ctx.data_level, year=year, lang=lang, notebooks=notebooks, data=data,
                         provinces=choose_provinces(ctx, provinces, all_provinces, year), notes=ctx.panel.notes)
        self.ctx, self.processed, self.target_rank = ctx, processed, target_rank
        self.n_draws, self.seed = n_draws, seed
        self.warm_data = {"data_path": str(Path(data_path).resolve()) if data_path else None, "sheet": sheet,
                          "decimal": decimal}
        self.shared: Projection | None = None
        self.lead: pd.DataFrame | None = None     # the levers' lead departments, read once

    def warm(self, kernel: str) -> dict[str, Any]:
        return {"kernel": kernel, **self.warm_data}

    def write_tables(self, results: Path) -> None:
        if self.processed is not None:
            write_processed(self.ctx, self.processed)
        write_processed(self.ctx, results)
        for name, frame in profile_results(self.ctx, self.provinces, self.year).items():
            run_tables.write_result(frame, results / f"profile_{name}.csv", self.ctx, year=self.year)

    def shared_work(self, results: Path) -> bool:
        ctx, chosen = self.ctx, self.provinces
        self.shared = shared_work(ctx, base_year=self.year, target_year=TARGET_YEAR, n_draws=self.n_draws,
                                  seed=self.seed)
        for name, frame in shared_tables(self.shared, chosen, targets(ctx, chosen, self.year,
                                                                      self.target_rank)).items():
            run_tables.write_result(frame, results / f"{name}.csv", ctx)
        return True

    def context_of(self, province: str) -> Context:
        return self.ctx

    def write_summary(self, province: str) -> None:
        from pii_analysis.data.levers import load_levers
        from pii_analysis.report import labels
        from pii_analysis.report.annex import write_plan_annex
        from pii_analysis.report.summary import write_summary

        ctx, year, lang = self.ctx, self.year, self.lang
        if self.lead is None:
            self.lead = load_levers()
        folder = self.out / slug(province)
        drivers_csv = folder / "02_rank_drivers_results" / "drivers.csv"
        # page 02's levers; without them the summary ranks them toward the province's target itself
        drivers = pd.read_csv(drivers_csv, dtype={"indicator": str}) if drivers_csv.exists() else pd.DataFrame()
        banner = labels.page_banner(ctx, province, year, lang, projection=True)
        write_plan_annex(folder, ctx, province, self.shared, lang)   # linked from the summary (issue 22)
        write_summary(folder, ctx, province, year, lang=lang, projection=self.shared, target_rank=self.target_rank,
                      target_year=TARGET_YEAR, drivers=drivers, banner=banner, pages=self.pages,
                      lead=self.lead)

    def landing(self, outcomes: list[Outcome], *, interrupted: dict | None = None) -> Path:
        from pii_analysis.analysis.national import ranking_with_change
        from pii_analysis.data.regions import load_regions
        from pii_analysis.report import landing, labels, national_plots
        from pii_analysis.report.profile_plots import data_uri

        ctx, year, lang = self.ctx, self.year, self.lang
        ranking = ranking_with_change(ctx, year)
        chart, regions = "", None
        if interrupted is None:
            regions = load_regions()
            if regions is not None and not set(ranking["province"]) <= set(regions["province"]):
                regions = None             # a data set with other provinces: no regional column
            chart = data_uri(national_plots.ranking_chart(ranking, year, lang))
        return landing.write_landing(self.out, lang=lang, year=year, ranking=ranking, outcomes=outcomes,
                                     data_status=ctx.data_status, banner=labels.page_banner(ctx, None, None, lang),
                                     summaries=self.linked(interrupted), chart_uri=chart, regions=regions,
                                     interrupted=interrupted)
