"""`pii report`: the annual report run (processed tables, notebooks -> HTML, index.html)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pii_analysis.analysis.defaults import DEFAULT_DRAWS, DEFAULT_PROVINCE, DEFAULT_SEED
from pii_analysis.data import paths
from pii_analysis.cli.output import add_data_options, data_options, print_notes
from pii_analysis.report.defaults import DEFAULT_JOBS, DEFAULT_OUT, TIMEOUT


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report", help="run the report notebooks for provinces and write HTML reports with an index",
        description="Execute the report notebooks (profile, rank drivers, feasibility) for the chosen provinces "
                    "and write one HTML report per notebook and province, the executed notebooks, CSV results, "
                    "manifest.json and index.html. Exit status 1 if any report failed.")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--province", action="append", default=None,
                     help=f"province to report on (repeatable; default {DEFAULT_PROVINCE})")
    who.add_argument("--all", action="store_true", help="every province of the year")
    p.add_argument("--year", type=int, default=None, help="year (default: latest in the data)")
    add_data_options(p)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT}/)")
    p.add_argument("--processed", default=str(paths.REPO_ROOT / "data" / "processed"),
                   help="where to write the processed score tables (default data/processed/)")
    p.add_argument("--lang", choices=["vi", "en"], default="vi", help="report language (default vi)")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                   help=f"notebooks executed in parallel (default {DEFAULT_JOBS})")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS,
                   help=f"Monte Carlo draws of the projection, computed once for all provinces "
                        f"(default {DEFAULT_DRAWS}, as the feasibility notebook and `pii feasibility`)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"random seed of the projection and the notebooks (default {DEFAULT_SEED}, as the "
                        f"notebooks and `pii feasibility`)")
    p.add_argument("--target-rank", type=int, default=None,
                   help="target rank for every province's feasibility report (default: each province's own "
                        "target, else the project default for its rank band, data/raw/default_targets.csv)")
    p.add_argument("--timeout", type=int, default=TIMEOUT, help=f"seconds per cell (default {TIMEOUT})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pii_analysis.index.context import load_context
    from pii_analysis.report.run import RunInterrupted, run_report, writable_directory

    from pii_analysis.analysis.profile_level import level_of
    from pii_analysis.data.loading import default_resolver

    writable_directory(args.out, "--out")
    writable_directory(args.processed, "--processed")
    level = level_of(args.data, getattr(args, "sheet", None))
    if level == "panel":
        ctx = load_context(args.data, **data_options(args))
        print_notes(ctx)
    else:
        print(f"data level: {level} ({args.data}); the processed panel tables are not written at this level",
              file=sys.stderr)
    for name in args.province or []:
        if default_resolver().merger_note(name):
            print(f"note: {default_resolver().merger_note(name)}", file=sys.stderr)
    try:   # the level decided here, once: the run and each notebook are given it
        result = run_report(args.province, all_provinces=args.all, year=args.year, data_path=args.data,
                            out_dir=args.out, lang=args.lang, jobs=args.jobs, n_draws=args.draws, seed=args.seed,
                            timeout=args.timeout, progress=not args.no_progress, target_rank=args.target_rank,
                            processed=args.processed, data_level=level, **data_options(args))
    except RunInterrupted as stop:
        print(f"pii report: interrupted ({stop}); {Path(args.out) / 'index.html'} lists the reports that "
              "finished", file=sys.stderr)
        return 128 + stop.signum
    for name in result.cache_ignored:
        print(f"note: ignored {Path(args.out) / name} in the run's cache (not an entry the cache writes)",
              file=sys.stderr)
    if level == "panel":
        print(f"processed tables: {args.processed}", file=sys.stderr)
    failed = [o for o in result.outcomes if o.status != "ok"]
    for o in failed:
        print(f"FAILED {o.province} {o.notebook}: {o.error}", file=sys.stderr)
    print(result.index)
    return 0 if not failed else 1
