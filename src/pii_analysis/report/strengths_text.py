"""How the strengths-and-weaknesses rule reads on a page (vi/en)."""
from __future__ import annotations

from pii_analysis.analysis.strengths import StrengthRule, relative_margin
from pii_analysis.report.i18n import Table, text

TEXT: Table = {
    "count": {"vi": "Điểm mạnh: {n} chỉ số có thứ hạng cao nhất; điểm yếu: {n} chỉ số có thứ hạng thấp nhất "
                    "(như hồ sơ PII của các tỉnh).",
              "en": "Strengths: the {n} best-ranked indicators; weaknesses: the {n} worst-ranked "
                    "(as in the official provincial PII profiles)."},
    "threshold": {"vi": "Điểm mạnh: chỉ số xếp hạng {strong} trở lên; điểm yếu: chỉ số xếp hạng {weak} trở xuống.",
                  "en": "Strengths: indicators ranked {strong} or better; weaknesses: ranked {weak} or worse."},
    "relative": {"vi": "Điểm mạnh: chỉ số xếp hạng 1–3, hoặc cao hơn thứ hạng PII của tỉnh ít nhất {margin} bậc và "
                       "không thuộc 1/3 cuối; điểm yếu: xếp trong 3 hạng cuối, hoặc thấp hơn thứ hạng PII ít nhất "
                       "{margin} bậc và không thuộc 1/3 đầu.",
                 "en": "Strength: ranked 1–3, or at least {margin} places better than the province's PII rank and "
                       "not in the bottom third; weakness: in the last three, or at least {margin} places worse and "
                       "not in the top third."},
}


def describe_rule(rule: StrengthRule, lang: str, n_provinces: int) -> str:
    """One sentence saying which indicators count as strengths and weaknesses under `rule`."""
    return text(TEXT, rule.rule, lang, n=rule.n, strong=rule.strong_rank, weak=rule.weak_rank,
                margin=relative_margin(n_provinces))
