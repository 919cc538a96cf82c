"""The run's own tables: the processed score tables, the profile tables, the projection shared by every
notebook (computed once per run), the join columns every results CSV carries, the chosen provinces, and the
check that an output directory can be written (and is not the raw data)."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_PROVINCE, DEFAULT_TARGET_RANK, DEFAULT_TARGET_YEAR
from pii_analysis.analysis.projection import Projection
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.context import Context
from pii_analysis.report.files import write_csv

TARGET_YEAR = DEFAULT_TARGET_YEAR   # horizon of the shared projection (and of notebook 03)


TARGET_RANK = DEFAULT_TARGET_RANK   # the notebooks' default target rank (the run does not set it)


def shared_work(ctx: Context, *, base_year: int, target_year: int, n_draws: int, seed: int,
                target_rank: int = TARGET_RANK) -> Projection:
    """Compute, once per run, the work every notebook reuses (the caller has set $PII_CACHE_DIR, so the
    notebooks load it instead of recomputing it): the projection of all provinces with the run's draws
    (the one set of draws every section of a page uses), and the method uncertainty of all
    provinces for the base year and for the target year on the trend path (`verdict.uncertainty_table`'s
    two calls) and the headline model's backtest on the published record (page 03's model note). Returns the
    projection with the run's draws."""
    from pii_analysis.analysis.headline_backtest import shared_headline_backtest
    from pii_analysis.analysis.projection import deterministic_rates, secondary_draws, shared_projection
    from pii_analysis.analysis.uncertainty import method_uncertainty

    draws = secondary_draws(n_draws)  # exactly what notebook 03 asks for
    shared = shared_projection(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    projected = deterministic_rates(ctx, base_year=base_year, target_year=target_year)[2][-1]
    for rates in (None, projected):
        method_uncertainty(ctx, rates=rates, year=base_year, n_draws=draws["uncertainty"], seed=seed,
                           target_rank=target_rank)
    shared_headline_backtest(ctx, base_year)
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


def choose_provinces(ctx: Context, provinces: list[str] | None, all_provinces: bool, year: int) -> list[str]:
    """Canonical names of the chosen provinces (default Ninh Bình; --all: every province of the year)."""
    if all_provinces:
        return list(ctx.scores.ranking(year)["province"].sort_values())
    return [ctx.check_province(p) for p in (provinces or [DEFAULT_PROVINCE])]


def profile_results(ctx: Context, provinces: list[str], year: int) -> dict[str, pd.DataFrame]:
    """The profile tables (headline, nodes, indicators, peers) of the provinces, one frame each."""
    from pii_analysis.analysis.profile import results
    parts = [results(ctx, p, year) for p in provinces]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
