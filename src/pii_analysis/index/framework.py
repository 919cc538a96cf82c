"""The index framework as data: a tree of nodes with weights, directions and denominators.

The PII's structure (52 indicators -> 18 sub-pillars -> 7 pillars -> input/output ->
PII) is read from a file, never written in code, so a user can drop in the official
framework. Validation catches cycles, orphans, bad weights and malformed rows with the
file, row and column named.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.memo import kept, share
from pii_analysis.data.tables import header_row, read_table, require_columns, row_number, to_number

REQUIRED = ("code", "parent", "level", "weight")
OPTIONAL_TEXT = ("name_vi", "name_en", "unit", "unit_en", "evidence", "source", "evidence_note")
DIRECTIONS = {"higher": 1, "+1": 1, "1": 1, "lower": -1, "-1": -1}
DENOMINATORS = ("none", "population", "enterprises", "grdp")
WEIGHT_TOLERANCE = 1e-3
# cached properties that depend on the tree only, never on the weights
STRUCTURES = "_structures"   # memo table of the weight-free aggregation shape, shared by reweighted copies
_STRUCTURE = ("children", "depth", "aggregates", "indicators", "root", "pillars", "direction", "ancestor_map")


@dataclass(frozen=True)
class Framework:
    """Validated framework. `nodes` is one row per node, indexed by code, in file order."""

    nodes: pd.DataFrame
    source: str = "<memory>"

    # --- structure -----------------------------------------------------------------
    @cached_property
    def root(self) -> str:
        return str(self.nodes.index[self.nodes["parent"] == ""][0])

    @cached_property
    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {code: [] for code in self.nodes.index}
        for code, parent in self.nodes["parent"].items():
            if parent:
                kids[parent].append(str(code))
        return kids

    @cached_property
    def indicators(self) -> list[str]:
        """Leaf codes in file order: the columns of every indicator array."""
        return [c for c in self.nodes.index if not self.children[c]]

    @cached_property
    def aggregates(self) -> list[str]:
        """Non-leaf codes, children before parents (the order of aggregation)."""
        depth = self.depth
        internal = [str(c) for c in self.nodes.index if self.children[c]]
        return sorted(internal, key=lambda c: -depth[c])

    @cached_property
    def depth(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for code in self.nodes.index:
            d, cur = 0, code
            while self.nodes.at[cur, "parent"]:
                cur = self.nodes.at[cur, "parent"]
                d += 1
            out[str(code)] = d
        return out

    def level_of(self, code: str) -> str:
        return str(self.nodes.at[code, "level"])

    def codes_at(self, level: str) -> list[str]:
        """Codes of one level ('indicator', 'subpillar', 'pillar', 'subindex', 'index')."""
        return [str(c) for c in self.nodes.index[self.nodes["level"] == level]]

    @cached_property
    def pillars(self) -> list[str]:
        return self.codes_at("pillar")

    def name(self, code: str, lang: str = "en") -> str:
        col = "name_vi" if lang == "vi" else "name_en"
        value = str(self.nodes.at[code, col]) if col in self.nodes else ""
        return value or str(code)

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... up to the root (a KeyError for an unknown code, as `nodes.at`)."""
        return list(self.ancestor_map[code])

    @cached_property
    def ancestor_map(self) -> dict[str, tuple[str, ...]]:
        """Every node's ancestors, nearest first (asked for thousands of times per report page)."""
        parent = {str(c): str(p) for c, p in self.nodes["parent"].items()}
        out: dict[str, tuple[str, ...]] = {}
        for code in parent:
            chain, cur = [], code
            while parent[cur]:
                cur = parent[cur]
                chain.append(cur)
            out[code] = tuple(chain)
        return out

    def descendant_indicators(self, code: str) -> list[str]:
        if not self.children[code]:
            return [code]
        out: list[str] = []
        for kid in self.children[code]:
            out.extend(self.descendant_indicators(kid))
        return out

    # --- weights -------------------------------------------------------------------
    @cached_property
    def weight(self) -> pd.Series:
        """Weights normalised to sum exactly to 1 within every parent."""
        w = self.nodes["weight"].astype(float)
        totals = w.groupby(self.nodes["parent"], sort=False).transform("sum")
        return (w / totals.where(totals > 0, 1.0)).rename("weight")

    def effective_weights(self, root: str | None = None) -> pd.Series:
        """Weight of each indicator in `root` (default the index): product along the path. Worked out once per
        framework and root (every page asks; a reweighted copy has its own), a copy returned."""
        root = root or self.root
        return kept(self, ("effective_weights", root), lambda: self._effective_weights(root)).copy()

    def _effective_weights(self, root: str) -> pd.Series:
        out = {}
        for ind in self.descendant_indicators(root):
            w, cur = 1.0, ind
            while cur != root:
                w *= float(self.weight[cur])
                cur = self.nodes.at[cur, "parent"]
            out[ind] = w
        return pd.Series(out, name="effective_weight")

    @cached_property
    def direction(self) -> np.ndarray:
        """+1 (higher is better) or -1 per indicator, in `indicators` order."""
        return self.nodes.loc[self.indicators, "direction"].to_numpy(dtype=float)

    def _step_structure(self, start: tuple[str, ...]) -> list[tuple[list[str], list[str], np.ndarray, np.ndarray]]:
        """Weight-free shape of the aggregation from `start`: per step (inputs, outputs,
        child-of mask inputs x outputs, input positions in `nodes`). Cached, and shared by
        reweighted copies of the framework (see `with_weights`)."""
        return kept(self, start, lambda: self._build_structure(start), store=STRUCTURES)

    def _build_structure(self, start: tuple[str, ...]) -> list[tuple[list[str], list[str], np.ndarray, np.ndarray]]:
        known = list(start)
        known_set = set(known)
        above = {a for c in known for a in self.ancestors(c)}
        todo = [c for c in self.aggregates if c in above and c not in known_set]
        parent = self.nodes["parent"]
        position = {c: i for i, c in enumerate(self.nodes.index)}
        steps = []
        while todo:
            ready = [c for c in todo if all(k in known_set for k in self.children[c])]
            if not ready:
                missing = sorted({k for c in todo for k in self.children[c] if k not in known_set and k not in todo})
                raise PiiInputError(f"cannot aggregate: scores missing for nodes {missing}", file=self.source)
            inputs = list(dict.fromkeys(k for c in ready for k in self.children[c]))
            mask = parent.loc[inputs].to_numpy()[:, None] == np.asarray(ready, dtype=object)[None, :]
            steps.append((inputs, ready, mask, np.array([position[c] for c in inputs])))
            known.extend(ready)
            known_set.update(ready)
            todo = [c for c in todo if c not in known_set]
        return steps

    def aggregation_steps(self, start: list[str] | None = None) -> list[tuple[list[str], list[str], np.ndarray]]:
        """Bottom-up steps of (input codes, output codes, weight matrix inputs x outputs).

        Each step computes every node whose children are all known, so unbalanced
        trees aggregate per node, not per level. `start` is the set of known codes
        (default: the indicators); used to score pillar-level input too. Only the
        ancestors of `start` are computed.
        """
        structure = self._step_structure(tuple(start if start is not None else self.indicators))
        w = self.weight.to_numpy(dtype=float)
        return [(inputs, outputs, mask * w[rows][:, None]) for inputs, outputs, mask, rows in structure]

    def with_weights(self, weights: pd.Series) -> Framework:
        """The same tree with other node weights (normalised within each parent).

        The copy shares this framework's weight-free structure (children, depths,
        aggregation shape), so thousands of weight draws in an uncertainty analysis
        cost a fraction of a millisecond each.
        """
        nodes = self.nodes.assign(weight=weights.reindex(self.nodes.index).to_numpy(dtype=float))
        copy = Framework(nodes=nodes, source=self.source)
        for name in _STRUCTURE:
            copy.__dict__[name] = getattr(self, name)
        share(self, copy, STRUCTURES)
        return copy

    def linear_map(self, start: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """(start codes x all codes) matrix: each node's weight on each start code.

        Arithmetic aggregation is linear, so with no missing values every node score is
        one matrix product of the start scores (all levels composed at once).
        """
        start = list(start if start is not None else self.indicators)
        return kept(self, ("linear_map", tuple(start)), lambda: self._linear_map(start))

    def _linear_map(self, start: list[str]) -> tuple[np.ndarray, list[str]]:
        composite = np.eye(len(start))
        codes = list(start)
        index = {c: i for i, c in enumerate(codes)}
        for inputs, outputs, matrix in self.aggregation_steps(start):
            block = composite[:, [index[c] for c in inputs]] @ matrix
            composite = np.hstack([composite, block])
            for c in outputs:
                index[c] = len(codes)
                codes.append(c)
        return composite, codes

    def covering(self, codes: list[str]) -> bool:
        """Whether `codes` cut the tree: every indicator has exactly one of them on its path."""
        cs = set(codes)
        for ind in self.indicators:
            hits = [c for c in [ind, *self.ancestors(ind)] if c in cs]
            if len(hits) != 1:
                return False
        return True


def load_framework(path: str | Path, sheet: str | None = None) -> Framework:
    """Read and validate a framework file (CSV or Excel)."""
    frame = read_table(path, sheet, header=REQUIRED)
    return framework_from_frame(frame, source=str(path), sheet=sheet)


def framework_from_frame(frame: pd.DataFrame, *, source: str = "<memory>",
                         sheet: str | None = None) -> Framework:
    """Validate a framework table (all cells as text) and build the Framework."""
    require_columns(frame, REQUIRED, file=source, sheet=sheet)
    df = frame.copy()
    for col in OPTIONAL_TEXT:
        if col not in df:
            df[col] = ""
    if "direction" not in df:   # "lower is better" must never turn silently into "higher is better"
        raise PiiInputError("required column is missing: say for every indicator whether 'higher' or 'lower' "
                            f"is better (columns present: {', '.join(frame.columns)})",
                            file=source, sheet=sheet, row=header_row(frame), column="direction")
    if "denominator" not in df:
        df["denominator"] = "none"
    for col in ("scale", "min_value", "max_value"):
        if col not in df:
            df[col] = ""

    def err(msg: str, i: int, col: str) -> PiiInputError:
        return PiiInputError(msg, file=source, sheet=sheet, row=row_number(df, i), column=col)

    codes = df["code"].tolist()
    for i, code in enumerate(codes):
        if code == "":
            raise err("node code is blank", i, "code")
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in seen:
            raise err(f"duplicate node code '{code}' (first at row {row_number(df, seen[code])})", i, "code")
        seen[code] = i
    parents = df["parent"].tolist()
    roots = [i for i, p in enumerate(parents) if p == ""]
    if len(roots) != 1:
        where = roots[1] if len(roots) > 1 else 0
        raise err(f"the framework needs exactly one root (blank parent); found {len(roots)}", where, "parent")
    for i, p in enumerate(parents):
        if p and p not in seen:
            raise err(f"orphan node '{codes[i]}': parent '{p}' is not defined", i, "parent")
        if p == codes[i]:
            raise err(f"node '{p}' is its own parent (cycle)", i, "parent")
    parent_of = dict(zip(codes, parents))
    for i, code in enumerate(codes):
        path, cur = [code], parent_of[code]
        while cur:
            if cur in path:
                cycle = " -> ".join([*path[path.index(cur):], cur])
                raise err(f"cycle in the framework: {cycle}", i, "parent")
            path.append(cur)
            cur = parent_of[cur]

    weights = to_number(df, "weight", file=source, sheet=sheet, allow_blank=False)
    for i, w in enumerate(weights):
        if w < 0:
            raise err(f"weight {w} is negative", i, "weight")
    df["weight"] = weights
    directions = []
    has_kids = {p for p in parents if p}
    for i, d in enumerate(df["direction"].str.lower()):
        if not d and codes[i] not in has_kids:
            raise err(f"direction of indicator '{codes[i]}' is blank; write 'higher' or 'lower'", i, "direction")
        d = d or "higher"     # aggregates: no direction of their own
        if d not in DIRECTIONS:
            raise err(f"direction '{d}' must be 'higher' or 'lower'", i, "direction")
        directions.append(DIRECTIONS[d])
    df["direction"] = directions
    dens = df["denominator"].str.lower().replace("", "none")
    for i, d in enumerate(dens):
        if d not in DENOMINATORS:
            raise err(f"denominator '{d}' must be one of {', '.join(DENOMINATORS)}", i, "denominator")
    df["denominator"] = dens
    df["scale"] = to_number(df, "scale", file=source, sheet=sheet).fillna(1.0)
    for i, v in enumerate(df["scale"]):
        if not v > 0:
            raise err(f"scale {v:g} must be positive", i, "scale")
    df["min_value"] = to_number(df, "min_value", file=source, sheet=sheet)
    df["max_value"] = to_number(df, "max_value", file=source, sheet=sheet)
    for i in range(len(df)):
        lo, hi = df["min_value"].iloc[i], df["max_value"].iloc[i]
        if pd.notna(lo) and pd.notna(hi) and lo > hi:
            raise err(f"min_value {lo} is above max_value {hi}", i, "min_value")

    for i, code in enumerate(codes):
        level = df["level"].iloc[i]
        if code in has_kids and level == "indicator":
            raise err(f"'{code}' is declared an indicator but has children", i, "level")
        if code not in has_kids and level not in ("indicator", ""):
            raise err(f"'{code}' has no children, so it must be an indicator (level is '{level}')", i, "level")
    df.loc[[c not in has_kids for c in codes], "level"] = "indicator"

    by_parent = df.groupby("parent", sort=False)["weight"].sum()
    for parent, total in by_parent.items():
        if parent and abs(total - 1.0) > WEIGHT_TOLERANCE:
            first = parents.index(parent)
            raise err(f"weights of the children of '{parent}' sum to {total:.6f}, not 1", first, "weight")
    nodes = df.set_index("code", drop=True)
    nodes.index.name = "code"
    return Framework(nodes=nodes, source=source)


def default_framework() -> Framework:
    """The shipped framework, data/raw/pii_framework.csv (or $PII_DATA_DIR's)."""
    return load_framework(paths.raw_file(paths.FRAMEWORK))
