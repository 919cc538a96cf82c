"""Across provinces: how sensitive a province's PII rank is to its indicators, and how pillar
scores relate to rank across provinces and years.

Sobol indices (SALib's Saltelli/Sobol' sampling and estimator, computed here with the same numbers
in whole-array steps: `saltelli_sample`, `sobol_indices`) answer "if the province's scores were
uncertain, which ones would move its rank?". Input ranges (the choice, made explicit): by default each
factor is the province's own normalised score plus or minus `spread` points (clipped to 0-100),
everyone else fixed, i.e. "what a realistic swing of one programme could do"; `ranges='observed'`
instead lets each factor take any level observed among the provinces that year. Every sample is
re-scored through the engine.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from pii_analysis.analysis.drivers import MAX_SCORE, Standing
from pii_analysis.data.errors import PiiInputError
from pii_analysis.index.scores import ScoreResult

LEVELS = ("indicator", "pillar", "subpillar")
RANGES = ("step", "observed")


def check_n_sobol(n: int) -> int:
    """Sobol' base sample size: a power of two from 16 to 65536 (the sequence's balance needs it)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 16 or n > 65536 or n & (n - 1):
        raise PiiInputError(f"n_sobol must be a power of two from 16 to 65536, got {n!r}", column="n_sobol")
    return n


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PiiInputError(f"seed must be a whole number >= 0, got {seed!r}", column="seed")
    return seed


def _factors(st: Standing, level: str) -> tuple[list[str], list[str], np.ndarray, pd.DataFrame]:
    """(factor codes, start codes of the re-scoring cut, base row over the cut, provinces x factors)."""
    fw = st.framework
    if level == "indicator":
        return list(fw.indicators), list(fw.indicators), st.own.copy(), st.normalised
    if level not in LEVELS:
        raise PiiInputError(f"level must be one of {', '.join(LEVELS)}, got {level!r}", column="level")
    codes = fw.codes_at(level)
    if not fw.covering(codes):
        raise PiiInputError(f"the {level} codes do not cover every indicator once; use level 'indicator'",
                            column="level")
    nodes = st.node_scores()[codes]
    return codes, codes, nodes.loc[st.province].to_numpy(dtype=float), nodes


def sobol_rank(st: Standing, level: str = "indicator", spread: float = 10.0, ranges: str = "step",
               n: int = 512, seed: int = 20251001, output: str = "rank", num_resamples: int = 100,
               conf_level: float = 0.95) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of the province's PII rank (or score).

    Factors are the province's own scores at `level` ('indicator', 'pillar' or
    'subpillar'); other provinces stay fixed. Returns one row per factor with its range,
    S1, ST and their `conf_level` confidence half-widths (bootstrap), largest ST first.
    `n` base samples give n x (factors + 2) engine evaluations, all in one call.
    """
    check_n_sobol(n)
    check_seed(seed)
    if ranges not in RANGES:
        raise PiiInputError(f"ranges must be one of {', '.join(RANGES)}, got {ranges!r}", column="ranges")
    if output not in ("rank", "score"):
        raise PiiInputError(f"output must be 'rank' or 'score', got {output!r}", column="output")
    factors, start, base, frame = _factors(st, level)
    valid = ~np.isnan(base)
    if ranges == "step":
        lo, hi = np.clip(base - spread, 0, MAX_SCORE), np.clip(base + spread, 0, MAX_SCORE)
    else:
        lo, hi = frame.min().to_numpy(dtype=float), frame.max().to_numpy(dtype=float)
    valid &= hi > lo
    names = [f for f, v in zip(factors, valid) if v]
    lower, upper = lo[valid], hi[valid]
    sample = scaled(saltelli_sample(len(names), n, seed), lower, upper)
    rows = np.repeat(base[None, :], len(sample), axis=0)
    rows[:, valid] = sample
    pii = st.rescore(rows, start=start)
    y = st.rank_of(pii) if output == "rank" else pii
    out = pd.DataFrame({"factor": names, "level": level,
                        "name_vi": [st.framework.name(c, "vi") for c in names],
                        "name_en": [st.framework.name(c, "en") for c in names],
                        "low": lo[valid], "high": hi[valid]})
    if np.var(y) == 0:
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            out[col] = 0.0
    else:
        res = sobol_indices(y.astype(float), len(names), num_resamples=num_resamples, conf_level=conf_level,
                            seed=seed)
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            out[col] = res[col]
    out.attrs.update(province=st.province, year=st.year, level=level, ranges=ranges, spread=spread, n=n,
                     seed=seed, output=output, evaluations=len(sample), mean=float(np.mean(y)),
                     min=float(np.min(y)), max=float(np.max(y)), conf_level=conf_level)
    return out.sort_values(["ST", "S1"], ascending=False, kind="stable").reset_index(drop=True)


@functools.lru_cache(maxsize=4)
def saltelli_sample(num_vars: int, n: int, seed: int) -> np.ndarray:
    """SALib's Saltelli sample on the unit cube (`SALib.sample.sobol.sample`, first and total order), the
    same numbers built in whole-array steps instead of SALib's loop over every cell (0.6 s for 52 factors):
    the scrambled Sobol' sequence of 2 x `num_vars` dimensions (A | B); per base point the rows A, then A
    with column k taken from B for each k, then B. Kept (read-only): the same for every province with as
    many factors."""
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * num_vars, scramble=True, seed=seed).random(n)
    a, b = base[:, :num_vars], base[:, num_vars:]
    out = np.empty((n, num_vars + 2, num_vars))
    out[:] = a[:, None, :]
    k = np.arange(num_vars)
    out[:, 1 + k, k] = b
    out[:, -1, :] = b
    unit = out.reshape(n * (num_vars + 2), num_vars)
    unit.setflags(write=False)
    return unit


def scaled(unit: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A unit-cube sample mapped to the factors' ranges with SALib's operations (`SALib.util.scale_samples`:
    unit x (upper - lower) + lower), so the sample is SALib's for those ranges."""
    return np.add(np.multiply(unit, upper - lower), lower)


