"""The demonstration panel itself: 2025 from the published figures and seeded draws, then the earlier
years as seeded yearly changes (see the package docstring)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.index.framework import Framework, default_framework
from pii_analysis.index.method import Method
from pii_analysis.index.scoring import score_arrays, treat_outliers
from pii_analysis.demo.fitting import _anchors, _indicator_scores, _pillar_scores, _raw_from_scores
from pii_analysis.demo.profiles import _profile_targets, _raw_ranges, load_placement, shipped_profiles
from pii_analysis.demo.settings import DEFAULT_SEED, DYNAMICS, RAW_RANGE, SHOCK_SHARES, SHOCK_STEPS, SKEWED, SOURCE, STATUS, TREND_SD, YEARS


@dataclass(frozen=True)
class DemoPanel:
    """The generated panel (long rows) and the 2025 anchor table saying where each total comes from."""

    panel: pd.DataFrame
    anchors: pd.DataFrame
    seed: int




def generate(seed: int = DEFAULT_SEED, framework: Framework | None = None, published: Path | None = None) -> DemoPanel:
    """Build the demonstration panel (deterministic for a given seed) meeting the figures of the published-results
    file `published` (default data/raw/pii_published_results.csv)."""
    framework = framework or default_framework()
    rng = np.random.default_rng(seed)
    anchors = _anchors(framework, rng, published)
    P, pillars = _pillar_scores(framework, anchors, rng, published)
    provinces = anchors["province"].tolist()
    profiles = shipped_profiles(framework)
    ranges, real_extremes = _raw_ranges(framework, profiles)
    bounds, targets, sub_extremes = _profile_targets(framework, profiles, provinces, ranges)
    S25 = _indicator_scores(framework, P, pillars, rng, bounds, targets, sub_extremes)
    inds = framework.indicators
    n_p = len(provinces)

    # denominators: seeded, shaped so larger economies rank higher on average
    strength = (anchors["pii"].to_numpy() - 20) / 50
    population = np.round(np.exp(rng.normal(np.log(2.4e6), 0.45, n_p)) * (1 + strength))
    enterprises = np.round(population * rng.uniform(0.004, 0.009, n_p) * (1 + strength))
    grdp = np.round(population * rng.uniform(55, 95, n_p) * (1 + strength) / 1000)  # billion VND

    rng_lo = np.array([ranges[c][0] for c in inds])
    rng_hi = np.array([ranges[c][1] for c in inds])
    drift = np.array([RAW_RANGE.get(c, (1.0, 100.0, .03))[2] for c in inds])
    skewed = np.isin(inds, SKEWED)
    outlier_cols = skewed.copy()
    bounds_y = {}
    for year in YEARS:
        growth = (1 + drift) ** -(2025 - year)
        bounds_y[year] = (np.where(drift != 0, rng_lo * growth, rng_lo), np.where(drift != 0, rng_hi * growth, rng_hi))
    scores, target, realised = _earlier_years(framework, provinces, S25, rng, bounds_y, outlier_cols, published)
    rows = []
    for year in YEARS:
        back = 2025 - year
        lo_y, hi_y = bounds_y[year]
        S = scores[year]
        rates = _raw_from_scores(S, framework, lo_y, hi_y, outlier_cols)
        if year == 2025:
            _, code, _, _ = treat_outliers(rates, Method())
            expected = np.where(outlier_cols, 1, 0)
            if not np.array_equal(code, expected):
                bad = [inds[j] for j in np.flatnonzero(code != expected)]
                raise ValueError(f"seed {seed}: outlier treatment of {bad} differs from the design; try another seed")
        pop_y = np.round(population * (1 - 0.009 * back))
        ent_y = np.round(enterprises * (1 - 0.05 * back))
        grdp_y = np.round(grdp * (1 - 0.07 * back))
        dens = {"population": pop_y, "enterprises": ent_y, "grdp": grdp_y, "none": np.ones(n_p)}
        nodes = framework.nodes.loc[inds]
        real = _real_cells(S, inds, provinces, bounds, real_extremes) if year == 2025 else {}
        for j, code in enumerate(inds):
            kind = nodes.at[code, "denominator"]
            value = rates[:, j] * dens[kind] / nodes.at[code, "scale"] if kind != "none" else rates[:, j]
            for i, prov in enumerate(provinces):
                rows.append((year, prov, code, float(f"{value[i]:.10g}"), real.get((i, code), "")))
        for kind in ("population", "enterprises", "grdp"):
            for i, prov in enumerate(provinces):
                rows.append((year, prov, kind, float(dens[kind][i]), ""))
    panel = pd.DataFrame(rows, columns=["year", "province", "indicator", "value", "real"])
    panel["data_status"] = np.where(panel["real"] != "", "published", STATUS)
    dynamics = DYNAMICS.format(target=target, realised=realised)
    panel["source"] = np.where(panel["real"] != "", panel["real"],
                               np.where(panel["year"] < 2025, SOURCE.format(seed=seed, dynamics=dynamics),
                                        SOURCE.format(seed=seed, dynamics="")))
    panel = panel.drop(columns="real")
    anchors = anchors.assign(seed=seed)
    return DemoPanel(panel=panel, anchors=anchors, seed=seed)


def _earlier_years(framework: Framework, provinces: list[str], S25: np.ndarray, rng: np.random.Generator,
                   bounds_y: dict, outlier_cols: np.ndarray, published: Path | None = None
                   ) -> tuple[dict[int, np.ndarray], float, float]:
    """Normalised scores of every year (see TREND_SD and SHOCK_SHARES): 2025 as given, each earlier year the
    next one minus its seeded yearly change, the shock size solved so the pooled within-year spread of
    one-year PII changes equals the published one. Earlier-year ranks from the placement file are met
    (Phú Thọ 2024 = 17, implied by its published "up 2 places"). Returns the scores, the published spread
    and the generated one."""
    from pii_analysis.data.record import pooled_spread, published_changes

    target, _ = pooled_spread(published_changes(published))
    inds = framework.indicators
    pillars = framework.pillars
    pillar_of = np.array([pillars.index(next(a for a in framework.ancestors(c) if a in pillars)) for c in inds])
    n_p, n_i = S25.shape
    trend = rng.normal(0.0, TREND_SD, n_p)
    later = sorted(YEARS)[1:]                  # the year each change leads into
    shocks = {}
    for year in later[::-1]:
        a = rng.standard_normal((n_p, 1))
        b = rng.standard_normal((n_p, len(pillars)))[:, pillar_of]
        e = rng.standard_normal((n_p, n_i))
        rp, rg = SHOCK_SHARES
        shocks[year] = np.sqrt(rp) * a + np.sqrt(rg) * b + np.sqrt(1 - rp - rg) * e
    placement = load_placement()
    placement = placement[(placement["year"] < 2025) & (placement["measure"] == "rank")]
    size = 2.0 * target        # first guess: the PII averages about a quarter of the indicators' variance away
    for _ in range(SHOCK_STEPS):
        scores = {later[-1]: S25}
        for year in later[::-1]:
            S = np.clip(scores[year] - trend[:, None] - size * shocks[year], 0, 100)
            for _, r in placement[placement["year"] == year - 1].iterrows():
                lo_y, hi_y = bounds_y[year - 1]
                S = _place(S, framework, provinces, r["province"], int(r["rank_or_order"]), lo_y, hi_y, outlier_cols)
            scores[year - 1] = S
        pii = np.stack([_pii(scores[y], framework, *bounds_y[y], outlier_cols) for y in YEARS])
        d = np.diff(pii, axis=0)
        realised = float(np.sqrt(np.mean(np.var(d, axis=1, ddof=1))))
        size *= target / realised
    return scores, target, realised


def _real_cells(S: np.ndarray, inds: list[str], provinces: list[str], bounds: dict,
                real_extremes: set) -> dict[tuple[int, str], str]:
    """(province index, code) -> source of the cells that are published: the profile province's
    raw values (to their displayed 2 decimals) and the published national minima and maxima."""
    out = dict.fromkeys(bounds, "published profile value (data/raw/examples/; equal to the displayed value to " "2 decimals); rate after denomination")
    for code, kind in real_extremes:
        j = inds.index(code)
        i = int(np.argmax(S[:, j]) if kind == "max" else np.argmin(S[:, j]))
        out[(i, code)] = (f"published national {'maximum' if kind == 'max' else 'minimum'} (profile page, "
                          "data/raw/examples/); the province holding it is a demonstration placement")
    return out


def _pii(S: np.ndarray, framework: Framework, lo: np.ndarray, hi: np.ndarray, outlier_cols: np.ndarray) -> np.ndarray:
    """PII of normalised-score matrix S after the raw round trip (as the pipeline will see it)."""
    raw = _raw_from_scores(S, framework, lo, hi, outlier_cols)
    batch = score_arrays(raw, framework, Method().with_options(denomination="none"))
    return batch.node(framework.root)


def _place(S: np.ndarray, framework: Framework, provinces: list[str], province: str, rank: int,
           lo: np.ndarray, hi: np.ndarray, outlier_cols: np.ndarray) -> np.ndarray:
    """Shift one province's scores until the pipeline ranks it `rank` (bisection on the shift)."""
    i = provinces.index(province)
    low, high = -40.0, 40.0
    for _ in range(60):
        mid = (low + high) / 2
        T = S.copy()
        T[i] = np.clip(S[i] + mid, 0, 100)
        pii = _pii(T, framework, lo, hi, outlier_cols)
        r = 1 + int(np.sum(pii > pii[i]))
        if r == rank:
            return T
        if r > rank:
            low = mid
        else:
            high = mid
    raise ValueError(f"could not place {province} at rank {rank}")
