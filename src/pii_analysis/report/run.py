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
import functools
import json
import multiprocessing
import os
import re
import secrets
import signal
import sys
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
from pii_analysis.report.files import atomic_write, inside, write_csv
from pii_analysis.report.html_export import HIDE_TAG, render_html  # noqa: F401 - kept importable here
from pii_analysis.report.run_plan import (  # noqa: F401 - kept importable here
    KERNEL, NOTEBOOK_DIR, NOTEBOOKS, VOLATILE_RUN_KEYS, Job, Outcome, available_notebooks, cell_durations,
    declared_parameters, notebook_parameters, plan, scrub)
from pii_analysis.report.i18n import check_lang
from pii_analysis.report.run_supervise import (  # noqa: F401 - kept importable here
    DISK_FULL, KERNELS_DIR, LOCK_NAME, STOP_GRACE, RunDiskFull, RunInterrupted, disk_full, kernel_runtime_dir,
    run_lock, stop_on_signals, stop_processes, sweep_kernel_dirs)
from pii_analysis.report.site import SUMMARY, nav, page_title, slug

TARGET_YEAR = DEFAULT_TARGET_YEAR   # horizon of the shared projection (and of notebook 03)
START_TIMEOUT = 120           # seconds for a kernel to start
HTML_MAX_BYTES = 2_000_000    # size bound of one report's HTML; a larger report counts as failed
RESULTS_ENV = "PII_RESULTS_DIR"
# The run's seed and draws are the projection's defaults (and the notebooks' and `pii feasibility`'s),
# so a report and a notebook run with default settings give the same tables; the projection of all
# provinces is computed once per run, so full precision costs the run little.


# --- plan and one report's notebook: report/run_plan.py ---------------------------------




def _error_of(exc: BaseException) -> str:
    """A one-paragraph error: the notebook's exception name and message, without the traceback."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


# One kernel per worker process, reused from report to report, with one ready client: imports, the
# loaded data (`load_context` is cached in the kernel) and the readiness handshake (>= 0.2 s each
# time a client connects) are paid once per worker, not once per report. Before each notebook the
# kernel's namespace is reset.
# A report's cells are not the user's IPython history: no SQLite write per cell (and per reset), which cost
# ~0.15 s a page with two kernels sharing ~/.ipython's history file.
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
PR_SET_PDEATHSIG = 1               # linux/prctl.h


@functools.lru_cache(maxsize=1)
def _prctl() -> Any:
    """libc's prctl, looked up once (before any fork: a forked child only calls it)."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG), so a SIGKILL of
    the run (the out-of-memory killer) leaves no worker or kernel behind; if the parent `parent` is
    already gone, exit now. Elsewhere than Linux: nothing (the run's stop on signals still holds)."""
    prctl = _prctl() if sys.platform.startswith("linux") else None
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def _kernel_launch() -> dict[str, Any]:
    """Popen arguments of a kernel: on Linux it dies with its worker (`die_with_parent`)."""
    if not sys.platform.startswith("linux") or _prctl() is None:
        return {}
    return {"preexec_fn": die_with_parent}


_KERNELS: dict[str, tuple[Any, Any]] = {}      # kernel name -> (manager, connected client)


def _shutdown_kernels() -> None:
    from jupyter_core.utils import run_sync
    for km, kc in _KERNELS.values():
        try:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            pass
    _KERNELS.clear()


def _connection_file() -> str:
    """A new kernel's connection file, in the run's runtime directory ($JUPYTER_RUNTIME_DIR, inside --out):
    a KernelManager left to itself puts it in the system temp directory, where a killed run leaves it."""
    import uuid

    from jupyter_core.paths import jupyter_runtime_dir

    directory = Path(jupyter_runtime_dir())
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory / f"kernel-{uuid.uuid4()}.json")


