"""The annual report run: execute the notebooks for each province, render shareable HTML, index it.

`run_report` executes every notebook of `NOTEBOOKS` that exists, for each chosen province,
with papermill in parallel processes (explicit kernel, a timeout, one retry when the kernel
fails), and renders each to one offline HTML file without code cells, figures embedded as
PNG and no JavaScript library (bounded by `HTML_MAX_BYTES`). Beside each HTML it writes the
executed notebook, scrubbed of volatile metadata, so a rerun on the same inputs and seed
gives the same files. The run ends with `index.html` (every report with its parameters and
status, failures with their error), CSV results and `manifest.json` (parameters, seed, data
checksum, package version, timings, status per report).

Work shared by all provinces (the projection of all 34) is computed once, before the
notebooks start, into a cache inside the output directory ($PII_CACHE_DIR) that every
notebook reuses through `pii_analysis.analysis.cache.memo`. Each worker process keeps one kernel, with
one connected client, from report to report (its namespace reset before each notebook), so
imports, the loaded data and the connection handshake are paid once per worker.

Defaults: the seed is `projection.DEFAULT_SEED` and the draws `DEFAULT_DRAWS`, the same as the
notebooks' and `pii feasibility`'s, so a default report reproduces a default notebook run.
"""
from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import secrets
import signal
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis import __version__
from pii_analysis.analysis.cache import ENV as CACHE_ENV
from pii_analysis.analysis.cache import KEY_ENV as CACHE_KEY_ENV
from pii_analysis.analysis.cache import file_checksum, foreign_entries
from pii_analysis.analysis.defaults import (
    DEFAULT_DRAWS,
    DEFAULT_PROVINCE,
    DEFAULT_SEED,
    DEFAULT_TARGET_RANK,
    DEFAULT_TARGET_YEAR,
)
from pii_analysis.analysis.projection import Projection
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.context import Context, load_context, resolve_data_path
from pii_analysis.report.defaults import TIMEOUT
from pii_analysis.report.files import atomic_write, write_csv
from pii_analysis.report.html_export import HIDE_TAG, render_html  # noqa: F401 - kept importable here
from pii_analysis.report.run_plan import (  # noqa: F401 - kept importable here
    KERNEL, NOTEBOOK_DIR, NOTEBOOKS, VOLATILE_RUN_KEYS, Job, Outcome, available_notebooks, cell_durations,
    declared_parameters, notebook_parameters, plan, scrub)
from pii_analysis.report.i18n import check_lang
from pii_analysis.report.run_supervise import (  # noqa: F401 - kept importable here
    DISK_FULL, KERNELS_DIR, LOCK_NAME, STOP_GRACE, RunDiskFull, RunInterrupted, disk_full, kernel_runtime_dir,
    run_lock, stop_on_signals, stop_processes, sweep_kernel_dirs)
from pii_analysis.report.run_kernels import (  # noqa: F401 - kept importable here
    HTML_MAX_BYTES, KERNEL_ARGUMENTS, RESULTS_ENV, START_TIMEOUT, WARM_CODE, WARM_ENGINE, _error_of,
    ResultsNotSaved, _init_worker, _kernel_launch, die_with_parent, execute_job, save_results, warm_kernel)
from pii_analysis.report.site import SUMMARY, slug

TARGET_YEAR = DEFAULT_TARGET_YEAR   # horizon of the shared projection (and of notebook 03)
# The run's seed and draws are the projection's defaults (and the notebooks' and `pii feasibility`'s),
# so a report and a notebook run with default settings give the same tables; the projection of all
# provinces is computed once per run, so full precision costs the run little.


# --- plan and one report's notebook: report/run_plan.py ---------------------------------




# --- shared work and processed tables --------------------------------------------------------
TARGET_RANK = DEFAULT_TARGET_RANK   # the notebooks' default target rank (the run does not set it)


