"""Rank drivers: which indicators, sub-pillars and pillars move a province's PII rank, and how far.

Everything works on the NORMALISED indicator scores (0-100) of one year, holding every
other province fixed: a rise of one province's score is re-scored through the engine's
`aggregate` and ranked with `rank_desc`, so every figure can be re-checked by re-scoring
the modified scores. All candidate rises are batched into one array call.
Caveat: in reality a raw rise can move the min-max bounds of an indicator; working on
normalised scores (capped at 100) isolates the province's own effort.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pii_analysis.analysis.defaults import DEFAULT_TARGET_YEAR
from pii_analysis.analysis.strengths import StrengthRule, flag_indicators
from pii_analysis.analysis.weights import present_weights
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.languages import check_lang
from pii_analysis.index.context import Context
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method
from pii_analysis.index.scoring import aggregate, denominate, impute, normalise, rank_desc, treat_outliers

MAX_SCORE = 100.0
TOP_N = 10
BISECT_ITER = 48
REPORT_DECIMALS = 6  # reported rises are rounded UP to this many decimals, so applying them always works


# --- the normalised scores of a year ---------------------------------------------------
def normalised_scores(ctx: Context, year: int) -> pd.DataFrame:
    """Provinces x indicators normalised scores of one year: the engine's steps up to imputation.

    Aggregating this frame with `scoring.aggregate` reproduces `ctx.scores` for the year. The same for every
    province: worked out once per context and year (a report kernel serves many provinces), a copy returned.
    """
    from pii_analysis.data import memo

    return memo.kept(ctx, ("normalised_scores", year), lambda: _normalised_scores(ctx, year)).copy()


def _normalised_scores(ctx: Context, year: int) -> pd.DataFrame:
    fw, method, panel = ctx.framework, ctx.method, ctx.panel
    provinces = panel.provinces(year)
    values, dens = panel.arrays(fw, provinces, [year])
    x, d = values[0], (dens[0] if dens is not None else None)
    nodes = fw.nodes.loc[fw.indicators]
    if method.denomination == "divide" and d is not None:
        x = denominate(x, d, nodes["scale"].to_numpy(dtype=float), (nodes["denominator"] != "none").to_numpy())
    treated = treat_outliers(x, method)[0]
    scores = impute(normalise(treated, fw.direction, method.normalisation), method.missing)
    return pd.DataFrame(scores, index=pd.Index(provinces, name="province"),
                        columns=pd.Index(fw.indicators, name="indicator"))


def check_step(step: float) -> float:
    """A rise in normalised points, 0 < step <= 100."""
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not 0 < step <= MAX_SCORE:
        raise PiiInputError(f"step must be a number of normalised points above 0 and at most 100, got {step!r}",
                            column="step")
    return float(step)


# --- re-scoring one province against fixed others ---------------------------------------
@dataclass(frozen=True)
class Standing:
    """One province in one year: its normalised scores and everyone's node scores, ready to re-score."""

    framework: Framework
    method: Method
    year: int
    province: str
    normalised: pd.DataFrame  # provinces x indicators
    data_status: str = "user"

    @cached_property
    def _all(self) -> tuple[np.ndarray, list[str]]:
        return aggregate(self.normalised.to_numpy(), self.framework, self.method)

    @property
    def provinces(self) -> list[str]:
        return list(self.normalised.index)

    @property
    def row(self) -> int:
        return self.provinces.index(self.province)

    @property
    def own(self) -> np.ndarray:
        """The province's normalised indicator scores, (indicators,)."""
        return self.normalised.to_numpy()[self.row]

    def node_scores(self) -> pd.DataFrame:
        """provinces x all nodes (indicators, sub-pillars, ..., PII)."""
        scores, codes = self._all
        return pd.DataFrame(scores, index=self.normalised.index, columns=codes)

    def pii(self) -> np.ndarray:
        scores, codes = self._all
        return scores[:, codes.index(self.framework.root)]

    def rank_of(self, pii: np.ndarray) -> np.ndarray:
        """Ranks of the province, one per candidate own PII (...,), everyone else fixed: as `rank_desc` ranks
        the field with the province's PII replaced (1 + the provinces above it, after rounding), found by
        a binary search among the others' rounded PII instead of comparing every pair of provinces."""
        pii = np.asarray(pii, dtype=float)
        own = np.round(pii, self.method.rank_decimals)
        above = len(self._others) - np.searchsorted(self._others, own, side="right")
        return np.where(np.isnan(own), np.nan, 1.0 + above)

    @cached_property
    def _others(self) -> np.ndarray:
        """The other provinces' PII rounded as `rank_desc` rounds it, sorted, missing ones left out."""
        others = np.round(np.delete(self.pii(), self.row), self.method.rank_decimals)
        return np.sort(others[~np.isnan(others)])

    def rescore(self, own_rows: np.ndarray, start: list[str] | None = None) -> np.ndarray:
        """The province's PII for each candidate row of its scores (..., codes); one engine call.

        `start` names the columns (default the indicators; a cut such as a pillar and the
        remaining indicators re-scores node-level rises).
        """
        rows = np.asarray(own_rows, dtype=float)
        scores, codes = aggregate(rows[..., None, :], self.framework, self.method, start=start)
        return scores[..., 0, codes.index(self.framework.root)]

    def rerank(self, own_rows: np.ndarray, start: list[str] | None = None) -> np.ndarray:
        """The province's rank for each candidate row of its scores (see `rescore`)."""
        return self.rank_of(self.rescore(own_rows, start))

    @property
    def rank(self) -> int:
        return int(rank_desc(self.pii(), self.method.rank_decimals)[self.row])

    def neighbour_gaps(self) -> tuple[float, float]:
        """PII points to the province just above (to gain a place) and to the one just below (to lose one)."""
        pii = self.pii()
        own = pii[self.row]
        above, below = pii[pii > own], pii[pii < own]
        return (float(above.min() - own) if above.size else np.nan,
                float(own - below.max()) if below.size else np.nan)

    def reference(self, target_rank: int) -> str:
        """The province to compare with: the one now at position `target_rank` (to overtake to reach
        it); when the target is already met, the one just above (rank 1: the runner-up)."""
        order = list(pd.Series(self.pii(), index=self.provinces).dropna()
                     .sort_values(ascending=False, kind="stable").index)
        if self.rank > target_rank:
            return str(order[min(target_rank, len(order)) - 1])
        at = order.index(self.province)
        return str(order[at - 1] if at > 0 else order[min(1, len(order) - 1)])

    def rank_of_province(self, province: str) -> int:
        return int(rank_desc(self.pii(), self.method.rank_decimals)[self.provinces.index(province)])


