"""Backtest of the projection: fit on the years up to t, predict t+1 (and t+2 where the data allow).

For every origin year t of the panel with a later year, the projection is run from base year t
(the model and the panel part of its calibration see only the years up to t; the published record
it is calibrated on is the whole shipped record, a look-ahead stated with the result) and the
observed PII and rank of every province in t+h are checked against the 50% (25-75%) and 90%
(5-95%) intervals: of the model average and of each trend model that ran (the range across models).
The model's spread of one-year PII changes is set beside the published one (each year pair's common
change removed, as the calibration measures it; also the plain spread of every published change), and
each trend model's one-year spread at the latest base year is listed. The shock correlations are varied
in sensitivity rows (coverage and spread at other values, the shock size re-calibrated at each).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_SEED
from pii_analysis.analysis.models import RHO_PILLAR, RHO_PROVINCE
from pii_analysis.analysis.projection import _inputs, project
from pii_analysis.data.record import pooled_spread, published_changes, within_year

BACKTEST_DRAWS = 1000
QUANTILES = (5, 25, 50, 75, 95)
AVERAGE = "model average"
COVER = ("cover50_score", "cover90_score", "cover50_rank", "cover90_rank", "mass50_rank", "mass90_rank")
# shock correlations (rho_province, rho_pillar) of the sensitivity rows, besides the model's own and the ones
# estimated at the latest base year: independent shocks, and a strong province-wide factor
SENSITIVITY = ((0.0, 0.0), (0.6, 0.2))


@dataclass(frozen=True)
class Backtest:
    """`coverage`: origin, horizon, model, provinces, cover50/90 of score and rank, and mass50/90_rank (the
    model's own probability inside its rank intervals: ranks are discrete); `overall`: per model over
    every origin and horizon; `spread`: one-year PII changes of the model, the published record and the
    panel (sd and quantiles); `models`: each trend model's one-year spread at the latest base year;
    `sensitivity`: overall coverage and spread at other shock correlations; `correlations`: the ones used."""

    coverage: pd.DataFrame
    spread: pd.DataFrame
    overall: pd.DataFrame
    published: pd.DataFrame
    n_draws: int
    seed: int
    models: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    correlations: pd.DataFrame | None = None

    def _sd(self, source: str) -> float:
        return float(self.spread.set_index("source")["sd"][source])

    @property
    def spread_ratio(self) -> float:
        """Model spread of one-year PII changes / published spread (each year pair's common change removed)."""
        return self._sd("model") / self._sd("published")

    @property
    def spread_ratio_all(self) -> float:
        """Model spread / the plain spread of every published change (one common mean)."""
        return self._sd("model") / self._sd("published_all")


def _inside(actual: np.ndarray, draws: np.ndarray, lo: float, hi: float) -> np.ndarray:
    q = np.percentile(draws, [lo, hi], axis=0, method="inverted_cdf")
    return (actual >= q[0]) & (actual <= q[1])


def _mass(draws: np.ndarray, lo: float, hi: float) -> float:
    """The model's own probability inside its interval, averaged over provinces: the coverage a calibrated
    model shows. Ranks are whole numbers, so an interval holding its end ranks holds more than nominal."""
    return float(np.mean(_inside(draws, draws, lo, hi)))


def _observed(ctx) -> tuple[list[int], pd.DataFrame, pd.DataFrame]:
    fw = ctx.framework
    t = ctx.scores.table
    root = t[t["node"] == fw.root]
    return (list(ctx.scores.years), root.pivot(index="year", columns="province", values="score"),
            root.pivot(index="year", columns="province", values="rank"))


def _coverage(ctx, horizons: tuple[int, ...], n_draws: int, seed: int, correlations=None
              ) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Coverage rows (origin, horizon, model, ...), the model's one-year changes (common change removed) and
    the calibration of each origin."""
    years, pii, ranks = _observed(ctx)
    rows, changes, calibrations = [], [], {}
    for origin in years[:-1]:
        ahead = [h for h in horizons if origin + h in years]
        if not ahead:
            continue
        proj = project(ctx, base_year=origin, target_year=origin + max(ahead), n_draws=n_draws, seed=seed,
                       correlations=correlations)
        order = proj.provinces
        calibrations[origin] = proj.calibration
        first = proj.scores[:, 0, :, 0].astype(float) - proj.base_scores[None, :, 0]
        changes.append(first - first.mean(axis=1, keepdims=True))
        groups = [(AVERAGE, np.ones(len(proj.model), dtype=bool))] if len(proj.models) > 1 else []
        groups += [(name, proj.model == m) for m, name in enumerate(proj.models)]
        for h in ahead:
            actual_s = pii.loc[origin + h].reindex(order).to_numpy(dtype=float)
            actual_r = ranks.loc[origin + h].reindex(order).to_numpy(dtype=float)
            for name, keep in groups:   # the draws split evenly over the models: all draws = the average
                s = proj.scores[keep, h - 1, :, 0].astype(float)
                r = proj.ranks[keep, h - 1, :].astype(float)
                rows.append({"origin": origin, "horizon": h, "model": name, "provinces": len(order),
                             "models_run": len(proj.models),
                             "cover50_score": float(np.mean(_inside(actual_s, s, 25, 75))),
                             "cover90_score": float(np.mean(_inside(actual_s, s, 5, 95))),
                             "cover50_rank": float(np.mean(_inside(actual_r, r, 25, 75))),
                             "cover90_rank": float(np.mean(_inside(actual_r, r, 5, 95))),
                             "mass50_rank": _mass(r, 25, 75), "mass90_rank": _mass(r, 5, 95)})
    model = np.concatenate([c.ravel() for c in changes]) if changes else np.array([np.nan])
    return pd.DataFrame(rows), model, calibrations


def _overall(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per model over every origin and horizon (weighted by provinces); the model average row takes the
    only model where one ran."""
    head = coverage[(coverage["model"] == AVERAGE) | (coverage["models_run"] == 1)].assign(model=AVERAGE)
    out = []
    for name, g in pd.concat([head, coverage[coverage["model"] != AVERAGE]]).groupby("model", sort=False):
        w = g["provinces"]
        out.append({"model": name, "cases": int(w.sum()), **{c: float(np.average(g[c], weights=w)) for c in COVER}})
    return pd.DataFrame(out)


def backtest(ctx, *, horizons: tuple[int, ...] = (1, 2), n_draws: int = BACKTEST_DRAWS,
             seed: int = DEFAULT_SEED, sensitivity: bool = True) -> Backtest:
    """Coverage of the projection's intervals against the panel's later years (see the module docstring)."""
    coverage, model, calibrations = _coverage(ctx, horizons, n_draws, seed)
    overall = _overall(coverage)
    years, pii, _ = _observed(ctx)
    pub = published_changes(resolver=ctx.resolver)
    observed = [pii.loc[y + 1] - pii.loc[y] for y in years[:-1]]
    panel = np.concatenate([(o - o.mean()).to_numpy(dtype=float) for o in observed]) if observed else np.array([])
    all_pub = pub["d_score"].dropna()
    published = {**_dist("published", within_year(pub)), "sd": pooled_spread(pub)[0]}   # as the calibration
    spread = pd.DataFrame([_dist("model", model), published, _dist("published_all", all_pub - all_pub.mean()),
                           _dist("panel", panel)])
    latest = _inputs(ctx, None, years[-1] + 1).calibration
    models = latest.table()[["model", "shock_scale", "sim_score_sd", "target_score_sd", "sim_rank_sd"]].assign(
        base_year=latest.panel_years[-1], ratio_to_published=lambda f: f["sim_score_sd"] / published["sd"])
    corr = pd.DataFrame([{"base_year": c.panel_years[-1], "rho_province": c.rho_province, "rho_pillar": c.rho_pillar,
                          "source": c.correlation_source, "changes": c.correlation_changes}
                         for c in [*calibrations.values(), latest]])
    sens = None
    if sensitivity and len(coverage):
        settings = [(RHO_PROVINCE, RHO_PILLAR, "assumed")] if any(c.correlation_source == "assumed"
                                                                  for c in calibrations.values()) else []
        if latest.correlation_source == "estimated":
            settings.append((latest.rho_province, latest.rho_pillar, f"estimated at {latest.panel_years[-1]}"))
        settings += [(a, b, "set") for a, b in SENSITIVITY]
        rows = []
        for a, b, label in settings:
            cov, changes, _ = _coverage(ctx, horizons, n_draws, seed, correlations=(a, b))
            o = _overall(cov).iloc[0]
            rows.append({"rho_province": a, "rho_pillar": b, "values": label,
                         **{c: float(o[c]) for c in COVER}, "model_sd": _dist("model", changes)["sd"]})
        sens = pd.DataFrame(rows)
    return Backtest(coverage=coverage, spread=spread, overall=overall, published=pub, n_draws=n_draws, seed=seed,
                    models=models, sensitivity=sens, correlations=corr)


def _dist(source: str, x) -> dict[str, float | str | int]:
    """sd and quantiles of one-year PII changes (each year's common change removed)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    q = np.percentile(x, QUANTILES) if len(x) else [np.nan] * len(QUANTILES)
    return {"source": source, "n": int(len(x)), "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
            **{f"p{k:02d}": float(v) for k, v in zip(QUANTILES, q)}}
