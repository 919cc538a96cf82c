"""Everything an analysis needs, loaded and validated once: framework, method, panel, scores.

Notebooks and the CLI call `load_context` and the `check_*` helpers, so parameter
errors read the same everywhere ("unknown province 'Ninh Bin'; closest: Ninh Bình").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.loading import Panel, default_resolver, load_panel
from pii_analysis.data.provinces import ProvinceResolver
from pii_analysis.data.shapes import DATA_LEVELS, PLAN_KINDS, level_answer
from pii_analysis.data.tables import check_readable
from pii_analysis.index.framework import Framework, load_framework
from pii_analysis.index.method import Method, load_method
from pii_analysis.index.scores import ScoreResult, score_panel


__all__ = ["DATA_LEVELS", "Context", "load_context", "resolve_data_path"]


@dataclass(frozen=True)
class Context:
    framework: Framework
    method: Method
    panel: Panel
    scores: ScoreResult
    resolver: ProvinceResolver

    @property
    def data_status(self) -> str:
        return self.panel.data_status

    @property
    def data_level(self) -> str:
        """Which of the three data levels this context holds (see DATA_LEVELS): a full panel."""
        return "panel"

    def answers(self, question: str) -> str | None:
        """What the panel answers (data.shapes.ANSWERS: everything); its history is 'generated' when the
        panel has fewer than two observed years (the demonstration panel: no trend or change is shown)."""
        answer = level_answer("panel", question)
        if question == "history" and len(self.panel.observed_years()) < 2:
            return "generated"
        return answer

    @property
    def plan_kinds(self) -> tuple[str, ...]:
        return PLAN_KINDS["panel"]

    def province_note(self, name: str) -> str:
        """'Hà Nam → Ninh Bình (merged 2025)' when a pre-2025 name was given, else ''."""
        return self.resolver.merger_note(name)

    def check_province(self, name: str) -> str:
        """Canonical name of a province present in the data (pre-2025 names map to today's province)."""
        province = self.resolver.resolve(name, map_old=True, column="province")
        if province not in self.panel.provinces():
            raise PiiInputError(f"province '{province}' has no data in {self.panel.source}", column="province")
        return province

    def check_year(self, year: int | None) -> int:
        """The year, or the latest year of the data when None."""
        years = self.panel.years
        if year is None:
            return years[-1]
        if not isinstance(year, int) or year not in years:
            raise PiiInputError(f"year {year!r} is not in the data (years: {', '.join(map(str, years))})",
                                column="year")
        return year

    def check_rank(self, rank: int, name: str = "target_rank") -> int:
        n = len(self.panel.provinces())
        if not isinstance(rank, int) or not 1 <= rank <= n:
            raise PiiInputError(f"{name} must be a whole number from 1 to {n}, got {rank!r}", column=name)
        return rank


def resolve_data_path(data_path: str | Path | None) -> Path:
    """The user's file, or the shipped demonstration panel."""
    return Path(data_path) if data_path else paths.raw_file(paths.DEMO_PANEL)


@lru_cache(maxsize=4)
def _load(data: str, mtime: float, framework: str, method: str, sheet: str | None,
          decimal: str | None = None) -> Context:
    fw = load_framework(framework)
    m = load_method(method)
    for key in ("input_node", "output_node"):
        code = getattr(m, key)
        if code not in fw.nodes.index:
            raise PiiInputError(f"'{code}' is not a node of the framework {framework}", file=method, column=key)
    resolver = default_resolver()
    panel = load_panel(data, fw, resolver=resolver, sheet=sheet, decimal=decimal)
    if len(panel.provinces()) < 2:
        raise PiiInputError(f"the data hold {len(panel.provinces())} province; ranks and scores compare "
                            "provinces, so at least two are needed", file=data, column="province")
    for year in panel.years:   # a mistyped year cell makes a year of one province: nothing to normalise against
        held = panel.provinces(year)
        if len(held) < 2:
            raise PiiInputError(f"year {year} holds only {', '.join(held)}; every year needs at least two "
                                "provinces (is a year cell mistyped?)", file=data, column="year")
    return Context(framework=fw, method=m, panel=panel, scores=score_panel(panel, fw, m), resolver=resolver)


def load_context(data_path: str | Path | None = None, *, framework_path: str | Path | None = None,
                 method_path: str | Path | None = None, sheet: str | None = None,
                 decimal: str | None = None) -> Context:
    """Load, validate and score; cached per file (and its modification time).

    `sheet` chooses a workbook's sheet; `decimal` ('.' or ',') the decimal mark of the numbers
    (default: decided per column from its cells)."""
    data = check_readable(resolve_data_path(data_path))
    fw = Path(framework_path) if framework_path else paths.raw_file(paths.FRAMEWORK)
    m = Path(method_path) if method_path else paths.raw_file(paths.METHOD)
    return _load(str(data), data.stat().st_mtime, str(fw), str(m), sheet, decimal)
