"""The three report pages below the full panel: what a province's profile, or the published results
alone, allow each page to show, and one plain sentence for each section that cannot run there.

Each notebook opens its data with `report.page_run.start_page` right after its parameters cell. With a
profile or a published-results file it shows the page's title, banner and what that level allows (`show`:
the blocks its registry entry names, report.pages); each panel section of the notebook then says why it
cannot run at this level (`page_run.PageRun.runs`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_TARGET_YEAR
from pii_analysis.analysis.profile_level import total_band
from pii_analysis.report.formatting import fmt_measure, fmt_num, fmt_pct
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.level_feasibility_text import probability_sentence
from pii_analysis.report.styling import TableView, styled

TEXT: Table = catalog("level_pages.TEXT")


def _t(key: str, lang: str, **values: object) -> str:
    return text(TEXT, key, lang, **values)


def counts(result) -> dict[str, int]:
    """n_all: provinces on today's map; n_pub: those with a published total for the year."""
    totals = result.totals
    return {"n_all": len(totals), "n_pub": int(totals["pii_score"].notna().sum())}


# --- the sections a level allows ----------------------------------------------------------------
def title(page, result, lang: str, target_year: int | None = None) -> str:
    """The page's heading below the panel (its registry entry's `title` key)."""
    return _t(page.title, lang, province=result.province, year=result.year, target_year=target_year)


def banner(result, lang: str) -> str:
    """The top of a page below the panel: what the data are (published or the user's, never
    demonstration), the data level and the method (labels.level_text, labels.method_text)."""
    from pathlib import Path

    from pii_analysis.index.framework import default_framework
    from pii_analysis.report.labels import level_text, method_text
    from pii_analysis.report.site import render

    status = result.data_status if result.data_status in ("published", "user") else "user"
    box = _t(f"box_{result.data_level}_{status}", lang, province=result.province, year=result.year,
             source=Path(str(result.source)).name)
    facts = [level_text(result.data_level, lang), method_text(default_framework(), lang)]
    warnings = [{"kind": "warning", "text": warning_text(w, lang)} for w in getattr(result, "warnings", [])]
    return render("banner.html.j2", boxes=[{"kind": status, "text": box}, *warnings], facts=facts)


def warning_text(warning: dict, lang: str) -> str:
    """One warning of a profile (analysis.profile_level.ProfileResult.warnings) in `lang`: a typed score
    used against its check, an indicator without its national range, or one alike in every province."""
    kind = warning["kind"]
    if kind == "typed":
        return _t("warn_typed", lang, row=warning["row"], code=warning["code"],
                  typed=fmt_num(warning["typed"], lang), check=_check(warning["check"], lang))
    if kind == "blank_range":
        return _t("warn_blank_range", lang, row=warning["row"], code=warning["code"], columns=warning["columns"])
    return _t("warn_constant", lang, row=warning["row"], code=warning["code"], value=fmt_num(warning["value"], lang))


def standing_text(result, lang: str, markdown: bool = True) -> str:
    """The province's PII and rank with their basis (`markdown` False: without bold marks, for templates)."""
    out = _standing(result, lang)
    return out if markdown else out.replace("**", "")


def _standing(result, lang: str) -> str:
    pii_basis = ("pii_published" if _pii_published(result) else "pii_computed") if np.isfinite(result.pii) \
        else "pii_missing"
    rank_basis = {"published": "rank_published", "among published totals": "rank_among"}.get(result.rank_basis,
                                                                                              "rank_missing")
    bounds = getattr(result, "bounds", None)
    rank = rank_figure(result)
    basis = _t(rank_basis, lang)
    if bounds is not None and bounds.basis != "published":
        basis = f"{_t('rank_interval', lang) if not bounds.single else basis}; {rank_bounds_text(bounds, lang)}"
    return _t("standing", lang, province=result.province, year=result.year, pii=fmt_num(result.pii, lang),
              pii_basis=_t(pii_basis, lang), rank=rank, rank_basis=basis, **counts(result))


def rank_figure(result) -> str:
    """The one rank figure every output shows: '9', '13–16 (not 15)' (an interval the published table
    allows) or '—'."""
    bounds = getattr(result, "bounds", None)
    if bounds is not None:
        return bounds.text()
    return str(int(result.rank)) if np.isfinite(result.rank) else "—"


