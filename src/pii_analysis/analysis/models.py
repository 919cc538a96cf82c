"""The projection's uncertainty model: three trend models, accumulating correlated shocks, draws.

Every province-indicator series (on its model scale: log for unbounded positive rates, level
otherwise; see `trends`) moves as

    z[h] = z[0] + drift_m(h) + k_m * s_i * (e[1] + ... + e[h])

- the shocks accumulate (a random walk around the drift); the yearly shock e is correlated within
  a province (a common factor, variance share rho_province, acting in each indicator's good direction) and
  within a province's pillar (share rho_pillar); s_i is the indicator's relative shock size (the
  cross-province spread of its yearly changes in the panel, or of its level with one year);
- rho_province and rho_pillar are estimated from the panel's own changes when it has at least
  MIN_CORRELATION_CHANGES one-year changes of consecutive years (`estimate_correlations`: the average
  correlation of two indicators' standardised changes in one province and year, in different pillars and
  in the same pillar); with fewer they are the stated ASSUMPTION RHO_PROVINCE / RHO_PILLAR
  (`correlation_source` says which; `pii backtest` shows coverage at other values);
- drift_m depends on the trend model m of the draw: `random_walk` (no drift), `shrunk_trend`
  (the province's OLS slope shrunk towards the national mean, the between-province variance tau^2
  drawn from its posterior under a uniform prior on tau, so it is never set to zero because its
  point estimate is), `damped_trend` (the same slope, damped by DAMPING each year, Gardner-McKenzie);
- trend models need MIN_TREND_YEARS years; with fewer only the random walk runs;
- k_m is calibrated per model on the published record (see `calibration`).

Draw d follows model d mod M (M models available), so one set of draws holds all models in equal
shares; the headline probability is their equal-weight average (`Projection.weights`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pii_analysis.analysis.trends import TrendFit

MODELS = ("random_walk", "shrunk_trend", "damped_trend")
MIN_TREND_YEARS = 3
RHO_PROVINCE = 0.35   # ASSUMPTION (fallback): share of a yearly shock common to all indicators of a province
RHO_PILLAR = 0.25     # ASSUMPTION (fallback): share common to the indicators of one pillar of a province
MIN_CORRELATION_CHANGES = 2   # one-year changes (consecutive years) needed to estimate the two shares
MAX_COMMON = 0.9      # the two shares together never leave less than 10% to the indicator's own shock
DAMPING = 0.8         # damped trend: the slope shrinks by this factor each year (0.8-0.98 usual)
TAU_GRID = 64


@dataclass(frozen=True)
class ModelInputs:
    """What the draws need, on arrays (provinces P, indicators I)."""

    years: list[int]          # panel years used (up to the base year)
    log: np.ndarray           # (I,) bool
    anchor: np.ndarray        # (P, I) base-year value on the model scale
    shock_sd: np.ndarray      # (I,) relative yearly shock size s_i (model scale)
    pillar_of: np.ndarray     # (I,) pillar index of each indicator
    n_pillars: int
    direction: np.ndarray     # (I,) +1 / -1
    models: tuple[str, ...]   # the models that run (random walk only with < MIN_TREND_YEARS years)
    trend: TrendFit | None
    tau_grid: np.ndarray      # (G,) grid of tau per indicator is tau_scale * grid
    tau_scale: np.ndarray     # (I,)
    tau_cdf: np.ndarray       # (I, G) posterior CDF of tau on the grid
    se2: np.ndarray           # (I,) sampling variance of one province's OLS slope
    rho_province: float = RHO_PROVINCE
    rho_pillar: float = RHO_PILLAR
    damping: float = DAMPING
    correlation_source: str = "assumed"   # 'estimated' (from the panel's changes), 'assumed' or 'set' (by the caller)
    correlation_changes: int = 0          # one-year changes the estimate rests on


def model_inputs(z: np.ndarray, years: list[int], log: np.ndarray, pillar_of: np.ndarray, direction: np.ndarray,
                 trend: TrendFit | None, correlations: tuple[float, float] | None = None) -> ModelInputs:
    """Inputs from the panel on the model scale z (years, P, I) and the trend fit (None: < 3 years);
    `correlations` = (rho_province, rho_pillar) set by the caller (None: estimated, else assumed)."""
    T, P, I = z.shape
    shock_sd = relative_shock_sd(z)
    pillar_of = np.asarray(pillar_of, dtype=int)
    if correlations is not None:
        check_correlations(*correlations)
        rho, source, n_changes = tuple(float(c) for c in correlations), "set", 0
    else:
        est = estimate_correlations(z, years, pillar_of, direction, shock_sd)
        rho, source, n_changes = ((est[0], est[1]), "estimated", est[2]) if est else \
            ((RHO_PROVINCE, RHO_PILLAR), "assumed", 0)
    models = MODELS if trend is not None and T >= MIN_TREND_YEARS else MODELS[:1]
    G = TAU_GRID
    grid = np.linspace(0.0, 1.0, G)
    if trend is not None:
        se2 = np.nan_to_num(trend.se_ols ** 2)
        scale, cdf = tau_posterior(trend.slope_ols, se2, grid)
    else:
        se2, scale, cdf = np.zeros(I), np.zeros(I), np.tile(grid, (I, 1))
    return ModelInputs(years=list(years), log=log, anchor=z[-1], shock_sd=shock_sd,
                       pillar_of=pillar_of, n_pillars=int(np.max(pillar_of)) + 1,
                       direction=np.asarray(direction, dtype=float), models=models, trend=trend,
                       tau_grid=grid, tau_scale=scale, tau_cdf=cdf, se2=se2, rho_province=rho[0],
                       rho_pillar=rho[1], correlation_source=source, correlation_changes=n_changes)


def check_correlations(rho_province: float, rho_pillar: float) -> None:
    """Both shares in [0, 1) and together at most MAX_COMMON (the draws need 1 - both >= 0)."""
    if not (0 <= rho_province < 1 and 0 <= rho_pillar < 1 and rho_province + rho_pillar <= MAX_COMMON):
        raise ValueError(f"shock correlations ({rho_province}, {rho_pillar}) must be >= 0 and sum to at most "
                         f"{MAX_COMMON}")


def estimate_correlations(z: np.ndarray, years: list[int], pillar_of: np.ndarray, direction: np.ndarray,
                          shock_sd: np.ndarray) -> tuple[float, float, int] | None:
    """(rho_province, rho_pillar, changes used) from the panel's one-year changes of consecutive years, or
    None with fewer than MIN_CORRELATION_CHANGES of them.

    Each change has its year's common change (per indicator) removed, is divided by the indicator's shock
    size and signed to the indicator's good direction. In the model two indicators of one province and year
    correlate by rho_province (different pillars) or rho_province + rho_pillar (same pillar); both are
    estimated as the mean product of such pairs over the province-years (missing values skipped), over the
    mean square, and kept inside the model's bounds (each >= 0, together <= MAX_COMMON)."""
    steps = np.flatnonzero(np.diff(np.asarray(years)) == 1)
    if len(steps) < MIN_CORRELATION_CHANGES:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        d = z[steps + 1] - z[steps]
        d = d - np.nanmean(d, axis=1, keepdims=True)
        x = d * np.asarray(direction, dtype=float) / np.where(shock_sd > 0, shock_sd, np.nan)
    seen = np.isfinite(x).reshape(-1, x.shape[-1])
    x = np.where(seen, x.reshape(-1, x.shape[-1]), 0.0)
    seen = seen.astype(float)

    def pair_sums(cols) -> tuple[float, float]:
        s, c = x[:, cols].sum(axis=1), seen[:, cols].sum(axis=1)
        return float(np.sum(s ** 2 - (x[:, cols] ** 2).sum(axis=1))), float(np.sum(c ** 2 - c))

    total, n_total = pair_sums(slice(None))
    same = [pair_sums(pillar_of == k) for k in np.unique(pillar_of)]
    within, n_within = sum(a for a, _ in same), sum(b for _, b in same)
    mean_square = float((x ** 2).sum() / max(seen.sum(), 1.0))
    if mean_square <= 0 or n_within <= 0 or n_total - n_within <= 0:
        return None
    across = (total - within) / (n_total - n_within) / mean_square
    rho_province = float(np.clip(across, 0.0, MAX_COMMON))
    rho_pillar = float(np.clip(within / n_within / mean_square - across, 0.0, MAX_COMMON - rho_province))
    return rho_province, rho_pillar, int(len(steps))


