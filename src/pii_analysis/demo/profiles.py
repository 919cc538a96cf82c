"""What the generator reads besides the published results: the demonstration placements and the shipped
province profiles (their raw ranges and values, which the panel must reproduce)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.loading import default_resolver
from pii_analysis.data.profile import Profile, read_profile
from pii_analysis.data.tables import read_table, require_columns, to_number
from pii_analysis.index.framework import Framework
from pii_analysis.index.profile_scores import DISPLAY_HALF_UNIT as HALF_UNIT
from pii_analysis.index.profile_scores import indicator_score
from pii_analysis.demo.settings import RAW_RANGE


def load_placement(path: Path | None = None) -> pd.DataFrame:
    """The demonstration (and inferred) placements: year, province, measure, rank_or_order, basis, status.

    `measure` = rank (PII rank of a province whose rank is not published) or pK_rank (the holder
    of the national maximum, rank 1, or minimum, last rank, of pillar K).
    """
    path = path or paths.raw_file(paths.DEMO_PLACEMENT)
    frame = read_table(path)
    require_columns(frame, ("year", "province", "measure", "rank_or_order", "basis", "status"), file=path)
    out = frame.copy()
    out["year"] = to_number(frame, "year", file=path, allow_blank=False).astype(int)
    out["rank_or_order"] = to_number(frame, "rank_or_order", file=path, allow_blank=False).astype(int)
    out["province"] = default_resolver().resolve_many(frame["province"], map_old=True, file=str(path))
    return out




def shipped_profiles(framework: Framework, year: int = 2025) -> list[Profile]:
    """The published province profiles shipped in data/raw/examples/ (pii_profile_<year>_*.csv)."""
    resolver = default_resolver()
    files = sorted((paths.raw_dir() / "examples").glob(f"pii_profile_{year}_*.csv"))
    return [read_profile(f, framework.nodes, resolver) for f in files]


def _raw_ranges(framework: Framework, profiles: list[Profile]) -> tuple[dict[str, tuple[float, float]], set]:
    """2025 (lowest, highest) raw value per indicator: the published national minimum and maximum
    where a shipped profile shows them, else the demonstration range; and the (code, 'min'|'max')
    that are published."""
    out = {c: RAW_RANGE.get(c, (1.0, 100.0, .03))[:2] for c in framework.indicators}
    real: set[tuple[str, str]] = set()
    for prof in profiles:
        for code, r in prof.rows[prof.rows["level"] == "indicator"].iterrows():
            lo, hi = out[code]
            if pd.notna(r["national_min"]):
                lo = float(r["national_min"])
                real.add((code, "min"))
            if pd.notna(r["national_max"]):
                hi = float(r["national_max"])
                real.add((code, "max"))
            out[code] = (lo, hi)
    return out, real


def _profile_targets(framework: Framework, profiles: list[Profile], provinces: list[str],
                     ranges: dict[str, tuple[float, float]]) -> tuple[dict, dict]:
    """From the shipped profiles: bounds on each real indicator score of the province (its raw value
    is displayed to 2 decimals, so the score may lie anywhere the rounding allows) and the published
    sub-pillar scores it must meet. Keys are (province index, code)."""
    bounds: dict[tuple[int, str], tuple[float, float]] = {}
    targets: dict[tuple[int, str], float] = {}
    extremes: dict[str, tuple[float, float]] = {}
    direction = dict(zip(framework.indicators, framework.direction))
    for prof in profiles:
        i = provinces.index(prof.province)
        for code, r in prof.rows.iterrows():
            if r["level"] == "indicator" and pd.notna(r["value"]):
                lo, hi = ranges[code]
                # 0.9: keep clear of the rounding edge (the stored counts carry 10 significant digits)
                s = [indicator_score(float(r["value"]) + e, lo, hi, direction[code])
                     for e in (-0.9 * HALF_UNIT, 0.9 * HALF_UNIT)]
                bounds[(i, code)] = (max(min(s), 0.0), min(max(s), 100.0))
            elif r["level"] == "subpillar":
                if pd.notna(r["value"]):
                    targets[(i, code)] = float(r["value"])
                if pd.notna(r["national_min"]) and pd.notna(r["national_max"]):
                    extremes[code] = (float(r["national_min"]), float(r["national_max"]))
    return bounds, targets, extremes
