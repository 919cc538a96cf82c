"""How the strengths-and-weaknesses rule reads on a page (vi/en)."""
from __future__ import annotations

from pii_analysis.analysis.strengths import StrengthRule, relative_margin
from pii_analysis.report.i18n import Table, catalog, text

TEXT: Table = catalog("strengths_text.TEXT")


def describe_rule(rule: StrengthRule, lang: str, n_provinces: int) -> str:
    """One sentence saying which indicators count as strengths and weaknesses under `rule`."""
    return text(TEXT, rule.rule, lang, n=rule.n, strong=rule.strong_rank, weak=rule.weak_rank,
                margin=relative_margin(n_provinces))