def standing(ctx: Context, province: str, year: int | None = None, target_rank: int | None = None) -> Standing:
    """Validate the parameters and build the province's standing in the year."""
    province = ctx.check_province(province)
    year = ctx.check_year(year)
    if target_rank is not None:
        ctx.check_rank(target_rank)
    frame = normalised_scores(ctx, year)
    if province not in frame.index or np.isnan(frame.loc[province]).all():
        raise PiiInputError(f"province '{province}' has no data in {year}", column="province")
    return Standing(ctx.framework, ctx.method, year, province, frame, ctx.data_status)


# --- rises --------------------------------------------------------------------------------
def _raised(base: np.ndarray, columns: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Candidate rows: base with base[columns[k]] += amounts[k] (capped at 100), shape (k, codes)."""
    rows = np.repeat(base[None, :], len(columns), axis=0)
    k = np.arange(len(columns))
    rows[k, columns] = np.clip(rows[k, columns] + amounts, 0.0, MAX_SCORE)
    return rows


def rank_after_change(st: Standing, step: float) -> pd.DataFrame:
    """PII and rank when each indicator alone rises (and falls) by `step` normalised points, capped to 0-100."""
    n = len(st.framework.indicators)
    cols = np.tile(np.arange(n), 2)
    pii = st.rescore(_raised(st.own, cols, np.repeat([step, -step], n)))
    ranks = st.rank_of(pii)
    base = st.pii()[st.row]
    return pd.DataFrame({"rank_after_step": ranks[:n], "rank_after_drop": ranks[n:],
                         "pii_change_step": pii[:n] - base, "pii_change_drop": pii[n:] - base},
                        index=st.framework.indicators)


def node_rank_gains(st: Standing, step: float, levels: tuple[str, ...] = ("pillar", "subpillar")) -> pd.DataFrame:
    """Rank when one pillar or sub-pillar score alone rises / falls by `step` (capped 0-100).

    Re-scored from the cut made of that node and every indicator outside it, so the node
    score itself moves by the step.
    """
    fw, nodes = st.framework, st.node_scores().iloc[st.row]
    rows = []
    for level in levels:
        for code in fw.codes_at(level):
            inside = set(fw.descendant_indicators(code))
            start = [code] + [c for c in fw.indicators if c not in inside]
            base = nodes[start].to_numpy(dtype=float)
            pii = st.rescore(_raised(base, np.array([0, 0]), np.array([step, -step])), start=start)
            up, down = st.rank_of(pii)
            rows.append({"node": code, "level": level, "name_vi": fw.name(code, "vi"), "name_en": fw.name(code, "en"),
                         "score": base[0], "rank": st.rank, "rank_after_step": up, "rank_after_drop": down,
                         "rank_gain": st.rank - up, "pii_change_step": pii[0] - st.pii()[st.row],
                         "pii_change_drop": pii[1] - st.pii()[st.row]})
    return pd.DataFrame(rows)


def points_to_rank(st: Standing, goal_ranks: list[int]) -> np.ndarray:
    """Smallest single-indicator rise reaching each goal rank, (indicators, goals); NaN = not reachable.

    Vectorised bisection on re-scored ranks: every indicator and goal in one batch per
    iteration. Rank is monotone in the rise, so the bracket [0, 100 - score] is exact.
    0 where the goal is already met. Results are rounded up to REPORT_DECIMALS and
    re-checked, so applying the reported rise always reaches the goal.
    """
    own, n = st.own, len(st.framework.indicators)
    goals = np.asarray(goal_ranks, dtype=float)
    cols = np.tile(np.arange(n), len(goals))
    goal = np.repeat(goals, n)
    room = np.nan_to_num(MAX_SCORE - own[cols], nan=0.0)
    lo, hi = np.zeros(len(cols)), room.copy()
    ok_hi = st.rerank(_raised(own, cols, hi)) <= goal
    done = st.rank <= goal
    for _ in range(BISECT_ITER):
        mid = 0.5 * (lo + hi)
        reached = st.rerank(_raised(own, cols, mid)) <= goal
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid)
    scale = 10.0**REPORT_DECIMALS
    reported = np.minimum(np.ceil(hi * scale) / scale, room)
    ok = st.rerank(_raised(own, cols, reported)) <= goal
    reported = np.where(ok, reported, hi)
    out = np.where(done, 0.0, np.where(ok_hi & ~np.isnan(own[cols]), reported, np.nan))
    return out.reshape(len(goals), n).T


def leave_one_out(st: Standing) -> pd.Series:
    """The province's rank when each indicator is dropped from the index (its weight re-spread
    over its siblings, as for a missing value), everyone re-scored."""
    n = len(st.framework.indicators)
    batch = np.repeat(st.normalised.to_numpy()[None], n, axis=0)
    batch[np.arange(n), :, np.arange(n)] = np.nan
    scores, codes = aggregate(batch, st.framework, st.method)
    ranks = rank_desc(scores[..., codes.index(st.framework.root)], st.method.rank_decimals)
    return pd.Series(ranks[:, st.row], index=st.framework.indicators, name="rank_without")


# --- gaps and references ------------------------------------------------------------------------
def effective_weights(fw: Framework) -> pd.Series:
    """Nominal weight of each indicator in the PII (product of weights along its path; sums to 1)."""
    return fw.effective_weights().reindex(fw.indicators)


def province_weights(st: Standing) -> pd.Series:
    """What one normalised point of each indicator is worth in this province's PII: the nominal
    weights re-spread over the indicators it reports (GII 'available' rule); 0 where missing.
    Geometric aggregation has no fixed weights: the nominal ones are shown."""
    if st.method.aggregation != "arithmetic":
        return effective_weights(st.framework)
    return pd.Series(present_weights(st.framework, st.method, st.own), index=st.framework.indicators)


def references(st: Standing, target_rank: int, top_n: int = TOP_N) -> pd.DataFrame:
    """Per indicator: the target-rank province's score, the Top-n average, the national average, the best."""
    frame = st.normalised
    top = pd.Series(st.pii(), index=st.provinces).dropna().sort_values(ascending=False, kind="stable").index[:top_n]
    return pd.DataFrame({"target_score": frame.loc[st.reference(target_rank)],
                         "top10_average": frame.loc[top].mean(),
                         "national_average": frame.mean(),
                         "best_score": frame.max()})


