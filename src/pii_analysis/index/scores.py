"""Tidy score tables: a whole panel (or published pillar scores) scored in one call.

The result is one row per year, province and node with score and rank, plus the
record of the method used and the outlier treatment applied, so every figure in a
report can be traced to its inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pii_analysis.data.loading import Panel
from pii_analysis.index.framework import Framework
from pii_analysis.index.method import Method
from pii_analysis.index.scoring import TREAT_LOG, aggregate, rank_desc, score_arrays


@dataclass(frozen=True)
class ScoreResult:
    """Scores of every node for every province and year.

    table: year, province, node, level, score, rank (node 'efficiency' = output/input).
    treatments: year, indicator, skewness, kurtosis, treatment.
    """

    table: pd.DataFrame
    method: dict
    framework: Framework
    data_status: str = "user"
    source: str = ""
    treatments: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def years(self) -> list[int]:
        return list(self._kept(("years",), lambda: sorted(int(y) for y in self.table["year"].unique())))

    def _kept(self, key: tuple, compute):
        """compute() once per result (every section of a page asks for the same tables; the scores of a
        result never change); frames are returned as copies, so a caller may change its own."""
        from pii_analysis.data.memo import kept
        value = kept(self, key, compute)
        return value.copy() if isinstance(value, pd.DataFrame) else value

    def node_scores(self, year: int, level: str | None = None) -> pd.DataFrame:
        """provinces x nodes score matrix of one year (optionally one level)."""
        return self._kept(("node_scores", year, level), lambda: self._node_scores(year, level))

    def _node_scores(self, year: int, level: str | None) -> pd.DataFrame:
        t = self.table[self.table["year"] == year]
        if level is not None:
            t = t[t["level"] == level]
        wide = t.pivot(index="province", columns="node", values="score")
        order = [c for c in self.framework.nodes.index if c in wide.columns]
        return wide[order]

    def node_ranks(self, year: int, level: str | None = None) -> pd.DataFrame:
        return self._kept(("node_ranks", year, level), lambda: self._node_ranks(year, level))

    def _node_ranks(self, year: int, level: str | None) -> pd.DataFrame:
        t = self.table[self.table["year"] == year]
        if level is not None:
            t = t[t["level"] == level]
        wide = t.pivot(index="province", columns="node", values="rank")
        return wide[[c for c in self.framework.nodes.index if c in wide.columns]]

    def ranking(self, year: int) -> pd.DataFrame:
        """The published-style table: province, rank, pii, input, output, p1..p7, efficiency."""
        return self._kept(("ranking", year), lambda: self._ranking(year))

    def _ranking(self, year: int) -> pd.DataFrame:
        fw = self.framework
        t = self.table[self.table["year"] == year]
        score = t.pivot(index="province", columns="node", values="score")
        rank = t.pivot(index="province", columns="node", values="rank")
        inp, out = self.method["input_node"], self.method["output_node"]
        frame = pd.DataFrame({"province": score.index, "rank": rank[fw.root].to_numpy(),
                              "pii": score[fw.root].to_numpy()})
        if inp in score and out in score:
            frame["input"] = score[inp].to_numpy()
            frame["output"] = score[out].to_numpy()
        for code in fw.pillars:
            if code in score:
                frame[f"p{code}"] = score[code].to_numpy()
        if "efficiency" in score:
            frame["efficiency"] = score["efficiency"].to_numpy()
        frame = frame.dropna(subset=["pii"]).sort_values(["rank", "province"]).reset_index(drop=True)
        frame["rank"] = frame["rank"].astype(int)
        return frame


def _tidy(scores: np.ndarray, codes: list[str], years: list[int], provinces: list[str],
          framework: Framework, method: Method) -> pd.DataFrame:
    """(years, provinces, nodes) -> tidy rows with ranks per node and the efficiency ratio."""
    codes = list(codes)
    inp, out = method.input_node, method.output_node
    if inp in codes and out in codes:
        with np.errstate(divide="ignore", invalid="ignore"):
            eff = scores[..., codes.index(out)] / scores[..., codes.index(inp)]
        scores = np.concatenate([scores, eff[..., None]], axis=-1)
        codes = codes + ["efficiency"]
    ranks = rank_desc(np.moveaxis(scores, -1, -2), method.rank_decimals)  # (..., nodes, provinces)
    ranks = np.moveaxis(ranks, -1, -2)
    levels = [framework.level_of(c) if c in framework.nodes.index else "ratio" for c in codes]
    y, p, n = np.meshgrid(np.arange(len(years)), np.arange(len(provinces)), np.arange(len(codes)), indexing="ij")
    table = pd.DataFrame({
        "year": np.asarray(years)[y.ravel()],
        "province": np.asarray(provinces, dtype=object)[p.ravel()],
        "node": np.asarray(codes, dtype=object)[n.ravel()],
        "level": np.asarray(levels, dtype=object)[n.ravel()],
        "score": scores.ravel(),
        "rank": ranks.ravel(),
    })
    return table.dropna(subset=["score"]).reset_index(drop=True)


def score_panel(panel: Panel, framework: Framework, method: Method | None = None,
                years: list[int] | None = None) -> ScoreResult:
    """Score every year of a panel: each year normalised across its own provinces."""
    method = method or Method()
    years = years or panel.years
    provinces = panel.provinces()
    values, dens = panel.arrays(framework, provinces, years)
    batch = score_arrays(values, framework, method, dens)
    table = _tidy(batch.scores, batch.codes, years, provinces, framework, method)
    label = np.where(batch.treatment == TREAT_LOG, "log",
                     np.where(batch.treatment > 0, np.char.add("winsorised ", batch.treatment.astype(str)), "none"))
    yy, ii = np.meshgrid(np.arange(len(years)), np.arange(len(framework.indicators)), indexing="ij")
    treatments = pd.DataFrame({"year": np.asarray(years)[yy.ravel()],
                               "indicator": np.asarray(framework.indicators, dtype=object)[ii.ravel()],
                               "skewness": batch.skew.ravel(), "kurtosis": batch.kurtosis.ravel(),
                               "treatment": label.ravel()})
    return ScoreResult(table=table, method=method.as_dict(), framework=framework,
                       data_status=panel.data_status, source=panel.source, treatments=treatments)


def score_node_frame(frame: pd.DataFrame, framework: Framework, method: Method | None = None,
                     data_status: str = "user", source: str = "") -> ScoreResult:
    """Aggregate given node scores (e.g. the 7 published pillars) up to sub-indices and PII.

    `frame` has columns year, province and one column per node code; the codes must cut
    the tree (every indicator below exactly one of them).
    """
    method = method or Method()
    codes = [c for c in frame.columns if c not in ("year", "province")]
    years = sorted(int(y) for y in frame["year"].unique())
    provinces = list(dict.fromkeys(frame["province"]))
    full = frame.set_index(["year", "province"]).reindex(
        pd.MultiIndex.from_product([years, provinces]))[codes]
    arr = full.to_numpy(dtype=float).reshape(len(years), len(provinces), len(codes))
    scores, all_codes = aggregate(arr, framework, method, start=codes)
    table = _tidy(scores, all_codes, years, provinces, framework, method)
    return ScoreResult(table=table, method=method.as_dict(), framework=framework,
                       data_status=data_status, source=source)
