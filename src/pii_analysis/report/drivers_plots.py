"""Figures of the rank-drivers analysis, drawn from the tables of `pii_analysis.analysis.drivers` and
`pii_analysis.analysis.sensitivity`. Each chart function returns a Figure (no pyplot state) that shows
itself as one PNG in a notebook or report; the heatmaps are coloured HTML tables (`HeatTable`): the
numbers selectable, readable on a phone and in print, and far cheaper to make than 200 drawn texts."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.patches import Patch

from pii_analysis.index.framework import Framework
from pii_analysis.report.formatting import decimal_ticks, fmt_measure, fmt_num
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.profile_plots import COLOURS, DPI, PngFigure, _no_ylabel, row_labels

UP, DOWN, NEUTRAL = "#1e8449", "#c0392b", "#7f8c8d"

TEXT: Table = catalog("drivers_plots.TEXT")
COLUMNS: Table = catalog("drivers_text.TEXT")   # the column headers of the drivers tables (col_name, col_unit)


class FitLayout(LayoutEngine):
    """The layout of these one-axes charts in one measuring pass (matplotlib's constrained layout measures
    every tick label, text and legend twice before the draw measures them again): the figure title at the
    top, the figure legends at the bottom, and the axes as large as the space left once its own tick
    labels, texts, axis label and legend (its tight box) fit inside, `PAD` from every edge and between
    the parts, as the constrained layout's default padding leaves them."""

    _adjust_compatible = False
    _colorbar_gridspec = False
    PAD = 3 / 72          # inches (constrained layout's w_pad / h_pad)

    def execute(self, fig: Figure) -> None:
        canvas = fig.canvas
        renderer = (canvas.get_renderer() if hasattr(canvas, "get_renderer")
                    else RendererAgg(fig.bbox.width, fig.bbox.height, fig.dpi))
        width, height = fig.bbox.width, fig.bbox.height
        pad = self.PAD * fig.dpi
        top = bottom = pad
        title = next((t for t in fig.texts if fig.get_suptitle() and t.get_text() == fig.get_suptitle()), None)
        if title is not None:
            title.set_y(1 - pad / height)
            title.set_va("top")
            top += title.get_window_extent(renderer).height + 2 * pad
        for legend in fig.legends:     # placed at the bottom, centred
            legend.set_bbox_to_anchor((0.5, pad / height), transform=fig.transFigure)
            legend.set_loc("lower center")
            bottom += legend.get_window_extent(renderer).height + 2 * pad
        for ax in fig.axes:
            box, tight = ax.get_window_extent(renderer), ax.get_tightbbox(renderer)
            left_m, right_m = box.x0 - tight.x0, tight.x1 - box.x1
            bottom_m, top_m = box.y0 - tight.y0, tight.y1 - box.y1
            x0, x1 = (pad + left_m) / width, 1 - (pad + right_m) / width
            y0, y1 = (bottom + bottom_m) / height, 1 - (top + top_m) / height
            ax.set_position([x0, y0, max(x1 - x0, 0.05), max(y1 - y0, 0.05)])


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
    fig = PngFigure(figsize=(10, height * len(rows) + 1.8), dpi=DPI, layout=FitLayout())
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    bars = [_hbars(ax, y, rows[up_col].to_numpy(dtype=float), UP, legend[0]),
            _hbars(ax, y, rows[down_col].to_numpy(dtype=float), DOWN, legend[1])]
    lines = []
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
            lines.append(ax.axvline(sign * gap, color=UP if sign > 0 else DOWN, ls="--", lw=1,
                                    label=text(TEXT, key, lang, gap=fmt_num(gap, lang))))
    ax.axvline(0, color="#17202a", lw=0.8)
    row_labels(ax, y, labels, fontsize=8, gap=TICK_GAP)
    ax.set_xlabel(axis)
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)   # speed: no re-measuring of the tick labels (profile_plots)
    ax.spines[["top", "right"]].set_visible(False)
    _title(fig, title)
    ax.legend(handles=lines + bars, loc="upper center", bbox_to_anchor=(0.5, -0.9 / (height * len(rows) + 1.8)),
              ncol=2, fontsize=8, frameon=False)
    return fig


TICK_GAP = 3.5   # points between the axes and a row label (matplotlib's tick pad; no tick mark)