def indicator_ranks(st: Standing) -> pd.Series:
    """The province's rank on each indicator among all provinces (1 = best normalised score)."""
    ranks = rank_desc(st.normalised.to_numpy().T, st.method.rank_decimals)[:, st.row]
    return pd.Series(ranks, index=st.framework.indicators, name="rank")


def gap_decomposition(st: Standing, reference: str) -> pd.DataFrame:
    """Exact split of the PII gap (reference minus province) over every node.

    The rows of any one level (sub-indices, pillars, sub-pillars, indicators) add up to the PII gap
    exactly. Arithmetic: each node's contribution is reference_weight x reference_score minus
    effective_weight x province_score, the weights being each province's own **effective, missing-aware**
    weight of the node in its PII (the nominal weights re-spread over the indicators it reports, GII
    'available' rule; `weights.present_weights`): the PII is that weighted sum at every level. Where both
    report the same indicators the two weights are equal and the contribution is weight x gap; an
    indicator the province does not report has weight 0 for it (its score is blank) and counts the
    reference's points, its siblings carrying the province's larger weights. Geometric: the nominal
    weight x log-mean ratio (LMDI), a missing child counting at its parent's score.
    """
    fw, nodes = st.framework, st.node_scores()
    p, t = nodes.loc[st.province], nodes.loc[reference]
    geometric = st.method.aggregation == "geometric"
    order = _top_down(fw)
    if geometric:
        own_w, ref_w, prov, refs = _lmdi_weights(fw, p, t, order)
        contribution = {c: own_w[c] * (refs[c] - prov[c]) for c in order}
    else:
        scores = st.normalised
        per_own = present_weights(fw, st.method, scores.loc[st.province].to_numpy())
        per_ref = present_weights(fw, st.method, scores.loc[reference].to_numpy())
        column = {c: i for i, c in enumerate(fw.indicators)}
        inside = {c: [column[i] for i in fw.descendant_indicators(c)] for c in order}
        own_w = {c: _total(per_own[inside[c]]) for c in order}
        ref_w = {c: _total(per_ref[inside[c]]) for c in order}
        prov, refs = p.to_dict(), t.to_dict()
        contribution = {c: (ref_w[c] * refs[c] if ref_w[c] > 0 else 0.0)
                        - (own_w[c] * prov[c] if own_w[c] > 0 else 0.0) for c in order}
    out = pd.DataFrame({
        "node": order,
        "level": fw.nodes["level"].reindex(order).astype(str).tolist(),
        "parent": fw.nodes["parent"].reindex(order).tolist(),
        "name_vi": [fw.name(c, "vi") for c in order],
        "name_en": [fw.name(c, "en") for c in order],
        "province_score": [prov[c] for c in order],
        "reference_score": [refs[c] for c in order],
        "effective_weight": [own_w[c] for c in order],
        "reference_weight": [ref_w[c] for c in order],
    })
    out["gap"] = out["reference_score"] - out["province_score"]
    out["contribution"] = [contribution[c] for c in order]
    out.attrs.update(province=st.province, reference=reference, year=st.year,
                     reference_rank=st.rank_of_province(reference), gap=float(t[fw.root] - p[fw.root]),
                     weights="effective (missing-aware)" if not geometric else "nominal x log-mean ratio (LMDI)")
    return out


