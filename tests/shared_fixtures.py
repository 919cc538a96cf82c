"""Shared fixtures: the shipped framework, method and demonstration panel, loaded once."""
from __future__ import annotations

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
