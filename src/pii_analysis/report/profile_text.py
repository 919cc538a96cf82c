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
from pii_analysis.report.i18n import Table, check_lang, text
from pii_analysis.report.labels import mark
from pii_analysis.report.strengths_text import describe_rule
from pii_analysis.report.styling import TableView, styled

N_NAMED = 3         # strengths / weaknesses named in the narrative


SECTIONS = ("headline", "pillars", "changes", "indicators", "history", "peers", "regions", "merger")


TEXT: Table = {
    "title": {"vi": "Hồ sơ Chỉ số Đổi mới sáng tạo cấp địa phương (PII): {province}, năm {year}",
              "en": "Provincial Innovation Index (PII) profile: {province}, {year}"},
    "h_headline": {"vi": "1. Kết quả chung", "en": "1. Headline"},
    "h_pillars": {"vi": "2. Trụ cột và nhóm chỉ số so với bình quân cả nước và bình quân Top 10",
                  "en": "2. Pillars and sub-pillars against the national and Top-10 averages"},
    "h_changes": {"vi": "3. Thay đổi của 7 trụ cột so với năm trước", "en": "3. The 7 pillars: change since last year"},
    "h_indicators": {"vi": "4. Các chỉ số thành phần: thứ hạng, nhóm, điểm mạnh và điểm yếu",
                     "en": "4. The indicators: rank, tier, strengths and weaknesses"},
    "h_history": {"vi": "5. Diễn biến thứ hạng qua các năm", "en": "5. Rank over the years"},
    "h_peers": {"vi": "6. Tỉnh, thành phố có hồ sơ tương đồng và các địa phương liền kề",
                "en": "6. Provinces with similar profiles and the nearest neighbours in the ranking"},
    "h_regions": {"vi": "7. So sánh theo vùng kinh tế - xã hội", "en": "7. Comparison by socio-economic region"},
    "h_merger": {"vi": "8. Ghi chú về sáp nhập tỉnh năm 2025", "en": "8. Note on the 2025 provincial merger"},
    "best": {"vi": "Tỉnh, thành phố dẫn đầu từng trụ cột năm {year} và khoảng cách của {province} tới tỉnh đó.",
             "en": "The leading province of each pillar in {year} and {province}'s gap to it."},
    "changes": {"vi": "So với năm {prev}, điểm của {province} tăng ở {up}/{total} trụ cột. Tăng nhiều nhất: **{best}** "
                      "({best_change} điểm); giảm nhiều nhất hoặc tăng ít nhất: **{worst}** ({worst_change} điểm).",
                "en": "Since {prev}, {province}'s score rose in {up} of {total} pillars. Largest rise: **{best}** "
                      "({best_change} points); largest fall or smallest rise: **{worst}** ({worst_change} points)."},
    "no_changes": {"vi": "Dữ liệu chỉ có một năm: chưa có thay đổi so với năm trước.",
                   "en": "The data hold one year only: no change since a previous year."},
    "regions": {"vi": "{province} thuộc vùng **{region}** ({n} tỉnh, thành phố) và xếp thứ **{k}/{n}** trong vùng. "
                      "Vùng có PII bình quân cao nhất: {top} ({mean} điểm). Phân vùng: {source} — {status}.",
                "en": "{province} belongs to the **{region}** region ({n} provinces) and ranks **{k} of {n}** in it. "
                      "Region with the highest mean PII: {top} ({mean}). Regions: {source} — {status}."},
    "no_regions": {"vi": "Chưa có tệp phân vùng (data/raw/province_regions.csv) cho các tỉnh, thành phố này.",
                   "en": "No region file (data/raw/province_regions.csv) covers these provinces."},
    "headline": {
        "vi": "Năm {year}, **{province}** đạt **{pii} điểm** PII, xếp **hạng {rank}/{n}** tỉnh, thành phố. "
              "Chỉ số phụ đầu vào đạt {input} điểm (hạng {input_rank}); chỉ số phụ đầu ra đạt {output} điểm "
              "(hạng {output_rank}).",
        "en": "In {year}, **{province}** scores **{pii}** on the PII and ranks **{rank} of {n}** provinces. "
              "Input sub-index: {input} (rank {input_rank}); output sub-index: {output} (rank {output_rank}).",
    },
    "change": {"vi": " So với năm {prev_year}: {change}.", "en": " Compared with {prev_year}: {change}."},
    "up": {"vi": "tăng {k} bậc", "en": "up {k} places"},
    "up1": {"vi": "tăng 1 bậc", "en": "up 1 place"},
    "down": {"vi": "giảm {k} bậc", "en": "down {k} places"},
    "down1": {"vi": "giảm 1 bậc", "en": "down 1 place"},
    "same": {"vi": "giữ nguyên thứ hạng", "en": "rank unchanged"},
    "pillars": {
        "vi": "{above}/{total} trụ cột cao hơn bình quân cả nước; {top}/{total} trụ cột đạt hoặc vượt bình quân "
              "Top 10. Trụ cột mạnh nhất: **{best}** (hạng {best_rank}); trụ cột yếu nhất: **{worst}** "
              "(hạng {worst_rank}).",
        "en": "{above} of {total} pillars are above the national average; {top} of {total} reach the Top-10 "
              "average. Strongest pillar: **{best}** (rank {best_rank}); weakest: **{worst}** (rank {worst_rank}).",
    },
    "indicators": {
        "vi": "Nhóm: hạng thuộc một phần ba đứng đầu, ở giữa hoặc cuối trong {n} tỉnh, thành phố. {rule} "
              "{province} có **{n_strong} điểm mạnh** và **{n_weak} điểm yếu**.",
        "en": "Tier: the rank falls in the top, middle or bottom third of the {n} provinces. {rule} "
              "{province} has **{n_strong} strengths** and **{n_weak} weaknesses**.",
    },
    "item_indicator": {"vi": "{name} ({code}, hạng {rank})", "en": "{name} ({code}, rank {rank})"},
    "item_peer": {"vi": "{province} (hạng {rank})", "en": "{province} (rank {rank})"},
    "named_strong": {"vi": " Điểm mạnh nổi bật: {items}.", "en": " Main strengths: {items}."},
    "named_weak": {"vi": " Điểm yếu cần ưu tiên cải thiện: {items}.", "en": " Weaknesses to address first: {items}."},
    "history": {
        "vi": "Thứ hạng PII của {province} trên bản đồ {n} tỉnh, thành phố: {ranks}. Thứ hạng các năm trước 2025 "
              "được tính lại trên 34 tỉnh, thành phố sau sáp nhập từ bộ dữ liệu đang dùng, nên khác với thứ hạng "
              "đã công bố trên 63 tỉnh, thành phố.",
        "en": "{province}'s PII rank on the map of {n} provinces: {ranks}. Ranks before 2025 are recomputed for "
              "the 34 post-merger provinces from the data in use, so they differ from the ranks published for "
              "63 provinces.",
    },
    "peers": {
        "vi": "Các địa phương có cơ cấu điểm 7 trụ cột gần nhất với {province} (khoảng cách Euclid): {peers}.",
        "en": "Provinces whose 7 pillar scores are closest to {province}'s (Euclidean distance): {peers}.",
    },
    "above": {"vi": " Ngay phía trên: {name} (hạng {rank}, hơn {gap} điểm).",
              "en": " Just above: {name} (rank {rank}, {gap} points ahead)."},
    "below": {"vi": " Ngay phía dưới: {name} (hạng {rank}, kém {gap} điểm).",
              "en": " Just below: {name} (rank {rank}, {gap} points behind)."},
    "merged": {"vi": "{province} được hình thành năm 2025 từ việc hợp nhất {olds}.",
               "en": "{province} was formed in 2025 by merging {olds}."},
    "unmerged": {"vi": "{province} giữ nguyên địa giới trong đợt sắp xếp tỉnh, thành phố năm 2025.",
                 "en": "{province} kept its boundaries in the 2025 provincial merger."},
    "old_rank_same": {"vi": " Thứ hạng PII {year} đã công bố (trên {n} tỉnh, thành phố): {ranks}.",
                      "en": " Published PII {year} rank (of {n}): {ranks}."},
    "status_published": {"vi": "đã công bố", "en": "published"},
    "status_conflicting": {"vi": "nguồn chưa thống nhất", "en": "sources conflict"},
    "old_ranks": {"vi": " Thứ hạng PII {year} đã công bố của các tỉnh cũ (trên {n} tỉnh, thành phố): {ranks}.",
                  "en": " Published PII {year} ranks of the former provinces (of {n}): {ranks}."},
    "no_old_ranks": {"vi": " Dữ liệu dự án chưa có thứ hạng đã công bố của các tỉnh cũ.",
                     "en": " The project's data holds no published ranks of the former provinces."},
    "tier_top": {"vi": "1/3 đầu", "en": "top third"},
    "tier_middle": {"vi": "1/3 giữa", "en": "middle third"},
    "tier_bottom": {"vi": "1/3 cuối", "en": "bottom third"},
    "flag_strength": {"vi": "Điểm mạnh", "en": "Strength"},
    "flag_weakness": {"vi": "Điểm yếu", "en": "Weakness"},
    "flag_": {"vi": "", "en": ""},
    # column headers of the displayed tables
    "col_code": {"vi": "Mã", "en": "Code"},
    "col_name": {"vi": "Tên", "en": "Name"},
    "col_pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "col_province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "col_score": {"vi": "Điểm", "en": "Score"},
    "col_rank": {"vi": "Hạng", "en": "Rank"},
    "col_national": {"vi": "Bình quân cả nước", "en": "National average"},
    "col_top10": {"vi": "Bình quân Top 10", "en": "Top-10 average"},
    "col_tier": {"vi": "Nhóm", "en": "Tier"},
    "col_flag": {"vi": "Đánh giá", "en": "Flag"},
    "col_distance": {"vi": "Khoảng cách", "en": "Distance"},
    "col_pii": {"vi": "Điểm PII", "en": "PII score"},
    "col_year": {"vi": "Năm", "en": "Year"},
    "col_old": {"vi": "Tỉnh cũ", "en": "Former province"},
    "col_n": {"vi": "Số tỉnh", "en": "Provinces"},
    "col_status": {"vi": "Tình trạng", "en": "Status"},
    "col_metric": {"vi": "Chỉ tiêu", "en": "Measure"},
    "col_gap": {"vi": "Chênh lệch điểm", "en": "Score gap"},
    "col_best": {"vi": "Tỉnh dẫn đầu", "en": "Leader"},
    "col_best_score": {"vi": "Điểm tỉnh dẫn đầu", "en": "Leader's score"},
    "col_gap_to_best": {"vi": "Khoảng cách tới tỉnh dẫn đầu", "en": "Gap to the leader"},
    "col_prev_score": {"vi": "Điểm năm trước", "en": "Last year's score"},
    "col_change": {"vi": "Thay đổi điểm", "en": "Score change"},
    "col_prev_rank": {"vi": "Hạng năm trước", "en": "Last year's rank"},
    "col_rank_change": {"vi": "Thay đổi hạng (+ = lên)", "en": "Rank change (+ = up)"},
    "col_region": {"vi": "Vùng", "en": "Region"},
    "col_n_provinces": {"vi": "Số tỉnh", "en": "Provinces"},
    "col_mean_pii": {"vi": "PII bình quân", "en": "Mean PII"},
    "col_best_province": {"vi": "Tỉnh dẫn đầu vùng", "en": "Leader of the region"},
    "col_best_rank": {"vi": "Hạng của tỉnh dẫn đầu", "en": "Leader's rank"},
    "col_median_rank": {"vi": "Hạng trung vị", "en": "Median rank"},
    "m_pii": {"vi": "PII", "en": "PII"},
    "m_input": {"vi": "Chỉ số phụ đầu vào", "en": "Input sub-index"},
    "m_output": {"vi": "Chỉ số phụ đầu ra", "en": "Output sub-index"},
}


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
