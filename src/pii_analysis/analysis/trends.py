"""Per-province trends and volatility of indicators (and of pillar/PII scores), shrunk.

Three yearly observations per province are too few for a trustworthy slope, so each
province's OLS slope (statsmodels, all province-indicator series in one multi-column
fit) is shrunk towards the national mean slope of that indicator by empirical Bayes
(normal-normal model, method-of-moments between-province variance, as in
DerSimonian-Laird / Morris 1983). Residual volatility is pooled across provinces per
indicator. Estimates and their uncertainty are returned as a tidy table, so reports
show them rather than hide them.

Indicators are modelled on their denominated rate. Unbounded positive quantities
(counts per population, per enterprise, per GRDP) are modelled in logs (slope = yearly
growth); bounded scores and shares are modelled in levels (slope = units per year).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from pii_analysis.analysis.history import history_years
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.framework import Framework
from pii_analysis.index.scoring import denominate


@dataclass(frozen=True)
class TrendFit:
    """Trend estimates on arrays (provinces, series); `log[k]` says series k is in logs.

    base: value in the base year (model scale: log or level); slope: shrunk slope per
    year; slope_sd: its posterior sd; sigma: pooled residual sd per series (model scale).
    """

    years: list[int]
    provinces: list[str]
    codes: list[str]
    log: np.ndarray        # (K,) bool
    base: np.ndarray       # (P, K) base-year value on the model scale
    slope_ols: np.ndarray  # (P, K)
    slope: np.ndarray      # (P, K) shrunk
    slope_sd: np.ndarray   # (P, K) posterior sd of the shrunk slope
    se_ols: np.ndarray     # (K,) sampling sd of one province's OLS slope
    sigma: np.ndarray      # (K,) pooled residual sd (model scale)
    prior_mean: np.ndarray  # (K,) national mean slope
    tau: np.ndarray        # (K,) between-province sd of true slopes
    shrinkage: np.ndarray  # (K,) weight on the national mean (0 = none, 1 = full)

    def table(self) -> pd.DataFrame:
        """Tidy: province, code, scale, base_value, slope_ols, slope, slope_sd, sigma, shrinkage, ..."""
        P, K = self.base.shape
        pi, ki = np.meshgrid(np.arange(P), np.arange(K), indexing="ij")
        pi, ki = pi.ravel(), ki.ravel()
        base = np.where(self.log[ki], np.exp(self.base[pi, ki]), self.base[pi, ki])
        return pd.DataFrame({
            "province": np.asarray(self.provinces, dtype=object)[pi],
            "code": np.asarray(self.codes, dtype=object)[ki],
            "scale": np.where(self.log[ki], "log", "level"),
            "base_year": self.years[-1],
            "base_value": base,
            "slope_ols": self.slope_ols[pi, ki],
            "se_ols": self.se_ols[ki],
            "slope": self.slope[pi, ki],
            "slope_sd": self.slope_sd[pi, ki],
            "slope_lo90": self.slope[pi, ki] - 1.645 * self.slope_sd[pi, ki],
            "slope_hi90": self.slope[pi, ki] + 1.645 * self.slope_sd[pi, ki],
            "sigma": self.sigma[ki],
            "prior_mean": self.prior_mean[ki],
            "tau": self.tau[ki],
            "shrinkage": self.shrinkage[ki],
        })


def fit_trends(y: np.ndarray, years: list[int], provinces: list[str], codes: list[str],
               log: np.ndarray | None = None) -> TrendFit:
    """Shrunk linear trends of y (years, provinces, series) on the model scale given by `log`."""
    T, P, K = y.shape
    if T < 2:
        raise PiiInputError(f"a trend needs at least two years of data; got {T} ({years})", column="year")
    log = np.zeros(K, dtype=bool) if log is None else np.asarray(log, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(log, np.log(y), y)
    t = np.asarray(years, dtype=float) - np.mean(years)
    X = sm.add_constant(t, has_constant="add")
    Y = z.reshape(T, P * K)
    fit = sm.OLS(Y, X).fit()                                # one fit, P*K columns
    slope_ols = np.asarray(fit.params)[1].reshape(P, K)
    resid = np.asarray(fit.resid).reshape(T, P, K)
    complete = ~np.isnan(resid).any(axis=0)                   # (P, K)
    n_ok = complete.sum(axis=0)
    df = n_ok * (T - 2)
    ssr = np.where(complete, resid**2, 0.0).sum(axis=(0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = np.where(df > 0, ssr / np.maximum(df, 1), 0.0)
        sxx = float(np.sum(t**2))
        se2 = sigma2 / sxx
        ok = np.where(complete, slope_ols, np.nan)
        mu = np.where(n_ok > 0, np.nanmean(np.where(complete, slope_ols, np.nan), axis=0), 0.0)
        between = np.where(n_ok > 1, np.nanvar(ok, axis=0, ddof=1), 0.0)
    mu = np.nan_to_num(mu)
    tau2 = np.maximum(np.nan_to_num(between) - se2, 0.0)
    total = se2 + tau2
    shrink = np.where(total > 0, se2 / np.where(total > 0, total, 1.0), 1.0)   # B
    slope = np.where(complete, mu + (1.0 - shrink) * (np.nan_to_num(slope_ols) - mu), mu)
    var_mu = total / np.maximum(n_ok, 1)
    post_var = np.where(complete, (1.0 - shrink) * se2 + shrink**2 * var_mu, total + var_mu)
    return TrendFit(years=list(years), provinces=list(provinces), codes=list(codes), log=log,
                    base=z[-1], slope_ols=np.where(complete, slope_ols, np.nan), slope=slope,
                    slope_sd=np.sqrt(post_var), se_ols=np.sqrt(se2), sigma=np.sqrt(sigma2),
                    prior_mean=mu, tau=np.sqrt(tau2), shrinkage=shrink)


def panel_rates(ctx, years: list[int] | None = None) -> tuple[list[int], list[str], np.ndarray]:
    """Denominated indicator rates (years, provinces, indicators) of the context's panel."""
    fw: Framework = ctx.framework
    years = years or ctx.panel.years
    provinces = ctx.panel.provinces()
    values, dens = ctx.panel.arrays(fw, provinces, years)
    nodes = fw.nodes.loc[fw.indicators]
    if ctx.method.denomination == "divide" and dens is not None:
        values = denominate(values, dens, nodes["scale"].to_numpy(dtype=float),
                            (nodes["denominator"] != "none").to_numpy())
    return list(years), provinces, values


