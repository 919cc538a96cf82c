"""Methodological uncertainty: seeded, nominal when nothing varies, plausible intervals."""
from __future__ import annotations

import numpy as np
import pytest

from pii_analysis.analysis.uncertainty import method_uncertainty
from pii_analysis.data.errors import PiiInputError



def test_seeded_and_interval_contains_median(ctx):
    a = method_uncertainty(ctx, n_draws=80, seed=3)
    b = method_uncertainty(ctx, n_draws=80, seed=3)
    assert a.table.equals(b.table)
    t = a.table
    assert (t["rank_p05"] <= t["median_rank"]).all() and (t["median_rank"] <= t["rank_p95"]).all()
    nominal = ctx.scores.ranking(2025).set_index("province")["rank"]
    assert (t.set_index("province")["nominal_rank"] == nominal.reindex(t["province"]).to_numpy()).all()
    assert set(a.choices["imputation"]) <= {"available", "mean", "median"}
    assert set(a.choices["aggregation"]) <= {"arithmetic", "geometric"}
    assert len(a.ranks) == 80


def test_nothing_varies_gives_the_nominal_rank(ctx):
    u = method_uncertainty(ctx, n_draws=6, weight_concentration=1e12, imputations=("available",),
                           aggregations=("arithmetic",))
    assert (u.table["median_rank"] == u.table["nominal_rank"]).all()
    assert (u.table["p_target"] == (u.table["nominal_rank"] <= 10)).all()


def test_bad_options(ctx):
    with pytest.raises(PiiInputError, match="aggregation"):
        method_uncertainty(ctx, n_draws=5, aggregations=("arithmetic", "harmonic"))
    with pytest.raises(PiiInputError, match="imputation"):
        method_uncertainty(ctx, n_draws=5, imputations=("available", "guess"))


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


def test_pillar_level_geometric_aggregation_by_hand(ctx):
    """The geometric variant aggregates the pillars of each sub-index geometrically (score + 1), the
    sub-indices then with the confirmed equal split; the arithmetic one reproduces the engine."""
    from pii_analysis.analysis.projection import rate_method
    from pii_analysis.analysis.trends import panel_rates
    from pii_analysis.analysis.uncertainty import aggregate_pillars, pillar_scores

    fw = ctx.framework
    _, provinces, rates = panel_rates(ctx, [2025])
    method = rate_method(ctx)
    pillars = pillar_scores(fw, method, rates[0], "available")[None]
    w = fw.weight[fw.pillars].to_numpy()[None]
    arith = aggregate_pillars(fw, method, pillars, w, np.array([False]))[0]
    assert np.allclose(arith, ctx.scores.table.query("year == 2025 and node == 'PII'")
                       .set_index("province")["score"].reindex(provinces).to_numpy(), atol=1e-9)
    geo = aggregate_pillars(fw, method, pillars, w, np.array([True]))[0]
    p = 0
    by_hand = 0.0
    for sub in fw.children[fw.root]:
        kids = fw.children[sub]
        idx = [fw.pillars.index(k) for k in kids]
        ww = fw.weight[kids].to_numpy()
        g = np.exp(np.sum(ww * np.log(pillars[0, p, idx] + 1.0)) / ww.sum()) - 1.0
        by_hand += fw.weight[sub] * g
    assert geo[p] == pytest.approx(by_hand, abs=1e-12)
    assert (geo <= arith + 1e-12).all()       # geometric never above arithmetic


def test_sobol_indices_on_the_assumptions(ctx):
    """Only the aggregation varies: every province whose rank moves owes all of it to that factor
    (ST = 1 up to sampling error, the other factors exactly 0)."""
    u = method_uncertainty(ctx, n_draws=400, seed=2, weight_concentration=1e12, imputations=("available",))
    s = u.sobol.set_index(["province", "factor"])
    moving = u.table.loc[u.table["rank_p05"] < u.table["rank_p95"], "province"]
    assert len(moving)
    for province in moving:
        assert s.loc[(province, "aggregation"), "ST"] == pytest.approx(1.0, abs=0.15)
        assert s.loc[(province, "weights"), "ST"] == pytest.approx(0.0, abs=1e-12)
        assert s.loc[(province, "imputation"), "ST"] == 0.0
    full = method_uncertainty(ctx, n_draws=400, seed=2).sobol
    assert set(full["factor"]) == {"weights", "imputation", "aggregation"}
    assert (full["ST"].dropna() >= 0).all()


def test_one_entry_serves_every_target_rank(ctx, tmp_path, monkeypatch):
    """A report run stores the variants once; a province with another target reads the same entry and gets
    exactly the P(rank <= target) of variants computed for that target (nothing else depends on it)."""
    from pii_analysis.analysis import uncertainty

    direct = {r: uncertainty._method_uncertainty(ctx, None, 2025, 60, 5, r, 50.0, uncertainty.IMPUTATIONS,
                                                 uncertainty.AGGREGATIONS) for r in (10, 4, 20)}
    monkeypatch.setenv("PII_CACHE_DIR", str(tmp_path))
    stored = method_uncertainty(ctx, n_draws=60, seed=5, target_rank=10)
    assert stored.table.equals(direct[10].table)
    for r in (4, 20):
        got = method_uncertainty(ctx, n_draws=60, seed=5, target_rank=r)
        assert got.target_rank == r and got.table.equals(direct[r].table)
        assert not got.table["p_target"].equals(stored.table["p_target"])
    assert len(list(tmp_path.glob("method_uncertainty-*"))) == 1
