"""The projection's inputs: the model (`models`) fitted on the panel's observed history and its calibration
(`calibration`), the settings check, and what keeps them during a report run. Generated years never feed
the trends, the shock sizes or the calibration (`history.history_years`)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pii_analysis.analysis.budget import check_draws_memory
from pii_analysis.analysis.cache import file_checksum
from pii_analysis.analysis.calibration import Calibration, calibrate
from pii_analysis.analysis.history import history_years
from pii_analysis.analysis.models import MIN_TREND_YEARS, ModelInputs, model_inputs
from pii_analysis.analysis.trends import TrendFit, fit_trends, log_scale, panel_rates
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.record import published_changes


# --- inputs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inputs:
    model: ModelInputs
    calibration: Calibration
    provinces: list[str]
    rates: np.ndarray      # (P, I) observed base-year rates
    lo: np.ndarray         # (I,) possible range
    hi: np.ndarray
    years: np.ndarray      # (H,)
    base_year: int


def _inputs(ctx, base_year: int | None, target_year: int, trend: TrendFit | None = None,
            correlations: tuple[float, float] | None = None) -> _Inputs:
    base = check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=1, seed=0)
    if trend is None and correlations is None:   # the context's own model: one for every scenario and province
        key = (id(ctx), base, target_year)
        kept = _CONTEXT_INPUTS.get(key)
        if kept is not None and kept[0] is ctx:
            return kept[1]
        inp = _run_local(ctx, "inputs", {"base_year": base, "target_year": target_year},
                         lambda: _fit_inputs(ctx, base, target_year, None, None))
        _CONTEXT_INPUTS[key] = (ctx, inp)
        while len(_CONTEXT_INPUTS) > 8:
            _CONTEXT_INPUTS.pop(next(iter(_CONTEXT_INPUTS)))
        return inp
    return _fit_inputs(ctx, base, target_year, trend, correlations)


# the model inputs (and their calibration) of the last contexts used in this process: every scenario
# and section of a page projects from the same ones (the context is kept with them, so an id is never
# reused for another context while its entry lives)
_CONTEXT_INPUTS: dict[tuple, tuple] = {}


def model_scale(rates: np.ndarray, log: np.ndarray) -> np.ndarray:
    """Rates on the model scale: logs for the log-scale indicators (NaN where not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(log, np.log(np.where(rates > 0, rates, np.nan)), rates)


def _fit_inputs(ctx, base: int, target_year: int, trend: TrendFit | None,
                correlations: tuple[float, float] | None) -> _Inputs:
    """The model inputs and calibration from the panel's observed years up to `base` (`history.history_years`:
    the base year alone when the years before it are generated, so only the random walk runs, its spread
    calibrated on the published record);
    `correlations` (rho_province, rho_pillar) replace the estimated or assumed ones (sensitivity runs)."""
    fw = ctx.framework
    years, provinces, rates = panel_rates(ctx, history_years(ctx, base))   # never a generated year before base
    log = log_scale(fw, rates)
    if trend is None and len(years) >= MIN_TREND_YEARS:
        trend = fit_trends(rates, years, provinces, fw.indicators, log=log)
    if trend is not None and len(years) < MIN_TREND_YEARS:
        trend = None
    if trend is not None:
        log = trend.log
    pillar = {c: next(a for a in fw.ancestors(c) if a in fw.pillars) for c in fw.indicators}
    pillar_of = np.array([fw.pillars.index(pillar[c]) for c in fw.indicators])
    model = model_inputs(model_scale(rates, log), years, log, pillar_of, fw.direction, trend, correlations)
    nodes = fw.nodes.loc[fw.indicators]
    lo = nodes["min_value"].fillna(-np.inf).to_numpy(dtype=float)
    hi = nodes["max_value"].fillna(np.inf).to_numpy(dtype=float)
    pii = panel_pii(ctx, years, provinces)
    cal = calibrate(model, pii[-1], pii, lo, hi, fw, rate_method(ctx), published_changes(resolver=ctx.resolver))
    return _Inputs(model=model, calibration=cal, provinces=list(provinces), rates=rates[-1], lo=lo, hi=hi,
                   years=np.arange(base + 1, target_year + 1), base_year=base)


def panel_pii(ctx, years: list[int], provinces: list[str]) -> np.ndarray:
    """(years, provinces) PII totals of the panel, in the given order."""
    t = ctx.scores.table
    t = t[(t["node"] == ctx.framework.root) & t["year"].isin(years)]
    pii = t.pivot(index="year", columns="province", values="score").reindex(index=years, columns=provinces)
    return pii.to_numpy(dtype=float)


def recalibrate(ctx, inp: _Inputs, published) -> Calibration:
    """The calibration of `inp`'s model on another published record (`data.record.published_changes` rows,
    e.g. with one province left out for a backtest): the same model inputs, shock scales re-chosen."""
    fw = ctx.framework
    pii = panel_pii(ctx, list(inp.model.years), inp.provinces)
    return calibrate(inp.model, pii[-1], pii, inp.lo, inp.hi, fw, rate_method(ctx), published)


# --- run-local reuse -----------------------------------------------------------------------------
# Inside a report run ($PII_CACHE_DIR set) every notebook of a worker's kernel projects several
# scenarios from the same trends and the same random blocks; they are kept in memory here (every block
# of the run's draws, ~18 MB each and as much for their normalised scores; too large and too quick to
# rebuild to be worth a file) and reused.
BLOCKS_KEPT = 4
_LOCAL: dict[str, object] = {}


def _runs_local(ctx) -> bool:
    """Whether `_run_local` keeps values for this context (during a report run, data from a file)."""
    import os

    from pii_analysis.analysis.cache import ENV

    return bool(os.environ.get(ENV)) and data_parts(ctx) is not None


def _run_local(ctx, name: str, parts: dict, compute, size: int = 8):
    """compute(), kept in this process by its key during a report run; simply computed otherwise."""
    from collections import OrderedDict

    from pii_analysis.analysis.cache import key_of

    if not _runs_local(ctx):
        return compute()
    identity = data_parts(ctx)
    key = key_of(name, {**identity, **parts})
    store = _LOCAL.setdefault(name, OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = store[key] = compute()
    while len(store) > size:
        store.popitem(last=False)
    return value


def rate_method(ctx):
    """The context's method scoring rates (already denominated)."""
    return ctx.method.with_options(denomination="none")


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