def log_scale(framework: Framework, rates: np.ndarray) -> np.ndarray:
    """Which indicators are modelled in logs: non-negative, unbounded above, all observed > 0."""
    nodes = framework.nodes.loc[framework.indicators]
    positive = np.all((rates > 0) | np.isnan(rates), axis=tuple(range(rates.ndim - 1)))
    return ((nodes["min_value"] >= 0) & nodes["max_value"].isna()).to_numpy() & positive


def indicator_trends(ctx, base_year: int | None = None) -> TrendFit:
    """Shrunk trends of every indicator's rate for every province, from the years up to `base_year`."""
    base = ctx.check_year(base_year)
    years = history_years(ctx, base)   # observed years only (never a generated one)
    years, provinces, rates = panel_rates(ctx, years)
    return fit_trends(rates, years, provinces, ctx.framework.indicators,
                      log=log_scale(ctx.framework, rates))


def score_trends(ctx, codes: list[str] | None = None, base_year: int | None = None) -> TrendFit:
    """Shrunk trends (score points per year) of node scores: default the pillars and the PII."""
    fw = ctx.framework
    codes = codes or [*fw.pillars, ctx.method.input_node, ctx.method.output_node, fw.root]
    base = ctx.check_year(base_year)
    years = history_years(ctx, base)   # observed years only (never a generated one)
    provinces = ctx.panel.provinces()
    t = ctx.scores.table
    t = t[t["node"].isin(codes) & t["year"].isin(years)]
    wide = t.pivot_table(index=["year", "province"], columns="node", values="score")
    wide = wide.reindex(index=pd.MultiIndex.from_product([years, provinces]), columns=codes)
    arr = wide.to_numpy(dtype=float).reshape(len(years), len(provinces), len(codes))
    return fit_trends(arr, years, provinces, codes)
