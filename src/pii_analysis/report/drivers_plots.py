"""Figures of the rank-drivers analysis, drawn from the tables of `pii_analysis.analysis.drivers` and
`pii_analysis.analysis.sensitivity`. Each function returns a Figure (no pyplot state) that shows
itself as one PNG in a notebook or report."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pii_analysis.report.formatting import decimal_ticks, fmt_num
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.profile_plots import COLOURS, DPI, PngFigure, _no_ylabel

UP, DOWN, NEUTRAL = "#1e8449", "#c0392b", "#7f8c8d"

TEXT: Table = catalog("drivers_plots.TEXT")


def _title(fig: Figure, title: str, width: int = 100) -> None:
    """Figure-wide title, left-aligned over the labels too (an axes title would be clipped)."""
    fig.suptitle(textwrap.fill(title, width), x=0.01, ha="left", fontsize=11)


def _label(code: str, name: str, width: int = 46) -> str:
    return f"{code}  {textwrap.shorten(str(name), width=width, placeholder='…')}"


def tornado(table: pd.DataFrame, lang: str = "vi", top: int = 15) -> Figure:
    """Tornado of the PII change (and new rank) when each indicator alone rises / falls by one step.

    `table` is `drivers.drivers_table(...)`; the dashed lines mark the PII change needed to
    gain a place and the fall that loses one, so bars crossing them move the rank.
    """
    check_lang(lang)
    meta = table.attrs
    step = fmt_num(meta["step"], lang, 0 if float(meta["step"]).is_integer() else 1)
    span = table["pii_change_step"] - table["pii_change_drop"]
    rows = table.assign(span=span).nlargest(top, "span", keep="first").iloc[::-1]
    fig = PngFigure(figsize=(10, 0.38 * len(rows) + 1.8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows["pii_change_step"], color=UP, label=text(TEXT, "rise", lang, step=step))
    ax.barh(y, rows["pii_change_drop"], color=DOWN, label=text(TEXT, "fall", lang, step=step))
    for yi, (up, down, r_up, r_down) in enumerate(zip(rows["pii_change_step"], rows["pii_change_drop"],
                                                       rows["rank_after_step"], rows["rank_after_drop"])):
        # only a rank that changes is labelled: the unchanged rank repeated on every bar says nothing
        if int(r_up) != meta["rank"]:
            ax.annotate(f"{int(r_up)}", (up, yi), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8, fontweight="bold")
        if int(r_down) != meta["rank"]:
            ax.annotate(f"{int(r_down)}", (down, yi), xytext=(-3, 0), textcoords="offset points", va="center",
                        ha="right", fontsize=8, fontweight="bold")
    for gap, sign, key in ((meta.get("gap_above"), 1, "gain_line"), (meta.get("gap_below"), -1, "lose_line")):
        if gap is not None and np.isfinite(gap):
            ax.axvline(sign * gap, color=UP if sign > 0 else DOWN, ls="--", lw=1,
                       label=text(TEXT, key, lang, gap=fmt_num(gap, lang)))
    ax.axvline(0, color="#17202a", lw=0.8)
    ax.set_yticks(y, [_label(c, n) for c, n in zip(rows["indicator"], rows["name"])], fontsize=8)
    ax.set_xlabel(text(TEXT, "tornado_axis", lang))
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)   # speed: no re-measuring of the tick labels (profile_plots)
    ax.spines[["top", "right"]].set_visible(False)
    _title(fig, text(TEXT, "tornado_title", lang, province=meta["province"], year=meta["year"],
                     rank=meta["rank"], step=step))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / (0.38 * len(rows) + 1.8)), ncol=2, fontsize=8,
              frameon=False)
    return fig


def waterfall(decomposition: pd.DataFrame, lang: str = "vi", level: str = "pillar") -> Figure:
    """Waterfall from the province's PII to the reference province's PII, one bar per node of `level`.

    `decomposition` is `drivers.gap_decomposition(...)`; the bars add up to the gap exactly.
    """
    check_lang(lang)
    meta = decomposition.attrs
    root = decomposition.iloc[0]
    rows = decomposition[decomposition["level"] == level]
    names = rows["name_vi" if lang == "vi" else "name_en"]
    own, ref = float(root["province_score"]), float(root["reference_score"])
    steps = rows["contribution"].to_numpy(dtype=float)
    starts = own + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    labels = [meta["province"]] + [textwrap.fill(_label(c, n, 40), 18) for c, n in zip(rows["node"], names)] \
        + [meta["reference"]]
    fig = PngFigure(figsize=(max(8, 1.1 * len(labels) + 2), 5.2), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    tops = np.concatenate([[own], starts + steps, [ref]])
    lo = min(tops.min(), starts.min())
    hi = max(tops.max(), starts.max())
    floor = lo - 0.6 * max(hi - lo, 0.5)
    ax.bar([0, len(labels) - 1], [own - floor, ref - floor], bottom=floor, color=[NEUTRAL, COLOURS["top10"]])
    colours = [DOWN if s > 0 else UP for s in steps]
    ax.bar(x[1:-1], steps, bottom=starts, color=colours)
    for xi, s, b in zip(x[1:-1], steps, starts):
        ax.annotate(f"{'+' if s >= 0 else '−'}{fmt_num(abs(s), lang)}", (xi, max(b, b + s)), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=8)
    for xi, v in ((0, own), (len(labels) - 1, ref)):
        ax.annotate(fmt_num(v, lang), (xi, v), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=9,
                    fontweight="bold")
    ax.set_ylim(floor, hi + 0.15 * max(hi - lo, 0.5))
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel(text(TEXT, "waterfall_axis", lang))
    decimal_ticks(ax.yaxis, lang)
    ax.spines[["top", "right"]].set_visible(False)
    # below the axes: inside, the legend covered the first bar's value label
    fig.legend(handles=[Patch(color=DOWN, label=text(TEXT, "behind", lang, reference=meta["reference"])),
                        Patch(color=UP, label=text(TEXT, "ahead", lang, province=meta["province"]))],
               fontsize=8, frameon=False, loc="outside lower center", ncol=2)
    _title(fig, text(TEXT, "waterfall_title", lang, province=meta["province"], own=fmt_num(own, lang),
                     reference=meta["reference"], ref=fmt_num(ref, lang), target=meta["reference_rank"],
                     level=text(TEXT, f"level_{level}", lang)))
    return fig


def heatmap(table: pd.DataFrame, lang: str = "vi") -> Figure:
    """Heatmap of the province's 52 normalised indicator scores beside the Top-10 and national averages.

    Drawn with matplotlib directly, as seaborn's heatmap draws it (RdYlGn from 0 to 100, white cell
    edges, values annotated in dark or white text by the cell's luminance, no spines, the colour bar
    without outline), but without seaborn's extra draw of the whole figure to test whether tick
    labels overlap: the 52 row labels always would if vertical, so they are horizontal, and the 3
    column labels are short enough to stay horizontal.
    """
    check_lang(lang)
    meta = table.attrs
    rows = table.sort_values("indicator", key=lambda s: s.map(_code_key))
    columns = [meta["province"], text(TEXT, "top10", lang), text(TEXT, "national", lang)]
    values = np.column_stack([rows[c].to_numpy(dtype=float)
                              for c in ("score", "top10_average", "national_average")])
    n, k = values.shape
    fig = PngFigure(figsize=(9, 0.24 * n + 1.8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[:].set_visible(False)
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=0, vmax=100, linewidths=0.4,
                         edgecolor="white")
    ax.set(xlim=(0, k), ylim=(0, n))
    ax.invert_yaxis()
    bar = fig.colorbar(mesh, ax=ax, label=text(TEXT, "score", lang), shrink=0.5)
    bar.outline.set_linewidth(0)
    ax.set_xticks(np.arange(k) + 0.5, columns)
    ax.set_yticks(np.arange(n) + 0.5, [_label(c, nm, 52) for c, nm in zip(rows["indicator"], rows["name"])],
                  va="center")
    mesh.update_scalarmappable()
    for (i, j), colour in zip(np.ndindex(n, k), mesh.get_facecolors()):
        if np.isfinite(values[i, j]):
            ax.text(j + 0.5, i + 0.5, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=7,
                    color=".15" if _luminance(colour) > 0.408 else "w")
    pillars = rows["pillar"].to_numpy()
    for b in np.flatnonzero(pillars[1:] != pillars[:-1]) + 1:
        ax.axhline(b, color="#17202a", lw=1.2)
    ax.tick_params(axis="y", labelsize=7)
    ax.tick_params(axis="x", labelsize=9, labeltop=True, labelbottom=False)
    # speed: the empty labels and title are pinned, so no draw re-measures the 52 + 3 tick labels
    _no_ylabel(ax)
    ax.xaxis.set_label_coords(0.5, 0)
    ax.set_title("", y=1.0)
    _title(fig, text(TEXT, "heatmap_title", lang, province=meta["province"], year=meta["year"]))
    return fig


def _luminance(rgba: np.ndarray) -> float:
    """W3C relative luminance of a colour (seaborn's rule for dark or light annotation text)."""
    rgb = np.asarray(rgba, dtype=float)[:3]
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(rgb @ [0.2126, 0.7152, 0.0722])


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in str(code).split("."))


