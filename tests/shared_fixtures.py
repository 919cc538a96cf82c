"""Shared fixtures: the shipped framework, method and demonstration panel, loaded once."""
from __future__ import annotations

import numpy as np
import pytest

from pii_analysis.data.loading import load_panel
from pii_analysis.data.paths import DEMO_PANEL, raw_file
from pii_analysis.index.framework import default_framework
from pii_analysis.index.method import default_method
from pii_analysis.index.scores import score_panel


@pytest.fixture(scope="session")
def shipped():
    fw = default_framework()
    return fw, default_method(), load_panel(raw_file(DEMO_PANEL), fw)


@pytest.fixture(scope="session")
def shipped_scores(shipped):
    fw, method, panel = shipped
    return score_panel(panel, fw, method)


def assert_same_numbers(got, want, *, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Floats from two code paths agree to rounding (summation order differs between machines and SIMD
    widths): a relative and absolute tolerance of 1e-12 still catches any wrong number, and missing values
    must sit in the same places. Ranks and printed figures are compared exactly elsewhere."""
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol, equal_nan=True)
