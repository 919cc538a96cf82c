"""Run faults (issue 19): a SIGKILL of the run (the out-of-memory killer) leaves no worker, kernel or resource
tracker running and its kernel connection files inside the run's directory, swept by the next start; a full
disk (ENOSPC) stops the run with its own exit status (3) and a message naming the path, and index.html and
manifest.json say what did not finish; a foreign file or directory in the cache is ignored and reported,
never fatal, and leaves no temporary file; --out and --processed inside data/raw are refused (exit 2)."""
from __future__ import annotations

import errno
import json
import os
import signal
import time
import warnings
from pathlib import Path

import psutil
import pytest

from pii_analysis.analysis import cache
from pii_analysis.cli.main import main
from pii_analysis.data import paths
from pii_analysis.report import run as report
from test_interrupt import alive, start_run

# --- a SIGKILL of the run -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_sigkill_of_the_run_leaves_nothing_running_and_its_files_are_swept(tmp_path):
    out = tmp_path / "out"
    proc, parent, family = start_run(out)
    runtime = list((out / report.KERNELS_DIR).glob("pii-kernels-*"))
    assert len(runtime) == 1                                    # the run's kernel files: inside its --out
    assert len(list(runtime[0].glob("kernel-*.json"))) >= 2     # one per worker's kernel
    assert len(family) >= 5        # the run, 2 workers, 2 kernels (and multiprocessing's resource tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(p) for p in family):
        time.sleep(0.2)
    survivors = [p for p in family if alive(p)]
    for p in survivors:
        p.kill()
    assert not survivors, [p.cmdline() for p in survivors]
    assert runtime[0].exists()                   # nothing could clean up after a SIGKILL ...
    assert report.sweep_kernel_dirs(out) == runtime   # ... the next start sweeps it
    assert not runtime[0].exists() and not list((out / report.KERNELS_DIR).iterdir())


def test_a_kernel_is_launched_to_die_with_its_worker():
    if not os.uname().sysname == "Linux":
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    assert report._kernel_launch() == {"preexec_fn": report.die_with_parent}


def test_die_with_parent_sets_the_death_signal_of_a_child(tmp_path):
    """A child that set it is SIGKILLed when its parent is; the child here is a grandchild of the test."""
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    code = ("import subprocess, sys, time\n"
            "from pii_analysis.report.run import die_with_parent\n"
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], preexec_fn=die_with_parent)\n"
            "print(c.pid, flush=True)\ntime.sleep(60)\n")
    middle = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = psutil.Process(int(middle.stdout.readline()))
    middle.kill()
    middle.wait()
    try:
        child.wait(timeout=10)
    except psutil.TimeoutExpired:
        child.kill()
        pytest.fail("the child outlived its parent")


# --- a full disk ----------------------------------------------------------------------------------


def test_a_full_disk_exits_3_naming_the_path_and_the_pages_say_what_did_not_finish(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    (out / ".cache" / "planted.pkl").mkdir(parents=True)      # also: foreign things in the cache are reported
    (out / ".cache" / "projection-0123456789abcdef0123.pkl").mkdir()
    full: list[Path] = []

    def no_space(frame, path, ctx, **where):
        full.append(Path(path))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    from pii_analysis.report import run_tables
    monkeypatch.setattr(run_tables, "write_result", no_space)    # every results table of the run goes through it
    code = main(["report", "--draws", "20", "--jobs", "1", "--lang", "en", "--out", str(out),
                 "--processed", str(tmp_path / "processed"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "disk is full" in err and str(full[0]) in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "disk_full"
    stop = manifest["interrupted"]
    assert stop["reason"] == "disk_full" and stop["path"] == str(full[0]) and stop["finished"] == 0
    assert [r["status"] for r in manifest["reports"]] == ["not_run"] * stop["total"] and stop["total"] == 3
    assert manifest["cache_ignored"] == [".cache/planted.pkl", ".cache/projection-0123456789abcdef0123.pkl"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "because the disk is full" in index and "0 of 3 reports finished" in index
    assert not list(out.rglob("*.tmp"))
    assert not list((out / report.KERNELS_DIR).iterdir())      # the stop still cleaned up


def test_a_notebook_that_fills_the_disk_stops_the_run_with_the_path():
    from papermill.exceptions import PapermillExecutionError

    exc = PapermillExecutionError(3, 1, "save()", "OSError", "[Errno 28] No space left on device: '/r/x.csv'", [])
    found = report.disk_full(exc)
    assert found.errno == errno.ENOSPC and found.filename == "/r/x.csv"
    assert report.disk_full(PapermillExecutionError(3, 1, "x", "ValueError", "bad", [])) is None
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = OSError(errno.EDQUOT, "Disk quota exceeded", "/q")
    assert report.disk_full(wrapped).filename == "/q"


# --- foreign things in the cache -------------------------------------------------------------------


def test_a_directory_planted_at_an_entry_is_ignored_reported_and_left_no_tmp(tmp_path):
    name = cache.key_of("thing", {"a": 1}) + cache.SUFFIX
    (tmp_path / name).mkdir()
    with pytest.warns(cache.CacheWarning, match="not a regular file"):
        assert cache.memo("thing", {"a": 1}, lambda: 41 + 1, cache_dir=tmp_path) == 42
    assert (tmp_path / name).is_dir() and not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    assert cache.foreign_entries(tmp_path) == [tmp_path / name]


def test_a_cache_that_cannot_hold_an_entry_is_not_fatal_and_leaves_no_tmp(tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory should be")
    with pytest.warns(cache.CacheWarning):
        assert cache.memo("thing", {"a": 2}, lambda: [1, 2], cache_dir=blocked) == [1, 2]
    assert cache.foreign_entries(blocked) == [blocked]
    good = tmp_path / "good"
    with warnings.catch_warnings():
        warnings.simplefilter("error", cache.CacheWarning)
        assert cache.memo("thing", {"a": 3}, lambda: {"x": 1}, cache_dir=good) == {"x": 1}
        assert cache.memo("thing", {"a": 3}, lambda: pytest.fail("recomputed"), cache_dir=good) == {"x": 1}
    assert cache.foreign_entries(good) == [] and not list(good.glob("*tmp"))


def test_a_full_disk_in_the_cache_is_not_swallowed(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x.tmp"))

    monkeypatch.setattr(cache.os, "replace", no_space)
    with pytest.raises(OSError) as caught:
        cache.memo("thing", {"a": 4}, lambda: 1, cache_dir=tmp_path)
    assert caught.value.errno == errno.ENOSPC and not list(tmp_path.glob(".*tmp"))


# --- never into the raw data ----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--out", "--processed"])
def test_out_and_processed_inside_the_raw_data_are_refused(tmp_path, option, capsys):
    inside = paths.REPO_ROOT / "data" / "raw" / "reports-here"
    other = "--processed" if option == "--out" else "--out"
    code = main(["report", option, str(inside), other, str(tmp_path / "x"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{option} is inside the raw data directory" in err and "Traceback" not in err
    assert not inside.exists()


# --- save_results never silently does nothing ----------------------------------------------------


def test_save_results_outside_a_run_warns_and_writes_where_told(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.delenv(report.RESULTS_ENV, raising=False)
    frame = pd.DataFrame({"a": [1, 2]})
    with pytest.warns(report.ResultsNotSaved, match="'drivers' not saved"):
        assert report.save_results(frame, "drivers") is None
    path = report.save_results(frame, "drivers", directory=tmp_path)
    assert path == tmp_path / "drivers.csv" and pd.read_csv(path)["a"].tolist() == [1, 2]
