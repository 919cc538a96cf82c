"""Figures of the province profile, drawn from the tables of `pii_analysis.analysis.profile`.

Each function takes a profile table and returns a matplotlib Figure (no pyplot state),
so a notebook shows it with `display(fig)` and the report embeds it as one PNG.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from pii_analysis.report.i18n import Table, catalog, check_lang, text

DPI = 96
COLOURS = {"province": "#c0392b", "national": "#7f8c8d", "top10": "#2471a3",
           "top": "#1e8449", "middle": "#b7950b", "bottom": "#c0392b", "other": "#d5d8dc"}

TEXT: Table = catalog("profile_plots.TEXT")


class PngFigure(Figure):
    """A Figure that shows itself as one PNG wherever IPython displays it (JupyterLab, papermill,
    nbconvert), with or without pyplot's inline backend, so reports embed images, never scripts."""

    alt: str = ""          # alt text; by default the figure's title(s)

    def _repr_png_(self) -> tuple[bytes, dict[str, str]]:
        return png_bytes(self), {"alt": alt_text(self)}


def alt_text(fig: Figure) -> str:
    """What a screen reader says for a figure: its `alt` if set, else its title(s) in one line."""
    if getattr(fig, "alt", ""):
        return fig.alt
    titles = [fig.get_suptitle()]
    titles += [ax.get_title(loc) for ax in fig.axes for loc in ("center", "left", "right")]
    return " ".join(" ".join(t for t in titles if t.strip()).split())


def data_uri(fig: Figure) -> str:
    """The figure as a PNG data URI, for the pages the project writes itself (templates)."""
    import base64
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")


PNG_COMPRESS_LEVEL = 1   # zlib level of Pillow's PNG writer: charts are flat areas, level 1 is fast and small


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG: matplotlib's own savefig (stock Agg canvas, Pillow writing at PNG_COMPRESS_LEVEL)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


# Speed: matplotlib places an automatic title or axis label by measuring every tick label, on each of
# the two draws of a save (layout, then render): a third of a chart's time with 52 labels. The
# charts therefore give the title an explicit y (TITLE, the same place: no tick labels sit on top)
# and, having no y-axis label, pin that empty label (`_no_ylabel`).
TITLE = {"loc": "left", "fontsize": 12, "y": 1.0}


def _no_ylabel(ax) -> None:
    ax.yaxis.set_label_coords(0, 0.5)


# Speed: constrained layout measures every artist of a chart twice per draw to find the margins, ~40% of
# its drawing. The charts below have one axes whose surroundings are known (tick labels, axis label,
# title, a legend at the bottom), so they get fixed margins in inches instead, the left one from the
# width of their widest row label (measured with a stock Agg renderer).
LABEL_PAD = 0.2        # inches beside a row label: the figure edge, the tick and its pad
TITLE_LINE = 0.2       # inches of one line of a 12-pt title
TITLE_CHAR = 0.1       # inches per character of a 12-pt title, at most (to wrap it within the axes)


def label_width(labels, fontsize: float) -> float:
    """Width in inches of the widest of `labels` in the default font at `fontsize`."""
    from matplotlib.font_manager import FontProperties

    renderer, prop = RendererAgg(1, 1, DPI), FontProperties(size=fontsize)
    return max((renderer.get_text_width_height_descent(str(s), prop, False)[0] for s in labels), default=0.0) / DPI


