"""Which years may feed a trend, a "change since" or a history-based rate: never generated ones.

The demonstration panel's years are all generated (`Panel.generated_years`), so on it no trend, change or
historical pace is known: the projection then runs the random walk alone, its spread calibrated on the
published record only (`calibration`), and the pages say the trend is not known. A user's own panel with two
or more observed years up to the base year gives its history back.
"""
from __future__ import annotations


def history_years(ctx, base: int | None = None) -> list[int]:
    """The years up to `base` (default the latest) a history-based figure may use: the panel's observed years
    when the base year and at least one earlier year are observed, else the base year alone (the starting
    point, with no history)."""
    base = ctx.check_year(base)
    observed = ctx.panel.observed_years(up_to=base)
    return observed if base in observed and len(observed) >= 2 else [base]


def history_known(ctx, base: int | None = None) -> bool:
    """Whether the panel holds an observed history up to `base` (two or more observed years)."""
    return len(history_years(ctx, base)) >= 2


def previous_observed(ctx, year: int) -> int | None:
    """The last year before `year` whose change to `year` may be shown (both observed), else None."""
    earlier = [y for y in history_years(ctx, year) if y < year]
    return earlier[-1] if earlier else None
