"""Where the shipped data lives; PII_DATA_DIR overrides it."""
from __future__ import annotations

import os
from pathlib import Path

from pii_analysis.data.errors import PiiInputError

REPO_ROOT = Path(__file__).resolve().parents[3]  # src/pii_analysis/data/paths.py -> the project


def raw_dir() -> Path:
    """data/raw of the project (or $PII_DATA_DIR)."""
    override = os.environ.get("PII_DATA_DIR")
    path = Path(override) if override else REPO_ROOT / "data" / "raw"
    if not path.is_dir():
        raise PiiInputError("data directory not found; set PII_DATA_DIR to the project's data/raw", file=path)
    return path


def raw_file(name: str) -> Path:
    return raw_dir() / name


FRAMEWORK = "pii_framework.csv"
METHOD = "pii_method.yaml"
PUBLISHED = "pii_published_results.csv"
INFERRED = "pii_inferred_positions.csv"
CROSSWALK = "province_merger_2025.csv"
ALIASES = "province_aliases.csv"
TARGETS = "province_targets.csv"
DEMO_PANEL = "demo/pii_demo_panel.csv"
DEMO_PLACEMENT = "demo/pii_demo_placement.csv"
KHANH_HOA_PROFILE = "examples/pii_profile_2025_khanh_hoa.csv"