def _hbars(ax, y: np.ndarray, widths: np.ndarray, colour: str, label: str, height: float = 0.8):
    """Horizontal bars from 0 to each width (as `barh` draws them) as one collection: `barh` adds a patch per
    bar, each updating the data limits on its own. Rows without a value have no bar."""
    from matplotlib.collections import PolyCollection

    keep = np.isfinite(widths)
    low, high = y[keep] - height / 2, y[keep] + height / 2
    w = widths[keep]
    verts = np.stack([np.stack([np.zeros_like(w), low], 1), np.stack([np.zeros_like(w), high], 1),
                      np.stack([w, high], 1), np.stack([w, low], 1)], axis=1)
    bars = PolyCollection(verts, facecolors=colour, edgecolors="none", linewidths=0, label=label)
    bars.sticky_edges.x.append(0.0)
    ax.add_collection(bars)
    ax.autoscale_view()
    return bars


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
    fig = PngFigure(figsize=(max(8, 1.1 * len(labels) + 2), 5.2), dpi=DPI, layout=FitLayout())
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
               fontsize=8, frameon=False, loc="lower center", ncol=2)
    _title(fig, text(TEXT, "waterfall_title", lang, province=meta["province"], own=fmt_num(own, lang),
                     reference=meta["reference"], ref=fmt_num(ref, lang), target=meta["reference_rank"],
                     level=text(TEXT, f"level_{level}", lang)))
    return fig


def heatmap(table: pd.DataFrame, lang: str = "vi", framework: Framework | None = None) -> HeatTable:
    """Researchers' appendix: the province's normalised indicator scores (which depend on every other
    province) beside the Top-10 and national averages, as a coloured table (`heat_table`)."""
    check_lang(lang)
    meta = table.attrs
    rows = table.sort_values("indicator", key=lambda s: s.map(_code_key))
    values = np.column_stack([rows[c].to_numpy(dtype=float) for c in ("score", "top10_average", "national_average")])
    cells = [[f"{v:.0f}" if np.isfinite(v) else "—" for v in row] for row in values]
    columns = [meta["province"], text(TEXT, "top10", lang), text(TEXT, "national", lang)]
    return heat_table(rows, values, cells, columns, lang, key="pii-heat-points", framework=framework,
                      colour=text(TEXT, "score", lang),
                      caption=text(TEXT, "heatmap_title", lang, province=meta["province"], year=meta["year"]))


