"""The questions asked of the index: profile, strengths, drivers, sensitivity, uncertainty, trends,
projection, scenarios, effort and verdicts, as numbers and tables (no page prose)."""
