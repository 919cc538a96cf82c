"""Supervision of a report run: what stops it (Ctrl-C, SIGTERM, a full disk) and what it must never leave
behind (a second run in the same --out, workers, kernels, connection files).

- `stop_on_signals`: SIGINT/SIGTERM raise `RunInterrupted` in the main thread;
- `run_lock`: one run per output directory (`filelock`), naming the run that holds it;
- `disk_full` / `RunDiskFull`: an ENOSPC anywhere (the run, a worker, a notebook) stops the run;
- `stop_processes`: the pool, its workers and their kernels terminated, then killed;
- `kernel_runtime_dir` / `sweep_kernel_dirs`: kernel connection files inside --out, swept on the next start
  (what a SIGKILLed run left; its workers and kernels died with it: `run_kernels.die_with_parent`).
"""
from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pii_analysis.data.errors import PiiInputError

class RunInterrupted(BaseException):
    """Ctrl-C or SIGTERM arrived during the run. A BaseException, as KeyboardInterrupt is: the handler raises it
    wherever the main thread is, and an `except Exception` there (a summary that fails, a cache entry that
    cannot be read, a library's fallback) must not swallow the stop."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class RunDiskFull(OSError):
    """The disk (or the user's quota) filled up while the run wrote `filename`: the run stopped, the landing
    page and manifest.json (if they could still be written) say what did not finish. An OSError with errno
    ENOSPC, so `pii` gives it its own exit status (3, `cli.main.DISK_FULL_STATUS`) and names the path."""


def disk_full(exc: BaseException | None) -> OSError | None:
    """The OSError 'no space left' (or 'quota exceeded') behind `exc` (itself, its cause or its context), if
    any; a notebook's own ENOSPC comes back from papermill as its error name and text."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            return exc
        if type(exc).__name__ == "PapermillExecutionError" and "[Errno 28]" in str(getattr(exc, "evalue", "")):
            where = re.search(r"'([^']+)'\s*$", str(exc.evalue))
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), where.group(1) if where else None)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


@contextlib.contextmanager
def stop_on_signals():
    """SIGINT and SIGTERM raise RunInterrupted in the main thread (SIGTERM would otherwise kill the run
    with no clean-up); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        for sig in (signal.SIGINT, signal.SIGTERM):   # a second Ctrl-C must not break the clean-up
            signal.signal(sig, signal.SIG_IGN)
        raise RunInterrupted(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


LOCK_NAME = ".pii-report.lock"
HOLDER_NAME = ".pii-report.holder"   # who holds the lock (pid, start, command), beside it


@contextlib.contextmanager
def run_lock(out: Path):
    """Keep a second run out of the same output directory, naming the run that holds it: a `filelock.FileLock`
    on `.pii-report.lock` (released by the system however this run ends; Windows too), the holder in
    `.pii-report.holder`."""
    from filelock import FileLock, Timeout

    lock, holder = FileLock(out / LOCK_NAME, timeout=0), out / HOLDER_NAME
    try:
        lock.acquire()
    except Timeout:
        who = holder.read_text(encoding="utf-8", errors="replace").strip() if holder.is_file() else ""
        raise PiiInputError(f"--out is in use by another pii report run ({who or 'unknown'}); wait for it to "
                            "finish or choose another --out", file=out) from None
    try:
        holder.write_text(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}, command "
                          f"{' '.join(sys.argv)[:300]}", encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder.unlink()
        lock.release()


STOP_GRACE = 3.0   # seconds a worker gets to shut its kernel down before everything left is killed


def stop_processes(pool: ProcessPoolExecutor) -> None:
    """Stop the pool now: no new job, every worker and every kernel (all descendants of this process)
    terminated, then killed if still there after STOP_GRACE seconds; then any kernel of this run still
    running (one a worker started, retrying a notebook whose kernel had just been stopped, after the
    descendants were listed) is killed too: it is known by its connection file in the run's private
    runtime directory ($JUPYTER_RUNTIME_DIR)."""
    import psutil

    def ours(proc: psutil.Process) -> bool:   # multiprocessing's resource tracker ignores SIGTERM and ends
        try:                                  # by itself when this process exits: not waited for
            return "resource_tracker" not in " ".join(proc.cmdline())
        except psutil.Error:
            return False

    # taken before the workers die (their kernels are re-parented afterwards)
    family = [p for p in psutil.Process().children(recursive=True) if ours(p)]
    workers = {w.pid: w for w in multiprocessing.active_children()}
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in family:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    # multiprocessing waits for the workers itself: a worker reaped by psutil stays alive to multiprocessing,
    # and the pool's manager thread then waits for it forever when this process exits (the run never ends)
    deadline = time.monotonic() + STOP_GRACE
    for worker in workers.values():
        worker.join(max(0.0, deadline - time.monotonic()))
    _, left = psutil.wait_procs([p for p in family if p.pid not in workers],
                                timeout=max(0.0, deadline - time.monotonic()))
    for worker in workers.values():
        if worker.is_alive():
            worker.kill()
            worker.join(STOP_GRACE)
    for proc in left:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(left, timeout=STOP_GRACE)
    runtime = os.environ.get("JUPYTER_RUNTIME_DIR", "")
    if "pii-kernels-" in Path(runtime).name:   # this run's own directory
        _kill_users(Path(runtime))


KERNELS_DIR = ".kernels"   # inside --out: the runtime directories (kernel connection files) of its runs


def _kill_users(path: Path) -> None:
    """Kill every process whose command line names `path` (a kernel of a run that was itself killed)."""
    import psutil

    late = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if any(str(path) in part for part in proc.info["cmdline"] or ()):
                late.append(proc)
    for proc in late:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(late, timeout=STOP_GRACE)


def sweep_kernel_dirs(out: Path) -> list[Path]:
    """Remove what an earlier run into `out` that was killed (SIGKILL, a power cut) left in its kernels
    directory: connection files, and any kernel still running from them. Called under the run's lock, so
    no live run's directory is swept. Returns the directories removed."""
    import shutil

    root = out / KERNELS_DIR
    swept = []
    for stale in sorted(root.glob("pii-kernels-*")) if root.is_dir() else []:
        _kill_users(stale)
        shutil.rmtree(stale, ignore_errors=True)
        swept.append(stale)
    return swept


@contextlib.contextmanager
def kernel_runtime_dir(out: Path):
    """A private directory for the run's kernel connection files ($JUPYTER_RUNTIME_DIR of the workers and
    kernels) inside the run's own directory (`out/.kernels/pii-kernels-*`), removed at the end however the
    run ends; what a killed run left there is swept by the next run's start (`sweep_kernel_dirs`)."""
    import shutil

    sweep_kernel_dirs(out)
    (out / KERNELS_DIR).mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="pii-kernels-", dir=out / KERNELS_DIR))
    old = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(path)
    try:
        yield path
    finally:
        if old is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR", None)
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = old
        shutil.rmtree(path, ignore_errors=True)