def _total(values: np.ndarray) -> float:
    """The sum of the values, missing ones as 0 (pandas' Series.sum: the same additions in the same order)."""
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _top_down(fw: Framework) -> list[str]:
    """Every node, the root first, then level by level (breadth first)."""
    order, todo = [], [fw.root]
    while todo:
        node = todo.pop(0)
        order.append(node)
        todo.extend(fw.children[node])
    return order


def _lmdi_weights(fw: Framework, p: pd.Series, t: pd.Series, order: list[str]):
    """Geometric aggregation: each node's factor (nominal weight x log-mean ratio along its path), the same
    for both provinces, and the scores with a missing child counted at its parent's score."""
    def logmean(a: float, b: float) -> float:
        a, b = 1.0 + a, 1.0 + b
        return a if abs(a - b) < 1e-12 else (a - b) / (np.log(a) - np.log(b))

    prov, refs, factor = {fw.root: p[fw.root]}, {fw.root: t[fw.root]}, {fw.root: 1.0}
    for node in order:
        for kid in fw.children[node]:
            pk = prov[node] if np.isnan(p[kid]) else p[kid]
            tk = refs[node] if np.isnan(t[kid]) else t[kid]
            factor[kid] = factor[node] * float(fw.weight[kid]) * logmean(refs[node], prov[node]) / logmean(tk, pk)
            prov[kid], refs[kid] = pk, tk
    return factor, factor, prov, refs


