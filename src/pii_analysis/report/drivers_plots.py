"""Figures of the rank-drivers analysis, drawn from the tables of `pii_analysis.analysis.drivers` and
`pii_analysis.analysis.sensitivity`. Each function returns a Figure (no pyplot state) that shows
itself as one PNG in a notebook or report."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pii_analysis.report.formatting import decimal_ticks, fmt_measure, fmt_num
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
    """Researchers' appendix: tornado of the PII change (and new rank) when each indicator alone rises /
    falls by one step of normalised points (which depend on every other province).

    `table` is `drivers.drivers_table(...)`; the dashed lines mark the PII change needed to
    gain a place and the fall that loses one, so bars crossing them move the rank.
    """
    check_lang(lang)
    meta = table.attrs
    step = fmt_num(meta["step"], lang, 0 if float(meta["step"]).is_integer() else 1)
    span = table["pii_change_step"] - table["pii_change_drop"]
    rows = table.assign(span=span).nlargest(top, "span", keep="first").iloc[::-1]
    labels = [_label(c, n) for c, n in zip(rows["indicator"], rows["name"])]
    return _tornado(rows, ("pii_change_step", "pii_change_drop", "rank_after_step", "rank_after_drop"), labels,
                    meta, lang, legend=(text(TEXT, "rise", lang, step=step), text(TEXT, "fall", lang, step=step)),
                    axis=text(TEXT, "tornado_axis", lang),
                    title=text(TEXT, "tornado_title", lang, province=meta["province"], year=meta["year"],
                               rank=meta["rank"], step=step))


def tornado_real(table: pd.DataFrame, lang: str = "vi", top: int = 15) -> Figure:
    """The leaders' tornado: the PII change (and new rank) when each indicator alone moves by one year at its
    sustained pace, in its own unit (the step is in the label), up (green) or down (red), the whole raw
    panel re-scored (`raw_units.marginal_effects`: national maximum and outlier rule re-applied).

    `table` is `drivers.drivers_table(...)` (its real-units columns); dashed lines as in `tornado`.
    """
    check_lang(lang)
    meta = table.attrs
    span = table["pii_change_raw_step"] - table["pii_change_raw_drop"]
    rows = table.assign(span=span).nlargest(top, "span", keep="first").iloc[::-1]
    labels = [f"{_label(c, n, 40)}\n±{fmt_measure(step, lang)} {textwrap.shorten(str(u), 34, placeholder='…')}"
              for c, n, step, u in zip(rows["indicator"], rows["name"], rows["raw_step"], rows["unit"])]
    return _tornado(rows, ("pii_change_raw_step", "pii_change_raw_drop", "rank_after_raw_step", "rank_after_raw_drop"),
                    labels, meta, lang, legend=(text(TEXT, "rise_real", lang), text(TEXT, "fall_real", lang)),
                    axis=text(TEXT, "tornado_axis", lang), height=0.52,
                    title=text(TEXT, "tornado_real_title", lang, province=meta["province"], year=meta["year"],
                               rank=meta["rank"]))


def _tornado(rows: pd.DataFrame, columns: tuple[str, str, str, str], labels: list[str], meta: dict, lang: str, *,
             legend: tuple[str, str], axis: str, title: str, height: float = 0.38) -> Figure:
    """Bars of the PII change up / down per row (columns: change up, change down, rank up, rank down), the
    new rank at a bar's end where it changes, dashed lines at the change that gains / loses a place."""
    up_col, down_col, r_up_col, r_down_col = columns
    fig = PngFigure(figsize=(10, height * len(rows) + 1.8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows[up_col], color=UP, label=legend[0])
    ax.barh(y, rows[down_col], color=DOWN, label=legend[1])
    for yi, (up, down, r_up, r_down) in enumerate(zip(rows[up_col], rows[down_col], rows[r_up_col], rows[r_down_col])):
        # only a rank that changes is labelled: the unchanged rank repeated on every bar says nothing
        if np.isfinite(r_up) and int(r_up) != meta["rank"]:
            ax.annotate(f"{int(r_up)}", (up, yi), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8, fontweight="bold")
        if np.isfinite(r_down) and int(r_down) != meta["rank"]:
            ax.annotate(f"{int(r_down)}", (down, yi), xytext=(-3, 0), textcoords="offset points", va="center",
                        ha="right", fontsize=8, fontweight="bold")
    for gap, sign, key in ((meta.get("gap_above"), 1, "gain_line"), (meta.get("gap_below"), -1, "lose_line")):
        if gap is not None and np.isfinite(gap):
            ax.axvline(sign * gap, color=UP if sign > 0 else DOWN, ls="--", lw=1,
                       label=text(TEXT, key, lang, gap=fmt_num(gap, lang)))
    ax.axvline(0, color="#17202a", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(axis)
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)   # speed: no re-measuring of the tick labels (profile_plots)
    ax.spines[["top", "right"]].set_visible(False)
    _title(fig, title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / (height * len(rows) + 1.8)), ncol=2, fontsize=8,
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
    """Researchers' appendix: heatmap of the province's normalised indicator scores (which depend on every
    other province) beside the Top-10 and national averages."""
    check_lang(lang)
    meta = table.attrs
    rows = table.sort_values("indicator", key=lambda s: s.map(_code_key))
    columns = [meta["province"], text(TEXT, "top10", lang), text(TEXT, "national", lang)]
    values = np.column_stack([rows[c].to_numpy(dtype=float) for c in ("score", "top10_average", "national_average")])
    cells = [[f"{v:.0f}" if np.isfinite(v) else "" for v in row] for row in values]
    labels = [_label(c, nm, 52) for c, nm in zip(rows["indicator"], rows["name"])]
    return _heatmap(values, cells, columns, labels, rows["pillar"].to_numpy(), lang, colour=text(TEXT, "score", lang),
                    title=text(TEXT, "heatmap_title", lang, province=meta["province"], year=meta["year"]))


def heatmap_real(table: pd.DataFrame, lang: str = "vi") -> Figure:
    """The leaders' heatmap: each indicator's value in its own unit for the province, the Top-10 average, the
    national average and the national best (the unit in the row label), coloured by where the value sits
    between the national worst (0) and best (100) value of the indicator."""
    check_lang(lang)
    meta = table.attrs
    rows = table.sort_values("indicator", key=lambda s: s.map(_code_key))
    cols = ("raw_value", "top10_average_raw", "national_average_raw", "national_best")
    raw = np.column_stack([rows[c].to_numpy(dtype=float) for c in cols])
    worst, best = rows["national_worst"].to_numpy(dtype=float), rows["national_best"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        position = np.clip((raw - worst[:, None]) / (best - worst)[:, None] * 100.0, 0.0, 100.0)
    cells = [[fmt_measure(v, lang) if np.isfinite(v) else "" for v in row] for row in raw]
    columns = [meta["province"], text(TEXT, "top10", lang), text(TEXT, "national", lang), text(TEXT, "best", lang)]
    labels = [f"{_label(c, nm, 44)} ({textwrap.shorten(str(u), 30, placeholder='…')})"
              for c, nm, u in zip(rows["indicator"], rows["name"], rows["unit"])]
    return _heatmap(position, cells, columns, labels, rows["pillar"].to_numpy(), lang, width=11,
                    colour=text(TEXT, "position", lang),
                    title=text(TEXT, "heatmap_real_title", lang, province=meta["province"], year=meta["year"]))


def _heatmap(values: np.ndarray, cells: list[list[str]], columns: list[str], labels: list[str], pillars: np.ndarray,
             lang: str, *, colour: str, title: str, width: float = 9) -> Figure:
    """Rows x columns coloured by `values` (0-100, RdYlGn), annotated with `cells`, a line between pillars.

    Drawn with matplotlib directly, as seaborn's heatmap draws it (white cell edges, annotations in dark or
    white text by the cell's luminance, no spines, the colour bar without outline), but without seaborn's
    extra draw of the whole figure to test whether tick labels overlap: the row labels always would if
    vertical, so they are horizontal, and the column labels are short enough to stay horizontal.
    """
    n, k = values.shape
    fig = PngFigure(figsize=(width, 0.24 * n + 1.8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[:].set_visible(False)
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=0, vmax=100, linewidths=0.4,
                         edgecolor="white")
    ax.set(xlim=(0, k), ylim=(0, n))
    ax.invert_yaxis()
    bar = fig.colorbar(mesh, ax=ax, label=colour, shrink=0.5)
    bar.outline.set_linewidth(0)
    ax.set_xticks(np.arange(k) + 0.5, columns)
    ax.set_yticks(np.arange(n) + 0.5, labels, va="center")
    mesh.update_scalarmappable()
    for (i, j), face in zip(np.ndindex(n, k), mesh.get_facecolors()):
        if cells[i][j]:
            ax.text(j + 0.5, i + 0.5, cells[i][j], ha="center", va="center", fontsize=7,
                    color=".15" if not np.isfinite(values[i, j]) or _luminance(face) > 0.408 else "w")
    for b in np.flatnonzero(pillars[1:] != pillars[:-1]) + 1:
        ax.axhline(b, color="#17202a", lw=1.2)
    ax.tick_params(axis="y", labelsize=7)
    ax.tick_params(axis="x", labelsize=9, labeltop=True, labelbottom=False)
    # speed: the empty labels and title are pinned, so no draw re-measures the row and column tick labels
    _no_ylabel(ax)
    ax.xaxis.set_label_coords(0.5, 0)
    ax.set_title("", y=1.0)
    _title(fig, title)
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
