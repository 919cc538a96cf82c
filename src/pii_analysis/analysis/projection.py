"""Monte Carlo projection of every province's PII score and rank to a target year.

Each province's indicator rates move along their shrunk trend (see `trends`): a draw
takes a slope from the trend's posterior and adds a yearly shock of the pooled residual
volatility, around a path anchored at the observed base-year value; values are kept in
the indicator's possible range. A scenario then changes the chosen province's path.
Every draw and year is scored by the engine's batch path on rates
(`denomination='none'`), so ranks come from exactly the published method. With
volatility 0 every draw is the deterministic trend. Draws are generated in fixed-size
chunks seeded by (seed, chunk), so the same seed always gives the same result.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.analysis.budget import check_draws_memory
from pii_analysis.analysis.cache import file_checksum, memo
from pii_analysis.analysis.defaults import (  # noqa: F401
    COMPARISON_DRAWS,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    EFFORT_DRAWS,
    UNCERTAINTY_DRAWS,
)
from pii_analysis.analysis.scenarios import Scenario, apply_scenario, load_scenario
from pii_analysis.analysis.trends import TrendFit, indicator_trends, panel_rates
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import load_targets
from pii_analysis.index.scoring import rank_desc, score_arrays

TARGET_PARAMETER = "target_rank / target_year"   # source of a target set by the caller, not the file


def secondary_draws(n_draws: int) -> dict[str, int]:
    """Draws of the analyses a feasibility report runs besides the milestone projection: fewer,
    because each repeats a projection; one place so the report run can precompute exactly them."""
    return {"effort": min(n_draws, EFFORT_DRAWS), "comparison": min(n_draws, COMPARISON_DRAWS),
            "uncertainty": UNCERTAINTY_DRAWS}
CHUNK = 250  # draws per block: bounded memory; fixed so results never depend on n_draws


@dataclass(frozen=True)
class Projection:
    """Projected scores (draws, years, provinces, nodes) and PII ranks (draws, years, provinces).

    `years` are the projected years (base_year + 1 .. target_year); `base_scores` and
    `base_ranks` are the observed base year, for charts that start from the data.
    """

    years: list[int]
    base_year: int
    provinces: list[str]
    codes: list[str]
    scores: np.ndarray      # (D, H, P, K) float32
    ranks: np.ndarray       # (D, H, P) int16
    base_scores: np.ndarray  # (P, K)
    base_ranks: np.ndarray   # (P,)
    scenario: str = "baseline"
    scenario_province: str | None = None
    n_draws: int = 0
    seed: int = DEFAULT_SEED
    volatility: float = 1.0
    data_status: str = "user"
    source: str = ""

    def index(self, province: str) -> int:
        if province not in self.provinces:
            raise PiiInputError(f"province '{province}' is not in the projection", column="province")
        return self.provinces.index(province)

    def year_index(self, year: int) -> int:
        if year not in self.years:
            raise PiiInputError(f"year {year} is not projected ({self.years[0]}-{self.years[-1]})", column="year")
        return self.years.index(year)

    def pii(self, province: str) -> np.ndarray:
        """(draws, years) projected PII scores of one province."""
        return self.scores[:, :, self.index(province), self.codes.index("PII" if "PII" in self.codes
                                                                        else self.codes[0])]

    def p_rank_at_most(self, province: str, rank: int, year: int) -> float:
        return float(np.mean(self.ranks[:, self.year_index(year), self.index(province)] <= rank))

    def rank_summary(self, province: str, target_rank: int = 10) -> pd.DataFrame:
        """Per year (observed base year first): median rank, 5/25/75/95% ranks, P(rank <= target), PII."""
        p = self.index(province)
        r = self.ranks[:, :, p].astype(float)
        s = self.scores[:, :, p, 0].astype(float)
        q = np.percentile(r, [5, 25, 50, 75, 95], axis=0, method="inverted_cdf")
        base = pd.DataFrame({"year": [self.base_year], "observed": [True],
                             "median_rank": [self.base_ranks[p]], "rank_p05": [self.base_ranks[p]],
                             "rank_p25": [self.base_ranks[p]], "rank_p75": [self.base_ranks[p]],
                             "rank_p95": [self.base_ranks[p]],
                             "p_target": [float(self.base_ranks[p] <= target_rank)],
                             "median_pii": [self.base_scores[p, 0]], "pii_p05": [self.base_scores[p, 0]],
                             "pii_p95": [self.base_scores[p, 0]]})
        proj = pd.DataFrame({"year": self.years, "observed": False, "median_rank": q[2], "rank_p05": q[0],
                             "rank_p25": q[1], "rank_p75": q[3], "rank_p95": q[4],
                             "p_target": np.mean(r <= target_rank, axis=0),
                             "median_pii": np.median(s, axis=0), "pii_p05": np.percentile(s, 5, axis=0),
                             "pii_p95": np.percentile(s, 95, axis=0)})
        return pd.concat([base, proj], ignore_index=True)

    def bands(self) -> pd.DataFrame:
        """All provinces, projected years: median PII and rank, 5-95% rank interval."""
        r = self.ranks.astype(float)
        s = self.scores[..., 0].astype(float)
        H, P = r.shape[1:]
        yy, pp = np.meshgrid(np.arange(H), np.arange(P), indexing="ij")
        q = np.percentile(r, [5, 50, 95], axis=0, method="inverted_cdf")
        return pd.DataFrame({"year": np.asarray(self.years)[yy.ravel()],
                             "province": np.asarray(self.provinces, dtype=object)[pp.ravel()],
                             "median_pii": np.median(s, axis=0).ravel(), "median_rank": q[1].ravel(),
                             "rank_p05": q[0].ravel(), "rank_p95": q[2].ravel()})


# --- inputs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inputs:
    trend: TrendFit
    rates: np.ndarray      # (P, I) observed base-year rates
    lo: np.ndarray         # (I,) possible range
    hi: np.ndarray
    years: np.ndarray      # (H,)
    base_year: int


def _inputs(ctx, base_year: int | None, target_year: int, trend: TrendFit | None = None) -> _Inputs:
    base = check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=1, seed=0)
    if trend is None:   # the context's own trends: the same for every scenario and province of a run
        return _run_local(ctx, "inputs", {"base_year": base, "target_year": target_year},
                          lambda: _fit_inputs(ctx, base, target_year, None))
    return _fit_inputs(ctx, base, target_year, trend)


def _fit_inputs(ctx, base: int, target_year: int, trend: TrendFit | None) -> _Inputs:
    trend = trend or indicator_trends(ctx, base)
    _, _, rates = panel_rates(ctx, [base])
    nodes = ctx.framework.nodes.loc[ctx.framework.indicators]
    return _Inputs(trend=trend, rates=rates[0],
                   lo=nodes["min_value"].fillna(-np.inf).to_numpy(dtype=float),
                   hi=nodes["max_value"].fillna(np.inf).to_numpy(dtype=float),
                   years=np.arange(base + 1, target_year + 1), base_year=base)


def _paths(inp: _Inputs, z_slope: np.ndarray | None, z_shock: np.ndarray | None, vol: float) -> np.ndarray:
    """Rates (n, H, P, I) along the trend; z=None (or vol=0) gives the deterministic path."""
    t = inp.trend
    h = (inp.years - inp.base_year).astype(float)[:, None, None]            # (H, 1, 1)
    anchor = np.where(t.log, np.log(np.where(inp.rates > 0, inp.rates, np.nan)), inp.rates)
    anchor = np.where(t.log & ~(inp.rates > 0), np.nan, anchor)
    slope = t.slope if z_slope is None or vol == 0 else t.slope + vol * t.slope_sd * z_slope[:, None]
    centre = anchor + slope * h                                              # (H,P,I) or (n,H,P,I)
    if z_shock is not None and vol != 0:
        centre = centre + vol * t.sigma * z_shock
    if centre.ndim == 3:
        centre = centre[None]
    with np.errstate(over="ignore"):
        out = np.where(t.log, np.exp(centre), centre)
    return out


def _trend_block(inp: _Inputs, seed: int, c: int, n: int, vol: float) -> np.ndarray:
    """Rates (n, H, P, I) of draw block `c` along the trend with its shocks, before any scenario and
    unclipped (seeded by (seed, c), so a block never depends on how many draws are asked for)."""
    P, I = inp.rates.shape
    rng = np.random.default_rng([seed, c])
    z_slope = rng.standard_normal((CHUNK, P, I))[:n]
    z_shock = rng.standard_normal((CHUNK, len(inp.years), P, I))[:n]
    return _paths(inp, z_slope, z_shock, vol)


# --- run-local reuse -----------------------------------------------------------------------------
# Inside a report run ($PII_CACHE_DIR set) every notebook of a worker's kernel projects several
# scenarios from the same trends and the same random blocks; they are kept in memory here (a few
# blocks of ~18 MB; too large and too quick to rebuild to be worth a file) and reused.
BLOCKS_KEPT = 4
_LOCAL: dict[str, object] = {}


def _run_local(ctx, name: str, parts: dict, compute, size: int = 8):
    """compute(), kept in this process by its key during a report run; simply computed otherwise."""
    import os
    from collections import OrderedDict

    from pii_analysis.analysis.cache import ENV, key_of

    identity = data_parts(ctx) if os.environ.get(ENV) else None
    if identity is None:
        return compute()
    key = key_of(name, {**identity, **parts})
    store = _LOCAL.setdefault(name, OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = store[key] = compute()
    while len(store) > size:
        store.popitem(last=False)
    return value


def _clip(values: np.ndarray, inp: _Inputs) -> np.ndarray:
    return np.clip(values, inp.lo, inp.hi)


def rate_method(ctx):
    """The context's method scoring rates (already denominated)."""
    return ctx.method.with_options(denomination="none")


