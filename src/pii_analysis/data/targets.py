"""Province targets as data (`province_targets.csv`, or a user's own file) and the groups of provinces
(`province_groups.csv`) a group rank is counted in; validated, every bad cell named by file, spreadsheet
row and column. The files are only ever read.

A target row is `province, year, kind, value, group, source_url, note`; `kind` is one of KINDS:
`rank` (national rank <= value), `group_rank` (rank within `group` <= value), `pillars_above_national_mean`
(pillars at or above the national mean >= value), `indicators_above_national_mean_share` (share of the
indicators at or above the national mean >= value, 0-1), `indicator` (`group` holds the indicator code;
the value in its own unit, reached in the indicator's better direction), `score` (PII >= value).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.provinces import ProvinceResolver
from pii_analysis.data.tables import read_table, require_columns, row_number, to_number, whole_numbers

KINDS = ("rank", "group_rank", "pillars_above_national_mean", "indicators_above_national_mean_share",
         "indicator", "score")
COLUMNS = ("province", "year", "kind", "value")
OPTIONAL = ("group", "source_url", "note")
GROUPS = "province_groups.csv"
PLAN_METRICS = "province_plan_metrics.csv"


def _fail(message: str, frame: pd.DataFrame, i: int, column: str, file: Path) -> PiiInputError:
    return PiiInputError(message, file=file, row=row_number(frame, i), column=column)


def load_groups(path: str | Path | None = None, resolver: ProvinceResolver | None = None) -> pd.DataFrame:
    """group, province (canonical names), source: one row per member of a group."""
    from pii_analysis.data.loading import default_resolver

    file = Path(path) if path else paths.raw_file(GROUPS)
    frame = read_table(file)
    require_columns(frame, ("group", "province"), file=file)
    out = frame.copy()
    for i, g in enumerate(frame["group"]):
        if not g.strip():
            raise _fail("empty group", frame, i, "group", file)
    out["province"] = (resolver or default_resolver()).resolve_many(frame["province"], file=str(file))
    dup = out.duplicated(["group", "province"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise _fail(f"province '{out['province'].iloc[i]}' listed twice in group '{out['group'].iloc[i]}'",
                    frame, i, "province", file)
    if "source" not in out:
        out["source"] = ""
    return out[["group", "province", "source"]].reset_index(drop=True)


def load_targets(path: str | Path | None = None, province: str | None = None,
                 resolver: ProvinceResolver | None = None, *, groups: pd.DataFrame | None = None,
                 indicators: list[str] | None = None, n_pillars: int | None = None) -> pd.DataFrame:
    """Targets of one province (or all): province, year, kind, value, group, source_url, note, source.

    `source` is `source_url` when given, else the file and row (a user's own target carries no
    published source). `indicators` / `n_pillars` (the framework's) check indicator codes and pillar
    counts when given; `groups` (load_groups) checks a group rank's group and its members."""
    from pii_analysis.data.loading import default_resolver

    file = Path(path) if path else paths.raw_file(paths.TARGETS)
    resolver = resolver or default_resolver()
    frame = read_table(file)
    require_columns(frame, COLUMNS, file=file)
    out = frame.copy()
    for col in OPTIONAL:
        if col not in out:
            out[col] = ""
    out["province"] = resolver.resolve_many(frame["province"], file=str(file))
    years = to_number(frame, "year", file=file, allow_blank=False)
    out["year"] = whole_numbers(years, frame, "year", file=file, what="year").astype(int)
    out["value"] = to_number(frame, "value", file=file, allow_blank=False)
    out["kind"] = frame["kind"].str.strip()
    out["group"] = out["group"].astype(str).str.strip()
    groups = load_groups(resolver=resolver) if groups is None else groups
    n = len(resolver.current)
    for i, row in enumerate(out.itertuples(index=False)):
        _check_row(row, frame, i, file, n=n, groups=groups, indicators=indicators, n_pillars=n_pillars)
    rows = [row_number(frame, i) for i in range(len(frame))]
    out["source"] = [u if u.strip() else f"{file.name}, row {r} (user)" for u, r in zip(out["source_url"], rows)]
    if province is not None:
        out = out[out["province"] == resolver.resolve(province, map_old=True)]
    return out[[*COLUMNS, *OPTIONAL, "source"]].reset_index(drop=True)


def _check_row(row, frame: pd.DataFrame, i: int, file: Path, *, n: int, groups: pd.DataFrame,
               indicators: list[str] | None, n_pillars: int | None) -> None:
    """One target row: a known kind, a value in the kind's range, a group or code where the kind needs one."""
    kind, value, group = row.kind, float(row.value), row.group
    if kind not in KINDS:
        raise _fail(f"kind '{kind}' must be one of {', '.join(KINDS)}", frame, i, "kind", file)
    whole = value % 1 == 0
    if kind == "rank" and not (whole and 1 <= value <= n):
        raise _fail(f"target rank '{frame['value'].iloc[i]}' must be a whole number from 1 to {n}", frame, i,
                    "value", file)
    if kind == "group_rank":
        members = groups.loc[groups["group"] == group, "province"].tolist()
        if not members:
            known = ", ".join(dict.fromkeys(groups["group"]))
            raise _fail(f"group '{group}' is not in {GROUPS} (groups: {known})", frame, i, "group", file)
        if row.province not in members:
            raise _fail(f"{row.province} is not a member of group '{group}'", frame, i, "group", file)
        if not (whole and 1 <= value <= len(members)):
            raise _fail(f"group rank '{frame['value'].iloc[i]}' must be a whole number from 1 to {len(members)} "
                        f"(the provinces of '{group}')", frame, i, "value", file)
    top = n_pillars if n_pillars is not None else 7
    if kind == "pillars_above_national_mean" and not (whole and 0 <= value <= top):
        raise _fail(f"pillar count '{frame['value'].iloc[i]}' must be a whole number from 0 to {top}", frame, i,
                    "value", file)
    if kind == "indicators_above_national_mean_share" and not 0 <= value <= 1:
        raise _fail(f"share '{frame['value'].iloc[i]}' must be from 0 to 1 (write 100% as 1)", frame, i,
                    "value", file)
    if kind == "indicator":
        if not group:
            raise _fail("an indicator target names its indicator code in 'group'", frame, i, "group", file)
        if indicators is not None and group not in indicators:
            raise _fail(f"unknown indicator code '{group}'", frame, i, "group", file)
    if kind == "score" and not 0 <= value <= 100:
        raise _fail(f"PII score '{frame['value'].iloc[i]}' must be from 0 to 100", frame, i, "value", file)


def load_plan_metrics(path: str | Path | None = None, province: str | None = None,
                      resolver: ProvinceResolver | None = None) -> pd.DataFrame:
    """A plan's own metrics that are not PII targets (Resolution 06-NQ/TU: R&D staff, patents, digital
    economy share...; `province_plan_metrics.csv`: province, target_year, metric, operator, value), the
    plan scenario maps them onto indicators."""
    from pii_analysis.data.loading import default_resolver

    file = Path(path) if path else paths.raw_file(PLAN_METRICS)
    resolver = resolver or default_resolver()
    frame = read_table(file)
    require_columns(frame, ("province", "target_year", "metric", "operator", "value"), file=file)
    out = frame.copy()
    out["province"] = resolver.resolve_many(frame["province"], file=str(file))
    years = to_number(frame, "target_year", file=file, allow_blank=False)
    out["target_year"] = whole_numbers(years, frame, "target_year", file=file, what="year").astype(int)
    out["value"] = to_number(frame, "value", file=file, allow_blank=False)
    if province is not None:
        out = out[out["province"] == resolver.resolve(province, map_old=True)]
    return out.reset_index(drop=True)
