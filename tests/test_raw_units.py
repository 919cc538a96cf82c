"""Drivers in real units: raw thresholds, missing-aware weights and sustained paces, each checked
against the engine by brute force (the raw panel changed in its own units and scored again)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pii_analysis.analysis import drivers, raw_units
from pii_analysis.analysis.weights import present_weights
from pii_analysis.index.scoring import aggregate, rank_desc, score_arrays

NB = "Ninh Bình"



_ARRAYS: dict = {}


def brute_ranks(ctx, province: str, code: str, rates, year: int | None = None) -> np.ndarray:
    """The province's rank for each candidate `code` rate: the raw panel (counts and denominators, as
    read) is changed in the numerator and scored from scratch by the engine with the context's method."""
    fw = ctx.framework
    year = ctx.check_year(year)
    provinces = ctx.panel.provinces(year)
    key = (id(ctx), year)
    if key not in _ARRAYS:
        _ARRAYS[key] = ctx.panel.arrays(fw, provinces, [year])
    values, dens = _ARRAYS[key]
    rates = np.atleast_1d(np.asarray(rates, dtype=float))
    batch = np.repeat(values[0][None], len(rates), axis=0)
    p, i = provinces.index(province), fw.indicators.index(code)
    node = fw.nodes.loc[code]
    if node["denominator"] != "none" and ctx.method.denomination == "divide" and dens is not None:
        scale = float(node["scale"])
        batch[:, p, i] = rates * dens[0][p, i] / scale
    else:
        batch[:, p, i] = rates
    pii = score_arrays(batch, fw, ctx.method, None if dens is None else dens[0]).node(fw.root)
    return rank_desc(pii, ctx.method.rank_decimals)[:, p].astype(int)


def brute_rank(ctx, province: str, code: str, rate: float, year: int | None = None) -> int:
    return int(brute_ranks(ctx, province, code, [rate], year)[0])


@pytest.fixture(scope="module")
def nb(ctx):
    rs = raw_units.raw_standing(ctx, NB)
    rank = rs.base()[1]
    return rs, rank, raw_units.raw_thresholds(rs, [rank - 1, 10])


def test_raw_standing_reproduces_the_published_rank_and_rates(ctx, nb):
    rs, rank, table = nb
    ranking = ctx.scores.ranking(rs.year).set_index("province")
    assert rank == int(ranking.loc[NB, "rank"])
    # the raw value shown is the rate after denomination
    i = next(k for k, c in enumerate(ctx.framework.indicators)
             if ctx.framework.nodes.at[c, "denominator"] != "none")
    code = ctx.framework.indicators[i]
    assert brute_rank(ctx, NB, code, float(table["raw_value"].iloc[i])) == rank


def test_raw_thresholds_match_brute_force_rescoring_of_the_raw_panel(ctx, nb):
    """One reporting step below the threshold keeps the rank, the threshold gains it; and on the way
    there no value reaches it earlier (for indicators where the rank is monotone)."""
    rs, rank, table = nb
    fw = ctx.framework
    col = f"raw_for_{rank - 1}"
    reach = table[table[col].notna()]
    assert len(reach) >= 3
    beyond_best = reach[(reach[col] - reach["national_best"]) * fw.direction[reach.index] > 0]
    picks = list(reach.index[:3]) + list(beyond_best.index[:1])   # incl. one where the province becomes the new best
    for i in dict.fromkeys(picks):
        code, thr = fw.indicators[i], float(table.at[i, col])
        d, res = fw.direction[i], float(table.at[i, "resolution"])
        assert brute_rank(ctx, NB, code, thr) <= rank - 1, code
        assert brute_rank(ctx, NB, code, thr - d * res) > rank - 1, code
        if table.at[i, "monotone"]:
            own = float(table.at[i, "raw_value"])
            assert np.all(brute_ranks(ctx, NB, code, np.linspace(own, thr - d * res, 200)) >= rank), code


def test_not_reachable_means_no_raw_value_up_to_the_bound_reaches_it(ctx, nb):
    rs, rank, table = nb
    fw = ctx.framework
    unreachable = table[table["raw_for_10"].isna() & table["raw_value"].notna()]
    assert len(unreachable)
    for i in unreachable.index[:3]:
        code, own, bound = fw.indicators[i], float(table.at[i, "raw_value"]), float(table.at[i, "bound"])
        values = np.concatenate([np.linspace(own, float(table.at[i, "national_best"]), 300),
                                 np.linspace(own, bound, 600)])
        assert brute_ranks(ctx, NB, code, values).min() > 10, code


