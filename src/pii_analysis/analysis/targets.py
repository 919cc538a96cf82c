"""A target for every province: its own plan's rank target, else a stated default by where it stands.

Order of precedence:
1. a target rank set by the caller (`pii report --target-rank`, a notebook parameter);
2. the province's own `rank` targets for the target year in the targets file (Ninh Bình's Plan 19);
3. the project default for the province's base-year rank band (`data/raw/default_targets.csv`, an
   assumption, one row per rule: `rank_at_most` v, `gain_places` g, `report_overtake_risk`): when a
   band has several rank rules ("reach the Top 10 or gain 3 places") the least demanding one is the
   target (the 'or'); gaining 0 places means holding the current place.
The target records where it comes from and what kind it is, so titles and text can follow it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.targets import load_targets
from pii_analysis.data.tables import read_table, require_columns, row_number, to_number

DEFAULTS_FILE = "default_targets.csv"
RANK_KIND = "rank"   # the kind of a national rank target in the targets file (data/targets.py)
KINDS = ("hold", "stay", "reach", "gain", "leave_bottom")
BOTTOM = 5   # "the bottom five"

# The rule of the issue as rows of default_targets.csv, used only when that file is absent (an assumption,
# labelled as such, like the file).
FALLBACK_RULES = pd.DataFrame({
    "from_rank": [1, 1, 6, 11, 11, 26, 30], "to_rank": [5, 5, 10, 25, 25, 29, 34],
    "target_kind": ["gain_places", "report_overtake_risk", "rank_at_most", "rank_at_most", "gain_places",
                    "gain_places", "rank_at_most"],
    "target_value": [0, None, 10, 10, 3, 3, 29], "target_year": [2030] * 7,
    "status": ["assumption (project default)"] * 7})


@dataclass(frozen=True)
class Target:
    """P(rank <= `rank` in `year`) is the question; `kind` and `origin` say why this rank."""

    province: str
    rank: int
    year: int
    base_rank: int
    n_provinces: int
    kind: str                     # one of KINDS
    origin: str                   # 'parameter' | 'plan' | 'default'
    places: int = 0               # places to gain (kind 'gain')
    overtake_risk: bool = False   # report P(overtaken by a province below)
    source: str = ""
    rules: tuple[str, ...] = field(default_factory=tuple)   # the default rules that applied (for the page)


def load_default_rules(path: str | Path | None = None) -> pd.DataFrame:
    """The default rules by rank band (the data file, else the same rule built in)."""
    path = Path(path) if path else paths.raw_dir() / DEFAULTS_FILE
    if not path.exists():
        return FALLBACK_RULES.copy()
    raw = read_table(path)
    require_columns(raw, ("from_rank", "to_rank", "target_kind", "target_value"), file=path)
    frame = raw.copy()
    for col in ("from_rank", "to_rank"):
        frame[col] = to_number(raw, col, file=path, allow_blank=False)
    frame["target_value"] = to_number(raw, "target_value", file=path)
    frame["target_kind"] = raw["target_kind"].astype(str).str.strip()
    known = ("rank_at_most", "gain_places", "report_overtake_risk")
    for i, kind in enumerate(frame["target_kind"]):
        if kind not in known:
            raise PiiInputError(f"target_kind '{kind}' must be one of {', '.join(known)}", file=path,
                                row=row_number(raw, i),
                                column="target_kind")
    return frame


def kind_of(rank: int, base_rank: int, n: int) -> str:
    """What reaching rank <= `rank` means from `base_rank` of `n`."""
    if rank == base_rank:
        return "hold"
    if rank > base_rank:
        return "stay"
    if rank == n - BOTTOM and base_rank > n - BOTTOM:
        return "leave_bottom"
    return "reach"


def province_target(ctx, province: str, *, base_year: int | None = None, target_rank: int | None = None,
                    target_year: int = 2030, targets_path=None, defaults_path=None) -> Target:
    """The province's target (see the module docstring)."""
    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    ranking = ctx.scores.ranking(base).set_index("province")
    n = len(ranking)
    base_rank = int(ranking.at[province, "rank"])
    if target_rank is not None:
        target_rank = ctx.check_rank(target_rank)
    own = None if target_rank is not None else load_targets(targets_path, province=province, resolver=ctx.resolver)
    return _target_from(province, base_rank, n, target_year, target_rank, own, defaults_path)


def _target_from(province: str, base_rank: int, n: int, target_year: int, target_rank: int | None,
                 own: pd.DataFrame | None, defaults_path) -> Target:
    """The precedence of the module docstring, from the base rank and the province's own target rows."""
    if target_rank is not None:
        rank = int(target_rank)
        return Target(province, rank, target_year, base_rank, n, kind_of(rank, base_rank, n), "parameter",
                      places=max(base_rank - rank, 0))
    own = own[(own["kind"] == RANK_KIND) & (own["year"] == target_year)]
    if len(own):
        ranks = own["value"].astype(int)
        rank = int(ranks.min())
        docs = own.loc[ranks == rank, "source"]
        return Target(province, rank, target_year, base_rank, n, kind_of(rank, base_rank, n), "plan",
                      places=max(base_rank - rank, 0), source="; ".join(dict.fromkeys(docs.astype(str))))
    rules = load_default_rules(defaults_path)
    band = rules[(rules["from_rank"] <= base_rank) & (base_rank <= rules["to_rank"])]
    candidates = []   # (rank, gained places or None)
    for kind, value in zip(band["target_kind"], band["target_value"]):
        if kind == "rank_at_most":
            candidates.append((int(value), None))
        elif kind == "gain_places":
            candidates.append((max(base_rank - int(value), 1), int(value)))
    rank, gained = max(candidates, key=lambda c: c[0]) if candidates else (base_rank, 0)
    kind = "gain" if gained and rank < base_rank else kind_of(rank, base_rank, n)
    return Target(province, rank, target_year, base_rank, n, kind, "default", places=max(base_rank - rank, 0),
                  overtake_risk=bool((band["target_kind"] == "report_overtake_risk").any()), source=DEFAULTS_FILE,
                  rules=tuple(band["target_kind"].astype(str)))


def overtake_risk(proj, target: Target) -> float:
    """P(the province ends below its base-year rank in the target year): overtaken by a province below."""
    event = proj.ranks[:, proj.year_index(target.year), proj.index(target.province)] > target.base_rank
    return float(proj.prob(event))


def level_target(result, *, target_year: int = 2030, target_rank: int | None = None, targets_path=None,
                 defaults_path=None) -> Target | None:
    """The target below the panel (a profile or published results, `analysis.profile_level`): the same
    precedence as `province_target`, the rank band read from the worst rank the published table allows (its
    own rank when published). None when the table allows no rank (no total and no published rank)."""
    bounds = getattr(result, "bounds", None)
    base = float(result.rank) if pd.notna(result.rank) else (bounds.worst if bounds is not None else float("nan"))
    if not pd.notna(base):
        return None
    own = None if target_rank is not None else load_targets(targets_path, province=result.province)
    return _target_from(result.province, int(base), int(len(result.totals)), int(target_year), target_rank, own,
                        defaults_path)