def heatmap_real(table: pd.DataFrame, lang: str = "vi", framework: Framework | None = None) -> HeatTable:
    """The leaders' heatmap, as a coloured table (`heat_table`): each indicator's value in its own unit (the
    unit column) for the province, the Top-10 average, the national average and the national best,
    coloured by where the value sits between the national worst (0) and best (100) value of the indicator."""
    check_lang(lang)
    meta = table.attrs
    rows = table.sort_values("indicator", key=lambda s: s.map(_code_key))
    cols = ("raw_value", "top10_average_raw", "national_average_raw", "national_best")
    raw = np.column_stack([rows[c].to_numpy(dtype=float) for c in cols])
    worst, best = rows["national_worst"].to_numpy(dtype=float), rows["national_best"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        position = np.clip((raw - worst[:, None]) / (best - worst)[:, None] * 100.0, 0.0, 100.0)
    cells = [[fmt_measure(v, lang) for v in row] for row in raw]
    columns = [meta["province"], text(TEXT, "top10", lang), text(TEXT, "national", lang), text(TEXT, "best", lang)]
    return heat_table(rows, position, cells, columns, lang, key="pii-heat-real", framework=framework,
                      units=[str(u) if pd.notna(u) else "" for u in rows["unit"]],
                      colour=text(TEXT, "position", lang),
                      caption=text(TEXT, "heatmap_real_title", lang, province=meta["province"], year=meta["year"]))


class HeatTable:
    """A heatmap as an HTML table: shows itself as that HTML wherever IPython displays it (JupyterLab,
    papermill, nbconvert); its plain-text form is the caption and the table's text (the same on every run)."""

    def __init__(self, html: str, shown: pd.DataFrame, caption: str) -> None:
        self.html, self.shown, self.caption = html, shown, caption

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.caption + "\n" + self.shown.to_string(index=False)


HEAT_CMAP = "RdYlGn"      # red = worst (0) ... green = best (100), as the charts were
DARK_TEXT, LIGHT_TEXT = "#262626", "#ffffff"   # seaborn's '.15' and 'w'
LUMINANCE_SPLIT = 0.408   # seaborn's rule: dark text on a colour lighter than this


def heat_colours(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background and text colour ('#rrggbb'; '' where the value is not finite) of each value on 0-100:
    matplotlib's RdYlGn, as a heatmap drawn with vmin=0, vmax=100 colours it, and dark or white text by
    the colour's W3C relative luminance (seaborn's rule)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    rgba = colormaps[HEAT_CMAP](np.where(finite, values, 0.0) / 100.0)
    flat = rgba.reshape(-1, 4)
    lum = np.array([_luminance(c) for c in flat]).reshape(values.shape)
    bg = np.array([to_hex(c) for c in flat], dtype=object).reshape(values.shape)
    fg = np.where(lum > LUMINANCE_SPLIT, DARK_TEXT, LIGHT_TEXT).astype(object)
    return np.where(finite, bg, ""), np.where(finite, fg, "")


def heat_table(rows: pd.DataFrame, values: np.ndarray, cells: list[list[str]], columns: list[str], lang: str, *,
               key: str, colour: str, caption: str, units: list[str] | None = None,
               framework: Framework | None = None) -> HeatTable:
    """Rows (indicators in code order, with `indicator`, `name`, `pillar`) x value columns as an HTML table
    (templates/heat_table.html.j2): `cells` the shown texts, coloured by `values` (0-100, `heat_colours`),
    the code and name as the row header (names marked '*' when assumed, given the `framework`), the unit
    column when `units` are given, one group per pillar with a line between them, `caption` above and a
    one-line legend of what the colour means (`colour`) below. `key` is the table's element id."""
    from pii_analysis.report.labels import mark
    from pii_analysis.report.site import render

    bg, fg = heat_colours(values)
    names = [mark(framework, c, n) if framework is not None else str(n) for c, n in zip(rows["indicator"], rows["name"])]
    headers = [text(COLUMNS, "col_name", lang)] + ([text(COLUMNS, "col_unit", lang)] if units is not None else [])
    groups: list[list[dict]] = []
    previous = None
    for i, (code, pillar) in enumerate(zip(rows["indicator"], rows["pillar"])):
        if not groups or pillar != previous:
            groups.append([])
        previous = pillar
        groups[-1].append({"code": str(code), "name": names[i], "unit": units[i] if units is not None else None,
                           "cells": [{"text": t, "bg": bg[i, j], "fg": fg[i, j]} for j, t in enumerate(cells[i])]})
    stops = np.linspace(0.0, 100.0, 11)
    gradient = "linear-gradient(to right, " + ", ".join(
        f"{c} {s:.0f}%" for c, s in zip(heat_colours(stops)[0], stops)) + ")"
    legend = {"low": "0", "high": "100", "gradient": gradient, "text": text(TEXT, "legend", lang, meaning=colour)}
    html = render("heat_table.html.j2", key=key, caption=caption, columns=headers + list(columns), groups=groups,
                  legend=legend, n_left=len(headers))
    shown = pd.DataFrame({headers[0]: [f"{c} {n}" for c, n in zip(rows["indicator"], names)]})
    if units is not None:
        shown[headers[1]] = units
    for j, column in enumerate(columns):
        shown[column] = [row[j] for row in cells]
    return HeatTable(html, shown, caption)


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
    fig = PngFigure(figsize=(10, 0.4 * len(rows) + 1.8), dpi=DPI, layout=FitLayout())
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    bars = []
    for shift, key, colour in ((0.2, "ST", COLOURS["top10"]), (-0.2, "S1", "#a9cce3")):
        value = rows[key].to_numpy(dtype=float)
        bars.append(_hbars(ax, y + shift, value, colour, text(TEXT, key.lower(), lang), height=0.4))
        ax.errorbar(value, y + shift, xerr=rows[f"{key}_conf"].to_numpy(dtype=float), fmt="none", ecolor="k",
                    lw=0.8, capsize=2)
    ax.axvline(0, color="#17202a", lw=0.8)
    row_labels(ax, y, [_label(c, n) for c, n in zip(rows["factor"], names)], fontsize=8, gap=TICK_GAP)
    ax.set_xlabel(text(TEXT, "sobol_axis", lang))
    decimal_ticks(ax.xaxis, lang)
    _no_ylabel(ax)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=bars, loc="lower right", fontsize=8, frameon=False)
    _title(fig, text(TEXT, "sobol_title", lang, province=meta.get("province", ""), year=meta.get("year", ""),
                     conf=int(round(100 * meta.get("conf_level", 0.95)))))
    return fig
