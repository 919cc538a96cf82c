"""The province profile as a page reads it: title, headings, narrative and display tables (vi/en).

Every number comes from `pii_analysis.analysis.profile`; this module only words and formats it.
"""
from __future__ import annotations

import functools
import html

import numpy as np
import pandas as pd

from pii_analysis.analysis.national import (
    best_per_pillar,
    pillar_changes,
    ranking_with_change,
    region_members,
    regional_comparison,
)
from pii_analysis.analysis.profile import (
    headline,
    indicator_table,
    merger_history,
    neighbours,
    node_comparison,
    peers,
    rank_history,
)
from pii_analysis.analysis.strengths import StrengthRule
from pii_analysis.index.context import Context
from pii_analysis.report.formatting import fmt_num, fmt_signed, join_names
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.labels import mark
from pii_analysis.report.profile_plots import COLOURS
from pii_analysis.report.strengths_text import describe_rule
from pii_analysis.report.styling import TableView, styled

N_NAMED = 3         # strengths / weaknesses named in the narrative


SECTIONS = ("headline", "pillars", "changes", "indicators", "history", "peers", "regions", "merger")


TEXT: Table = catalog("profile_text.TEXT")


# --- formatting -----------------------------------------------------------------------------
def heading(section: str, lang: str) -> str:
    """Section heading (one of SECTIONS) in `lang`."""
    return text(TEXT, f"h_{section}", lang)


def title(province: str, year: int, lang: str) -> str:
    return text(TEXT, "title", lang, province=province, year=year)


# --- narrative ------------------------------------------------------------------------------
def _change(h: dict, lang: str) -> str:
    if h["prev_rank"] is None:
        return ""
    delta = h["prev_rank"] - h["rank"]
    key = "up" if delta > 0 else "down" if delta < 0 else "same"
    key += "1" if abs(delta) == 1 else ""
    return text(TEXT, "change", lang, prev_year=h["prev_year"], change=text(TEXT, key, lang, k=abs(delta)))


def page_tables(ctx: Context, province: str, year: int, lang: str = "vi") -> dict:
    """Every table of the profile page, each computed once for the notebook's cells and the narrative:
    headline (dict), ranking, pillars, subpillars, best, changes, indicators, history, peers, neighbours,
    regions ((comparison, members, regions), see regional_tables) and merger."""
    check_lang(lang)
    return {"headline": headline(ctx, province, year), "ranking": ranking_with_change(ctx, year),
            "pillars": node_comparison(ctx, province, year, "pillar", lang),
            "subpillars": node_comparison(ctx, province, year, "subpillar", lang),
            "best": best_per_pillar(ctx, year, province, lang), "changes": pillar_changes(ctx, province, year, lang),
            "indicators": indicator_table(ctx, province, year, lang), "history": rank_history(ctx),
            "peers": peers(ctx, province, year), "neighbours": neighbours(ctx, province, year),
            "regions": regional_tables(ctx, province, year, lang), "merger": merger_history(ctx, province)}


