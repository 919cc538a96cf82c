"""Charts of the feasibility analysis (matplotlib), labelled in Vietnamese or English.

Every chart of projected values says so in its title (labels.TEXT['projection']). Each function
returns a Figure without pyplot state that shows itself as one PNG (profile_plots.PngFigure), so a
notebook shows it with `display(fig)` and the report embeds it once.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from pii_analysis.report.formatting import decimal_ticks, fmt_pct
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.labels import TEXT as LABELS
from pii_analysis.report.profile_plots import DPI, PngFigure, _no_ylabel

TEXT: Table = catalog("feasibility_plots.TEXT")


def _t(key: str, lang: str, **kw: object) -> str:
    return text(TEXT, key, lang, **kw)


def _projection_tag(lang: str) -> str:
    """'DỰ BÁO' / 'PROJECTION': the first words of labels.TEXT['projection']."""
    return LABELS["projection"][check_lang(lang)].split("—")[0].strip()


def _figure(width: float = 8, height: float = 4.5) -> tuple[Figure, object]:
    fig = PngFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _title(ax, title: str, lang: str) -> None:
    """'DỰ BÁO: <title>' / 'PROJECTION: <title>' over the whole figure (an axes title would be clipped
    beside long tick labels), wrapped to the figure's width."""
    width = int(ax.figure.get_figwidth() * 10)
    ax.figure.suptitle(textwrap.fill(f"{_projection_tag(lang)}: {title}", width), fontsize=11)


