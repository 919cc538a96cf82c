"""Load indicator panels, published results and the crosswalk, validated (targets: data/targets.py).

A panel arrives long (year, province, indicator, value) or wide (province x indicator
codes, with a year column or one sheet per year). Denominators (population,
enterprises, grdp) may come in the same file as pseudo-indicators. Every problem is
reported with the file, sheet, row and column; the files are only ever read.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.provinces import ProvinceResolver
from pii_analysis.data.numbers import parse_numbers
from pii_analysis.data.provinces import name_key
from pii_analysis.data.shapes import FrameworkShape, MethodShape
from pii_analysis.data.tables import (
    TYPED,
    check_readable,
    excel_sheets,
    header_row,
    is_excel,
    read_table,
    require_columns,
    row_number,
    to_number,
    whole_numbers,
)


DENOMINATOR_CODES = ("population", "enterprises", "grdp")
LONG_COLUMNS = ("year", "province", "indicator", "value")
YEAR_SHEET = re.compile(r"^\s*(?:PII\s*)?(\d{4})\s*$", re.IGNORECASE)
MAX_MAGNITUDE = 1e12   # no count, rate or denominator of a province comes near: a typo or an overflow
HEADER_NAMES = ("province", "year", "indicator", "value")   # find the header below title rows
# columns people add to a wide sheet that are not indicators: numbering, notes, provenance (by name_key)
EXTRA_COLUMNS = {"stt", "tt", "no", "sott", "sothutu", "number", "ghichu", "note", "notes", "remark", "remarks",
                 "comment", "comments", "nhanxet", "datastatus", "source", "nguon"}
# rows that are not a province: the national total or average ("Cả nước", "Toàn quốc", ...), by name_key
NATIONAL_ROWS = {"canuoc", "toanquoc", "vietnam", "ca nuoc", "tong", "tongcong", "tongso", "total", "national",
                 "trungbinh", "binhquan", "average", "mean", "median", "trungvi"}


# --- reference tables ------------------------------------------------------------------
def load_crosswalk(path: str | Path | None = None) -> pd.DataFrame:
    """One row per (new_province, old_province) from the 63 -> 34 merger table."""
    path = path or paths.raw_file(paths.CROSSWALK)
    frame = read_table(path)
    require_columns(frame, ("new_province", "old_provinces"), file=path)
    rows = []
    for pos, (_, rec) in enumerate(frame.iterrows()):
        olds = [o.strip() for o in rec["old_provinces"].split(";") if o.strip()]
        if not rec["new_province"] or not olds:
            raise PiiInputError("blank province", file=path, row=row_number(frame, pos), column="old_provinces")
        rows += [(rec["new_province"], old) for old in olds]
    return pd.DataFrame(rows, columns=["new_province", "old_province"])


@lru_cache(maxsize=8)
def _resolver_cached(crosswalk: str, aliases: str) -> ProvinceResolver:
    cw = load_crosswalk(crosswalk)
    alias_frame = read_table(aliases) if Path(aliases).exists() else pd.DataFrame(columns=["alias", "province"])
    current = tuple(dict.fromkeys(cw["new_province"]))
    old_to_new = dict(zip(cw["old_province"], cw["new_province"]))
    return ProvinceResolver(current=current, old_to_new=old_to_new,
                            aliases=dict(zip(alias_frame["alias"], alias_frame["province"])))


def default_resolver(crosswalk: str | Path | None = None, aliases: str | Path | None = None) -> ProvinceResolver:
    """Resolver over the 34 provinces of the crosswalk, with the shipped aliases."""
    return _resolver_cached(str(crosswalk or paths.raw_file(paths.CROSSWALK)),
                            str(aliases or paths.raw_file(paths.ALIASES)))


def load_published(path: str | Path | None = None, resolver: ProvinceResolver | None = None) -> pd.DataFrame:
    """Published PII results with canonical names and the 2025 province each maps to."""
    path = path or paths.raw_file(paths.PUBLISHED)
    resolver = resolver or default_resolver()
    frame = read_table(path)
    require_columns(frame, ("year", "province", "pii_score"), file=path)
    out = frame.copy()
    # a user's published-results file may leave these out: its rows are then taken as published, on
    # today's map, without a rank (the place among the totals is computed where needed) or source
    for col, default in (("n_provinces", len(resolver.current)), ("rank", float("nan")), ("status", "published"),
                         ("source_url", "")):
        if col not in frame.columns:
            frame[col] = default
            out[col] = default
    for col in [c for c in frame.columns if c in ("year", "n_provinces", "rank", "pii_score", "input_score", "output_score")
                or re.fullmatch(r"p\d(_rank)?", c)]:
        out[col] = to_number(frame, col, file=path)
    out["province"] = resolver.resolve_many(frame["province"], allow_old=True, file=str(path))
    out["new_province"] = [p if p in resolver.current else resolver.old_to_new[p] for p in out["province"]]
    out["year"] = out["year"].astype(int)
    return out


def _panel_status(raw: pd.DataFrame) -> str:
    """The panel's status: 'demonstration' when any row is (a demonstration panel may hold a few
    published cells, labelled row by row), else the first row's, else 'user'."""
    if "data_status" not in raw.columns:
        return "user"
    statuses = raw["data_status"].astype(str)
    if (statuses == "demonstration").any():
        return "demonstration"
    return str(statuses.iloc[0]) if statuses.iloc[0] else "user"


