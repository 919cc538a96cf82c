"""What the data layer needs to know of a framework and a method, as protocols: the readers check files
against the framework's codes and the method's node names without importing the index layer above them
(the index's `Framework` and `Method` satisfy these)."""
from __future__ import annotations

from typing import Protocol

import pandas as pd


class FrameworkShape(Protocol):
    """The framework's codes: indicators in order, pillars, and the node table (one row per code, with
    `denominator` and the bounds columns the readers check)."""

    @property
    def indicators(self) -> list[str]: ...

    @property
    def pillars(self) -> list[str]: ...

    @property
    def nodes(self) -> pd.DataFrame: ...


class MethodShape(Protocol):
    """The method's two sub-index node codes."""

    @property
    def input_node(self) -> str: ...

    @property
    def output_node(self) -> str: ...
