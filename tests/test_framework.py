"""The shipped framework's shape, and the framework file's validation."""
from __future__ import annotations

import numpy as np
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
    # an indicator of pillar 7 (3 sub-pillars; 7.1 has 3 indicators): 0.5 * 0.5 * 1/3 * 1/3
    assert ew["7.1.1"] == pytest.approx(0.5 * 0.5 / 3 / 3)
    # an indicator of pillar 1 (2 sub-pillars; 1.1 has 3 indicators, 1.2 has 4): input 0.5 * 1/5 * 1/2
    assert ew["1.1.1"] == pytest.approx(0.5 / 5 / 2 / 3) and ew["1.2.1"] == pytest.approx(0.5 / 5 / 2 / 4)
    assert fw.effective_weights("IN").sum() == pytest.approx(1.0)


def test_the_2025_structure_the_evidence_shows():
    """Pillar 1 = 1.1 (3 indicators) + 1.2 (4); pillar 2 = 2.1 Giáo dục (3) + 2.2 Nghiên cứu và phát triển."""
    fw = default_framework()
    assert fw.children["1"] == ["1.1", "1.2"] and fw.children["2"] == ["2.1", "2.2"]
    assert len(fw.children["1.1"]) == 3 and len(fw.children["1.2"]) == 4 and len(fw.children["2.1"]) == 3
    assert len(fw.children["3"]) == 2
    assert sum(len(fw.children[p]) for p in ("4", "5", "6", "7")) == 12
    names = fw.nodes["name_vi"]
    assert names["2"] == "Vốn con người và nghiên cứu" and names["2.1"] == "Giáo dục"
    assert names["1.1"] == "Môi trường chính sách" and names["1.2"] == "Môi trường kinh doanh"
    # other indices' scores carry no denominator and their real range
    for code in ("1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.2.4"):  # PCI sub-indices 0-10
        assert fw.nodes.at[code, "denominator"] == "none"
        assert (float(fw.nodes.at[code, "min_value"]), float(fw.nodes.at[code, "max_value"])) == (0, 10)
    assert fw.nodes.at["1.2.3", "denominator"] == "none" and float(fw.nodes.at["1.2.3", "max_value"]) == 100
    # equal weights at every level
    for code, kids in fw.children.items():
        if kids and code != fw.root:
            w = fw.nodes.loc[kids, "weight"].astype(float)
            assert np.allclose(w, 1 / len(kids)), code


def test_every_row_says_what_evidence_it_rests_on():
    nodes = default_framework().nodes
    inds = nodes[nodes["level"] == "indicator"]
    counts = inds["evidence"].value_counts().to_dict()
    assert counts == {"confirmed": 11, "placement assumed": 31, "working name": 10}
    assert set(nodes["evidence"]) == {"confirmed", "placement assumed", "working name"}
    sourced = nodes[nodes["evidence"].isin(["confirmed", "placement assumed"])]
    assert sourced["source"].str.contains("http").all()
    assert nodes["evidence_note"].str.len().gt(0).all()


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
