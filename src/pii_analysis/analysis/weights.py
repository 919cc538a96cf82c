"""Missing-aware effective weights: what one normalised point of each indicator is worth in
a province's PII, given the indicators it actually reports.

With the GII's `available` rule a node averages the children it has, re-weighted, so a
province missing an indicator gives that weight to its siblings: its own effective weights
differ from the framework's nominal ones. The PII is linear in the present scores (the
re-weighting depends only on which values are present), so aggregating the unit vectors
with the province's missing pattern gives the exact weights: one engine call.
"""
from __future__ import annotations

import numpy as np

from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method
from pii_analysis.index.scoring import aggregate


def present_weights(framework: Framework, method: Method, own: np.ndarray) -> np.ndarray:
    """Effective weight in the PII of each indicator for a province with scores `own`
    (indicators,; NaN = missing): 0 where missing; sums to 1 over the present ones.

    Under imputation every indicator counts (the imputed value is fixed), so the weights are
    the nominal ones. Arithmetic aggregation only (geometric has no fixed weights).
    """
    return present_weights_all(framework, method, np.asarray(own, dtype=float)[None, :])[0]


def present_weights_all(framework: Framework, method: Method, scores: np.ndarray) -> np.ndarray:
    """`present_weights` of every row of `scores` (provinces, indicators), in one engine call."""
    scores = np.asarray(scores, dtype=float)
    p, n = scores.shape
    missing = np.isnan(scores) if method.missing == "available" else np.zeros(scores.shape, dtype=bool)
    unit = np.broadcast_to(np.eye(n), (p, n, n)).copy()             # (province, unit row, indicator)
    unit[np.broadcast_to(missing[:, None, :], unit.shape)] = np.nan
    agg, codes = aggregate(unit.reshape(p * n, 1, n), framework, method.with_options(aggregation="arithmetic"))
    w = np.nan_to_num(agg[:, 0, codes.index(framework.root)], nan=0.0).reshape(p, n)
    return np.where(missing, 0.0, w)
