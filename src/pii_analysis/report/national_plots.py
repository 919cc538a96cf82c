"""Charts of the national picture: all provinces in rank order (one highlighted; page 01 shows it as a
table, profile_text.ranking_view) and the socio-economic regions. Each returns a PngFigure (one PNG with
alt text) drawn from the tables of `pii_analysis.analysis.national`."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pii_analysis.report.formatting import decimal_ticks, fmt_num
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.profile_plots import (
    COLOURS,
    DPI,
    LABEL_PAD,
    TITLE,
    TITLE_CHAR,
    TITLE_LINE,
    PngFigure,
    _no_ylabel,
    fixed_margins,
    label_width,
    offset_text,
    row_labels,
)

TEXT: Table = catalog("national_plots.TEXT")


def ranking_chart(ranking: pd.DataFrame, year: int, lang: str = "vi", province: str | None = None) -> Figure:
    """Horizontal bars of every province's PII in rank order (rank 1 on top), `province` in red.
    `ranking` has province, rank, pii (national.ranking_with_change)."""
    check_lang(lang)
    rows = ranking.sort_values(["rank", "province"]).iloc[::-1].reset_index(drop=True)
    n = len(rows)
    fig = PngFigure(figsize=(8, 0.2 * n + 1.3), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)
    own = (rows["province"] == province).to_numpy()
    ax.barh(y, rows["pii"], color=np.where(own, COLOURS["province"], "#85929e"), height=0.72)
    for yi, (v, mine) in enumerate(zip(rows["pii"], own)):
        ax.annotate(fmt_num(v, lang, 1), (v, yi), xytext=(2, 0), textcoords="offset points", va="center",
                    fontsize=7, fontweight="bold" if mine else "normal")
    labels = [f"{int(r)}. {p}" for r, p in zip(rows["rank"], rows["province"])]
    ax.set_yticks(y, labels, fontsize=8)
    for tick, mine in zip(ax.get_yticklabels(), own):
        if mine:
            tick.set_color(COLOURS["province"])
            tick.set_fontweight("bold")
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, float(rows["pii"].max()) * 1.1)
    ax.set_xlabel(text(TEXT, "pii", lang))
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)
    ax.spines[["top", "right"]].set_visible(False)
    if province is not None and own.any():
        title = text(TEXT, "ranking_title_one", lang, year=year, n=n, province=province,
                     rank=int(rows.loc[own, "rank"].iloc[0]))
    else:
        title = text(TEXT, "ranking_title", lang, year=year, n=n)
    ax.set_title(title, **TITLE)
    return fig


def region_chart(ranking: pd.DataFrame, regions: pd.DataFrame, year: int, lang: str = "vi",
                 province: str | None = None) -> Figure:
    """One row per region: every province as a dot (the province in red), the regional mean as a bar."""
    check_lang(lang)
    name = "region_vi" if lang == "vi" else "region_en"
    joined = ranking.merge(regions[["province", name]].rename(columns={name: "region"}), on="province")
    means = joined.groupby("region")["pii"].mean().sort_values()
    order = means.index.tolist()
    left = label_width(order, 9) + LABEL_PAD
    title = textwrap.fill(text(TEXT, "regions_title", lang, year=year), int((8 - left) / TITLE_CHAR))  # within the axes
    fig = PngFigure(figsize=(8, 0.55 * len(order) + 1.4), dpi=DPI)
    fixed_margins(fig, left=left, bottom=0.5, top=0.08 + TITLE_LINE * (title.count("\n") + 1))
    ax = fig.add_subplot()
    ax.barh(np.arange(len(order)), means.to_numpy(), color="#d6eaf8", height=0.6, zorder=1)
    ys = joined["region"].map({r: i for i, r in enumerate(order)}).to_numpy()
    ax.scatter(joined["pii"], ys, s=22, color="#5d6d7e", zorder=2)
    mine = (joined["province"] == province).to_numpy()
    if mine.any():
        x, yi = float(joined.loc[mine, "pii"].iloc[0]), int(ys[mine][0])
        ax.scatter([x], [yi], s=70, color=COLOURS["province"], zorder=3)
        offset_text(ax, x, yi, province, dy=7, ha="center", fontsize=8, color=COLOURS["province"],
                    fontweight="bold")
    row_labels(ax, range(len(order)), order)
    ax.set_ylim(-0.6, len(order) - 0.2)
    lo, hi = float(joined["pii"].min()), float(joined["pii"].max())
    ax.set_xlim(max(0.0, lo - 5), hi + 5)
    ax.set_xlabel(text(TEXT, "pii", lang))
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, **TITLE)
    return fig