def _generated_years(raw: pd.DataFrame, status: str) -> tuple[int, ...]:
    """Years holding a row labelled `demonstration` (every year when the whole panel is declared so)."""
    if status == "demonstration" and "data_status" not in raw.columns:
        return tuple(sorted(int(y) for y in raw["year"].unique()))
    if "data_status" not in raw.columns:
        return ()
    generated = raw["data_status"].astype(str).str.strip().str.lower() == "demonstration"
    return tuple(sorted(int(y) for y in raw.loc[generated, "year"].unique()))


# --- indicator panels --------------------------------------------------------------------
@dataclass(frozen=True)
class Panel:
    """Validated indicator values: tidy `values` (year, province, indicator, value) and
    optional `denominators` (year, province, population, enterprises, grdp).

    `data_status` says what the numbers are ('demonstration', 'official', 'user', ...),
    so every report can label them.
    """

    values: pd.DataFrame
    denominators: pd.DataFrame | None
    source: str
    data_status: str
    notes: tuple[str, ...] = ()   # warnings about the data that do not stop scoring (constant indicators)
    generated_years: tuple[int, ...] = ()   # years holding generated values (a row `data_status = demonstration`)

    def observed_years(self, up_to: int | None = None) -> list[int]:
        """The years (up to `up_to`) whose values are not generated: the only years a trend, a "change
        since" or a history-based rate may use. The demonstration panel has none (its earlier years are
        generated dynamics and its latest year a generated cross-section calibrated to the published figures)."""
        return [y for y in self.years if y not in self.generated_years and (up_to is None or y <= up_to)]

    def history_known(self, year: int, previous: int) -> bool:
        """True when both years are observed: a change from `previous` to `year` may be shown."""
        observed = self.observed_years()
        return year in observed and previous in observed

    @property
    def years(self) -> list[int]:
        return list(self._known("years", lambda: sorted(int(y) for y in self.values["year"].unique())))

    def provinces(self, year: int | None = None) -> list[str]:
        def compute() -> list[str]:
            v = self.values if year is None else self.values[self.values["year"] == year]
            return list(dict.fromkeys(v["province"].tolist()))
        return list(self._known(("provinces", year), compute))

    def _known(self, key, compute):
        """compute(), once per panel (every section of a page asks for the years and provinces; the
        values of a panel never change)."""
        from pii_analysis.data.memo import kept
        return kept(self, ("known", key), compute)

    def arrays(self, framework: FrameworkShape, provinces: list[str], years: list[int] | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """(years, provinces, indicators) values and matching denominators (NaN where absent)."""
        years = years or self.years
        idx = pd.MultiIndex.from_product([years, provinces], names=["year", "province"])
        pivot = self._known("pivot", lambda: self.values.pivot_table(   # the cost of a call: made once per panel
            index=["year", "province"], columns="indicator", values="value", aggfunc="first", dropna=False))
        wide = pivot.reindex(index=idx, columns=framework.indicators)
        values = np.array(wide.to_numpy(dtype=float), copy=True).reshape(len(years), len(provinces),
                                                                          len(framework.indicators))
        if self.denominators is None:
            return values, None
        den = self.denominators.set_index(["year", "province"]).reindex(idx)
        kinds = framework.nodes.loc[framework.indicators, "denominator"].tolist()
        cols = [den[k].to_numpy(dtype=float) if k != "none" else np.ones(len(idx)) for k in kinds]
        dens = np.stack(cols, axis=-1).reshape(values.shape)
        return values, dens


def _suggest(code: str, known: list[str]) -> str:
    """Closest known codes, including a code the text starts with ('6.1.1 (patents)' -> 6.1.1)."""
    head = re.split(r"[\s(:_-]", code.strip(), maxsplit=1)[0]
    close = [head] if head in known else []
    close += [c for c in difflib.get_close_matches(code, known, n=3, cutoff=0.6) if c not in close]
    return f"; closest codes: {', '.join(close)}" if close else ""


# Vietnamese and other common headers for the four columns of a panel (compared by name_key)
HEADER_ALIASES = {"province": ("Tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố", "Tỉnh thành", "Địa phương", "Tên tỉnh"),
                  "year": ("Năm",), "indicator": ("Mã chỉ số", "Chỉ số"), "value": ("Giá trị",)}


def national_rows(names: pd.Series) -> pd.Series:
    """True for rows of the national total or average ("Cả nước", "Toàn quốc"): not provinces."""
    national = {n for n in names.unique() if name_key(n) in NATIONAL_ROWS}
    return names.isin(national)


def _rename_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns named in Vietnamese ("Tỉnh/thành phố", "Năm", ...) renamed to the panel's names."""
    keys = {name_key(a) or a.lower(): col for col, aliases in HEADER_ALIASES.items() for a in aliases}
    keys.update({"tinh": "province"})   # name_key drops the 'tỉnh' prefix only before a name
    renames = {c: keys[k] for c in frame.columns if (k := name_key(c)) in keys and keys[k] not in frame.columns}
    if not renames:
        return frame
    out = frame.rename(columns=renames)
    out.attrs[TYPED] = {(r, renames.get(c, c)) for r, c in frame.attrs.get(TYPED, set())}
    return out


def _header_hints() -> tuple[str, ...]:
    return HEADER_NAMES + tuple(a for aliases in HEADER_ALIASES.values() for a in aliases)


def _typed_cells(frame: pd.DataFrame, rows: pd.Series, columns: pd.Series) -> np.ndarray:
    typed = frame.attrs.get(TYPED) or set()
    if not typed:           # a CSV file, or a sheet of text: no per-row look-up
        return np.zeros(len(rows), dtype=bool)
    return np.array([(int(r), c) in typed for r, c in zip(rows, columns)], dtype=bool)


def _long_from_wide(frame: pd.DataFrame, *, file: str, sheet: str | None, year: int | None) -> pd.DataFrame:
    """Melt a provinces x codes sheet into long rows, remembering each cell's row number; numbering
    (STT), notes (Ghi chú) and provenance columns are not indicators."""
    require_columns(frame, ("province",), file=file, sheet=sheet)
    if year is None:
        require_columns(frame, ("year",), file=file, sheet=sheet)
    id_cols = ["province"] + (["year"] if year is None else [])
    value_cols = [c for c in frame.columns if c not in id_cols and name_key(c) not in EXTRA_COLUMNS]
    long = frame.assign(_row=frame.index.to_numpy()).melt(
        id_vars=id_cols + ["_row"] + [c for c in ("data_status",) if c in frame.columns],
        value_vars=value_cols, var_name="indicator", value_name="value")
    if year is not None:
        long["year"] = str(year)
    long["_sheet"] = sheet
    long["_column"] = long["indicator"]
    long["_typed"] = _typed_cells(frame, long["_row"], long["_column"])
    return long


def _long_sheet(frame: pd.DataFrame, sheet: str | None) -> pd.DataFrame:
    """A long sheet's rows with _row/_sheet/_column/_typed."""
    out = frame.assign(_row=frame.index.to_numpy(), _sheet=sheet, _column="value")
    out["_typed"] = _typed_cells(frame, out["_row"], out["_column"])
    return out


def _is_long(frame: pd.DataFrame) -> bool:
    return "indicator" in frame.columns or "value" in frame.columns


def _read_raw_long(path: Path, sheet: str | None) -> pd.DataFrame:
    """The file as long rows of text with _row/_sheet/_column/_typed for error messages.

    A workbook's visible year sheets ('2025', 'PII 2025') are read, else its first visible sheet with
    cells; hidden sheets (drafts) only when named with `sheet`, and empty sheets are skipped."""
    hints = _header_hints()
    if not is_excel(path):
        frame = _rename_headers(read_table(path, header=hints))
        return _long_sheet(frame, None) if _is_long(frame) else \
            _long_from_wide(frame, file=str(path), sheet=None, year=None)
    visible = excel_sheets(path)
    if sheet is not None:
        if sheet not in excel_sheets(path, hidden=True):
            raise PiiInputError(f"sheet '{sheet}' not found; the workbook has: {', '.join(visible)}", file=path)
        chosen = [sheet]
    else:
        chosen = [s for s in visible if YEAR_SHEET.match(s)] or visible[:1]
        if not chosen:
            raise PiiInputError("the workbook has no visible sheet", file=path)
    parts = []
    for s in chosen:
        try:
            frame = _rename_headers(read_table(path, s, header=hints))
        except PiiInputError as exc:
            if len(chosen) > 1 and exc.message in ("sheet is empty", "file has a header but no data rows"):
                continue   # an empty sheet among full ones
            if sheet is None and len(chosen) == 1 and exc.message == "sheet is empty":
                rest = [x for x in visible if x != s]
                if rest:    # an empty first sheet: the next visible one
                    return _read_raw_long(path, rest[0])
            raise
        m = YEAR_SHEET.match(s)
        if _is_long(frame):
            parts.append(_long_sheet(frame, s))
        elif m or "year" in frame.columns:
            parts.append(_long_from_wide(frame, file=str(path), sheet=s, year=int(m.group(1)) if m else None))
        else:
            raise PiiInputError(
                "sheet is neither long (year, province, indicator, value) nor a year sheet "
                f"(name it like '2025', or choose a sheet with --sheet); the workbook has: {', '.join(visible)}",
                file=path, sheet=s)
    if not parts:
        raise PiiInputError("every year sheet is empty", file=path)
    return pd.concat(parts, ignore_index=True)


def load_panel(path: str | Path, framework: FrameworkShape, *,
               resolver: ProvinceResolver | None = None, sheet: str | None = None,
               map_old: bool = False, data_status: str | None = None, decimal: str | None = None) -> Panel:
    """Read and validate an indicator panel (CSV or Excel, long or wide).

    `sheet` chooses a workbook sheet (hidden ones too); `decimal` ('.' or ',') fixes the decimal mark,
    else it is decided per column from its cells (`numbers.parse_numbers`). Rows of the national total
    or average ("Cả nước") are not provinces and are left out."""
    p = check_readable(path)
    file = str(p)
    resolver = resolver or default_resolver()
    raw = _read_raw_long(p, sheet)
    if "province" in raw.columns:
        raw = raw[~national_rows(raw["province"])].reset_index(drop=True)
        if raw.empty:
            raise PiiInputError("no province rows (only national totals)", file=file, column="province")
    sheet_of = raw["_sheet"].where(raw["_sheet"].notna(), None)

    def err(msg: str, i: int, column: str) -> PiiInputError:
        return PiiInputError(msg, file=file, sheet=sheet_of.iloc[i], row=int(raw["_row"].iloc[i]), column=column)

    for col in LONG_COLUMNS:
        if col not in raw.columns:
            raise PiiInputError(f"required column is missing (columns present: "
                                f"{', '.join(c for c in raw.columns if not c.startswith('_'))})",
                                file=file, row=1, column=col)
    years = pd.to_numeric(raw["year"], errors="coerce")
    for i in np.flatnonzero(years.isna() | (years % 1 != 0)):
        raise err(f"year '{raw['year'].iloc[i]}' is not a whole number", int(i), "year")
    raw["year"] = years.astype(int)

    names = raw["province"]
    first_row = {name: i for i, name in reversed(list(enumerate(names.tolist())))}
    canonical = {}
    for name, i in first_row.items():
        try:
            canonical[name] = resolver.resolve(name, map_old=map_old)
        except PiiInputError as exc:
            raise err(exc.message, i, "province") from None
    raw["province"] = names.map(canonical)

    known = framework.indicators + list(DENOMINATOR_CODES)
    unknown = ~raw["indicator"].isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        code = raw["indicator"].iloc[i]
        column = str(raw["_column"].iloc[i])   # a wide sheet's header cell, or a long sheet's indicator column
        raise err(f"unknown indicator code '{code}'{_suggest(code, known)}", i,
                  "indicator" if column == "value" else column)

    def locate(i: int) -> dict:
        return {"file": file, "sheet": sheet_of.iloc[i], "row": int(raw["_row"].iloc[i]),
                "column": str(raw["_column"].iloc[i])}

    groups = raw.groupby(["_sheet", "_column"], dropna=False, sort=False).ngroup()   # one rule per column
    raw["value"] = parse_numbers(raw["value"], locate, typed=raw["_typed"], groups=groups,
                                 decimal=decimal).to_numpy()
    huge = (raw["value"].abs() > MAX_MAGNITUDE).to_numpy()
    if huge.any():
        i = int(np.flatnonzero(huge)[0])
        raise PiiInputError(f"'{raw['value'].iloc[i]:g}' is implausibly large for {raw['indicator'].iloc[i]} (beyond "
                            f"{MAX_MAGNITUDE:g}); check the cell, or declare the indicator's max_value in the framework",
                            **locate(i))

    dup = raw.duplicated(["year", "province", "indicator"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        key = raw.iloc[i]
        same = raw[(raw["year"] == key["year"]) & (raw["province"] == key["province"])
                   & (raw["indicator"] == key["indicator"])]["_row"].tolist()
        raise err(f"duplicate value for {key['province']}, {key['year']}, indicator {key['indicator']} "
                  f"(rows {', '.join(map(str, same))})", i, str(raw["_column"].iloc[i]))

    is_den = raw["indicator"].isin(DENOMINATOR_CODES)
    den_rows = raw[is_den]
    for i in np.flatnonzero(is_den & ~(raw["value"] > 0)):
        if not np.isnan(raw["value"].iloc[i]):
            raise err(f"denominator {raw['indicator'].iloc[i]} must be positive, got {raw['value'].iloc[i]}",
                      int(i), str(raw["_column"].iloc[i]))
    denominators = None
    if not den_rows.empty:
        denominators = (den_rows.pivot_table(index=["year", "province"], columns="indicator", values="value",
                                             aggfunc="first").reindex(columns=list(DENOMINATOR_CODES))
                        .reset_index())
        denominators.columns.name = None

    ind = raw[~is_den]
    given = ind.loc[ind["value"].notna() & ind["indicator"].isin(framework.indicators), ["year", "indicator"]]
    counts = given.drop_duplicates().groupby("year").size().reindex(np.sort(ind["year"].unique()), fill_value=0)
    for year in counts.index[counts < len(framework.indicators)][:1]:   # the first year lacking a code
        present = set(given.loc[given["year"] == year, "indicator"])
        absent = [c for c in framework.indicators if c not in present]
        if absent:
            raise PiiInputError(
                f"indicator {absent[0]} has no value for any province in {year}"
                + (f" (also missing: {', '.join(absent[1:6])}{'...' if len(absent) > 6 else ''})" if len(absent) > 1 else ""),
                file=file, column=absent[0])

    _check_denominators(raw, ind, denominators, framework, err)
    _check_ranges(raw, ind, denominators, framework, err)
    notes = _constant_indicators(ind)
    status = data_status or _panel_status(raw)
    tidy = ind[["year", "province", "indicator", "value"]].reset_index(drop=True)
    return Panel(values=tidy, denominators=denominators, source=file, data_status=status, notes=notes,
                 generated_years=_generated_years(raw, status))


def _check_denominators(raw: pd.DataFrame, ind: pd.DataFrame, denominators: pd.DataFrame | None,
                        framework: FrameworkShape, err) -> None:
    """When the file gives denominators, every value of an indicator that needs one has it: a blank
    population cell would otherwise make that province's rate missing and change ranks silently."""
    if denominators is None:
        return
    kind = ind["indicator"].map(framework.nodes["denominator"])
    merged = ind[["year", "province"]].merge(denominators, on=["year", "province"], how="left")
    for k in DENOMINATOR_CODES:
        if k not in merged:
            continue
        needs = (kind == k).to_numpy() & ind["value"].notna().to_numpy()
        lacking = needs & merged[k].isna().to_numpy()
        if lacking.any():
            j = int(np.flatnonzero(lacking)[0])
            year, province, code = ind["year"].iloc[j], ind["province"].iloc[j], ind["indicator"].iloc[j]
            blank = raw[(raw["indicator"] == k) & (raw["year"] == year) & (raw["province"] == province)]
            i = int(blank.index[0]) if len(blank) else int(ind.index[j])
            column = str(raw["_column"].iloc[i])
            raise err(f"{k} of {province} in {year} is blank, but indicator {code} is divided by it; fill it in "
                      f"(or set 'denomination: none' in the method if the values are already rates)", i, column)


def _constant_indicators(ind: pd.DataFrame) -> tuple[str, ...]:
    """A note for each indicator with the same value for every province of a year: min-max cannot
    score it, so it carries no weight that year (said, never silently dropped)."""
    notes = []
    stats = ind.dropna(subset=["value"]).groupby(["year", "indicator"], sort=False)["value"].agg(["min", "max", "count"])
    for (year, code), row in stats.iterrows():
        if row["count"] > 1 and row["min"] == row["max"]:
            notes.append(f"indicator {code} has the same value ({row['min']:g}) for every province in {year}: "
                         "it cannot tell provinces apart and carries no weight in that year's scores")
    return tuple(notes)


def _check_ranges(raw: pd.DataFrame, ind: pd.DataFrame, denominators: pd.DataFrame | None,
                  framework: FrameworkShape, err) -> None:
    """Every value inside its indicator's possible range (after denomination)."""
    nodes = framework.nodes
    lo = ind["indicator"].map(nodes["min_value"]).to_numpy(dtype=float)
    hi = ind["indicator"].map(nodes["max_value"]).to_numpy(dtype=float)
    value = ind["value"].to_numpy(dtype=float).copy()
    kind = ind["indicator"].map(nodes["denominator"]).to_numpy()
    if denominators is not None:
        d = ind.merge(denominators, on=["year", "province"], how="left")
        for k in DENOMINATOR_CODES:
            mask = kind == k
            if mask.any():
                value[mask] = value[mask] / d[k].to_numpy(dtype=float)[mask] * \
                    ind["indicator"].map(nodes["scale"]).to_numpy(dtype=float)[mask]
    bad = ((value < lo) | (value > hi)) & ~np.isnan(value)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        i = int(ind.index[j])
        code = ind["indicator"].iloc[j]
        shown = f"{raw['value'].iloc[i]:g}" + (f" ({value[j]:g} after dividing by {kind[j]})" if kind[j] != "none" and denominators is not None else "")
        raise err(f"value {shown} is outside the possible range of indicator {code} "
                  f"[{'' if np.isnan(lo[j]) else f'{lo[j]:g}'}, {'' if np.isnan(hi[j]) else f'{hi[j]:g}'}] "
                  f"({nodes.at[code, 'unit']})", i, str(raw["_column"].iloc[i]))


def load_node_scores(path: str | Path, framework: FrameworkShape, level: str = "pillar", *,
                     resolver: ProvinceResolver | None = None, sheet: str | None = None,
                     method: MethodShape, decimal: str | None = None) -> pd.DataFrame:
    """Published-style scores of one level (pillars p1..p7, or sub-indices input/output).

    Returns year, province and one column per framework code of that level; every row
    must have every score (0-100). Old (63-province) names are accepted as they are.
    """
    file = str(path)
    resolver = resolver or default_resolver()
    frame = read_table(path, sheet, header=("year", "province"))
    frame = frame[~national_rows(frame["province"])] if "province" in frame else frame
    if level == "pillar":
        codes = framework.pillars
        aliases = {c: (f"p{c}", c) for c in codes}
    elif level == "subindex":
        codes = [method.input_node, method.output_node]
        aliases = {method.input_node: ("input", "input_score", method.input_node),
                   method.output_node: ("output", "output_score", method.output_node)}
    else:
        raise PiiInputError(f"level '{level}' must be 'pillar' or 'subindex'", file=file)
    require_columns(frame, ("year", "province"), file=file, sheet=sheet)
    years = to_number(frame, "year", file=file, sheet=sheet, allow_blank=False)
    out = pd.DataFrame({"year": whole_numbers(years, frame, "year", file=file, sheet=sheet, what="year").astype(int),
                        "province": resolver.resolve_many(frame["province"], allow_old=True, file=file)})
    for code in codes:
        col = next((a for a in aliases[code] if a in frame.columns), None)
        if col is None:
            raise PiiInputError(f"required column is missing (one of {', '.join(aliases[code])})",
                                file=file, sheet=sheet, row=header_row(frame), column=aliases[code][0])
        values = to_number(frame, col, file=file, sheet=sheet, allow_blank=False, decimal=decimal)
        bad = (values < 0) | (values > 100)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise PiiInputError(f"score {values.iloc[i]:g} is outside 0-100", file=file, sheet=sheet,
                                row=row_number(frame, i), column=col)
        out[code] = values.to_numpy()
    dup = out.duplicated(["year", "province"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise PiiInputError(f"duplicate row for {out['province'].iloc[i]}, {out['year'].iloc[i]}",
                            file=file, sheet=sheet, row=row_number(frame, i), column="province")
    return out
