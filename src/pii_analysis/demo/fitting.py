"""Scores of the demonstration panel: 2025 anchors, pillar, indicator and sub-pillar scores drawn around
the published constraints, and the raw values that give them back through the pipeline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from pii_analysis.data import paths
from pii_analysis.data.loading import default_resolver, load_published
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method
from pii_analysis.demo.profiles import load_placement
from pii_analysis.demo.settings import EDGE, LOWEST_PII, OUTLIER_FACTOR, SKEWED, STATUS, SUB_EDGE


class FigureConflict(ValueError):
    """Published figures that no panel scored by the method can meet together (the message names them)."""


def _fit(x0: np.ndarray, w: np.ndarray, target: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Closest x to x0 (least squares) with w.x = target and lo <= x <= hi.

    The KKT solution is x = clip(x0 + lam * w, lo, hi); w.x is monotone in lam, so lam
    is found by root-finding (scipy's brentq).
    """
    def gap(lam: float) -> float:
        return float(w @ np.clip(x0 + lam * w, lo, hi)) - target

    if not gap(-1e4) <= 0 <= gap(1e4):
        raise ValueError(f"cannot fit target {target:.4f} within bounds")
    lam = brentq(gap, -1e4, 1e4, xtol=1e-14, rtol=1e-15, maxiter=500)
    return np.clip(x0 + lam * w, lo, hi)




