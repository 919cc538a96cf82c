"""Test helpers that are not fixtures (the fixtures are in conftest.py)."""
from __future__ import annotations

import numpy as np


def assert_same_numbers(got, want, *, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Floats from two code paths agree to rounding (summation order differs between machines and SIMD
    widths): a relative and absolute tolerance of 1e-12 still catches any wrong number, and missing values
    must sit in the same places. Ranks and printed figures are compared exactly elsewhere."""
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol, equal_nan=True)
