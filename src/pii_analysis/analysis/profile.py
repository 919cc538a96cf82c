"""A province's PII profile: headline, pillars, indicators, rank history, peers, merger note.

Pure functions on a loaded `Context`, so the profile notebook only displays what these
return and tests check the same numbers the report shows. Every table comes from the
scored panel (`ctx.scores`); nothing here re-scores. The page text is in
`pii_analysis.report.profile_text`.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from pii_analysis.analysis.strengths import StrengthRule, flag_indicators, tiers
from pii_analysis.analysis.national import published_results
from pii_analysis.data import paths
from pii_analysis.data.loading import load_crosswalk
from pii_analysis.index.context import Context

TOP_N = 10          # the "Top-10 average" compares with the ten best provinces of the year
N_PEERS = 3         # nearest-profile peers shown
N_NEIGHBOURS = 2    # provinces shown just above and just below


# --- tables ---------------------------------------------------------------------------------
def headline(ctx: Context, province: str, year: int) -> dict:
    """Score and rank of the PII and of the input/output sub-indices, and the change since last year."""
    ranking = ctx.scores.ranking(year).set_index("province")
    ranks = ctx.scores.node_ranks(year)
    inp, out = ctx.method.input_node, ctx.method.output_node
    row = ranking.loc[province]
    from pii_analysis.analysis.history import previous_observed
    from pii_analysis.analysis.national import change_known

    prev_year = previous_observed(ctx, year)     # never a generated year
    years = [prev_year] if prev_year is not None else []
    prev_rank = None
    if years:
        prev = ctx.scores.ranking(years[-1]).set_index("province")
        prev_rank = int(prev.at[province, "rank"]) if province in prev.index else None
    return {"province": province, "year": int(year), "n": int(len(ranking)), "rank": int(row["rank"]),
            "pii": float(row["pii"]), "input": float(row["input"]), "input_rank": int(ranks.at[province, inp]),
            "output": float(row["output"]), "output_rank": int(ranks.at[province, out]),
            "prev_year": years[-1] if years else None, "prev_rank": prev_rank,
            "change": change_known(ctx, year)}


def node_comparison(ctx: Context, province: str, year: int, level: str = "pillar", lang: str = "vi") -> pd.DataFrame:
    """The province's score and rank at each node of `level` against the national and Top-10 averages.

    Columns: code, name, score, rank, national_avg, top10_avg, gap_national, gap_top10.
    """
    scores = ctx.scores.node_scores(year, level)
    ranks = ctx.scores.node_ranks(year, level)
    top = ctx.scores.ranking(year).nsmallest(TOP_N, "rank")["province"]
    codes = list(scores.columns)
    frame = pd.DataFrame({
        "code": codes,
        "name": [ctx.framework.name(c, lang) for c in codes],
        "score": scores.loc[province].to_numpy(dtype=float),
        "rank": ranks.loc[province].to_numpy(dtype=int),
        "national_avg": scores.mean().to_numpy(dtype=float),
        "top10_avg": scores.loc[top].mean().to_numpy(dtype=float),
    })
    frame["gap_national"] = frame["score"] - frame["national_avg"]
    frame["gap_top10"] = frame["score"] - frame["top10_avg"]
    return frame


def indicator_table(ctx: Context, province: str, year: int, lang: str = "vi",
                    rule: StrengthRule | None = None) -> pd.DataFrame:
    """The 52 indicators: code, pillar, name, score, rank, tier (third of the provinces) and
    strength/weakness flag by the shared `strengths.StrengthRule` (default: the 5 best and 5
    worst ranks, as in the official provincial profiles)."""
    fw = ctx.framework
    scores = ctx.scores.node_scores(year, "indicator")
    ranks = ctx.scores.node_ranks(year, "indicator")
    n = len(scores)
    pii_rank = headline(ctx, province, year)["rank"]
    codes = list(scores.columns)
    rank = ranks.loc[province].astype(int)
    flags = flag_indicators(rank, fw.effective_weights(), n, pii_rank, rule)
    return pd.DataFrame({
        "code": codes,
        "pillar": [fw.ancestors(c)[1] for c in codes],
        "name": [fw.name(c, lang) for c in codes],
        "score": scores.loc[province].to_numpy(dtype=float),
        "rank": rank.to_numpy(),
        "tier": tiers(rank, n),
        "flag": flags.reindex(codes).to_numpy(),
    })


def rank_history(ctx: Context) -> pd.DataFrame:
    """PII rank and score of every province in every observed year of the panel (year, province, rank, pii): the
    latest year alone when the earlier ones are generated (`history.history_years`), so no generated rank is
    shown as history."""
    from pii_analysis.analysis.history import history_years

    parts = [ctx.scores.ranking(y)[["province", "rank", "pii"]].assign(year=y) for y in history_years(ctx)]
    return pd.concat(parts, ignore_index=True)[["year", "province", "rank", "pii"]]


def peers(ctx: Context, province: str, year: int, k: int = N_PEERS) -> pd.DataFrame:
    """The k provinces whose 7 pillar scores are nearest (Euclidean) to the province's."""
    pillars = ctx.scores.node_scores(year, "pillar")
    dist = np.sqrt(((pillars - pillars.loc[province]) ** 2).sum(axis=1))
    ranking = ctx.scores.ranking(year).set_index("province")
    frame = pd.DataFrame({"province": dist.index, "distance": dist.to_numpy()})
    frame = frame[frame["province"] != province].sort_values(["distance", "province"]).head(k)
    frame["rank"] = frame["province"].map(ranking["rank"]).astype(int)
    frame["pii"] = frame["province"].map(ranking["pii"])
    return frame.reset_index(drop=True)


