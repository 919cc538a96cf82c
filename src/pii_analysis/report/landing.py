"""The landing page (index.html) and the run log (run_log.html) of a report run.

The landing page is what a reader opens first: the provinces in rank order with score, rank, change
since the previous year and data status, each linking to its pages (provinces without pages in this
run are listed without links), a national chart, and a sort by name in Vietnamese order. The run log
keeps what an operator needs: parameters, seed, timings and every report's status and error. Both
come from Jinja2 templates (templates/landing.html.j2, run_log.html.j2)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pii_analysis.report.collation import sort_key
from pii_analysis.report.files import atomic_write
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.site import INDEX, RUN_LOG, SUMMARY, nav, page_name, render, slug

TEXT: Table = catalog("landing.TEXT")


def interrupted_notice(interrupted: dict | None, lang: str) -> str:
    """The sentence an interrupted run puts at the top of its pages ('' for a finished run)."""
    if not interrupted:
        return ""
    if interrupted.get("reason") == "disk_full":
        return _t("disk_full", lang, path=interrupted["path"], seconds=interrupted["seconds"],
                  finished=interrupted["finished"], total=interrupted["total"])
    return _t("interrupted", lang, signal=interrupted["signal"], seconds=interrupted["seconds"],
              finished=interrupted["finished"], total=interrupted["total"])


def _t(key: str, lang: str, **kw: object) -> str:
    return text(TEXT, key, lang, **kw)


def status_label(status: str, lang: str) -> str:
    key = f"status_{status}"
    return _t(key, lang) if key in TEXT else status


def change_label(change: Any, lang: str) -> tuple[str, str]:
    """('lên 2', 'up') / ('xuống 1', 'down') / ('giữ nguyên', 'same') / ('—', '') for a rank change."""
    if change is None or pd.isna(change):
        return "—", ""
    k = int(change)
    key = "up" if k > 0 else "down" if k < 0 else "same"
    return _t(key, lang, k=abs(k)), key


def province_rows(ranking: pd.DataFrame, outcomes: list, lang: str, data_status: str,
                  summaries: dict[str, str], regions: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One row per province of `ranking` (national.ranking_with_change), in rank order, with its links:
    the summary, then each notebook page that exists; `rendered` False when the run made no page. A
    `data_status` column in `ranking` gives each row its own status (published totals: 'published' or
    'not_published'), and a blank rank shows as '—' after the ranked provinces."""
    by_province: dict[str, list] = {}
    for o in outcomes:
        by_province.setdefault(o.province, []).append(o)
    order = {p: i for i, p in enumerate(sorted(ranking["province"], key=sort_key))}
    region_name = {} if regions is None else dict(zip(regions["province"],
                                                      regions["region_vi" if lang == "vi" else "region_en"]))
    rows = []
    for r in ranking.itertuples(index=False):
        folder = slug(r.province)
        links = []
        if r.province in summaries:
            links.append({"label": page_name("summary", lang), "href": f"{folder}/{SUMMARY}", "failed": False})
        for o in by_province.get(r.province, []):
            stem = Path(o.notebook).stem
            if o.html:
                links.append({"label": page_name(stem, lang), "href": f"{folder}/{o.html}", "failed": o.status != "ok"})
            elif o.status == "failed":
                links.append({"label": page_name(stem, lang), "href": f"{RUN_LOG}#{folder}-{stem}", "failed": True})
        change, direction = change_label(r.rank_change, lang)
        known = pd.notna(r.rank)   # below the panel, a province whose rank is not published has none
        label = getattr(r, "rank_label", None)
        rows.append({"province": r.province, "rank": label if isinstance(label, str) else int(r.rank) if known
                     else "—",
                     "rank_order": int(r.rank) if known else len(ranking) + order[r.province] + 1,
                     "pii": float(r.pii), "change": change,
                     "direction": direction, "pii_change": r.pii_change, "name_order": order[r.province],
                     "status": status_label(getattr(r, "data_status", data_status), lang),
                     "region": region_name.get(r.province, ""),
                     "href": links[0]["href"] if links and not links[0]["failed"] else "", "links": links})
    return rows