def deterministic_rates(ctx, *, base_year: int | None = None, target_year: int = 2030,
                        scenario: Scenario | str | dict | None = None, province: str | None = None,
                        trend: TrendFit | None = None) -> tuple[list[int], list[str], np.ndarray]:
    """The trend path of every province's rates (H, P, I), with the scenario applied."""
    inp = _inputs(ctx, base_year, target_year, trend)
    values = _scenario_block(ctx, inp, _paths(inp, None, None, 0.0), scenario, province)
    return [int(y) for y in inp.years], inp.trend.provinces, values[0]


def _scenario_block(ctx, inp: _Inputs, values: np.ndarray, scenario, province: str | None) -> np.ndarray:
    sc = load_scenario(scenario, ctx, province=province, base_year=inp.base_year)
    if sc.changes:
        if province is None:
            raise PiiInputError("a scenario needs the province it applies to", column="province")
        p = inp.trend.provinces.index(ctx.check_province(province))
        apply_scenario(values, sc, province=p, base=inp.rates[p], years=inp.years, base_year=inp.base_year,
                       framework=ctx.framework)
    return _clip(values, inp)


def kept_codes(ctx) -> list[str]:
    fw = ctx.framework
    return [fw.root, ctx.method.input_node, ctx.method.output_node, *fw.pillars]


