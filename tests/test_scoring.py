"""Unit tests of each scoring step, on small hand-checkable arrays."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shared_fixtures import assert_same_numbers

from pii_analysis.index.framework import framework_from_frame
from pii_analysis.index.method import Method
from pii_analysis.index.scoring import (
    TREAT_LOG,
    aggregate,
    denominate,
    impute,
    normalise,
    normalised_arrays,
    rank_desc,
    rescore_columns,
    sample_skew_kurt,
    score_arrays,
    treat_outliers,
)


def tiny_framework(weights=("0.5", "0.5"), extra_rows=()):
    """R -> A (a1, a2) and R -> b1 directly (unbalanced: a leaf under the root)."""
    rows = [
        ("R", "", "index", "1", "higher", "none"),
        ("A", "R", "pillar", weights[0], "higher", "none"),
        ("b1", "R", "indicator", weights[1], "lower", "none"),
        ("a1", "A", "indicator", "0.25", "higher", "population"),
        ("a2", "A", "indicator", "0.75", "higher", "none"),
        *extra_rows,
    ]
    frame = pd.DataFrame(rows, columns=["code", "parent", "level", "weight", "direction", "denominator"])
    return framework_from_frame(frame.astype(str))


def test_skew_and_kurtosis_match_scipy_bias_corrected():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(3, 34, 5))
    skew, kurt = sample_skew_kurt(x)
    assert np.allclose(skew, stats.skew(x, axis=1, bias=False))
    assert np.allclose(kurt, stats.kurtosis(x, axis=1, bias=False, fisher=True))


def test_skew_ignores_missing_values():
    x = np.array([[1.0], [2.0], [4.0], [8.0], [np.nan], [30.0]])
    skew, _ = sample_skew_kurt(x)
    assert skew[0] == pytest.approx(stats.skew([1, 2, 4, 8, 30], bias=False))


def test_gii_rule_winsorises_a_single_outlier_to_the_next_value():
    # COINr's own test: c(1:10, 100) -> 100 becomes 10 after one winsorised point
    x = np.array([*range(1, 11), 100.0])[:, None]
    treated, code, skew, kurt = treat_outliers(x, Method())
    assert abs(skew[0]) > 2.25 and kurt[0] > 3.5
    assert code[0] == 1
    assert treated[-1, 0] == 10.0
    assert np.array_equal(treated[:-1, 0], x[:-1, 0])


def test_gii_rule_log_transforms_when_winsorising_is_not_enough():
    x = np.array([*range(1, 21), 100.0, 200.0])[:, None]
    method = Method(max_winsorised=1)
    treated, code, *_ = treat_outliers(x, method)
    assert code[0] == TREAT_LOG
    lo, hi = x.min(), x.max()
    assert np.allclose(treated[:, 0], np.log(x[:, 0] - lo + 0.01 * (hi - lo)))


def test_thresholds_are_configurable_and_none_skips_treatment():
    x = np.array([*range(1, 11), 100.0])[:, None]
    assert treat_outliers(x, Method(skew_threshold=10.0))[1][0] == 0
    assert treat_outliers(x, Method(outliers="none"))[1][0] == 0


def test_minmax_is_direction_aware_and_flat_columns_are_missing():
    x = np.array([[0.0, 5.0, 3.0], [5.0, 5.0, 3.0], [10.0, 5.0, 3.0]])
    out = normalise(x, np.array([1.0, 1.0, -1.0]))
    assert np.allclose(out[:, 0], [0, 50, 100])
    assert np.isnan(out[:, 1]).all() and np.isnan(out[:, 2]).all()
    lower = normalise(x[:, :1], np.array([-1.0]))
    assert np.allclose(lower[:, 0], [100, 50, 0])


def test_zscore_and_rank_normalisations():
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    z = normalise(x, np.array([1.0]), "zscore")
    assert z.mean() == pytest.approx(50) and z.std(ddof=1) == pytest.approx(10)
    r = normalise(x, np.array([-1.0]), "rank")
    assert np.allclose(r[:, 0], [100, 200 / 3, 100 / 3, 0])


def test_denomination_divides_only_columns_with_a_denominator():
    values = np.array([[200.0, 7.0]])
    dens = np.array([[1000.0, 1.0]])
    out = denominate(values, dens, np.array([10000.0, 1.0]), np.array([True, False]))
    assert np.allclose(out, [[2000.0, 7.0]])


def test_imputation_options():
    s = np.array([[10.0], [np.nan], [30.0]])
    assert impute(s, "mean")[1, 0] == 20
    assert impute(s, "min")[1, 0] == 10
    assert impute(s, "zero")[1, 0] == 0
    assert np.isnan(impute(s, "available")[1, 0])


def test_aggregation_is_per_node_not_per_level():
    fw = tiny_framework()
    scores = np.array([[40.0, 80.0, 10.0]])  # a1, a2, b1 in framework order
    order = fw.indicators
    assert order == ["b1", "a1", "a2"]
    arr = np.array([[10.0, 40.0, 80.0]])
    out, codes = aggregate(arr, fw, Method())
    a = 0.25 * 40 + 0.75 * 80
    assert out[0, codes.index("A")] == pytest.approx(a)
    assert out[0, codes.index("R")] == pytest.approx(0.5 * a + 0.5 * 10)
    _ = scores


def test_missing_indicator_is_reweighted_within_its_node():
    fw = tiny_framework()
    arr = np.array([[10.0, np.nan, 80.0]])
    out, codes = aggregate(arr, fw, Method())
    assert out[0, codes.index("A")] == pytest.approx(80.0)


def test_geometric_aggregation_is_below_arithmetic_for_unequal_scores():
    fw = tiny_framework()
    arr = np.array([[10.0, 40.0, 80.0]])
    arith, codes = aggregate(arr, fw, Method())
    geo, _ = aggregate(arr, fw, Method(aggregation="geometric"))
    assert geo[0, codes.index("R")] < arith[0, codes.index("R")]


def test_ties_share_the_better_rank_and_missing_is_unranked():
    ranks = rank_desc(np.array([50.0, 70.0, 50.0, np.nan, 10.0]))
    assert ranks[:3].tolist() == [2.0, 1.0, 2.0]
    assert np.isnan(ranks[3]) and ranks[4] == 4.0


def test_float_noise_does_not_break_a_tie():
    ranks = rank_desc(np.array([0.1 + 0.2, 0.3]))
    assert ranks.tolist() == [1.0, 1.0]


def test_batch_scoring_equals_one_panel_at_a_time(shipped):
    fw, method, panel = shipped
    values, dens = panel.arrays(fw, panel.provinces(), [2025])
    rng = np.random.default_rng(7)
    batch = values * rng.lognormal(0, 0.1, size=(6,) + values.shape[1:])
    together = score_arrays(batch, fw, method, np.broadcast_to(dens, batch.shape))
    for i in range(len(batch)):
        alone = score_arrays(batch[i:i + 1], fw, method, dens)
        assert np.allclose(together.scores[i], alone.scores[0])
        assert np.array_equal(together.ranks("PII")[i], alone.ranks("PII")[0])


def test_denominators_are_required_when_the_method_divides(shipped):
    fw, method, panel = shipped
    values, _ = panel.arrays(fw, panel.provinces(), [2025])
    from pii_analysis.data.errors import PiiInputError
    with pytest.raises(PiiInputError, match="denominators"):
        score_arrays(values, fw, method, None)


def test_tidy_table_has_every_node_and_the_efficiency_ratio(shipped_scores):
    t = shipped_scores.table
    one = t[(t.year == 2025) & (t.province == "Huế")].set_index("node")
    assert len(one) == 80 + 1
    assert one.at["efficiency", "score"] == pytest.approx(one.at["OUT", "score"] / one.at["IN", "score"])
    assert one.at["PII", "score"] == pytest.approx((one.at["IN", "score"] + one.at["OUT", "score"]) / 2)
    assert set(shipped_scores.method) >= {"outliers", "normalisation", "aggregation", "missing"}


# --- COINr edge cases: winsorised points are counted as COINr counts them; log_CT_plus ------------------
def _coinr_treat(x: np.ndarray, winmax: int = 5, skew_t: float = 2.25, kurt_t: float = 3.5):
    """COINr 1.1 `Treat.numeric` with `winsorise` then `log_CT_plus`, written out one column at a time."""
    def fails(v):
        s, k = sample_skew_kurt(v[:, None])
        return abs(s[0]) > skew_t and k[0] > kurt_t

    x = x.astype(float)
    if not fails(x):
        return x, 0
    v, imax, imin, nwin = x.copy(), [], [], 0
    while fails(v) and nwin < winmax:
        if stats.skew(v, bias=False) >= 0:
            imax = np.flatnonzero(v == v.max())
            v[imax] = np.delete(v, imax).max()
        else:
            imin = np.flatnonzero(v == v.min())
            v[imin] = np.delete(v, imin).min()
        nwin = len(imax) + len(imin)
    if not fails(v):
        return v, nwin
    lo, hi = x.min(), x.max()
    a = 0.01 * (hi - lo)
    return (np.log(x - lo + a) if stats.skew(x, bias=False) > 0 else -np.log(hi + a - x)), TREAT_LOG


def test_winsorising_counts_points_tied_at_the_extreme_as_coinr():
    # three provinces tied far ahead: one step moves three points, so COINr records 3, not 1 step
    x = np.array([*range(1, 31), 500.0, 500.0, 500.0, 40.0])[:, None]
    treated, code, *_ = treat_outliers(x, Method())
    ref, ref_code = _coinr_treat(x[:, 0])
    assert code[0] == ref_code == 3
    assert np.array_equal(treated[:, 0], ref)


@pytest.mark.parametrize("n", [34, 60, 200])
def test_outlier_rule_matches_coinr_written_out_on_heavy_tailed_columns_with_ties(n):
    rng = np.random.default_rng(n)
    x = np.round(rng.pareto(0.8, size=(n, 300)) * 10.0, 0)   # heavy tails, many ties
    treated, code, *_ = treat_outliers(x, Method())
    for j in range(x.shape[1]):
        ref, ref_code = _coinr_treat(x[:, j])
        assert code[j] == ref_code, j
        assert np.allclose(treated[:, j], ref, rtol=0, atol=1e-12), j


def test_log_branch_needs_more_than_34_provinces_under_gii_thresholds():
    # 34 provinces: once 5 points sit at the extreme the column passes, so the log branch never fires
    rng = np.random.default_rng(11)
    small = np.concatenate([rng.pareto(0.5, size=(34, 2000)), rng.lognormal(0, 3, size=(34, 2000))], axis=1)
    assert not np.any(treat_outliers(small, Method())[1] == TREAT_LOG)
    # a larger synthetic panel (200 units, 10 far outliers) does reach it: COINr's log_CT_plus
    big = np.concatenate([rng.uniform(0, 1, size=190), rng.uniform(50, 100, size=10)])[:, None]
    treated, code, *_ = treat_outliers(big, Method())
    assert code[0] == TREAT_LOG
    lo, hi = big.min(), big.max()
    assert np.allclose(treated[:, 0], np.log(big[:, 0] - lo + 0.01 * (hi - lo)))
    # and its mirror for negative skew: -log(max + a - x)
    mirrored = -big
    treated, code, *_ = treat_outliers(mirrored, Method())
    lo, hi = mirrored.min(), mirrored.max()
    assert code[0] == TREAT_LOG
    assert np.allclose(treated[:, 0], -np.log(hi + 0.01 * (hi - lo) - mirrored[:, 0]))


@pytest.mark.parametrize("missing", [False, True])
def test_rescoring_changed_columns_equals_scoring_everything(shipped, missing):
    """A scenario moves one province's values in a few indicators (sometimes past every other province,
    so the range and the outlier rule move): re-scoring only those columns gives score_arrays' numbers
    (to rounding: rtol 1e-12), for every node and for a subset of nodes, and leaves the kept normalised scores intact."""
    fw, method, panel = shipped
    rates = method.with_options(denomination="none")
    values, dens = panel.arrays(fw, panel.provinces(), [2025])
    rng = np.random.default_rng(11)
    batch = (values[0] * (1 if dens is None else 1 / np.nan_to_num(dens[0], nan=1.0))
             * rng.lognormal(0, 0.2, size=(3, 40) + values.shape[1:]))
    if missing:
        batch[0, :3, 5, 7] = np.nan
    base = normalised_arrays(batch, fw, rates)
    kept = base.normalised.copy()
    for k in (0, 1, 4, len(fw.indicators)):
        cols = np.sort(rng.choice(len(fw.indicators), k, replace=False))
        changed = batch.copy()
        changed[..., 9, cols] *= rng.uniform(0.5, 6.0, size=changed[..., 9, cols].shape)
        full = score_arrays(changed, fw, rates)
        fast = rescore_columns(changed[..., cols], cols, base, fw, rates)
        assert fast.codes == full.codes
        assert_same_numbers(fast.scores, full.scores)
        assert np.array_equal(fast.treatment, full.treatment)
        some = ["PII", *fw.pillars[:2]]
        part = rescore_columns(changed[..., cols], cols, base, fw, rates, codes=some)
        assert part.codes == some
        assert np.allclose(part.scores, full.scores[..., [full.codes.index(c) for c in some]], rtol=0,
                           atol=1e-12, equal_nan=True)
        assert np.array_equal(base.normalised, kept, equal_nan=True)


def test_outlier_rule_treats_each_column_on_its_own():
    """The outlier rule steps only the columns still winsorising, so a column's treatment (values, code,
    skew, kurtosis) is bit for bit what it gets alone: skewed both ways, ties at the extremes, missing
    values, columns reaching the log branch and columns passing at once, in one batch."""
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 2.5, size=(120, 9, 60))
    x[:, 1] *= -1                                            # negative skew
    x[:, 2] = np.round(x[:, 2])                              # ties at the extremes
    x[:, 3][rng.random(x[:, 3].shape) < 0.1] = np.nan        # missing values
    x[:, 4] = rng.normal(size=(120, 60))                     # passes the rule at once
    method = Method()
    batch = treat_outliers(np.swapaxes(x, -1, -2), method)
    assert set(np.unique(batch[1])) >= {TREAT_LOG, 0, 1, 2}  # every branch is exercised
    for i in range(x.shape[1]):
        alone = treat_outliers(np.swapaxes(x[:, i:i + 1], -1, -2), method)
        for got, want in zip(batch, alone):
            assert np.array_equal(got[..., i:i + 1] if got.ndim == 3 else got[:, i:i + 1], want, equal_nan=True)


def test_rescoring_after_a_missing_column_was_replaced(shipped):
    """Re-scoring first replaces the only column with a missing value (filled), then other columns: each
    call gives score_arrays' numbers to rounding (the NaN check of the kept columns is remembered per slice,
    never from a patched column)."""
    fw, method, panel = shipped
    rates = method.with_options(denomination="none")
    values, dens = panel.arrays(fw, panel.provinces(), [2025])
    rng = np.random.default_rng(4)
    batch = (values[0] * (1 if dens is None else 1 / np.nan_to_num(dens[0], nan=1.0))
             * rng.lognormal(0, 0.2, size=(2, 30) + values.shape[1:]))
    batch = np.nan_to_num(batch, nan=1.0)
    batch[1, 4, 6, 3] = np.nan
    base = normalised_arrays(batch, fw, rates)
    for cols in ([3], [1, 2], [3, 9], [0]):
        changed = batch.copy()
        changed[..., 6, cols] = np.nan_to_num(changed[..., 6, cols], nan=2.0) * 1.7   # fills the NaN when 3 changes
        full = score_arrays(changed, fw, rates)
        fast = rescore_columns(changed[..., cols], cols, base, fw, rates)
        assert_same_numbers(fast.scores, full.scores)