def test_non_monotone_indicators_are_flagged_where_the_rank_gets_worse(ctx):
    # across provinces the search meets indicators where a better value gives a worse rank
    # (the outlier rule starts to apply or the maximum moves): each flag is re-checked by brute force
    fw = ctx.framework
    found = 0
    for province in ctx.panel.provinces()[:12]:
        rs = raw_units.raw_standing(ctx, province)
        table = raw_units.raw_thresholds(rs, [1])
        for i in table.index[~table["monotone"]][:2]:
            code, own = fw.indicators[i], float(table.at[i, "raw_value"])
            grid = raw_units._grid(rs.own, table["national_best"].to_numpy(), table["bound"].to_numpy(),
                                   fw.direction.astype(float))[i]
            ranks = brute_ranks(ctx, province, code, [own, *grid])
            assert np.any(np.diff(ranks) > 0), (province, code)
            # worse_beyond is the value after which the rank first gets worse
            k = int(np.argmax(np.diff(ranks) > 0))
            assert table.at[i, "worse_beyond"] == pytest.approx([own, *grid][k])
            found += 1
    assert found >= 1


def test_quantity_change_is_the_rate_change_times_todays_denominator(ctx, nb):
    rs, rank, table = nb
    fw = ctx.framework
    new = table["raw_value"].to_numpy() + 1.0
    q = raw_units.quantity_change(rs, new)
    provinces = ctx.panel.provinces(rs.year)
    values, dens = ctx.panel.arrays(fw, provinces, [rs.year])
    for i, code in enumerate(fw.indicators):
        node = fw.nodes.loc[code]
        if node["denominator"] == "none":
            assert np.isnan(q[i])
        else:
            scale = float(node["scale"])
            assert q[i] == pytest.approx(dens[0][rs.row, i] / scale)


def test_missing_aware_weights_are_the_exact_pii_effect_of_one_point(ctx):
    """A province missing an indicator gives its weight to the siblings: the leverage of each present
    indicator is its exact PII effect (re-scored), not the nominal weight."""
    fw = ctx.framework
    year = ctx.check_year(None)
    frame = drivers.normalised_scores(ctx, year).copy()
    missing = next(c for c in reversed(fw.indicators) if len(fw.children[fw.nodes.at[c, "parent"]]) >= 2)
    frame.loc[NB, missing] = np.nan
    st = drivers.Standing(fw, ctx.method, year, NB, frame)
    w = present_weights(fw, ctx.method, st.own)
    assert w.sum() == pytest.approx(1.0)
    assert w[fw.indicators.index(missing)] == 0.0
    nominal = fw.effective_weights().reindex(fw.indicators).to_numpy()
    sibling = fw.indicators.index(next(c for c in fw.children[fw.nodes.at[missing, "parent"]] if c != missing))
    assert w[sibling] > nominal[sibling] * 1.2          # the sibling carries the missing weight
    base = st.pii()[st.row]
    for i in range(len(fw.indicators)):
        row = st.own.copy()
        if np.isnan(row[i]):
            continue
        row[i] = row[i] - 1.0 if row[i] >= 1.0 else row[i] + 1.0
        scores, codes = aggregate(row[None, None, :], fw, ctx.method)
        assert abs(scores[0, 0, codes.index(fw.root)] - base) == pytest.approx(w[i], abs=1e-12)
    table = drivers.indicator_table(st, 10, 10.0)
    assert np.allclose(table["effective_weight"], w)
    assert np.allclose(table["leverage_national"], w * table["gap_national"], equal_nan=True)


def test_marginal_effects_are_exact_rescoring_of_one_raw_step(ctx, nb):
    rs, rank, table = nb
    fw = ctx.framework
    from pii_analysis.analysis.paces import sustained_paces

    pace = sustained_paces(ctx, province=NB)["pace"]
    effects = raw_units.marginal_effects(rs, pace.to_numpy())
    for i in [0, 10, 30]:
        if np.isnan(rs.own[i]):
            continue
        assert effects.at[i, "rank_after_raw_step"] == brute_rank(ctx, NB, fw.indicators[i],
                                                                  effects.at[i, "raw_after_step"])
        # the same step backwards (a slip), never below what the indicator can take
        slip = effects.at[i, "raw_after_drop"]
        d = fw.direction[i]
        assert d * (rs.own[i] - slip) == pytest.approx(min(pace.iloc[i], d * (rs.own[i] - (0 if d > 0 else slip))))
        assert effects.at[i, "rank_after_raw_drop"] == brute_rank(ctx, NB, fw.indicators[i], slip)
        assert effects.at[i, "rank_after_raw_drop"] >= rank
    assert isinstance(effects, pd.DataFrame)
