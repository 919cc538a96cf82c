"""What one province's profile (plus the published totals of the others) can say: the "profile"
and "published" data levels.

- scores of every node the profile allows (index.profile_scores), checked against the published ones;
- the rank against the published totals of the others, and the gap to each published rank in PII
  points and in pillar points (a pillar's weight in the PII converts one into the other);
- strengths and weaknesses by position in the national range (0 = national minimum, 100 = maximum);
- drivers in the indicator's own units: one unit moves the PII by weight x 100 / (max - min), exact
  while the value stays inside the national [min, max]; beyond the maximum the maximum moves with it
  and the indicator's score is capped at 100;
- the gap to each rank above the province (`gap_to_each_rank`), the one table the "published" level
  (published totals, sub-indices and pillar scores only, `analyse_published`) can give;
- the province's own total projected as a random walk whose one-year spread is calibrated on the
  published changes (`total_band`): a band for its PII, not a rank (the others' totals are mostly
  not published).

`open_level` reads a data file at whichever of the two levels it holds (None for a full panel).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.analysis.rank_bounds import RankBounds, rank_bounds
from pii_analysis.analysis.strengths import StrengthRule, flag_indicators
from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import default_resolver, load_published
from pii_analysis.data.profile import Profile, read_profile
from pii_analysis.data.shapes import PLAN_KINDS, level_answer
from pii_analysis.index.framework import Framework, default_framework
from pii_analysis.index.profile_scores import score_profile

#: published-results columns -> framework codes
PUBLISHED_NODES = {"pii_score": "PII", "input_score": "IN", "output_score": "OUT",
                   **{f"p{k}": str(k) for k in range(1, 8)}}


class BelowPanelAnswers:
    """The data.shapes.DataLevel answers of a level below the panel: its rank is 'exact' when the published
    table allows one rank only (`bounds.single`), else an 'interval' (None: no rank at all)."""

    def answers(self, question: str) -> str | None:
        answer = level_answer(self.data_level, question)
        if question == "rank":
            bounds = getattr(self, "bounds", None)
            if bounds is not None:
                return "exact" if bounds.single else "interval"
            return "exact" if np.isfinite(self.rank) else None
        return answer

    @property
    def plan_kinds(self) -> tuple[str, ...]:
        return PLAN_KINDS[self.data_level]


@dataclass(frozen=True)
class ProfileResult(BelowPanelAnswers):
    """Everything the profile level computes for one province and year."""

    profile: Profile
    scores: pd.DataFrame        # one row per node (index.profile_scores.COLUMNS)
    standing: pd.DataFrame      # published totals of the others, with the gap to each
    drivers: pd.DataFrame       # one row per indicator of the profile, in its own units
    pii: float                  # the province's PII (published, else computed; NaN if neither)
    rank: float                 # published rank, else the one rank the published table allows (NaN: an interval)
    rank_basis: str             # 'published' or 'among published totals' or ''
    gaps: pd.DataFrame = None   # gap_to_each_rank
    totals: pd.DataFrame = None  # the year's published results on today's map (published_totals)
    data_status: str = "user"   # 'published' only when every row of the file says so (data_status column)
    data_level: str = "profile"
    bounds: RankBounds | None = None  # the ranks the published table allows (rank_bounds)

    @property
    def province(self) -> str:
        return self.profile.province

    @property
    def year(self) -> int:
        return self.profile.year

    @property
    def source(self) -> str:
        return self.profile.source

    @property
    def note(self) -> str:
        return self.profile.note

    def pillar_scores(self) -> dict[str, float]:
        """The province's pillar scores the profile gives (published or computed)."""
        rows = self.scores[(self.scores["level"] == "pillar") & self.scores["score"].notna()]
        return dict(zip(rows["code"].astype(str), rows["score"].astype(float)))

    @property
    def warnings(self) -> list[dict]:
        """What every page and output of this result must show (report.level_pages.warning_text): each
        typed node score used although it contradicts its computed or published score (kind 'typed',
        accepted knowingly), then the rows the profile could not use fully (data.profile._range_notes)."""
        rows = self.profile.rows
        typed = self.mismatches[self.mismatches["code"].isin(rows.index[rows["level"] != "indicator"])]
        accepted = [{"kind": "typed", "row": int(rows.at[c, "row"]), "code": c, "typed": float(rows.at[c, "value"]),
                     "check": chk} for c, chk in zip(typed["code"], typed["check"])]
        return accepted + list(self.profile.notes)

    @property
    def mismatches(self) -> pd.DataFrame:
        """Nodes whose computed score differs from the published one beyond rounding."""
        return self.scores[self.scores["check"].astype(str).str.startswith("differs")]


