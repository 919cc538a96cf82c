"""Methodological uncertainty of ranks, as the JRC audits of the GII do it.

The ranking depends on choices the PII does not publish or could reasonably make
differently: weights, normalisation, outlier treatment and aggregation. Each draw
samples all of them at once (weights from a Dirichlet distribution around the nominal
weights within every parent node; the other choices uniformly from their options)
and re-scores the same data with the engine's own steps. The result is each
province's nominal rank, median rank, 5th-95th percentile interval and P(rank <=
target). Seeded: the same seed gives the same table.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from pii_analysis.analysis.cache import memo
from pii_analysis.analysis.projection import DEFAULT_SEED, data_parts, rate_method
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import CHOICES
from pii_analysis.index.scoring import aggregate, impute, normalise, rank_desc, score_arrays, treat_outliers


@dataclass(frozen=True)
class Uncertainty:
    """table: province, nominal_rank, median_rank, rank_p05, rank_p95, p_target;
    ranks: (draws, provinces); choices: one row per draw (normalisation, outliers, aggregation)."""

    table: pd.DataFrame
    ranks: np.ndarray
    choices: pd.DataFrame
    target_rank: int


def dirichlet_weights(framework: Framework, n: int, concentration: float,
                      rng: np.random.Generator) -> np.ndarray:
    """(n, nodes) weights: within each parent a Dirichlet(concentration x nominal share) draw."""
    nominal = framework.weight
    out = np.tile(nominal.to_numpy(dtype=float), (n, 1))
    pos = {c: i for i, c in enumerate(framework.nodes.index)}
    for parent, kids in framework.children.items():
        if len(kids) < 2:
            continue
        alpha = concentration * nominal.loc[kids].to_numpy(dtype=float)
        out[:, [pos[k] for k in kids]] = rng.dirichlet(np.maximum(alpha, 1e-6), size=n)
    return out


def method_uncertainty(ctx, *, rates: np.ndarray | None = None, year: int | None = None,
                       n_draws: int = 500, seed: int = DEFAULT_SEED, target_rank: int = 10,
                       weight_concentration: float = 50.0,
                       normalisations: tuple[str, ...] = CHOICES["normalisation"],
                       outliers: tuple[str, ...] = CHOICES["outliers"],
                       aggregations: tuple[str, ...] = CHOICES["aggregation"]) -> Uncertainty:
    """Rank intervals under varying weights and method choices.

    `rates` (provinces, indicators) are denominated values in the context's province
    order (e.g. a projected year); default: the observed rates of `year` (latest).
    A concentration of 50 moves a weight of 1/3 by about +-0.065 (1 sd).
    """
    target_rank = ctx.check_rank(target_rank)
    if not isinstance(n_draws, int) or n_draws < 1:
        raise PiiInputError(f"n_draws must be a whole number >= 1, got {n_draws!r}", column="n_draws")
    if weight_concentration <= 0:
        raise PiiInputError("weight_concentration must be > 0", column="weight_concentration")
    for name, options in (("normalisation", normalisations), ("outliers", outliers), ("aggregation", aggregations)):
        bad = [o for o in options if o not in CHOICES[name]]
        if not options or bad:
            raise PiiInputError(f"{name} options must be among {', '.join(CHOICES[name])}", column=name)
    options = {"normalisations": list(normalisations), "outliers": list(outliers),
               "aggregations": list(aggregations)}
    if rates is None:
        year = ctx.check_year(year)

    def compute() -> Uncertainty:
        return _method_uncertainty(ctx, rates, year, n_draws, seed, target_rank, weight_concentration,
                                   tuple(normalisations), tuple(outliers), tuple(aggregations))

    identity = data_parts(ctx)
    if identity is None:   # data not from a file: nothing identifies it, so nothing is stored
        return compute()
    # the same for every province of a report run: computed once ($PII_CACHE_DIR), then loaded
    given = None if rates is None else hashlib.sha256(np.ascontiguousarray(rates, dtype=float).tobytes()
                                                      + str(np.shape(rates)).encode()).hexdigest()
    parts = {**identity, "rates": given or f"observed {year}", "n_draws": n_draws, "seed": seed,
             "target_rank": target_rank, "weight_concentration": float(weight_concentration), **options}
    return memo("method_uncertainty", parts, compute)


def _method_uncertainty(ctx, rates: np.ndarray | None, year: int, n_draws: int, seed: int, target_rank: int,
                        weight_concentration: float, normalisations: tuple[str, ...], outliers: tuple[str, ...],
                        aggregations: tuple[str, ...]) -> Uncertainty:
    fw = ctx.framework
    provinces = ctx.panel.provinces()
    if rates is None:
        _, provinces, r = panel_rates(ctx, [year])
        rates = r[0]
    base = rate_method(ctx)
    nominal = score_arrays(rates, fw, base)
    nominal_rank = rank_desc(nominal.node(fw.root), base.rank_decimals)

    combos = list(product(outliers, normalisations))
    normalised = {}
    for out_rule, how in combos:
        m = base.with_options(outliers=out_rule, normalisation=how)
        treated, *_ = treat_outliers(rates, m)
        normalised[(out_rule, how)] = impute(normalise(treated, fw.direction, how), m.missing)
    rng = np.random.default_rng([seed, 7])
    weights = dirichlet_weights(fw, n_draws, weight_concentration, rng)
    pick_combo = rng.integers(len(combos), size=n_draws)
    pick_agg = rng.integers(len(aggregations), size=n_draws)
    ranks = np.empty((n_draws, len(provinces)))
    index = pd.Index(fw.nodes.index)
    for d in range(n_draws):
        f = fw.with_weights(pd.Series(weights[d], index=index))
        m = base.with_options(aggregation=aggregations[pick_agg[d]])
        scores, codes = aggregate(normalised[combos[pick_combo[d]]], f, m)
        ranks[d] = rank_desc(scores[:, codes.index(fw.root)], m.rank_decimals)
    q = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")
    table = pd.DataFrame({"province": provinces, "nominal_rank": nominal_rank, "median_rank": q[1],
                          "rank_p05": q[0], "rank_p95": q[2], "p_target": np.mean(ranks <= target_rank, axis=0)})
    choices = pd.DataFrame({"outliers": [combos[i][0] for i in pick_combo],
                            "normalisation": [combos[i][1] for i in pick_combo],
                            "aggregation": [aggregations[i] for i in pick_agg]})
    return Uncertainty(table=table.sort_values(["nominal_rank", "province"]).reset_index(drop=True),
                       ranks=ranks, choices=choices, target_rank=target_rank)
