"""What one province's profile (plus the published totals of the others) can say: the "profile"
and "published" data levels.

- scores of every node the profile allows (index.profile_scores), checked against the published ones;
- the rank against the published totals of the others, and the gap to each published rank in PII
  points and in pillar points (a pillar's weight in the PII converts one into the other);
- strengths and weaknesses by position in the national range (0 = national minimum, 100 = maximum);
- drivers in the indicator's own units: one unit moves the PII by weight x 100 / (max - min), exact
  while the value stays inside the national [min, max]; beyond the maximum the maximum moves with it
  and the indicator's score is capped at 100.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.analysis.strengths import StrengthRule, flag_indicators
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import default_resolver, load_published
from pii_analysis.data.profile import Profile, read_profile
from pii_analysis.index.framework import Framework, default_framework
from pii_analysis.index.profile_scores import score_profile

#: published-results columns -> framework codes
PUBLISHED_NODES = {"pii_score": "PII", "input_score": "IN", "output_score": "OUT",
                   **{f"p{k}": str(k) for k in range(1, 8)}}


@dataclass(frozen=True)
class ProfileResult:
    """Everything the profile level computes for one province and year."""

    profile: Profile
    scores: pd.DataFrame        # one row per node (index.profile_scores.COLUMNS)
    standing: pd.DataFrame      # published totals of the others, with the gap to each
    drivers: pd.DataFrame       # one row per indicator of the profile, in its own units
    pii: float                  # the province's PII (published, else computed; NaN if neither)
    rank: float                 # published rank, else the place among the published totals
    rank_basis: str             # 'published' or 'among published totals' or ''
    data_level: str = "profile"

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


def analyse_profile(path: str | Path, *, province: str | None = None, year: int | None = None,
                    sheet: str | None = None, framework: Framework | None = None,
                    published: pd.DataFrame | None = None) -> ProfileResult:
    """Read and analyse a profile file against the published results of its year."""
    framework = framework or default_framework()
    resolver = default_resolver()
    profile = read_profile(path, framework.nodes, resolver, province=province, year=year, sheet=sheet)
    return analyse(profile, framework, published if published is not None else load_published())


def analyse(profile: Profile, framework: Framework, published: pd.DataFrame) -> ProfileResult:
    # the year's published rows on today's map (a 2025 profile compares with the 34 provinces)
    year_pub = published[(published["year"] == profile.year)
                         & published["province"].isin(default_resolver().current)]
    scores = score_profile(profile, framework, published_for(profile.province, profile.year, year_pub))
    root = scores.set_index("code").loc[framework.root]
    pii = float(root["score"]) if pd.notna(root["score"]) else float("nan")
    rank = published_rank(profile.province, profile.year, year_pub)
    standing = rank_gaps(profile.province, pii, profile.year, year_pub, framework) if np.isfinite(pii) \
        else pd.DataFrame()
    basis = "published" if np.isfinite(rank) else ""
    if not np.isfinite(rank) and np.isfinite(pii) and len(standing):
        rank, basis = float(1 + (standing["pii"] > pii).sum()), "among published totals"
    above = standing[standing["gap_pii"] > 0]["gap_pii"] if len(standing) else pd.Series(dtype=float)
    gap = float(above.min()) if len(above) else float("nan")
    drivers = unit_drivers(scores, framework, gap)
    flags = strengths(scores, framework)
    scores = scores.assign(flag=scores["code"].map(flags).fillna(""))
    return ProfileResult(profile=profile, scores=scores, standing=standing, drivers=drivers, pii=pii, rank=rank,
                         rank_basis=basis)


def require_profile_pii(result: ProfileResult) -> None:
    """Fail clearly when the profile gives no PII (neither published nor computable)."""
    if not np.isfinite(result.pii):
        raise PiiInputError(f"the profile of {result.profile.province} {result.profile.year} gives no PII score "
                            "(add the PII row or publish all pillars)", file=result.profile.source)
