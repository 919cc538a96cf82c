"""The published figures the panel must reproduce, and the check that scores the panel with the real
pipeline and says, figure by figure, which are met, which are not used and why."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pii_analysis.data import paths
from pii_analysis.data.loading import load_published
from pii_analysis.index.framework import Framework, default_framework
from pii_analysis.demo.profiles import shipped_profiles
from pii_analysis.demo.settings import STATUS


FIGURE_COLUMNS = ("rank", "pii_score", "input_score", "output_score", *(f"p{k}" for k in range(1, 8)),
                  *(f"p{k}_rank" for k in range(1, 8)))


def published_figures(framework: Framework | None = None, published: Path | None = None) -> pd.DataFrame:
    """Every published (or inferred) figure in data/raw/, one row each: year, province, measure, value,
    status, source and whether the generator uses it (`used`) or why not (`reason`).

    Sources: pii_published_results.csv (ranks, totals, sub-indices, pillar scores and ranks),
    pii_inferred_positions.csv (national pillar extremes, implied positions) and the shipped
    profiles (sub-pillar scores, national minima and maxima, raw values)."""
    framework = framework or default_framework()
    rows = []
    pub = load_published(published)
    for _, r in pub.iterrows():
        for col in FIGURE_COLUMNS:
            if col in r and pd.notna(r[col]):
                if r["status"] != "published":
                    reason = f"status '{r['status']}' (not used)"
                elif int(r["n_provinces"]) != 34:
                    reason = "63-province map before the 2025 merger (not comparable with the 34-province panel)"
                else:
                    reason = ""
                rows.append((int(r["year"]), r["province"], col, float(r[col]), r["status"], r["source_url"], reason))
    inferred = pd.read_csv(paths.raw_file(paths.INFERRED))
    for _, r in inferred.iterrows():
        rows.append((int(r["year"]), r["province"], str(r["measure"]), float(r["value"]), r["status"], r["source"], ""))
    for prof in shipped_profiles(framework):
        for code, r in prof.rows.iterrows():
            level = r["level"]
            for col, suffix in (("value", "value" if level == "indicator" else "score"), ("national_min", "min"),
                                ("national_max", "max")):
                if pd.notna(r[col]):
                    rows.append((prof.year, prof.province if suffix in ("value", "score") else "*",
                                 f"{code} {suffix}", float(r[col]), "published", prof.source, ""))
    out = pd.DataFrame(rows, columns=["year", "province", "measure", "value", "status", "source", "reason"])
    out["used"] = out["reason"] == ""
    return out


def _measured(row: pd.Series, scores, rates: pd.DataFrame) -> float:
    """The figure as the pipeline computes it on the generated panel."""
    year, prov, m = int(row["year"]), row["province"], row["measure"]
    ranking = scores.ranking(year).set_index("province")
    named = {"pii_score": "pii", "input_score": "input", "output_score": "output"}
    if m in named or m == "rank" or (m.startswith("p") and m[1:].isdigit()):
        return float(ranking.at[prov, named.get(m, m)])
    if m.startswith("p") and m.endswith("_rank"):
        return float(scores.node_ranks(year, "pillar").at[prov, m[1:-5]])
    if m.startswith("p") and m.endswith(("_min", "_max")):
        col = "p" + m[1:-4]
        return float(ranking[col].max() if m.endswith("max") else ranking[col].min())
    code, kind = m.split(" ")
    level = "indicator" if kind == "value" else str(scores.table.loc[scores.table["node"] == code, "level"].iloc[0])
    if kind == "value":
        return float(rates.at[(year, prov), code])
    if kind == "score":
        return float(scores.node_scores(year, level).at[prov, code])
    values = rates.xs(year, level="year")[code] if level == "indicator" else scores.node_scores(year, level)[code]
    return float(values.max() if kind == "max" else values.min())


def check_figures(panel: pd.DataFrame, framework: Framework | None = None, published: Path | None = None) -> pd.DataFrame:
    """Score a generated panel (long rows) with the pipeline and compare it with every used
    published figure: `measured`, `ok` (to 0.01: rounds to the published figure)."""
    from pii_analysis.data.loading import Panel
    from pii_analysis.index.method import default_method
    from pii_analysis.index.scores import score_panel

    framework = framework or default_framework()
    dens_names = ["population", "enterprises", "grdp"]
    values = panel[~panel["indicator"].isin(dens_names)]
    dens = panel[panel["indicator"].isin(dens_names)].pivot_table(
        index=["year", "province"], columns="indicator", values="value").reset_index()
    scores = score_panel(Panel(values=values[["year", "province", "indicator", "value"]], denominators=dens,
                               source="generated", data_status=STATUS), framework, default_method())
    wide = values.pivot_table(index=["year", "province"], columns="indicator", values="value")
    d = dens.set_index(["year", "province"])
    nodes = framework.nodes
    rates = wide.copy()
    for code in framework.indicators:
        kind = nodes.at[code, "denominator"]
        if kind != "none":
            rates[code] = wide[code] / d[kind] * float(nodes.at[code, "scale"])
    figures = published_figures(framework, published)
    used = figures[figures["used"]].copy()
    used["measured"] = [_measured(r, scores, rates) for _, r in used.iterrows()]
    tol = np.where(used["measure"].str.endswith("rank") | (used["measure"] == "rank"), 0.0, 0.005 + 1e-9)
    used["ok"] = (used["measured"] - used["value"]).abs() <= tol
    return pd.concat([used, figures[~figures["used"]]], ignore_index=True)
