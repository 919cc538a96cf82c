"""Executing one report: this worker's kernel (started once, reused from report to report, dying with the
worker), the papermill engine that runs a notebook on its ready client, and `execute_job` (execute, scrub,
render, retry once in a fresh kernel when the kernel, not the notebook, failed).

A worker dies with the run (`die_with_parent`: Linux's PR_SET_PDEATHSIG) and so does its kernel (launched
with the same), so a SIGKILL of the run leaves nothing running; the kernel's connection file is in the run's
runtime directory inside --out ($JUPYTER_RUNTIME_DIR, `run_supervise.kernel_runtime_dir`).
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis.report.files import atomic_write, inside, write_csv
from pii_analysis.report.html_export import HIDE_TAG, render_html
from pii_analysis.report.run_plan import Job, Outcome, cell_durations, scrub
from pii_analysis.report.run_supervise import disk_full
from pii_analysis.report.site import nav, page_title

START_TIMEOUT = 120           # seconds for a kernel to start
HTML_MAX_BYTES = 2_000_000    # size bound of one report's HTML; a larger report counts as failed
RESULTS_ENV = "PII_RESULTS_DIR"


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
        body = render_html(nb, page_title(job.notebook, job.province, job.year, job.lang), job.lang, links,
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


class ResultsNotSaved(UserWarning):
    """`save_results` was called with no directory outside a report run: the table was not written."""


def save_results(frame: pd.DataFrame, name: str, directory: str | Path | None = None) -> Path | None:
    """Save a notebook's machine-readable table as <name>.csv in `directory` (in a report run: the page's
    results directory, which the run gives the kernel as $PII_RESULTS_DIR). With neither, nothing is written
    and a `ResultsNotSaved` warning says so (never silently): pass `directory` to keep the table."""
    directory = directory or os.environ.get(RESULTS_ENV)
    if not directory:
        import warnings

        warnings.warn(f"save_results: '{name}' not saved: this is not a report run; pass directory= to write "
                      "it", ResultsNotSaved, stacklevel=2)
        return None
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "results"
    return write_csv(frame, inside(directory, f"{safe}.csv"))


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


def _init_worker(log_path: str, parent: int) -> None:
    """Die with the run (`die_with_parent`); send a worker's (and its kernels') stderr to the run's log,
    keeping the progress bar clean."""
    die_with_parent(parent)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C reaches the whole group: the parent stops us
    signal.signal(signal.SIGTERM, _worker_sigterm)       # shut this worker's kernel down, then exit


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