def rank_bounds_text(bounds, lang: str) -> str:
    """The published provinces bounding the interval and the ranks inside it held by others."""
    def side(d):
        return (d["province"], d["rank"], fmt_num(d["pii"], lang)) if d else (_t("rank_open", lang), "—", "—")
    (a, ar, ap), (b, br, bp) = side(bounds.above), side(bounds.below)
    out = _t("rank_bounds", lang, above=a, above_rank=ar, above_pii=ap, below=b, below_rank=br, below_pii=bp)
    if bounds.excluded:
        out += "; " + _t("rank_held", lang, held=", ".join(str(r) for r in bounds.excluded))
    return out


def _pii_published(result) -> bool:
    if result.answers("scores") == "published":
        return True
    root = result.scores.set_index("code").iloc[0]
    return str(root.get("basis", "")) == "published"


def _cells(frame: pd.DataFrame, lang: str, digits: dict[str, int] | None = None) -> pd.DataFrame:
    """Numbers formatted in the page's locale (2 decimals unless `digits` says; 'measure': 3 significant
    digits), blanks for NaN, headers translated (col_*)."""
    digits = digits or {}
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind in "fi" and col != "rank":
            d = digits.get(col, 2)
            out[col] = [("" if pd.isna(v) else fmt_measure(float(v), lang) if d == "measure"
                         else fmt_pct(float(v), lang) if d == "pct" else fmt_num(float(v), lang, d))
                        for v in out[col]]
        elif col == "rank":
            out[col] = [str(int(v)) if pd.notna(v) else "" for v in out[col]]
    out = out.astype(object).where(out.notna(), "")
    names = {}
    for col in out.columns:
        if col.startswith("gap_p") and col != "gap_pii":
            names[col] = _t("col_gap_p", lang, pillar=col[5:])
        else:
            names[col] = _t(f"col_{col}", lang)
    return out.rename(columns=names).reset_index(drop=True)


def scores_table(result, lang: str) -> pd.DataFrame:
    """The profile's nodes that have a score: value, national range, computed, published, the score used,
    its basis and the check against the published score."""
    s = result.scores[result.scores["score"].notna() | result.scores["value"].notna()].copy()
    s["name"] = s["name_vi" if lang == "vi" else "name_en"].fillna(s["name_vi"])
    s["basis"] = [_t(f"basis_{b}", lang) if f"basis_{b}" in TEXT else str(b) for b in s["basis"].fillna("")]
    s["check"] = [_check(str(c), lang) for c in s["check"].fillna("")]
    return s[["code", "name", "value", "national_min", "national_max", "computed", "published", "score", "basis",
              "check"]]


def _check(check: str, lang: str) -> str:
    if check == "matches":
        return _t("check_matches", lang)
    if check.startswith("differs by "):
        return _t("check_differs", lang, by=check.removeprefix("differs by "))
    if check.startswith("differs from the published "):
        published, by = check.removeprefix("differs from the published ").split(" by ")
        return _t("check_differs_published", lang, published=published, by=by)
    return check


def published_table(result, lang: str) -> pd.DataFrame:
    """The province's published node scores (PII, sub-indices, pillars) with the framework's names."""
    from pii_analysis.index.framework import default_framework

    nodes = default_framework().nodes
    column = "name_vi" if lang == "vi" else "name_en"
    names = [str(nodes.at[c, column]) if c in nodes.index and column in nodes else c for c in result.nodes]
    return pd.DataFrame({"code": list(result.nodes), "name": names, "published": list(result.nodes.values())})


def strengths_table(result, lang: str) -> pd.DataFrame:
    s = result.scores[(result.scores["level"] == "indicator") & result.scores["computed"].notna()].copy()
    s["name"] = s["name_vi" if lang == "vi" else "name_en"].fillna(s["name_vi"])
    s = s.sort_values("computed", ascending=False)
    s["flag"] = [_t(f"flag_{f}", lang) if f else "" for f in s["flag"]]
    return s[["code", "name", "value", "national_min", "national_max", "computed", "flag"]].rename(
        columns={"computed": "score"})