def check_settings(ctx, *, base_year: int | None, target_year: int, n_draws: int, seed: int) -> int:
    """Validate run settings with clear messages; returns the resolved base year."""
    base = ctx.check_year(base_year)
    if isinstance(target_year, bool) or not isinstance(target_year, int) or not base < target_year <= base + 30:
        raise PiiInputError(f"target_year must be a year after the base year {base} (at most {base + 30}), "
                            f"got {target_year!r}", column="target_year")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise PiiInputError(f"n_draws must be a whole number >= 1, got {n_draws!r}", column="n_draws")
    check_draws_memory(n_draws, len(ctx.panel.provinces(base)), target_year - base)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PiiInputError(f"seed must be a whole number >= 0, got {seed!r}", column="seed")
    return base


def project(ctx, *, province: str | None = None, scenario: Scenario | str | dict | None = None,
            base_year: int | None = None, target_year: int = 2030, n_draws: int = DEFAULT_DRAWS,
            seed: int = DEFAULT_SEED, volatility: float = 1.0, trend: TrendFit | None = None) -> Projection:
    """Project and score all provinces, `n_draws` times, for each year after the base year."""
    check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    if volatility < 0:
        raise PiiInputError(f"volatility must be >= 0, got {volatility}", column="volatility")
    inp = _inputs(ctx, base_year, target_year, trend)
    sc = load_scenario(scenario, ctx, province=province, base_year=inp.base_year)
    vol = volatility * sc.volatility
    fw, method = ctx.framework, rate_method(ctx)
    P, I = inp.rates.shape
    H = len(inp.years)
    codes = kept_codes(ctx)
    scores = np.empty((n_draws, H, P, len(codes)), dtype=np.float32)
    ranks = np.empty((n_draws, H, P), dtype=np.int16)
    for c, lo in enumerate(range(0, n_draws, CHUNK)):
        n = min(CHUNK, n_draws - lo)
        if n == CHUNK and trend is None:   # a whole block: shared by every scenario and province of a run
            values = _run_local(ctx, "trend_block", {"base_year": inp.base_year, "target_year": int(inp.years[-1]),
                                                     "seed": seed, "chunk": c, "size": CHUNK, "volatility": vol},
                                lambda: _trend_block(inp, seed, c, n, vol), size=BLOCKS_KEPT)
            if sc.changes:   # a scenario changes the block in place: keep the shared one intact
                values = values.copy()
        else:
            values = _trend_block(inp, seed, c, n, vol)
        if values.shape[0] != n:
            values = np.broadcast_to(values, (n, H, P, I)).copy()
        values = _scenario_block(ctx, inp, values, sc, province)
        batch = score_arrays(values, fw, method)
        keep = batch.scores[..., [batch.codes.index(k) for k in codes]]
        scores[lo:lo + n] = keep
        ranks[lo:lo + n] = rank_desc(keep[..., 0], method.rank_decimals)
    base_table = ctx.scores.table[ctx.scores.table["year"] == inp.base_year]
    wide = base_table.pivot(index="province", columns="node", values="score").reindex(
        index=inp.trend.provinces, columns=codes)
    base_scores = wide.to_numpy(dtype=float)
    return Projection(years=[int(y) for y in inp.years], base_year=inp.base_year, provinces=inp.trend.provinces,
                      codes=codes, scores=scores, ranks=ranks, base_scores=base_scores,
                      base_ranks=rank_desc(base_scores[:, 0], method.rank_decimals),
                      scenario=sc.name, scenario_province=province, n_draws=n_draws, seed=seed,
                      volatility=vol, data_status=ctx.data_status, source=ctx.panel.source)


