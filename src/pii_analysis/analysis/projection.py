"""Monte Carlo projection of every province's PII score and rank to a target year.

Each province's indicator rates move as the uncertainty model of `models` says (its inputs fitted on the
panel's observed history only: `projection_inputs`): accumulating
yearly shocks correlated within a province and within a pillar, around the drift of one of three
trend models (calibrated random walk, shrunk linear trend, damped trend; the random walk alone
with fewer than three years), the shock size calibrated on the published record (`calibration`).
Draw d follows model d mod M, and every probability is the equal-weight average of the models
(`Projection.weights`), with the range across models and its Monte Carlo error available.
A scenario then changes the chosen province's path. Every draw and year is scored by the
engine's batch path on rates (`denomination='none'`), so ranks come from exactly the published
method. Draws are generated in fixed-size chunks seeded by (seed, chunk), so the same seed
always gives the same result (common random numbers across scenarios).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pii_analysis.analysis.cache import memo
from pii_analysis.analysis.calibration import Calibration
from pii_analysis.analysis.defaults import (  # noqa: F401
    COMPARISON_DRAWS,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    UNCERTAINTY_DRAWS,
)
from pii_analysis.analysis.models import central_path, draw_block, model_of_draws, to_rates
from pii_analysis.analysis.projection_inputs import (  # noqa: F401 (re-exported: callers import them from here)
    _CONTEXT_INPUTS,
    _LOCAL,
    BLOCKS_KEPT,
    _Inputs,
    _inputs,
    _run_local,
    _runs_local,
    check_settings,
    data_parts,
    model_scale,
    rate_method,
)
from pii_analysis.analysis.scenarios import Scenario, ScoringScale, apply_scenario, load_scenario
from pii_analysis.analysis.trends import TrendFit
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.targets import load_targets
from pii_analysis.index.scoring import Normalised, normalised_arrays, rank_desc, rescore_columns, score_arrays

TARGET_PARAMETER = "target_rank / target_year"   # source of a target set by the caller, not the file


def secondary_draws(n_draws: int) -> dict[str, int]:
    """Draws of the analyses a feasibility report runs besides the milestone projection: fewer,
    because each repeats a projection; one place so the report run can precompute exactly them."""
    return {"comparison": min(n_draws, COMPARISON_DRAWS), "uncertainty": UNCERTAINTY_DRAWS}
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
    model: np.ndarray | None = None          # (D,) trend model of each draw (index into `models`)
    models: tuple[str, ...] = ("random_walk",)
    calibration: Calibration | None = None

    @property
    def weights(self) -> np.ndarray:
        """(D,) weight of each draw: every model weighs the same (the model average)."""
        if self.model is None:
            return np.full(self.n_draws, 1.0 / self.n_draws)
        counts = np.bincount(self.model, minlength=len(self.models)).astype(float)
        used = counts > 0
        return 1.0 / (counts[self.model] * used.sum())

    def prob(self, event: np.ndarray) -> np.ndarray:
        """Model-average probability of a boolean event (draws, ...) -> (...)."""
        w = self.weights.reshape((-1,) + (1,) * (event.ndim - 1))
        return np.round(np.sum(event * w, axis=0), 12)   # the same value whatever the summation order

    def model_probabilities(self, event: np.ndarray) -> pd.DataFrame:
        """Per model: model, draws, probability of the event (draws,), and its Monte Carlo error."""
        model = np.zeros(len(event), dtype=int) if self.model is None else self.model
        rows = []
        for m, name in enumerate(self.models):
            e = event[model == m]
            if len(e):
                p = float(np.mean(e))
                rows.append({"model": name, "draws": len(e), "probability": p,
                             "mc_error": float(np.sqrt(p * (1 - p) / len(e)))})
        return pd.DataFrame(rows)

    def p_summary(self, province: str, rank: int, year: int) -> dict[str, float]:
        """P(rank <= `rank` in `year`): the model average, the lowest and highest model and the Monte Carlo
        error of the average (keys p, lo, hi, mc_error, n_models)."""
        event = self.ranks[:, self.year_index(year), self.index(province)] <= rank
        per = self.model_probabilities(event)
        p = float(self.prob(event))
        err = float(np.sqrt(np.sum(per["mc_error"] ** 2)) / len(per))
        return {"p": p, "lo": float(per["probability"].min()), "hi": float(per["probability"].max()),
                "mc_error": err, "n_models": len(per)}

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
        return float(self.prob(self.ranks[:, self.year_index(year), self.index(province)] <= rank))

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
                             "p_target": self.prob(r <= target_rank),
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


def _trend_block(inp: _Inputs, seed: int, c: int, n: int, vol: float) -> np.ndarray:
    """Rates (n, H, P, I) of draw block `c` with its shocks, before any scenario and unclipped (seeded
    by (seed, c), so a block never depends on how many draws are asked for)."""
    rng = np.random.default_rng([seed, c])
    models = model_of_draws(c * CHUNK, n, len(inp.model.models))
    h = (inp.years - inp.base_year).astype(float)
    z = draw_block(inp.model, inp.calibration.scale * vol, rng, CHUNK, h, models)
    values = to_rates(inp.model, z)
    if values.shape[0] != n:
        values = np.broadcast_to(values, (n, *values.shape[1:])).copy()
    return values


def _clip(values: np.ndarray, inp: _Inputs) -> np.ndarray:
    return np.clip(values, inp.lo, inp.hi)



def deterministic_rates(ctx, *, base_year: int | None = None, target_year: int = 2030,
                        scenario: Scenario | str | dict | None = None, province: str | None = None,
                        trend: TrendFit | None = None) -> tuple[list[int], list[str], np.ndarray]:
    """The trend path of every province's rates (H, P, I), with the scenario applied."""
    inp = _inputs(ctx, base_year, target_year, trend)
    z = central_path(inp.model, (inp.years - inp.base_year).astype(float))
    values = _scenario_block(ctx, inp, to_rates(inp.model, z), scenario, province)
    return [int(y) for y in inp.years], inp.provinces, values[0]


