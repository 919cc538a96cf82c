"""Scenarios as data: what the chosen province does differently from its own trend.

A scenario is a list of changes, each on some indicators (named directly, or every
indicator of a pillar or node, or all), of one kind:

- points:  +g normalised points a year on top of the trend, on the scale the scoring uses
           (0-100 min-max of each projected year's cross-province range after the outlier
           treatment, so a winsorised indicator moves by its winsorised spread);
- percent: the raw value improves by r% a year on top of the trend (direction-aware);
- score:   the normalised score is held at s (0-100) of each year's range (100 = best);
- target:  the raw value reaches `value` by `year` on a straight line from the base
           year, never below the trend (the province's own plan);
- growth:  the raw value grows at least r% a year from the base year (plan targets).

'baseline' has no changes; 'plan' is built from the province's Resolution 06-NQ/TU
targets (province_plan_metrics.csv) through data/raw/resolution06_indicator_map.csv; other
scenarios are YAML files (data/raw/scenarios/<name>.yaml or any path) or dicts.
Rivals always follow their baseline trends.

A scenario may say how fully it is delivered (`delivery: {beta: [a, b]}`): each change is then
delivered at a random share (Beta(a, b), drawn per draw and change) of its stated size. The
province plan is reported twice: every mapped target met in full ('plan'), and with typical
delivery ('plan_typical', the assumption in data/raw/plan_delivery.yaml).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.languages import check_lang
from pii_analysis.data.tables import read_table, read_yaml, require_columns, row_number
from pii_analysis.index.framework import Framework

KINDS = ("points", "percent", "score", "target", "growth")
SELECTORS = ("indicator", "indicators", "pillar", "pillars", "node", "nodes", "all")
MAP_FILE = "resolution06_indicator_map.csv"
SCENARIO_DIR = "scenarios"
MAP_RULES = ("level", "count", "growth", "rank_level", "none")
DELIVERY_FILE = "plan_delivery.yaml"


@dataclass(frozen=True)
class Delivery:
    """Each change is delivered at a share ~ Beta(a, b) of its stated size (an assumption)."""

    a: float
    b: float
    note: str = ""

    @property
    def median(self) -> float:
        from scipy.stats import beta

        return float(beta.median(self.a, self.b))

    def shares(self, rng: np.random.Generator, size: int, n_changes: int) -> np.ndarray:
        return rng.beta(self.a, self.b, size=(size, n_changes))


def parse_delivery(spec, where: str) -> Delivery | None:
    """`delivery: {beta: [a, b], note: ...}` -> Delivery (None when absent)."""
    if spec is None:
        return None
    ab = spec.get("beta") if isinstance(spec, dict) else None
    if (not isinstance(ab, list) or len(ab) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                        or v <= 0 for v in ab)):
        raise PiiInputError("delivery must be {beta: [a, b]} with a, b > 0 (each change delivered at a share "
                            "~ Beta(a, b))", file=where, column="delivery")
    return Delivery(float(ab[0]), float(ab[1]), str(spec.get("note", "")))


@dataclass(frozen=True)
class Change:
    """One change: `kind` with `value` (and `year` for targets) on `indicators`."""

    indicators: tuple[str, ...]
    kind: str
    value: float
    year: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    changes: tuple[Change, ...] = ()
    label: dict[str, str] = field(default_factory=dict)
    volatility: float = 1.0
    source: str = ""
    delivery: Delivery | None = None
    below_current: tuple[str, ...] = ()    # mapped targets already met at the base year (reported)

    def title(self, lang: str = "vi") -> str:
        return self.label.get(check_lang(lang)) or self.name

    def table(self, framework: Framework, lang: str = "vi") -> pd.DataFrame:
        """One row per (change, indicator): what the scenario assumes."""
        rows = [{"indicator": code, "name": framework.name(code, lang), "kind": c.kind, "value": c.value,
                 "year": c.year, "note": c.note} for c in self.changes for code in c.indicators]
        return pd.DataFrame(rows, columns=["indicator", "name", "kind", "value", "year", "note"])


BASELINE = Scenario(name="baseline", label={"vi": "Theo xu hướng (cơ sở)", "en": "Trend (baseline)"})


# --- parsing --------------------------------------------------------------------------
def _select(spec: dict, framework: Framework, where: str) -> tuple[str, ...]:
    chosen = [k for k in SELECTORS if k in spec]
    if len(chosen) != 1:
        raise PiiInputError(f"each change needs exactly one of {', '.join(SELECTORS)}", file=where)
    key = chosen[0]
    if key == "all":
        return tuple(framework.indicators)
    raw = spec[key]
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        code = str(item).strip()
        if code not in framework.nodes.index:
            raise PiiInputError(f"unknown {key.rstrip('s')} code '{code}'", file=where, column=key)
        if key.startswith("indicator") and code not in framework.indicators:
            raise PiiInputError(f"'{code}' is not an indicator", file=where, column=key)
        if key.startswith("pillar") and code not in framework.pillars:
            raise PiiInputError(f"'{code}' is not a pillar (pillars: {', '.join(framework.pillars)})",
                                file=where, column=key)
        out.extend(framework.descendant_indicators(code))
    return tuple(dict.fromkeys(out))


def parse_scenario(spec: dict, framework: Framework, source: str = "<dict>") -> Scenario:
    """A Scenario from a mapping {name, label, volatility, changes: [...]}, validated."""
    if not isinstance(spec, dict):
        raise PiiInputError("a scenario must be a mapping with 'name' and 'changes'", file=source)
    unknown = set(spec) - {"name", "label", "volatility", "changes", "delivery"}
    if unknown:
        raise PiiInputError(f"unknown scenario key(s): {', '.join(sorted(unknown))}", file=source)
    name = str(spec.get("name") or Path(source).stem)
    label = spec.get("label") or {}
    label = {"vi": str(label), "en": str(label)} if isinstance(label, str) else {k: str(v) for k, v in label.items()}
    vol = spec.get("volatility", 1.0)
    if not isinstance(vol, (int, float)) or vol < 0:
        raise PiiInputError(f"volatility must be a number >= 0, got {vol!r}", file=source, column="volatility")
    changes = spec.get("changes") or []
    if not isinstance(changes, list):
        raise PiiInputError("'changes' must be a list", file=source, column="changes")
    out = []
    for i, ch in enumerate(changes, start=1):
        where = f"{source} (change {i})"
        if not isinstance(ch, dict):
            raise PiiInputError("a change must be a mapping", file=where)
        kinds = [k for k in KINDS if k in ch]
        if len(kinds) != 1:
            raise PiiInputError(f"each change needs exactly one of {', '.join(KINDS)}", file=where)
        kind = kinds[0]
        value = ch[kind]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PiiInputError(f"{kind} must be a number, got {value!r}", file=where, column=kind)
        if kind == "score" and not 0 <= value <= 100:
            raise PiiInputError(f"score must be within 0-100, got {value}", file=where, column=kind)
        year = ch.get("year")
        if kind == "target" and not isinstance(year, int):
            raise PiiInputError("a target needs the year it is reached (year: 2030)", file=where, column="year")
        out.append(Change(indicators=_select(ch, framework, where), kind=kind, value=float(value),
                          year=year, note=str(ch.get("note", ""))))
    return Scenario(name=name, changes=tuple(out), label=label, volatility=float(vol), source=source,
                    delivery=parse_delivery(spec.get("delivery"), source))


def available_scenarios() -> list[str]:
    """Names usable as `scenario`: baseline, plan and the shipped YAML files."""
    directory = paths.raw_dir() / SCENARIO_DIR
    shipped = sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []
    return ["baseline", "plan", "plan_typical", *shipped]


def load_scenario(spec: str | Path | dict | Scenario | None, ctx, *, province: str | None = None,
                  base_year: int | None = None) -> Scenario:
    """Resolve a scenario given as a name, a YAML path, a dict or a Scenario."""
    fw = ctx.framework
    if isinstance(spec, Scenario):
        return spec
    if spec is None or spec == "baseline":
        return BASELINE
    if isinstance(spec, dict):
        return parse_scenario(spec, fw)
    if spec in ("plan", "plan_typical"):
        if province is None:
            raise PiiInputError(f"the '{spec}' scenario needs a province", column="scenario")
        plan = plan_scenario(ctx, province, base_year=base_year)
        return typical_delivery(plan) if spec == "plan_typical" else plan
    text = str(spec)
    path = Path(text)
    if not path.suffix:
        path = paths.raw_dir() / SCENARIO_DIR / f"{text}.yaml"
    if not path.exists():
        raise PiiInputError(f"unknown scenario '{text}' (available: {', '.join(available_scenarios())}, "
                            "or the path of a YAML file)", column="scenario")
    return parse_scenario(read_yaml(path), fw, source=str(path))


# --- the province's own plan (Resolution 06-NQ/TU) ----------------------------------------
def load_plan_map(path: str | Path | None = None) -> pd.DataFrame:
    """The target-metric -> indicator mapping (rule, factor, assumption, source), validated."""
    path = path or paths.raw_file(MAP_FILE)
    frame = read_table(path)
    require_columns(frame, ("target_metric", "indicator", "rule", "factor", "assumption", "source"), file=path)
    for i, rule in enumerate(frame["rule"]):
        if rule not in MAP_RULES:
            raise PiiInputError(f"rule '{rule}' must be one of {', '.join(MAP_RULES)}", file=path,
                                row=row_number(frame, i),
                                column="rule")
    return frame


def plan_scenario(ctx, province: str, *, base_year: int | None = None, map_path: str | Path | None = None,
                  targets_path: str | Path | None = None) -> Scenario:
    """The province's plan: each mapped target becomes a change on the indicators it touches."""
    from pii_analysis.analysis.trends import panel_rates
    from pii_analysis.data.targets import load_plan_metrics

    fw = ctx.framework
    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    mapping = load_plan_map(map_path)
    mapping = mapping[mapping["rule"] != "none"]
    targets = load_plan_metrics(targets_path, province=province)
    joined = targets.merge(mapping, left_on="metric", right_on="target_metric", how="inner")
    joined = joined[joined["target_year"] > base]
    if joined.empty:
        raise PiiInputError(f"no targets of {province} after {base} are mapped to indicators in {MAP_FILE}; "
                            "the 'plan' scenario needs them (use baseline or a custom scenario)",
                            column="scenario")
    _, provinces, rates = panel_rates(ctx, [base])
    rates = rates[0]
    p = provinces.index(province)
    dens = ctx.panel.denominators
    changes = []
    below = []
    for _, row in joined.iterrows():
        code = row["indicator"]
        if code not in fw.indicators:
            raise PiiInputError(f"unknown indicator code '{code}'", file=MAP_FILE, column="indicator")
        factor = float(row["factor"] or 1)
        value = float(row["value"]) * factor
        rule = row["rule"]
        note = f"{row['metric']} {row['operator']} {row['value']:g} ({row['target_year']}): {row['assumption']}"
        if rule == "growth":
            changes.append(Change((code,), "growth", value, None, note))
            continue
        if rule == "count":
            kind = fw.nodes.at[code, "denominator"]
            if kind != "none":
                if dens is None:
                    continue  # no denominators: a count cannot become a rate
                d = dens[(dens["year"] == base) & (dens["province"] == province)][kind]
                value = value / float(d.iloc[0]) * float(fw.nodes.at[code, "scale"])
        elif rule == "rank_level":
            col = rates[:, fw.indicators.index(code)] * fw.nodes.at[code, "direction"]
            col = np.sort(col[~np.isnan(col)])[::-1]
            value = float(col[min(int(value), len(col)) - 1] * fw.nodes.at[code, "direction"])
        i = fw.indicators.index(code)
        if np.isfinite(rates[p, i]) and (value - rates[p, i]) * fw.nodes.at[code, "direction"] <= 0:
            below.append(code)   # already met: reported, and the trend is kept (never pulled back)
        changes.append(Change((code,), "target", value, int(row["target_year"]), note))
    label = {"vi": f"Kế hoạch của tỉnh (Nghị quyết 06-NQ/TU), mọi mục tiêu đạt đủ — {province}",
             "en": f"Province plan (Resolution 06-NQ/TU), every mapped target met in full — {province}"}
    return Scenario(name="plan", changes=tuple(changes), label=label, source=MAP_FILE,
                    below_current=tuple(dict.fromkeys(below)))