def shared_work(ctx: Context, *, base_year: int, target_year: int, n_draws: int, seed: int,
                target_rank: int = TARGET_RANK) -> Projection:
    """Compute, once per run, the work every notebook reuses (the caller has set $PII_CACHE_DIR, so the
    notebooks load it instead of recomputing it): the projection of all provinces with the run's draws
    (the one set of draws every section of a page uses), and the method uncertainty of all
    provinces for the base year and for the target year on the trend path (`verdict.uncertainty_table`'s
    two calls). Returns the projection with the run's draws."""
    from pii_analysis.analysis.projection import deterministic_rates, secondary_draws, shared_projection
    from pii_analysis.analysis.uncertainty import method_uncertainty

    draws = secondary_draws(n_draws)  # exactly what notebook 03 asks for
    shared = shared_projection(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    projected = deterministic_rates(ctx, base_year=base_year, target_year=target_year)[2][-1]
    for rates in (None, projected):
        method_uncertainty(ctx, rates=rates, year=base_year, n_draws=draws["uncertainty"], seed=seed,
                           target_rank=target_rank)
    return shared


def targets(ctx: Context, provinces: list[str], year: int, target_rank: int | None = None) -> dict[str, int]:
    """Each chosen province's target rank (its own, the default for its band, or `target_rank`)."""
    from pii_analysis.analysis.targets import province_target

    return {p: province_target(ctx, p, base_year=year, target_rank=target_rank, target_year=TARGET_YEAR).rank
            for p in provinces}


def shared_tables(shared: Projection, provinces: list[str], target_ranks: dict[str, int] | int = 10
                  ) -> dict[str, pd.DataFrame]:
    """Machine-readable tables of the shared projection: bands of all provinces and, for the chosen
    provinces, rank quantiles and the probability of a rank <= the province's target rank per year (all
    labelled as projections)."""
    ranks = target_ranks if isinstance(target_ranks, dict) else {p: target_ranks for p in provinces}
    out = {"projection_bands": shared.bands(),
           "projection_probabilities": pd.concat(
               [shared.rank_summary(p, ranks[p]).assign(province=p, target_rank=ranks[p]) for p in provinces],
               ignore_index=True)}
    return {k: v.assign(data_kind="projection (simulated)") for k, v in out.items()}


def write_processed(ctx: Context, out_dir: str | Path | None = None) -> list[Path]:
    """Write the processed score tables: tidy scores, the ranking of each year, outlier treatments."""
    out = Path(out_dir) if out_dir else paths.REPO_ROOT / "data" / "processed"
    out.mkdir(parents=True, exist_ok=True)
    s = ctx.scores
    ranking = pd.concat([s.ranking(y).assign(year=y) for y in s.years], ignore_index=True)
    tables = {"pii_scores_tidy.csv": s.table, "pii_ranking.csv": ranking[["year", *ranking.columns[:-1]]],
              "pii_treatments.csv": s.treatments}
    written = []
    for name, frame in tables.items():
        written.append(write_result(frame, out / name, ctx))
    return written


def writable_directory(path: str | Path, option: str) -> Path:
    """The directory, created if needed, after checking that a file can be written in it; never inside the
    raw data (data/raw or $PII_DATA_DIR), which a run must not modify."""
    p = Path(path)
    raw = [paths.REPO_ROOT / "data" / "raw"]
    with contextlib.suppress(PiiInputError):
        raw.append(paths.raw_dir())
    target = p.resolve()
    for root in raw:
        root = root.resolve()
        if target == root or root in target.parents:
            raise PiiInputError(f"{option} is inside the raw data directory {root}: a run never writes into the "
                                "raw data; choose another directory", file=p)
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=p, prefix=".pii-write-test-"):
            pass
    except OSError as exc:
        raise PiiInputError(f"{option}: cannot write in this directory ({exc.strerror or exc})", file=p) from None
    return p


# --- joinable tables, landing page, summaries, run log -------------------------------------------
JOIN_COLUMNS = ("province", "year", "data_status", "data_level")
NATIONAL = "*"    # `province` of a table about every province at once (as in pii_inferred_positions.csv)


def joinable(frame: pd.DataFrame, *, data_status: str, data_level: str, province: str = NATIONAL,
             year: int | None = None) -> pd.DataFrame:
    """`frame` with the four join columns first: its own province and year where it has them (else
    `province`, `year`), and the run's data status and data level."""
    out = frame.copy()
    for col, value in (("province", province), ("year", year), ("data_status", data_status),
                       ("data_level", data_level)):
        if col not in out.columns:
            out[col] = value
    return out[[*JOIN_COLUMNS, *[c for c in out.columns if c not in JOIN_COLUMNS]]]


