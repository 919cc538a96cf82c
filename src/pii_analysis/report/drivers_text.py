"""Plain-language narrative of the rank-drivers analysis for a provincial leader (vi / en).

Each function turns a result of `drivers` / `sensitivity` into a Markdown paragraph, so
the notebook only displays them and tests can read the same sentences.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.analysis.drivers import DriversResult
from pii_analysis.index.framework import Framework
from pii_analysis.report.formatting import fmt_measure, fmt_num, join_names, thousands
from pii_analysis.report import levers_text
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.labels import mark
from pii_analysis.report.styling import TableView, styled

N_NAMED = 5  # indicators listed by name in the narrative

TEXT: Table = catalog("drivers_text.TEXT")


def _n(value: float, lang: str, digits: int = 2) -> str:
    return fmt_num(float(value), lang, digits)


def _step(meta: dict, lang: str) -> str:
    step = float(meta["step"])
    return _n(step, lang, 0 if step.is_integer() else 1)


def heading(section: str, lang: str) -> str:
    """A section heading; researcher-only sections ('sobol', 'ols') have their own keys (rh_*)."""
    key = f"h_{section}" if f"h_{section}" in TEXT else f"rh_{section}"
    return text(TEXT, key, lang)


def title(result: DriversResult, lang: str) -> str:
    return text(TEXT, "title", lang, province=result.meta["province"], year=result.meta["year"])


def intro(result: DriversResult, lang: str) -> str:
    """Where the province stands, the target and the gap."""
    m = result.meta
    gap = float(result.decomposition.attrs["gap"])
    key = "gap_behind" if m["rank"] > m["target_rank"] else "gap_met" if m["rank"] > 1 else "gap_first"
    ref_pii = result.decomposition.iloc[0]["reference_score"]
    sentence = text(TEXT, key, lang, province=m["province"], reference=m["reference"], gap=_n(abs(gap), lang),
                    target=m["target_rank"], ref_pii=_n(ref_pii, lang), ref_rank=m["reference_rank"])
    out = text(TEXT, "intro", lang, year=m["year"], province=m["province"], pii=_n(m["pii"], lang), rank=m["rank"],
               n=m["n_provinces"], target=m["target_rank"], gap_sentence=sentence, step=_step(m, lang))
    above, below = m["gap_above"], m["gap_below"]
    if np.isfinite(above) and not np.isfinite(below):
        extra = text(TEXT, "last", lang, above=_n(above, lang), province=m["province"])
    elif np.isfinite(above):
        extra = text(TEXT, "neighbours", lang, above=_n(above, lang), below=_n(below, lang))
    else:
        extra = text(TEXT, "first", lang, province=m["province"], below=_n(below, lang))
    return out + " " + extra


def _name(row: pd.Series, lang: str) -> str:
    return str(row["name_vi" if lang == "vi" else "name_en"]) if "name_vi" in row else str(row["name"])


def moves(result: DriversResult, lang: str, n: int = N_NAMED) -> str:
    """Which pillars and which indicators move the rank with one step, and the five that matter most."""
    m, t = result.meta, result.table
    step = _step(m, lang)
    pillars = result.nodes[result.nodes["level"] == "pillar"]
    if (pillars["rank_gain"] > 0).any():
        best = pillars.sort_values(["rank_gain", "pii_change_step"], ascending=False).iloc[0]
        parts = [text(TEXT, "pillar_moves", lang, step=step, n_moving=int((pillars["rank_gain"] > 0).sum()),
                      n_pillars=len(pillars), best=f"{best['node']} {_name(best, lang)}",
                      best_rank=int(best["rank_after_step"]))]
    else:
        parts = [text(TEXT, "pillar_none", lang, step=step)]
    # indicators in their own units: one year at the sustained pace, every province re-scored
    k = int((t["rank_gain_raw_step"] > 0).sum())
    best_year = _n(t["pii_change_raw_step"].max(), lang)
    if m["rank"] == 1:
        parts.append(text(TEXT, "ind_first", lang, province=m["province"], best=best_year,
                          below=_n(m["gap_below"], lang)))
    elif k:
        parts.append(text(TEXT, "ind_moves", lang, k=k, n_ind=len(t)))
    else:
        above = m["gap_above"]
        parts.append(text(TEXT, "ind_none", lang, above=_n(above, lang) if np.isfinite(above) else "—",
                          best=best_year))
    pace = levers_text.pace_note(m["pace_source"], lang)
    parts.append(text(TEXT, "tornado_note", lang, pace=pace))
    items = [text(TEXT, "ind_list", lang, n=min(n, len(t)), target=m["target_rank"], year=m["target_year"]), ""]
    for _, row in t.head(n).iterrows():
        items.append(lever_item(row, m, lang))
    rule = levers_text.rule(m["province"], m["target_rank"], m["target_year"], m["lever_mode"], lang)
    items += ["", text(TEXT, "levers_note", lang, rule=rule, pace=pace)]
    return "\n\n".join(parts) + "\n\n" + "\n".join(items)


def _years(value: float, lang: str) -> str:
    return fmt_num(value, lang, 1) if np.isfinite(value) else text(TEXT, "years_never", lang)


def _quantity(row: pd.Series, key: str, lang: str) -> str:
    """', i.e. +230 at today's population' when the indicator is a rate of a quantity."""
    delta = row.get(f"quantity_for_{key}", np.nan)
    if pd.isna(delta) or row.get("denominator", "none") == "none":
        return ""
    return text(TEXT, "quantity", lang, delta=fmt_measure(delta, lang, signed=True),
                denominator=text(TEXT, f"den_{row['denominator']}", lang))


