"""How reports print numbers, probabilities, dates, lists and chart ticks, in Vietnamese and English.

The symbols come from Babel's locale data (CLDR): Vietnamese uses a decimal comma and a thousands
dot (42,81; 2.000), English the reverse. One module so every table, sentence, template and chart of
every report agrees. Rounding is Python's (the digits are fixed first), Babel only localises them.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import numpy as np
from matplotlib.ticker import ScalarFormatter

from pii_analysis.report.i18n import Table, catalog, check_lang, text

TEXT: Table = catalog("formatting.TEXT")


def fmt_num(value: float, lang: str, digits: int = 2) -> str:
    """A number as the report prints it (Babel's `lang` symbols: '42,81' / '42.81', grouped thousands)."""
    from babel.numbers import format_decimal

    lang = check_lang(lang)
    if value is None or not np.isfinite(float(value)):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(Decimal(f"{float(value):.{digits}f}"), format=pattern, locale=lang)


def fmt_signed(value: float, lang: str, digits: int = 2) -> str:
    """'+1,50' / '−0,25' (a true minus sign), '0' printed as '±0'."""
    rounded = float(f"{float(value):.{digits}f}")
    if rounded == 0:
        return "±" + fmt_num(0, lang, digits)
    return ("+" if rounded > 0 else "−") + fmt_num(abs(rounded), lang, digits)


def fmt_measure(value: float, lang: str, step: float | None = None, signed: bool = False) -> str:
    """A value in its own unit, to the precision of `step` (a power of ten, e.g. 0.01 -> 2 decimals;
    default 3 significant digits), with thousands grouped: 2,394.7 (en) / 2.394,7 (vi); '—' for NaN."""
    check_lang(lang)
    if value is None or not np.isfinite(value):
        return "—"
    if step and step > 0:
        digits = max(0, int(-np.floor(np.log10(step) + 1e-9)))
    else:
        digits = max(0, 2 - int(np.floor(np.log10(abs(value))))) if value else 0
    out = f"{value:{'+' if signed else ''},.{min(digits, 6)}f}"
    return out.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else out


def thousands(value: int, lang: str) -> str:
    """12,345 (en) / 12.345 (vi)."""
    return fmt_num(int(value), lang, 0)


def fmt_pct(p: float, lang: str = "vi") -> str:
    """A probability as the report prints it: '97%', '<1%' / '>99%' rather than a rounded 0% / 100%
    that a simulation cannot claim (exact 0 and 1 stay as they are)."""
    from babel.numbers import format_percent

    lang = check_lang(lang)
    if p is None or not np.isfinite(p):
        return "—"
    if 0 < p < 0.005:
        return "<" + format_percent(0.01, format="#,##0%", locale=lang)
    if 0.995 <= p < 1:
        return ">" + format_percent(0.99, format="#,##0%", locale=lang)
    return format_percent(Decimal(f"{float(p):.2f}"), format="#,##0%", locale=lang)


def fmt_date(day: _dt.date, lang: str) -> str:
    """A date in words: '23 tháng 11, 2026' / 'November 23, 2026' (Babel's long format)."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=check_lang(lang))


def join_names(names: list[str], lang: str) -> str:
    """'A, B và C' / 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {text(TEXT, 'and', lang)} {names[-1]}"


class DecimalFormatter(ScalarFormatter):
    """Matplotlib's default tick labels with the report's decimal mark (comma in Vietnamese)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = check_lang(lang)
        from babel.numbers import get_decimal_symbol
        self.mark = get_decimal_symbol(self.lang)

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        return label.replace(".", self.mark)


def decimal_ticks(axis, lang: str) -> None:
    """Label `axis` (ax.xaxis / ax.yaxis) with `lang`'s decimal mark, as the tables and text do."""
    axis.set_major_formatter(DecimalFormatter(lang))
