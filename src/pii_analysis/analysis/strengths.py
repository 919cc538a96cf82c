"""Strengths and weaknesses of a province among its indicators: one rule for every report.

The official provincial PII profiles name the indicators a province ranks best and
worst on; that is the default ('count': the 5 best and 5 worst ranks, ties broken by
weight in the index). 'threshold' flags fixed rank bands; 'relative' (GII economy
profiles) compares each indicator's rank with the province's own PII rank.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError

RULES = ("count", "threshold", "relative")


@dataclass(frozen=True)
class StrengthRule:
    """Which indicators count as strengths and weaknesses (see the module docstring)."""

    rule: str = "count"
    n: int = 5
    strong_rank: int = 10
    weak_rank: int = 25

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise PiiInputError(f"rule must be one of {', '.join(RULES)}, got {self.rule!r}", column="rule")
        if not isinstance(self.n, int) or self.n < 1:
            raise PiiInputError(f"n must be a whole number >= 1, got {self.n!r}", column="n")


def tiers(ranks: pd.Series | np.ndarray, n_provinces: int) -> np.ndarray:
    """'top' / 'middle' / 'bottom' third of n provinces."""
    r = np.asarray(ranks, dtype=float)
    return np.where(r <= n_provinces / 3, "top", np.where(r > 2 * n_provinces / 3, "bottom", "middle"))


def relative_margin(n_provinces: int) -> int:
    """Places an indicator must beat (or trail) the PII rank by, under the 'relative' rule."""
    return max(1, round(n_provinces / 6))


def flag_indicators(ranks: pd.Series, weights: pd.Series, n_provinces: int, pii_rank: int,
                    rule: StrengthRule | None = None) -> pd.Series:
    """'strength', 'weakness' or '' per indicator (index of `ranks`), by `rule`."""
    rule = rule or StrengthRule()
    r = ranks.astype(float)
    flags = pd.Series("", index=ranks.index, dtype=object)
    if rule.rule == "count":
        w = weights.reindex(ranks.index).astype(float)
        order = pd.DataFrame({"rank": r, "weight": -w}).dropna(subset=["rank"])
        best = order.sort_values(["rank", "weight"], kind="stable").index[: rule.n]
        worst = order.assign(rank=-order["rank"]).sort_values(["rank", "weight"], kind="stable").index[: rule.n]
        flags[worst] = "weakness"
        flags[best] = "strength"
        return flags
    if rule.rule == "threshold":
        strong, weak = r <= rule.strong_rank, r >= rule.weak_rank
    else:
        margin, tier = relative_margin(n_provinces), tiers(r, n_provinces)
        strong = (r <= 3) | ((r <= pii_rank - margin) & (tier != "bottom"))
        weak = ((r > n_provinces - 3) | ((r >= pii_rank + margin) & (tier != "top"))) & ~strong
    flags[weak.to_numpy()] = "weakness"
    flags[strong.to_numpy()] = "strength"
    return flags