def write_result(frame: pd.DataFrame, path: Path, ctx: Context, **where: Any) -> Path:
    """One results CSV, joinable (province, year, data_status, data_level), written as every CSV of the
    run is (files.write_csv: atomically, formula-like cells neutralised)."""
    from pii_analysis.report.labels import data_level
    return write_csv(joinable(frame, data_status=ctx.data_status, data_level=data_level(ctx), **where), path,
                     float_format="%.6f")


def make_joinable(directory: Path, ctx: Context, province: str, year: int) -> None:
    """Add the join columns to the CSVs a notebook saved (save_results) for `province` and `year`."""
    for path in sorted(directory.glob("*.csv")):
        write_result(pd.read_csv(path), path, ctx, province=province, year=year)


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

    def __init__(self, out: Path, *, year: int, provinces: list[str], lang: str, notebooks: list[Path],
                 data: dict, parameters: dict | None = None, notes: tuple[str, ...] = ()) -> None:
        self.out, self.year, self.provinces, self.lang = out, year, provinces, lang
        self.data, self.parameters, self.notes = data, parameters or {}, notes
        self.pages = ["summary", *(Path(nb).stem for nb in notebooks)]
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
        super().__init__(out, year=year, provinces=choose_provinces(ctx, provinces, all_provinces, year), lang=lang,
                         notebooks=notebooks, data=data, notes=ctx.panel.notes)
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
            write_result(frame, results / f"profile_{name}.csv", self.ctx, year=self.year)

    def shared_work(self, results: Path) -> bool:
        ctx, chosen = self.ctx, self.provinces
        self.shared = shared_work(ctx, base_year=self.year, target_year=TARGET_YEAR, n_draws=self.n_draws,
                                  seed=self.seed)
        for name, frame in shared_tables(self.shared, chosen, targets(ctx, chosen, self.year,
                                                                      self.target_rank)).items():
            write_result(frame, results / f"{name}.csv", ctx)
        return True

    def context_of(self, province: str) -> Context:
        return self.ctx

    def write_summary(self, province: str) -> None:
        from pii_analysis.data.levers import load_levers
        from pii_analysis.report import labels
        from pii_analysis.report.summary import write_summary

        ctx, year, lang = self.ctx, self.year, self.lang
        if self.lead is None:
            self.lead = load_levers()
        folder = self.out / slug(province)
        drivers_csv = folder / "02_rank_drivers_results" / "drivers.csv"
        # page 02's levers; without them the summary ranks them toward the province's target itself
        drivers = pd.read_csv(drivers_csv, dtype={"indicator": str}) if drivers_csv.exists() else pd.DataFrame()
        banner = labels.page_banner(ctx, province, year, lang, projection=True)
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


# --- the run -------------------------------------------------------------------------------
@dataclass
class RunResult:
    index: Path
    outcomes: list[Outcome]
    manifest: Path
    notes: tuple[str, ...] = ()     # warnings about the data (e.g. an indicator equal for every province)
    cache_ignored: tuple[str, ...] = ()   # what in out/.cache is not an entry of the cache (ignored)

    @property
    def ok(self) -> bool:
        return all(o.status == "ok" for o in self.outcomes)


def choose_provinces(ctx: Context, provinces: list[str] | None, all_provinces: bool, year: int) -> list[str]:
    """Canonical names of the chosen provinces (default Ninh Bình; --all: every province of the year)."""
    if all_provinces:
        return list(ctx.scores.ranking(year)["province"].sort_values())
    return [ctx.check_province(p) for p in (provinces or [DEFAULT_PROVINCE])]


