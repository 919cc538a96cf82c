"""Scores from one province's profile alone (the "profile" data level).

A province's min-max score on an indicator needs no other province's value: (value - national
min) / (national max - national min) x 100, reversed for lower-is-better. Nodes above aggregate
through the framework's weights. Published node scores (from the profile or the published
results) are used upward where they exist (they are more precise than scores recomputed from
raw values displayed to 2 decimals) and each computed score is compared with the published one:
the comparison allows for the rounding of the displayed values (`computed_low`..`computed_high`).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pii_analysis.data.profile import Profile
from pii_analysis.index.framework import Framework

DISPLAY_HALF_UNIT = 0.005  # raw values and published scores are displayed with 2 decimals
COLUMNS = ("code", "level", "name_vi", "name_en", "value", "national_min", "national_max", "unit",
           "computed", "computed_low", "computed_high", "published", "score", "basis", "check")


def indicator_score(value: float, lo: float, hi: float, direction: int) -> float:
    """Min-max score of one value in the national range, 0-100 (reversed when lower is better)."""
    if not (np.isfinite(value) and np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return float("nan")
    s = (value - lo) / (hi - lo) * 100.0
    return float(100.0 - s if direction < 0 else s)


def _indicator_interval(v: float, lo: float, hi: float, direction: int, e: float) -> tuple[float, float]:
    """Range of the score when value, min and max are each known to +-e (displayed rounding)."""
    if not (np.isfinite(v) and np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return float("nan"), float("nan")
    low = max(0.0, (v - lo - 2 * e) / (hi - lo) * 100.0)
    high = min(100.0, (v - lo + 2 * e) / (hi - lo) * 100.0)
    return (100.0 - high, 100.0 - low) if direction < 0 else (low, high)


def score_profile(profile: Profile, framework: Framework, published: Mapping[str, float] | None = None,
                  half_unit: float = DISPLAY_HALF_UNIT) -> pd.DataFrame:
    """One row per framework node: computed, published and used score, and the check between them.

    `published`: node code -> published score from outside the profile (e.g. PII, IN, OUT and
    pillar scores from the published results); the profile's own node rows count as published.
    """
    nodes = framework.nodes
    rows = profile.rows
    pub: dict[str, float] = {str(k): float(v) for k, v in (published or {}).items() if pd.notna(v)}
    for code, r in rows.iterrows():
        if r["level"] != "indicator" and pd.notna(r["value"]):
            pub[str(code)] = float(r["value"])
    direction = dict(zip(framework.indicators, framework.direction))
    out: dict[str, dict] = {}
    for code in framework.indicators:
        r = rows.loc[code] if code in rows.index else None
        v, lo, hi = ((float(r["value"]), float(r["national_min"]), float(r["national_max"])) if r is not None
                     else (np.nan, np.nan, np.nan))
        s = indicator_score(v, lo, hi, direction[code])
        low, high = _indicator_interval(v, lo, hi, direction[code], half_unit)
        out[code] = {"value": v, "national_min": lo, "national_max": hi, "computed": s, "computed_low": low,
                     "computed_high": high, "unit": r["unit"] if r is not None else ""}
    for code in framework.aggregates:
        kids = framework.children[code]
        for k in kids:  # a child is final (published score or computed) before its parent aggregates it
            _finish(out[k], pub.get(k), half_unit)
        w = nodes.loc[kids, "weight"].astype(float).to_numpy()
        w = w / w.sum()
        used = np.array([out[k]["score"] for k in kids], dtype=float)
        lows = np.array([out[k]["score_low"] for k in kids], dtype=float)
        highs = np.array([out[k]["score_high"] for k in kids], dtype=float)
        complete = bool(np.isfinite(used).all())
        out[code] = {"computed": float(w @ used) if complete else np.nan,
                     "computed_low": float(w @ lows) if complete else np.nan,
                     "computed_high": float(w @ highs) if complete else np.nan}
    _finish(out[framework.root], pub.get(framework.root), half_unit)
    for code in framework.indicators:  # a value without its national range cannot be scored
        if np.isfinite(out[code]["value"]) and not np.isfinite(out[code]["computed"]):
            out[code]["basis"] = "value without national min/max"
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = "code"
    table = table.reindex(nodes.index)
    table["level"] = nodes["level"]
    table["name_vi"] = nodes.get("name_vi", pd.Series("", index=nodes.index))
    table["name_en"] = nodes.get("name_en", pd.Series("", index=nodes.index))
    return table.reset_index()[[c for c in COLUMNS if c in table.reset_index().columns]]


def _finish(row: dict, published: float | None, half_unit: float) -> None:
    """Set the score used upward, its basis and the check of computed against published."""
    if "score" in row:
        return
    computed = row["computed"]
    row["published"] = published if published is not None else np.nan
    if published is not None:
        row["score"], row["basis"] = published, "published"
        row["score_low"], row["score_high"] = published - half_unit, published + half_unit
        if np.isfinite(computed):
            inside = row["computed_low"] - half_unit <= published <= row["computed_high"] + half_unit
            row["check"] = "matches" if inside else f"differs by {computed - published:+.2f}"
        else:
            row["check"] = ""
    else:
        row["score"], row["basis"] = computed, "computed" if np.isfinite(computed) else "not available"
        row["score_low"], row["score_high"] = row["computed_low"], row["computed_high"]
        row["check"] = ""