def fan_chart(summary: pd.DataFrame, milestones: pd.DataFrame | None, province: str, *, scenario: str = "",
              lang: str = "vi") -> Figure:
    """Rank fan (median, 25-75%, 5-95%) from the observed base year, with milestones marked."""
    fig, ax = _figure()
    x = summary["year"].to_numpy()
    ax.fill_between(x, summary["rank_p05"], summary["rank_p95"], color="tab:blue", alpha=0.15, label=_t("band90", lang))
    ax.fill_between(x, summary["rank_p25"], summary["rank_p75"], color="tab:blue", alpha=0.3, label=_t("band50", lang))
    ax.plot(x, summary["median_rank"], color="tab:blue", marker="o", label=_t("median", lang))
    obs = summary[summary["observed"]]
    ax.plot(obs["year"], obs["median_rank"], "ks", label=_t("observed", lang))
    if milestones is not None and len(milestones):
        ax.plot(milestones["year"], milestones["target_rank"], "v", color="tab:red", markersize=10,
                label=_t("milestone", lang))
        for _, m in milestones.iterrows():
            if "probability" in m:
                ax.annotate(fmt_pct(float(m["probability"]), lang), (m["year"], m["target_rank"]), textcoords="offset points",
                            xytext=(0, -16), ha="center", color="tab:red", fontsize=8)
    ax.invert_yaxis()
    ax.set_xticks(x)
    ax.set_xlabel(_t("year", lang))
    ax.set_ylabel(_t("rank", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))   # ranks are whole numbers (no "17.5")
    _title(ax, _t("fan_title", lang, province=province, scenario=scenario), lang)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def competitor_chart(proj, province: str, rivals: list[str], *, lang: str = "vi") -> Figure:
    """Median projected PII paths (from the observed base year) of the province and its rivals."""
    fig, ax = _figure()
    years = [proj.base_year, *proj.years]
    for name in [province, *rivals]:
        p = proj.index(name)
        path = [proj.base_scores[p, 0], *np.median(proj.scores[:, :, p, 0], axis=0)]
        style = dict(linewidth=3, color="tab:red") if name == province else dict(linewidth=1, alpha=0.8)
        ax.plot(years, path, marker="o", label=name, **style)
    ax.set_xticks(years)
    ax.set_xlabel(_t("year", lang))
    ax.set_ylabel(_t("pii", lang))
    decimal_ticks(ax.yaxis, lang)
    _title(ax, _t("comp_title", lang, province=province), lang)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def effort_chart(plan, *, lang: str = "vi") -> Figure:
    """Yearly rise needed per indicator as a share of its sustained pace (comparable across units)."""
    t = plan.table
    fig, ax = _figure(8, max(2.5, 0.45 * len(t) + 1.2))
    if t.empty:
        ax.text(0.5, 0.5, _t("none_needed", lang), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        y = np.arange(len(t))[::-1]
        labels = [f"{c}  {textwrap.shorten(str(n), width=44, placeholder='…')}" for c, n in zip(t["indicator"], t["name"])]
        ax.barh(y, np.ones(len(t)) * 100.0, color="lightgray", label=_t("cap", lang))
        ax.barh(y, 100.0 * t["share_of_cap"].fillna(0.0), color="tab:green", height=0.5, label=_t("rise", lang))
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel(_t("points", lang))
        decimal_ticks(ax.xaxis, lang)
        _no_ylabel(ax)   # speed: no re-measuring of the tick labels (profile_plots)
        fig.legend(fontsize=8, loc="outside lower center", ncol=2, frameon=False)
    _title(ax, _t("effort_title", lang, province=plan.province, rank=plan.aimed_rank, year=plan.target_year), lang)
    return fig


def scenario_chart(comparison: pd.DataFrame, province: str, target_rank: int, *, lang: str = "vi") -> Figure:
    """P(rank <= target) per year for each scenario (from scenarios.compare_scenarios)."""
    fig, ax = _figure(9, 4.8)
    for label, g in comparison.groupby("label", sort=False):
        ax.plot(g["year"], g["p_target"], marker="o", label=label)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(sorted(comparison["year"].unique()))
    ax.set_xlabel(_t("year", lang))
    ax.set_ylabel(_t("prob", lang, rank=target_rank))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _title(ax, _t("scen_title", lang, province=province, rank=target_rank), lang)
    ax.grid(alpha=0.3)
    fig.legend(fontsize=8, loc="outside lower center", ncol=2, frameon=False)
    return fig


# --- interactive explorer (JupyterLab only) ---------------------------------------------------
def is_interactive() -> bool:
    """True in a JupyterLab/Notebook-server kernel (JPY_SESSION_NAME set) or with PII_INTERACTIVE=1;
    False under headless runs (papermill, CI) and whenever PII_HEADLESS=1."""
    import os

    if os.environ.get("PII_HEADLESS") == "1":
        return False
    return os.environ.get("PII_INTERACTIVE") == "1" or bool(os.environ.get("JPY_SESSION_NAME"))


def scenario_explorer(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                      base_year: int | None = None, n_draws: int = 300, seed: int | None = None,
                      lang: str = "vi", start: dict[str, float] | None = None, draws=None):
    """ipywidgets: one slider per pillar, labelled with the pillar's name (extra points a year, starting at
    `start`, the page's scenario; zero by default, the baseline) -> P(rank <= target), shown at once and
    recomputed whenever a slider is released. With `draws` (the report's one set of draws,
    analysis.draws.ReportDraws) every position is computed on those draws, so the start position prints
    the page's own probability."""
    import ipywidgets as widgets

    from pii_analysis.analysis.projection import DEFAULT_SEED, project
    from pii_analysis.report.site import render

    fw = ctx.framework
    start = start or {}
    sliders = {code: widgets.FloatSlider(value=float(start.get(code, 0.0)), min=-3.0, max=6.0, step=0.5,
                                         description=_t("pillar_gain", lang, code=code, name=fw.name(code, lang)),
                                         continuous_update=False, style={"description_width": "initial"},
                                         layout=widgets.Layout(width="95%"))
               for code in fw.pillars}
    out = widgets.HTML()

    def compute(_=None) -> None:
        out.value = render("explorer_result.html.j2", busy=True, text=_t("computing", lang))
        changes = [{"pillar": c, "points": s.value} for c, s in sliders.items() if s.value != 0]
        spec = {"name": "explorer", "changes": changes} if changes else "baseline"
        if draws is not None:
            p, n = draws.probability(province, target_rank, target_year, scenario=spec), draws.n_draws
        else:
            proj = project(ctx, province=province, scenario=spec, base_year=base_year, target_year=target_year,
                           n_draws=n_draws, seed=DEFAULT_SEED if seed is None else seed)
            p, n = proj.p_rank_at_most(province, target_rank, target_year), n_draws
        out.value = render("explorer_result.html.j2", busy=False, text=_t(
            "result", lang, province=province, rank=target_rank, year=target_year, p=fmt_pct(p, lang), draws=n))

    for slider in sliders.values():
        slider.observe(compute, names="value")
    compute()
    return widgets.VBox([widgets.HTML(_t("help", lang)), *sliders.values(), out])