def published_for(province: str, year: int, published: pd.DataFrame) -> dict[str, float]:
    """The province's published node scores (PII, sub-indices, pillars) for the year."""
    rows = published[(published["year"] == year) & (published["status"] == "published")
                     & (published["province"] == province)]
    out: dict[str, float] = {}
    for col, code in PUBLISHED_NODES.items():
        if col in rows and rows[col].notna().any():
            out[code] = float(rows[col].dropna().iloc[0])
    return out


def published_rank(province: str, year: int, published: pd.DataFrame) -> float:
    rows = published[(published["year"] == year) & (published["status"] == "published")
                     & (published["province"] == province)]
    return float(rows["rank"].dropna().iloc[0]) if rows["rank"].notna().any() else float("nan")


def pillar_weights(framework: Framework) -> pd.Series:
    """Each pillar's weight in the PII (0.1 for an input pillar, 0.25 for an output pillar in 2025)."""
    ew = framework.effective_weights()
    return pd.Series({p: float(sum(ew[i] for i in framework.descendant_indicators(p))) for p in framework.pillars})


def rank_gaps(province: str, pii: float, year: int, published: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The published totals of the other provinces with the gap to each, in PII points and in
    points of each pillar (the rise of that one pillar that closes the gap): the published level."""
    pub = published[(published["year"] == year) & (published["status"] == "published")
                    & (published["province"] != province)].dropna(subset=["pii_score"])
    pub = pub.sort_values("pii_score", ascending=False)
    out = pd.DataFrame({"province": pub["province"].to_numpy(), "rank": pub["rank"].to_numpy(),
                        "pii": pub["pii_score"].to_numpy()})
    out["gap_pii"] = out["pii"] - pii
    for p, w in pillar_weights(framework).items():
        out[f"gap_p{p}"] = out["gap_pii"] / w
    return out


def unit_drivers(scores: pd.DataFrame, framework: Framework, gap: float) -> pd.DataFrame:
    """Per indicator of the profile: PII points per unit, and the value that closes `gap` PII points.

    Exact while the value stays inside the national [min, max] (the other provinces as they are);
    past the maximum the maximum moves with it, so the indicator's score stops at 100 and the PII
    gain at weight x (100 - score).
    """
    ew = framework.effective_weights()
    direction = dict(zip(framework.indicators, framework.direction))
    ind = scores[(scores["level"] == "indicator") & scores["computed"].notna()].copy()
    ind["effective_weight"] = [float(ew[c]) for c in ind["code"]]
    d = np.array([direction[c] for c in ind["code"]], dtype=float)
    span = (ind["national_max"] - ind["national_min"]).to_numpy(dtype=float)
    ind["pii_per_unit"] = ind["effective_weight"].to_numpy() * 100.0 / span * d
    ind["units_per_pii_point"] = 1.0 / np.abs(ind["pii_per_unit"].to_numpy())
    ind["max_pii_gain"] = ind["effective_weight"] * (100.0 - ind["computed"])
    if np.isfinite(gap) and gap > 0:
        units = gap / np.abs(ind["pii_per_unit"].to_numpy())
        ind["value_for_gap"] = ind["value"].to_numpy() + d * units
        ind["change_for_gap"] = d * units
        reachable = ind["max_pii_gain"].to_numpy() >= gap - 1e-12
        ind.loc[~reachable, ["value_for_gap", "change_for_gap"]] = np.nan
        ind["reachable_alone"] = reachable
    else:
        ind["value_for_gap"] = np.nan
        ind["change_for_gap"] = np.nan
        ind["reachable_alone"] = False
    cols = ["code", "name_vi", "name_en", "unit", "value", "national_min", "national_max", "computed",
            "effective_weight", "pii_per_unit", "units_per_pii_point", "max_pii_gain", "value_for_gap", "change_for_gap", "reachable_alone"]
    out = ind[cols].rename(columns={"computed": "score"})
    return out.sort_values(["reachable_alone", "change_for_gap"], ascending=[False, True],
                           key=lambda s: s.abs() if s.name == "change_for_gap" else s).reset_index(drop=True)


def strengths(scores: pd.DataFrame, framework: Framework, n: int | None = None) -> pd.Series:
    """'strength' / 'weakness' / '' per indicator of the profile, by position in the national range."""
    ind = scores[(scores["level"] == "indicator") & scores["computed"].notna()].set_index("code")
    if ind.empty:
        return pd.Series(dtype=object)
    n = n or max(1, min(5, len(ind) // 3))
    ranks = (-ind["computed"]).rank(method="min")
    weights = framework.effective_weights().reindex(ind.index)
    return flag_indicators(ranks, weights, len(ind), 1, StrengthRule(n=n))


#: gaps are differences of totals published with 2 decimals, so they are rounded to 2 decimals too; to
#: pass the province at rank r a province must gain MORE than the gap (a tie at the published precision
#: is not a pass)
GAP_DIGITS = 2


def published_totals(published: pd.DataFrame, year: int, provinces: list[str] | None = None) -> pd.DataFrame:
    """Every province of today's map for `year`: its published rank, PII and pillar scores where
    published (status `published`), NaN where not; `published` True/False per row. In rank order,
    the provinces without a published rank last (by name). A file of totals without any rank is ranked
    by its totals (right when it holds every province)."""
    from pii_analysis.data.provinces import name_key

    provinces = provinces or list(default_resolver().current)
    rows = published[(published["year"] == year) & (published["status"] == "published")
                     & published["province"].isin(provinces)].drop_duplicates("province").copy()
    ranked_by_totals = bool(rows["rank"].isna().all())
    if ranked_by_totals:   # a file of totals without ranks: the places among its totals
        rows["rank"] = rows["pii_score"].rank(ascending=False, method="min")
    cols = ["rank", "pii_score", "input_score", "output_score", *[f"p{k}" for k in range(1, 8)]]
    out = pd.DataFrame({"province": provinces}).merge(rows[["province", *[c for c in cols if c in rows]]],
                                                      on="province", how="left")
    for c in cols:
        if c not in out:
            out[c] = np.nan
    out["published"] = out["pii_score"].notna() | out["rank"].notna()
    out["rank_basis"] = np.where(out["rank"].isna(), "", "among published totals" if ranked_by_totals
                                 else "published")
    out["_key"] = [name_key(p) for p in out["province"]]
    out = out.sort_values(["rank", "pii_score", "_key"], ascending=[True, False, True], na_position="last")
    return out.drop(columns="_key").reset_index(drop=True)


def gap_to_each_rank(province: str, pii: float, rank: float, totals: pd.DataFrame, framework: Framework,
                     pillars: dict[str, float] | None = None) -> pd.DataFrame:
    """For each rank r above the province (1 .. rank - 1): who holds it and the PII points the province
    must gain to pass that province: gap = published total at r - the province's PII, rounded to
    GAP_DIGITS (a gain must exceed it). In pillar points: the rise of that one pillar alone that closes
    the gap (gap / the pillar's weight in the PII), blank where it would take the pillar past 100 (from
    the province's own pillar score where `pillars` gives it, else from 0).

    `status`: 'published' (the total at r is published), 'total not published' (the province at r is
    known, its total is not), 'not published' (no published province holds rank r)."""
    weights = pillar_weights(framework)
    pillars = pillars or {}
    others = totals[totals["province"] != province]
    rows = []
    last = int(rank) - 1 if np.isfinite(rank) else 0
    for r in range(1, last + 1):
        at = others[others["rank"] == r]
        if at.empty:
            rows.append({"rank": r, "province_at_rank": "", "pii": np.nan, "status": "not published"})
            continue
        for row in at.itertuples(index=False):
            rows.append({"rank": r, "province_at_rank": row.province, "pii": row.pii_score,
                         "status": "published" if pd.notna(row.pii_score) else "total not published"})
    out = pd.DataFrame(rows, columns=["rank", "province_at_rank", "pii", "status"])
    out["gap_pii"] = (out["pii"].astype(float) - pii).round(GAP_DIGITS) if np.isfinite(pii) else np.nan
    for p, w in weights.items():
        need = out["gap_pii"] / w
        room = 100.0 - pillars[p] if p in pillars and np.isfinite(pillars[p]) else 100.0  # a pillar is 0-100
        out[f"gap_p{p}"] = need.where(need <= room + 1e-9).round(GAP_DIGITS)
    return out


def total_band(pii: float, base_year: int, target_year: int, *, coverage: float = 0.9,
               changes: pd.DataFrame | None = None) -> dict[str, float]:
    """The province's own PII total projected to `target_year` as a random walk whose one-year change
    spread is that of the published record (`data.record.published_changes`; the standard deviation of the
    published one-year PII changes, as the calibration's published target): centre = today's total,
    half-width = z x sd x sqrt(years). Also `sd_within`: the spread between provinces (each year's common
    change removed, `data.record.pooled_spread`), which `ahead_probability` uses. No rank: the totals of
    most other provinces are not published."""
    from statistics import NormalDist

    from pii_analysis.data.record import pooled_spread, published_changes

    changes = published_changes() if changes is None else changes
    d = changes["d_score"].dropna().to_numpy(dtype=float)
    sd = float(np.std(d, ddof=1)) if len(d) > 1 else float("nan")
    within, df = pooled_spread(changes)
    years = max(0, int(target_year) - int(base_year))
    half = NormalDist().inv_cdf(0.5 + coverage / 2) * sd * np.sqrt(years)
    return {"sd_one_year": sd, "n_changes": int(len(d)), "years": years, "coverage": coverage,
            "low": max(0.0, pii - half), "high": min(100.0, pii + half), "centre": pii,
            "sd_within": within, "df_within": df}


def ahead_probability(gaps: pd.DataFrame, sd_within: float, years: int) -> pd.Series:
    """For each row of `gap_to_each_rank` with a published total: the probability that the province is
    above that province after `years`, both totals moving as independent random walks with the published
    spread between provinces (`sd_within` a year): P(N(-gap, 2 sd^2 years) > 0). NaN without a total."""
    from statistics import NormalDist

    scale = sd_within * np.sqrt(2.0 * years)
    if not (np.isfinite(scale) and scale > 0):
        return pd.Series(np.nan, index=gaps.index)
    return pd.Series([1.0 - NormalDist(-g, scale).cdf(0.0) if pd.notna(g) else np.nan for g in gaps["gap_pii"]],
                     index=gaps.index, dtype=float)


def analyse_profile(path: str | Path, *, province: str | None = None, year: int | None = None,
                    sheet: str | None = None, framework: Framework | None = None,
                    published: pd.DataFrame | None = None, accept_typed_scores: bool = False) -> ProfileResult:
    """Read and analyse a profile file against the published results of its year.

    A node score typed in the profile that contradicts its own indicators (or its published score)
    beyond rounding fails naming the row and both values; `accept_typed_scores` uses it, with a warning
    (`ProfileResult.warnings`) that every page and output shows."""
    framework = framework or default_framework()
    resolver = default_resolver()
    profile = read_profile(path, framework.nodes, resolver, province=province, year=year, sheet=sheet)
    return analyse(profile, framework, published if published is not None else load_published(),
                   accept_typed_scores=accept_typed_scores)


def analyse(profile: Profile, framework: Framework, published: pd.DataFrame, *,
            accept_typed_scores: bool = False) -> ProfileResult:
    # the year's published rows on today's map (a 2025 profile compares with the 34 provinces)
    year_pub = published[(published["year"] == profile.year)
                         & published["province"].isin(default_resolver().current)]
    scores = score_profile(profile, framework, published_for(profile.province, profile.year, year_pub),
                           accept_typed=accept_typed_scores)
    root = scores.set_index("code").loc[framework.root]
    pii = float(root["score"]) if pd.notna(root["score"]) else float("nan")
    rank = published_rank(profile.province, profile.year, year_pub)
    standing = rank_gaps(profile.province, pii, profile.year, year_pub, framework) if np.isfinite(pii) \
        else pd.DataFrame()
    totals = published_totals(year_pub, profile.year)
    bounds = rank_bounds(profile.province, pii, totals)
    basis = "published" if np.isfinite(rank) else ("among published totals" if np.isfinite(pii) else "")
    rank = bounds.rank
    above = standing[standing["gap_pii"] > 0]["gap_pii"] if len(standing) else pd.Series(dtype=float)
    gap = float(above.min()) if len(above) else float("nan")
    drivers = unit_drivers(scores, framework, gap)
    flags = strengths(scores, framework)
    scores = scores.assign(flag=scores["code"].map(flags).fillna(""))
    pillars = scores[(scores["level"] == "pillar") & scores["score"].notna()]
    gaps = gap_to_each_rank(profile.province, pii, bounds.worst, totals, framework,
                            dict(zip(pillars["code"].astype(str), pillars["score"].astype(float))))
    return ProfileResult(profile=profile, scores=scores, standing=standing, drivers=drivers, pii=pii, rank=rank,
                         rank_basis=basis, gaps=gaps, totals=totals, data_status=profile.data_status, bounds=bounds)


def require_profile_pii(result: ProfileResult) -> None:
    """Fail clearly when the profile gives no PII (neither published nor computable)."""
    if not np.isfinite(result.pii):
        raise PiiInputError(f"the profile of {result.profile.province} {result.profile.year} gives no PII score "
                            "(add the PII row or publish all pillars)", file=result.profile.source)


def declared_status(path: str | Path | None, published: pd.DataFrame) -> str:
    """A published-results file's status as it says it: the shipped file (None) is published; a user's
    file is 'published' only when it has a `data_status` column saying so on every row, else 'user'
    (a source URL says where a number comes from, not that it is published)."""
    if path is None:
        return "published"
    if "data_status" not in published or not len(published):
        return "user"
    return "published" if (published["data_status"].astype(str).str.strip().str.lower() == "published").all() \
        else "user"


@dataclass(frozen=True)
class PublishedResult(BelowPanelAnswers):
    """The published level for one province and year: its published scores, rank and the gap to each
    rank above it."""

    province: str
    year: int
    source: str
    pii: float
    rank: float
    rank_basis: str             # 'published' or 'among published totals'
    nodes: dict                 # published node scores (PII, IN, OUT, pillars)
    gaps: pd.DataFrame          # gap_to_each_rank
    totals: pd.DataFrame        # published_totals
    note: str = ""
    data_status: str = "published"
    data_level: str = "published"
    bounds: RankBounds | None = None  # the ranks the published table allows (rank_bounds)

    def pillar_scores(self) -> dict[str, float]:
        return {k: v for k, v in self.nodes.items() if k.isdigit()}


def analyse_published(path: str | Path | None, province: str, year: int | None = None,
                      framework: Framework | None = None) -> PublishedResult:
    """The published level: a file in the layout of data/raw/pii_published_results.csv (year, province,
    pii_score; rank, input_score, output_score, p1..p7 where published; None: that shipped file)."""
    framework = framework or default_framework()
    resolver = default_resolver()
    file = str(path) if path else "data/raw/pii_published_results.csv"
    published = load_published(path, resolver)
    year = todays_map_year(published, year, file)
    name = resolver.resolve(province, map_old=True, file=file, column="province")
    totals = published_totals(published, year)
    row = totals[totals["province"] == name].iloc[0]
    nodes = published_for(name, year, published)
    pii = float(row["pii_score"]) if pd.notna(row["pii_score"]) else float("nan")
    if pd.notna(row["rank"]):
        rank, basis = float(row["rank"]), str(row["rank_basis"])
    elif np.isfinite(pii):
        basis = "among published totals"
    else:
        raise PiiInputError(f"{name} has neither a published total nor a published rank for {year}", file=file,
                            column="pii_score")
    bounds = rank_bounds(name, pii, totals)
    rank = bounds.rank
    gaps = gap_to_each_rank(name, pii, bounds.worst, totals, framework,
                            {k: v for k, v in nodes.items() if k.isdigit()})
    return PublishedResult(province=name, year=year, source=file, pii=pii, rank=rank, rank_basis=basis,
                           bounds=bounds,
                           nodes=nodes, gaps=gaps, totals=totals, note=resolver.merger_note(province),
                           data_status=declared_status(path, published))


def published_provinces(path: str | Path | None, year: int | None = None) -> list[str]:
    """The provinces of today's map with a published total or rank in `year` (default: the latest)."""
    pub = load_published(path)
    totals = published_totals(pub, todays_map_year(pub, year, str(path or paths.raw_file(paths.PUBLISHED))))
    return list(totals.loc[totals["published"], "province"])


def todays_map_year(published: pd.DataFrame, year: int | None, file: str) -> int:
    """`year` (default: the latest) checked to be a year of published results on today's map (ranked among
    as many provinces as today's map has): ranks and gaps compare provinces of one map."""
    n = len(default_resolver().current)
    rows = published[published["status"] == "published"]
    years = sorted(set(rows.loc[rows["n_provinces"] == n, "year"].astype(int)))
    if not years:
        raise PiiInputError(f"no published results ranked among today's {n} provinces", file=file, column="year")
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise PiiInputError(f"year {year} has no published results on today's map of {n} provinces (years: "
                            f"{', '.join(map(str, years))})", file=file, column="year")
    return int(year)


def level_of(path: str | Path | None, sheet: str | None = None) -> str:
    """The data level a file holds: 'profile' (national_min / national_max columns), 'published' (a
    pii_score column and no indicator values) or 'panel' (anything else, and no file: the shipped panel)."""
    from pii_analysis.data.profile import looks_like_profile
    from pii_analysis.data.tables import read_table

    if not path:
        return "panel"
    if looks_like_profile(path, sheet=sheet):
        return "profile"
    try:
        columns = set(read_table(path, sheet=sheet).columns)
    except PiiInputError:
        return "panel"   # the panel reader then names what is wrong
    return "published" if "pii_score" in columns and not {"indicator", "value"} & columns else "panel"


LevelResult = ProfileResult | PublishedResult


def open_level(path: str | Path | None, *, province: str | None = None, year: int | None = None,
               sheet: str | None = None, accept_typed_scores: bool = False,
               level: str | None = None) -> LevelResult | None:
    """The analysis of a profile or published-results file; None for a full panel (use load_context).
    `level`: the level already decided (analysis.data_level.open_data), else read from the file.

    A profile names its own province: a different `province` is refused, naming both."""
    level = level or level_of(path, sheet)
    if level == "panel":
        return None
    if level == "published":
        if province is None:
            raise PiiInputError("published results hold every province: name one (--province)", file=path)
        return analyse_published(path, province, year)
    result = analyse_profile(path, year=year, sheet=sheet, accept_typed_scores=accept_typed_scores,
                             province=None if _names_its_province(path, sheet) else province)
    if province is not None:
        asked = default_resolver().resolve(province, map_old=True, column="province")
        if asked != result.province:
            raise PiiInputError(f"the profile is of {result.province}, not of {asked}: give province "
                                f"'{result.province}' (or leave it out)", file=path, column="province")
    return result


def _names_its_province(path: str | Path, sheet: str | None) -> bool:
    from pii_analysis.data.tables import read_table
    frame = read_table(path, sheet=sheet)
    return "province" in frame.columns and (frame["province"].astype(str).str.strip() != "").any()