def write_landing(out_dir: Path, *, lang: str, year: int, ranking: pd.DataFrame, outcomes: list, data_status: str,
                  banner: str, summaries: dict[str, str], chart_uri: str, regions: pd.DataFrame | None = None,
                  interrupted: dict | None = None, intro: str | None = None) -> Path:
    """index.html: the provinces in rank order with their links, the national chart, failures listed
    (`intro`: the paragraph under the title, default the panel's)."""
    check_lang(lang)
    rows = province_rows(ranking, outcomes, lang, data_status, summaries, regions)
    failed = [{"province": o.province, "page": page_name(Path(o.notebook).stem, lang), "error": o.error,
               "anchor": f"{slug(o.province)}-{Path(o.notebook).stem}"} for o in outcomes if o.status == "failed"]
    prev = ranking["prev_year"].iloc[0] if len(ranking) else None
    has_prev = prev is not None and not pd.isna(prev)
    n = len(ranking)
    labels = {k: _t(k, lang) for k in ("sort_rank", "sort_name", "col_rank", "col_province", "col_pii",
                                        "col_pii_change", "col_region", "col_status", "col_pages", "not_rendered",
                                        "failed_more", "footer", "tables")}
    unknown = ranking.attrs.get("change") == "generated"   # earlier years generated: the change is not known
    labels["col_change"] = _t("col_change", lang, prev=int(prev)) if has_prev else _t(
        "col_change_unknown" if unknown else "col_change_none", lang)
    page = render("landing.html.j2", lang=lang, title=_t("title", lang, year=year, n=n), nav=[], nav_label="",
                  intro=intro or _t("intro", lang, year=year), banner=banner, rows=rows, labels=labels, failed=failed,
                  failed_title=_t("failed_title", lang, k=len(failed)), chart_uri=chart_uri,
                  chart_alt=_t("chart_alt", lang, year=year, n=n), show_region=regions is not None,
                  run_log=RUN_LOG, notice=interrupted_notice(interrupted, lang))
    return atomic_write(out_dir / INDEX, page)


def write_run_log(out_dir: Path, *, lang: str, outcomes: list, data: dict, meta: dict, version: str,
                  timings: dict[str, float] | None = None, interrupted: dict | None = None) -> Path:
    """run_log.html: every report with province, year, parameters, status and error, and the run's facts."""
    check_lang(lang)
    ok = sum(o.status == "ok" for o in outcomes)
    reports = []
    for o in outcomes:
        base = f"{slug(o.province)}/"
        stem = Path(o.notebook).stem
        files = [{"label": Path(f).suffix.lstrip("."), "href": base + f} for f in (o.html, o.ipynb) if f]
        files += [{"label": Path(f).name, "href": base + f} for f in o.results]
        reports.append({"province": o.province, "year": o.year, "name": stem,
                        "href": base + o.html if o.html else "", "anchor": f"{slug(o.province)}-{stem}",
                        "params": ", ".join(f"{k}={v!r}" for k, v in o.parameters.items()),
                        "status": o.status, "status_label": _t(o.status if o.status in ("ok", "failed", "not_run") else
                                                                "failed", lang),
                        "error": o.error, "seconds": o.seconds, "files": files})
    labels = {k: _t(k, lang) for k in ("year", "report", "parameters", "status", "files", "seconds", "results",
                                        "timings", "col_province")}
    page = render("run_log.html.j2", lang=lang, title=_t("log_title", lang), nav=[
                      {"label": page_name("index", lang), "href": INDEX, "current": False}],
                  nav_label=_t("log_title", lang),
                  summary=_t("summary_line", lang, ok=ok, total=len(outcomes), failed=sum(o.status == "failed" for o in outcomes),
                             version=version, seed=meta["seed"], draws=meta["n_draws"]),
                  data_line=_t("data", lang, path=data["path"], sha=data["sha256"][:16]), reports=reports,
                  labels=labels, timings={k: round(v, 1) for k, v in (timings or {}).items()},
                  notice=interrupted_notice(interrupted, lang))
    return atomic_write(out_dir / RUN_LOG, page)


__all__ = ["write_landing", "write_run_log", "province_rows", "nav"]