def _kernel(name: str, fresh: bool = False) -> tuple[Any, Any]:
    """This worker's running kernel `name` and its ready client (new ones when `fresh` or when the old
    kernel died)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    pair = _KERNELS.get(name)
    if pair is not None and (fresh or not run_sync(pair[0].is_alive)()):
        _shutdown_kernels()
        pair = None
    if pair is None:
        if not _KERNELS:
            from multiprocessing import util
            util.Finalize(None, _shutdown_kernels, exitpriority=10)  # also when a pool worker exits
        km = AsyncKernelManager(kernel_name=name, connection_file=_connection_file())
        run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS), **_kernel_launch())
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=START_TIMEOUT)
        except BaseException:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise
        kc.allow_stdin = False
        pair = _KERNELS[name] = (km, kc)
    return pair


def _prepare_kernel(kc: Any, directory: Path, results_dir: Path) -> None:
    """Clean namespace (execution counts from 1), working directory and results directory. What survives
    the reset (modules, the loaded data, kept draws) is then frozen out of the garbage collector
    (gc.freeze), so the next reset's collection and the collections during a page look only at what that
    page made (a full collection otherwise walks every module object: ~0.1 s each)."""
    from jupyter_core.utils import run_sync

    code = ("get_ipython().reset(new_session=True)\nimport gc as _gc\n_gc.freeze()\ndel _gc\nimport os as _os\n"
            # a foreign file in the run's cache is reported once by the run (manifest), not on every page
            "import warnings as _w\nfrom pii_analysis.analysis.cache import CacheWarning as _cw\n"
            "_w.simplefilter('ignore', _cw)\ndel _w, _cw\n"
            f"_os.chdir({str(directory)!r})\n_os.environ[{RESULTS_ENV!r}] = {str(results_dir)!r}\ndel _os")
    reply = run_sync(kc.execute_interactive)(code, store_history=False, timeout=60,
                                             output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue')}")


WARM_ENGINE = "pii-warm-kernel"


@functools.cache
def _warm_engine() -> str:
    """Register (once) and name the papermill engine that runs a notebook on the worker's ready client."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine given an already connected, ready kernel client (`kc`), so a
        notebook on a running kernel costs no new connection and no readiness handshake."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, kc=None,
                                     **kwargs):
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                             kernel_name=kernel_name, log=logger, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            client.kc = kc          # nbclient starts no client of its own and leaves this one open
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)
    return WARM_ENGINE