def fixed_margins(fig: Figure, *, left: float, bottom: float, top: float, right: float = 0.12) -> None:
    """Place the figure's axes with these margins (inches) instead of a layout engine."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h)


def offset_text(ax, x: float, y: float, label: str, dx: float = 0, dy: float = 0, **kw):
    """A text at data point (x, y) moved by (dx, dy) points: what `annotate` with offset points draws, as a
    plain text (an annotation also checks and measures its anchor and arrow on every draw)."""
    from matplotlib.transforms import offset_copy

    return ax.text(x, y, label, transform=offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points"), **kw)


ROW_LABEL = "row-label"   # the gid of the row labels (tests find them by it)


def row_labels(ax, y, labels, fontsize: float = 9, gap: float = 7.0) -> None:
    """Labels of the rows at `y` left of the axes where tick labels sit (`gap` points away: 7 = tick 3.5 + pad
    3.5), as plain texts with gid ROW_LABEL; the y axis then has no ticks. A tick label is a tick of five
    artists (marks, grid line, texts), each made by copying the first and updated on every draw."""
    from matplotlib.transforms import offset_copy

    ax.set_yticks([])
    where = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, x=-gap, units="points")
    for yi, label in zip(y, labels):
        ax.text(0, yi, label, transform=where, ha="right", va="center_baseline", fontsize=fontsize, clip_on=False,
                gid=ROW_LABEL)


def _short(name: str, width: int = 48) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def comparison_chart(frame: pd.DataFrame, province: str, year: int, lang: str = "vi",
                     level: str = "pillar") -> Figure:
    """Dot chart: the province's score at each node against the national and Top-10 averages.

    `frame` is `profile.node_comparison(...)` (code, name, score, national_avg, top10_avg).
    """
    check_lang(lang)
    rows = frame.iloc[::-1]
    labels = [f"{c}  {_short(n)}" for c, n in zip(rows["code"], rows["name"])]
    fig = PngFigure(figsize=(9, 0.42 * len(rows) + 1.3), dpi=DPI)
    fixed_margins(fig, left=label_width(labels, 9) + LABEL_PAD, bottom=0.85, top=0.08 + TITLE_LINE, right=0.2)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    lo = rows[["score", "national_avg", "top10_avg"]].min(axis=1)
    hi = rows[["score", "national_avg", "top10_avg"]].max(axis=1)
    ax.hlines(y, lo, hi, color="#e5e7e9", lw=5, zorder=1)
    ax.scatter(rows["national_avg"], y, marker="|", s=220, lw=2.5, color=COLOURS["national"], zorder=2,
               label=text(TEXT, "national", lang))
    ax.scatter(rows["top10_avg"], y, marker="D", s=40, color=COLOURS["top10"], zorder=3,
               label=text(TEXT, "top10", lang))
    ax.scatter(rows["score"], y, marker="o", s=80, color=COLOURS["province"], zorder=4, label=province,
               clip_on=False)    # a score of 0 or 100 sits on the axis edge: draw the whole dot
    for yi, (s, r) in enumerate(zip(rows["score"], rows["rank"])):
        offset_text(ax, s, yi, f"#{int(r)}", dy=7, ha="center", fontsize=8, color=COLOURS["province"])
    row_labels(ax, y, labels)
    ax.set_xlabel(text(TEXT, "score_axis", lang))
    _no_ylabel(ax)
    ax.set_xlim(max(0, float(lo.min()) - 8), min(100, float(hi.max()) + 8))
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", color="#f2f3f4")
    ax.spines[["top", "right"]].set_visible(False)
    key = "pillars_title" if level == "pillar" else "subpillars_title"
    ax.set_title(text(TEXT, key, lang, province=province, year=year), **TITLE)
    box = ax.get_position()
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center",
               bbox_to_anchor=((box.x0 + box.x1) / 2, 0.03 / fig.get_size_inches()[1]),    # 0.03 in from the bottom
               ncol=3, frameon=False, fontsize=9)
    return fig


def bump_chart(history: pd.DataFrame, province: str, lang: str = "vi", highlight: list[str] | None = None) -> Figure:
    """Rank of every province over the years, the province (and `highlight`) drawn on top.

    `history` is `profile.rank_history(ctx)` (year, province, rank).
    """
    check_lang(lang)
    wide = history.pivot(index="year", columns="province", values="rank").sort_index()
    n = int(history.groupby("year").size().max())
    years = list(wide.index)
    fig = PngFigure(figsize=(9, 7.5), dpi=DPI)
    fixed_margins(fig, left=0.55, bottom=0.5, top=0.08 + TITLE_LINE, right=0.1)
    ax = fig.add_subplot()
    highlight = [p for p in dict.fromkeys(highlight or []) if p in wide.columns and p != province]
    palette = ["#2471a3", "#7d3c98", "#117864", "#af601a", "#5d6d7e"]
    others = [p for p in wide.columns if p != province and p not in highlight]
    ax.add_collection(LineCollection([np.column_stack([years, wide[p].to_numpy(float)]) for p in others],
                                     colors=COLOURS["other"], linewidths=1, zorder=1))   # one artist, not 30
    for i, p in enumerate([*highlight, province]):
        own = p == province
        colour = COLOURS["province"] if own else palette[i % len(palette)]
        ax.plot(years, wide[p], color=colour, lw=3.2 if own else 1.8, marker="o", ms=7 if own else 4,
                zorder=4 if own else 3)
        offset_text(ax, years[-1], wide[p].iloc[-1], f"{p} ({int(wide[p].iloc[-1])})", dx=8, va="center",
                    fontsize=10 if own else 8, color=colour, fontweight="bold" if own else "normal")
        if own:
            for x, r in zip(years[:-1], wide[p].iloc[:-1]):
                offset_text(ax, x, r, str(int(r)), dy=9, ha="center", fontsize=9, color=colour, fontweight="bold")
    ax.set_ylim(n + 0.8, 0.2)
    ax.set_yticks([1, 5, 10, 15, 20, 25, 30, n] if n >= 30 else list(range(1, n + 1)))
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years[0] - 0.15, years[-1] + max(0.35, 0.25 * (years[-1] - years[0])))
    ax.set_xlabel(text(TEXT, "year", lang))
    ax.set_ylabel(text(TEXT, "rank", lang))
    ax.grid(axis="y", color="#f2f3f4")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(text(TEXT, "bump_title", lang, n=n), **TITLE)
    return fig
