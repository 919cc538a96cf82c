"""How reports print numbers, probabilities, lists and chart ticks, in Vietnamese and English.

Vietnamese uses a decimal comma and a thousands dot (42,81; 2.000); English the reverse. One
module so every table, sentence and chart of every report agrees.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import ScalarFormatter

from pii_analysis.report.i18n import Table, check_lang, text

TEXT: Table = {"and": {"vi": "và", "en": "and"}}


def fmt_num(value: float, lang: str, digits: int = 2) -> str:
    """A number as the report prints it: decimal comma in Vietnamese, point in English."""
    s = f"{value:.{digits}f}"
    return s.replace(".", ",") if check_lang(lang) == "vi" else s


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
    out = f"{int(value):,}"
    return out.replace(",", ".") if check_lang(lang) == "vi" else out


def fmt_pct(p: float, lang: str = "vi") -> str:
    """A probability as the report prints it: '97%', '<1%' / '>99%' rather than a rounded 0% / 100%
    that a simulation cannot claim (exact 0 and 1 stay as they are)."""
    check_lang(lang)
    if not np.isfinite(p):
        return "—"
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1:
        return ">99%"
    return f"{p:.0%}"


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

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        return label.replace(".", ",") if self.lang == "vi" else label


def decimal_ticks(axis, lang: str) -> None:
    """Label `axis` (ax.xaxis / ax.yaxis) with `lang`'s decimal mark, as the tables and text do."""
    axis.set_major_formatter(DecimalFormatter(lang))
