"""The levers in words (vi / en): why each indicator is where it is in the ranking, its move in real units, who
acts on it, and the rule. `analysis.levers` returns each reason as a code and numbers; this module turns
them into the one plain sentence the summary, the drivers page and `pii drivers --format csv` show.

Rows are the ranking's rows (a drivers table, or its CSV read back: every number a sentence needs is a
column: reason_code, places_gained, target_rank, target_year, years_of_effort, pii_points, margin_gained,
lever_below, lever_below_margin, weak, indicator_rank, n_provinces, value_now, value_needed, pace,
pace_source, unit, lead_agency, co_agencies).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pii_analysis.report.formatting import fmt_measure, fmt_num
from pii_analysis.report.i18n import Table, catalog, check_lang, text

TEXT: Table = catalog("levers_text.TEXT")


USABLE = ("reach_target", "gains_places", "points", "protect", "protect_none", "passes_totals", "points_totals")   # the codes of an indicator that can be a lever
CHEAP = 1.0   # a relative cost this low is said to be cheap


def _t(key: str, lang: str, **values: object) -> str:
    return text(TEXT, key, lang, **values)


def _num(value: object) -> bool:
    return value is not None and not isinstance(value, str) and bool(pd.notna(value))


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def places_text(k: int, lang: str) -> str:
    return _t("places1", lang) if int(k) == 1 else _t("places", lang, k=int(k))


def years_text(row: Mapping, lang: str) -> str:
    years = row.get("years_of_effort")
    return fmt_num(float(years), lang, 1) if _num(years) else "—"


PER = {"reach_target": "places_per_effort", "gains_places": "places_per_effort", "passes_totals": "places_per_effort",
       "protect": "margin_per_effort", "points": "points_per_effort", "points_totals": "points_per_effort"}


def reason(row: Mapping, lang: str, province: str) -> str:
    """The one plain sentence saying why the indicator is where it is (its `reason_code` with the number it is
    ranked by), with a clause where it is one of the province's weak spots (bottom third of the provinces, below
    the national average) and where it is cheap to act on."""
    check_lang(lang)
    code = str(row.get("reason_code", ""))
    target = row.get("target_rank")
    per = row.get(PER.get(code, ""))
    if code == "protect" and not _num(per):
        code, per = "protect_none", row.get("points_per_effort")
    values = dict(province=province, target=int(target) if _num(target) else "", year=int(row["target_year"]),
                  places=places_text(row.get("places_gained") or 0, lang), k=int(row.get("places_gained") or 0),
                  per=fmt_num(float(per), lang, 2) if _num(per) else "—", below=_str(row.get("lever_below")),
                  margin=fmt_num(float(row["lever_below_margin"]), lang, 2) if _num(row.get("lever_below_margin"))
                  else "—")
    out = _t(code if code in TEXT else "no_gain", lang, **values)
    if code in USABLE and bool(row.get("weak")) and _num(row.get("indicator_rank")):
        out += _t("weak", lang, rank=int(row["indicator_rank"]), n=int(row["n_provinces"]))
    if code in USABLE and _num(row.get("relative_cost")) and float(row["relative_cost"]) <= CHEAP:
        out += _t("cheap", lang, cost=fmt_num(float(row["relative_cost"]), lang, 0))
    return out


def move(row: Mapping, lang: str, unit: str | None = None) -> str:
    """'today → value needed unit by Y (t years of sustained effort at pace unit a year[, assumed pace]): PII +x
    points, up k places by Y' (protect: the lead gained instead of the places); '' without a move."""
    if not (_num(row.get("value_now")) and _num(row.get("value_needed"))):
        return ""
    unit = _str(row.get("unit")) if unit is None else unit
    year = int(row["target_year"])
    k = int(row.get("places_gained") or 0)
    if str(row.get("lever_mode")) == "protect" and _str(row.get("lever_below")) and _num(row.get("margin_gained")):
        gained = _t("move_margin", lang, below=_str(row["lever_below"]), gain=fmt_num(float(row["margin_gained"]), lang, 2))
    elif k:
        key = "move_up_totals" if row.get("rivals") == "published totals" else "move_up"
        gained = _t(key, lang, places=places_text(k, lang), k=k)
    else:
        gained = _t("move_none", lang)
    now, path = float(row["value_now"]), row.get("value_path")
    moved = _num(path) and fmt_measure(float(path), lang) != fmt_measure(now, lang)
    return _t("move_path" if moved else "move", lang, now=fmt_measure(now, lang),
              path=fmt_measure(float(path), lang) if moved else "",
              needed=fmt_measure(float(row["value_needed"]), lang), unit=unit, year=year,
              years=years_text(row, lang),
              assumed=_t("assumed", lang) if str(row.get("pace_source")) == "assumption" else "",
              points=fmt_num(float(row["pii_points"]), lang, 2), places=gained)


def page_line(row: Mapping, lang: str, province: str) -> str:
    """What the drivers page adds to an indicator of its list: ' **Lever k** (on the summary): move. why' for
    the levers, ' Raised alone: move. why' for the others ('' without a move)."""
    what = move(row, lang)
    if not what:
        return ""
    why = reason(row, lang, province)
    k = row.get("lever_rank")
    if _num(k):
        return _t("item_lever", lang, k=int(k), move=what, why=why)
    return _t("item_more", lang, move=what, why=why)


def agencies(row: Mapping, lang: str) -> str:
    """'Lead: X; with: Y; Z' (the co-agencies where the levers file names them)."""
    lead, co = _str(row.get("lead_agency")), _str(row.get("co_agencies"))
    if not lead:
        return _t("lead_unknown", lang)
    return _t("lead_with", lang, agency=lead, co=co) if co else _t("lead", lang, agency=lead)


def rule(province: str, target_rank: int, target_year: int, mode: str, lang: str) -> str:
    """How the levers are chosen (reach: places toward the target; protect: the lead over the next province)."""
    return _t("rule_protect" if mode == "protect" else "rule", lang, province=province, target=int(target_rank),
              year=int(target_year))


def pace_note(source: str, lang: str, short: bool = False) -> str:
    """Where the paces (and so every 'years of effort') come from: observed, assumed or both (`short`: the
    summary's one line for an assumption)."""
    if short and source == "assumption":
        return _t("pace_assumption_short", lang)
    return _t(f"pace_{source}" if f"pace_{source}" in TEXT else "pace_mixed", lang)


def pace_phrase(source: str, lang: str, quantile: str) -> str:
    """Where a pace comes from, as a phrase inside a sentence (the effort plan's): `quantile` is the observed
    paces' quantile as printed ('90%')."""
    return _t(f"phrase_{source}" if f"phrase_{source}" in TEXT else "phrase_mixed", lang, q=quantile)


def table_source(table: pd.DataFrame) -> str:
    """The paces' source of a ranking table: 'observed', 'assumption' or 'mixed'."""
    sources = set(table["pace_source"].dropna().astype(str)) if "pace_source" in table else set()
    return sources.pop() if len(sources) == 1 else "mixed"


def with_reasons(table: pd.DataFrame, province: str, lang: str) -> pd.DataFrame:
    """The table with `reason`: each row's sentence (`reason`), for the CSVs."""
    out = table.copy()
    out["reason"] = [reason(r, lang, province) for r in out.to_dict("records")]
    return out
