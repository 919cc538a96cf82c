"""The ranks a province can hold given everything published: the published ranks and totals of the
others (and its own published rank where one exists). Pure computation; the prose is in report/."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RankBounds:
    """`low` (best) .. `high` (worst) rank the published table allows, `excluded` the ranks in between
    held by other published provinces, `possible` the ranks left; `above` / `below` the published
    provinces (with their rank and total) that bound the interval; `basis` 'published' (its own rank),
    'bounded' (one rank left), 'interval', 'unknown' (neither its total nor its rank) or 'inconsistent' (no rank fits: e.g. a
    total above that of the published first, which holds rank 1)."""

    low: int
    high: int
    excluded: tuple[int, ...]
    possible: tuple[int, ...]
    above: dict | None
    below: dict | None
    basis: str

    @property
    def single(self) -> bool:
        return len(self.possible) == 1

    @property
    def rank(self) -> float:
        """The one rank when the bounds give one, else NaN (never a guessed single place)."""
        return float(self.possible[0]) if self.single else float("nan")

    @property
    def worst(self) -> float:
        """The worst rank the bounds allow (the last rank a gap table runs to), NaN when they allow none."""
        return float("nan") if self.basis in ("unknown", "inconsistent") else float(self.high)

    def text(self) -> str:
        """'13', '13–16 (not 15)' or '—' (no total, no rank): the figure every output shows."""
        if self.basis in ("unknown", "inconsistent"):
            return "—"
        if self.single:
            return str(self.possible[0])
        out = f"{self.low}–{self.high}"
        return out + (f" (not {', '.join(str(r) for r in self.excluded)})" if self.excluded else "")


def _holder(row) -> dict:
    return {"province": str(row["province"]), "rank": int(row["rank"]),
            "pii": float(row["pii_score"]) if pd.notna(row["pii_score"]) else float("nan")}


def rank_bounds(province: str, pii: float, totals: pd.DataFrame, n_provinces: int | None = None) -> RankBounds:
    """The ranks `province` (its total `pii`, NaN when not known) can hold given `totals`
    (`profile_level.published_totals`: province, rank, pii_score per row, NaN where not published).

    Its own published rank fixes it. Otherwise a published total above `pii` puts the province below
    that rank (and every such total, ranked or not, counts one place above it); a total below `pii`
    puts it above that rank; an equal total bounds nothing (a tie may share its rank). Ranks held by other published provinces inside the
    bounds are excluded."""
    n = int(n_provinces or len(totals))
    own = totals[totals["province"] == province]
    others = totals[totals["province"] != province]
    if len(own) and pd.notna(own["rank"].iloc[0]):
        r = int(own["rank"].iloc[0])
        return RankBounds(r, r, (), (r,), None, None, "published")
    tot = others["pii_score"].astype(float)
    known = np.isfinite(pii)
    up = others[tot > pii] if known else others.iloc[0:0]
    down = others[tot < pii] if known else others.iloc[0:0]
    ties = others[tot == pii] if known else others.iloc[0:0]
    ranked_up, ranked_down = up[up["rank"].notna()], down[down["rank"].notna()]
    low = max(1 + len(up), int(ranked_up["rank"].max()) + 1 if len(ranked_up) else 1)
    high = min(n - len(down), int(ranked_down["rank"].min()) - 1 if len(ranked_down) else n)
    held = {int(r) for r in others["rank"].dropna()} - {int(t) for t in ties["rank"].dropna()}
    excluded = tuple(r for r in range(low, high + 1) if r in held)
    possible = tuple(r for r in range(low, high + 1) if r not in held)
    above = _holder(ranked_up.sort_values("rank").iloc[-1]) if len(ranked_up) else None
    below = _holder(ranked_down.sort_values("rank").iloc[0]) if len(ranked_down) else None
    basis = "unknown" if not known else "inconsistent" if not possible else "bounded" if len(possible) == 1 \
        else "interval"
    return RankBounds(low, high, excluded, possible, above, below, basis)
