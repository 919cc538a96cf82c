"""The scoring engine: raw indicator values -> node scores and ranks, GII-style.

Every step works on arrays shaped (..., provinces, indicators): the leading axes are a
batch (years of a panel, or thousands of perturbed panels in a Monte Carlo run), so
one vectorised call scores them all. `score_panel` wraps this for a tidy panel.
Steps, each an option of `Method`: denomination -> outlier treatment ->
normalisation -> missing values -> weighted aggregation at every node -> ranks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from .errors import PiiInputError
from .framework import Framework
from .method import Method

TREAT_NONE, TREAT_LOG = 0, -1  # positive codes = number of winsorised points


# --- statistics ------------------------------------------------------------------
def sample_skew_kurt(x: np.ndarray, axis: int = -2) -> tuple[np.ndarray, np.ndarray]:
    """Bias-adjusted skewness and excess kurtosis along `axis`, ignoring NaN.

    Same formulas as Excel's SKEW and KURT, which the GII and COINr use.
    """
    n = np.sum(~np.isnan(x), axis=axis)
    mean = np.nanmean(x, axis=axis, keepdims=True)
    d = x - mean
    m2 = np.nanmean(d**2, axis=axis)
    m3 = np.nanmean(d**3, axis=axis)
    m4 = np.nanmean(d**4, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3.0
        skew = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        kurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    flat = m2 <= 0
    skew = np.where(flat | (n < 3), 0.0, skew)
    kurt = np.where(flat | (n < 4), 0.0, kurt)
    return skew, kurt


# --- steps ---------------------------------------------------------------------
def denominate(values: np.ndarray, denominators: np.ndarray | None, scale: np.ndarray,
               needs_denominator: np.ndarray) -> np.ndarray:
    """Divide numerators by their denominator (population, enterprises, GRDP) x scale.

    `denominators` is aligned with `values`; columns not needing one are left as they are.
    """
    if denominators is None or not needs_denominator.any():
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = values / denominators * scale
    return np.where(needs_denominator, scaled, values)


def treat_outliers(x: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """GII outlier rule per indicator column (axis -2 = provinces).

    If |skewness| > threshold and kurtosis > threshold: winsorise (the current extreme
    values on the skewed side take the next value) up to `max_winsorised` points,
    re-checking after each; if still failing, log-transform the original column
    (COINr log_CT: log(x - min + 0.01 (max - min)), mirrored for negative skew).
    Returns (treated values, treatment code, skew, kurtosis before treatment).
    """
    skew, kurt = sample_skew_kurt(x)
    code = np.zeros(skew.shape, dtype=int)
    if method.outliers == "none":
        return x, code, skew, kurt

    def failing(s: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (np.abs(s) > method.skew_threshold) & (k > method.kurtosis_threshold)

    fail = failing(skew, kurt)
    if not fail.any():
        return x, code, skew, kurt
    current = x.copy()
    cur_skew, cur_kurt = skew, kurt
    still = fail.copy()
    for step in range(1, method.max_winsorised + 1):
        pos = (still & (cur_skew > 0))[..., None, :]
        neg = (still & (cur_skew < 0))[..., None, :]
        hi = np.nanmax(current, axis=-2, keepdims=True)
        lo = np.nanmin(current, axis=-2, keepdims=True)
        next_hi = np.nanmax(np.where(current < hi, current, -np.inf), axis=-2, keepdims=True)
        next_lo = np.nanmin(np.where(current > lo, current, np.inf), axis=-2, keepdims=True)
        current = np.where(pos & (current == hi), next_hi, current)
        current = np.where(neg & (current == lo), next_lo, current)
        code = np.where(still, step, code)
        cur_skew, cur_kurt = sample_skew_kurt(current)
        still = still & failing(cur_skew, cur_kurt)
        if not still.any():
            break
    if still.any():
        lo = np.nanmin(x, axis=-2, keepdims=True)
        hi = np.nanmax(x, axis=-2, keepdims=True)
        shift = 0.01 * (hi - lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.where(skew[..., None, :] >= 0, np.log(x - lo + shift), -np.log(hi + shift - x))
        current = np.where(still[..., None, :], logged, current)
        code = np.where(still, TREAT_LOG, code)
    return current, code, skew, kurt


def impute(scores: np.ndarray, how: str) -> np.ndarray:
    """Fill missing normalised scores ('available' leaves them to the aggregation)."""
    if how == "available" or not np.isnan(scores).any():
        return scores
    if how == "mean":
        fill = np.nanmean(scores, axis=-2, keepdims=True)
    elif how == "median":
        fill = np.nanmedian(scores, axis=-2, keepdims=True)
    elif how == "min":
        fill = np.nanmin(scores, axis=-2, keepdims=True)
    else:  # zero: the worst possible normalised score
        fill = np.zeros_like(scores[..., :1, :])
    return np.where(np.isnan(scores), np.broadcast_to(fill, scores.shape), scores)


def normalise(x: np.ndarray, direction: np.ndarray, how: str = "minmax") -> np.ndarray:
    """Direction-aware scaling per indicator across provinces (axis -2); NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore", all="ignore"):
        if how == "minmax":
            lo = np.nanmin(x, axis=-2, keepdims=True)
            hi = np.nanmax(x, axis=-2, keepdims=True)
            span = hi - lo
            up = (x - lo) / span * 100.0
            out = np.where(direction > 0, up, 100.0 - up)
            return np.where(span > 0, out, np.nan)
        if how == "zscore":
            mean = np.nanmean(x, axis=-2, keepdims=True)
            sd = np.nanstd(x, axis=-2, ddof=1, keepdims=True)
            return np.where(sd > 0, 50.0 + 10.0 * direction * (x - mean) / sd, np.nan)
        # rank: percentile position 0-100 (ties averaged), via scipy's rankdata
        signed = x * direction
        ranks = rankdata(signed, axis=-2, method="average", nan_policy="omit")
        n = np.sum(~np.isnan(signed), axis=-2, keepdims=True)
        return (ranks - 1.0) / np.maximum(n - 1, 1) * 100.0


