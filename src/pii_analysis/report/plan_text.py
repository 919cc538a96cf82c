"""The words of a judged plan (analysis.plan): one line per target in `lang`, for page 03, the summary and
`pii plan`'s table."""
from __future__ import annotations

import pandas as pd

from pii_analysis.analysis.verdict import Thresholds
from pii_analysis.report.feasibility_text import source_label, thresholds_note
from pii_analysis.report.formatting import fmt_num, fmt_pct, fmt_signed
from pii_analysis.report.i18n import Table, catalog, text
from pii_analysis.report.styling import styled

TEXT: Table = catalog("plan_text.TEXT")
SHARE = "indicators_above_national_mean_share"


def _value(kind: str, value: float, lang: str) -> str:
    if value != value:
        return ""
    if kind == SHARE:
        return fmt_pct(value, lang)
    if kind in ("rank", "group_rank", "pillars_above_national_mean"):
        return str(int(round(value)))
    return fmt_num(value, lang, 2)


def target_label(row, lang: str) -> str:
    """'PII rank ≤ 15', 'Rank within centrally_run_cities ≤ 3', ... in `lang`."""
    return text(TEXT, f"k_{row['kind']}", lang, value=_value(row["kind"], float(row["value"]), lang),
                group=row["group"])


def margin_text(row, lang: str) -> str:
    m = float(row["margin"])
    if m != m:
        return ""
    if row["kind"] == SHARE:
        return fmt_signed(100 * m, lang, 1) + " pp"
    return fmt_signed(m, lang, 0 if row["kind"] in ("rank", "group_rank", "pillars_above_national_mean") else 2)


def status_text(row, lang: str) -> str:
    """The status in `lang`; a probability for a future year, the reason when it cannot be judged."""
    out = text(TEXT, f"s_{row['status']}", lang)
    if row["probability"] == row["probability"]:
        out += f" ({fmt_pct(float(row['probability']), lang)})"
    if row["reason"]:
        out += ": " + text(TEXT, f"r_{row['reason']}", lang)
    return out


def plan_table(judged: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The judged plan as a page shows it: target, year, value now (year), status, margin, source."""
    rows = []
    for _, r in judged.iterrows():
        now = _value(r["kind"], float(r["current_value"]), lang)
        year = "" if r["current_year"] != r["current_year"] else int(r["current_year"])
        rows.append({text(TEXT, "col_target", lang): target_label(r, lang),
                     text(TEXT, "col_year", lang): int(r["year"]),
                     text(TEXT, "col_current", lang): f"{now} ({year})" if now else "",
                     text(TEXT, "col_status", lang): status_text(r, lang),
                     text(TEXT, "col_margin", lang): margin_text(r, lang),
                     text(TEXT, "col_source", lang): source_label(str(r["source"]).split(": data/raw/")[0], lang)})
    return pd.DataFrame(rows)


def plan_intro(file: str, lang: str, thresholds: Thresholds = Thresholds()) -> str:
    return text(TEXT, "intro", lang, file=file, thresholds=thresholds_note(thresholds, lang))


def plan_view(judged: pd.DataFrame, lang: str):
    """The styled table of the judged plan (HTML-escaped: targets and sources come from files)."""
    return styled(plan_table(judged, lang), "plan-targets")
