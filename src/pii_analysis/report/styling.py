"""How report tables look: one Styler for every page (no index column, left-aligned, fixed ids)."""
from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler


class TableView(Styler):
    """A Styler whose plain-text form is the table itself (not a memory address), so executed
    notebooks are the same on every run."""

    def __repr__(self) -> str:
        return self.data.to_string(index=False)


def styled(shown: pd.DataFrame, key: str) -> TableView:
    """A display-ready table styled for a report: no index column, left-aligned, and a fixed
    element id (`key`) so the HTML is the same on every run. Every cell and header is HTML-escaped:
    names come from data files (a province or indicator named '<script>' shows as text)."""
    return (TableView(shown, uuid=f"pii-{key}").hide(axis="index")
            .format(escape="html").format_index(escape="html", axis=1)
            .set_table_styles([{"selector": "th, td", "props": "text-align: left; padding: 3px 10px;"}]))