def plan_delivery(path: str | Path | None = None) -> Delivery:
    """The typical delivery of a plan (an assumption, data/raw/plan_delivery.yaml)."""
    path = Path(path) if path else paths.raw_file(DELIVERY_FILE)
    data = read_yaml(path) or {}
    return parse_delivery(data.get("delivery") if isinstance(data, dict) else None, str(path))


def typical_delivery(plan: Scenario, delivery: Delivery | None = None) -> Scenario:
    """The plan with each target delivered at a random share (the stated assumption)."""
    d = delivery or plan_delivery()
    label = {k: v.replace("mọi mục tiêu đạt đủ", "mức thực hiện điển hình (giả định)")
             .replace("every mapped target met in full", "typical delivery (assumption)") for k, v in plan.label.items()}
    return Scenario(name="plan_typical", changes=plan.changes, label=label, source=plan.source, delivery=d,
                    below_current=plan.below_current)


# --- applying a scenario to projected raw values -------------------------------------------
def apply_scenario(values: np.ndarray, scenario: Scenario, *, province: int, base: np.ndarray,
                   years: np.ndarray, base_year: int, framework: Framework, method=None,
                   shares: np.ndarray | None = None, points: ScoringScale | None = None) -> np.ndarray:
    """Change the province's projected rates (..., H, provinces, indicators) in place; returns them.

    `base` holds the province's base-year rates (indicators,), `years` the H projected years.
    'points' move the value on the scale the scoring normalises (after `method`'s outlier treatment: the
    winsorised spread, or for a log-treated column the spread of the logs, the value moved on that scale and
    taken back), so the normalised score moves by the stated points; 'score' uses the raw range.
    `shares` (draws, changes) scale each change (delivery shares); None: every change in full.
    `points` is `ScoringScale.of(values, method)` when the caller already has it (the same values).
    """
    if not scenario.changes:
        return values
    ind = {c: i for i, c in enumerate(framework.indicators)}
    direction = framework.direction
    h = (np.asarray(years) - base_year).astype(float)[:, None]          # (H, 1)
    if any(c.kind == "score" for c in scenario.changes):
        lo = np.nanmin(values, axis=-2)                                    # raw range: 100 = the best value
        span = np.nanmax(values, axis=-2) - lo
    if points is None and any(c.kind == "points" for c in scenario.changes):
        points = ScoringScale.of(values, method)
    own = values[..., province, :]                                          # (..., H, I) view
    for j, change in enumerate(scenario.changes):
        idx = np.array([ind[c] for c in change.indicators])
        d = direction[idx]
        share = 1.0 if shares is None else shares[:, j].reshape((-1,) + (1,) * (own.ndim - 1))
        if change.kind == "points":
            own[..., idx] = points.move(own[..., idx], d * share * change.value / 100.0 * points.span[..., idx] * h, idx)
        elif change.kind == "percent":
            own[..., idx] *= (1.0 + d * share * change.value / 100.0) ** h
        elif change.kind == "score":
            s = change.value / 100.0
            target = np.where(d > 0, lo[..., idx] + s * span[..., idx], lo[..., idx] + (1.0 - s) * span[..., idx])
            own[..., idx] = own[..., idx] + share * (target - own[..., idx])
        else:
            b = base[idx]
            if change.kind == "target":
                path = b + share * (change.value - b) * np.minimum(h / max(change.year - base_year, 1), 1.0)
            else:  # growth
                path = b * (1.0 + d * share * change.value / 100.0) ** h
            own[..., idx] = np.where(d > 0, np.fmax(own[..., idx], path), np.fmin(own[..., idx], path))
    return values


