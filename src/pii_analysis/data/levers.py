"""Who in the province acts on each indicator, who measures it, and how hard it is to move:
data/raw/indicator_levers.csv.

One row per indicator code: the lead department that acts on it (lead_agency_vi / lead_agency_en), the
other agencies that also act (co_agencies_vi / co_agencies_en, "; "-separated), who measures or reports
the figure (measured_by_vi / measured_by_en), how directly the province controls it (direct policy lever
/ partly / outcome), a relative cost of one year at the sustained pace (1 = cheapest), the assumed yearly
pace where no observed history gives one (`analysis.paces`: `pace_share_of_range` of the national range
plus `catch_up_share` of the province's gap below the national average, a year) and a status. The shipped values are
assumptions for the user to edit (status 'assumption'); pages that show them say so.

An agency that measures an indicator is not scored on moving it: a row whose lead agency, or one of whose
co-agencies, is also named in its `measured_by` column (same language, names compared regardless of case,
diacritics and punctuation) is refused, naming the file, the row and the column.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.tables import read_table, require_columns, row_number, to_number

LEVERS = "indicator_levers.csv"
CONTROLLABILITY = ("direct", "partly", "outcome")
COLUMNS = ("indicator", "lead_agency_vi", "lead_agency_en", "controllability", "relative_cost", "status")
#: columns a file may leave out (an older levers file): blank agencies, the assumed pace by controllability
OPTIONAL = ("co_agencies_vi", "co_agencies_en", "measured_by_vi", "measured_by_en", "pace_share_of_range",
            "catch_up_share", "note")
SEPARATOR = ";"
#: the assumed yearly pace of a row that gives none, by controllability (the shipped file's values, an
#: assumption labelled as such wherever a pace is shown): the share of the national range, and the share of
#: the province's gap below the national average, a determined province closes in a year
DEFAULT_PACE_SHARE = {"direct": 0.03, "partly": 0.02, "outcome": 0.01}
DEFAULT_CATCH_UP = {"direct": 0.30, "partly": 0.20, "outcome": 0.10}
FALLBACK = "partly"   # the class of an indicator the file does not list


def agencies(cell: object) -> list[str]:
    """The agencies of a "; "-separated cell, in order, blanks dropped."""
    if not isinstance(cell, str):
        return []
    return [a.strip() for a in cell.split(SEPARATOR) if a.strip()]


def _agency_key(name: str) -> str:
    from pii_analysis.data.provinces import name_key

    return name_key(name)


def load_levers(path: str | Path | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """The levers table indexed by indicator (validated), or an empty table when the default file is
    absent (then no lead agency is shown and every indicator costs 1). Indicators of the framework
    missing from the file get no agency and cost 1; codes the framework does not know are an error."""
    if path is None:
        path = paths.raw_file(LEVERS)
        if not Path(path).is_file():
            return pd.DataFrame(columns=list(COLUMNS[1:] + OPTIONAL)).rename_axis("indicator")
    frame = read_table(path)
    require_columns(frame, COLUMNS, file=path)
    for col in OPTIONAL:
        if col not in frame:
            frame[col] = ""
    frame["relative_cost"] = to_number(frame, "relative_cost", file=path, allow_blank=False)
    for col in ("pace_share_of_range", "catch_up_share"):
        frame[col] = to_number(frame, col, file=path)
    for pos, row in enumerate(frame.itertuples(index=False)):
        i = row_number(frame, pos)   # the spreadsheet's row, also below title rows
        if row.controllability not in CONTROLLABILITY:
            raise PiiInputError(f"controllability must be one of {', '.join(CONTROLLABILITY)}, "
                                f"got '{row.controllability}'", file=path, row=i, column="controllability")
        if not row.relative_cost > 0:
            raise PiiInputError(f"relative_cost must be above 0, got {row.relative_cost}", file=path, row=i,
                                column="relative_cost")
        share = row.pace_share_of_range
        if share == share and not 0 < share <= 1:
            raise PiiInputError(f"pace_share_of_range must be a share of the national range above 0 and at "
                                f"most 1 (0.03 = 3% of it a year), got {share:g}", file=path, row=i,
                                column="pace_share_of_range")
        catch = row.catch_up_share
        if catch == catch and not 0 <= catch <= 1:
            raise PiiInputError(f"catch_up_share must be a share of the gap below the national average from 0 to "
                                f"1 (0.2 = a fifth of it a year), got {catch:g}", file=path, row=i,
                                column="catch_up_share")
        if indicators is not None and row.indicator not in indicators:
            raise PiiInputError(f"indicator '{row.indicator}' is not in the framework", file=path, row=i,
                                column="indicator")
        _check_actors(row._asdict(), path, i)
    dup = frame["indicator"].duplicated()
    if dup.any():
        raise PiiInputError(f"indicator '{frame['indicator'][dup].iloc[0]}' appears twice", file=path,
                            row=row_number(frame, int(dup.to_numpy().nonzero()[0][0])), column="indicator")
    for col, default in (("pace_share_of_range", DEFAULT_PACE_SHARE), ("catch_up_share", DEFAULT_CATCH_UP)):
        frame[col] = frame[col].fillna(frame["controllability"].map(default).astype(float))
    return frame.set_index("indicator")


def _check_actors(row: dict, path, line: int) -> None:
    """The lead and the co-agencies act on the indicator: none of them may be one that measures it."""
    for lang in ("vi", "en"):
        measurers = {_agency_key(a): a for a in agencies(row[f"measured_by_{lang}"])}
        for column in (f"lead_agency_{lang}", f"co_agencies_{lang}"):
            for agency in agencies(row[column]):
                if _agency_key(agency) in measurers:
                    raise PiiInputError(
                        f"'{agency}' measures indicator {row['indicator']} (it is in measured_by_{lang}), so it "
                        f"cannot act on it: name the agency that acts in {column} and keep '{agency}' in "
                        f"measured_by_{lang} only", file=path, row=line, column=column)


def lever_columns(levers: pd.DataFrame, indicators: list[str], lang: str = "vi") -> pd.DataFrame:
    """Per indicator (in order): lead_agency, co_agencies and measured_by (in `lang`, "; "-separated),
    controllability, relative_cost (1 when not given), pace_share_of_range and catch_up_share (the assumed
    yearly pace: the file's, else the defaults of the FALLBACK class), levers_status ('assumption' for the
    shipped defaults, '' when not given)."""
    t = levers.reindex(indicators)

    def words(column: str) -> np.ndarray:
        name = f"{column}_{'en' if lang == 'en' else 'vi'}"
        return t[name].fillna("").astype(str).to_numpy() if name in t else np.full(len(t), "", dtype=object)

    def share(column: str, default: dict) -> np.ndarray:
        values = t[column] if column in t else pd.Series(np.nan, index=t.index)
        return values.astype(float).fillna(default[FALLBACK]).to_numpy()

    return pd.DataFrame({"lead_agency": words("lead_agency"), "co_agencies": words("co_agencies"),
                         "measured_by": words("measured_by"),
                         "controllability": t["controllability"].fillna("").to_numpy(),
                         "relative_cost": t["relative_cost"].astype(float).fillna(1.0).to_numpy(),
                         "pace_share_of_range": share("pace_share_of_range", DEFAULT_PACE_SHARE),
                         "catch_up_share": share("catch_up_share", DEFAULT_CATCH_UP),
                         "levers_status": t["status"].fillna("").to_numpy()}, index=pd.Index(indicators))
