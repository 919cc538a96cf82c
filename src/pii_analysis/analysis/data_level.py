"""The data level, decided once where the data are read: `open_data` gives the one `data.shapes.DataLevel`
(a full panel's `index.context.Context`, a profile's `ProfileResult`, published results'
`PublishedResult`) that the CLI, the report run and every notebook pass down and ask what it answers."""
from __future__ import annotations

from pathlib import Path

from pii_analysis.analysis.profile_level import level_of, open_level
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.shapes import DATA_LEVELS, DataLevel
from pii_analysis.index.context import load_context


def open_data(path: str | Path | None, *, province: str | None = None, year: int | None = None,
              sheet: str | None = None, decimal: str | None = None, level: str | None = None,
              accept_typed_scores: bool = False) -> DataLevel:
    """The data of `path` (None: the shipped demonstration panel) at their level: `level` when the caller
    has decided it (the report run passes its own to each notebook), else the level the file holds
    (`profile_level.level_of`). A full panel is loaded and scored (`load_context`: cached per file);
    below it, the province's analysis (a profile names its province; published results need one)."""
    level = level or level_of(path, sheet)
    if level not in DATA_LEVELS:
        raise PiiInputError(f"data_level '{level}' must be one of {', '.join(DATA_LEVELS)}", column="data_level")
    if level == "panel":
        return load_context(path, sheet=sheet, decimal=decimal)
    return open_level(path, province=province, year=year, sheet=sheet, accept_typed_scores=accept_typed_scores,
                      level=level)