@dataclass(frozen=True)
class ScoringScale:
    """Per draw, year and indicator (..., indicators): the spread of the values across provinces on the scale
    the scoring normalises, and what a log-treated column needs to move a value on that scale (COINr
    log_CT_plus: log(x - min + a), or -log(max + a - x) for negative skew, a = 0.01 (max - min))."""

    span: np.ndarray
    log: np.ndarray          # bool: the column is log-treated
    lo: np.ndarray
    hi: np.ndarray
    positive: np.ndarray     # bool: positive skew (log(x - min + a))

    @classmethod
    def of(cls, values: np.ndarray, method=None) -> ScoringScale:
        lo, hi = np.nanmin(values, axis=-2), np.nanmax(values, axis=-2)
        none = np.zeros(lo.shape, dtype=bool)
        if method is None or method.outliers == "none":
            return cls(hi - lo, none, lo, hi, none)
        from pii_analysis.index.scoring import TREAT_LOG, treat_outliers

        treated, code, skew, _ = treat_outliers(values, method)
        t_span = np.nanmax(treated, axis=-2) - np.nanmin(treated, axis=-2)
        return cls(np.where(code != 0, t_span, hi - lo), code == TREAT_LOG, lo, hi, skew >= 0)

    def move(self, x: np.ndarray, step: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Values x (..., len(idx)) of columns `idx` moved by `step` on the scoring scale."""
        log = self.log[..., idx]
        if not log.any():
            return x + step
        lo, hi, pos = self.lo[..., idx], self.hi[..., idx], self.positive[..., idx]
        a = 0.01 * (hi - lo)
        with np.errstate(over="ignore", invalid="ignore"):
            logged = np.where(pos, lo - a + (x - lo + a) * np.exp(step), hi + a - (hi + a - x) * np.exp(-step))
        return np.where(log, logged, x + step)


def scoring_range(values: np.ndarray, method=None) -> np.ndarray:
    """Per draw, year and indicator: the spread of the values across provinces on the scale the scoring
    normalises (winsorised by `method`'s outlier rule, the logs where log-treated, raw where none)."""
    return ScoringScale.of(values, method).span
