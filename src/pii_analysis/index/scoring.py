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

from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method

TREAT_NONE, TREAT_LOG = 0, -1  # positive codes = number of winsorised points (COINr counts points)


# --- statistics ------------------------------------------------------------------
def sample_skew_kurt(x: np.ndarray, axis: int = -2, nan: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bias-adjusted skewness and excess kurtosis along `axis`, ignoring NaN.

    Same formulas as Excel's SKEW and KURT, which the GII and COINr use. Written with
    masked sums rather than nanmean: ~30x faster on large batches. `nan=False` says that `x` has
    no NaN (the caller knows: the check is skipped); a row's values never depend on the other rows.
    """
    valid = ~np.isnan(x) if nan is not False else None
    has_nan = nan is not False and not valid.all()
    n = valid.sum(axis=axis) if has_nan else np.full(np.delete(x.shape, axis % x.ndim), x.shape[axis])
    n = n.astype(float)
    xs = np.where(valid, x, 0.0) if has_nan else x
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.expand_dims(xs.sum(axis=axis) / n, axis)
        d = xs - mean
        if has_nan:
            d = np.where(valid, d, 0.0)
        d2 = d * d
        m2 = d2.sum(axis=axis) / n
        power = np.multiply(d2, d, out=d)        # d is not needed again: one buffer for the third and fourth
        m3 = power.sum(axis=axis) / n
        m4 = np.multiply(d2, d2, out=power).sum(axis=axis) / n
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3.0
        skew = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        kurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    flat = ~(m2 > 1e-300)
    skew = np.where(flat | (n < 3), 0.0, skew)
    kurt = np.where(flat | (n < 4), 0.0, kurt)
    return skew, kurt


# --- steps ---------------------------------------------------------------------
# Internally arrays are laid out (..., indicators, provinces): per-indicator statistics
# then reduce over the last, contiguous axis, which is several times faster on batches.
def denominate(values: np.ndarray, denominators: np.ndarray | None, scale: np.ndarray,
               needs_denominator: np.ndarray) -> np.ndarray:
    """Divide numerators by their denominator (population, enterprises, GRDP) x scale.

    Arrays are (..., provinces, indicators); columns not needing one are left as they are.
    """
    if denominators is None or not needs_denominator.any():
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = values / denominators * scale
    return np.where(needs_denominator, scaled, values)


def _treat(x: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Outlier rule on (..., indicators, provinces); see `treat_outliers`."""
    skew, kurt = sample_skew_kurt(x, axis=-1)
    code = np.zeros(skew.shape, dtype=int)
    if method.outliers == "none":
        return x, code, skew, kurt

    def failing(s: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (np.abs(s) > method.skew_threshold) & (k > method.kurtosis_threshold)

    fail = failing(skew, kurt)
    if not fail.any():
        return x, code, skew, kurt
    where = np.nonzero(fail)
    original = x[where]                            # (columns, provinces)
    block = original.copy()
    still = np.ones(len(block), dtype=bool)        # still failing the rule
    # COINr `winsorise` counts POINTS, not steps: each step moves every value tied at the extreme
    # to the next value, and the count is the size of the latest group moved at the top plus the
    # latest at the bottom (ties at the extreme count one each, as in the GII).
    n_hi = np.zeros(len(block), dtype=int)
    n_lo = np.zeros(len(block), dtype=int)
    # Each step works on the columns still winsorising only (`rows`): a column's steps never depend on
    # the others, so the result is the same as stepping every failing column, at a fraction of the cost.
    rows = np.arange(len(block))
    cur_skew = skew[where]
    nan = bool(np.isnan(original).any())
    top, bottom = (np.nanmax, np.nanmin) if nan else (np.max, np.min)
    while len(rows):
        b = block[rows]
        # the skewed side of each column moves: the values tied at its extreme take the next value
        for side, count, extreme, beyond in ((cur_skew >= 0, n_hi, top, -np.inf), (cur_skew < 0, n_lo, bottom, np.inf)):
            if not side.any():
                continue
            part = b[side]
            edge = extreme(part, axis=1, keepdims=True)
            inner = part < edge if beyond < 0 else part > edge
            after = extreme(np.where(inner, part, beyond), axis=1, keepdims=True)
            at = part == edge
            count[rows[side]] = at.sum(axis=1)
            b[side] = np.where(at, after, part)
        block[rows] = b
        cur_skew, cur_kurt = sample_skew_kurt(b, axis=1, nan=nan)
        failed = failing(cur_skew, cur_kurt)
        still[rows] = failed
        go = failed & (n_hi[rows] + n_lo[rows] < method.max_winsorised)
        rows, cur_skew = rows[go], cur_skew[go]
    col_code = n_hi + n_lo
    if still.any():
        lo = np.nanmin(original, axis=1, keepdims=True)
        hi = np.nanmax(original, axis=1, keepdims=True)
        shift = 0.01 * (hi - lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.where(skew[where][:, None] >= 0, np.log(original - lo + shift), -np.log(hi + shift - original))
        block = np.where(still[:, None], logged, block)
        col_code = np.where(still, TREAT_LOG, col_code)
    treated = x.copy()
    treated[where] = block
    code[where] = col_code
    return treated, code, skew, kurt


def treat_outliers(x: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """GII outlier rule per indicator column of (..., provinces, indicators).

    If |skewness| > threshold and kurtosis > threshold: winsorise (the current extreme
    values on the skewed side take the next value), re-checking after each step, until
    `max_winsorised` points are winsorised, counted as COINr's `winsorise` counts them (a
    step moving k tied values counts k); if still failing, log-transform the original
    column (COINr `log_CT_plus`: log(x - min + 0.01 (max - min)), or -log(max + 0.01
    (max - min) - x) for negative skew). With 34 provinces the log branch cannot fire
    under the GII thresholds: once 5 points sit at the extreme the column passes
    (README, Method; tests/test_scoring.py checks the branch on a larger synthetic panel).
    Returns (treated values, treatment code per indicator, skew, kurtosis before).
    """
    treated, code, skew, kurt = _treat(np.swapaxes(x, -1, -2), method)
    return np.swapaxes(treated, -1, -2), code, skew, kurt


def _normalise(x: np.ndarray, direction: np.ndarray, how: str, has_nan: bool) -> np.ndarray:
    """Normalise (..., indicators, provinces); direction is per indicator."""
    d = direction[:, None]
    with np.errstate(divide="ignore", invalid="ignore", all="ignore"):
        if how == "minmax":
            lo = (np.nanmin if has_nan else np.min)(x, axis=-1, keepdims=True)
            hi = (np.nanmax if has_nan else np.max)(x, axis=-1, keepdims=True)
            span = hi - lo
            factor = np.where(span > 0, 100.0 / span, np.nan)
            # higher-is-better: (x - lo) / span; lower-is-better: (hi - x) / span
            base = np.where(d > 0, lo, hi)
            return (x - base) * (factor * d)
        if how == "zscore":
            mean = np.nanmean(x, axis=-1, keepdims=True)
            sd = np.nanstd(x, axis=-1, ddof=1, keepdims=True)
            return np.where(sd > 0, 50.0 + 10.0 * d * (x - mean) / sd, np.nan)
        # rank: percentile position 0-100 (ties averaged), via scipy's rankdata (imported here: scipy.stats
        # costs 0.8 s to import and only this sensitivity option needs it)
        from scipy.stats import rankdata

        signed = x * d
        ranks = rankdata(signed, axis=-1, method="average", nan_policy="omit")
        n = np.sum(~np.isnan(signed), axis=-1, keepdims=True)
        return (ranks - 1.0) / np.maximum(n - 1, 1) * 100.0


def normalise(x: np.ndarray, direction: np.ndarray, how: str = "minmax") -> np.ndarray:
    """Direction-aware scaling of (..., provinces, indicators) across provinces; NaN stays NaN.

    minmax: 0-100 (GII); zscore: mean 50, sd 10; rank: percentile 0-100.
    """
    t = np.swapaxes(x, -1, -2)
    return np.swapaxes(_normalise(t, direction, how, bool(np.isnan(t).any())), -1, -2)


def _impute(scores: np.ndarray, how: str) -> np.ndarray:
    """Fill missing normalised scores in (..., indicators, provinces)."""
    if how == "available" or not np.isnan(scores).any():
        return scores
    if how == "mean":
        fill = np.nanmean(scores, axis=-1, keepdims=True)
    elif how == "median":
        fill = np.nanmedian(scores, axis=-1, keepdims=True)
    elif how == "min":
        fill = np.nanmin(scores, axis=-1, keepdims=True)
    else:  # zero: the worst possible normalised score
        fill = np.zeros_like(scores[..., :1])
    return np.where(np.isnan(scores), np.broadcast_to(fill, scores.shape), scores)


def impute(scores: np.ndarray, how: str) -> np.ndarray:
    """Fill missing normalised scores of (..., provinces, indicators) ('available' leaves
    them to the aggregation, which re-weights over what is present)."""
    return np.swapaxes(_impute(np.swapaxes(scores, -1, -2), how), -1, -2)


def _aggregate(scores: np.ndarray, framework: Framework, method: Method,
               start: list[str]) -> tuple[np.ndarray, list[str]]:
    """Aggregate (..., codes, provinces) -> (..., all nodes, provinces)."""
    geometric = method.aggregation == "geometric"
    if not geometric and not np.isnan(scores).any():  # fast path: one product for all levels
        composite, all_codes = framework.linear_map(start)
        return composite.T @ scores, all_codes
    steps = framework.aggregation_steps(start)
    all_codes = list(start) + [c for _, out, _ in steps for c in out]
    index = {c: i for i, c in enumerate(all_codes)}
    out = np.empty(scores.shape[:-2] + (len(all_codes), scores.shape[-1]))
    out[..., : len(start), :] = scores
    for inputs, outputs, matrix in steps:
        cols = out[..., [index[c] for c in inputs], :]
        target = [index[c] for c in outputs]
        present = ~np.isnan(cols)
        values = np.where(present, cols, 0.0)
        if geometric:
            values = np.where(present, np.log(np.maximum(values, 0.0) + 1.0), 0.0)
        weight = matrix.T @ present.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = (matrix.T @ values) / weight
        if geometric:
            result = np.exp(result) - 1.0
        out[..., target, :] = np.where(weight > 0, result, np.nan)
    return out, all_codes


def aggregate(scores: np.ndarray, framework: Framework, method: Method,
              start: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Weighted mean at every node, bottom-up; (..., provinces, codes) -> (..., provinces, nodes).

    `start` are the codes of the columns of `scores` (default: the indicators), so
    published pillar scores aggregate the same way as indicators. With missing values a
    node averages the children it has, re-weighted (GII practice); 'geometric' uses a
    weighted geometric mean of (score + 1), minus 1, so zeros stay defined.
    """
    codes = list(start if start is not None else framework.indicators)
    out, all_codes = _aggregate(np.swapaxes(scores, -1, -2), framework, method, codes)
    return np.swapaxes(out, -1, -2), all_codes


def rank_desc(scores: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Rank along axis -1 (1 = highest); ties share the better rank; NaN gets NaN."""
    x = np.round(scores, decimals)
    better = np.sum(x[..., None, :] > x[..., :, None], axis=-1)
    return np.where(np.isnan(x), np.nan, 1.0 + better)


# --- one call for a whole batch ------------------------------------------------------
@dataclass(frozen=True)
class BatchScores:
    """Scores of a batch: `scores` (..., provinces, nodes) with `codes` naming the nodes."""

    scores: np.ndarray  # (..., provinces, nodes); a view, laid out nodes-major
    codes: list[str]
    treatment: np.ndarray  # (..., indicators): 0 none, k winsorised points, -1 log
    skew: np.ndarray
    kurtosis: np.ndarray

    def node(self, code: str) -> np.ndarray:
        return self.scores[..., self.codes.index(code)]

    def ranks(self, code: str, decimals: int = 9) -> np.ndarray:
        return rank_desc(self.node(code), decimals)


CHUNK_CELLS = 1_000_000  # cells per block: keeps temporaries ~8 MB, reused by the allocator


def score_arrays(values: np.ndarray, framework: Framework, method: Method | None = None,
                 denominators: np.ndarray | None = None) -> BatchScores:
    """Score raw indicator values shaped (..., provinces, indicators) in one call.

    `denominators` (same shape) hold each cell's denominator; required when the method
    divides and the framework names denominators. Large batches are scored in blocks
    of about a million cells: same result, far fewer fresh memory pages.
    """
    method = method or Method()
    nodes = framework.nodes.loc[framework.indicators]
    x = np.asarray(values, dtype=float)
    needs = (nodes["denominator"] != "none").to_numpy()
    if method.denomination == "divide" and needs.any() and denominators is None:
        missing = ", ".join(sorted(set(nodes.loc[needs, "denominator"])))
        raise PiiInputError(
            f"the method divides by denominators ({missing}) but none were given; add them "
            "to the data or set `denomination: none` when values are already rates")
    batch_shape = x.shape[:-2]
    n_prov, n_ind = x.shape[-2:]
    flat = x.reshape((-1, n_prov, n_ind))
    dens = None
    if method.denomination == "divide" and denominators is not None:
        d = np.asarray(denominators, dtype=float)
        # shared denominators (no batch axes, or size-1 ones) stay unexpanded
        dens = d.reshape((1, n_prov, n_ind)) if d.size == n_prov * n_ind else \
            np.broadcast_to(d, x.shape).reshape(flat.shape)
    scale = nodes["scale"].to_numpy(dtype=float)
    n_nodes = len(framework.linear_map()[1])
    scores = np.empty((len(flat), n_nodes, n_prov))
    code = np.empty((len(flat), n_ind), dtype=int)
    skew = np.empty((len(flat), n_ind))
    kurt = np.empty((len(flat), n_ind))
    step = max(1, CHUNK_CELLS // (n_prov * n_ind))
    codes: list[str] = []
    for lo in range(0, len(flat), step):
        sl = slice(lo, lo + step)
        block = flat[sl]
        if dens is not None:
            block = denominate(block, dens if len(dens) == 1 else dens[sl], scale, needs)
        scores[sl], codes, code[sl], skew[sl], kurt[sl] = _score_block(block, framework, method)
    return BatchScores(
        scores=np.swapaxes(scores, -1, -2).reshape(batch_shape + (n_prov, n_nodes)),
        codes=codes,
        treatment=code.reshape(batch_shape + (n_ind,)),
        skew=skew.reshape(batch_shape + (n_ind,)),
        kurtosis=kurt.reshape(batch_shape + (n_ind,)))


def _score_block(x: np.ndarray, framework: Framework, method: Method):
    """(n, provinces, indicators) denominated values -> (n, nodes, provinces) scores and treatment."""
    normalised, code, skew, kurt = _normalised_block(x, framework.direction, method)
    scores, codes = _aggregate(normalised, framework, method, framework.indicators)
    return scores, codes, code, skew, kurt


def _normalised_block(x: np.ndarray, direction: np.ndarray, method: Method):
    """(n, provinces, indicators) denominated values -> (n, indicators, provinces) normalised scores after
    the outlier treatment and imputation, with the treatment. Every step works column by column (one
    indicator of one batch element), so a column's result never depends on the other columns."""
    t = np.ascontiguousarray(np.swapaxes(x, -1, -2))     # (n, indicators, provinces)
    t, code, skew, kurt = _treat(t, method)
    has_nan = bool(np.isnan(t).any())
    return _impute(_normalise(t, direction, method.normalisation, has_nan), method.missing), code, skew, kurt


# --- re-scoring a few columns ----------------------------------------------------------------
@dataclass(frozen=True)
class Normalised:
    """What `score_arrays` computes before the aggregation, for a batch of rate values (no
    denominators): normalised scores (n, indicators, provinces) and the treatment per column, with
    the batch shape. Kept by a caller that re-scores the same batch with a few columns changed."""

    normalised: np.ndarray
    treatment: np.ndarray   # (n, indicators)
    skew: np.ndarray
    kurtosis: np.ndarray
    shape: tuple[int, ...]  # the batch's (..., provinces, indicators)

    def missing(self, rows: slice) -> np.ndarray:
        """(indicators,) whether each column has a missing score in batch elements `rows` (kept per slice:
        re-scoring asks it of the same slices for every scenario)."""
        from pii_analysis.data.memo import kept
        return kept(self, ("missing", rows.start, rows.stop), lambda: np.isnan(self.normalised[rows]).any(axis=(0, 2)))


def _rates_only(framework: Framework, method: Method) -> None:
    if method.denomination == "divide" and (framework.nodes.loc[framework.indicators, "denominator"]
                                            != "none").any():
        raise PiiInputError("re-scoring columns works on rates (denomination: none)")


def normalised_arrays(values: np.ndarray, framework: Framework, method: Method) -> Normalised:
    """The normalised scores of rate values (..., provinces, indicators), as `score_arrays` makes them."""
    _rates_only(framework, method)
    x = np.asarray(values, dtype=float)
    n_prov, n_ind = x.shape[-2:]
    flat = x.reshape((-1, n_prov, n_ind))
    out = np.empty((len(flat), n_ind, n_prov))
    code = np.empty((len(flat), n_ind), dtype=int)
    skew = np.empty((len(flat), n_ind))
    kurt = np.empty((len(flat), n_ind))
    step = max(1, CHUNK_CELLS // (n_prov * n_ind))
    for lo in range(0, len(flat), step):
        sl = slice(lo, lo + step)
        out[sl], code[sl], skew[sl], kurt[sl] = _normalised_block(flat[sl], framework.direction, method)
    return Normalised(out, code, skew, kurt, x.shape)


def rescore_columns(changed: np.ndarray, columns, base: Normalised, framework: Framework,
                    method: Method, codes: list[str] | None = None) -> BatchScores:
    """`score_arrays(values)` for rate values that differ from those `base` was made from only in the
    indicator positions `columns` (sorted), whose new values are `changed` (..., provinces, columns): a
    scenario changing one province's indicators moves every province's score of those indicators
    (through the range and the outlier rule), no other. Only those columns are treated and normalised
    again, the others come from `base`, and the aggregation is the same product on the same blocks,
    so the numbers are `score_arrays`'. With `codes`, only those nodes are aggregated (the rows of the
    same weight matrix: a quarter of the time for a projection's ten nodes, the same numbers).

    `base.normalised` is patched in place and restored before returning (no 18 MB copy per block):
    not for concurrent use of one `base`."""
    _rates_only(framework, method)
    cols = np.asarray(list(columns), dtype=int)
    x = np.asarray(changed, dtype=float)
    n_prov, n_ind = base.shape[-2:]
    if x.shape != (*base.shape[:-1], len(cols)) or (len(cols) and np.any(np.diff(cols) <= 0)):
        raise ValueError(f"changed values {x.shape} do not match the batch {base.shape} and the sorted "
                         f"columns {cols.tolist()}")
    flat = x.reshape((int(np.prod(base.shape[:-2])), n_prov, len(cols)))
    composite, all_codes = framework.linear_map()
    rows = [all_codes.index(c) for c in (codes if codes is not None else all_codes)]
    weights = np.ascontiguousarray(composite.T[rows])
    scores = np.empty((len(flat), len(rows), n_prov))
    code, skew, kurt = base.treatment.copy(), base.skew.copy(), base.kurtosis.copy()
    direction = framework.direction[cols]
    linear = method.aggregation != "geometric"
    # the changed columns first, in blocks of about CHUNK_CELLS of their own cells (a few columns: one block)
    fresh = np.empty((len(flat), len(cols), n_prov))
    if len(cols):
        own_step = max(1, CHUNK_CELLS // (n_prov * len(cols)))
        for lo in range(0, len(flat), own_step):
            sl = slice(lo, lo + own_step)
            fresh[sl], code[sl, cols], skew[sl, cols], kurt[sl, cols] = _normalised_block(flat[sl], direction, method)
    every = len(cols) == n_ind      # every column changed (cols are sorted and distinct): nothing to patch
    step = max(1, CHUNK_CELLS // (n_prov * n_ind))
    for lo in range(0, len(flat), step):
        sl = slice(lo, lo + step)
        normalised = fresh[sl] if every else base.normalised[sl]
        others = not every and np.delete(base.missing(sl), cols).any()   # asked before the patch below
        kept = None if every else normalised[:, cols, :].copy()
        try:
            if not every:
                normalised[:, cols, :] = fresh[sl]
            if linear and not (others or np.isnan(fresh[sl]).any()):   # _aggregate's fast path (no NaN), rows asked for
                scores[sl] = weights @ normalised
            else:
                full, names = _aggregate(normalised, framework, method, framework.indicators)
                scores[sl] = full[:, [names.index(all_codes[r]) for r in rows]]
        finally:
            if not every:
                normalised[:, cols, :] = kept
    codes = [all_codes[r] for r in rows]
    batch_shape = base.shape[:-2]
    return BatchScores(
        scores=np.swapaxes(scores, -1, -2).reshape(batch_shape + (n_prov, len(rows))), codes=codes,
        treatment=code.reshape(batch_shape + (n_ind,)), skew=skew.reshape(batch_shape + (n_ind,)),
        kurtosis=kurt.reshape(batch_shape + (n_ind,)))