# --- strengths, weaknesses and the checklist ------------------------------------------------
def strengths_weaknesses(table: pd.DataFrame, n: int = 5, rule: str = "count",
                         strong_rank: int = 10, weak_rank: int = 25) -> pd.DataFrame:
    """Indicators where the province ranks high (strengths) or low (weaknesses), by the shared
    rule of `strengths.StrengthRule` (default: the n best and n worst ranks, as in the official
    provincial profiles), best first and worst first."""
    spec = StrengthRule(rule=rule, n=n, strong_rank=strong_rank, weak_rank=weak_rank)
    indexed = table.dropna(subset=["rank"]).set_index("indicator", drop=False)
    n_provinces = int(table.attrs.get("n_provinces", table["rank"].max()))
    flags = flag_indicators(indexed["rank"], indexed["effective_weight"], n_provinces=n_provinces,
                            pii_rank=int(indexed["pii_rank"].iloc[0]), rule=spec)
    order = indexed.assign(_w=-indexed["effective_weight"])
    strong = order[flags == "strength"].sort_values(["rank", "_w"], kind="stable")
    weak = order[flags == "weakness"].assign(_r=-order["rank"]).sort_values(["_r", "_w"], kind="stable")
    cols = ["indicator", "name", "pillar", "score", "rank", "national_average", "effective_weight"]
    return pd.concat([strong[cols].assign(kind="strength"), weak[cols].assign(kind="weakness")], ignore_index=True)


def below_national_average(table: pd.DataFrame) -> pd.DataFrame:
    """The plan's checklist: indicators below the national average, biggest PII leverage first."""
    below = table[table["score"] < table["national_average"]]
    cols = ["indicator", "name", "pillar", "score", "national_average", "gap_national", "leverage_national", "rank"]
    return below.sort_values("leverage_national", ascending=False)[cols].reset_index(drop=True)


# --- the one table ---------------------------------------------------------------------------
def indicator_table(st: Standing, target_rank: int = 10, step: float = 10.0, lang: str = "vi") -> pd.DataFrame:
    """One row per indicator: weights, scores, references, leverage, rank gains, points to rank."""
    fw, lang = st.framework, check_lang(lang)
    level = fw.nodes["level"].astype(str).to_dict()
    levels = {c: {level[a]: a for a in fw.ancestors(c)} for c in fw.indicators}
    ew = province_weights(st)
    refs = references(st, target_rank)
    frame = pd.DataFrame({
        "indicator": fw.indicators,
        "name": [fw.name(c, lang) for c in fw.indicators],
        "pillar": [levels[c].get("pillar", "") for c in fw.indicators],
        "subpillar": [levels[c].get("subpillar", "") for c in fw.indicators],
        "effective_weight": ew.to_numpy(),
        "score": st.own,
        "rank": indicator_ranks(st).to_numpy(),
    })
    frame = frame.join(refs.reset_index(drop=True))
    for key, col in (("target", "target_score"), ("top10", "top10_average"),
                     ("national", "national_average"), ("best", "best_score")):
        frame[f"gap_{key}"] = frame[col] - frame["score"]
        frame[f"leverage_{key}"] = frame["effective_weight"] * frame[f"gap_{key}"]
    frame["leverage"] = frame["leverage_target"]
    moves = rank_after_change(st, step)
    frame["pii_rank"] = st.rank
    frame["rank_after_step"] = moves["rank_after_step"].to_numpy()
    frame["rank_gain"] = st.rank - frame["rank_after_step"]
    frame["rank_after_drop"] = moves["rank_after_drop"].to_numpy()
    frame["pii_change_step"] = moves["pii_change_step"].to_numpy()
    frame["pii_change_drop"] = moves["pii_change_drop"].to_numpy()
    next_goal = max(st.rank - 1, 1)
    points = points_to_rank(st, [next_goal, target_rank])
    frame["points_to_next_rank"] = points[:, 0] if st.rank > 1 else np.nan
    frame["next_reachable"] = ~np.isnan(frame["points_to_next_rank"]) if st.rank > 1 else False
    frame["points_to_target"] = points[:, 1]
    frame["target_reachable"] = ~np.isnan(frame["points_to_target"])
    frame["rank_without"] = leave_one_out(st).to_numpy()
    reference = st.reference(target_rank)
    frame.attrs.update(province=st.province, year=st.year, rank=st.rank, target_rank=target_rank,
                       reference=reference, reference_rank=st.rank_of_province(reference), step=step,
                       n_provinces=len(st.provinces),
                       pii=float(st.pii()[st.row]), gap_above=st.neighbour_gaps()[0],
                       gap_below=st.neighbour_gaps()[1], data_status=st.data_status)
    return frame


