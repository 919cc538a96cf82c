"""The national picture around one province: the ranking with the change since the previous year, the
best performer of each pillar, a province's year-on-year pillar changes and the comparison of the
socio-economic regions. Pure functions of the scored panel (`ctx.scores`); the words are in
`pii_analysis.report`."""
from __future__ import annotations

import functools

import pandas as pd

from pii_analysis.index.context import Context


def previous_year(ctx: Context, year: int) -> int | None:
    """The last observed year of the panel before `year` whose change to `year` may be shown (None for the first
    year, and when the earlier years or `year` are generated: `history.previous_observed`)."""
    from pii_analysis.analysis.history import previous_observed

    return previous_observed(ctx, year)


def change_known(ctx: Context, year: int) -> str:
    """Whether a change since the previous year can be shown: 'known', 'first_year' (no earlier year) or
    'generated' (the earlier years, or this one, are generated: the change is not known)."""
    if previous_year(ctx, year) is not None:
        return "known"
    return "generated" if any(y < year for y in ctx.scores.years) else "first_year"


def ranking_with_change(ctx: Context, year: int) -> pd.DataFrame:
    """Every province of `year` in rank order: province, rank, pii, prev_year, prev_rank, prev_pii,
    rank_change (places gained since the previous year: positive = up) and pii_change; blank where the change
    is not known (generated years: `change_known`, in `attrs['change']`)."""
    now = ctx.scores.ranking(year)[["province", "rank", "pii"]].copy()
    prev = previous_year(ctx, year)
    now["prev_year"] = prev
    if prev is None:
        now["prev_rank"] = pd.NA
        now["prev_pii"] = float("nan")
    else:
        before = ctx.scores.ranking(prev).set_index("province")
        now["prev_rank"] = now["province"].map(before["rank"]).astype("Int64")
        now["prev_pii"] = now["province"].map(before["pii"])
    now["rank_change"] = (now["prev_rank"] - now["rank"]).astype("Int64")
    now["pii_change"] = now["pii"] - now["prev_pii"]
    out = now.sort_values(["rank", "province"]).reset_index(drop=True)
    out.attrs["change"] = change_known(ctx, year)
    return out


def best_per_pillar(ctx: Context, year: int, province: str | None = None, lang: str = "en") -> pd.DataFrame:
    """For each pillar: the best province (ties: every tied province, joined), its score, and, with
    `province`, that province's score, rank and gap to the best. Columns: code, name, best, best_score
    (+ score, rank, gap_to_best)."""
    scores = ctx.scores.node_scores(year, "pillar")
    ranks = ctx.scores.node_ranks(year, "pillar")
    rows = []
    for code in scores.columns:
        top = scores[code].max()
        leaders = sorted(scores.index[scores[code] == top])
        row = {"code": code, "name": ctx.framework.name(code, lang), "best": ", ".join(leaders),
               "best_score": float(top)}
        if province is not None:
            row.update(score=float(scores.at[province, code]), rank=int(ranks.at[province, code]),
                       gap_to_best=float(scores.at[province, code] - top))
        rows.append(row)
    return pd.DataFrame(rows)


def pillar_changes(ctx: Context, province: str, year: int, lang: str = "en") -> pd.DataFrame:
    """The province's pillar scores and ranks in `year` and the previous year, with the changes
    (rank_change positive = up). Empty when `year` is the first year of the panel."""
    prev = previous_year(ctx, year)
    cols = ["code", "name", "score", "prev_score", "change", "rank", "prev_rank", "rank_change"]
    if prev is None:
        empty = pd.DataFrame(columns=cols)
        empty.attrs.update(change=change_known(ctx, year), year=year)
        return empty
    now, before = ctx.scores.node_scores(year, "pillar"), ctx.scores.node_scores(prev, "pillar")
    rank_now, rank_before = ctx.scores.node_ranks(year, "pillar"), ctx.scores.node_ranks(prev, "pillar")
    codes = list(now.columns)
    frame = pd.DataFrame({
        "code": codes, "name": [ctx.framework.name(c, lang) for c in codes],
        "score": now.loc[province, codes].to_numpy(float), "prev_score": before.loc[province, codes].to_numpy(float),
        "rank": rank_now.loc[province, codes].to_numpy(int), "prev_rank": rank_before.loc[province, codes].to_numpy(int),
    })
    frame["change"] = frame["score"] - frame["prev_score"]
    frame["rank_change"] = frame["prev_rank"] - frame["rank"]
    frame.attrs["prev_year"] = prev
    return frame[cols]


