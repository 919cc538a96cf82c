"""Seeded generator of the DEMONSTRATION indicator panel (not official data).

Official indicator values of the PII are not public, so the project ships a panel made
here: raw values for the 34 provinces x 52 indicators for 2023-2025 (plus population,
enterprises and GRDP denominators). It is built so that the project's own pipeline
reproduces every published 2025 figure exactly (total, rank, input/output and pillar
scores where published, national pillar extremes) and places Ninh Bình where its plan
implies (14th, inferred). Everything else is a seeded draw, and every row says so.

How: (1) fix the 2025 PII of all 34 provinces: published totals, published or inferred
ranks, and seeded draws for the rest inside the gaps the published ones leave;
(2) draw pillar scores around each total and project them onto the published
constraints; (3) draw indicator scores around the pillar scores, pin one province at 0
and one at 100 per indicator (min-max normalisation needs both), and project each
province's scores onto its pillar scores; (4) invert the pipeline: scores -> raw rates
(linear; in patent-like columns the leader gets an extreme value that the GII rule
winsorises back to the runner-up, who shares the score 100) -> numerators x denominators; (5) earlier
years go back from 2025 one year at a time: each year's normalised scores differ from the next year's by
a seeded yearly change (a persistent province trend and a shock with a province-wide, a pillar and an
indicator part, so the changes accumulate like a random walk), sized so that the spread of one-year PII
changes across provinces matches the published record's (`data.record.pooled_spread`; a demonstration
choice, stated in the data's source column). The result is verified by scoring it with the real pipeline.

Run `python -m pii_analysis.demo --write` to regenerate data/raw/demo/.
"""
from __future__ import annotations

from pii_analysis.demo.figures import FIGURE_COLUMNS, check_figures, published_figures
from pii_analysis.demo.generate import DemoPanel, generate
from pii_analysis.demo.settings import DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "FIGURE_COLUMNS", "DemoPanel", "check_figures", "generate", "published_figures"]
