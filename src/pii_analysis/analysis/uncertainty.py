"""Methodological uncertainty of ranks, as the JRC audits the GII.

The ranking rests on choices the PII does not publish or could reasonably make otherwise. As in
the JRC's GII audits, three are varied: the pillar weights (a Dirichlet draw around the nominal
weights within each sub-index), the treatment of missing values (the GII's 'available' rule or
imputation by the mean or median) and the aggregation of pillars into the sub-indices (weighted
arithmetic or geometric mean). Min-max normalisation, the outlier rule, the weights below the
pillars and the confirmed equal split of input and output stay as published. Each draw re-scores
the same data with the engine's own steps. The result is each province's nominal rank, median
rank, 90% interval (5th-95th percentile) and P(rank <= target), and first-order and total Sobol
indices of the rank on the three assumptions (a Saltelli design on grouped factors: 2 + 3 sets of
draws). Seeded: the same seed gives the same tables.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.cache import memo
from pii_analysis.analysis.projection import DEFAULT_SEED, data_parts, rate_method
from pii_analysis.analysis.trends import panel_rates
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import CHOICES
from pii_analysis.index.scoring import aggregate, impute, normalise, rank_desc, score_arrays, treat_outliers

FACTORS = ("weights", "imputation", "aggregation")
IMPUTATIONS = ("available", "mean", "median")
AGGREGATIONS = ("arithmetic", "geometric")


@dataclass(frozen=True)
class Uncertainty:
    """table: province, nominal_rank, median_rank, rank_p05, rank_p95, p_target;
    ranks: (draws, provinces); choices: one row per draw (imputation, aggregation);
    sobol: province, factor, S1, ST (Sobol indices of the rank on each assumption; NaN when the
    rank never moves); provinces: the order of the columns of `ranks`."""

    table: pd.DataFrame
    ranks: np.ndarray
    choices: pd.DataFrame
    target_rank: int
    sobol: pd.DataFrame
    provinces: tuple[str, ...] = ()

    def for_target(self, target_rank: int) -> Uncertainty:
        """The same variants with P(rank <= target_rank) (the target is used for nothing else)."""
        if target_rank == self.target_rank:
            return self
        p = dict(zip(self.provinces, np.mean(self.ranks <= target_rank, axis=0)))
        return dataclasses.replace(self, table=self.table.assign(p_target=self.table["province"].map(p)),
                                   target_rank=target_rank)


def dirichlet_weights(framework: Framework, n: int, concentration: float,
                      rng: np.random.Generator) -> np.ndarray:
    """(n, nodes) weights: within each parent a Dirichlet(concentration x nominal share) draw."""
    nominal = framework.weight
    out = np.tile(nominal.to_numpy(dtype=float), (n, 1))
    pos = {c: i for i, c in enumerate(framework.nodes.index)}
    for kids in framework.children.values():
        if len(kids) < 2:
            continue
        alpha = concentration * nominal.loc[kids].to_numpy(dtype=float)
        out[:, [pos[k] for k in kids]] = rng.dirichlet(np.maximum(alpha, 1e-6), size=n)
    return out


def method_uncertainty(ctx, *, rates: np.ndarray | None = None, year: int | None = None,
                       n_draws: int = 500, seed: int = DEFAULT_SEED, target_rank: int = 10,
                       weight_concentration: float = 50.0, imputations: tuple[str, ...] = IMPUTATIONS,
                       aggregations: tuple[str, ...] = AGGREGATIONS) -> Uncertainty:
    """Rank intervals and Sobol indices under varied pillar weights, imputation and pillar aggregation.

    `rates` (provinces, indicators) are denominated values in the context's province order (e.g. a
    projected year); default: the observed rates of `year` (latest). `n_draws` variants give the
    intervals (half from each of the two Saltelli base sets). A concentration of 50 moves a weight
    of 1/5 by about +-0.056 (1 sd).
    """
    target_rank = ctx.check_rank(target_rank)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 2:
        raise PiiInputError(f"n_draws must be a whole number >= 2, got {n_draws!r}", column="n_draws")
    if weight_concentration <= 0:
        raise PiiInputError("weight_concentration must be > 0", column="weight_concentration")
    for name, options, allowed in (("imputation", imputations, CHOICES["missing"]),
                                   ("aggregation", aggregations, CHOICES["aggregation"])):
        bad = [o for o in options if o not in allowed]
        if not options or bad:
            raise PiiInputError(f"{name} options must be among {', '.join(allowed)}", column=name)
    if rates is None:
        year = ctx.check_year(year)

    def compute() -> Uncertainty:
        return _method_uncertainty(ctx, rates, year, n_draws, seed, target_rank, weight_concentration,
                                   tuple(imputations), tuple(aggregations))

    identity = data_parts(ctx)
    if identity is None:   # data not from a file: nothing identifies it, so nothing is stored
        return compute()
    # the same for every province of a report run: computed once ($PII_CACHE_DIR), then loaded
    given = None if rates is None else hashlib.sha256(np.ascontiguousarray(rates, dtype=float).tobytes()
                                                      + str(np.shape(rates)).encode()).hexdigest()
    # every province of a run reads the same entry, whatever its target (only P(rank <= target) follows it)
    parts = {**identity, "rates": given or f"observed {year}", "n_draws": n_draws, "seed": seed,
             "weight_concentration": float(weight_concentration),
             "imputations": list(imputations), "aggregations": list(aggregations), "design": "jrc-pillars-v1"}
    return memo("method_uncertainty", parts, compute).for_target(target_rank)


def pillar_scores(framework: Framework, method, rates: np.ndarray, imputation: str) -> np.ndarray:
    """(provinces, pillars) pillar scores with `imputation` of the normalised indicators and the
    nominal arithmetic weights below the pillars (the engine's steps up to the pillars)."""
    m = method.with_options(missing=imputation, aggregation="arithmetic")
    treated, *_ = treat_outliers(rates, m)
    scores, codes = aggregate(impute(normalise(treated, framework.direction, m.normalisation), imputation),
                              framework, m)
    return scores[..., [codes.index(c) for c in framework.pillars]]


def aggregate_pillars(framework: Framework, method, pillars: np.ndarray, weights: np.ndarray,
                      geometric: np.ndarray) -> np.ndarray:
    """PII of (draws, provinces, pillars) pillar scores with per-draw pillar `weights` (draws, pillars)
    and per-draw aggregation (`geometric`, (draws,) bool) of the pillars into their parents; the parents
    (sub-indices) are combined with their nominal weights (the confirmed equal input/output split).
    Missing pillars are left out and the others re-weighted, as the engine does."""
    parents = list(dict.fromkeys(framework.nodes.at[c, "parent"] for c in framework.pillars))
    present = ~np.isnan(pillars)
    x = np.where(present, pillars, 0.0)
    w = weights[:, None, :] * present
    logged = np.where(present, np.log(np.maximum(x, 0.0) + 1.0), 0.0)
    out = np.empty(pillars.shape[:2] + (len(parents),))
    for k, parent in enumerate(parents):
        cols = [i for i, c in enumerate(framework.pillars) if framework.nodes.at[c, "parent"] == parent]
        total = w[..., cols].sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            arith = (w[..., cols] * x[..., cols]).sum(axis=-1) / total
            geo = np.exp((w[..., cols] * logged[..., cols]).sum(axis=-1) / total) - 1.0
        out[..., k] = np.where(total > 0, np.where(geometric[:, None], geo, arith), np.nan)
    if parents == [framework.root]:
        return out[..., 0]
    scores, codes = aggregate(out, framework, method.with_options(aggregation="arithmetic"), start=parents)
    return scores[..., codes.index(framework.root)]


def _pillar_weights(framework: Framework, n: int, concentration: float, rng: np.random.Generator) -> np.ndarray:
    """(n, pillars): pillar weights drawn around the nominal ones within each parent."""
    drawn = dirichlet_weights(framework, n, concentration, rng)
    pos = {c: i for i, c in enumerate(framework.nodes.index)}
    return drawn[:, [pos[c] for c in framework.pillars]]


def _method_uncertainty(ctx, rates: np.ndarray | None, year: int, n_draws: int, seed: int, target_rank: int,
                        weight_concentration: float, imputations: tuple[str, ...],
                        aggregations: tuple[str, ...]) -> Uncertainty:
    fw = ctx.framework
    provinces = ctx.panel.provinces()
    if rates is None:
        _, provinces, r = panel_rates(ctx, [year])
        rates = r[0]
    base = rate_method(ctx)
    nominal = score_arrays(rates, fw, base)
    nominal_rank = rank_desc(nominal.node(fw.root), base.rank_decimals)
    pillars = np.stack([pillar_scores(fw, base, rates, how) for how in imputations])   # (options, P, pillars)

    rng = np.random.default_rng([seed, 7])
    n = (n_draws + 1) // 2
    sets = [{"weights": _pillar_weights(fw, n, weight_concentration, rng),
             "imputation": rng.integers(len(imputations), size=n),
             "aggregation": rng.integers(len(aggregations), size=n)} for _ in range(2)]

    def ranks_of(design: dict) -> np.ndarray:
        geometric = np.array([aggregations[i] == "geometric" for i in design["aggregation"]])
        pii = aggregate_pillars(fw, base, pillars[design["imputation"]], design["weights"], geometric)
        return rank_desc(pii, base.rank_decimals)

    f_a, f_b = ranks_of(sets[0]), ranks_of(sets[1])
    ranks = np.concatenate([f_a, f_b])[:n_draws]
    both = np.concatenate([f_a, f_b])
    variance, centre = np.var(both, axis=0), np.mean(both, axis=0)
    rows = []
    for factor in FACTORS:
        mixed = dict(sets[0], **{factor: sets[1][factor]})
        f_ab = ranks_of(mixed)
        with np.errstate(divide="ignore", invalid="ignore"):
            s1 = np.where(variance > 0, np.mean((f_b - centre) * (f_ab - f_a), axis=0) / variance, np.nan)   # Saltelli 2010
            st = np.where(variance > 0, 0.5 * np.mean((f_a - f_ab) ** 2, axis=0) / variance, np.nan)  # Jansen
        rows.append(pd.DataFrame({"province": provinces, "factor": factor, "S1": s1, "ST": st}))
    q = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")
    table = pd.DataFrame({"province": provinces, "nominal_rank": nominal_rank, "median_rank": q[1],
                          "rank_p05": q[0], "rank_p95": q[2], "p_target": np.mean(ranks <= target_rank, axis=0)})
    picks = {k: np.concatenate([sets[0][k], sets[1][k]])[:n_draws] for k in ("imputation", "aggregation")}
    choices = pd.DataFrame({"imputation": [imputations[i] for i in picks["imputation"]],
                            "aggregation": [aggregations[i] for i in picks["aggregation"]]})
    return Uncertainty(table=table.sort_values(["nominal_rank", "province"]).reset_index(drop=True),
                       ranks=ranks, choices=choices, target_rank=target_rank,
                       sobol=pd.concat(rows, ignore_index=True), provinces=tuple(provinces))