def aggregate(scores: np.ndarray, framework: Framework, method: Method,
              start: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Weighted mean at every node, bottom-up; returns (..., provinces, nodes) and codes.

    `start` are the codes of the columns of `scores` (default: the indicators), so
    published pillar scores aggregate the same way as indicators. With missing values a
    node averages the children it has, re-weighted (GII practice).
    """
    codes = list(start if start is not None else framework.indicators)
    steps = framework.aggregation_steps(codes)
    all_codes = codes + [c for _, out, _ in steps for c in out]
    index = {c: i for i, c in enumerate(all_codes)}
    out = np.full(scores.shape[:-1] + (len(all_codes),), np.nan)
    out[..., : len(codes)] = scores
    geometric = method.aggregation == "geometric"
    for inputs, outputs, matrix in steps:
        cols = out[..., [index[c] for c in inputs]]
        present = ~np.isnan(cols)
        values = np.where(present, cols, 0.0)
        if geometric:
            values = np.where(present, np.log(np.maximum(values, 0.0) + 1.0), 0.0)
        weight = present.astype(float) @ matrix
        with np.errstate(divide="ignore", invalid="ignore"):
            result = (values @ matrix) / weight
        if geometric:
            result = np.exp(result) - 1.0
        out[..., [index[c] for c in outputs]] = np.where(weight > 0, result, np.nan)
    return out, all_codes


def rank_desc(scores: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Rank along axis -1 (1 = highest); ties share the better rank; NaN gets NaN."""
    x = np.round(scores, decimals)
    better = np.sum(x[..., None, :] > x[..., :, None], axis=-1)
    return np.where(np.isnan(x), np.nan, 1.0 + better)


# --- one call for a whole batch ------------------------------------------------------
@dataclass(frozen=True)
class BatchScores:
    """Scores of a batch: `scores` (..., provinces, nodes) with `codes` naming the nodes."""

    scores: np.ndarray
    codes: list[str]
    treatment: np.ndarray  # (..., indicators): 0 none, k winsorised points, -1 log
    skew: np.ndarray
    kurtosis: np.ndarray

    def node(self, code: str) -> np.ndarray:
        return self.scores[..., self.codes.index(code)]

    def ranks(self, code: str, decimals: int = 9) -> np.ndarray:
        return rank_desc(self.node(code), decimals)


def score_arrays(values: np.ndarray, framework: Framework, method: Method | None = None,
                 denominators: np.ndarray | None = None) -> BatchScores:
    """Score raw indicator values shaped (..., provinces, indicators) in one call.

    `denominators` (same shape) hold each cell's denominator; required when the method
    divides and the framework names denominators.
    """
    method = method or Method()
    nodes = framework.nodes.loc[framework.indicators]
    x = np.asarray(values, dtype=float)
    if method.denomination == "divide":
        needs = (nodes["denominator"] != "none").to_numpy()
        if needs.any() and denominators is None:
            missing = ", ".join(sorted(set(nodes.loc[needs, "denominator"])))
            raise PiiInputError(
                f"the method divides by denominators ({missing}) but none were given; add them "
                "to the data or set `denomination: none` when values are already rates")
        x = denominate(x, denominators, nodes["scale"].to_numpy(dtype=float), needs)
    x, code, skew, kurt = treat_outliers(x, method)
    normalised = normalise(x, framework.direction, method.normalisation)
    normalised = impute(normalised, method.missing)
    scores, codes = aggregate(normalised, framework, method)
    return BatchScores(scores=scores, codes=codes, treatment=code, skew=skew, kurtosis=kurt)