def relative_shock_sd(z: np.ndarray) -> np.ndarray:
    """Per indicator: the spread of yearly changes across provinces (each year pair's common change
    removed), or with one year the robust cross-province spread of levels (IQR / 1.349)."""
    with np.errstate(invalid="ignore"):
        if z.shape[0] >= 2:
            d = np.diff(z, axis=0)
            d = d - np.nanmean(d, axis=1, keepdims=True)
            out = np.sqrt(np.nanmean(d ** 2, axis=(0, 1)))
        else:
            q75, q25 = np.nanpercentile(z[0], [75, 25], axis=0)
            out = (q75 - q25) / 1.349
            sd = np.nanstd(z[0], axis=0)
            out = np.where(out > 0, out, sd)
    return np.nan_to_num(out)


def tau_posterior(slopes: np.ndarray, se2: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of the between-province sd tau of true slopes, per indicator, on a grid.

    Normal-normal model beta_p ~ N(mu, se2 + tau^2), mu integrated out under a flat prior, uniform
    prior on tau (Gelman 2006) over [0, 5 x the sd of the OLS slopes]: returns (tau scale (I,), CDF
    (I, G)), tau = scale * grid. The mass is never all at zero.
    """
    P, I = slopes.shape
    n = np.sum(~np.isnan(slopes), axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(slopes, axis=0)
        ss = np.nansum((slopes - mean) ** 2, axis=0)
    sd = np.sqrt(ss / np.maximum(n - 1, 1))
    scale = 5.0 * np.maximum(sd, np.sqrt(se2))
    scale = np.where(scale > 0, scale, 1e-9)
    tau = scale[:, None] * grid[None, :]                       # (I, G)
    v = se2[:, None] + tau ** 2 + 1e-300
    ll = -0.5 * (np.maximum(n, 1) - 1)[:, None] * np.log(v) - 0.5 * ss[:, None] / v
    w = np.exp(ll - ll.max(axis=1, keepdims=True))
    w[:, 0] *= 0.5                                              # trapezoid ends
    w[:, -1] *= 0.5
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    return scale, cdf


def model_of_draws(first: int, n: int, n_models: int) -> np.ndarray:
    """Trend model of draws first .. first+n-1: draw d follows model d mod M."""
    return ((first + np.arange(n)) % n_models).astype(np.int8)


def horizon_factor(inp: ModelInputs, years_ahead: np.ndarray) -> np.ndarray:
    """(models, H): how many years of slope each model has accumulated h years ahead."""
    h = np.asarray(years_ahead, dtype=float)
    phi = inp.damping
    damped = phi * (1 - phi ** h) / (1 - phi)
    return np.stack([np.zeros_like(h), h, damped])[: len(inp.models)]


def _slopes(inp: ModelInputs, rng: np.random.Generator, size: int) -> np.ndarray:
    """(size, P, I) province slopes: tau from its posterior, mu from its posterior, then the shrunk
    province slope with its posterior noise (incomplete series: the national distribution)."""
    t = inp.trend
    P, I = inp.anchor.shape
    u = rng.random((size, I))
    z_mu = rng.standard_normal((size, I))
    z_p = rng.standard_normal((size, P, I))
    if t is None:
        return np.zeros((size, P, I))
    idx = np.minimum((inp.tau_cdf[None, :, :] < u[:, :, None]).sum(axis=2), len(inp.tau_grid) - 1)
    tau2 = (inp.tau_scale[None, :] * inp.tau_grid[idx]) ** 2          # (size, I)
    v = inp.se2[None, :] + tau2
    beta = t.slope_ols
    n = np.maximum(np.sum(~np.isnan(beta), axis=0), 1)
    with np.errstate(invalid="ignore"):
        mu_hat = np.nan_to_num(np.nanmean(beta, axis=0))
    mu = mu_hat[None, :] + np.sqrt(v / n) * z_mu                       # (size, I)
    keep = np.where(v > 0, tau2 / np.where(v > 0, v, 1.0), 0.0)       # 1 - B
    mean = mu[:, None, :] + keep[:, None, :] * (np.nan_to_num(beta)[None] - mu[:, None, :])
    sd = np.sqrt(keep * inp.se2[None, :])[:, None, :]
    out = mean + sd * z_p
    missing = np.isnan(beta)[None]
    return np.where(missing, mu[:, None, :] + np.sqrt(v)[:, None, :] * z_p, out)


def draw_block(inp: ModelInputs, scale: np.ndarray, rng: np.random.Generator, size: int,
               years_ahead: np.ndarray, models: np.ndarray) -> np.ndarray:
    """Model-scale values (n, H, P, I) of n = len(models) draws; `scale` (M,) is each model's k_m.
    The generator always draws `size` rows, so a draw never depends on how many are kept."""
    P, I = inp.anchor.shape
    H = len(years_ahead)
    n = len(models)
    slope = _slopes(inp, rng, size)[:n].astype(np.float32)
    f32 = np.float32
    a = rng.standard_normal((size, H, P, 1), dtype=f32)[:n]
    b = rng.standard_normal((size, H, P, inp.n_pillars), dtype=f32)[:n]
    shock = rng.standard_normal((size, H, P, I), dtype=f32)[:n]
    rp, rg = inp.rho_province, inp.rho_pillar
    common = f32(np.sqrt(rp)) * a + f32(np.sqrt(rg)) * b                  # (n, H, P, pillars)
    common = np.concatenate([common, -common], axis=-1)                # signed: one gather below
    signed = inp.pillar_of + inp.n_pillars * (inp.direction < 0)
    shock *= f32(np.sqrt(1.0 - rp - rg))
    shock += common[..., signed]                                       # acting in each good direction
    del common
    np.cumsum(shock, axis=1, out=shock)                                 # accumulate over the years
    k = np.asarray(scale, dtype=f32)[models]                           # (n,)
    shock *= (k[:, None] * inp.shock_sd.astype(f32))[:, None, None, :]
    fac = horizon_factor(inp, years_ahead)[models].astype(f32)         # (n, H)
    shock += slope[:, None] * fac[:, :, None, None]
    shock += inp.anchor.astype(f32)
    return shock


def to_rates(inp: ModelInputs, z: np.ndarray) -> np.ndarray:
    """Back from the model scale (exp of the log-scale series), in place where possible."""
    z = z.astype(float)
    if inp.log.any():
        with np.errstate(over="ignore"):
            z[..., inp.log] = np.exp(z[..., inp.log])
    return z


def central_slope(inp: ModelInputs) -> np.ndarray:
    """(P, I) the posterior-mean province slope (tau integrated over its posterior); zeros without trend."""
    t = inp.trend
    if t is None:
        return np.zeros_like(inp.anchor)
    pdf = np.diff(np.concatenate([np.zeros((inp.tau_cdf.shape[0], 1)), inp.tau_cdf], axis=1), axis=1)
    tau2 = (inp.tau_scale[:, None] * inp.tau_grid[None, :]) ** 2
    v = inp.se2[:, None] + tau2
    keep = np.sum(pdf * np.where(v > 0, tau2 / np.where(v > 0, v, 1.0), 0.0), axis=1)      # (I,)
    with np.errstate(invalid="ignore"):
        mu = np.nan_to_num(np.nanmean(t.slope_ols, axis=0))
    return np.where(np.isnan(t.slope_ols), mu, mu + keep * (t.slope_ols - mu))


def central_path(inp: ModelInputs, years_ahead: np.ndarray) -> np.ndarray:
    """Model-scale values (1, H, P, I) of the model average's central path (no shocks)."""
    fac = horizon_factor(inp, years_ahead).mean(axis=0)                 # (H,)
    return (inp.anchor + central_slope(inp)[None] * fac[:, None, None])[None]