UNITS: Table = catalog("level_pages.UNITS")


def unit_text(unit: object, code: str, lang: str) -> str:
    """The unit a profile gives an indicator, in the page's language: a unit the catalogs translate
    (level_pages.UNITS: the units of the shipped profiles, written in English); else, where the file gives
    the framework's unit in either language, the framework's unit in `lang`; else the file's text as
    written ('' where the file gives none)."""
    from pii_analysis.analysis.raw_units import unit_of
    from pii_analysis.index.framework import default_framework

    given = unit.strip() if isinstance(unit, str) else ""
    if not given:
        return ""
    if given in UNITS:
        return UNITS[given][check_lang(lang)]
    framework = default_framework()
    if code in framework.nodes.index and given in {unit_of(framework, code, other) for other in ("vi", "en")}:
        return unit_of(framework, code, lang)
    return given


def units_table(result, lang: str) -> pd.DataFrame:
    d = result.drivers.copy()
    d["name"] = d["name_vi" if lang == "vi" else "name_en"].fillna(d["name_vi"])
    d["unit"] = [unit_text(u, c, lang) for u, c in zip(d["unit"], d["code"])]
    return d[["code", "name", "unit", "value", "national_min", "national_max", "score", "pii_per_unit",
              "units_per_pii_point", "max_pii_gain", "value_for_gap"]]


def gaps_table(result, lang: str) -> pd.DataFrame:
    g = result.gaps.copy()
    g["status"] = [_t(f"status_{s}", lang) for s in g["status"]]
    pillars = [c for c in g.columns if c.startswith("gap_p") and c != "gap_pii"]
    return g[["rank", "province_at_rank", "pii", "status", "gap_pii", *pillars]]


def gaps_text(result, lang: str) -> str:
    if not np.isfinite(result.pii):
        return _t("gaps_no_pii", lang, province=result.province)
    if result.gaps.empty:
        return _t("gaps_first", lang, province=result.province)
    return _t("gaps", lang, province=result.province, pii=fmt_num(result.pii, lang))


def units_text(result, lang: str) -> str:
    above = result.gaps.dropna(subset=["gap_pii"])
    above = above[above["gap_pii"] > 0]
    if above.empty:
        return _t("units_no_gap", lang)
    nxt = above.iloc[-1]
    return _t("units", lang, gap=fmt_num(nxt["gap_pii"], lang),
              next=f"{nxt['province_at_rank']} ({_t('col_rank', lang).lower()} {int(nxt['rank'])})")


def ahead_table(result, target_year: int) -> pd.DataFrame | None:
    """The published totals above the province with the probability of being above each in `target_year`
    (analysis.profile_level.ahead_probability); None without a PII or a published total above."""
    from pii_analysis.analysis.profile_level import ahead_probability, total_band

    rows = result.gaps.dropna(subset=["gap_pii"]) if np.isfinite(result.pii) else result.gaps.iloc[:0]
    if rows.empty:
        return None
    band = total_band(result.pii, result.year, target_year)
    out = rows[["rank", "province_at_rank", "pii", "gap_pii"]].copy()
    out["p_ahead"] = ahead_probability(rows, band["sd_within"], band["years"])
    return out


def projection_text(result, lang: str, target_year: int) -> str:

    reason = _t("r_projection_short", lang, **counts(result))
    if not np.isfinite(result.pii):
        return _t("projection_none", lang, reason=reason, province=result.province)
    band = total_band(result.pii, result.year, target_year)
    first = probability_sentence(result, lang, target_year)   # P(target) from the totals, '' when none
    return (first + " " if first else "") + _t(
        "projection", lang, reason=reason, province=result.province, sd=fmt_num(band["sd_one_year"], lang),
        n=band["n_changes"], target_year=target_year, low=fmt_num(band["low"], lang),
        high=fmt_num(band["high"], lang), coverage=fmt_pct(band["coverage"], lang), pii=fmt_num(result.pii, lang))


def view(frame: pd.DataFrame, lang: str, key: str, digits: dict[str, Any] | None = None) -> TableView:
    return styled(_cells(frame, lang, digits), f"level-{key}")


