"""Report languages: Vietnamese (default) and English.

Each module keeps its own text table {key: {"vi": ..., "en": ...}}; `text` picks one and
formats it, so a missing translation fails loudly in tests rather than in a report.
"""
from __future__ import annotations

from .errors import PiiInputError

LANGS = ("vi", "en")
Table = dict[str, dict[str, str]]


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise PiiInputError(f"language '{lang}' is not supported; use one of {', '.join(LANGS)}", column="language")
    return lang


def text(table: Table, key: str, lang: str, **values: object) -> str:
    """The `lang` text of `key`, formatted with `values`."""
    return table[key][check_lang(lang)].format(**values)
