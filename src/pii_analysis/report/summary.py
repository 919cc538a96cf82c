"""The one-page summary of a province (<slug>/summary.html), the first page a leader sees: rank and score,
the change since the previous year, the target and the probability of reaching it with its range, the
three most actionable levers with their lead departments, the date and level of the data, and what is
assumed. Rendered from templates/summary.html.j2; prints on one A4 page.

Where the numbers come from (so the summary agrees with the other pages):
- rank, score, change: `analysis.profile.headline` (as page 01);
- target and probability: the run's shared projection, the same draws as page 03's headline, worded as
  page 03 words it (`feasibility_text.with_model_range`: the model average, the range across the trend
  models and the Monte Carlo error);
- levers: the rows with lever_rank 1-3 of the drivers table that page 02 saved for the run
  (`02_rank_drivers_results/drivers.csv`), computed with `analysis.drivers.analyse` toward the same target
  when page 02 did not run: one ranking (`analysis.levers`, its rule stated on the page), each lever's
  move, why it is chosen and who acts on it (data/raw/indicator_levers.csv), the pace's source stated.
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis.report.files import atomic_write
from pii_analysis.report.formatting import fmt_date, fmt_num
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.site import SUMMARY, nav, page_title, render

N_LEVERS = 3

TEXT: Table = catalog("summary.TEXT")


def _t(key: str, lang: str, **kw: object) -> str:
    return text(TEXT, key, lang, **kw)


def report_date() -> _dt.date:
    """The date printed on the summary: $SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date() if epoch else _dt.date.today()


def levers(drivers: pd.DataFrame, lang: str, province: str, lead: pd.DataFrame | None = None,
           n: int = N_LEVERS) -> list[dict[str, Any]]:
    """The `n` levers of the drivers table (page 02's ranking, `analysis.levers`: the rows with lever_rank
    1..n, in that order), each with its move in the indicator's own units (today -> value needed by the
    target year, years of sustained effort, PII points, places gained), why it is chosen and who acts on it
    (the lead and co-agencies from data/raw/indicator_levers.csv, joined from `lead` when the table lacks them)."""
    from pii_analysis.data.levers import lever_columns
    from pii_analysis.report import levers_text

    table = drivers.copy()
    table["indicator"] = table["indicator"].astype(str)
    if lead is not None and "lead_agency" not in table:      # a drivers table without the levers' columns
        table = table.join(lever_columns(lead, list(table["indicator"]), lang), on="indicator")
    ranked = pd.to_numeric(table["lever_rank"], errors="coerce")
    chosen = table[ranked.between(1, n)].assign(_r=ranked).sort_values("_r")
    return [{"code": row["indicator"], "name": row["name"], "what": levers_text.move(row, lang),
             "why": levers_text.reason(row, lang, province), "lead": levers_text.agencies(row, lang)}
            for row in chosen.to_dict("records")]


def change_card(h: dict, lang: str) -> dict[str, str]:
    """The 'since <previous year>' card: label, value (the rank change) and a note in words."""
    if h["prev_rank"] is None:
        note = "change_generated" if h.get("change") == "generated" else "change_none"
        return {"label": _t("change_label_none", lang), "value": "–", "note": _t(note, lang)}
    k = h["prev_rank"] - h["rank"]
    key = "same" if k == 0 else ("up" if k > 0 else "down") + ("1" if abs(k) == 1 else "")
    value = _t("big_same", lang) if k == 0 else _t("big_up" if k > 0 else "big_down", lang, k=abs(k))
    return {"label": _t("change", lang, prev=h["prev_year"]), "value": value, "note": _t(key, lang, k=abs(k))}


TARGETS: Table = catalog("summary.TARGETS")
ANNEX = "plan_annex.xlsx"   # the department annex the report run writes next to the summary


def plan_rows(judged, lang: str, out_dir: Path) -> dict[str, Any] | None:
    """The summary's plan block from judged rows (analysis.plan), with the link to the department annex
    when the run wrote it; None without targets."""
    from pii_analysis.report import plan_text

    if judged is None or judged.empty:
        return None
    table = plan_text.plan_table(judged, lang)
    return {"heading": plan_text.text(plan_text.TEXT, "h_plan", lang), "header": list(table.columns),
            "rows": table.astype(str).values.tolist(),
            "annex": ANNEX if (Path(out_dir) / ANNEX).exists() else "",
            "annex_label": plan_text.text(plan_text.TEXT, "annex_link", lang)}