def lever_item(row: pd.Series, meta: dict, lang: str) -> str:
    """One indicator in real units: value, national best and average, the value for the next place and
    for the target (with the change of the underlying quantity), who leads, and a monotonicity note."""
    res = row["raw_resolution"]
    agency = text(TEXT, "agency", lang, agency=row["lead_agency"]) if row.get("lead_agency") else ""
    if meta["rank"] == 1:
        nxt = text(TEXT, "next_first", lang)
    elif pd.isna(row["raw_for_next_rank"]):
        nxt = text(TEXT, "raw_next_no", lang)
    else:
        nxt = text(TEXT, "raw_next", lang, value=fmt_measure(row["raw_for_next_rank"], lang, res),
                   quantity=_quantity(row, "next_rank", lang), years=_years(row["years_to_next_rank"], lang))
    target = meta["target_rank"]
    if meta["rank"] <= target:
        tgt = text(TEXT, "target_met", lang, target=target)
    elif pd.isna(row["raw_for_target"]):
        tgt = text(TEXT, "raw_target_no", lang, target=target)
    else:
        tgt = text(TEXT, "raw_target", lang, target=target, value=fmt_measure(row["raw_for_target"], lang, res),
                   quantity=_quantity(row, "target", lang))
    item = text(TEXT, "ind_item", lang, code=row["indicator"], name=row["name"], agency=agency,
                value=fmt_measure(row["raw_value"], lang, res), unit=row["unit"],
                best=fmt_measure(row["national_best"], lang, res),
                average=fmt_measure(row["national_average_raw"], lang, res),
                weight=_n(100 * row["effective_weight"], lang), next_phrase=nxt, target_phrase=tgt,
                monotone="" if row["monotone"] else text(TEXT, "non_monotone", lang,
                                                         value=fmt_measure(row["worse_beyond"], lang, res)))
    return item + levers_text.page_line(row, lang, meta["province"])


def limits(result: DriversResult, lang: str) -> str:
    """Indicators that cannot move the rank at any value, and whether any single one reaches the target."""
    m, t = result.meta, result.table
    none = t[t["raw_for_next_rank"].isna()]
    if m["rank"] == 1:
        parts = [text(TEXT, "cannot_first", lang, province=m["province"], below=_n(m["gap_below"], lang))]
    elif len(none):
        top = none.sort_values("effective_weight", ascending=False).head(3)
        examples = join_names([f"{c} {nm}" for c, nm in zip(top["indicator"], top["name"])], lang)
        parts = [text(TEXT, "cannot", lang, n_none=len(none), n_ind=len(t), province=m["province"],
                      examples=examples)]
    else:
        parts = [text(TEXT, "cannot_none", lang)]
    fmt = dict(province=m["province"], target=m["target_rank"])
    reach = t[t["raw_for_target"].notna()]
    if m["rank"] <= m["target_rank"]:
        parts.append(text(TEXT, "target_already", lang, **fmt))
    elif len(reach):
        best = reach.sort_values("years_to_target", kind="stable").iloc[0]
        parts.append(text(TEXT, "target_single", lang, k=len(reach), code=best["indicator"], name=best["name"],
                          value=fmt_measure(best["raw_for_target"], lang, best["raw_resolution"]), unit=best["unit"],
                          years=_years(best["years_to_target"], lang), **fmt))
    else:
        parts.append(text(TEXT, "target_none", lang, **fmt))
    return "\n\n".join(parts)


