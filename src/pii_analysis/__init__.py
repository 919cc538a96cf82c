"""pii-analysis: scoring, rank drivers and 2030 feasibility for Vietnam's Provincial Innovation Index.

The package follows the data, one sub-package per step; a lower layer never imports a higher one
(checked by import-linter in `make test`):

- `data`: reading and validating inputs (tables, panels, published results, province names, paths);
- `index`: the index itself (framework, method, scoring engine, score tables, the loaded context,
  the demonstration-panel generator, which calibrates itself with the engine);
- `analysis`: the questions (profile, strengths, drivers, sensitivity, uncertainty, trends,
  projection, scenarios, effort, verdicts as numbers);
- `report`: what people read (page text, figures, labels, number formatting, the report run);
- `cli`: the `pii` command, one module per sub-command.

Importing the package itself is cheap: nothing heavy is imported here.
"""
from __future__ import annotations

__version__ = "0.1.0"
