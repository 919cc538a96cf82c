"""The package's one in-memory memo: a value computed once per object and key, kept on the object.

Whatever a page asks again and again of the same immutable data (a panel's years, a framework's weights, a
context's normalised scores) is kept in the object's own `__dict__` (frozen dataclasses too), so it lives and
dies with the object: no global table, no `id()` that a new object could reuse. Module-level functions of
hashable arguments use `functools.lru_cache` instead.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
STORE = "_memo"


def kept(owner: Any, key: Any, compute: Callable[[], T], *, store: str = STORE) -> T:
    """compute(), once per `owner` and `key` (the kept object itself is returned: callers must not change
    it). `store` names a separate table, for values another object may share (`share`)."""
    values = owner.__dict__.setdefault(store, {})
    if key not in values:
        values[key] = compute()
    return values[key]


def share(source: Any, target: Any, store: str) -> None:
    """Make `target` use `source`'s table `store` (e.g. a reweighted copy of a framework, whose weight-free
    structure is the original's)."""
    target.__dict__[store] = source.__dict__.setdefault(store, {})
