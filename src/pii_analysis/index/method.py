"""The scoring method as configuration: each step an option with the GII/PII default.

The defaults follow WIPO's Global Innovation Index, from which the PII method was
transferred (the 2022 pilot was audited by the JRC with COINr). A YAML file can
override any option; unknown keys or values fail naming the file and the key.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError

CHOICES: dict[str, tuple[str, ...]] = {
    "denomination": ("divide", "none"),
    "missing": ("available", "mean", "median", "min", "zero"),
    "outliers": ("gii", "none"),
    "normalisation": ("minmax", "zscore", "rank"),
    "aggregation": ("arithmetic", "geometric"),
}


@dataclass(frozen=True)
class Method:
    """Every choice the scoring makes, with the GII default.

    denomination: 'divide' raw numerators by population / enterprises / GRDP (times the
        framework's `scale`) where the framework names a denominator; 'none' when the
        values are already rates.
    missing: 'available' averages the indicators a province has, re-weighting (GII: no
        imputation); 'mean'/'median'/'min' impute the year's national statistic; 'zero'
        gives a missing indicator the worst normalised score.
    outliers: 'gii' winsorises when |skewness| > skew_threshold and kurtosis >
        kurtosis_threshold (sample-adjusted, as Excel SKEW/KURT), up to max_winsorised
        points (counted as COINr counts them: ties at the extreme count each), else
        log-transforms (COINr log_CT_plus); 'none' skips the step.
    normalisation: 'minmax' to 0-100 (direction-aware); 'zscore' (mean 50, sd 10) and
        'rank' (percentile 0-100) are alternatives for sensitivity analysis.
    aggregation: weighted 'arithmetic' mean at every node; 'geometric' for sensitivity.
    rank_decimals: scores are rounded to this many decimals before ranking, so float
        noise never breaks a tie; ties share the better rank.
    input_node / output_node: framework codes of the two sub-indices; efficiency is
        output / input (the GII's Innovation Efficiency Ratio).
    """

    denomination: str = "divide"
    missing: str = "available"
    outliers: str = "gii"
    skew_threshold: float = 2.25
    kurtosis_threshold: float = 3.5
    max_winsorised: int = 5
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    rank_decimals: int = 9
    input_node: str = "IN"
    output_node: str = "OUT"

    def __post_init__(self) -> None:
        validate_method(asdict(self), source="<method>")

    def with_options(self, **changes: Any) -> "Method":
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate_method(options: dict[str, Any], *, source: str) -> None:
    known = {f.name: f.type for f in fields(Method)}
    for key, value in options.items():
        if key not in known:
            raise PiiInputError(f"unknown method option (known: {', '.join(known)})", file=source, column=key)
        if key in CHOICES and value not in CHOICES[key]:
            raise PiiInputError(f"'{value}' is not one of {', '.join(CHOICES[key])}", file=source, column=key)
    for key in ("skew_threshold", "kurtosis_threshold"):
        if key in options and not isinstance(options[key], (int, float)):
            raise PiiInputError(f"'{options[key]}' is not a number", file=source, column=key)
    for key in ("max_winsorised", "rank_decimals"):
        if key in options and (not isinstance(options[key], int) or options[key] < 0):
            raise PiiInputError(f"'{options[key]}' is not a whole number >= 0", file=source, column=key)


def load_method(path: str | Path | None = None) -> Method:
    """Method from a YAML file (missing keys keep the GII default); None gives the defaults."""
    if path is None:
        return Method()
    p = Path(path)
    if not p.exists():
        raise PiiInputError("file not found", file=p)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PiiInputError(f"not valid YAML ({exc})", file=p) from None
    if not isinstance(data, dict):
        raise PiiInputError("expected a mapping of option: value", file=p)
    options = data.get("method", data)
    validate_method(options, source=str(p))
    return Method(**options)


def default_method() -> Method:
    """The shipped method options, data/raw/pii_method.yaml (or $PII_DATA_DIR's)."""
    return load_method(paths.raw_file(paths.METHOD))