def _scenario_block(ctx, inp: _Inputs, values: np.ndarray, scenario, province: str | None,
                    shares: np.ndarray | None = None, block: _Block | None = None, clip: bool = True) -> np.ndarray:
    sc = load_scenario(scenario, ctx, province=province, base_year=inp.base_year)
    if sc.changes:
        if province is None:
            raise PiiInputError("a scenario needs the province it applies to", column="province")
        p = inp.provinces.index(ctx.check_province(province))
        points = block.points_scale(rate_method(ctx)) if block is not None and any(
            c.kind == "points" for c in sc.changes) else None
        apply_scenario(values, sc, province=p, base=inp.rates[p], years=inp.years, base_year=inp.base_year,
                       framework=ctx.framework, method=rate_method(ctx), shares=shares, points=points)
    return _clip(values, inp) if clip else values


class _Block:
    """One block of trend draws (n, H, P, I), unclipped, kept during a report run with what every scenario
    projected from it reuses: the points scale of `apply_scenario` and the normalised scores of the
    clipped block (a scenario then re-scores only the indicators it changes: `scoring.rescore_columns`)."""

    def __init__(self, values: np.ndarray, inp: _Inputs) -> None:
        self.values, self._inp = values, inp
        self._span = self._normalised = None

    def points_scale(self, method) -> ScoringScale:
        if self._span is None:
            self._span = ScoringScale.of(self.values, method)
        return self._span

    def normalised(self, fw, method) -> Normalised:
        if self._normalised is None:
            self._normalised = normalised_arrays(_clip(self.values, self._inp), fw, method)
        return self._normalised


def _kept_block(ctx, inp: _Inputs, seed: int, c: int, n: int, vol: float, kept: int = BLOCKS_KEPT) -> _Block:
    """Block `c` of the trend draws, kept during a report run (computed otherwise)."""
    return _run_local(ctx, "trend_block", {"base_year": inp.base_year, "target_year": int(inp.years[-1]),
                                           "seed": seed, "chunk": c, "size": n, "volatility": vol},
                      lambda: _Block(_trend_block(inp, seed, c, n, vol), inp), size=max(kept, BLOCKS_KEPT))


