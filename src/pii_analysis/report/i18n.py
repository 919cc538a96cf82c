"""Report text in Vietnamese (default) and English.

The words live in gettext message catalogs managed with Babel, one per language:
`report/locale/<lang>/LC_MESSAGES/pii.po`, so a translator edits Vietnamese or English without touching
Python. Each message has the context `<module>.<TABLE>` (e.g. `profile_text.TEXT`) and the table key as its
id; its `msgstr` is the text, with `{name}` placeholders (python-brace-format). A module gets its table
with `catalog("profile_text.TEXT")`: a read-only mapping {key: {"vi": ..., "en": ...}}, so `text(TABLE, key,
lang, **values)` picks and formats one, and a missing translation fails loudly in tests rather than in a
report. (A module whose table is still a dict literal works the same way.)
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path

from pii_analysis.data.languages import LANGS, check_lang

__all__ = ["LANGS", "Table", "catalog", "check_lang", "text", "LOCALE_DIR", "DOMAIN"]

Table = Mapping[str, Mapping[str, str]]
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "pii"


@functools.cache
def _messages(lang: str) -> dict[str, dict[str, str]]:
    """{context: {key: text}} of the `lang` catalog (read once per process with Babel)."""
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    out: dict[str, dict[str, str]] = {}
    if not path.exists():
        return out
    with path.open("rb") as fh:
        for message in read_po(fh, locale=lang):
            if message.id and message.context:
                out.setdefault(message.context, {})[str(message.id)] = str(message.string)
    return out


class Catalog(Mapping):
    """The messages of one context of the catalogs, as a {key: {lang: text}} mapping (keys in file order)."""

    def __init__(self, context: str) -> None:
        self.context = context

    def _keys(self) -> list[str]:
        return list(_messages(LANGS[0]).get(self.context, {}))

    def __getitem__(self, key: str) -> Mapping[str, str]:
        if key not in _messages(LANGS[0]).get(self.context, {}):
            raise KeyError(key)
        return {lang: _messages(lang).get(self.context, {})[key] for lang in LANGS}

    def __contains__(self, key: object) -> bool:
        return key in _messages(LANGS[0]).get(self.context, {})

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return f"Catalog({self.context!r})"


def catalog(context: str) -> Catalog:
    """The page text of one module's table from the message catalogs (see the module docstring)."""
    return Catalog(context)


def text(table: Table, key: str, lang: str, **values: object) -> str:
    """The `lang` text of `key`, formatted with `values`."""
    return table[key][check_lang(lang)].format(**values)
