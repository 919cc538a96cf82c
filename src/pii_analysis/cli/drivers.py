"""`pii drivers`: one row per indicator with what moves a province's PII rank, and how far."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pii_analysis.analysis.defaults import DEFAULT_PROVINCE, DEFAULT_TARGET_YEAR
from pii_analysis.cli.output import (
    add_data_options,
    add_format,
    add_profile_option,
    data_options,
    print_notes,
    profile_warnings,
)

if TYPE_CHECKING:
    import pandas as pd

TABLE_COLUMNS = ["lever_rank", "indicator", "name", "unit", "value_now", "value_needed", "years_of_effort", "effort",
                 "places_gained", "pii_points", "raw_for_next_rank", "raw_for_target", "national_best",
                 "national_average_raw", "lead_agency", "rank"]
#: the columns `--format csv` opens with (the lever ranking; every other column of the drivers table follows)
CSV_FIRST = ["indicator", "name", "lever_rank", "places_gained", "value_now", "value_needed", "unit", "years_of_effort",
             "effort", "pii_points", "lead_agency", "co_agencies", "measured_by", "reason", "reason_code",
             "target_rank", "target_year", "sustained_pace", "pace_source"]
NOT_REACHABLE = "not reachable"
NOT_MONOTONE = " *"   # marks a raw value where the rank is not monotone in the indicator


def register(subparsers) -> None:
    p = subparsers.add_parser("drivers", help="which indicators move a province's PII rank, and how far")
    p.add_argument("--province", default=DEFAULT_PROVINCE, help=f"province (default {DEFAULT_PROVINCE})")
    p.add_argument("--year", type=int, default=None, help="year (default: latest in the data)")
    p.add_argument("--target-rank", type=int, default=None,
                   help="target rank (default: the province's own target, else the project default for its rank "
                        "band, as on the report's pages)")
    p.add_argument("--target-year", type=int, default=DEFAULT_TARGET_YEAR,
                   help=f"the year the levers aim at (default {DEFAULT_TARGET_YEAR})")
    p.add_argument("--step", type=float, default=10.0, help="rise in normalised points per step (default 10)")
    add_data_options(p)
    add_profile_option(p)
    p.add_argument("--lang", choices=["vi", "en"], default="en", help="language of indicator names (default en)")
    add_format(p)
    p.set_defaults(func=run)


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """The terminal table in real units: 'not reachable' where no raw value up to the search bound
    reaches the rank, '*' where the rank is not monotone in the indicator's value."""
    import pandas as pd

    out = table[TABLE_COLUMNS].copy()
    first = table.attrs["rank"] == 1
    met = table.attrs["rank"] <= table.attrs["target_rank"]
    for col in ("raw_for_next_rank", "raw_for_target"):
        out[col] = ["—" if (first and col == "raw_for_next_rank") or (met and col == "raw_for_target")
                    else (f"{v:.4g}" if v == v else NOT_REACHABLE) + ("" if mono else NOT_MONOTONE)
                    for v, mono in zip(table[col], table["monotone"])]
    for col in ("value_now", "value_needed", "national_best", "national_average_raw"):
        out[col] = [f"{v:.4g}" if v == v else "" for v in table[col]]
    out["rank"] = out["rank"].round().astype("Int64")
    out["lever_rank"] = ["" if pd.isna(v) else str(int(v)) for v in table["lever_rank"]]
    return out


