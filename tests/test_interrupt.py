"""A clean stop (issue 13): Ctrl-C (SIGINT to the terminal's process group) and SIGTERM end a real
`pii report --all --jobs 2` within seconds; no worker, kernel or kernel connection file survives;
index.html says the run was interrupted and what finished; a second run into the same --out is kept
out by a lock naming the first."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pii_analysis.cli.main import main

PII = [sys.executable, "-m", "pii_analysis.cli.main"]
STOP_BOUND = 30.0          # seconds; the measured stop is printed (a few seconds)


def kernels_of(proc: psutil.Process) -> list[psutil.Process]:
    out = []
    for child in proc.children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def start_run(out: Path) -> tuple[subprocess.Popen, psutil.Process, list[psutil.Process]]:
    """A real report run of every province, two notebooks at a time, once its two kernels work."""
    proc = subprocess.Popen([*PII, "report", "--all", "--jobs", "2", "--draws", "20", "--out", str(out),
                             "--processed", str(out / "processed"), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if len(kernels_of(parent)) >= 2:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the run never started two kernels: {proc.communicate()[1][-2000:]}")
    time.sleep(2)                                   # let the notebooks get going
    return proc, parent, [parent, *parent.children(recursive=True)]


def stop_and_check(proc, family, out: Path, send) -> float:
    t0 = time.monotonic()
    send()
    try:
        _, err = proc.communicate(timeout=STOP_BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the run did not stop")
    seconds = time.monotonic() - t0
    print(f"stopped in {seconds:.1f} s")
    time.sleep(1.0)
    survivors = [p for p in family if alive(p)]
    for p in survivors:
        p.kill()
    assert not survivors, [p.cmdline() for p in survivors]
    assert "Traceback" not in err, err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "pii-interrupted" in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted" and manifest["interrupted"]["finished"] <= manifest["interrupted"]["total"]
    runtime = manifest["interrupted"]["kernel_runtime_dir"]
    assert not Path(runtime).exists() or not list(Path(runtime).glob("kernel-*.json"))
    assert not (out / ".pii-report.lock").exists() or not _locked(out / ".pii-report.lock")
    return seconds


def _locked(path: Path) -> bool:
    import fcntl
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


@pytest.mark.usefixtures("jupyter_kernel")
def test_ctrl_c_stops_the_run_and_every_child(tmp_path):
    out = tmp_path / "reports"
    proc, _, family = start_run(out)
    seconds = stop_and_check(proc, family, out, lambda: os.killpg(proc.pid, signal.SIGINT))  # the terminal's Ctrl-C
    assert proc.returncode == 130 and seconds < STOP_BOUND


@pytest.mark.usefixtures("jupyter_kernel")
def test_sigterm_stops_the_run_and_a_second_run_is_locked_out(tmp_path, capsys):
    out = tmp_path / "reports"
    proc, parent, family = start_run(out)
    code = main(["report", "--out", str(out), "--processed", str(tmp_path / "p2"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "in use by another pii report run" in err and f"pid {parent.pid}" in err
    seconds = stop_and_check(proc, family, out, lambda: os.kill(proc.pid, signal.SIGTERM))
    assert proc.returncode == 143 and seconds < STOP_BOUND