def narrative(ctx: Context, province: str, year: int, lang: str = "vi", tables: dict | None = None) -> dict[str, str]:
    """Markdown paragraph of each section (keys = SECTIONS), from the page's tables (`page_tables`,
    computed here when not given)."""
    check_lang(lang)
    tables = page_tables(ctx, province, year, lang) if tables is None else tables
    h = tables["headline"]
    num = {k: fmt_num(h[k], lang) for k in ("pii", "input", "output")}
    out = {"headline": text(TEXT, "headline", lang, **{**h, **num}) + _change(h, lang)}

    pil = tables["pillars"]
    best, worst = pil.loc[pil["rank"].idxmin()], pil.loc[pil["rank"].idxmax()]
    out["pillars"] = text(TEXT, "pillars", lang, above=int((pil["gap_national"] > 0).sum()),
                          top=int((pil["gap_top10"] >= 0).sum()), total=len(pil),
                          best=best["name"], best_rank=int(best["rank"]),
                          worst=worst["name"], worst_rank=int(worst["rank"]))

    ind = tables["indicators"]
    strong = ind[ind["flag"] == "strength"].sort_values(["rank", "code"])
    weak = ind[ind["flag"] == "weakness"].sort_values(["rank", "code"], ascending=[False, True])
    para = text(TEXT, "indicators", lang, n=h["n"], rule=describe_rule(StrengthRule(), lang, h["n"]),
                province=province, n_strong=len(strong), n_weak=len(weak))
    item = TEXT["item_indicator"][lang]
    if len(strong):
        para += text(TEXT, "named_strong", lang, items="; ".join(
            item.format(**r) for r in strong.head(N_NAMED).to_dict("records")))
    if len(weak):
        para += text(TEXT, "named_weak", lang, items="; ".join(
            item.format(**r) for r in weak.head(N_NAMED).to_dict("records")))
    out["indicators"] = para

    hist = tables["history"]
    mine = hist[hist["province"] == province]
    out["history"] = text(TEXT, "history", lang, province=province, n=int(hist.groupby("year").size().max()),
                          ranks=", ".join(f"{y}: {r}" for y, r in zip(mine["year"], mine["rank"])))
    if any(y < int(hist["year"].min()) for y in ctx.panel.generated_years):   # earlier years generated: not shown
        out["history"] += " " + text(TEXT, "history_generated", lang, year=int(hist["year"].min()))

    pe = tables["peers"]
    para = text(TEXT, "peers", lang, province=province,
                peers=join_names([text(TEXT, "item_peer", lang, province=p, rank=r)
                                  for p, r in zip(pe["province"], pe["rank"])], lang))
    nb = tables["neighbours"]
    pos = int(np.flatnonzero(nb["province"].to_numpy() == province)[0])
    for _, r in nb.iloc[max(0, pos - 1): pos + 2].drop(index=pos).iterrows():   # the places just above and below
        key = "above" if r["rank"] < h["rank"] else "below"
        para += text(TEXT, key, lang, name=r["province"], rank=int(r["rank"]), gap=fmt_num(abs(r["gap"]), lang))
    out["peers"] = para

    out["changes"] = changes_text(tables["changes"], province, lang)
    out["regions"] = regions_text(*tables["regions"], province, lang)
    out["merger"] = merger_note(ctx, province, lang, tables["merger"])
    return out


def regional_tables(ctx: Context, province: str, year: int, lang: str):
    """(comparison, members, regions) for the regional section; (None, None, regions) when the region
    file is absent or does not cover the province."""
    regions = _regions()
    if regions is None or province not in set(regions["province"]):
        return None, None, regions
    return (regional_comparison(ctx, year, regions, lang), region_members(ctx, year, regions, province), regions)


def _regions() -> pd.DataFrame | None:
    """The shipped region file (data.regions.load_regions), read once per version of the file."""
    from pii_analysis.data.regions import regions_file

    file = regions_file()
    return _regions_of(str(file), file.stat().st_mtime_ns if file.exists() else None)


@functools.lru_cache(maxsize=2)
def _regions_of(path: str, mtime: int | None) -> pd.DataFrame | None:
    from pii_analysis.data.regions import load_regions

    return load_regions()


def merger_note(ctx: Context, province: str, lang: str = "vi", history: pd.DataFrame | None = None) -> str:
    """Which former provinces formed this one, and their latest published pre-merger ranks (`history`:
    profile.merger_history, computed here when not given)."""
    hist = merger_history(ctx, province) if history is None else history
    olds = list(dict.fromkeys(hist["old_province"]))
    if olds == [province] or not olds:
        note = text(TEXT, "unmerged", lang, province=province)
    else:
        note = text(TEXT, "merged", lang, province=province, olds=join_names(olds, lang))
    ranked = hist.dropna(subset=["year"])
    if ranked.empty:
        return note + (text(TEXT, "no_old_ranks", lang) if len(olds) > 1 else "")
    last = int(ranked["year"].max())
    latest = ranked[ranked["year"] == last]
    n = int(latest["n_provinces"].iloc[0])
    ranks = ", ".join(f"{o} {int(r)}/{n}" for o, r in zip(latest["old_province"], latest["rank"]))
    key = "old_ranks" if len(olds) > 1 else "old_rank_same"
    return note + text(TEXT, key, lang, year=last, n=n, ranks=ranks)