def lever_order(ctx: Context, table: pd.DataFrame, target_year: int = DEFAULT_TARGET_YEAR) -> pd.DataFrame:
    """The table with the lever ranking's columns (`analysis.levers.rank_levers` toward the table's target
    rank by `target_year`: lever_order, lever_rank 1..3 for the levers, places_gained, value_now,
    value_needed, years_of_effort, effort, pii_points, reason_code, ...) and its rows in that order: the
    summary, this page and `pii drivers` show one ranking."""
    from pii_analysis.analysis.levers import TABLE_COLUMNS, rank_levers

    a = table.attrs
    levers = rank_levers(ctx, a["province"], base_year=a["year"], target_rank=int(a["target_rank"]),
                         target_year=target_year)
    out = levers.table[list(TABLE_COLUMNS)].merge(table, on="indicator", how="right", validate="one_to_one")
    out = out.sort_values("lever_order", kind="stable").reset_index(drop=True)
    front = ["indicator", "name", "lever_rank", "lever_order"]
    out = out[front + [c for c in out.columns if c not in front]]
    out.attrs.update(a, **levers.attrs())
    return out


def drivers_table(ctx: Context, province: str, year: int | None = None, target_rank: int = 10,
                  step: float = 10.0, lang: str = "vi", target_year: int = DEFAULT_TARGET_YEAR) -> pd.DataFrame:
    """One row per indicator for a province and year, in the order of its levers (`lever_order`).

    Columns: indicator, name, the lever ranking's (`lever_order`: lever_rank, places_gained, value_now,
    value_needed, years_of_effort, effort, ...), pillar, subpillar, effective_weight, score, rank (on the
    indicator), references (target_score: the province at the target rank, or the one just
    above when the target is met; top10_average, national_average, best_score),
    gap_* and leverage_* to each, leverage (= to the target-rank province), pii_rank,
    rank_after_step, rank_gain, rank_after_drop, points_to_next_rank / next_reachable,
    points_to_target / target_reachable, rank_without (leave-one-out); then in real units
    (`raw_units.real_units`): unit, raw_value, national_best, national_average_raw,
    raw_for_next_rank, raw_for_target, quantity_for_*, monotone, sustained_pace, pace_source, raw_step and
    its exact effect, lead_agency, co_agencies, measured_by, controllability, relative_cost.
    `effective_weight` is the province's own (missing-aware) weight.
    """
    st = standing(ctx, province, year, target_rank)
    table = with_real_units(ctx, st, indicator_table(st, target_rank, check_step(step), lang), lang)
    return lever_order(ctx, table, target_year)


def with_real_units(ctx: Context, st: Standing, table: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The table with the real-units columns of `raw_units.real_units` (raw values and the raw values
    needed for the next place and the target, by re-scoring the raw panel; lead agencies)."""
    from pii_analysis.analysis.raw_units import real_units

    extra = real_units(ctx, st.province, st.year, int(table.attrs["target_rank"]), lang)
    out = table.join(extra, on="indicator")
    out.attrs.update(table.attrs)
    return out


@dataclass(frozen=True)
class DriversResult:
    """The whole drivers analysis of one province and year."""

    table: pd.DataFrame          # drivers_table
    nodes: pd.DataFrame          # pillar / sub-pillar rank gains
    decomposition: pd.DataFrame  # gap_decomposition vs the target-rank province
    strengths: pd.DataFrame
    checklist: pd.DataFrame
    standing: Standing

    @property
    def meta(self) -> dict:
        return dict(self.table.attrs)


def analyse(ctx: Context, province: str, year: int | None = None, target_rank: int = 10, step: float = 10.0,
            lang: str = "vi", n_strengths: int = 5, target_year: int = DEFAULT_TARGET_YEAR) -> DriversResult:
    """Run every drivers analysis for a province (the notebook's and the report's one call)."""
    st = standing(ctx, province, year, target_rank)
    step = check_step(step)
    table = lever_order(ctx, with_real_units(ctx, st, indicator_table(st, target_rank, step, lang), lang), target_year)
    return DriversResult(table=table, nodes=node_rank_gains(st, step),
                         decomposition=gap_decomposition(st, table.attrs["reference"]),
                         strengths=strengths_weaknesses(table, n=n_strengths),
                         checklist=below_national_average(table), standing=st)
