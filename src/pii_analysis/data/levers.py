"""Who in the province acts on each indicator, and how hard it is: data/raw/indicator_levers.csv.

One row per indicator code: the lead department (lead_agency_vi / lead_agency_en), how
directly the province controls it (direct policy lever / partly / outcome), a relative cost
of one sustained yearly pace (1 = cheapest) and a status. The shipped defaults are
assumptions for the user to edit (status 'assumption'); pages that show them say so.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.tables import read_table, require_columns, row_number, to_number

LEVERS = "indicator_levers.csv"
CONTROLLABILITY = ("direct", "partly", "outcome")
COLUMNS = ("indicator", "lead_agency_vi", "lead_agency_en", "controllability", "relative_cost", "status")


def load_levers(path: str | Path | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """The levers table indexed by indicator (validated), or an empty table when the default file is
    absent (then no lead agency is shown and every indicator costs 1). Indicators of the framework
    missing from the file get no agency and cost 1; codes the framework does not know are an error."""
    if path is None:
        path = paths.raw_file(LEVERS)
        if not Path(path).is_file():
            return pd.DataFrame(columns=list(COLUMNS[1:])).rename_axis("indicator")
    frame = read_table(path)
    require_columns(frame, COLUMNS, file=path)
    frame["relative_cost"] = to_number(frame, "relative_cost", file=path, allow_blank=False)
    for pos, row in enumerate(frame.itertuples(index=False)):
        i = row_number(frame, pos)   # the spreadsheet's row, also below title rows
        if row.controllability not in CONTROLLABILITY:
            raise PiiInputError(f"controllability must be one of {', '.join(CONTROLLABILITY)}, "
                                f"got '{row.controllability}'", file=path, row=i, column="controllability")
        if not row.relative_cost > 0:
            raise PiiInputError(f"relative_cost must be above 0, got {row.relative_cost}", file=path, row=i,
                                column="relative_cost")
        if indicators is not None and row.indicator not in indicators:
            raise PiiInputError(f"indicator '{row.indicator}' is not in the framework", file=path, row=i,
                                column="indicator")
    dup = frame["indicator"].duplicated()
    if dup.any():
        raise PiiInputError(f"indicator '{frame['indicator'][dup].iloc[0]}' appears twice", file=path,
                            row=row_number(frame, int(dup.to_numpy().nonzero()[0][0])), column="indicator")
    return frame.set_index("indicator")


def lever_columns(levers: pd.DataFrame, indicators: list[str], lang: str = "vi") -> pd.DataFrame:
    """Per indicator (in order): lead_agency (in `lang`), controllability, relative_cost (1 when not
    given), levers_status ('assumption' for the shipped defaults, '' when not given)."""
    t = levers.reindex(indicators)
    agency = "lead_agency_en" if lang == "en" else "lead_agency_vi"
    return pd.DataFrame({"lead_agency": t[agency].fillna("").to_numpy() if agency in t else "",
                         "controllability": t["controllability"].fillna("").to_numpy(),
                         "relative_cost": t["relative_cost"].astype(float).fillna(1.0).to_numpy(),
                         "levers_status": t["status"].fillna("").to_numpy()}, index=pd.Index(indicators))
