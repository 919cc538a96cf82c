"""Start-up cost of the `pii` command: median of N whole-process runs of each command, in one run.

Run: .venv/bin/python benchmarks/bench_cli.py [--repeat 5]
The floor is `python -c "import pandas"`: every command that reads data pays at least that.
Goals on the 2-core reference machine: `pii --help` <= 0.3 s, `pii score --year 2025` <= 0.8 s.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "python -c 'import pandas' (floor)": [sys.executable, "-c", "import pandas"],
    "pii --help": [str(BIN / "pii"), "--help"],
    "pii score --year 2025": [str(BIN / "pii"), "score", "--year", "2025"],
    'pii drivers --province "Ninh Bình"': [str(BIN / "pii"), "drivers", "--province", "Ninh Bình"],
}
GOALS = {"pii --help": 0.3, "pii score --year 2025": 0.8}


def median_seconds(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(COMMANDS["pii --help"], check=True, stdout=subprocess.DEVNULL)   # warm the file cache
    print(f"{'command':<40} {'median s':>9}  goal")
    for name, cmd in COMMANDS.items():
        s = median_seconds(cmd, args.repeat)
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"<= {goal:.1f} s {'met' if s <= goal else 'NOT met'}"
        print(f"{name:<40} {s:>9.3f}  {verdict}")


if __name__ == "__main__":
    main()