# --- display and results ----------------------------------------------------------------------
def display_table(frame: pd.DataFrame, lang: str, digits: int = 2, framework=None) -> pd.DataFrame:
    """A profile table ready to show: translated tiers/flags, formatted numbers, translated headers; with
    the `framework`, names whose wording or placement is assumed carry '*' (labels.mark)."""
    check_lang(lang)
    out = frame.copy()
    if framework is not None and {"code", "name"} <= set(out.columns):
        out["name"] = [mark(framework, c, n) for c, n in zip(out["code"], out["name"])]
    if "tier" in out:
        out["tier"] = [text(TEXT, f"tier_{t}", lang) for t in out["tier"]]
    if "status" in out:
        out["status"] = [text(TEXT, f"status_{s}", lang) if f"status_{s}" in TEXT else s for s in out["status"]]
    if "flag" in out:
        out["flag"] = [text(TEXT, f"flag_{f}", lang) for f in out["flag"]]
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = [fmt_num(v, lang, digits) if pd.notna(v) else "" for v in out[col]]
    headers = {"code": "col_code", "name": "col_name", "pillar": "col_pillar", "province": "col_province",
               "score": "col_score", "rank": "col_rank", "national_avg": "col_national", "top10_avg": "col_top10",
               "tier": "col_tier", "flag": "col_flag", "distance": "col_distance", "pii": "col_pii",
               "year": "col_year", "old_province": "col_old", "n_provinces": "col_n", "status": "col_status",
               "gap": "col_gap", "metric": "col_metric", "best": "col_best", "best_score": "col_best_score",
               "gap_to_best": "col_gap_to_best", "prev_score": "col_prev_score", "change": "col_change",
               "prev_rank": "col_prev_rank", "rank_change": "col_rank_change", "region": "col_region",
               "mean_pii": "col_mean_pii", "best_province": "col_best_province",
               "best_rank": "col_best_rank", "median_rank": "col_median_rank"}
    if "n_provinces" in out and "region" in out:
        headers["n_provinces"] = "col_n_provinces"
    out = out.astype(object).where(out.notna(), "")
    keep = [c for c in out.columns if c in headers]
    out = out[keep].rename(columns={c: text(TEXT, headers[c], lang) for c in keep})
    return out.reset_index(drop=True)


def view(frame: pd.DataFrame, lang: str, key: str, framework=None) -> TableView:
    """A profile table as the report shows it: `styled(display_table(frame, lang), key)`."""
    return styled(display_table(frame, lang, framework=framework), key)


# --- charts drawn as tables: bars in the cells (CSS), no image to draw -----------------------------
PLOTS: Table = catalog("profile_plots.TEXT")       # the chart titles, now the tables' captions
NATIONAL: Table = catalog("national_plots.TEXT")


def _rgb(hex_colour: str) -> str:
    """'#1e8449' as '30, 132, 73' (the CSS rgba() form of the bars)."""
    return ", ".join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))


TIER_COLOURS = {tier: _rgb(COLOURS[tier]) for tier in ("top", "middle", "bottom")}   # the charts' tier colours
BAR_ALPHA = 0.42             # the bars' tint: dark text on top stays readable
PRINT = "-webkit-print-color-adjust: exact; print-color-adjust: exact"   # bars print as shown
BAR_CELL = {"selector": "td", "props": f"min-width: 7em; {PRINT}"}
CAPTION = {"selector": "caption", "props": "caption-side: top; text-align: left; padding: 4px 0;"}


