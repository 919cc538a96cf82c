"""One-year changes in the published PII record, and their spread.

Read by the projection's calibration (analysis) and by the demonstration-panel generator (index), so both
size year-to-year movement on the same published figures, measured the same way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.data.loading import default_resolver, load_published


def unchanged_provinces(resolver=None) -> set[str]:
    """Current provinces whose borders did not change in 2025 (one old province, the same name)."""
    resolver = resolver or default_resolver()
    counts: dict[str, int] = {}
    for new in resolver.old_to_new.values():
        counts[new] = counts.get(new, 0) + 1
    return {p for p in resolver.current if counts.get(p, 1) == 1 and resolver.old_to_new.get(p, p) == p}


def published_changes(path=None, resolver=None) -> pd.DataFrame:
    """One-year changes in the published record: from_year, to_year, province, n_provinces, d_score,
    d_rank_share (rank change / number of provinces; NaN across maps). Only `published` rows; 2024 -> 2025
    only for provinces whose borders did not change."""
    pub = load_published(path, resolver)
    pub = pub[pub["status"].astype(str).str.strip().str.lower() == "published"]
    unchanged = unchanged_provinces(resolver)
    rows = []
    for year in sorted(pub["year"].unique()):
        a = pub[pub["year"] == year].set_index("province")
        b = pub[pub["year"] == year + 1].set_index("province")
        same_map = bool(len(a) and len(b)) and a["n_provinces"].iloc[0] == b["n_provinces"].iloc[0]
        for prov in a.index.intersection(b.index):
            if not same_map and prov not in unchanged:
                continue   # borders changed between the two maps: not the same province
            d_score = b.at[prov, "pii_score"] - a.at[prov, "pii_score"]
            d_rank = (b.at[prov, "rank"] / b.at[prov, "n_provinces"] - a.at[prov, "rank"] / a.at[prov, "n_provinces"]
                      if same_map else np.nan)
            rows.append({"from_year": int(year), "to_year": int(year + 1), "province": prov,
                         "n_provinces": int(b.at[prov, "n_provinces"]), "d_score": float(d_score),
                         "d_rank_share": float(d_rank)})
    return pd.DataFrame(rows, columns=["from_year", "to_year", "province", "n_provinces", "d_score", "d_rank_share"])


def within_year(changes: pd.DataFrame, column: str = "d_score") -> pd.Series:
    """The changes with each year pair's common (mean) change removed: what moves provinces apart.
    A year pair with a single change says nothing about the spread and gives no value."""
    x = changes.dropna(subset=[column])
    groups = x.groupby("from_year")[column]
    kept = groups.transform("size") > 1
    return (x[column] - groups.transform("mean"))[kept]


def pooled_spread(changes: pd.DataFrame, column: str = "d_score") -> tuple[float, int]:
    """Spread of one-year changes across provinces: the standard deviation pooled over year pairs (each
    pair's common change removed, n - 1 degrees of freedom per pair), and its degrees of freedom."""
    x = changes.dropna(subset=[column])
    ss, df = 0.0, 0
    for _, g in x.groupby("from_year")[column]:
        if len(g) > 1:
            ss += float(((g - g.mean()) ** 2).sum())
            df += len(g) - 1
    return (float(np.sqrt(ss / df)) if df else float("nan")), df