def run(args: argparse.Namespace) -> int:
    from pii_analysis.analysis.drivers import drivers_table
    from pii_analysis.analysis.targets import province_target
    from pii_analysis.cli.output import emit, level_meta
    from pii_analysis.index.context import load_context
    from pii_analysis.report import levers_text
    from pii_analysis.report.labels import data_banner

    from pii_analysis.analysis.profile_level import level_of

    level = level_of(args.data, getattr(args, "sheet", None))
    if level == "profile":
        return _run_profile(args)
    if level == "published":
        return _run_published(args)
    ctx = load_context(args.data, **data_options(args))
    print_notes(ctx)
    year = ctx.check_year(args.year)
    target = province_target(ctx, args.province, base_year=year, target_rank=args.target_rank,
                             target_year=args.target_year)
    table = drivers_table(ctx, args.province, year, target_rank=target.rank, step=args.step, lang=args.lang,
                          target_year=target.year)
    a = table.attrs
    table = levers_text.with_reasons(table, a["province"], args.lang)
    meta = {**level_meta(ctx.data_level, ctx.province_note(args.province)),
            "province": a["province"], "year": a["year"], "rank": a["rank"], "pii": round(a["pii"], 4),
            "target_rank": a["target_rank"], "target_year": a["target_year"], "target_kind": target.kind,
            "target_origin": target.origin, "reference": a["reference"], "reference_rank": a["reference_rank"],
            "step": a["step"], "data_status": ctx.data_status, "source": ctx.panel.source,
            "levers": levers_text.rule(a["province"], a["target_rank"], a["target_year"], a["lever_mode"], "en")
                      + " lever_rank 1-3: the three levers the summary names; places_gained: places toward the "
                        "target rank by target_year, the other provinces on the projection's central path (rank "
                        f"{a['path_rank']} on it without a lever); value_now -> value_needed: the lever's move; "
                        "years_of_effort: years at the sustained pace beyond the path; effort = years_of_effort x "
                        "relative_cost",
            "paces": levers_text.pace_note(a["pace_source"], "en"),
            "raw_units": "raw values after denomination; raw_for_*: the value needed today, the other provinces as "
                         "they are, the whole panel re-scored (not reachable: no value up to raw_search_bound; "
                         "* rank not monotone in the value); raw_step = sustained_pace",
            "agencies": levers_text.TEXT["agencies_note"]["en"],
            "note": data_banner(ctx.data_status, "en", ctx.panel.source)}
    if args.format == "table":
        frame = _readable(table)
    else:
        frame = table[CSV_FIRST + [c for c in table.columns if c not in CSV_FIRST]]
    print(emit(frame, args.format, meta, float_digits=3 if args.format == "table" else 2))
    return 0


PROFILE_COLUMNS = ["lever_rank", "code", "name", "unit", "value", "national_min", "national_max", "score",
                   "pii_per_unit", "units_per_pii_point", "max_pii_gain", "value_for_gap", "value_needed",
                   "years_of_effort", "places_gained"]


def _header(r) -> dict:
    """The lines that open the output at both levels below the panel: the level, the province and its standing."""
    from pii_analysis.cli.output import level_meta, rank_meta

    return {**level_meta(r.data_level, r.note), "province": r.province, "year": r.year, "pii": r.pii,
            **rank_meta(r), "data_status": r.data_status}


def gap_notes(r) -> dict:
    """What the columns of the gap table mean (`gap_to_each_rank`)."""
    from pii_analysis.analysis.profile_level import GAP_DIGITS

    return {"published_totals": f"{int(r.totals['pii_score'].notna().sum())} of {len(r.totals)} provinces",
            "gap_pii": f"published total at the rank - {r.province}'s total, rounded to {GAP_DIGITS} decimals as "
                       "the totals are published; to pass, gain MORE than it (a tie at the published precision "
                       "is not a pass), the others as they are",
            "gap_pK": "the rise of pillar K alone that closes the gap (gap_pii / the pillar's weight in the PII); "
                      "blank where the pillar would pass 100",
            "status": "published | total not published (rank known) | not published (nobody published at the rank)"}


def gap_table(r, fmt: str, header: dict, tail: dict | None = None) -> str:
    """The gap to each rank above the province (`analysis.profile_level.gap_to_each_rank`: who holds it, its
    published total, the PII points to gain and the rise of each pillar alone) after `header`, with what its
    columns mean, then `tail`: what `pii drivers` prints at both levels below the panel (at the profile
    level, above the drivers in the indicators' own units)."""
    from pii_analysis.cli.output import emit

    meta = {**header, **gap_notes(r), **(tail or {})}
    if r.gaps.empty:
        meta["gap_to_each_rank"] = "none: " + ("no PII total for the province" if r.pii != r.pii
                                              else "no rank above the province")
    return emit(r.gaps, fmt, meta, float_digits=2)


