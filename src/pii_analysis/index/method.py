"""The scoring method as configuration: each step an option with the GII/PII default.

The defaults follow WIPO's Global Innovation Index, from which the PII method was
transferred (the 2022 pilot was audited by the JRC with COINr). A YAML file can
override any option; unknown keys or values fail naming the file and the key.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.tables import read_yaml

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

    def with_options(self, **changes: Any) -> Method:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# numeric options: (kind, lowest, highest) -- every value is checked for type, range and NaN
BOUNDS: dict[str, tuple[type, float, float]] = {
    "skew_threshold": (float, 0.0, 100.0),
    "kurtosis_threshold": (float, 0.0, 1000.0),
    "max_winsorised": (int, 0, 100),
    "rank_decimals": (int, 0, 15),
}
TEXT_OPTIONS = ("input_node", "output_node")


def _plain(word: str) -> str:
    return re.sub(r"[\s_-]+", "", word.lower())


def _did_you_mean(value: str, allowed: tuple[str, ...] | list[str]) -> str:
    same = [a for a in allowed if _plain(a) == _plain(value)]
    close = same or difflib.get_close_matches(str(value), list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_method(options: object, *, source: str) -> None:
    """Every option known, of the right type, inside its range and finite; errors name the key and the
    values allowed ('min-max' -> did you mean 'minmax'?)."""
    if not isinstance(options, dict):
        raise PiiInputError(f"the method options must be a mapping of option: value, got "
                            f"{'nothing' if options is None else type(options).__name__}", file=source,
                            column="method")
    known = [f.name for f in fields(Method)]
    for key, value in options.items():
        if key not in known:
            raise PiiInputError(f"unknown method option{_did_you_mean(str(key), known)} (known: {', '.join(known)})",
                                file=source, column=str(key))
        if key in CHOICES:
            if not isinstance(value, str) or value not in CHOICES[key]:
                raise PiiInputError(f"'{value}' is not one of {', '.join(CHOICES[key])}"
                                    f"{_did_you_mean(str(value), CHOICES[key])}", file=source, column=key)
        elif key in BOUNDS:
            kind, lo, hi = BOUNDS[key]
            ok_type = isinstance(value, (int, float)) and not isinstance(value, bool) and \
                (kind is float or isinstance(value, int))
            what = "a whole number" if kind is int else "a number"
            if not ok_type or not math.isfinite(value) or not lo <= value <= hi:
                raise PiiInputError(f"'{value}' is not {what} from {lo:g} to {hi:g}", file=source, column=key)
        elif key in TEXT_OPTIONS and (not isinstance(value, str) or not value.strip()):
            raise PiiInputError(f"'{value}' is not a framework node code", file=source, column=key)


def load_method(path: str | Path | None = None) -> Method:
    """Method from a YAML file (missing keys keep the GII default); None gives the defaults."""
    if path is None:
        return Method()
    p = Path(path)
    data = read_yaml(p)
    if not isinstance(data, dict):
        raise PiiInputError("expected a mapping of option: value (for example 'method:' followed by "
                            "'  normalisation: minmax')", file=p)
    options = data.get("method", data) if "method" in data else data
    validate_method(options, source=str(p))
    return Method(**options)


def default_method() -> Method:
    """The shipped method options, data/raw/pii_method.yaml (or $PII_DATA_DIR's)."""
    return load_method(paths.raw_file(paths.METHOD))
