"""One set of draws per report (common random numbers): every section asks here for its projection.

A report (a notebook page, `pii feasibility`) makes one `ReportDraws` and passes it to every section:
the headline and milestone table (`verdict.assess`), the scenario comparison
(`verdict.scenario_comparison`), the effort plan's probability check and the explorer's start
position. All use the same seed and the same number of draws, the baseline is the run's shared
projection, and each scenario is projected once and kept, so the same event always prints the same
probability, whichever section shows it.

API for other sections (e.g. the effort plan, issue 11):

    draws = report_draws(ctx, base_year=..., target_year=2030, n_draws=..., seed=...)
    draws.projection(scenario, province)          # a Projection, computed once per scenario
    draws.probability(province, rank, year=None, scenario=None)   # P(rank <= `rank` in `year`)
    draws.summary(province, rank, year=None, scenario=None)       # p, lo, hi (model range), mc_error
    draws.checked(minimum_effort_plan(..., n_draws=0))            # the plan with its probability from here
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pii_analysis.analysis.defaults import DEFAULT_DRAWS, DEFAULT_SEED
from pii_analysis.analysis.projection import Projection, check_settings, project, shared_projection
from pii_analysis.analysis.scenarios import Scenario, load_scenario


@dataclass
class ReportDraws:
    """The draws of one report: settings and the projections made so far (by scenario and province)."""

    ctx: object
    base_year: int
    target_year: int
    n_draws: int
    seed: int
    _kept: dict = field(default_factory=dict, repr=False)

    def scenario(self, spec, province: str | None = None) -> Scenario:
        return load_scenario(spec, self.ctx, province=province, base_year=self.base_year)

    def projection(self, spec=None, province: str | None = None) -> Projection:
        """The projection under a scenario (None/'baseline': the run's shared baseline), made once."""
        sc = self.scenario(spec, province)
        baseline = not sc.changes and sc.volatility == 1.0 and sc.delivery is None
        key = ("baseline",) if baseline else (sc.name, sc.changes, sc.volatility, sc.delivery, province)
        if key not in self._kept:
            if baseline:
                self._kept[key] = shared_projection(self.ctx, base_year=self.base_year, target_year=self.target_year,
                                                    n_draws=self.n_draws, seed=self.seed)
            else:
                self._kept[key] = project(self.ctx, province=province, scenario=sc, base_year=self.base_year,
                                          target_year=self.target_year, n_draws=self.n_draws, seed=self.seed)
        return self._kept[key]

    def probability(self, province: str, rank: int, year: int | None = None, scenario=None) -> float:
        """P(province's rank <= `rank` in `year` (default the target year)) under the scenario."""
        proj = self.projection(scenario, province)
        return proj.p_rank_at_most(province, rank, year or self.target_year)

    def checked(self, plan):
        """An effort plan (effort.EffortPlan) with its probability from these draws (compute the plan with
        n_draws=0, then check it here: the scenario comparison then prints the same value)."""
        import dataclasses

        p = self.probability(plan.province, plan.target_rank, plan.target_year, scenario=plan.scenario)
        return dataclasses.replace(plan, probability=p)

    def summary(self, province: str, rank: int, year: int | None = None, scenario=None) -> dict[str, float]:
        """The probability with its range across the trend models and its Monte Carlo error."""
        proj = self.projection(scenario, province)
        return proj.p_summary(province, rank, year or self.target_year)


def report_draws(ctx, *, base_year: int | None = None, target_year: int = 2030, n_draws: int = DEFAULT_DRAWS,
                 seed: int = DEFAULT_SEED) -> ReportDraws:
    """The one set of draws of a report, settings checked."""
    base = check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    return ReportDraws(ctx=ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)
