"""Reader of a province's PII profile: one row per node, raw value with the national min and max.

What a provincial Department of Science and Technology holds is its own profile (the Ministry's
per-province result, also on VnExpress "Hồ sơ PII"): for every pillar, sub-pillar and indicator,
the province's value with the national minimum and maximum over the 34 provinces. This module
reads that layout (CSV or Excel) into a tidy frame keyed by framework code. A row names its node
by `code` or by its Vietnamese name (`name_vi`, matched regardless of case and diacritics); an
unknown name fails with the closest names of the framework.

A row's `data_status` is what the user says it is: `user` (the default, also for a blank cell) or
`published` (copied from the published profile); a URL in `source_url` says where a number comes from,
never that it is published. Every error names the spreadsheet row the user sees (`tables.row_number`).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.provinces import ProvinceResolver, name_key
from pii_analysis.data.tables import header_row, read_table, require_columns, row_number, row_numbers, to_number

#: columns of the layout (the template writes all of them; a profile needs value and a way to
#: name each row: code or name_vi)
COLUMNS = ("year", "province", "code", "level", "name_vi", "value", "national_min", "national_max",
           "unit", "source_url", "data_status")
STATUSES = ("user", "published")   # what a row of a profile can be; blank = user
NUMBERS = ("value", "national_min", "national_max")
LEVELS = ("indicator", "subpillar", "pillar", "subindex", "index")


@dataclass(frozen=True)
class Profile:
    """One province's profile for one year: `rows` indexed by code, with level, value,
    national_min, national_max (NaN where not given), name_vi, unit, source_url, data_status ('user' or
    'published', as the file says) and row (the spreadsheet row)."""

    province: str
    year: int
    rows: pd.DataFrame
    source: str
    note: str = ""  # e.g. "Hà Nam → Ninh Bình (merged 2025)" when an old name was given
    notes: tuple[dict, ...] = ()  # rows it cannot use fully (blank or equal national min/max): _range_notes

    @property
    def data_status(self) -> str:
        """'published' when every row holding a number is marked published, else 'user'."""
        status = self.rows["data_status"] if "data_status" in self.rows else pd.Series(dtype=str)
        return "published" if len(status) and (status == "published").all() else "user"


def template(nodes: pd.DataFrame, province: str, year: int, published: dict[str, float] | None = None
             ) -> pd.DataFrame:
    """The profile layout with the framework's rows (PII to indicators) for a user to fill in.

    `published`: node scores already published for the province (prefilled in `value`)."""
    published = published or {}
    return pd.DataFrame({
        "year": year, "province": province, "code": nodes.index.astype(str),
        "level": nodes["level"].to_numpy(),
        "name_vi": nodes["name_vi"].to_numpy() if "name_vi" in nodes else "",
        "name_en": nodes["name_en"].to_numpy() if "name_en" in nodes else "",
        "unit": nodes["unit"].to_numpy() if "unit" in nodes else "",
        "value": [published.get(str(c), None) for c in nodes.index],
        "national_min": None, "national_max": None, "source_url": "",
        "data_status": "user",   # change to 'published' only for rows copied from the published profile
    })


def looks_like_profile(path: str | Path, sheet: str | None = None) -> bool:
    """True when a file has the profile layout (national_min / national_max columns)."""
    try:
        head = read_table(path, sheet=sheet)
    except PiiInputError:
        return False
    return {"national_min", "national_max"} <= set(head.columns)


def _match_codes(frame: pd.DataFrame, nodes: pd.DataFrame, file: str) -> list[str]:
    """Framework code of every row: its `code`, else its Vietnamese name (level-aware)."""
    by_name: dict[tuple[str, str], str] = {}
    any_level: dict[str, str] = {}
    for code, row in nodes.iterrows():
        key = name_key(str(row.get("name_vi", "")))
        if key:
            by_name[(str(row["level"]), key)] = str(code)
            any_level.setdefault(key, str(code))
    codes = []
    has_code = "code" in frame.columns
    for i, (_, row) in enumerate(frame.iterrows()):
        line = row_number(frame, i)
        code = str(row["code"]).strip() if has_code else ""
        if code:
            if code not in nodes.index:
                close = difflib.get_close_matches(code, [str(c) for c in nodes.index], n=3, cutoff=0.5)
                hint = f"; closest codes: {', '.join(close)}" if close else ""
                raise PiiInputError(f"unknown code '{code}' (not in the framework){hint}", file=file, row=line,
                                    column="code")
            codes.append(code)
            continue
        name = str(row.get("name_vi", "")).strip()
        if not name:
            raise PiiInputError("row has neither a code nor a Vietnamese name (name_vi)", file=file, row=line,
                                column="name_vi")
        level = str(row.get("level", "")).strip().lower()
        key = name_key(name)
        found = by_name.get((level, key)) or (any_level.get(key) if not level else None)
        if found is None:
            pool = nodes if level not in LEVELS else nodes[nodes["level"] == level]
            names = [str(n) for n in pool["name_vi"]]
            keyed = {name_key(n): n for n in names}
            close = [keyed[k] for k in difflib.get_close_matches(key, list(keyed), n=3, cutoff=0.4)]
            hint = f"; closest names: {'; '.join(close)}" if close else ""
            raise PiiInputError(f"unknown {level or 'node'} name '{name}'{hint}", file=file, row=line,
                                column="name_vi")
        codes.append(found)
    return codes


def read_profile(path: str | Path, nodes: pd.DataFrame, resolver: ProvinceResolver, *,
                 province: str | None = None, year: int | None = None, sheet: str | None = None) -> Profile:
    """Read a profile file against the framework's `nodes` (indexed by code, with level and name_vi).

    The province and year come from the file's columns (one of each) or from the arguments.
    """
    file = str(path)
    frame = read_table(path, sheet=sheet)
    require_columns(frame, ("value",), file=file, sheet=sheet)
    if "code" not in frame.columns and "name_vi" not in frame.columns:
        raise PiiInputError("a profile needs a 'code' or a 'name_vi' column to name its rows", file=file,
                            row=header_row(frame))
    numbers = {c: (to_number(frame, c, file=file, sheet=sheet) if c in frame.columns
                   else pd.Series(float("nan"), index=frame.index)) for c in NUMBERS}
    province, note = _one_province(frame, province, resolver, file)
    year = _one_year(frame, year, file, sheet)
    codes = _match_codes(frame, nodes, file)
    lines = row_numbers(frame)
    notes: list[dict] = []
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in seen:
            raise PiiInputError(f"node {code} appears twice (rows {seen[code]} and {lines[i]})", file=file,
                                row=lines[i], column="code" if "code" in frame.columns else "name_vi")
        seen[code] = lines[i]
    for i in range(len(frame)):
        lo, hi, v = numbers["national_min"].iloc[i], numbers["national_max"].iloc[i], numbers["value"].iloc[i]
        if pd.notna(lo) and pd.notna(hi) and lo > hi:
            raise PiiInputError(f"national_min {lo:g} is above national_max {hi:g}", file=file, row=lines[i],
                                column="national_min")
        if pd.notna(v) and pd.notna(lo) and pd.notna(hi) and not lo <= v <= hi:
            raise PiiInputError(f"value {v:g} lies outside the national range [{lo:g}, {hi:g}] of {codes[i]}: "
                                "the minimum and maximum are over all provinces, this one included",
                                file=file, row=lines[i], column="value")
        if pd.notna(v) and str(nodes.at[codes[i], "level"]) == "indicator":
            notes += _range_notes(codes[i], lo, hi, lines[i])
    rows = pd.DataFrame({
        "code": codes,
        "level": [str(nodes.at[c, "level"]) for c in codes],
        "name_vi": [str(nodes.at[c, "name_vi"]) if "name_vi" in nodes else c for c in codes],
        **{c: numbers[c].to_numpy() for c in NUMBERS},
        "unit": frame["unit"].to_numpy() if "unit" in frame.columns else "",
        "source_url": frame["source_url"].to_numpy() if "source_url" in frame.columns else "",
        "data_status": _statuses(frame, file),
        "row": lines,
    }).set_index("code")
    rows = rows[rows[list(NUMBERS)].notna().any(axis=1)]  # rows left blank in a template are not data
    if rows.empty:
        raise PiiInputError("the profile has no values (fill the 'value' column)", file=file, column="value")
    return Profile(province=province, year=year, rows=rows, source=file, note=note, notes=tuple(notes))


def _range_notes(code: str, lo: float, hi: float, line: int) -> list[dict]:
    """What a row's national range keeps the profile from doing (report.level_pages.warning_text says it):
    'blank_range' (a value without national_min / national_max: not scored) or 'constant' (min = max:
    every province alike; as in the GII's COINr, whose n_minmax gives NaN for a zero range and whose
    weighted mean a_amean drops NaN and rescales the other weights, it carries no weight)."""
    blank = [c for c, x in (("national_min", lo), ("national_max", hi)) if pd.isna(x)]
    if blank:
        return [{"kind": "blank_range", "row": line, "code": code, "columns": " + ".join(blank)}]
    if lo == hi:
        return [{"kind": "constant", "row": line, "code": code, "value": float(lo)}]
    return []


def _statuses(frame: pd.DataFrame, file: str) -> list[str]:
    """Each row's data_status as the user gives it: 'user' (also blank or no column) or 'published'."""
    if "data_status" not in frame.columns:
        return ["user"] * len(frame)
    out = []
    for i, text in enumerate(frame["data_status"].astype(str).str.strip().str.lower()):
        status = text or "user"
        if status not in STATUSES:
            raise PiiInputError(f"data_status '{frame['data_status'].iloc[i]}' must be 'user' (your own figures) "
                                "or 'published' (copied from the published profile); blank means user",
                                file=file, row=row_number(frame, i), column="data_status")
        out.append(status)
    return out


def _one_province(frame: pd.DataFrame, given: str | None, resolver: ProvinceResolver,
                  file: str) -> tuple[str, str]:
    names = [n for n in frame["province"].unique() if n] if "province" in frame.columns else []
    if given is None:
        if len(names) != 1:
            raise PiiInputError("a profile holds one province: give a 'province' column with one name "
                                f"(found {len(names)})", file=file, column="province")
        given = names[0]
    return resolver.resolve(given, map_old=True, file=file, column="province"), resolver.merger_note(given)


def _one_year(frame: pd.DataFrame, given: int | None, file: str, sheet: str | None) -> int:
    if given is not None:
        return int(given)
    if "year" not in frame.columns:
        raise PiiInputError("a profile needs a 'year' column (or give the year)", file=file, row=1, column="year")
    years = to_number(frame, "year", file=file, sheet=sheet).dropna().unique()
    if len(years) != 1:
        raise PiiInputError(f"a profile holds one year (found {len(years)})", file=file, column="year")
    return int(years[0])
