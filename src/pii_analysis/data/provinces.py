"""Province names: one canonical spelling for the 34 provinces (and the 63 old ones).

Names arrive as "Ninh Binh", "TP.HCM", "Ho Chi Minh City" or "Thừa Thiên Huế"; all
must land on the same canonical name, and an unknown name must fail with the
closest known names so the user can fix the file.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from pii_analysis.data.errors import PiiInputError

_PREFIXES = ("thanh pho ", "tp ", "tinh ", "city of ", "province of ")
_SUFFIXES = (" province", " city", " tinh")


def name_key(name: str) -> str:
    """Comparison key: lower case, no diacritics, no punctuation, no 'tỉnh'/'TP' prefix."""
    text = unicodedata.normalize("NFD", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text.replace(" ", "")


@dataclass(frozen=True)
class ProvinceResolver:
    """Maps any accepted spelling to a canonical province name.

    `current` are the 34 provinces (2025 map); `old_to_new` maps each of the 63
    pre-merger provinces to the province it joined (from the merger crosswalk).
    """

    current: tuple[str, ...]
    old_to_new: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)

    def _lookup(self, include_old: bool) -> dict[str, str]:
        from pii_analysis.data.memo import kept
        return kept(self, ("lookup", include_old), lambda: self._build_lookup(include_old))

    def _build_lookup(self, include_old: bool) -> dict[str, str]:
        table = {name_key(p): p for p in self.current}
        if include_old:
            for old in self.old_to_new:
                table.setdefault(name_key(old), old)
        for alias, target in self.aliases.items():
            if target in self.current or (include_old and target in self.old_to_new):
                table.setdefault(name_key(alias), target)
        return table

    def resolve(self, name: object, *, map_old: bool = False, allow_old: bool = False,
                file: str | None = None, row: int | None = None, column: str | None = "province") -> str:
        """Canonical name for `name`.

        map_old: an old (63-province) name is mapped to its merged province.
        allow_old: an old name is accepted and returned as the old canonical name.
        """
        if name is None or (isinstance(name, float) and pd.isna(name)) or str(name).strip() == "":
            raise PiiInputError("province name is empty", file=file, row=row, column=column)
        table = self._lookup(include_old=map_old or allow_old)
        key = name_key(str(name))
        if key in table:
            found = table[key]
            if map_old and found not in self.current:
                return self.old_to_new[found]
            return found
        choices = list(dict.fromkeys(table.values()))
        keys = {name_key(c): c for c in choices}
        close = [keys[k] for k in difflib.get_close_matches(key, list(keys), n=3, cutoff=0.5)]
        hint = f"; closest known names: {', '.join(close)}" if close else ""
        scope = "34 provinces" + (" or 63 pre-merger provinces" if (map_old or allow_old) else "")
        raise PiiInputError(f"unknown province '{name}' (not one of the {scope}){hint}",
                            file=file, row=row, column=column)

    def merger_note(self, name: object) -> str:
        """'Hà Nam → Ninh Bình (merged 2025)' when `name` is a pre-2025 province, else ''."""
        try:
            canonical = self.resolve(name, allow_old=True)
        except PiiInputError:
            return ""
        if canonical in self.current:
            return ""
        return f"{canonical} → {self.old_to_new[canonical]} (merged 2025)"

    def resolve_many(self, names: pd.Series, *, map_old: bool = False, allow_old: bool = False,
                     file: str | None = None, column: str = "province", row_offset: int = 2) -> pd.Series:
        """Resolve a column; error rows are reported as spreadsheet rows (header = 1)."""
        cache: dict[object, str] = {}
        out = []
        for i, value in enumerate(names.tolist()):
            if value not in cache:
                row = int(names.index[i]) if names.index.name == "row" else i + row_offset  # spreadsheet rows
                cache[value] = self.resolve(value, map_old=map_old, allow_old=allow_old,
                                            file=file, row=row, column=column)
            out.append(cache[value])
        return pd.Series(out, index=names.index, name=names.name)
