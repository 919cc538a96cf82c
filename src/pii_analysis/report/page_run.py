"""A report page in its notebook: the data opened once at their level, and each panel section run only
when the level answers what it needs.

Right after its parameters cell a notebook calls `start_page` (the page's registry entry, report.pages):
it opens the data with `analysis.data_level.open_data` (the level decided once: the run passes its own as
the `data_level` parameter), refuses a level the page does not support, and below the panel shows what
the level allows (report.level_pages.show). Each panel section of the notebook is then plain code under

    if page.runs("profile.headline"):
        ...

which is True when the level answers the question the section needs (the entry's [sections]); else it
shows the section's heading and why it cannot run at this level, and the section's code is skipped. At
the panel level every section runs, so its errors still fail the report there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pii_analysis.analysis.data_level import open_data
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.shapes import DataLevel
from pii_analysis.report import pages
from pii_analysis.report.i18n import check_lang, text
from pii_analysis.report.level_pages import TEXT, counts, show

#: the sentence (level_pages.TEXT) saying why a section needing a question cannot run below the panel
REASONS = {"indicators": "r_panel", "totals": "r_totals", "history": "r_years", "rank_projection": "r_projection"}


def cannot_text(page: pages.Page, key: str, result: DataLevel, lang: str) -> str:
    """The sentence a panel section shows where the level cannot answer what it needs ('' for set-up cells)."""
    if key not in page.sections:
        raise KeyError(f"unknown panel section '{key}' of page {page.stem} (the [sections] of "
                       f"{pages.entry_path(page.notebook).name})")
    section = page.sections[key]
    if not section.say:
        return ""
    reason = REASONS.get(section.needs, "r_panel")
    return text(TEXT, "cannot", lang, section=page.heading(key, lang),
                reason=text(TEXT, reason, lang, **counts(result)))


@dataclass(frozen=True)
class PageRun:
    """The page, its data at their level (`data`: a data.shapes.DataLevel) and the page's language."""

    page: pages.Page
    data: DataLevel
    lang: str

    @property
    def level(self) -> str:
        return self.data.data_level

    def runs(self, key: str) -> bool:
        """True when the level answers what section `key` needs (run it); else show why not and return False."""
        if key not in self.page.sections:
            raise KeyError(f"unknown panel section '{key}' of page {self.page.stem}")
        if self.data.answers(self.page.sections[key].needs):
            return True
        sentence = cannot_text(self.page, key, self.data, self.lang)
        if sentence:
            from IPython.display import Markdown, display
            display(Markdown(sentence))
        return False


def start_page(page: str, data_path, *, province: str | None, year: int | None, sheet: str | None = None,
               decimal: str | None = None, lang: str = "vi", target_year: int | None = None,
               data_level: str | None = None) -> PageRun:
    """Open the page's data at their level and, below the panel, show what the level allows.

    `page`: the page's key or stem in the registry (report.pages), or the path of its entry file."""
    entry = pages.read_entry(page) if str(page).endswith(pages.SUFFIX) else pages.page(page)
    lang = check_lang(lang)
    data = open_data(data_path, province=province, year=year, sheet=sheet, decimal=decimal, level=data_level)
    if data.data_level not in entry.levels:
        raise PiiInputError(f"page {entry.stem} runs at the {', '.join(entry.levels)} level(s), not at the "
                            f"{data.data_level} level of this file", file=str(Path(str(data_path or ""))),
                            column="data_level")
    if data.data_level != "panel":
        show(entry, data, lang, target_year)
    return PageRun(entry, data, lang)
