"""Backtest on the PUBLISHED record only (no generated year): leave-one-province-out. For each published
one-year change (rank on the same map; PII total, 2024->2025 only for provinces unchanged by the merger),
each model is calibrated on the other provinces' published changes and its 50/80/90% interval for the
held-out province's next-year value is checked. The spread of changes is measured with each year pair's
common change removed (the 2024->2025 re-basing is a shift of every total, not a province's move)."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

LEVELS = (0.5, 0.8, 0.9)
# model: how it centres the next year's value (the spread is always the others' within-year spread)
MODELS = {"random walk": "today's value",
          "common shift": "today's value + the year pair's mean change of the other provinces"}


def _cases(changes: pd.DataFrame, column: str) -> pd.DataFrame:
    return changes.dropna(subset=[column]).reset_index(drop=True)


def _within_sd(x: pd.DataFrame, column: str) -> float:
    ss, df = 0.0, 0
    for _, g in x.groupby("from_year")[column]:
        if len(g) > 1:
            ss += float(((g - g.mean()) ** 2).sum())
            df += len(g) - 1
    return float(np.sqrt(ss / df)) if df else float("nan")


def published_backtest(changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (quantity, model): the cases (held-out published changes with a calibration from the
    others) and the share whose published next-year value falls inside the 50/80/90% interval."""
    from pii_analysis.data.record import published_changes

    changes = published_changes() if changes is None else changes
    rows = []
    for quantity, column in (("rank", "d_rank_share"), ("pii", "d_score")):
        cases = _cases(changes, column)
        for model in MODELS:
            hits = {lv: [] for lv in LEVELS}
            for i, case in cases.iterrows():
                rest = cases.drop(index=i)
                sd = _within_sd(rest, column)
                same = rest[rest["from_year"] == case["from_year"]][column]
                if not np.isfinite(sd) or sd <= 0 or (model == "common shift" and same.empty):
                    continue
                centre = float(same.mean()) if model == "common shift" else 0.0
                for lv in LEVELS:
                    half = NormalDist().inv_cdf(0.5 + lv / 2) * sd
                    hits[lv].append(abs(float(case[column]) - centre) <= half + 1e-12)
            n = len(hits[LEVELS[0]])
            rows.append({"quantity": quantity, "model": model, "cases": n,
                         **{f"cover{int(lv * 100)}": (float(np.mean(hits[lv])) if n else np.nan) for lv in LEVELS}})
    return pd.DataFrame(rows)