def sobol_indices(y: np.ndarray, num_vars: int, num_resamples: int = 100, conf_level: float = 0.95,
                  seed: int | None = None) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices with bootstrap confidence half-widths of the outputs `y` of a
    `saltelli_sample`: SALib's estimator (`SALib.analyze.sobol.analyze`, Saltelli et al. 2010, normalised by
    the sample variance, `num_resamples` resamples drawn as SALib draws them) giving the same numbers,
    with the factors in one array instead of a loop that redid the factor-free work for each (0.25 s).

    Every reduction runs over the same elements in the same memory order as SALib's, so the indices are
    equal to the last bit (tests check it against SALib)."""
    from scipy.stats import norm

    step = num_vars + 2
    n = y.size // step
    if y.size != n * step:
        raise PiiInputError(f"{y.size} outputs are not a Saltelli sample of {num_vars} factors", column="n")
    if not 0 < conf_level < 1:
        raise PiiInputError(f"conf_level must be between 0 and 1, got {conf_level!r}", column="conf_level")
    rng = np.random.default_rng(seed).integers if seed else np.random.randint
    y = (y - y.mean()) / y.std()
    blocks = y.reshape(n, step)
    a, b = blocks[:, 0].copy(), blocks[:, -1].copy()
    ab = np.ascontiguousarray(blocks[:, 1:-1].T)                        # (factors, n), each row contiguous
    r = rng(n, size=(n, num_resamples))
    z = norm.ppf(0.5 + conf_level / 2)
    eps = np.finfo(float).eps
    ar, br = a[r], b[r]                                                  # (n, resamples)
    whole, boot = np.r_[a, b], np.r_[ar, br]
    estimates = {"S1": (b * (ab - a)).mean(axis=1), "ST": 0.5 * ((a - ab) ** 2).mean(axis=1)}
    resampled = {"S1": np.empty((num_vars, num_resamples)), "ST": np.empty((num_vars, num_resamples))}
    for j in range(num_vars):              # one factor at a time: a (n, resamples) gather, not a 3-D one
        abr = ab[j][r]
        resampled["S1"][j] = (br * (abr - ar)).mean(axis=0)
        resampled["ST"][j] = 0.5 * ((ar - abr) ** 2).mean(axis=0)
    out = {}
    for key in ("S1", "ST"):
        out[key] = _normalised(estimates[key], whole, eps)
        spread = _normalised(resampled[key], boot, eps)                  # (factors, resamples)
        out[f"{key}_conf"] = z * spread.std(axis=1, ddof=1) if np.ptp(boot) != 0.0 else np.zeros(num_vars)
    return out


def _normalised(value: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """SALib's normalisation of an estimate by the sample variance of y (0 where y is constant)."""
    if np.ptp(y) <= eps:
        return np.zeros(value.shape)
    y_var = np.var(y, axis=0)
    return np.divide(value, y_var, out=np.zeros(np.broadcast(value, y_var).shape), where=y_var > eps)


def pillar_ols(result: ScoreResult, response: str = "rank", year_effects: bool = True,
               cov_type: str = "HC1") -> pd.DataFrame:
    """OLS of PII rank (or score) on the pillar scores, pooled over provinces and years.

    Returns the coefficient table (term, coef, std_err, t, p_value, ci_low, ci_high) with
    r2, adj_r2, nobs, response and cov_type in `.attrs`. Note the PII *score* is an exact
    weighted mean of the pillars, so `response='score'` fits perfectly; the rank is the
    informative response. Descriptive association, not causation.
    """
    if response not in ("rank", "score"):
        raise PiiInputError(f"response must be 'rank' or 'score', got {response!r}", column="response")
    # The fit is the same for every province: kept per ScoreResult for as long as it lives (a report
    # run's kernel serves many provinces from one loaded context), returned as a copy.
    from pii_analysis.data import memo

    fit = memo.kept(result, ("pillar_ols", response, year_effects, cov_type),
                     lambda: _pillar_ols(result, response, year_effects, cov_type))
    return fit.copy(deep=True)


def _pillar_ols(result: ScoreResult, response: str, year_effects: bool, cov_type: str) -> pd.DataFrame:
    import statsmodels.api as sm

    frames = [result.ranking(y).assign(year=y) for y in result.years]
    data = pd.concat(frames, ignore_index=True)
    pillars = [f"p{c}" for c in result.framework.pillars if f"p{c}" in data]
    x = data[pillars].astype(float)
    if year_effects and len(result.years) > 1:
        x = x.join(pd.get_dummies(data["year"], prefix="year", drop_first=True, dtype=float))
    x = sm.add_constant(x, has_constant="add")
    y = data["rank" if response == "rank" else "pii"].astype(float)
    if len(y) <= x.shape[1]:
        raise PiiInputError(f"too few observations ({len(y)}) for {x.shape[1]} terms", column="year")
    fit = sm.OLS(y, x).fit(cov_type=cov_type)
    table = fit.summary2().tables[1].reset_index()
    table.columns = ["term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high"]
    table.attrs.update(r2=float(fit.rsquared), adj_r2=float(fit.rsquared_adj), nobs=int(fit.nobs),
                       response=response, cov_type=cov_type)
    return table
