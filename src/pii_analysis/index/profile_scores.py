"""Scores from one province's profile alone (the "profile" data level).

A province's min-max score on an indicator needs no other province's value: (value - national
min) / (national max - national min) x 100, reversed for lower-is-better. Nodes above aggregate
through the framework's weights. Published node scores (from the profile or the published
results) are used upward where they exist (they are more precise than scores recomputed from
raw values displayed to 2 decimals) and each computed score is compared with the published one:
the comparison allows for the rounding of the displayed values (`computed_low`..`computed_high`).

A score the user typed on a pillar, sub-pillar, sub-index or PII row of the profile that contradicts the
score computed from its own indicators (or the published score of that node) beyond that rounding is an
error naming the file, the row and both values; with `accept_typed=True` it is used, and its check says
"differs by" (the page and the output show it as a warning). An indicator whose national min equals its
max (every province alike) carries no weight: as in the GII's COINr (n_minmax gives NaN for a zero range,
the weighted mean a_amean drops NaN and rescales the other weights), the other children share its weight.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pii_analysis.data.errors import PiiInputError
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
                  half_unit: float = DISPLAY_HALF_UNIT, *, accept_typed: bool = False) -> pd.DataFrame:
    """One row per framework node: computed, published and used score, and the check between them.

    `published`: node code -> published score from outside the profile (e.g. PII, IN, OUT and
    pillar scores from the published results); the profile's own node rows count as published, unless
    one contradicts its computed or published score beyond rounding: then PiiInputError (file, row, both
    values), or with `accept_typed` the typed score is used and its check says so.
    """
    nodes = framework.nodes
    rows = profile.rows
    outside: dict[str, float] = {str(k): float(v) for k, v in (published or {}).items() if pd.notna(v)}
    pub = dict(outside)
    typed: dict[str, int] = {}   # node typed in the profile -> its spreadsheet row
    for code, r in rows.iterrows():
        if r["level"] != "indicator" and pd.notna(r["value"]):
            v = float(r["value"])
            line = int(r["row"]) if "row" in r and pd.notna(r["row"]) else None
            known = outside.get(str(code))
            if known is not None and abs(v - known) > 2 * half_unit + 1e-9 and not accept_typed:
                raise _contradiction(profile, str(code), line, v, known, "its published score")
            pub[str(code)] = v
            typed[str(code)] = line
    direction = dict(zip(framework.indicators, framework.direction))
    out: dict[str, dict] = {}
    for code in framework.indicators:
        r = rows.loc[code] if code in rows.index else None
        v, lo, hi = ((float(r["value"]), float(r["national_min"]), float(r["national_max"])) if r is not None
                     else (np.nan, np.nan, np.nan))
        s = indicator_score(v, lo, hi, direction[code])
        low, high = _indicator_interval(v, lo, hi, direction[code], half_unit)
        out[code] = {"value": v, "national_min": lo, "national_max": hi, "computed": s, "computed_low": low,
                     "computed_high": high, "unit": r["unit"] if r is not None else "",
                     "constant": bool(np.isfinite(v) and np.isfinite(lo) and lo == hi)}
    for code in framework.aggregates:
        kids = framework.children[code]
        for k in kids:  # a child is final (published score or computed) before its parent aggregates it
            _finish(out[k], pub.get(k), half_unit)
            if k in typed and out[k]["check"].startswith("differs") and not accept_typed:
                raise _contradiction(profile, k, typed[k], pub[k], out[k]["computed"],
                                     "the score computed from its own indicators")
        counted = [k for k in kids if not out[k].get("constant")]   # a constant child carries no weight
        w = nodes.loc[counted, "weight"].astype(float).to_numpy()
        w = w / w.sum() if len(counted) else w
        used = np.array([out[k]["score"] for k in counted], dtype=float)
        lows = np.array([out[k]["score_low"] for k in counted], dtype=float)
        highs = np.array([out[k]["score_high"] for k in counted], dtype=float)
        complete = bool(len(counted) and np.isfinite(used).all())
        out[code] = {"computed": float(w @ used) if complete else np.nan,
                     "computed_low": float(w @ lows) if complete else np.nan,
                     "computed_high": float(w @ highs) if complete else np.nan,
                     "constant": not counted and code not in pub}
    root = framework.root
    _finish(out[root], pub.get(root), half_unit)
    if root in typed and out[root]["check"].startswith("differs") and not accept_typed:
        raise _contradiction(profile, root, typed[root], pub[root], out[root]["computed"],
                             "the score computed from its own indicators")
    for code in framework.indicators:  # a value without its national range cannot be scored
        if out[code].get("constant"):
            out[code]["basis"] = "same value in every province (no weight)"
        elif np.isfinite(out[code]["value"]) and not np.isfinite(out[code]["computed"]):
            out[code]["basis"] = "value without national min/max"
    for code in typed:   # accepted: a typed score against the published one, said in its check
        known = outside.get(code)
        if known is not None and abs(pub[code] - known) > 2 * half_unit + 1e-9 and not out[code].get("check"):
            out[code]["check"] = f"differs from the published {known:.2f} by {pub[code] - known:+.2f}"
    for row in out.values():
        row.pop("constant", None)
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = "code"
    table = table.reindex(nodes.index)
    table["level"] = nodes["level"]
    table["name_vi"] = nodes.get("name_vi", pd.Series("", index=nodes.index))
    table["name_en"] = nodes.get("name_en", pd.Series("", index=nodes.index))
    return table.reset_index()[[c for c in COLUMNS if c in table.reset_index().columns]]


def _contradiction(profile: Profile, code: str, line: int | None, typed: float, other: float,
                   what: str) -> PiiInputError:
    return PiiInputError(
        f"the score typed for node {code} ({typed:.2f}) contradicts {what} ({other:.2f}) beyond the rounding "
        "of the displayed values: correct or clear the typed score (a blank node row is computed from its "
        "indicators), or accept it knowingly (--accept-typed-scores; accept_typed_scores=True), which marks "
        "every page and output with a warning", file=profile.source, row=line, column="value")


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
