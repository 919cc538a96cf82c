"""Sobol indices of a province's rank (SALib's sample and estimator, re-scored by the engine) and the pooled OLS of rank on pillars."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis import drivers, sensitivity
from pii_analysis.data.errors import PiiInputError
from pii_analysis.report import drivers_plots, drivers_text

NB = "Ninh Bình"



@pytest.fixture(scope="module")
def nb(ctx):
    return drivers.standing(ctx, NB, 2025, 10)


def test_sobol_is_seeded_and_bounded(nb):
    a = sensitivity.sobol_rank(nb, level="pillar", n=64, seed=7)
    b = sensitivity.sobol_rank(nb, level="pillar", n=64, seed=7)
    assert a.equals(b)
    assert list(a.columns[-4:]) == ["S1", "S1_conf", "ST", "ST_conf"] and len(a) == 7
    assert a.attrs["evaluations"] == 64 * (7 + 2)
    assert (a["ST"].to_numpy()[:-1] >= a["ST"].to_numpy()[1:]).all()
    own = nb.node_scores().loc[NB, a["factor"]].to_numpy()
    assert np.allclose(a["high"] - a["low"], np.minimum(own + 10, 100) - np.maximum(own - 10, 0))
    assert 5 <= a.attrs["min"] <= 14 <= a.attrs["max"]
    # the output pillars (weight 1/4 each) matter more than any input pillar (1/10 each)
    assert set(a["factor"].head(2)) == {"6", "7"}


def test_sobol_over_indicators_ranks_high_weight_indicators_first(nb):
    s = sensitivity.sobol_rank(nb, level="indicator", n=128, seed=1)
    assert len(s) == 52 and s.attrs["evaluations"] == 128 * 54
    weights = drivers.effective_weights(nb.framework)
    assert weights[s["factor"].iloc[0]] == weights.max()
    assert (s["ST"] > -0.05).all()


def test_sobol_constant_rank_gives_zero_indices(ctx):
    first = drivers.standing(ctx, "Hà Nội", 2025)
    s = sensitivity.sobol_rank(first, level="pillar", n=32, spread=5.0)
    assert s.attrs["min"] == s.attrs["max"] == 1 and (s[["S1", "ST"]] == 0).all().all()
    assert "does not change" in drivers_text.sobol_text(s, "en")


@pytest.mark.parametrize("kwargs, match", [({"n": 100}, "power of two"), ({"seed": -1}, "seed"),
                                           ({"level": "province"}, "level"), ({"ranges": "wide"}, "ranges")])
def test_sobol_bad_settings(nb, kwargs, match):
    with pytest.raises(PiiInputError, match=match):
        sensitivity.sobol_rank(nb, **{"n": 16, **kwargs})


def test_sobol_observed_ranges_and_chart(nb):
    s = sensitivity.sobol_rank(nb, level="pillar", ranges="observed", n=32)
    pillars = nb.node_scores()[s["factor"]]
    assert np.allclose(s["low"], pillars.min()) and np.allclose(s["high"], pillars.max())
    fig = drivers_plots.sobol_bars(s, "vi")
    assert "Độ nhạy" in fig.get_suptitle()


@pytest.mark.parametrize("num_vars, n, seed", [(52, 512, 20251001), (7, 64, 7), (3, 16, 0)])
def test_sobol_sample_and_indices_are_salibs_to_the_last_bit(num_vars, n, seed):
    """The whole-array Saltelli sample and estimator give SALib's numbers exactly: the same sample, and for a
    step-like (rank) and a smooth output the same S1, ST and bootstrap half-widths (seed 0: SALib then draws
    the resamples from numpy's global generator, and so does the estimator)."""
    import warnings

    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    problem = {"num_vars": num_vars, "names": [f"x{i}" for i in range(num_vars)], "bounds": [[0.0, 1.0]] * num_vars}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = salib_sample.sample(problem, n, calc_second_order=False, seed=seed)
    sample = sensitivity.saltelli_sample(num_vars, n, seed)
    assert np.array_equal(sample, reference) and not sample.flags.writeable
    w = np.random.default_rng(1).normal(size=num_vars)
    for y in (np.round(3 * sample @ w), sample @ w + np.sin(7 * sample[:, 0])):
        np.random.seed(11)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = salib_analyze.analyze(problem, y.copy(), calc_second_order=False, num_resamples=100,
                                             conf_level=0.95, seed=seed)
        np.random.seed(11)
        got = sensitivity.sobol_indices(y.copy(), num_vars, num_resamples=100, conf_level=0.95, seed=seed)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            assert np.array_equal(got[key], np.asarray(expected[key])), key


def test_rank_of_is_the_engines_rank_of_the_changed_field(ctx):
    """Standing.rank_of (a binary search among the others) ranks every candidate PII as rank_desc ranks the
    whole field with the province's PII replaced: ties at the rounding, above, below and missing."""
    from pii_analysis.index.scoring import rank_desc

    for province in ("Hà Nội", NB, "Lai Châu"):
        st = drivers.standing(ctx, province, 2025)
        pii = st.pii()
        candidates = np.concatenate([pii, pii + 1e-10, pii - 1e-10, np.round(pii, 2) + 0.005,
                                     np.linspace(-1, 101, 2001), [np.nan]])
        field = np.broadcast_to(pii, candidates.shape + (len(pii),)).copy()
        field[:, st.row] = candidates
        expected = rank_desc(field, st.method.rank_decimals)[:, st.row]
        assert np.array_equal(st.rank_of(candidates), expected, equal_nan=True)
        assert np.array_equal(st.rank_of(candidates.reshape(-1, 1)), expected.reshape(-1, 1), equal_nan=True)


def test_pillar_ols_of_rank(ctx):
    ols = sensitivity.pillar_ols(ctx.scores)
    assert list(ols["term"]) == ["const", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "year_2024", "year_2025"]
    assert ols.attrs["nobs"] == 102 and 0.5 < ols.attrs["r2"] < 1
    pillars = ols[ols["term"].str.startswith("p")]
    assert (pillars["coef"] < 0).sum() >= 6  # higher pillar score, better (smaller) rank
    assert (ols["ci_low"] <= ols["coef"]).all() and (ols["coef"] <= ols["ci_high"]).all()
    score = sensitivity.pillar_ols(ctx.scores, response="score", year_effects=False)
    assert score.attrs["r2"] == pytest.approx(1.0, abs=1e-6)  # the PII is a weighted mean of the pillars
    text = drivers_text.ols_text(ols, ctx.data_status, ctx.framework, "vi")
    assert "không phải quan hệ nhân quả" in text and "dữ liệu minh họa" in text
    with pytest.raises(PiiInputError, match="response"):
        sensitivity.pillar_ols(ctx.scores, response="pii")


def test_pillar_ols_is_kept_per_result_and_returned_as_a_copy(ctx):
    first = sensitivity.pillar_ols(ctx.scores)
    first.loc[0, "coef"] = 999.0          # a caller changing its table changes no later answer
    first.attrs["r2"] = -1.0
    again = sensitivity.pillar_ols(ctx.scores)
    fresh = sensitivity._pillar_ols(ctx.scores, "rank", True, "HC1")
    pd.testing.assert_frame_equal(again, fresh)
    assert again.attrs == fresh.attrs and again.attrs["r2"] > 0.5
    score = sensitivity.pillar_ols(ctx.scores, response="score", year_effects=False)
    assert score.attrs["response"] == "score" and score.attrs["r2"] == pytest.approx(1.0, abs=1e-6)


def test_the_kept_unit_sample_scales_to_salibs_own_sample():
    """sobol_rank reuses one unit-cube Saltelli sample per (factors, n, seed); scaled to any ranges it is
    exactly SALib's sample for those ranges."""
    import warnings

    import numpy as np
    from SALib.sample import sobol as sobol_sample
    from SALib.util import scale_samples

    from pii_analysis.analysis import sensitivity

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[10.0, 30.5], [0.0, 7.25], [55.5, 70.0]]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = sobol_sample.sample(dict(problem), 32, calc_second_order=False, seed=9)
    kept = sensitivity.scaled(sensitivity.saltelli_sample(3, 32, 9), *np.array(problem["bounds"]).T)
    assert np.array_equal(direct, kept)
    assert np.array_equal(direct, scale_samples(sensitivity.saltelli_sample(3, 32, 9).copy(), dict(problem)))
    assert sensitivity.saltelli_sample(3, 32, 9) is sensitivity.saltelli_sample(3, 32, 9)