def effects_text(result: DriversResult, lang: str) -> str:
    """The exact marginal effects of one year at a sustained pace, in words."""
    t = result.table
    k = int((t["rank_gain_raw_step"] > 0).sum())
    top = t.sort_values(["rank_gain_raw_step", "pii_change_raw_step"], ascending=False, kind="stable").head(3)
    named = join_names([f"{r['indicator']} {r['name']} (+{fmt_measure(r['raw_step'], lang, r['raw_resolution'])} "
                        f"{r['unit']} → {_n(r['pii_change_raw_step'], lang)} PII)" for _, r in top.iterrows()], lang)
    return text(TEXT, "effects", lang, k=k, n_ind=len(t), top=named) + " " + \
        levers_text.pace_note(result.meta["pace_source"], lang)


def robustness(u, province: str) -> pd.DataFrame:
    """The province's Sobol indices on the method assumptions (uncertainty.Uncertainty), one row each."""
    rows = u.sobol[u.sobol["province"] == province].reset_index(drop=True)
    out = rows[["factor", "S1", "ST"]].copy()
    out.attrs.update(u.table.set_index("province").loc[province].to_dict(), province=province, draws=len(u.ranks))
    return out


def robustness_text(table: pd.DataFrame, lang: str) -> str:
    """Median rank, 90% interval and the assumption that moves the rank most, in words."""
    a = table.attrs
    st = table["ST"].fillna(0.0)
    driver = text(TEXT, "robust_flat", lang) if a["rank_p05"] == a["rank_p95"] else \
        text(TEXT, "robust_driver", lang, factor=text(TEXT, f"factor_{table.loc[st.idxmax(), 'factor']}", lang),
             st=_n(st.max(), lang))
    return text(TEXT, "robust", lang, draws=thousands(a["draws"], lang), province=a["province"],
                median=int(a["median_rank"]), low=int(a["rank_p05"]), high=int(a["rank_p95"]),
                nominal=int(a["nominal_rank"]), driver=driver)


def sobol_caveat(lang: str) -> str:
    return text(TEXT, "sobol_caveat", lang)


def ols_caveat(lang: str) -> str:
    return text(TEXT, "ols_caveat", lang)


def _named_values(rows: pd.DataFrame, lang: str) -> str:
    return join_names([f"{r['node']} {_name(r, lang)} ({'+' if r['contribution'] >= 0 else '−'}"
                       f"{_n(abs(r['contribution']), lang)})" for _, r in rows.iterrows()], lang)


def gap_text(result: DriversResult, lang: str, level: str = "pillar") -> str:
    """The exact decomposition in words: where the reference province is ahead, and where the province is."""
    d, m = result.decomposition, result.meta
    rows = d[d["level"] == level]
    fmt = dict(province=m["province"], reference=m["reference"])
    out = text(TEXT, "gap", lang, gap=_n(d.attrs["gap"], lang), **fmt)
    behind = rows[rows["contribution"] > 0].nlargest(3, "contribution")
    ahead = rows[rows["contribution"] < 0].nsmallest(3, "contribution")
    if len(behind):
        out += text(TEXT, "gap_behind_at", lang, parts=_named_values(behind, lang), **fmt)
    if len(ahead):
        out += text(TEXT, "gap_ahead_at", lang, parts=_named_values(ahead, lang), **fmt)
    return out


def heatmap_text(result: DriversResult, lang: str) -> str:
    return text(TEXT, "heatmap", lang, province=result.meta["province"])