def regional_comparison(ctx: Context, year: int, regions: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """One row per socio-economic region: provinces, mean and best PII, the best province and its rank,
    the median rank. `regions` is `data.regions.load_regions()`."""
    ranking = ctx.scores.ranking(year)[["province", "rank", "pii"]]
    name = "region_vi" if lang == "vi" else "region_en"
    joined = ranking.merge(regions[["province", name]].rename(columns={name: "region"}), on="province", how="left")
    rows = []
    for region, g in joined.groupby("region", sort=False):
        best = g.sort_values("rank").iloc[0]
        rows.append({"region": region, "n_provinces": len(g), "mean_pii": float(g["pii"].mean()),
                     "best_province": best["province"], "best_rank": int(best["rank"]),
                     "median_rank": float(g["rank"].median())})
    return pd.DataFrame(rows).sort_values("mean_pii", ascending=False).reset_index(drop=True)


def region_of(regions: pd.DataFrame, province: str, lang: str = "en") -> str | None:
    row = regions[regions["province"] == province]
    return None if row.empty else str(row.iloc[0]["region_vi" if lang == "vi" else "region_en"])


def region_members(ctx: Context, year: int, regions: pd.DataFrame, province: str) -> pd.DataFrame:
    """The provinces of `province`'s region in rank order: province, rank, pii, rank_in_region."""
    region = region_of(regions, province)
    members = set(regions.loc[regions["region_en"] == region, "province"])
    ranking = ctx.scores.ranking(year)[["province", "rank", "pii"]]
    out = ranking[ranking["province"].isin(members)].sort_values("rank").reset_index(drop=True)
    out["rank_in_region"] = range(1, len(out) + 1)
    return out


def position_basis(ctx: Context, province: str, year: int) -> dict:
    """Where the province's rank of `year` comes from: 'published' (in the published results for this
    map of provinces), 'inferred' (data/raw/pii_inferred_positions.csv, with its source) or 'placed'
    (neither: the demonstration panel's placement). Keys: kind, rank, source."""
    from pii_analysis.data import paths

    rank = int(ctx.scores.ranking(year).set_index("province").at[province, "rank"])
    n = len(ctx.scores.ranking(year))
    pub = published_results(ctx)
    pub = pub[(pub["year"] == year) & (pub["province"] == province) & (pub["n_provinces"] == n)
              & pub["rank"].notna() & (pub["status"] == "published")]
    if len(pub):
        return {"kind": "published", "rank": rank, "source": ""}
    inferred = _inferred(str(paths.raw_file(paths.INFERRED)))
    rows = inferred[(inferred["year"] == year) & (inferred["province"] == province) & (inferred["measure"] == "rank")]
    if len(rows):
        return {"kind": "inferred", "rank": rank, "source": str(rows.iloc[0]["source"])}
    return {"kind": "placed", "rank": rank, "source": ""}


_PUBLISHED: dict[int, pd.DataFrame] = {}


def published_results(ctx: Context) -> pd.DataFrame:
    """The published results (data.loading.load_published), read once per context (every page of a
    province asks). Callers do not modify it."""
    from pii_analysis.data.loading import load_published
    key = id(ctx.resolver)
    if key not in _PUBLISHED:
        _PUBLISHED[key] = load_published(resolver=ctx.resolver)
    return _PUBLISHED[key]


@functools.lru_cache(maxsize=4)
def _inferred(path: str) -> pd.DataFrame:
    return pd.read_csv(path)