def _start_pool(n_jobs: int, log_path: Path, warm: dict[str, Any] | None = None) -> ProcessPoolExecutor:
    """The worker processes (spawn: fresh workers, no forked threads; they inherit $PII_CACHE_DIR and the
    cache key for their kernels, so both are set before). With `warm` (kernel, data_path, sheet, decimal)
    each worker starts its kernel and imports and loads the data at once (`warm_kernel`), while this
    process writes the tables and computes the shared work."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    n = max(1, n_jobs)
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(str(log_path), os.getpid()))
    if warm is not None:
        for _ in range(n):
            pool.submit(warm_kernel, **warm)
    return pool


def _run_jobs(jobs: list[Job], pool: ProcessPoolExecutor, progress: bool,
              outcomes: list[Outcome] | None = None, on_done=None) -> list[Outcome]:
    """Run the jobs in the pool's workers; outcomes are appended to `outcomes` as they finish (and given to
    `on_done`), so an interrupted run still knows what finished. The caller stops the pool on an
    exception."""
    from tqdm import tqdm

    outcomes = [] if outcomes is None else outcomes
    bar = tqdm(total=len(jobs), desc="pii report", unit="report", disable=not progress)
    try:
        futures = {pool.submit(execute_job, job): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # the worker itself died (or the disk is full: the run stops)
                if disk_full(exc):
                    raise
                outcome = Outcome(notebook=Path(job.notebook).name, province=job.province, year=job.year,
                                  parameters=job.parameters, error=_error_of(exc), attempts=1)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
            bar.set_postfix_str(f"{outcome.province}: {outcome.notebook} {outcome.status}", refresh=False)
            bar.update()
    finally:
        bar.close()
    return _in_plan_order(outcomes, jobs)


def _in_plan_order(outcomes: list[Outcome], jobs: list[Job]) -> list[Outcome]:
    """The outcomes in the plan's order (a failed summary, not a job of the plan, after them)."""
    order = {(j.province, Path(j.notebook).name): i for i, j in enumerate(jobs)}
    return sorted(outcomes, key=lambda o: order.get((o.province, o.notebook), len(order)))