def _bar(fraction: float, rgb: str, mark: float | None = None) -> str:
    """CSS of a cell whose background is a bar from the left over `fraction` (0-1) of its width in colour
    `rgb` ('r, g, b'), with a thin dark line at `mark` (0-1)."""
    pct = round(100 * min(max(fraction, 0.0), 1.0), 1)
    layers = [f"linear-gradient(90deg, rgba({rgb}, {BAR_ALPHA}) {pct}%, transparent {pct}%)"]
    if mark is not None:
        m = round(100 * mark, 1)
        layers.insert(0, f"linear-gradient(90deg, transparent calc({m}% - 1px), #17202a calc({m}% - 1px), "
                         f"#17202a calc({m}% + 1px), transparent calc({m}% + 1px))")
    return "background: " + ", ".join(layers)


def _diverging(value: float, span: float, positive: str = TIER_COLOURS["top"],
               negative: str = TIER_COLOURS["bottom"]) -> str:
    """CSS of a cell whose background is a bar from the middle: right in `positive` for value > 0, left in
    `negative` for value < 0, its length value / span of the half width; a thin line marks zero."""
    half = round(50 * min(abs(value) / span, 1.0), 1) if span > 0 else 0.0
    lo, hi, rgb = (50, 50 + half, positive) if value >= 0 else (50 - half, 50, negative)
    return (f"background: linear-gradient(90deg, transparent calc(50% - 0.5px), #17202a calc(50% - 0.5px), "
            f"#17202a calc(50% + 0.5px), transparent calc(50% + 0.5px)), linear-gradient(90deg, transparent {lo}%, "
            f"rgba({rgb}, {BAR_ALPHA}) {lo}%, rgba({rgb}, {BAR_ALPHA}) {hi}%, transparent {hi}%)")


def _with_cells(shown: TableView, css: dict[str, list[str]], caption: str, bars: tuple[str, ...]) -> TableView:
    """`shown` with per-cell CSS for some of its columns ({header: css per row}), room for the bars in the
    columns `bars` and an escaped caption."""
    frame = pd.DataFrame("", index=shown.data.index, columns=shown.data.columns)
    for column, values in css.items():
        frame[column] = values
    return (shown.apply(lambda _: frame, axis=None)
            .set_table_styles([CAPTION], overwrite=False)
            .set_table_styles({c: [BAR_CELL] for c in bars}, overwrite=False)
            .set_caption(html.escape(caption)))


def ranking_view(ranking: pd.DataFrame, year: int, lang: str, province: str | None = None) -> TableView:
    """The 34 provinces in rank order (national.ranking_with_change): rank, province and PII, the PII as a
    bar (the province's in red, in bold), captioned as the chart it replaces."""
    rows = ranking.sort_values(["rank", "province"]).reset_index(drop=True)
    own = (rows["province"] == province).to_numpy()
    top = float(rows["pii"].max()) * 1.1 or 1.0
    shown = styled(display_table(rows[["rank", "province", "pii"]], lang), "ranking")
    pii, name = text(TEXT, "col_pii", lang), text(TEXT, "col_province", lang)
    bold = ["font-weight: bold; color: #c0392b" if mine else "" for mine in own]
    bars = [_bar(v / top, TIER_COLOURS["bottom"] if mine else "93, 109, 126") + ("; font-weight: bold" if mine else "")
            for v, mine in zip(rows["pii"], own)]
    n = len(rows)
    if province is not None and own.any():
        caption = text(NATIONAL, "ranking_title_one", lang, year=year, n=n, province=province,
                       rank=int(rows.loc[own, "rank"].iloc[0]))
    else:
        caption = text(NATIONAL, "ranking_title", lang, year=year, n=n)
    return _with_cells(shown, {text(TEXT, "col_rank", lang): bold, name: bold, pii: bars}, caption, (pii,))


def changes_view(changes: pd.DataFrame, province: str, year: int, lang: str) -> TableView:
    """The year-on-year pillar changes (national.pillar_changes) with each score change as a bar from the
    middle of its cell (green right = up, red left = down), captioned as the chart it replaces."""
    shown = styled(display_table(changes, lang), "changes")
    span = max(float(changes["change"].abs().max()), 0.5)
    bars = [_diverging(float(v), span) for v in changes["change"]]
    caption = text(NATIONAL, "changes_title", lang, province=province, prev=changes.attrs.get("prev_year", ""),
                   year=year)
    column = text(TEXT, "col_change", lang)
    return _with_cells(shown, {column: bars}, caption + text(TEXT, "changes_key", lang), (column,))


