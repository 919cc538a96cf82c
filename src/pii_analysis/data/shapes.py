"""What the data layer needs to know of a framework and a method, as protocols: the readers check files
against the framework's codes and the method's node names without importing the index layer above them
(the index's `Framework` and `Method` satisfy these)."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd


class FrameworkShape(Protocol):
    """The framework's codes: indicators in order, pillars, and the node table (one row per code, with
    `denominator` and the bounds columns the readers check)."""

    @property
    def indicators(self) -> list[str]: ...

    @property
    def pillars(self) -> list[str]: ...

    @property
    def nodes(self) -> pd.DataFrame: ...


class MethodShape(Protocol):
    """The method's two sub-index node codes."""

    @property
    def input_node(self) -> str: ...

    @property
    def output_node(self) -> str: ...


# --- the data levels ------------------------------------------------------------------------------
#: the three data levels an analysis can run at, most to least detailed
DATA_LEVELS = ("panel", "profile", "published")

#: what each level can answer and how exactly (None: it cannot). The questions:
#: scores (node scores), rank, indicators (every province's indicator values), totals (every province's
#: PII total), history (several years on one framework), drivers, levers, projection (of the province's
#: own total or rank), rank_projection (every province simulated), plan (the province's targets judged).
#: A level may refine its answer from its data (a profile's rank is 'exact' or 'interval').
ANSWERS: dict[str, dict[str, str | None]] = {
    "panel": {"scores": "exact", "rank": "exact", "indicators": "exact", "totals": "exact", "history": "exact",
              "drivers": "points", "levers": "ranked", "projection": "draws", "rank_projection": "draws",
              "plan": "judged"},
    "profile": {"scores": "computed", "rank": "interval", "indicators": None, "totals": None, "history": None,
                "drivers": "units", "levers": "profile", "projection": "band", "rank_projection": None,
                "plan": "judged"},
    "published": {"scores": "published", "rank": "interval", "indicators": None, "totals": None, "history": None,
                  "drivers": None, "levers": None, "projection": "band", "rank_projection": None,
                  "plan": "judged"},
}
QUESTIONS = tuple(ANSWERS["panel"])

#: the target kinds (data.targets.KINDS) each level can judge: below the panel no national means
PLAN_KINDS: dict[str, tuple[str, ...]] = {
    "panel": ("rank", "group_rank", "pillars_above_national_mean", "indicators_above_national_mean_share",
              "indicator", "score"),
    "profile": ("rank", "group_rank", "indicator", "score"),
    "published": ("rank", "group_rank", "score"),
}


def level_answer(level: str, question: str) -> str | None:
    """What `level` answers to `question` by default (ANSWERS); a clear error for an unknown one."""
    if level not in ANSWERS:
        raise KeyError(f"unknown data level '{level}' (one of {', '.join(DATA_LEVELS)})")
    if question not in ANSWERS[level]:
        raise KeyError(f"unknown question '{question}' (one of {', '.join(QUESTIONS)})")
    return ANSWERS[level][question]


@runtime_checkable
class DataLevel(Protocol):
    """The data an analysis or a page runs on, at one of DATA_LEVELS, decided once where the file is read
    (`analysis.data_level.open_data`) and passed down: `index.context.Context` (panel),
    `analysis.profile_level.ProfileResult` (profile) and `PublishedResult` (published) satisfy it.

    `answers(question)` says whether and how exactly the level answers a question of QUESTIONS ('exact',
    'interval', 'units', 'band', ...; None: it cannot); `plan_kinds` the target kinds it can judge."""

    @property
    def data_level(self) -> str: ...

    @property
    def data_status(self) -> str: ...

    def answers(self, question: str) -> str | None: ...

    @property
    def plan_kinds(self) -> tuple[str, ...]: ...