@functools.lru_cache(maxsize=16)
def _report_notebook(path: str, mtime_ns: int) -> Any:
    """The notebook as a report runs it, read once per worker (and again if the file changes): without the
    cells tagged HIDE_TAG (researchers' sections and the JupyterLab-only explorer), which no page shows and
    which save nothing for the run, so the run does not execute them either (papermill copies the node and
    records it as its input_path, which `scrub` drops)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if HIDE_TAG not in c.metadata.get("tags", [])]
    return nb


def execute_job(job: Job) -> Outcome:
    """Execute, scrub and render one notebook; retry once, in a fresh kernel, if the kernel (not the
    notebook) fails: it died, timed out or did not start."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    stem = Path(job.stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    ipynb, page = stem.with_suffix(".ipynb"), stem.with_suffix(".html")
    results_dir = stem.parent / f"{stem.name}_results"
    running = stem.parent / f".{stem.name}.running.ipynb"   # papermill's output, before it is scrubbed
    for stale in (ipynb, page, running):  # never show a previous run's file as this run's
        stale.unlink(missing_ok=True)
    for stale in results_dir.glob("*.csv"):
        stale.unlink()
    out = Outcome(notebook=Path(job.notebook).name, province=job.province, year=job.year,
                  parameters=dict(job.parameters))
    error: BaseException | None = None
    for attempt in (1, 2):
        out.attempts = attempt
        try:
            km, kc = _kernel(job.kernel, fresh=attempt > 1)
            _prepare_kernel(kc, stem.parent, results_dir)
            papermill.execute_notebook(_report_notebook(job.notebook, os.stat(job.notebook).st_mtime_ns),
                                       str(running), parameters=job.parameters, km=km, kc=kc,
                                       engine_name=_warm_engine(), kernel_name=job.kernel,
                                       execution_timeout=job.timeout,
                                       start_timeout=START_TIMEOUT, progress_bar=False, log_output=False,
                                       request_save_on_cell_execute=False)
            error = None
            break
        except PapermillExecutionError as exc:  # an error in the notebook: a rerun gives the same
            if disk_full(exc):
                raise disk_full(exc) from None      # the disk is full: the run stops (RunDiskFull)
            error = exc
            break
        except Exception as exc:  # kernel died, timed out, failed to start: once more in a new kernel
            if disk_full(exc):
                raise
            error = exc
    if running.exists():
        nb = nbformat.read(running, as_version=4)
        out.cell_seconds = cell_durations(nb)
        nb = scrub(nb)
        running.unlink()
        atomic_write(ipynb, nbformat.writes(nb) + "\n")
        links = nav(list(job.pages), stem.name, job.lang) if job.pages else []
        body = render_html(nb, page_title(stem.name, job.province, job.year, job.lang), job.lang, links,
                           job.province)
        atomic_write(page, body)
        out.html, out.ipynb = page.name, ipynb.name
        out.html_bytes = len(body.encode("utf-8"))
    if error is not None:
        out.error = _error_of(error)
    elif out.html_bytes > HTML_MAX_BYTES:
        out.error = f"HTML is {out.html_bytes / 1e6:.2f} MB, above the {HTML_MAX_BYTES / 1e6:.0f} MB bound"
    else:
        out.status = "ok"
    if results_dir.is_dir():
        out.results = sorted(f"{results_dir.name}/{p.name}" for p in results_dir.glob("*.csv"))
    out.seconds = round(time.perf_counter() - start, 3)
    return out


def save_results(frame: pd.DataFrame, name: str) -> Path | None:
    """Save a notebook's machine-readable table as <name>.csv for the run (no-op outside a run)."""
    directory = os.environ.get(RESULTS_ENV)
    if not directory:
        return None
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "results"
    return write_csv(frame, inside(directory, f"{safe}.csv"))


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
    ranks = target_ranks if isinstance(target_ranks, dict) else dict.fromkeys(provinces, target_ranks)
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


def _worker_sigterm(signum, frame) -> None:  # pragma: no cover - runs in a worker
    """Kill this worker's kernel and remove its connection file, then exit at once."""
    try:
        import psutil
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        for km, _ in list(_KERNELS.values()):
            with contextlib.suppress(Exception):
                Path(km.connection_file).unlink(missing_ok=True)
    finally:
        os._exit(128 + signum)


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


def _init_worker(log_path: str, parent: int) -> None:
    """Die with the run (`die_with_parent`); send a worker's (and its kernels') stderr to the run's log,
    keeping the progress bar clean."""
    die_with_parent(parent)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C reaches the whole group: the parent stops us
    signal.signal(signal.SIGTERM, _worker_sigterm)       # shut this worker's kernel down, then exit


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


WARM_CODE = """from pii_analysis.index.context import load_context as _load
_load({data_path!r}, sheet={sheet!r}, decimal={decimal!r})
import pii_analysis.report.run, pii_analysis.report.labels, pii_analysis.report.profile_plots
import pii_analysis.report.national_plots, pii_analysis.report.profile_text
"""


def warm_kernel(kernel: str, data_path: str | None, sheet: str | None, decimal: str | None) -> None:
    """Start this worker's kernel and, in it, import the report modules and load (and cache) the data,
    as every notebook's first cells would (runs in a worker; a failure here only means that the first
    notebook does it)."""
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        _, kc = _kernel(kernel)
        code = WARM_CODE.format(data_path=data_path, sheet=sheet, decimal=decimal)
        run_sync(kc.execute_interactive)(code, store_history=False, timeout=START_TIMEOUT,
                                         output_hook=lambda msg: None)


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
