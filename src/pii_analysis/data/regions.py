"""Vietnam's six socio-economic regions for the 34 provinces (data/raw/province_regions.csv), with the
source and derivation status of each row. Read only; the file is never written by code."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.paths import raw_file
from pii_analysis.data.tables import read_table, require_columns, row_number

REGIONS = "province_regions.csv"
COLUMNS = ("province", "region_vi", "region_en", "source", "status")


def regions_file() -> Path:
    return raw_file(REGIONS)


def load_regions(path: str | Path | None = None, provinces: list[str] | None = None) -> pd.DataFrame | None:
    """One row per province: province, region_vi, region_en, source, status (None when the shipped file
    is absent). With `provinces`, every one must have exactly one region (else PiiInputError naming the
    file, the row and the column)."""
    file = Path(path) if path else regions_file()
    if path is None and not file.exists():
        return None
    frame = read_table(file)
    require_columns(frame, COLUMNS, file=file)
    frame = frame.copy()
    for pos, (_, row) in enumerate(frame.iterrows()):
        for col in ("province", "region_vi", "region_en"):
            if not str(row[col]).strip() or pd.isna(row[col]):
                raise PiiInputError(f"empty {col}", file=file, row=row_number(frame, pos), column=col)
    dup = frame["province"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise PiiInputError(f"province '{frame['province'].iloc[i]}' listed twice", file=file,
                            row=row_number(frame, i), column="province")
    if provinces is not None:
        known = set(provinces)
        for pos, name in enumerate(frame["province"]):
            if name not in known:
                raise PiiInputError(f"unknown province '{name}'", file=file, row=row_number(frame, pos),
                                    column="province")
        missing = sorted(known - set(frame["province"]))
        if missing:
            raise PiiInputError(f"no region for {', '.join(missing)}", file=file, column="province")
    return frame.reset_index(drop=True)