def _run_profile(args: argparse.Namespace) -> int:
    """Drivers at the profile level: the gap to each rank above the province, then each indicator in its own
    units against the published totals (json: the gaps as `gaps`; csv: the drivers table only)."""
    import json

    import numpy as np

    from pii_analysis.analysis.profile_level import analyse_profile
    from pii_analysis.cli.output import emit
    from pii_analysis.report import levers_text

    r = analyse_profile(args.data, year=args.year, sheet=getattr(args, "sheet", None),
                        accept_typed_scores=args.accept_typed_scores)
    warnings = profile_warnings(r)
    above = r.standing[r.standing["gap_pii"] > 0] if len(r.standing) else r.standing
    nxt = above.iloc[-1] if len(above) else None
    d = profile_lever_table(r, args.target_year, args.lang)
    frame = d[PROFILE_COLUMNS] if args.format == "table" else d
    if args.format == "table":
        frame = frame.assign(name=frame["name"].str.slice(0, 36))
    header = {**{f"WARNING {i + 1}": w for i, w in enumerate(warnings)}, **_header(r)}
    if not np.isfinite(r.pii):
        header["pii"] = "not in the profile: gaps to ranks cannot be computed"
    meta = {"next_published_above": (f"{nxt['province']} (rank {int(nxt['rank'])}, PII {nxt['pii']:.2f}, gap "
                                     f"{nxt['gap_pii']:.2f} points)") if nxt is not None else "none",
            "exact": "pii_per_unit is exact while the value stays inside the national [min, max]; beyond the "
                     "maximum the maximum moves with it and the indicator's score is capped at 100 "
                     "(max_pii_gain); value_for_gap: the value that alone closes the gap to the next published "
                     "total (blank: not reachable by this indicator alone)",
            "levers": levers_text.TEXT["profile_rule"]["en"] + " lever_rank 1-3: the summary's three levers; "
                      "value_needed: the lever's move by target_year; places_gained: published totals passed",
            "paces": levers_text.pace_note("profile", "en"),
            "not_at_this_level": "rank after a step and leave-one-out need every province's indicator values "
                                 "(full panel)",
            "source": r.profile.source}
    if args.format == "table":
        print(gap_table(r, "table", header) + "\n")
        print(emit(frame, "table", meta, float_digits=3))
        return 0
    if args.format == "json":
        meta = {**gap_notes(r), **meta, "gaps": json.loads(gap_table(r, "json", {}))["rows"]}
    print(emit(frame, args.format, {**header, **meta}, float_digits=2))
    return 0


def profile_lever_table(r, target_year: int, lang: str):
    """The profile's drivers in the order of its levers (`analysis.levers.profile_levers`), with the name, the
    agencies and the reason in `lang`."""
    from pii_analysis.analysis.levers import profile_levers
    from pii_analysis.data.levers import lever_columns, load_levers
    from pii_analysis.report import levers_text

    d = profile_levers(r, target_year=target_year)
    d = d.join(lever_columns(load_levers(), list(d["code"]), lang).drop(columns=["relative_cost"]), on="code")
    d["name"] = d["name_en" if lang == "en" else "name_vi"]
    d["reason"] = [levers_text.reason(row, lang, r.province) for row in d.to_dict("records")]
    return d


def _run_published(args: argparse.Namespace) -> int:
    """The published level (totals, sub-indices, pillar scores only): the gap to each rank above the
    province, in PII points and in points of each pillar alone."""
    from pii_analysis.analysis.profile_level import analyse_published

    r = analyse_published(args.data, args.province, args.year)
    print(gap_table(r, args.format, _header(r), {
        "not_at_this_level": "which indicators move the rank, and by how much, need indicator values (a profile: "
                             "--data <profile>, or the full panel)",
        "source": r.source}))
    return 0
