"""A clean stop (issue 13): Ctrl-C (SIGINT to the terminal's process group) and SIGTERM end a real
`pii report --all --jobs 2` within seconds; no worker, kernel or kernel connection file survives;
index.html says the run was interrupted and what finished; the manifest lists every report, those that never
ran as `not_run`, and the run's kernel runtime directory; a second run into the same --out is kept out by a
lock naming the first. The same holds below the panel (one run skeleton for every data level)."""
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
from pii_analysis.data import paths
from pii_analysis.report.site import slug

pytestmark = pytest.mark.slow   # whole report runs and browsers: `make test-fast` leaves them out

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


def start_run(out: Path, *data: str) -> tuple[subprocess.Popen, psutil.Process, list[psutil.Process]]:
    """A real report run of every province (of the `--data` file in `data`, else of the shipped panel), two
    notebooks at a time, once its two kernels work."""
    proc = subprocess.Popen([*PII, "report", "--all", "--jobs", "2", "--draws", "20", "--out", str(out),
                             "--processed", str(out / "processed"), "--no-progress", *data],
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


def stop_and_check(proc, family, out: Path, send) -> tuple[float, dict]:
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
    stop = manifest["interrupted"]
    assert manifest["status"] == "interrupted" and stop["finished"] < stop["total"]
    statuses = [r["status"] for r in manifest["reports"]]       # every planned report, each with what happened
    assert len(statuses) == stop["total"] == len(manifest["parameters"]["provinces"]) * 3
    assert statuses.count("not_run") == stop["total"] - stop["finished"] > 0
    assert "pii-kernels-" in stop["kernel_runtime_dir"]
    assert not Path(stop["kernel_runtime_dir"]).exists()         # removed, with every connection file in it
    assert not (out / ".pii-report.lock").exists() or not _locked(out / ".pii-report.lock")
    return seconds, manifest


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
    seconds, _ = stop_and_check(proc, family, out, lambda: os.killpg(proc.pid, signal.SIGINT))  # the terminal's Ctrl-C
    assert proc.returncode == 130 and seconds < STOP_BOUND


@pytest.mark.usefixtures("jupyter_kernel")
def test_an_interrupted_run_below_the_panel_stops_the_same_way(tmp_path):
    """Published results only (every province with a published total): the same stop, the same manifest
    (not_run reports, the runtime directory) and a landing page from the published totals saying so."""
    out = tmp_path / "reports"
    proc, _, family = start_run(out, "--data", str(paths.raw_file(paths.PUBLISHED)))
    seconds, manifest = stop_and_check(proc, family, out, lambda: os.killpg(proc.pid, signal.SIGINT))
    assert proc.returncode == 130 and seconds < STOP_BOUND
    assert manifest["parameters"]["data_level"] == "published" and manifest["data"]["level"] == "published"
    log = (out / "run_log.html").read_text(encoding="utf-8")     # the run log lists the reports that never ran
    assert "pii-interrupted" in log
    for r in manifest["reports"]:
        if r["status"] == "not_run":
            row = f'<tr id="{slug(r["province"])}-{Path(r["notebook"]).stem}">'
            assert row in log and '<span class="not_run">' in log.split(row, 1)[1].split("</tr>", 1)[0]


@pytest.mark.usefixtures("jupyter_kernel")
def test_sigterm_stops_the_run_and_a_second_run_is_locked_out(tmp_path, capsys):
    out = tmp_path / "reports"
    proc, parent, family = start_run(out)
    code = main(["report", "--out", str(out), "--processed", str(tmp_path / "p2"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "in use by another pii report run" in err and f"pid {parent.pid}" in err
    seconds, _ = stop_and_check(proc, family, out, lambda: os.kill(proc.pid, signal.SIGTERM))
    assert proc.returncode == 143 and seconds < STOP_BOUND
