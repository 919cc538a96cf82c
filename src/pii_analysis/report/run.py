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

The run is split by job (each name still importable from here): `run_plan` (jobs, outcomes, scrub),
`run_kernels` (a worker's kernel, the papermill engine, `execute_job`, `save_results`), `html_export` (the
page), `run_tables` (processed, profile and shared tables, join columns), `run_levels` (`RunLevel`,
`PanelLevel`), `run_supervise` (signals, the filelock lock, a full disk, stopping, kernel files); this module
is the runner (`run_report`) and the manifest.

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
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


from pii_analysis import __version__
from pii_analysis.analysis.cache import ENV as CACHE_ENV
from pii_analysis.analysis.cache import KEY_ENV as CACHE_KEY_ENV
from pii_analysis.analysis.cache import foreign_entries
from pii_analysis.analysis.profile_level import level_of
from pii_analysis.analysis.defaults import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
)
from pii_analysis.report.defaults import TIMEOUT
from pii_analysis.report.files import atomic_write
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
    ResultsNotSaved, _init_worker, _kernel_launch, _shutdown_kernels, die_with_parent, execute_job, save_results, warm_kernel)
from pii_analysis.report.run_levels import PanelLevel, RunLevel  # noqa: F401 - kept importable here
from pii_analysis.report.site import SUMMARY, slug  # noqa: F401 - kept importable here
from pii_analysis.report.run_tables import (  # noqa: F401 - kept importable here
    JOIN_COLUMNS, NATIONAL, TARGET_RANK, TARGET_YEAR, choose_provinces, joinable, make_joinable, profile_results,
    shared_tables, shared_work, targets, writable_directory, write_processed, write_result)

# The run's seed and draws are the projection's defaults (and the notebooks' and `pii feasibility`'s),
# so a report and a notebook run with default settings give the same tables; the projection of all
# provinces is computed once per run, so full precision costs the run little.


# --- plan and one report's notebook: report/run_plan.py ---------------------------------




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
               data_level: str | None = None, level: type[RunLevel] | None = None) -> RunResult:
    """Execute the notebooks for the chosen provinces and write HTML, CSV, index.html and manifest.json
    (and, with a full panel and `processed` given, the processed score tables there), at the data's `level`:
    the full panel (`PanelLevel`), or `level_run.BelowPanel` for a province's profile or published results only:
    `data_level` when the caller decided it (`pii report`), else the level of the file
    (`analysis.profile_level.level_of`); `level` forces the class. Each notebook gets the level as its
    `data_level` parameter and a page whose registry entry does not support it is left out.

    One run at a time per output directory (`run_lock`). Ctrl-C or SIGTERM stop the workers and their
    kernels within seconds; index.html and manifest.json then say the run was interrupted, what finished
    and what did not run, and RunInterrupted is raised for the caller's exit status."""
    t0 = time.perf_counter()
    lang = check_lang(lang)
    out = writable_directory(Path(out_dir).resolve(), "--out")
    with run_lock(out), stop_on_signals(), kernel_runtime_dir(out) as runtime:
        notebooks = available_notebooks() if notebooks is None else [Path(n) for n in notebooks]
        if level is None:    # the level decided once: the caller's, else the file's
            from pii_analysis.report.level_run import BelowPanel
            data_level = data_level or level_of(data_path, sheet)
            level = PanelLevel if data_level == "panel" else BelowPanel
        below = {} if level is PanelLevel else {"data_level": data_level}
        level = level(out, data_path, provinces, all_provinces=all_provinces, year=year, sheet=sheet,
                      decimal=decimal, lang=lang, notebooks=notebooks, n_draws=n_draws, seed=seed,
                      target_rank=target_rank, processed=processed, **below)
        year, chosen, notebooks = level.year, level.provinces, level.notebooks
        run_parameters = {"year": year, "data_path": str(Path(data_path).resolve()) if data_path else None,
                          "data_level": level.data_level,
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
                           "notebooks": [Path(n).name for n in notebooks], "data_level": level.data_level,
                           **level.parameters},
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