# --- what a page shows below the panel: its entry's `below`, each block in turn ------------------------
def _scores_block(result, lang: str, target_year: int | None) -> None:
    """The profile's node scores with their checks; at the published level, the published node scores."""
    from IPython.display import Markdown, display

    from pii_analysis.report.run_kernels import save_results

    if result.answers("scores") == "computed":
        ind = result.scores["level"] == "indicator"
        n_ind, n = int(ind.sum()), int((ind & result.scores["computed"].notna()).sum())
        checks = result.mismatches
        check = _t("checks_ok", lang) if checks.empty else _t(
            "checks_differ", lang, nodes=", ".join(f"{c} ({_check(k, lang)})"
                                                    for c, k in zip(checks["code"], checks["check"])))
        held = int((ind & result.scores["value"].notna()).sum())
        display(Markdown(f"## {_t('h_scores', lang)}\n\n{_t('scores', lang, n=n, n_ind=n_ind, held=held)} {check}"))
        table = scores_table(result, lang)
        save_results(result.scores, "profile_scores")
        display(view(table, lang, "scores"))
        return
    nodes = published_table(result, lang)
    display(Markdown(f"## {_t('h_published', lang)}\n\n"
                     f"{_t('published_nodes', lang, province=result.province, year=result.year)}"))
    if len(nodes):
        display(view(nodes, lang, "published"))


def _strengths_block(result, lang: str, target_year: int | None) -> None:
    from IPython.display import Markdown, display

    if result.answers("drivers") != "units":
        return
    display(Markdown(f"## {_t('h_strengths', lang)}\n\n"
                     f"{_t('strengths', lang, n=len(result.drivers), **counts(result))}"))
    display(view(strengths_table(result, lang), lang, "strengths"))


def _units_block(result, lang: str, target_year: int | None) -> None:
    from IPython.display import Markdown, display

    from pii_analysis.report.run_kernels import save_results

    if result.answers("drivers") != "units":
        return
    display(Markdown(f"## {_t('h_units', lang)}\n\n{units_text(result, lang)}"))
    save_results(result.drivers, "unit_drivers")
    display(view(units_table(result, lang), lang, "units",
                 {"pii_per_unit": "measure", "units_per_pii_point": "measure", "value_for_gap": "measure"}))


def _levers_block(result, lang: str, target_year: int | None) -> None:
    from IPython.display import Markdown, display

    if result.answers("levers") == "profile":
        display(Markdown(levers_section(result, lang, target_year or DEFAULT_TARGET_YEAR)))


def _gaps_block(result, lang: str, target_year: int | None) -> None:
    from IPython.display import Markdown, display

    from pii_analysis.report.run_kernels import save_results

    display(Markdown(f"## {_t('h_gaps', lang)}\n\n{gaps_text(result, lang)}"))
    save_results(result.gaps, "rank_gaps")
    if len(result.gaps):
        display(view(gaps_table(result, lang), lang, "gaps"))


def _projection_block(result, lang: str, target_year: int | None) -> None:
    """The band of the province's own total (data.shapes: the projection below the panel is a 'band')."""
    from IPython.display import Markdown, display

    from pii_analysis.report.run_kernels import save_results

    target_year = target_year or DEFAULT_TARGET_YEAR
    display(Markdown(f"## {_t('h_projection', lang, target_year=target_year)}\n\n"
                     f"{projection_text(result, lang, target_year)}"))
    ahead = ahead_table(result, target_year)
    if ahead is not None:
        band = total_band(result.pii, result.year, target_year)
        display(Markdown(_t("ahead", lang, province=result.province, sd=fmt_num(band["sd_within"], lang),
                            df=band["df_within"], target_year=target_year)))
        save_results(ahead, "ahead_probability")
        display(view(ahead, lang, "ahead", {"p_ahead": "pct"}))


#: what a page can show below the panel (a registry entry's `below` names them, in order); each block
#: asks the level (data.shapes.DataLevel.answers) and shows nothing where the level cannot answer it
BLOCKS = {"scores": _scores_block, "strengths": _strengths_block, "units": _units_block, "levers": _levers_block,
          "gaps": _gaps_block, "projection": _projection_block}


