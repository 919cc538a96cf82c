"""The province profile as a page reads it: title, headings, narrative and display tables (vi/en).

Every number comes from `pii_analysis.analysis.profile`; this module only words and formats it.
"""
from __future__ import annotations

import pandas as pd

from pii_analysis.analysis.national import pillar_changes, region_members, regional_comparison
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


def narrative(ctx: Context, province: str, year: int, lang: str = "vi") -> dict[str, str]:
    """Markdown paragraph of each section (keys = SECTIONS), from the tables above."""
    check_lang(lang)
    h = headline(ctx, province, year)
    num = {k: fmt_num(h[k], lang) for k in ("pii", "input", "output")}
    out = {"headline": text(TEXT, "headline", lang, **{**h, **num}) + _change(h, lang)}

    pil = node_comparison(ctx, province, year, "pillar", lang)
    best, worst = pil.loc[pil["rank"].idxmin()], pil.loc[pil["rank"].idxmax()]
    out["pillars"] = text(TEXT, "pillars", lang, above=int((pil["gap_national"] > 0).sum()),
                          top=int((pil["gap_top10"] >= 0).sum()), total=len(pil),
                          best=best["name"], best_rank=int(best["rank"]),
                          worst=worst["name"], worst_rank=int(worst["rank"]))

    ind = indicator_table(ctx, province, year, lang)
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

    hist = rank_history(ctx)
    mine = hist[hist["province"] == province]
    out["history"] = text(TEXT, "history", lang, province=province, n=int(hist.groupby("year").size().max()),
                          ranks=", ".join(f"{y}: {r}" for y, r in zip(mine["year"], mine["rank"])))

    pe = peers(ctx, province, year)
    para = text(TEXT, "peers", lang, province=province,
                peers=join_names([text(TEXT, "item_peer", lang, province=p, rank=r)
                                  for p, r in zip(pe["province"], pe["rank"])], lang))
    nb = neighbours(ctx, province, year, 1)
    for _, r in nb[nb["province"] != province].iterrows():
        key = "above" if r["rank"] < h["rank"] else "below"
        para += text(TEXT, key, lang, name=r["province"], rank=int(r["rank"]), gap=fmt_num(abs(r["gap"]), lang))
    out["peers"] = para

    out["changes"] = changes_text(pillar_changes(ctx, province, year, lang), province, lang)
    out["regions"] = regions_text(*regional_tables(ctx, province, year, lang), province, lang)
    out["merger"] = merger_note(ctx, province, lang)
    return out


def regional_tables(ctx: Context, province: str, year: int, lang: str):
    """(comparison, members, regions) for the regional section; (None, None, regions) when the region
    file is absent or does not cover the province."""
    from pii_analysis.data.regions import load_regions

    regions = load_regions()
    if regions is None or province not in set(regions["province"]):
        return None, None, regions
    return (regional_comparison(ctx, year, regions, lang), region_members(ctx, year, regions, province), regions)


def merger_note(ctx: Context, province: str, lang: str = "vi") -> str:
    """Which former provinces formed this one, and their latest published pre-merger ranks."""
    hist = merger_history(ctx, province)
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


# --- the national picture (analysis.national) ----------------------------------------------------
def best_text(province: str, year: int, lang: str) -> str:
    return text(TEXT, "best", lang, province=province, year=year)


def changes_text(changes: pd.DataFrame, province: str, lang: str) -> str:
    """The year-on-year pillar changes in one paragraph."""
    if changes.empty:
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