def sobol_bars(sobol: pd.DataFrame, lang: str = "vi", top: int = 15) -> Figure:
    """Horizontal bars of the Sobol first-order and total indices with their confidence intervals.

    `sobol` is `sensitivity.sobol_rank(...)` (largest total index first).
    """
    check_lang(lang)
    meta = sobol.attrs
    rows = sobol.head(top).iloc[::-1]
    names = rows["name_vi" if lang == "vi" else "name_en"]
    fig = PngFigure(figsize=(10, 0.4 * len(rows) + 1.8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], color=COLOURS["top10"],
            error_kw={"lw": 0.8, "capsize": 2}, label=text(TEXT, "st", lang))
    ax.barh(y - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], color="#a9cce3",
            error_kw={"lw": 0.8, "capsize": 2}, label=text(TEXT, "s1", lang))
    ax.axvline(0, color="#17202a", lw=0.8)
    ax.set_yticks(y, [_label(c, n) for c, n in zip(rows["factor"], names)], fontsize=8)
    ax.set_xlabel(text(TEXT, "sobol_axis", lang))
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _title(fig, text(TEXT, "sobol_title", lang, province=meta.get("province", ""), year=meta.get("year", ""),
                     conf=int(round(100 * meta.get("conf_level", 0.95)))))
    return fig