def points_appendix(result: DriversResult, lang: str) -> str:
    """What the researchers' appendix shows: normalised points, which no leader can turn into a target."""
    return text(TEXT, "points_appendix", lang, step=_step(result.meta, lang))


def strengths_text(result: DriversResult, lang: str) -> str:
    n = int((result.strengths["kind"] == "strength").sum())
    return text(TEXT, "strengths", lang, n=n, province=result.meta["province"], n_prov=result.meta["n_provinces"])


def checklist_text(result: DriversResult, lang: str) -> str:
    return text(TEXT, "checklist", lang, k=len(result.checklist), n_ind=len(result.table))


def loo_text(result: DriversResult, lang: str) -> str:
    """How much the position rests on single indicators (leave-one-out)."""
    t, m = result.table, result.meta
    change = t["rank_without"] - m["rank"]

    def most(rows: pd.DataFrame, key: pd.Series) -> str:
        if rows.empty:
            return ""
        r = rows.loc[key.loc[rows.index].idxmax()]
        return text(TEXT, "loo_most", lang, code=r["indicator"], name=r["name"], rank=int(r["rank_without"]))

    worse, better = t[change > 0], t[change < 0]
    if worse.empty and better.empty:
        return text(TEXT, "loo_none", lang, province=m["province"], rank=m["rank"])
    return text(TEXT, "loo", lang, province=m["province"], k_worse=len(worse), k_better=len(better),
                worse=most(worse, change), better=most(better, -change))


def sobol_text(sobol: pd.DataFrame, lang: str) -> str:
    """What the Sobol indices say, with the input ranges used."""
    a = sobol.attrs
    names = sobol["name_vi" if lang == "vi" else "name_en"]
    fmt = dict(province=a["province"], spread=_n(a["spread"], lang, 0), evaluations=thousands(a["evaluations"], lang),
               min=int(a["min"]), max=int(a["max"]), factor=text(TEXT, f"factor_{a['level']}", lang),
               conf=int(round(100 * a["conf_level"])))
    if a["min"] == a["max"]:
        return text(TEXT, "sobol_flat", lang, **fmt)
    top = join_names([f"{c} {nm} ({_n(st, lang)})" for c, nm, st in
                      zip(sobol["factor"].head(3), names.head(3), sobol["ST"].head(3))], lang)
    return text(TEXT, "sobol" if a["ranges"] == "step" else "sobol_observed", lang, top=top, **fmt)


def ols_text(ols: pd.DataFrame, data_status: str, framework: Framework, lang: str) -> str:
    """The pooled OLS in words (with its caveat)."""
    a = ols.attrs
    pillars = ols[ols["term"].str.match(r"^p\d")]
    strongest = ""
    if len(pillars):
        r = pillars.loc[pillars["coef"].abs().idxmax()]
        strongest = text(TEXT, "ols_strongest", lang, name=framework.name(r["term"][1:], lang),
                         coef=_n(r["coef"], lang, 3))
    data = text(TEXT, "demo_data" if data_status == "demonstration" else "user_data", lang)
    return text(TEXT, "ols", lang, nobs=a["nobs"], response=text(TEXT, f"ols_{a['response']}", lang),
                k=len(pillars), cov=a["cov_type"], r2=_n(a["r2"], lang, 3), strongest=strongest, data=data)


# --- tables for display -------------------------------------------------------------------------
def term_label(term: str, lang: str, framework: Framework | None = None) -> str:
    """A regression term in words: 'const' -> 'Hằng số', 'p6' -> 'Trụ cột 6 Sản phẩm ...', 'year_2024' ->
    'Năm 2024'; any other term as it is."""
    if term == "const":
        return text(TEXT, "term_const", lang)
    if term.startswith("year_"):
        return text(TEXT, "term_year", lang, year=term[5:])
    if term[:1] == "p" and term[1:].isdigit():
        name = f" {framework.name(term[1:], lang)}" if framework is not None else ""
        return text(TEXT, "term_pillar", lang, code=term[1:], name=name)
    return term


RAW_COLUMNS = ("raw_value", "national_best", "national_average_raw", "raw_step", "value_needed")


