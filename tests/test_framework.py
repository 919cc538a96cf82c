"""The shipped framework's shape, and the framework file's validation."""
from __future__ import annotations

import pandas as pd
import pytest

from pii_analysis.index.framework import default_framework, load_framework


def test_shipped_framework_has_the_pii_2025_shape():
    fw = default_framework()
    assert len(fw.indicators) == 52
    assert len(fw.codes_at("subpillar")) == 18
    assert fw.pillars == [str(k) for k in range(1, 8)]
    assert fw.children["IN"] == ["1", "2", "3", "4", "5"] and fw.children["OUT"] == ["6", "7"]
    assert fw.children["PII"] == ["IN", "OUT"]


def test_effective_weights_sum_to_one_and_follow_the_tree():
    fw = default_framework()
    ew = fw.effective_weights()
    assert ew.sum() == pytest.approx(1.0)
    # an indicator of pillar 7 (5 indicators in 2 sub-pillars): 0.5 * 0.5 * 0.5 * 1/3
    assert ew["7.1.1"] == pytest.approx(0.5 * 0.5 * 0.5 / 3)
    assert fw.effective_weights("IN").sum() == pytest.approx(1.0)


def test_every_row_says_whether_its_name_is_confirmed():
    nodes = default_framework().nodes
    assert set(nodes["evidence"]) == {"confirmed", "unconfirmed"}
    confirmed = nodes[nodes["evidence"] == "confirmed"]
    assert (confirmed["source"].str.startswith("http")).all()
    inds = nodes[nodes["level"] == "indicator"]
    assert (inds["evidence"] == "confirmed").sum() == 24
    unconfirmed = inds[inds["evidence"] == "unconfirmed"]
    assert unconfirmed["evidence_note"].str.contains("working name|named PII data source|not public|title unknown").all()


def test_official_framework_can_be_swapped_in_without_code(tmp_path):
    """A user's framework with other codes, depth and weights scores through the same engine."""
    rows = [("TOTAL", "", "index", 1, ""), ("IN", "TOTAL", "subindex", 0.5, ""), ("OUT", "TOTAL", "subindex", 0.5, ""),
            ("x1", "IN", "indicator", 0.7, "higher"), ("x2", "IN", "indicator", 0.3, "lower"),
            ("y1", "OUT", "indicator", 1, "higher")]
    path = tmp_path / "official.csv"
    pd.DataFrame(rows, columns=["code", "parent", "level", "weight", "direction"]).to_csv(path, index=False)
    fw = load_framework(path)
    assert fw.indicators == ["x1", "x2", "y1"]
    assert fw.effective_weights().to_dict() == pytest.approx({"x1": 0.35, "x2": 0.15, "y1": 0.5})