def trend_block(ctx, inp: _Inputs, *, seed: int, chunk: int, n: int, n_draws: int | None = None) -> np.ndarray:
    """The unclipped trend draws (n, H, P, I) of block `chunk` (the first `n` of its draws), before any
    scenario: the block `project` makes with these settings, the same object during a report run (never
    change it in place). `n_draws`: the run's draws, so that every block of them stays kept."""
    kept = -(-(n_draws or 0) // CHUNK)
    return _kept_block(ctx, inp, seed, chunk, n, 1.0, kept).values


def _block_scores(ctx, inp: _Inputs, block: _Block, sc: Scenario, province: str | None,
                  shares: np.ndarray | None, codes: list[str]):
    """The scores of a kept block under a scenario: `score_arrays` of the changed, clipped block, computed
    by re-scoring only the columns the scenario changes. The scenario is applied to the shared block in
    place (it changes only the province's row) and undone at once, so the block is never copied."""
    fw, method = ctx.framework, rate_method(ctx)
    if not sc.changes:
        return score_arrays(_clip(block.values, inp), fw, method)
    columns = changed_columns(sc, fw)
    p = inp.provinces.index(ctx.check_province(province)) if province is not None else None
    values = block.values
    own = values[..., p, :].copy() if p is not None else None
    try:
        _scenario_block(ctx, inp, values, sc, province, shares, block, clip=False)
        changed = np.clip(values[..., columns], inp.lo[columns], inp.hi[columns])
    finally:
        if own is not None:
            values[..., p, :] = own
    return rescore_columns(changed, columns, block.normalised(fw, method), fw, method, codes)


def changed_columns(sc: Scenario, framework) -> list[int]:
    """Positions of the indicators a scenario changes (the only columns whose scores it can move)."""
    position = {c: i for i, c in enumerate(framework.indicators)}
    return sorted({position[code] for change in sc.changes for code in change.indicators})


def delivery_shares(sc: Scenario, seed: int, c: int, n: int) -> np.ndarray | None:
    """(n, changes) delivery shares of draw block `c` (own stream, so the trend draws are unchanged)."""
    if sc.delivery is None or not sc.changes:
        return None
    rng = np.random.default_rng([seed, c, 1])
    return sc.delivery.shares(rng, CHUNK, len(sc.changes))[:n]


def kept_codes(ctx) -> list[str]:
    fw = ctx.framework
    return [fw.root, ctx.method.input_node, ctx.method.output_node, *fw.pillars]



def project(ctx, *, province: str | None = None, scenario: Scenario | str | dict | None = None,
            base_year: int | None = None, target_year: int = 2030, n_draws: int = DEFAULT_DRAWS,
            seed: int = DEFAULT_SEED, volatility: float = 1.0, trend: TrendFit | None = None,
            correlations: tuple[float, float] | None = None) -> Projection:
    """Project and score all provinces, `n_draws` times, for each year after the base year; `correlations`
    (rho_province, rho_pillar) replace the model's own (the backtest's sensitivity rows)."""
    check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    if volatility < 0:
        raise PiiInputError(f"volatility must be >= 0, got {volatility}", column="volatility")
    inp = _inputs(ctx, base_year, target_year, trend, correlations)
    sc = load_scenario(scenario, ctx, province=province, base_year=inp.base_year)
    vol = volatility * sc.volatility
    fw, method = ctx.framework, rate_method(ctx)
    P, I = inp.rates.shape
    H = len(inp.years)
    codes = kept_codes(ctx)
    scores = np.empty((n_draws, H, P, len(codes)), dtype=np.float32)
    ranks = np.empty((n_draws, H, P), dtype=np.int16)
    kept = max(BLOCKS_KEPT, -(-n_draws // CHUNK))   # every block of the run's draws
    local = trend is None and correlations is None and _runs_local(ctx)
    for c, lo in enumerate(range(0, n_draws, CHUNK)):
        n = min(CHUNK, n_draws - lo)
        shares = delivery_shares(sc, seed, c, n)
        if local:   # shared by every scenario and province of a report run
            block = _kept_block(ctx, inp, seed, c, n, vol, kept)
            batch = _block_scores(ctx, inp, block, sc, province, shares, codes)
        else:
            values = _trend_block(inp, seed, c, n, vol)
            batch = score_arrays(_scenario_block(ctx, inp, values, sc, province, shares), fw, method)
        keep = batch.scores[..., [batch.codes.index(k) for k in codes]]
        scores[lo:lo + n] = keep
        ranks[lo:lo + n] = rank_desc(keep[..., 0], method.rank_decimals)
    base_table = ctx.scores.table[ctx.scores.table["year"] == inp.base_year]
    wide = base_table.pivot(index="province", columns="node", values="score").reindex(
        index=inp.provinces, columns=codes)
    base_scores = wide.to_numpy(dtype=float)
    model = np.concatenate([model_of_draws(lo, min(CHUNK, n_draws - lo), len(inp.model.models))
                            for lo in range(0, n_draws, CHUNK)])
    return Projection(years=[int(y) for y in inp.years], base_year=inp.base_year, provinces=inp.provinces,
                      codes=codes, scores=scores, ranks=ranks, base_scores=base_scores,
                      base_ranks=rank_desc(base_scores[:, 0], method.rank_decimals),
                      scenario=sc.name, scenario_province=province, n_draws=n_draws, seed=seed,
                      volatility=vol, data_status=ctx.data_status, source=ctx.panel.source, model=model,
                      models=inp.model.models, calibration=inp.calibration)


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



# --- milestones -------------------------------------------------------------------------------
RANK_KIND = "rank"   # a national rank target (data/targets.py KINDS)


def milestones(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
               base_year: int | None = None, targets_path=None) -> pd.DataFrame:
    """Rank milestones after the base year up to the target year: year, target_rank, source.

    Read from the targets file (kind 'rank'; the strictest per year); the target-year milestone is `target_rank` (the question asked), citing the
    file's rows that set the same rank that year, else TARGET_PARAMETER, so a province with
    no rows in the file still gets its target.
    """
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = ctx.check_year(base_year)
    t = load_targets(targets_path, province=province, resolver=ctx.resolver)
    t = t[t["kind"] == RANK_KIND]
    rank = t["value"].astype(int)
    docs = t["source"].astype(str)
    frame = pd.DataFrame({"year": t["year"].astype(int), "target_rank": rank, "source": docs})
    frame = frame[(frame["year"] > base) & (frame["year"] < target_year)]
    frame = frame.sort_values(["year", "target_rank"]).drop_duplicates("year", keep="first")
    # the asked-for target cites the file's rows that set the same rank in that year, if any
    same = [d for d in dict.fromkeys(docs[(t["year"] == target_year) & (rank == target_rank)]) if d.strip()]
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
        rows.append({"year": int(year), "target_rank": int(target), "probability": float(proj.prob(r <= target)),
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
                     "p_ahead": float(proj.prob(s[:, q] > s[:, p]))})
    return pd.DataFrame(rows).sort_values("base_rank").reset_index(drop=True)


def baseline_rate_blocks(ctx, proj: Projection):
    """The clipped indicator rates (n, H, P, I) behind a baseline projection, block by block, with the
    first draw of each block: (lo, rates). The same draws `project` scored (same seed, chunks, volatility),
    so an event on the rates and one on the projection's ranks come from one set of draws."""
    if proj.scenario != "baseline":
        raise PiiInputError(f"indicator draws exist for the baseline projection only, not '{proj.scenario}'",
                            column="scenario")
    inp = _inputs(ctx, proj.base_year, proj.years[-1])
    for c, lo in enumerate(range(0, proj.n_draws, CHUNK)):
        n = min(CHUNK, proj.n_draws - lo)
        yield lo, _clip(_trend_block(inp, proj.seed, c, n, proj.volatility), inp)
