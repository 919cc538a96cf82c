"""Sobol indices of a province's rank (SALib, re-scored by the engine) and the pooled OLS of rank on pillars."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis import drivers, sensitivity
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.context import load_context
from pii_analysis.report import drivers_plots, drivers_text

NB = "Ninh Bình"


@pytest.fixture(scope="module")
def ctx():
    return load_context()


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
    kept = scale_samples(sensitivity._unit_sample(3, 32, 9).copy(), dict(problem))
    assert np.array_equal(direct, kept)
    assert sensitivity._unit_sample(3, 32, 9) is sensitivity._unit_sample(3, 32, 9)