def run_report(provinces: list[str] | None = None, *, all_provinces: bool = False, year: int | None = None,
               data_path: str | Path | None = None, out_dir: str | Path = "reports", lang: str = "vi",
               jobs: int = 1, n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, timeout: int = TIMEOUT,
               notebooks: list[Path] | None = None, kernel: str = KERNEL, progress: bool = True,
               sheet: str | None = None, decimal: str | None = None,
               processed: str | Path | None = None, target_rank: int | None = None,
               level: type[RunLevel] | None = None) -> RunResult:
    """Execute the notebooks for the chosen provinces and write HTML, CSV, index.html and manifest.json
    (and, with a full panel and `processed` given, the processed score tables there), at the data's `level`:
    the full panel (`PanelLevel`, the default), or `level_run.BelowPanel` for a province's profile or published
    results only (`pii report` picks it by `analysis.profile_level.level_of`).

    One run at a time per output directory (`run_lock`). Ctrl-C or SIGTERM stop the workers and their
    kernels within seconds; index.html and manifest.json then say the run was interrupted, what finished
    and what did not run, and RunInterrupted is raised for the caller's exit status."""
    t0 = time.perf_counter()
    lang = check_lang(lang)
    out = writable_directory(Path(out_dir).resolve(), "--out")
    with run_lock(out), stop_on_signals(), kernel_runtime_dir(out) as runtime:
        notebooks = available_notebooks() if notebooks is None else [Path(n) for n in notebooks]
        level = (level or PanelLevel)(out, data_path, provinces, all_provinces=all_provinces, year=year, sheet=sheet,
                                      decimal=decimal, lang=lang, notebooks=notebooks, n_draws=n_draws, seed=seed,
                                      target_rank=target_rank, processed=processed)
        year, chosen = level.year, level.provinces
        run_parameters = {"year": year, "data_path": str(Path(data_path).resolve()) if data_path else None,
                          "lang": lang, "base_year": year, "target_year": TARGET_YEAR, "n_draws": n_draws,
                          "seed": seed, "sheet": sheet, "decimal": decimal}
        if target_rank is not None:   # otherwise each notebook's own default (notebook 03: the province's target)
            run_parameters["target_rank"] = target_rank
        meta = {"seed": seed, "n_draws": n_draws}
        job_list = plan(notebooks, chosen, run_parameters, out, kernel=kernel, timeout=timeout)
        outcomes: list[Outcome] = []
        timings: dict[str, float] = {}
        manifest = {
            "package": "pii-analysis", "version": __version__,
            "parameters": {"provinces": chosen, "year": year, "lang": lang, "n_draws": n_draws, "seed": seed,
                           "target_rank": target_rank,
                           "target_year": TARGET_YEAR, "jobs": jobs, "timeout": timeout, "kernel": kernel,
                           "notebooks": [Path(n).name for n in notebooks], **level.parameters},
            "data": level.data,
            "html_max_bytes": HTML_MAX_BYTES,
        }
        results = out / "results"
        ignored = [str(p.relative_to(out)) for p in foreign_entries(out / ".cache")]
        if ignored:    # planted or left by something else: never read, never fatal, said here and in the manifest
            manifest["cache_ignored"] = ignored
        os.environ[CACHE_ENV] = str(out / ".cache")   # for this process, the workers and their kernels
        os.environ[CACHE_KEY_ENV] = secrets.token_hex(32)  # this run trusts only the cache entries it signs
        pool = None
        try:
            pool = _start_pool(jobs, out / ".logs" / "kernels.log", warm=level.warm(kernel))
            t = time.perf_counter()
            level.write_tables(results)
            timings["tables"] = time.perf_counter() - t

            t = time.perf_counter()
            if level.shared_work(results):
                timings["shared"] = time.perf_counter() - t

            t = time.perf_counter()
            outcomes = _run_jobs(job_list, pool, progress, outcomes, on_done=level.province_finished(job_list))
            pool.shutdown(wait=True)
            timings["notebooks"] = time.perf_counter() - t

            t = time.perf_counter()
            index = level.write_site(outcomes, meta=meta, timings=timings)
            timings["pages"] = time.perf_counter() - t
        except BaseException as exc:
            if pool is not None:
                stop_processes(pool)
            full = disk_full(exc) if isinstance(exc, Exception) else None
            if not isinstance(exc, RunInterrupted) and full is None:
                raise
            done = {(o.province, o.notebook) for o in outcomes}
            rest = [Outcome(notebook=Path(j.notebook).name, province=j.province, year=j.year,
                            parameters=j.parameters, status="not_run") for j in job_list
                    if (j.province, Path(j.notebook).name) not in done]
            outcomes = _in_plan_order(outcomes + rest, job_list)
            interrupted = {"seconds": round(time.perf_counter() - t0, 1), "finished": len(done),
                           "total": len(job_list), "kernel_runtime_dir": str(runtime)}
            if full is None:
                interrupted["signal"] = signal.Signals(exc.signum).name
            else:
                interrupted.update(reason="disk_full", path=str(full.filename or out),
                                   error=full.strerror or str(full))
            with contextlib.suppress(OSError) if full is not None else contextlib.nullcontext():
                level.write_stopped(outcomes, meta=meta, timings=timings, interrupted=interrupted)
            with contextlib.suppress(OSError) if full is not None else contextlib.nullcontext():
                _finish(out, outcomes, manifest, timings, t0, interrupted=interrupted)
            if full is not None:
                raise RunDiskFull(errno.ENOSPC, full.strerror or os.strerror(errno.ENOSPC),
                                  interrupted["path"]) from None
            raise
        manifest_path = _finish(out, outcomes, manifest, timings, t0)
        return RunResult(index=index, outcomes=outcomes, manifest=manifest_path, notes=level.notes,
                         cache_ignored=tuple(ignored))


def _finish(out: Path, outcomes: list[Outcome], manifest: dict, timings: dict[str, float], t0: float, *,
            interrupted: dict | None = None) -> Path:
    """manifest.json (atomically), for a finished or an interrupted run."""
    timings["total"] = time.perf_counter() - t0
    status = (interrupted.get("reason", "interrupted") if interrupted else
              "ok" if all(o.status == "ok" for o in outcomes) else "failed")
    manifest = {**manifest,
                "results": sorted(str(p.relative_to(out)) for p in (out / "results").glob("*.csv")),
                "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
                "reports": [asdict(o) for o in outcomes], "status": status}
    if interrupted:
        manifest["interrupted"] = interrupted
    return atomic_write(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))


def profile_results(ctx: Context, provinces: list[str], year: int) -> dict[str, pd.DataFrame]:
    """The profile tables (headline, nodes, indicators, peers) of the provinces, one frame each."""
    from pii_analysis.analysis.profile import results
    parts = [results(ctx, p, year) for p in provinces]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