def show(page, result, lang: str, target_year: int | None = None) -> None:
    """Display what the level allows of `page` (a report.pages.Page): title, banner, standing, then the
    blocks of its entry's `below`; then the heading of the sections it cannot run."""
    from IPython.display import HTML, Markdown, display

    display(Markdown(f"# {title(page, result, lang, target_year)}"))
    display(HTML(banner(result, lang)))
    display(Markdown(f"## {_t('h_standing', lang)}\n\n{standing_text(result, lang)}"))
    for block in page.below:
        if block not in BLOCKS:
            raise KeyError(f"page {page.stem}: unknown block '{block}' (report.level_pages.BLOCKS: {', '.join(BLOCKS)})")
        BLOCKS[block](result, lang, target_year)
    display(Markdown(f"## {_t('h_cannot', lang)}"))


# --- the summary and the landing page below the panel ------------------------------------------------
SUMMARY_TEXT: Table = catalog("level_pages.SUMMARY_TEXT")


def summary_text(key: str, lang: str, **values: object) -> str:
    return text(SUMMARY_TEXT, key, lang, **values)


def summary_gap(result, lang: str) -> str:
    """The gap to the nearest published total above, for the summary's target card."""
    if np.isfinite(result.rank) and int(result.rank) == 1:
        return summary_text("gap_first", lang)
    above = result.gaps.dropna(subset=["gap_pii"])
    if above.empty:
        return summary_text("gap_none", lang)
    nxt = above.iloc[-1]
    return summary_text("gap", lang, province=nxt["province_at_rank"], rank=int(nxt["rank"]),
                        gap=fmt_num(nxt["gap_pii"], lang))


def profile_lever_items(result, lang: str, target_year: int) -> list[dict[str, str]]:
    """The profile's three levers (`analysis.levers.profile_levers`: the panel's ranking as far as a profile
    allows), each with its move in the indicator's own units, why it is chosen and who acts on it."""
    from pii_analysis.analysis.levers import profile_levers
    from pii_analysis.data.levers import lever_columns, load_levers
    from pii_analysis.report import levers_text

    ranked = profile_levers(result, target_year=target_year)
    chosen = ranked[ranked["lever_rank"].notna()]
    agencies = lever_columns(load_levers(), list(chosen["code"]), lang)
    items = []
    for row in chosen.to_dict("records"):
        row = {**row, **agencies.loc[row["code"]].to_dict()}
        name = row["name_vi" if lang == "vi" else "name_en"] or row["name_vi"]
        items.append({"code": row["code"], "name": name,
                      "what": levers_text.move(row, lang, unit=unit_text(row.get("unit"), str(row["code"]), lang)),
                      "why": levers_text.reason(row, lang, result.province), "lead": levers_text.agencies(row, lang)})
    return items


def profile_levers_rule(lang: str) -> str:
    """How the profile's levers are chosen, and what is assumed (the paces, the agencies)."""
    from pii_analysis.report import levers_text

    return " ".join([levers_text.TEXT["profile_rule"][lang], levers_text.pace_note("profile", lang),
                     levers_text.TEXT["agencies_note"][lang]])


def levers_section(result, lang: str, target_year: int) -> str:
    """Page 02's levers at the profile level, in Markdown (the summary's three, with the rule)."""
    from pii_analysis.report import levers_text

    items = [f"{k}. **{i['code']} {i['name']}**: {i['what']}. {i['why']} {i['lead']}."
             for k, i in enumerate(profile_lever_items(result, lang, target_year), start=1)]
    head = levers_text.TEXT["h_profile"][lang].format(year=target_year)
    return f"## {head}\n\n" + "\n".join(items) + f"\n\n*{profile_levers_rule(lang)}*"


def site_banner(result, lang: str) -> str:
    """The landing page's banner below the panel: the table is the published results; the level line."""
    from pathlib import Path

    from pii_analysis.index.framework import default_framework
    from pii_analysis.report.labels import level_text, method_text
    from pii_analysis.report.site import render

    box = summary_text("box_site", lang, source=Path(str(result.source)).name)
    facts = [level_text(result.data_level, lang), method_text(default_framework(), lang)]
    return render("banner.html.j2", boxes=[{"kind": "published", "text": box}], facts=facts)
