"""The one in-memory memo (data/memo.py): kept per object and key, never shared by a new object."""
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pii_analysis.data import memo
from pii_analysis.index.framework import STRUCTURES


@dataclass(frozen=True)
class Owner:
    value: int


def test_kept_computes_once_per_owner_and_key_on_a_frozen_object():
    calls = []
    a = Owner(1)
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert memo.kept(a, "k", compute) == 1 and memo.kept(a, "k", compute) == 1
    assert memo.kept(a, "other", compute) == 2
    b = replace(a)                        # an equal but new object: its own table, computed again
    assert b == a and memo.kept(b, "k", compute) == 3


def test_a_reweighted_framework_shares_its_structure_not_its_weights(ctx):
    fw = ctx.framework
    before = fw.effective_weights()
    steps = fw.aggregation_steps()
    doubled = fw.weight.copy()
    first = fw.indicators[0]
    doubled[first] *= 3
    copy = fw.with_weights(doubled)
    assert copy.__dict__[STRUCTURES] is fw.__dict__[STRUCTURES]
    assert copy.effective_weights()[first] > before[first]           # not the original's kept weights
    pd.testing.assert_series_equal(fw.effective_weights(), before)   # the original's unchanged
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(fw.aggregation_steps(), steps))
    m, codes = copy.linear_map()
    assert m.shape == (len(fw.indicators), len(codes))
    assert not np.array_equal(m, fw.linear_map()[0])