def indicator_view(indicators: pd.DataFrame, province: str, year: int, pii_rank: int, n: int, lang: str,
                   framework=None) -> TableView:
    """The indicator table (profile.indicator_table) with each rank as a bar (longer = better: rank 1 fills
    the cell) in the colour of its tier, a line at the province's PII rank, the tier cells tinted and the
    strengths and weaknesses in bold, captioned as the chart it replaces with the key of the colours."""
    shown = styled(display_table(indicators, lang, framework=framework), "indicators")
    share = lambda r: (n + 1 - r) / n      # noqa: E731 - rank 1 -> the whole cell, rank n -> 1/n
    bars = [_bar(share(r), TIER_COLOURS[t], share(pii_rank)) for r, t in zip(indicators["rank"], indicators["tier"])]
    tiers = [f"background: rgba({TIER_COLOURS[t]}, {BAR_ALPHA}); white-space: nowrap; {PRINT}" for t in indicators["tier"]]
    flags = [f"font-weight: bold; color: rgb({TIER_COLOURS['top' if f == 'strength' else 'bottom']})" if f else ""
             for f in indicators["flag"]]
    caption = (text(PLOTS, "tier_title", lang, province=province, year=year)
               + text(TEXT, "indicators_key", lang, province=province, rank=pii_rank))
    rank = text(TEXT, "col_rank", lang)
    return _with_cells(shown, {rank: bars, text(TEXT, "col_tier", lang): tiers, text(TEXT, "col_flag", lang): flags},
                       caption, (rank,))


# --- the national picture (analysis.national) ----------------------------------------------------
def best_text(province: str, year: int, lang: str) -> str:
    return text(TEXT, "best", lang, province=province, year=year)


def changes_text(changes: pd.DataFrame, province: str, lang: str) -> str:
    """The year-on-year pillar changes in one paragraph."""
    if changes.empty:
        if changes.attrs.get("change") == "generated":
            return text(TEXT, "no_changes_generated", lang, year=changes.attrs.get("year", ""))
        return text(TEXT, "no_changes", lang)
    best, worst = changes.loc[changes["change"].idxmax()], changes.loc[changes["change"].idxmin()]
    return text(TEXT, "changes", lang, prev=changes.attrs.get("prev_year", ""), province=province,
                up=int((changes["change"] > 0).sum()), total=len(changes), best=f"{best['code']} {best['name']}",
                best_change=fmt_signed(best["change"], lang), worst=f"{worst['code']} {worst['name']}",
                worst_change=fmt_signed(worst["change"], lang))


def regions_text(comparison: pd.DataFrame | None, members: pd.DataFrame | None, regions: pd.DataFrame | None,
                 province: str, lang: str) -> str:
    """Where the province stands in its region, the leading region and the source of the regions."""
    if comparison is None or members is None or regions is None or members.empty:
        return text(TEXT, "no_regions", lang)
    row = regions[regions["province"] == province].iloc[0]
    top = comparison.iloc[0]
    k = int(members.loc[members["province"] == province, "rank_in_region"].iloc[0])
    return text(TEXT, "regions", lang, province=province, region=row["region_vi" if lang == "vi" else "region_en"],
                n=len(members), k=k, top=top["region"], mean=fmt_num(top["mean_pii"], lang),
                source=str(row["source"]).split(" (")[0], status=row["status"])


def headline_table(ctx: Context, province: str, year: int, lang: str = "vi") -> pd.DataFrame:
    """PII, input and output: score and rank, as a small table."""
    h = headline(ctx, province, year)
    return pd.DataFrame({"metric": [text(TEXT, f"m_{k}", lang) for k in ("pii", "input", "output")],
                         "score": [h["pii"], h["input"], h["output"]],
                         "rank": [h["rank"], h["input_rank"], h["output_rank"]]})