def neighbours(ctx: Context, province: str, year: int, n: int = N_NEIGHBOURS) -> pd.DataFrame:
    """The ranking rows from n places above to n places below the province, with the score gap."""
    ranking = ctx.scores.ranking(year)
    pos = int(np.flatnonzero(ranking["province"].to_numpy() == province)[0])
    rows = ranking.iloc[max(0, pos - n): pos + n + 1][["province", "rank", "pii"]].copy()
    rows["gap"] = rows["pii"] - ranking.at[pos, "pii"]
    return rows.reset_index(drop=True)


def merger_history(ctx: Context, province: str) -> pd.DataFrame:
    """The pre-merger provinces that formed `province`, with their published PII ranks (if any).

    Columns: old_province, year, rank, n_provinces, pii_score, status; one row per old province
    without a published rank (year NaN), else one row per published year.
    """
    cw = _crosswalk(str(paths.raw_file(paths.CROSSWALK)))
    olds = cw.loc[cw["new_province"] == province, "old_province"].tolist()
    pub = published_results(ctx)
    pub = pub[pub["province"].isin(olds) & (pub["n_provinces"] > len(ctx.panel.provinces()))
              & pub["rank"].notna()]
    rows = pub[["province", "year", "rank", "n_provinces", "pii_score", "status"]].rename(
        columns={"province": "old_province"})
    missing = pd.DataFrame({"old_province": [o for o in olds if o not in set(rows["old_province"])]})
    out = pd.concat([rows, missing], ignore_index=True) if not missing.empty else rows
    order = {o: i for i, o in enumerate(olds)}
    out = out.assign(_o=out["old_province"].map(order)).sort_values(["year", "_o"], na_position="last")
    for col in ("year", "rank", "n_provinces"):
        out[col] = out[col].astype("Int64")
    return out.drop(columns="_o").reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def _crosswalk(path: str) -> pd.DataFrame:
    """The shipped merger table, read once per process (every profile page asks)."""
    return load_crosswalk(path)


def results(ctx: Context, province: str, year: int) -> dict[str, pd.DataFrame]:
    """Machine-readable profile tables (English codes, full precision) for the run's CSV output."""
    h = headline(ctx, province, year)
    nodes = pd.concat([node_comparison(ctx, province, year, lv, "en").assign(level=lv)
                       for lv in ("pillar", "subpillar")], ignore_index=True)
    return {
        "headline": pd.DataFrame([h]),
        "nodes": nodes.assign(province=province, year=year),
        "indicators": indicator_table(ctx, province, year, "en").assign(province=province, year=year),
        "peers": peers(ctx, province, year).rename(columns={"province": "peer"}).assign(province=province,
                                                                                        year=year),
    }