def _anchors(framework: Framework, rng: np.random.Generator, published: Path | None = None) -> pd.DataFrame:
    """2025 PII total and rank of each of the 34 provinces, with where each comes from (`published`: the
    published-results file, default data/raw/)."""
    resolver = default_resolver()
    pub = load_published(published)
    pub = pub[(pub["year"] == 2025) & (pub["status"] == "published")]
    placement = load_placement()
    placement = placement[(placement["year"] == 2025) & (placement["measure"] == "rank")]
    rows = {p: {"province": p, "rank": np.nan, "pii": np.nan, "rank_status": STATUS, "pii_status": STATUS,
                "source": ""} for p in resolver.current}
    for _, r in pub.iterrows():
        d = rows[r["province"]]
        d["source"] = r["source_url"]
        if pd.notna(r["rank"]):
            d["rank"], d["rank_status"] = r["rank"], "published"
        if pd.notna(r["pii_score"]):
            d["pii"], d["pii_status"] = r["pii_score"], "published"
    frame = pd.DataFrame(rows.values())
    # the placed provinces fill the ranks left free by the published ones, in the file's order
    # (so a newly published rank needs no edit of the placement file)
    free_ranks = sorted(set(range(1, len(frame) + 1)) - set(frame["rank"].dropna().astype(int)))
    unranked = set(frame.loc[frame["rank"].isna(), "province"])
    placed = placement[placement["province"].isin(unranked)].sort_values("rank_or_order", kind="stable")
    basis = dict(zip(placed["province"], zip(placed["status"], placed["basis"])))
    order = list(dict.fromkeys(placed["province"]))
    missing = sorted(unranked - set(order))
    if missing:
        raise ValueError(f"{paths.DEMO_PLACEMENT}: no published rank and no placement for {', '.join(missing)}")
    # a province with a published score but no rank takes the free rank its score implies
    known = frame.dropna(subset=["rank", "pii"])
    for p in [p for p in order if pd.notna(frame.loc[frame["province"] == p, "pii"].iloc[0])]:
        s = frame.loc[frame["province"] == p, "pii"].iloc[0]
        above = known.loc[known["pii"] > s, "rank"].max()
        below = known.loc[known["pii"] < s, "rank"].min()
        options = [r for r in free_ranks if (pd.isna(above) or above < r) and (pd.isna(below) or r < below)]
        pick = options[len(options) // 2]
        frame.loc[frame["province"] == p, ["rank", "rank_status"]] = [pick, "demonstration (inside the published bracket)"]
        free_ranks.remove(pick)
        order.remove(p)
    for p, r in zip(order, free_ranks):
        status, why = basis[p]
        frame.loc[frame["province"] == p, ["rank", "rank_status", "source"]] = [r, status, why]
    frame = frame.sort_values("rank").reset_index(drop=True)
    # scores for unknown totals: seeded draws inside the gap between known neighbours
    scores = frame["pii"].to_numpy(dtype=float).copy()
    scores[-1] = scores[-1] if not np.isnan(scores[-1]) else LOWEST_PII + rng.uniform(0, 1.5)
    known_idx = np.flatnonzero(~np.isnan(scores))
    for a, b in zip(known_idx[:-1], known_idx[1:]):
        n = b - a - 1
        if n:
            cuts = np.sort(rng.uniform(0.15, 0.85, n))[::-1]
            # spread between the two known scores, keeping a 0.05 margin on both sides
            scores[a + 1:b] = scores[b] + 0.05 + cuts * (scores[a] - scores[b] - 0.1)
    frame["pii"] = np.round(scores, 2)
    assert (np.diff(frame["pii"]) < 0).all()
    frame["rank"] = frame["rank"].astype(int)
    return frame


def _pillar_scores(framework: Framework, anchors: pd.DataFrame, rng: np.random.Generator,
                   published: Path | None = None) -> tuple[np.ndarray, list[str]]:
    """(province, pillar) scores whose aggregate is each province's 2025 total, honouring
    published sub-index and pillar scores and the national pillar extremes."""
    pub = load_published(published)
    pub = pub[(pub["year"] == 2025) & (pub["status"] == "published")].set_index("province")
    inferred = pd.read_csv(paths.raw_file(paths.INFERRED))
    inferred = inferred[inferred["year"] == 2025]
    placement = load_placement()
    placement = placement[(placement["year"] == 2025) & placement["measure"].str.fullmatch(r"p\d+_rank")]
    holders = {(m[1:].split("_")[0], "max" if n == 1 else "min"): prov
               for prov, m, n in zip(placement["province"], placement["measure"], placement["rank_or_order"])}
    pillars = framework.pillars
    provinces = anchors["province"].tolist()
    total = anchors["pii"].to_numpy()
    ew = framework.effective_weights()
    pw = np.array([sum(ew[i] for i in framework.descendant_indicators(p)) for p in pillars])
    in_mask = np.array([Method().input_node in framework.ancestors(p) for p in pillars])
    profile = rng.normal(0, 7, size=(len(provinces), len(pillars)))
    P = np.clip(total[:, None] + profile, 8, 92)
    fixed = np.zeros_like(P, dtype=bool)

    def pin(prov: str, pillar: str, value: float) -> None:
        i, k = provinces.index(prov), pillars.index(pillar)
        P[i, k], fixed[i, k] = value, True

    for prov, rec in pub.iterrows():
        for p in pillars:
            v = rec.get(f"p{p}")
            if pd.notna(v):
                pin(prov, p, float(v))
    extremes = {}
    for _, r in inferred.iterrows():
        m = str(r["measure"])
        if m.startswith("p") and "_" in m:
            code, kind = m[1:].split("_")
            value = float(r["value"])
            extremes[(code, kind)] = value
            holder = _extreme_holder(provinces, P[:, pillars.index(code)], fixed[:, pillars.index(code)],
                                     holders.get((code, kind)), code, kind, value)
            if holder:  # just inside the rounding of the published extreme, so sub-pillar extremes fit too
                pin(holder, code, value + (-EDGE if kind == "max" else EDGE))
        elif m.startswith("p") and m[1:] in pillars:
            pin(default_resolver().resolve(r["province"]), m[1:], float(r["value"]))
    # ranked pillars: the province published as 1st on a pillar sits above all others
    lo = np.full_like(P, 3.0)
    hi = np.full_like(P, 97.0)
    for (code, kind), v in extremes.items():
        k = pillars.index(code)
        if kind == "max":
            hi[:, k] = np.minimum(hi[:, k], v - 0.3)
        else:
            lo[:, k] = np.maximum(lo[:, k], v + 0.3)
    leaders = {}
    for prov, rec in pub.iterrows():
        for p in pillars:
            if rec.get(f"p{p}_rank") == 1:
                leaders[p] = prov
    for p, prov in leaders.items():
        i, k = provinces.index(prov), pillars.index(p)
        if not fixed[i, k]:
            P[i, k], fixed[i, k] = min(hi[i, k], max(P[:, k].max() + 3, total[i] + 12)), True
        others = np.arange(len(provinces)) != i
        hi[others, k] = np.minimum(hi[others, k], P[i, k] - 0.3)
    for i, prov in enumerate(provinces):
        f = fixed[i]
        lo_i, hi_i = np.where(f, P[i], lo[i]), np.where(f, P[i], hi[i])
        rec = pub.loc[prov] if prov in pub.index else None
        if rec is not None and pd.notna(rec.get("input_score")):
            # published sub-indices are rounded: move each by < 0.005 so the total rounds right too
            nudge = float(np.clip(total[i] - (rec["input_score"] + rec["output_score"]) / 2, -0.0049, 0.0049))
            targets = (rec["input_score"] + nudge, rec["output_score"] + nudge)
            for mask, target in zip((in_mask, ~in_mask), targets):
                if f[mask].all():
                    continue  # every pillar published: the sub-index follows from them
                w = np.where(mask, pw, 0.0) / pw[mask].sum()
                P[i, mask] = _fit(P[i], w, float(target), lo_i, hi_i)[mask]
        else:
            P[i] = _fit(P[i], pw, total[i], lo_i, hi_i)
    return P, pillars


def _extreme_holder(provinces: list[str], scores: np.ndarray, fixed: np.ndarray, placed: str | None, pillar: str,
                    kind: str, value: float) -> str | None:
    """Who holds the published national extreme `value` (kind 'min' or 'max') of `pillar`: nobody new when a
    published pillar score already rounds to it; the placement file's holder (a demonstration choice) unless
    its own score of that pillar is published, then the province whose unpublished score lies nearest the
    extreme. A published score past the extreme is a true conflict, named (province, figure, published vs
    reachable)."""
    published = {provinces[i]: float(scores[i]) for i in np.flatnonzero(fixed)}
    for prov, v in published.items():
        if (v < value - 0.005) if kind == "min" else (v > value + 0.005):
            raise FigureConflict(f"2025 {prov} p{pillar} = {v:.2f} is published, but the published national "
                                 f"{'minimum' if kind == 'min' else 'maximum'} of pillar {pillar} is {value:.2f}: "
                                 f"the reachable scores lie {'at or above' if kind == 'min' else 'at or below'} {value:.2f}")
        if abs(v - value) <= 0.005:
            return None
    if placed and placed not in published:
        return placed
    free = [i for i in range(len(provinces)) if not fixed[i]]
    if not free:
        raise FigureConflict(f"2025 pillar {pillar}: every province's score is published and none equals the "
                             f"published national {kind} {value:.2f}")
    return provinces[min(free, key=lambda i: scores[i] if kind == "min" else -scores[i])]


def _indicator_scores(framework: Framework, P: np.ndarray, pillars: list[str],
                      rng: np.random.Generator, bounds: dict | None = None, targets: dict | None = None,
                      sub_extremes: dict | None = None) -> np.ndarray:
    """(province, indicator) normalised scores: min 0 and max 100 per indicator, and each
    province's pillar scores exactly as given."""
    inds = framework.indicators
    ew = framework.effective_weights()
    pillar_of = np.array([pillars.index(next(a for a in framework.ancestors(c) if a in pillars)) for c in inds])
    S0 = np.clip(P[:, pillar_of] + rng.normal(0, 14, size=(P.shape[0], len(inds))), 1, 99)
    skewed = np.isin(inds, SKEWED)
    lo = np.full_like(S0, 0.5)
    hi = np.full_like(S0, 99.5)
    # real profile cells: the province's score lies where its displayed raw value allows, and its
    # published sub-pillar scores are met; these cells are never the national minimum or maximum
    real = np.zeros_like(S0, dtype=bool)
    for (i, code), (b_lo, b_hi) in (bounds or {}).items():
        j = inds.index(code)
        lo[i, j], hi[i, j], real[i, j] = b_lo, b_hi, True
        S0[i, j] = (b_lo + b_hi) / 2
    ew_all = ew.to_numpy()
    for (i, sub), target in (targets or {}).items():
        m = np.array([framework.nodes.at[c, "parent"] == sub for c in inds])
        w = ew_all[m] / ew_all[m].sum()
        S0[i, m] = _fit(S0[i, m], w, target, lo[i, m], hi[i, m])
        lo[i, m] = hi[i, m] = S0[i, m]
        real[i, m] = True
    # pin one province at 100 and one at 0 per indicator (two at 100 in skewed columns),
    # never pinning a province on more than half the indicators of one pillar
    n_in_pillar = np.bincount(pillar_of)
    cap = np.maximum(n_in_pillar // 2, 1)
    pins_hi = np.zeros((S0.shape[0], len(pillars)), dtype=int)
    pins_lo = np.zeros_like(pins_hi)
    # nor on every indicator of one sub-pillar (its score would be 0 or 100, past published extremes)
    subs = sorted({framework.nodes.at[c, "parent"] for c in inds})
    sub_of = np.array([subs.index(framework.nodes.at[c, "parent"]) for c in inds])
    sub_cap = np.maximum(np.bincount(sub_of) - 1, 1)
    sub_hi = np.zeros((S0.shape[0], len(subs)), dtype=int)
    sub_lo = np.zeros_like(sub_hi)
    for j in range(len(inds)):
        k = pillar_of[j]
        for _ in range(2 if skewed[j] else 1):
            ok = (pins_hi[:, k] < cap[k]) & (sub_hi[:, sub_of[j]] < sub_cap[sub_of[j]]) & (P[:, k] > 40) & ~real[:, j]
            i = int(np.argmax(np.where(ok & (lo[:, j] < 100.0), S0[:, j], -np.inf)))
            lo[i, j] = hi[i, j] = 100.0
            pins_hi[i, k] += 1
            sub_hi[i, sub_of[j]] += 1
        ok = ((pins_lo[:, k] < cap[k]) & (sub_lo[:, sub_of[j]] < sub_cap[sub_of[j]]) & (P[:, k] < 60)
              & (lo[:, j] < 100.0) & ~real[:, j])
        i = int(np.argmin(np.where(ok, S0[:, j], np.inf)))
        lo[i, j] = hi[i, j] = 0.0
        pins_lo[i, k] += 1
        sub_lo[i, sub_of[j]] += 1
    S = S0.copy()
    _sub_pillar_extremes(framework, P, pillars, S, lo, hi, sub_extremes or {})
    for i in range(P.shape[0]):
        for k in range(len(pillars)):
            m = pillar_of == k
            if (lo[i, m] == hi[i, m]).all():
                continue  # every score of the pillar is fixed (e.g. by published sub-pillars)
            w = ew.to_numpy()[m] / ew.to_numpy()[m].sum()
            S[i, m] = _fit(S0[i, m], w, P[i, k], lo[i, m], hi[i, m])
    return S


def _sub_pillar_extremes(framework: Framework, P: np.ndarray, pillars: list[str], S: np.ndarray, lo: np.ndarray,
                         hi: np.ndarray, sub_extremes: dict[str, tuple[float, float]]) -> None:
    """Meet published national sub-pillar minima and maxima: every province's sub-pillar scores lie
    inside them and one province sits at each (the lowest / highest on the pillar that can). Splits
    each pillar score into sub-pillar scores, then fits the indicators to them (fixing S in place)."""
    if not sub_extremes:
        return
    inds = framework.indicators
    ew = framework.effective_weights().to_numpy()
    for pillar in sorted({framework.nodes.at[s, "parent"] for s in sub_extremes}):
        k = pillars.index(pillar)
        subs = framework.children[pillar]
        masks = [np.array([framework.nodes.at[c, "parent"] == s for c in inds]) for s in subs]
        sw = np.array([ew[m].sum() for m in masks])
        sw = sw / sw.sum()
        free = [i for i in range(P.shape[0]) if not all((lo[i, m] == hi[i, m]).all() for m in masks)]

        def split(i: int, pins: dict[int, float], subs=subs, masks=masks, sw=sw, k=k) -> np.ndarray:
            """Sub-pillar scores of province i averaging to its pillar score, inside the extremes (this
            pillar's sub-pillars, bound at definition)."""
            b_lo = np.array([max(sub_extremes.get(s, (0, 100))[0] - SUB_EDGE, float(ew[m] @ lo[i, m] / ew[m].sum()))
                             for s, m in zip(subs, masks)])
            b_hi = np.array([min(sub_extremes.get(s, (0, 100))[1] + SUB_EDGE, float(ew[m] @ hi[i, m] / ew[m].sum()))
                             for s, m in zip(subs, masks)])
            for j, v in pins.items():
                b_lo[j] = b_hi[j] = v
            x0 = np.array([float(ew[m] @ S[i, m] / ew[m].sum()) for m in masks])
            return _fit(np.clip(x0, b_lo, b_hi), sw, float(P[i, k]), b_lo, b_hi)

        pins: dict[int, dict[int, float]] = {i: {} for i in free}
        order = [i for i in np.argsort(P[:, k]) if i in free]
        for j, s in enumerate(subs):
            if s not in sub_extremes:
                continue
            smin, smax = sub_extremes[s]
            for value, candidates in ((smin - SUB_EDGE, order), (smax + SUB_EDGE, order[::-1])):
                for i in candidates:
                    if j in pins[i]:
                        continue
                    try:
                        split(i, {**pins[i], j: value})
                    except ValueError:
                        continue
                    pins[i][j] = value
                    break
                else:
                    raise ValueError(f"no province can hold the published national extreme {value:.2f} of "
                                     f"sub-pillar {s} together with the other published figures")
        for i in free:
            target = split(i, pins[i])
            for j, m in enumerate(masks):
                w = ew[m] / ew[m].sum()
                S[i, m] = _fit(S[i, m], w, float(target[j]), lo[i, m], hi[i, m])
                lo[i, m] = hi[i, m] = S[i, m]


def _raw_from_scores(S: np.ndarray, framework: Framework, lo: np.ndarray, hi: np.ndarray,
                     outlier_cols: np.ndarray) -> np.ndarray:
    """Invert min-max so the pipeline gives back S; in `outlier_cols` the leader is pushed
    far above the rest (the GII rule winsorises it back to the runner-up's value)."""
    u = S / 100.0
    u = np.where(framework.direction > 0, u, 1.0 - u)
    raw = lo + u * (hi - lo)
    leader = np.argmax(S, axis=0)
    cols = np.flatnonzero(outlier_cols)
    sign = framework.direction[cols]
    raw[leader[cols], cols] = raw[leader[cols], cols] + sign * OUTLIER_FACTOR * (hi - lo)[cols]
    return raw
