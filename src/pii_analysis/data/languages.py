"""The languages of names and reports: Vietnamese (default) and English.

Validating a `lang` parameter is input checking, so it lives in the lowest layer; the
page text itself lives in `pii_analysis.report`.
"""
from __future__ import annotations

from pii_analysis.data.errors import PiiInputError

LANGS = ("vi", "en")


def check_lang(lang: str) -> str:
    """`lang` if supported, else a clear error listing the supported languages."""
    if lang not in LANGS:
        raise PiiInputError(f"language '{lang}' is not supported; use one of {', '.join(LANGS)}", column="language")
    return lang
