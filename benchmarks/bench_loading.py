"""Loading speed and memory of large inputs: a long panel CSV of ~50 MB and ~500 MB, and a workbook
whose one stray cell sits at XFD1048576 (formatted only, and holding a value).

Run: .venv/bin/python benchmarks/bench_loading.py [--sizes 50 500] [--keep DIR]
Each case runs in a fresh child process, so its peak resident memory (ru_maxrss) is its own; also printed:
the peak of Python allocations (tracemalloc) and the seconds. The issue asks for 50 MB in under 30 s and
500 MB in bounded memory. The files are generated in a temporary directory (the demonstration panel's
rows repeated over earlier years, labelled 'user'), never in data/.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
from pii_analysis.index.framework import default_framework
fw = default_framework()
from pii_analysis.data.errors import PiiInputError
trace = len(sys.argv) > 3
if trace:
    tracemalloc.start()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
outcome = ""
try:
    if kind == "panel":
        from pii_analysis.data.loading import load_panel
        panel = load_panel(path, fw)
        outcome = f"{len(panel.values):,} values, {len(panel.years)} years"
    else:
        from pii_analysis.data.tables import read_table
        frame = read_table(path)
        outcome = f"{frame.shape[0]} rows x {frame.shape[1]} columns"
except PiiInputError as exc:
    outcome = f"PiiInputError: {exc.message[:90]}"
seconds = time.perf_counter() - t
peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else float("nan")
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(rss, 1),
                  "rss_before_mb": round(base / 1024, 1), "tracemalloc_peak_mb": round(peak, 1),
                  "outcome": outcome}))
"""


def write_panel(path: Path, megabytes: float) -> Path:
    """The demonstration panel's 2025 rows repeated over earlier years until the file reaches the size."""
    import pandas as pd

    from pii_analysis.data.paths import DEMO_PANEL, raw_file

    demo = pd.read_csv(raw_file(DEMO_PANEL), dtype=str, keep_default_na=False)
    rows = demo[demo["year"] == "2025"].assign(data_status="user", source="benchmark copy of the demo panel")
    text = rows.to_csv(index=False, header=False, lineterminator="\n")
    lines = text.splitlines(keepends=True)
    target = int(megabytes * 1e6)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(demo.columns) + "\n")
        size, year = 0, 2025
        while size < target:
            block = "".join(f"{year}{line[4:]}" for line in lines)
            fh.write(block)
            size += len(block.encode("utf-8"))
            year -= 1
    return path


def write_stray(path: Path, value: bool) -> Path:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "2025"
    ws.append(["province", "year", "x"])
    ws.append(["Hà Nội", 2025, 1.5])
    if value:
        ws["XFD1048576"] = "stray"
    else:
        ws["XFD1048576"].font = Font(bold=True)
    book.save(path)
    return path


def run(kind: str, path: Path, trace: bool) -> dict:
    argv = [sys.executable, "-c", CHILD, kind, str(path)] + (["trace"] if trace else [])
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="*", default=[50, 500], help="panel sizes in MB")
    parser.add_argument("--keep", default=None, help="write the files here instead of a temporary directory")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slower: the seconds are then not the loader's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.keep or tmp)
        where.mkdir(parents=True, exist_ok=True)
        cases = [("stray cell, formatted only", "table", write_stray(where / "stray_formatted.xlsx", False)),
                 ("stray cell with a value", "table", write_stray(where / "stray_value.xlsx", True))]
        for mb in args.sizes:
            path = write_panel(where / f"panel_{int(mb)}mb.csv", mb)
            cases.append((f"panel CSV {path.stat().st_size / 1e6:.0f} MB", "panel", path))
        for name, kind, path in cases:
            print(f"{name:28s} {json.dumps(run(kind, path, args.tracemalloc), ensure_ascii=False)}", flush=True)


if __name__ == "__main__":
    main()
