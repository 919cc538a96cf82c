"""Report text in Vietnamese (default) and English.

Each report module keeps its own text table {key: {"vi": ..., "en": ...}}; `text` picks one and
formats it, so a missing translation fails loudly in tests rather than in a report.
"""
from __future__ import annotations

from pii_analysis.data.languages import LANGS, check_lang

__all__ = ["LANGS", "Table", "check_lang", "text"]

Table = dict[str, dict[str, str]]


def text(table: Table, key: str, lang: str, **values: object) -> str:
    """The `lang` text of `key`, formatted with `values`."""
    return table[key][check_lang(lang)].format(**values)
