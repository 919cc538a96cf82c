"""Benchmark of the report run: the full run for all provinces with --jobs 2 against the floor.

The floor is what any report costs: start a kernel, execute an empty notebook and convert it to
HTML (the same `report.execute_job` path). Target: each report within 2x the floor.

    .venv/bin/python benchmarks/bench_report.py                 # all 34 provinces, --jobs 2
    .venv/bin/python benchmarks/bench_report.py --provinces 4   # a quick look
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from pii_analysis.index.context import load_context
from pii_analysis.report import run as report


def section_of(first_line: str) -> str:
    """'drivers.heatmap' from a cell's first line 'if page.runs("drivers.heatmap"):'."""
    return first_line.removeprefix('if page.runs("').removesuffix('"):')


def floor_seconds(tmp: Path, repeats: int = 3) -> float:
    """Median time of kernel start + execution + HTML conversion of an empty notebook."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]})]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp / "empty.ipynb"
    nbformat.write(nb, path)
    times = []
    for i in range(repeats + 1):  # the first call also imports papermill/nbconvert: not counted
        report._shutdown_kernels()  # the floor includes starting a kernel
        out = report.execute_job(report.Job(notebook=str(path), province="-", year=0, parameters={},
                                            stem=str(tmp / "floor" / f"empty{i}")))
        assert out.status == "ok", out.error
        if i:
            times.append(out.seconds)
    return statistics.median(times)


def cpu_seconds() -> float:
    """User + system CPU time of this process and of every finished process it waited for (the report's
    workers, which wait for their kernels)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=None, help="first N provinces (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--draws", type=int, default=report.DEFAULT_DRAWS,
                        help=f"projection draws (default {report.DEFAULT_DRAWS}, the run's default)")
    parser.add_argument("--cells", type=int, default=6, help="costliest cells shown per notebook (default 6)")
    args = parser.parse_args()

    ctx = load_context()
    year = ctx.check_year(None)
    provinces = sorted(ctx.scores.ranking(year)["province"])[: args.provinces]
    notebooks = report.available_notebooks()
    with tempfile.TemporaryDirectory() as tmp:
        floor = floor_seconds(Path(tmp))
        cpu0 = cpu_seconds()
        t = time.perf_counter()
        run = report.run_report(provinces, out_dir=Path(tmp) / "reports", jobs=args.jobs, n_draws=args.draws,
                                progress=False)
        total = time.perf_counter() - t
        cpu = cpu_seconds() - cpu0
        manifest_timings = __import__("json").loads(run.manifest.read_text())["timings_seconds"]
    n = len(run.outcomes)
    print(f"notebooks: {', '.join(p.name for p in notebooks)}; provinces: {len(provinces)}; reports: {n}; "
          f"jobs: {args.jobs}; draws: {args.draws}")
    failed = [o for o in run.outcomes if o.status != "ok"]
    print(f"failed reports: {len(failed)}")
    for o in failed[:5]:
        print(f"  {o.province} {o.notebook}: {o.error[:300]}")
    print(f"floor (kernel start + empty notebook -> HTML): {floor:.2f} s")
    print(f"total run: {total:.1f} s  (tables {manifest_timings['tables']:.1f} s, shared work "
          f"{manifest_timings['shared']:.1f} s, notebooks {manifest_timings['notebooks']:.1f} s, pages "
          f"{manifest_timings['pages']:.1f} s)")
    print(f"CPU time of the run, every process (this one, workers, kernels): {cpu:.1f} s = {cpu / n:.2f} s per "
          f"report (user + sys; compare this on a busy machine, where the wall clock says little)")
    for nb in notebooks:
        secs = [o.seconds for o in run.outcomes if o.notebook == nb.name]
        sizes = [o.html_bytes for o in run.outcomes if o.notebook == nb.name]
        if secs:
            print(f"  {nb.name}: per report median {statistics.median(secs):.2f} s, max {max(secs):.2f} s, "
                  f"ratio to floor {statistics.median(secs) / floor:.2f}x; HTML median "
                  f"{statistics.median(sizes) / 1e6:.2f} MB, max {max(sizes) / 1e6:.2f} MB")
        cells: dict[str, list[float]] = {}
        for o in run.outcomes:
            if o.notebook == nb.name:
                for key, sec in o.cell_seconds.items():
                    cells.setdefault(key, []).append(sec)
        costly = sorted(cells.items(), key=lambda kv: -sum(kv[1]))[: args.cells]
        print("    costliest cells (median s; share of the notebook's cell time): " + "; ".join(
            f"{section_of(k)} {statistics.median(v):.2f} "
            f"({sum(v) / max(sum(map(sum, cells.values())), 1e-9):.0%})" for k, v in costly))
    per_report = statistics.median(o.seconds for o in run.outcomes)
    print(f"per report (worker time, median): {per_report:.2f} s = {per_report / floor:.2f}x the floor "
          f"(target <= 2x)")
    print(f"per report (wall clock of the run / reports, {args.jobs} jobs): {total / n:.2f} s = "
          f"{total / n / floor:.2f}x the floor")
    sizes = [o.html_bytes for o in run.outcomes]
    print(f"HTML size: median {statistics.median(sizes) / 1e6:.2f} MB, max {max(sizes) / 1e6:.2f} MB "
          f"(bound {report.HTML_MAX_BYTES / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