def _raw_cell(value: float, resolution: float, monotone: bool, lang: str, met: bool) -> str:
    """A raw value needed for a rank: '—' when already met, 'not reachable' when no value reaches it,
    '*' when the rank is not monotone in the value."""
    if met:
        return "—"
    cell = fmt_measure(value, lang, resolution) if pd.notna(value) else text(TEXT, "not_reachable", lang)
    return cell + ("" if monotone else " *")


def display_table(frame: pd.DataFrame, lang: str, columns: list[str] | None = None, digits: int = 2,
                  framework: Framework | None = None) -> pd.DataFrame:
    """A result table ready to show: chosen columns, numbers formatted for `lang` ('not reachable'
    where a rise cannot reach the rank), weights in percent, regression terms in words (pillar names
    when `framework` is given), translated headers."""
    check_lang(lang)
    out = frame[columns] if columns else frame.copy()
    out = out.copy()
    if "term" in out:
        out["term"] = [term_label(t, lang, framework) for t in out["term"]]
    if framework is not None and {"indicator", "name"} <= set(out.columns):
        out["name"] = [mark(framework, c, n, weight="effective_weight" in out) for c, n in
                       zip(out["indicator"], out["name"])]
    if "effective_weight" in out:
        out["effective_weight"] = 100 * out["effective_weight"]
    if "kind" in out:
        out["kind"] = [text(TEXT, f"kind_{k}", lang) for k in out["kind"]]
    if "factor" in out and "S1" in out:
        out["factor"] = [text(TEXT, f"factor_{f}", lang) for f in out["factor"]]
    reach = {"points_to_next_rank": "next_reachable", "points_to_target": "target_reachable"}
    first = frame.attrs.get("rank") == 1
    for col in out.columns:
        if col == "points_to_next_rank" and first:
            out[col] = "—"
        elif col in reach and reach[col] in frame:
            out[col] = [fmt_num(v, lang, 1) if ok else text(TEXT, "not_reachable", lang)
                        for v, ok in zip(out[col], frame[reach[col]])]
        elif col in ("raw_for_next_rank", "raw_for_target") and "raw_resolution" in frame:
            out[col] = [_raw_cell(v, r, mono, lang, met=(col == "raw_for_target" and frame.attrs.get("rank", 99)
                                                           <= frame.attrs.get("target_rank", 0)) or
                                  (col == "raw_for_next_rank" and first))
                        for v, r, mono in zip(out[col], frame["raw_resolution"], frame["monotone"])]
        elif col in RAW_COLUMNS and "raw_resolution" in frame:
            out[col] = [fmt_measure(v, lang, r) for v, r in zip(out[col], frame["raw_resolution"])]
        elif col in ("rank", "rank_after_step", "rank_without", "rank_after_raw_step", "lever_rank", "places_gained"):
            out[col] = [str(int(v)) if pd.notna(v) else "" for v in out[col]]
        elif out[col].dtype.kind == "f":
            out[col] = [fmt_num(v, lang, digits) if pd.notna(v) else "" for v in out[col]]
    return out.rename(columns={c: text(TEXT, f"col_{c}", lang) for c in out.columns if f"col_{c}" in TEXT}) \
        .reset_index(drop=True)


VIEWS = {  # the columns each displayed table shows, and its decimals
    "drivers": (["lever_rank", "indicator", "name", "unit", "raw_value", "value_needed", "years_of_effort",
                 "places_gained", "raw_for_next_rank", "raw_for_target", "national_best", "national_average_raw",
                 "lead_agency", "effective_weight", "rank"], 2),
    "effects": (["indicator", "name", "unit", "raw_value", "raw_step", "pii_change_raw_step",
                 "rank_after_raw_step"], 3),
    "robust": (["factor", "S1", "ST"], 2),
    "strengths": (["kind", "indicator", "name", "score", "rank", "national_average"], 2),
    "checklist": (["indicator", "name", "score", "national_average", "gap_national", "leverage_national"], 2),
    "ols": (["term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high"], 3),
}


def view(frame: pd.DataFrame, lang: str, key: str, framework: Framework | None = None) -> TableView:
    """`display_table` of one of `VIEWS`, styled like every report table (`profile.styled`); pass the
    `framework` to name the pillars of the OLS table."""
    columns, digits = VIEWS[key]
    return styled(display_table(frame, lang, columns, digits, framework), key)