def shared_projection(ctx, *, base_year: int | None = None, target_year: int = 2030, n_draws: int = DEFAULT_DRAWS,
                      seed: int = DEFAULT_SEED) -> Projection:
    """The baseline projection of all provinces, memoised on disk ($PII_CACHE_DIR) per data and parameters.

    A report run computes it once; every province's notebook then reuses it.
    """
    base = ctx.check_year(base_year)
    compute = lambda: project(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)  # noqa: E731
    identity = data_parts(ctx)
    if identity is None:   # data not from a file: nothing identifies it, so nothing is stored
        return compute()
    parts = {**identity, "base_year": base, "target_year": target_year, "n_draws": n_draws, "seed": seed}
    return memo("projection", parts, compute)


def data_parts(ctx) -> dict[str, object] | None:
    """What identifies a context's inputs in a memo key (data and framework checksums, method options);
    None when the data does not come from a file."""
    source = str(ctx.panel.source or "")
    if not source or source.startswith("<") or not Path(source).is_file():
        return None
    fw = str(ctx.framework.source or "")
    return {"data": _checksum(source),
            "framework": _checksum(fw) if fw and not fw.startswith("<") and Path(fw).is_file() else fw,
            "method": ctx.method.as_dict()}


def _checksum(path: str) -> str:
    st = Path(path).stat()
    return _checksum_of(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _checksum_of(path: str, mtime_ns: int, size: int) -> str:
    return file_checksum(path)


# --- milestones -------------------------------------------------------------------------------
RANK_METRIC = "PII rank"


def milestones(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
               base_year: int | None = None, targets_path=None) -> pd.DataFrame:
    """Rank milestones after the base year up to the target year: year, target_rank, source.

    Read from the targets file (metric 'PII rank'; the strictest per year; '< r' means
    rank r - 1); the target-year milestone is `target_rank` (the question asked), citing the
    file's rows that set the same rank that year, else TARGET_PARAMETER, so a province with
    no rows in the file still gets its target.
    """
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = ctx.check_year(base_year)
    t = load_targets(targets_path, province=province, resolver=ctx.resolver)
    t = t[t["metric"].str.strip().str.lower() == RANK_METRIC.lower()]
    rank = t["value"].where(t["operator"].str.strip() != "<", t["value"] - 1).astype(int)
    docs = (t["source_doc"] if "source_doc" in t else pd.Series("targets file", index=t.index)).astype(str)
    frame = pd.DataFrame({"year": t["target_year"].astype(int), "target_rank": rank, "source": docs})
    frame = frame[(frame["year"] > base) & (frame["year"] < target_year)]
    frame = frame.sort_values(["year", "target_rank"]).drop_duplicates("year", keep="first")
    # the asked-for target cites the file's rows that set the same rank in that year, if any
    same = [d for d in dict.fromkeys(docs[(t["target_year"] == target_year) & (rank == target_rank)]) if d.strip()]
    final = pd.DataFrame({"year": [target_year], "target_rank": [target_rank],
                          "source": ["; ".join(same) if same else TARGET_PARAMETER]})
    frame = pd.concat([frame, final], ignore_index=True)
    return frame.sort_values("year").reset_index(drop=True)


def milestone_table(proj: Projection, province: str, plan: pd.DataFrame) -> pd.DataFrame:
    """Each milestone with P(rank <= target) and the projected median rank and 5-95% interval."""
    p = proj.index(province)
    rows = []
    for year, target in zip(plan["year"], plan["target_rank"]):
        r = proj.ranks[:, proj.year_index(int(year)), p].astype(float)
        q = np.percentile(r, [5, 50, 95], method="inverted_cdf")
        rows.append({"year": int(year), "target_rank": int(target), "probability": float(np.mean(r <= target)),
                     "median_rank": q[1], "rank_p05": q[0], "rank_p95": q[2]})
    out = pd.DataFrame(rows)
    out["source"] = plan["source"].to_numpy()
    return out


def competitors(proj: Projection, province: str, *, target_rank: int = 10, width: int = 3) -> pd.DataFrame:
    """Provinces around the province and the target: base rank, projected median rank/PII, P(ahead).

    'Ahead' means a strictly higher PII than the province in the target year.
    """
    p = proj.index(province)
    own_rank = int(proj.base_ranks[p])
    lo, hi = min(target_rank, own_rank) - width, max(target_rank, own_rank) + width
    s = proj.scores[:, -1, :, 0]
    rows = []
    for q, name in enumerate(proj.provinces):
        r0 = int(proj.base_ranks[q])
        if q == p or not lo <= r0 <= hi:
            continue
        rows.append({"province": name, "base_rank": r0, "base_pii": float(proj.base_scores[q, 0]),
                     "median_pii": float(np.median(s[:, q])),
                     "median_rank": float(np.percentile(proj.ranks[:, -1, q], 50, method="inverted_cdf")),
                     "p_ahead": float(np.mean(s[:, q] > s[:, p]))})
    return pd.DataFrame(rows).sort_values("base_rank").reset_index(drop=True)
