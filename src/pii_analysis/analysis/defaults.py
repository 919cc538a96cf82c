"""Default settings of the analyses, in one light module (no numpy, no pandas), so the `pii` command
can show them in its help without importing the analyses."""
from __future__ import annotations

DEFAULT_PROVINCE = "Ninh Bình"   # the province the project was started for; every command takes --province
DEFAULT_TARGET_RANK = 10
DEFAULT_TARGET_YEAR = 2030
DEFAULT_SEED = 20251001
DEFAULT_DRAWS = 1200      # every probability of a report (one set of draws: 400 per trend model)
COMPARISON_DRAWS = 500    # at most, for each scenario of the side-by-side comparison
UNCERTAINTY_DRAWS = 500   # methodological uncertainty (weights and method choices)
