"""Calibration of the projection's yearly shocks on the published record (and the panel's own changes).

Target: the spread (standard deviation across provinces) of one-year PII changes, each year pair's common
change removed (what moves provinces apart; a change of the whole index, as between two frameworks, is not
a difference between provinces). Sources, pooled by their degrees of freedom (n - 1 per year pair):
- the published record (`data/raw/pii_published_results.csv`, status `published`, `data.record`): 2023 -> 2024
  totals on the 63-province map, and 2024 -> 2025 totals of the provinces whose borders did not change in 2025;
- when the panel has two or more years up to the base year, the cross-province dispersion of its own
  one-year changes (scored by the engine).
Rank changes are a check, not a target: ranks follow from the scores through the scoring, and the published
rank changes (2023 -> 2024) are mostly those of the Top 10 of a 63-province map, where ranks move least; the
simulated rank-change spread is reported beside the published and the panel's.
Each trend model's shock scale k_m is chosen so that its simulated one-year spread matches the target, with
one refinement step; a trend model whose drift alone exceeds the target keeps a quarter of the target as
shocks (FLOOR), so no model is ever without noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.models import ModelInputs, draw_block, to_rates
from pii_analysis.data.record import (  # noqa: F401 (published_changes, unchanged_provinces re-exported)
    pooled_spread,
    published_changes,
    unchanged_provinces,
    within_year,
)
from pii_analysis.index.scoring import rank_desc, score_arrays

CALIBRATION_DRAWS = 240
CALIBRATION_SEED = 7
FLOOR = 0.25


@dataclass(frozen=True)
class Calibration:
    """The target, its sources and each model's shock scale k_m (and the spreads it gives)."""

    target_score_sd: float
    published_score_sd: float
    n_published_score: int        # published changes the spread rests on (year pairs with two or more)
    df_published_score: int       # its degrees of freedom (changes - year pairs)
    published_rank_sd: float      # published rank-change spread, as places on the current map (a check)
    panel_score_sd: float | None
    panel_rank_sd: float | None
    df_panel: int
    panel_years: list[int]
    models: tuple[str, ...]
    scale: np.ndarray            # (M,) k_m
    score_sd: np.ndarray         # (M,) simulated one-year PII change spread with k_m
    rank_sd: np.ndarray          # (M,) simulated one-year rank change spread (a check)
    rho_province: float = float("nan")
    rho_pillar: float = float("nan")
    correlation_source: str = ""
    correlation_changes: int = 0

    def table(self) -> pd.DataFrame:
        """One row per model: model, shock_scale, simulated one-year PII-change spread against the target,
        simulated rank-change spread beside the published one (a check, not a target)."""
        return pd.DataFrame({"model": list(self.models), "shock_scale": self.scale,
                             "sim_score_sd": self.score_sd, "target_score_sd": self.target_score_sd,
                             "sim_rank_sd": self.rank_sd, "published_rank_sd": self.published_rank_sd})


def _sd(x) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")


def panel_spread(pii: np.ndarray, decimals: int) -> tuple[float | None, float | None]:
    """Spread of the panel's own one-year PII and rank changes (pii: years x provinces), each year pair's
    common change removed (pooled over year pairs), or None with one year."""
    if pii.shape[0] < 2:
        return None, None
    d = np.diff(pii, axis=0)
    ranks = rank_desc(pii, decimals).astype(float)
    dr = np.diff(ranks, axis=0)
    score = float(np.sqrt(np.nanmean(np.nanvar(d, axis=1, ddof=1))))
    rank = float(np.sqrt(np.nanmean(np.nanvar(dr, axis=1, ddof=1))))
    return score, rank


def simulated_spread(inp: ModelInputs, scale: np.ndarray, model: int, base_pii: np.ndarray, lo, hi, framework,
                     method) -> tuple[float, float]:
    """Spread of one-year PII and rank changes across provinces, simulated with model `model` and
    shock scales `scale` (fixed seed: common random numbers across the calibration steps)."""
    rng = np.random.default_rng([CALIBRATION_SEED, model])
    n = CALIBRATION_DRAWS
    models = np.full(n, model, dtype=np.int8)
    z = draw_block(inp, scale, rng, n, np.array([1.0]), models)
    rates = np.clip(to_rates(inp, z), lo, hi)
    pii = score_arrays(rates, framework, method).node(framework.root)[:, 0, :]     # (n, P)
    base_rank = rank_desc(base_pii, method.rank_decimals).astype(float)
    ranks = rank_desc(pii, method.rank_decimals).astype(float)
    ds = np.sqrt(np.mean(np.nanvar(pii - base_pii, axis=1, ddof=1)))
    dr = np.sqrt(np.mean(np.nanvar(ranks - base_rank, axis=1, ddof=1)))
    return float(ds), float(dr)


def calibrate(inp: ModelInputs, base_pii: np.ndarray, panel_pii: np.ndarray, lo, hi, framework, method,
              published: pd.DataFrame) -> Calibration:
    """Each model's shock scale k_m from the target (see the module docstring)."""
    P = len(base_pii)
    pub_score, df_score = pooled_spread(published, "d_score")
    pub_share, _ = pooled_spread(published, "d_rank_share")
    panel_score, panel_rank = panel_spread(panel_pii, method.rank_decimals)
    df_panel = (P - 1) * (panel_pii.shape[0] - 1)
    target = _pool([(pub_score, df_score), (panel_score, df_panel)])
    M = len(inp.models)
    scale = np.ones(M)
    out_s, out_r = np.zeros(M), np.zeros(M)
    for m in range(M):
        drift = 0.0 if m == 0 else simulated_spread(inp, np.zeros(M), m, base_pii, lo, hi, framework, method)[0]
        k = 1.0
        for _ in range(2):                                     # the first answer, refined once at itself
            s, _ = simulated_spread(inp, np.full(M, k), m, base_pii, lo, hi, framework, method)
            k = _solve(target, drift, s, k)
        out_s[m], out_r[m] = simulated_spread(inp, np.full(M, k), m, base_pii, lo, hi, framework, method)
        scale[m] = k
    return Calibration(target_score_sd=target, published_score_sd=pub_score,
                       n_published_score=int(len(within_year(published))), df_published_score=df_score,
                       published_rank_sd=pub_share * P, panel_score_sd=panel_score, panel_rank_sd=panel_rank,
                       df_panel=df_panel if panel_score is not None else 0, panel_years=list(inp.years),
                       models=inp.models, scale=scale, score_sd=out_s, rank_sd=out_r,
                       rho_province=inp.rho_province, rho_pillar=inp.rho_pillar,
                       correlation_source=inp.correlation_source, correlation_changes=inp.correlation_changes)


def _pool(sources: list[tuple[float | None, int]]) -> float:
    """Pooled spread of the available sources: the variances weighted by their degrees of freedom."""
    parts = [(v, d) for v, d in sources if v is not None and np.isfinite(v) and v > 0 and d > 0]
    if not parts:
        return float("nan")
    return float(np.sqrt(sum(v * v * d for v, d in parts) / sum(d for _, d in parts)))


def _solve(target: float, drift: float, at_k: float, k: float) -> float:
    """k such that drift^2 + (k * shock)^2 = target^2 (the spread at k given); at least FLOOR x target
    from the shocks; k unchanged without a target."""
    if not np.isfinite(target) or target <= 0:
        return k
    shock2 = max(at_k ** 2 - drift ** 2, 1e-12) / k ** 2         # spread per unit k, squared
    need = max(target ** 2 - drift ** 2, (FLOOR * target) ** 2)
    return float(np.sqrt(need / shock2))
