"""Methodological uncertainty: seeded, nominal when nothing varies, plausible intervals."""
from __future__ import annotations

import numpy as np
import pytest

from pii_analysis.analysis.uncertainty import method_uncertainty
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.context import load_context


@pytest.fixture(scope="module")
def ctx():
    return load_context()


def test_seeded_and_interval_contains_median(ctx):
    a = method_uncertainty(ctx, n_draws=80, seed=3)
    b = method_uncertainty(ctx, n_draws=80, seed=3)
    assert a.table.equals(b.table)
    t = a.table
    assert (t["rank_p05"] <= t["median_rank"]).all() and (t["median_rank"] <= t["rank_p95"]).all()
    nominal = ctx.scores.ranking(2025).set_index("province")["rank"]
    assert (t.set_index("province")["nominal_rank"] == nominal.reindex(t["province"]).to_numpy()).all()
    assert set(a.choices["normalisation"]) <= {"minmax", "zscore", "rank"}


def test_nothing_varies_gives_the_nominal_rank(ctx):
    u = method_uncertainty(ctx, n_draws=5, weight_concentration=1e12, normalisations=("minmax",),
                           outliers=("gii",), aggregations=("arithmetic",))
    assert (u.table["median_rank"] == u.table["nominal_rank"]).all()
    assert (u.table["p_target"] == (u.table["nominal_rank"] <= 10)).all()


def test_bad_options(ctx):
    with pytest.raises(PiiInputError, match="normalisation"):
        method_uncertainty(ctx, n_draws=5, normalisations=("minmax", "log"))


def test_memoised_in_a_report_run_and_identical_to_an_uncached_call(ctx, tmp_path, monkeypatch):
    """Inside a run ($PII_CACHE_DIR) the table is stored once and reloaded: the same numbers as
    computing it, for observed and for given (projected) rates; another seed is another entry."""
    from pii_analysis.analysis.projection import deterministic_rates

    projected = deterministic_rates(ctx, target_year=2030)[2][-1]
    plain = [method_uncertainty(ctx, rates=r, n_draws=20, seed=5) for r in (None, projected)]
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    for _ in range(2):   # computed and stored, then loaded
        cached = [method_uncertainty(ctx, rates=r, n_draws=20, seed=5) for r in (None, projected)]
        for a, b in zip(plain, cached):
            assert a.table.equals(b.table) and np.array_equal(a.ranks, b.ranks) and a.choices.equals(b.choices)
    assert len(list(tmp_path.glob("method_uncertainty-*.pkl"))) == 2
    other = method_uncertainty(ctx, n_draws=20, seed=6)
    assert len(list(tmp_path.glob("method_uncertainty-*.pkl"))) == 3
    assert not np.array_equal(other.ranks, plain[0].ranks)
