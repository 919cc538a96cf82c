"""Calibration of the projection's yearly shocks on the published record (and the panel's own changes).

Targets: the spread (standard deviation across provinces) of one-year PII changes and of one-year
rank changes. Sources:
- the published record (`data/raw/pii_published_results.csv`, status `published`): 2023 -> 2024 totals
  and ranks on the 63-province map, and 2024 -> 2025 totals for the provinces whose borders did not
  change in 2025 (ranks of two different maps are not compared); rank changes are expressed as shares
  of the number of provinces and rescaled to the current map;
- when the panel has two or more years up to the base year, the cross-province dispersion of its own
  one-year changes (scored by the engine).
The sources are pooled by their degrees of freedom (a pooled standard deviation). Each trend model's shock scale k_m is then chosen so that its simulated
one-year spread matches the targets (geometric mean of the score and rank solutions), with one
refinement step; a trend model whose drift alone exceeds the target keeps a quarter of the target
as shocks (FLOOR), so no model is ever without noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.models import ModelInputs, draw_block, to_rates
from pii_analysis.data.record import published_changes, unchanged_provinces  # noqa: F401 (re-exported)
from pii_analysis.index.scoring import rank_desc, score_arrays

CALIBRATION_DRAWS = 240
CALIBRATION_SEED = 7
FLOOR = 0.25


@dataclass(frozen=True)
class Calibration:
    """Targets, their sources and each model's shock scale k_m (and the spreads it gives)."""

    target_score_sd: float
    target_rank_sd: float
    published_score_sd: float
    published_rank_share_sd: float
    n_published_score: int
    n_published_rank: int
    panel_score_sd: float | None
    panel_rank_sd: float | None
    panel_years: list[int]
    models: tuple[str, ...]
    scale: np.ndarray            # (M,) k_m
    score_sd: np.ndarray         # (M,) simulated one-year PII change spread with k_m
    rank_sd: np.ndarray          # (M,)

    def table(self) -> pd.DataFrame:
        """One row per model: model, shock_scale, one-year PII-change spread and rank-change spread
        simulated, against the targets."""
        return pd.DataFrame({"model": list(self.models), "shock_scale": self.scale,
                             "sim_score_sd": self.score_sd, "target_score_sd": self.target_score_sd,
                             "sim_rank_sd": self.rank_sd, "target_rank_sd": self.target_rank_sd})


def _sd(x) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")


def panel_spread(pii: np.ndarray, decimals: int) -> tuple[float | None, float | None]:
    """Spread of the panel's own one-year PII and rank changes (pii: years x provinces), or None."""
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
    """Each model's shock scale k_m from the targets (see the module docstring)."""
    P = len(base_pii)
    pub_score = _sd(published["d_score"])
    pub_rank_share = _sd(published["d_rank_share"])
    n_score = int(np.isfinite(published["d_score"]).sum())
    n_rank = int(np.isfinite(published["d_rank_share"]).sum())
    panel_score, panel_rank = panel_spread(panel_pii, method.rank_decimals)
    n_panel = P * (panel_pii.shape[0] - 1)
    t_score = _pool([(pub_score, n_score), (panel_score, n_panel)])
    t_rank = _pool([(pub_rank_share * P if np.isfinite(pub_rank_share) else float("nan"), n_rank),
                    (panel_rank, n_panel)])
    M = len(inp.models)
    scale = np.ones(M)
    out_s, out_r = np.zeros(M), np.zeros(M)
    for m in range(M):
        zero = np.zeros(M)
        d_s, d_r = (0.0, 0.0) if m == 0 else simulated_spread(inp, zero, m, base_pii, lo, hi, framework, method)
        one = np.ones(M)
        s1, r1 = simulated_spread(inp, one, m, base_pii, lo, hi, framework, method)
        k = _solve(t_score, t_rank, d_s, d_r, s1, r1, 1.0)
        trial = np.full(M, k)
        s2, r2 = simulated_spread(inp, trial, m, base_pii, lo, hi, framework, method)
        k = _solve(t_score, t_rank, d_s, d_r, s2, r2, k)          # one refinement at the first answer
        trial = np.full(M, k)
        out_s[m], out_r[m] = simulated_spread(inp, trial, m, base_pii, lo, hi, framework, method)
        scale[m] = k
    return Calibration(target_score_sd=t_score, target_rank_sd=t_rank, published_score_sd=pub_score,
                       published_rank_share_sd=pub_rank_share, n_published_score=n_score,
                       n_published_rank=n_rank, panel_score_sd=panel_score, panel_rank_sd=panel_rank,
                       panel_years=list(inp.years), models=inp.models, scale=scale, score_sd=out_s,
                       rank_sd=out_r)


def _pool(sources: list[tuple[float | None, int]]) -> float:
    """Pooled spread of the available sources: the variances weighted by their degrees of freedom
    (number of changes - 1), as a pooled standard deviation."""
    parts = [(v, n - 1) for v, n in sources if v is not None and np.isfinite(v) and v > 0 and n > 1]
    if not parts:
        return float("nan")
    return float(np.sqrt(sum(v * v * d for v, d in parts) / sum(d for _, d in parts)))


def _solve(t_score: float, t_rank: float, d_s: float, d_r: float, s: float, r: float, k: float) -> float:
    """k such that drift^2 + (k * shock)^2 = target^2 for scores and ranks (spread at k given);
    the geometric mean of the two answers; at least FLOOR x target from the shocks."""
    answers = []
    for target, drift, at_k in ((t_score, d_s, s), (t_rank, d_r, r)):
        if not np.isfinite(target) or target <= 0:
            continue
        shock2 = max(at_k ** 2 - drift ** 2, 1e-12) / k ** 2         # spread per unit k, squared
        need = max(target ** 2 - drift ** 2, (FLOOR * target) ** 2)
        answers.append(np.sqrt(need / shock2))
    if not answers:
        return k
    return float(np.exp(np.mean(np.log(answers))))
