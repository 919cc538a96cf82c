"""Backtest on the published record only (analysis.published_backtest): case counts are the published
one-year changes, coverage recomputed by hand for one case."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from pii_analysis.analysis.published_backtest import published_backtest
from pii_analysis.data.record import published_changes


def test_cases_are_the_published_changes_and_coverage_is_exact():
    changes = published_changes()
    t = published_backtest(changes).set_index(["quantity", "model"])
    n_rank = int(changes["d_rank_share"].notna().sum())     # 2023->2024, same map, both ranks published
    n_pii = int(changes["d_score"].notna().sum())           # both totals published (2024->2025: unchanged borders)
    assert (n_rank, n_pii) == (15, 6)
    assert t.at[("rank", "random walk"), "cases"] == 15 and t.at[("pii", "random walk"), "cases"] == 6
    assert t.at[("pii", "common shift"), "cases"] == 5      # Hà Nội 2024->2025 is alone in its year pair
    # by hand: the rank random walk at 90%, leave-one-province-out
    x = changes.dropna(subset=["d_rank_share"]).reset_index(drop=True)
    z = NormalDist().inv_cdf(0.95)
    hits = [abs(x.at[i, "d_rank_share"]) <= z * np.std(x.drop(index=i)["d_rank_share"]
                                                        - x.drop(index=i)["d_rank_share"].mean(), ddof=1) + 1e-12
            for i in range(len(x))]
    assert t.at[("rank", "random walk"), "cover90"] == np.mean(hits)
    for q in ("rank", "pii"):
        row = t.loc[(q, "random walk")]
        assert row["cover50"] <= row["cover80"] <= row["cover90"]