def plan_block(ctx, province: str, projection, lang: str, out_dir: Path) -> dict[str, Any] | None:
    """The plan's rows as page 03 shows them (analysis.plan.judge_panel on the run's shared projection, the
    same draws); None without targets."""
    from pii_analysis.analysis.plan import judge_panel, plan_targets

    targets = plan_targets(ctx, province)
    if targets.empty:
        return None
    return plan_rows(judge_panel(ctx, province, targets, projection), lang, out_dir)


def province_goal(ctx, province: str, year: int, target_rank: int | None, target_year: int) -> dict[str, Any]:
    """The province's target as page 03 uses it (issue 10's `analysis.targets.province_target`: the run's
    target rank, else the province's own plan, else the project default for its rank band); before that
    module exists, the run's target rank."""
    try:
        from pii_analysis.analysis.targets import province_target
    except ImportError:
        from pii_analysis.analysis.defaults import DEFAULT_TARGET_RANK
        return {"rank": target_rank or DEFAULT_TARGET_RANK, "year": target_year, "kind": "reach",
                "origin": "parameter", "places": 0, "source": ""}
    t = province_target(ctx, province, base_year=year, target_rank=target_rank, target_year=target_year)
    return {"rank": t.rank, "year": t.year, "kind": t.kind, "origin": t.origin, "places": t.places,
            "source": t.source}


def write_summary(out_dir: Path, ctx, province: str, year: int, *, lang: str, projection, target_rank: int | None,
                  target_year: int, drivers: pd.DataFrame, banner: str, pages: list[str],
                  lead: pd.DataFrame | None = None) -> Path:
    """<out>/<slug>/summary.html for `province` (`target_rank` None: the province's own or default target)."""
    from pii_analysis.report.feasibility_text import source_label
    from pii_analysis.analysis.profile import headline
    from pii_analysis.report.labels import data_level, level_text

    check_lang(lang)
    h = headline(ctx, province, year)
    from pii_analysis.report.feasibility_text import with_model_range

    goal = province_goal(ctx, province, year, target_rank, target_year)
    target_rank, target_year = goal["rank"], goal["year"]
    summary_p = projection.p_summary(province, target_rank, target_year)
    chance = with_model_range(summary_p, lang)
    from pii_analysis.analysis.history import history_years

    years = history_years(ctx, year)   # the years the projection learns from (never generated ones)
    status_key = f"status_{ctx.data_status}"
    origin = text(TARGETS, f"o_{goal['origin']}", lang, source=source_label(goal["source"], lang))
    if "lever_rank" not in drivers or int(drivers["target_rank"].iloc[0]) != target_rank \
            or int(drivers["target_year"].iloc[0]) != target_year:
        from pii_analysis.analysis.drivers import analyse   # the page's table is missing or for another target
        drivers = analyse(ctx, province, year, target_rank, lang=lang, target_year=target_year).table
    from pii_analysis.report import levers_text

    paces = levers_text.pace_note(levers_text.table_source(drivers), lang, short=True)
    mode = str(drivers["lever_mode"].iloc[0])
    assumed = [origin, _t("a_projection", lang, first=years[0], base=year) if len(years) > 1 else
               _t("a_projection_no_trend", lang, base=year), paces]
    context = {
        "lang": lang, "title": _t("title", lang, province=province, year=year),
        "tab_title": page_title("summary", province, year, lang),
        "nav": nav(pages, "summary", lang), "nav_label": province, "banner": banner,
        "rank": h["rank"], "n": h["n"], "of": _t("of", lang, n=h["n"]), "pii": fmt_num(h["pii"], lang),
        "change": change_card(h, lang), "labels": {**{k: _t(k, lang) for k in (
            "rank", "score", "h_target", "h_levers", "h_data", "h_assumed", "pages")},
            "levers_rule": levers_text.rule(province, target_rank, target_year, mode, lang),
            "levers_note": levers_text.TEXT["agencies_note"][lang]},
        "target": text(TARGETS, f"t_{goal['kind']}", lang, rank=target_rank, year=target_year,
                       places=goal["places"]),
        "probability": _t("probability", lang, p=chance),
        "probability_note": _t("probability_note" if summary_p["n_models"] > 1 else "probability_note_one", lang,
                               draws=fmt_num(projection.n_draws, lang, 0)),
        "levers": levers(drivers, lang, province, lead),
        "data_line": _t("data_line", lang, year=year,
                        status=_t(status_key, lang) if status_key in TEXT else ctx.data_status,
                        source=Path(str(ctx.panel.source)).name, date=fmt_date(report_date(), lang)),
        "level": level_text(data_level(ctx), lang), "assumed": assumed,
    }
    context["plan"] = plan_block(ctx, province, projection, lang, out_dir)
    html = render("summary.html.j2", **context)
    return atomic_write(out_dir / SUMMARY, html)
