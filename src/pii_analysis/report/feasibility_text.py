"""The 2030 feasibility report as a page reads it: title, narrative, verdict labels and display tables
(vi/en). Every number comes from `pii_analysis.analysis` (verdict, projection, effort, scenarios)."""
from __future__ import annotations

import re

import pandas as pd

from pii_analysis.analysis.projection import TARGET_PARAMETER
from pii_analysis.analysis.verdict import Assessment, Thresholds, classify
from pii_analysis.report.formatting import fmt_measure, fmt_num, fmt_pct, thousands
from pii_analysis.report.i18n import Table, catalog, check_lang, text
from pii_analysis.report.labels import banner_html
from pii_analysis.report.styling import styled

# --- narrative ------------------------------------------------------------------------------
TEXT: Table = catalog("feasibility_text.TEXT")


def narrative(key: str, lang: str = "vi", **values: object) -> str:
    """One paragraph of the feasibility narrative in `lang`."""
    return text(TEXT, key, check_lang(lang), **values)


def heading(key: str, lang: str) -> str:
    """A section's heading (its narrative key, 'h_fan'), without Markdown marks; the key where the catalogs
    have none (report.pages: the page's `headings`)."""
    return text(TEXT, key, check_lang(lang)).lstrip("# ").strip() if key in TEXT else key


def _signed(value: float, lang: str, digits: int = 2) -> str:
    if not pd.notna(value):
        return "—"   # not known (e.g. one year of data: no history)
    return ("+" if value >= 0 else "−") + fmt_num(abs(float(value)), lang, digits)


def _rank(value: float) -> str:
    return str(int(round(float(value))))


def verdict_labels(verdicts: pd.Series | list[str], lang: str = "vi") -> list[str]:
    """The verdict classes (analysis.verdict.CLASSES) in `lang`."""
    return [text(TEXT, v, lang) for v in verdicts]


def title(province: str, target_rank: int, target_year: int, lang: str = "vi") -> str:
    """The report's title: can the province reach the Top `target_rank` by `target_year`?"""
    return narrative("title", lang, province=province, rank=target_rank, year=target_year)


def target_title(target, lang: str = "vi") -> str:
    """The page title, following the target's kind (analysis.targets.Target)."""
    key = "title" if target.kind == "reach" else f"title_{target.kind}"
    return narrative(key, lang, province=target.province, rank=target.rank, year=target.year,
                     places=target.places)


def target_note(target, lang: str = "vi", proj=None) -> str:
    """Where the target comes from (and, for the top places, the risk of being overtaken)."""
    out = narrative(f"target_{target.origin}", lang, rank=target.rank, year=target.year,
                    source=source_label(target.source, lang) if target.source else "", base_rank=target.base_rank,
                    n=target.n_provinces)
    if target.overtake_risk and proj is not None:
        from pii_analysis.analysis.targets import overtake_risk

        out += " " + narrative("overtake", lang, province=target.province, base_rank=target.base_rank,
                               year=target.year, p=fmt_pct(overtake_risk(proj, target), lang))
    return out


def banners_html(data_status: str, lang: str, source: str = "") -> str:
    """The projection banner and the data banner, styled as in the other reports (labels.banner_html;
    'projection' is a key of labels.TEXT, so data_banner prints the projection label)."""
    return banner_html("projection", lang) + banner_html(data_status, lang, source)


def intro(a: Assessment, ctx, lang: str = "vi") -> str:
    """What the report does, the headline answer and the caveat (Markdown)."""
    from pii_analysis.analysis.history import history_years

    proj = a.projection
    years = history_years(ctx, proj.base_year)   # the years the projection learns from (never generated ones)
    out = narrative("intro" if len(years) > 1 else "intro_one_year", lang, province=a.province, year=a.target_year, draws=thousands(proj.n_draws, lang),
                    first=years[0], base=proj.base_year, n=len(proj.provinces), scenario=a.scenario.title(lang))
    now = ctx.scores.ranking(proj.base_year).set_index("province").loc[a.province]
    standing = narrative("standing", lang, base=proj.base_year, province=a.province, pii=fmt_num(now["pii"], lang),
                         rank=int(now["rank"]), n=len(proj.provinces))
    note = (model_note(proj, lang, ctx) + " " + backtest_note(ctx, proj.base_year, lang)).rstrip()
    return (f"{standing} {out}\n\n{headline(a, lang)}{model_values(a, lang)}\n\n{note}\n\n"
            f"{narrative('caveat', lang, years=len(years))}")


def headline(a: Assessment, lang: str = "vi") -> str:
    """The headline paragraph: probability of the final target, median rank, verdict."""
    last = a.summary.iloc[-1]
    p = a.projection.p_summary(a.province, a.target_rank, a.target_year)
    return narrative("headline", lang, province=a.province, rank=a.target_rank, year=a.target_year,
                     p=with_model_range(p, lang), median=_rank(last["median_rank"]),
                     lo=_rank(last["rank_p05"]), hi=_rank(last["rank_p95"]),
                     verdict=text(TEXT, classify(float(last["p_target"]), a.thresholds), lang))


def thresholds_note(thresholds: Thresholds = Thresholds(), lang: str = "vi") -> str:
    return text(TEXT, "thresholds", lang, on=fmt_pct(thresholds.on_track, lang),
                off=fmt_pct(thresholds.off_track, lang))


def pace_text(pace: pd.DataFrame, lang: str = "vi") -> str:
    """The required pace (a `required_pace` row) against the historical one, in words."""
    r = pace.iloc[0]
    history = r.get("history", "observed")
    if history != "observed":   # one year, or generated earlier years: what that allows, no pace or trend
        why = narrative("history_generated" if history == "generated" else "history_one_year", lang,
                        base=int(r["base_year"]))
        common = dict(province=r["province"], rank=int(r["target_rank"]), year=int(r["target_year"]),
                      needed=fmt_num(r["needed_pii"], lang, 1), base_pii=fmt_num(r["base_pii"], lang, 1),
                      base=int(r["base_year"]), why=why)
        if r["required_yearly_gain"] <= 0:
            return narrative("pace_ahead_no_history", lang, margin=fmt_num(-r["required_yearly_gain"], lang), **common)
        return narrative("pace_no_history", lang, required=_signed(r["required_yearly_gain"], lang), **common)
    if r["required_yearly_gain"] <= 0:
        return narrative("pace_ahead", lang, province=r["province"], rank=int(r["target_rank"]),
                         year=int(r["target_year"]), needed=fmt_num(r["needed_pii"], lang, 1),
                         margin=fmt_num(-r["required_yearly_gain"], lang), base_pii=fmt_num(r["base_pii"], lang, 1),
                         base=int(r["base_year"]), hist=_signed(r["historical_yearly_gain"], lang),
                         sd=fmt_num(r["historical_sd"], lang))
    return narrative("pace", lang, province=r["province"], rank=int(r["target_rank"]), year=int(r["target_year"]),
                     needed=fmt_num(r["needed_pii"], lang, 1), required=_signed(r["required_yearly_gain"], lang),
                     base_pii=fmt_num(r["base_pii"], lang, 1), base=int(r["base_year"]),
                     hist=_signed(r["historical_yearly_gain"], lang), sd=fmt_num(r["historical_sd"], lang))


def effort_narrative(plan, lang: str = "vi", cap_quantile: float = 0.9) -> str:
    """The minimum-effort plan's headline (plan: effort.EffortPlan), with the assumptions it rests on: what
    the plan shown reaches and, when the target needs more indicators than the budget or is out of reach
    within sustained paces, the best reachable rank with its probability and the rule choosing the plan."""
    def pct(value) -> str:
        return fmt_pct(value if value is not None else float("nan"), lang)

    frontier = plan.frontier if plan.frontier is not None else pd.DataFrame(columns=["rank", "indicators"])
    best_k = frontier.loc[frontier["rank"] == plan.best_rank, "indicators"]
    from pii_analysis.report import levers_text

    source = getattr(plan, "pace_source", "mixed")
    out = narrative(f"effort_{plan.status}", lang, k=len(plan.table),
                    q=levers_text.pace_phrase(source, lang, fmt_pct(cap_quantile, lang)),
                    achieved=plan.achieved_rank, year=plan.target_year, rank=plan.target_rank, p=pct(plan.probability),
                    province=plan.province, aim=fmt_pct(plan.aim, lang), aimed=plan.aimed_rank,
                    p_aimed=pct(plan.aimed_probability), budget=plan.budget, needed=plan.target_indicators,
                    best=plan.best_rank, p_best=pct(plan.best_probability),
                    best_k=int(best_k.iloc[0]) if len(best_k) else len(plan.caps),
                    p_caps=pct(plan.target_probability_at_caps))
    if plan.status in ("over_budget", "infeasible"):
        if plan.table.empty:
            out += " " + narrative("effort_none_within", lang, trend=plan.trend_aim_rank, aim=fmt_pct(plan.aim, lang),
                                   budget=plan.budget)
        out += "\n\n" + narrative("effort_frontier", lang, aim=fmt_pct(plan.aim, lang), budget=plan.budget)
    return out if plan.table.empty else out + "\n\n" + narrative("effort_assumption", lang)


def frontier_table(plan, lang: str = "vi") -> pd.DataFrame:
    """The effort frontier as the page shows it (only when the plan shown is not the target's own): per rank,
    the fewest indicators, the least effort, the probability, and which row is the plan shown."""
    if plan.status not in ("over_budget", "infeasible") or plan.frontier is None:
        return pd.DataFrame()
    f = plan.frontier
    note = [text(TEXT, "frontier_shown", lang) if shown else
            ("" if within else text(TEXT, "frontier_over", lang, budget=plan.budget))
            for shown, within in zip(f["shown"], f["within_budget"])]
    return f.assign(frontier_note=note)


# --- target sources -----------------------------------------------------------------------------
_DOC = re.compile(r"(\d+[-/]([A-ZĐ]+)(?:[-/][A-ZĐ]+)+)(\s*\([^)]*\))?")


def source_label(source: str, lang: str = "vi") -> str:
    """A short label of a target's source document in `lang`: '19/KH-UBND (10/01/2026) plan to raise PII
    2026-2030' -> 'Kế hoạch 19/KH-UBND (10/01/2026)'; 'Plan implementing Resolution 06-NQ/TU (2026)' ->
    'Kế hoạch thực hiện Nghị quyết 06-NQ/TU (2026)'. Sources joined by '; ' are labelled one by one; a
    source without a recognised document number is shown as written."""
    check_lang(lang)
    if source == TARGET_PARAMETER:
        return text(TEXT, "src_parameter", lang)
    labels = []
    for part in (p.strip() for p in str(source).split(";")):
        m = _DOC.search(part)
        kind = m.group(2).replace("QD", "QĐ") if m else ""
        if not m or f"doc_{kind}" not in TEXT:
            labels.append(part)
            continue
        doc = f"{text(TEXT, f'doc_{kind}', lang)} {m.group(1)}{m.group(3) or ''}"
        implementing = kind != "KH" and "implement" in part.lower()
        labels.append(text(TEXT, "src_implementing", lang, doc=doc) if implementing else doc)
    return "; ".join(dict.fromkeys(labels))


# --- tables as the report shows them ------------------------------------------------------------
COLUMNS: Table = catalog("feasibility_text.COLUMNS")


# each displayed table: its columns, in order; `header` renames a column's header key
VIEWS: dict[str, list[str]] = {
    "milestones": ["year", "target_rank", "probability", "median_rank", "rank_range", "verdict_label", "source"],
    "competitors": ["province", "base_rank", "base_pii", "median_pii", "median_rank", "p_ahead"],
    "effort": ["indicator", "name", "unit", "lead_agency", "raw_value", "yearly_rise_raw", "sustained_pace",
               "share_of_cap", "raw_in_target_year", "pii_gain"],
    "frontier": ["rank", "indicators", "effort", "probability", "frontier_note"],
    "scenarios": ["label", "median_rank", "rank_range", "p_target"],
    "uncertainty": ["label", "nominal_rank", "median_rank", "rank_range", "p_target"],
    "targets": ["indicator", "name", "unit", "kind_label", "base_value", "target_value", "target_year", "actual_pace",
                "required_pace", "ratio", "band_label"],
}


_HEADER = {("competitors", "median_rank"): "target_median_rank", ("scenarios", "median_rank"): "target_median_rank",
           ("uncertainty", "label"): "case", ("uncertainty", "median_rank"): "method_median_rank",
           ("uncertainty", "p_target"): "p_methods", ("frontier", "rank"): "frontier_rank",
           ("frontier", "probability"): "frontier_probability"}


PERCENT = ("probability", "p_ahead", "p_target", "share_of_cap")


MEASURES = ("raw_value", "yearly_rise_raw", "sustained_pace", "raw_in_target_year")   # in the indicator's unit


RANKS = ("year", "target_rank", "median_rank", "base_rank", "nominal_rank", "target_year", "rank", "indicators")


def display_table(frame: pd.DataFrame, lang: str, key: str, **header: object) -> pd.DataFrame:
    """One of the report's tables (`VIEWS[key]`) ready to show: probabilities in percent, ranks as whole
    numbers, the 5-95% ranks as one interval, other numbers with `lang`'s decimal mark, the target source as
    a short label, and headers in `lang` (formatted with `header`: base, year, province, rank)."""
    check_lang(lang)
    out = frame.copy()
    if {"rank_p05", "rank_p95"} <= set(out.columns):
        out["rank_range"] = [f"{_rank(lo)}–{_rank(hi)}" for lo, hi in zip(out["rank_p05"], out["rank_p95"])]
    if "source" in out:
        out["source"] = [source_label(s, lang) for s in out["source"]]
    if "verdict" in out:
        out["verdict_label"] = verdict_labels(out["verdict"], lang)
    if "band" in out:
        out["band_label"] = [text(TEXT, f"band_{b}", lang) for b in out["band"]]
        out["kind_label"] = [text(TEXT, f"kind_{k}", lang) for k in out["kind"]]
    if "case" in out and "label" not in out:
        out["label"] = [text(TEXT, f"u_{c}", lang, year=int(y)) for c, y in zip(out["case"], out["year"])]
    cols = [c for c in VIEWS[key] if c in out.columns]
    out = out[cols].copy()
    for col in cols:
        if col in PERCENT:
            out[col] = [fmt_pct(float(v), lang) for v in out[col]]
        elif col in RANKS:
            out[col] = [_rank(v) if pd.notna(v) else "" for v in out[col]]
        elif col in MEASURES:
            out[col] = [fmt_measure(v, lang, signed=col == "yearly_rise_raw") for v in out[col]]
        elif out[col].dtype.kind == "f":
            out[col] = [fmt_num(v, lang) if pd.notna(v) else "" for v in out[col]]
    names = {c: text(COLUMNS, _HEADER.get((key, c), c), lang, **header) for c in cols}
    return out.astype(object).rename(columns=names).reset_index(drop=True)


class _Nothing:
    """Displays as nothing (an empty table has nothing to show: e.g. no effort is needed)."""

    def _repr_html_(self) -> str:
        return ""

    def __repr__(self) -> str:
        return ""


def view(frame: pd.DataFrame, lang: str, key: str, **header: object):
    """`display_table` styled like the other reports' tables (profile.styled: no index, fixed id);
    an empty frame shows nothing."""
    if frame.empty:
        return _Nothing()
    return styled(display_table(frame, lang, key, **header), f"feasibility-{key}")


# --- the model, its calibration, the model range and the backtest ------------------------------------
def model_note(proj, lang: str = "vi", ctx=None) -> str:
    """Which model ran and how it was calibrated (Markdown), from a Projection (`ctx`: its context, to say when
    the years before the base year are generated, so no trend is known)."""
    from pii_analysis.analysis.models import MIN_TREND_YEARS

    cal = proj.calibration
    names = [text(TEXT, f"model_{m}", lang) for m in proj.models]
    generated = ctx is not None and any(y < proj.base_year for y in ctx.panel.generated_years)
    if len(proj.models) > 1:
        out = narrative("models_three", lang, models=", ".join(names))
    elif generated:
        out = narrative("models_generated", lang, base=proj.base_year)
    else:
        n = len(cal.panel_years) if cal is not None else 1
        out = narrative("models_short", lang, years=n, min=MIN_TREND_YEARS)
    if cal is None:
        return out
    panel = ""
    if cal.panel_score_sd is not None:
        span = f"{cal.panel_years[0]}–{cal.panel_years[-1]}"
        panel = narrative("calibration_panel", lang, years=span, score=fmt_num(cal.panel_score_sd, lang),
                          rank=fmt_num(cal.panel_rank_sd, lang, 1))
    import numpy as np

    return out + " " + narrative(
        "calibration", lang, n_score=cal.n_published_score, pub_score=fmt_num(cal.published_score_sd, lang),
        panel=panel, sim_score=fmt_num(float(np.mean(cal.score_sd)), lang),
        sim_rank=fmt_num(float(np.mean(cal.rank_sd)), lang, 1), t_score=fmt_num(cal.target_score_sd, lang),
        pub_rank=fmt_num(cal.published_rank_sd, lang, 1), corr=correlation_note(cal, lang))


def model_values(a: Assessment, lang: str = "vi") -> str:
    """' Which model gives which value: ...' for the target-year milestone (the same draws as the headline), or
    '' when one model runs."""
    proj = a.projection
    if len(proj.models) < 2:
        return ""
    event = proj.ranks[:, proj.year_index(a.target_year), proj.index(a.province)] <= a.target_rank
    per = proj.model_probabilities(event)
    values = "; ".join(f"{text(TEXT, f'model_{m}', lang)} {fmt_pct(p, lang)}" for m, p in zip(per["model"],
                                                                                             per["probability"]))
    return " " + narrative("model_values", lang, draws=thousands(int(per["draws"].min()), lang), values=values)


def backtest_note(ctx, base_year: int, lang: str = "vi") -> str:
    """The headline model's coverage of the published rank changes (`headline_backtest`, leave-one-province-out):
    the model average when several models run, else the one model."""
    from pii_analysis.analysis.headline_backtest import AVERAGE, shared_headline_backtest

    table = shared_headline_backtest(ctx, base_year)
    rank = table[table["quantity"] == "rank"]
    if rank.empty or int(rank["cases"].iloc[-1]) == 0:
        return ""
    row = rank.iloc[-1]                       # the average (listed last) or the single model
    name = str(row["model"])
    label = text(TEXT, "model_average" if name == AVERAGE else f"model_{name}", lang)
    return narrative("backtest_note", lang, model=label,
                     c50=fmt_pct(row["cover50"], lang), c80=fmt_pct(row["cover80"], lang),
                     c90=fmt_pct(row["cover90"], lang), n=int(row["cases"]), spread=fmt_num(row["spread"], lang, 1))


def correlation_note(cal, lang: str = "vi") -> str:
    """The shock correlations and where they come from (estimated from the data, assumed, set)."""
    from pii_analysis.analysis.models import MIN_CORRELATION_CHANGES

    source = cal.correlation_source if cal.correlation_source in ("estimated", "set") else "assumed"
    return narrative(f"corr_{source}", lang, rp=fmt_num(cal.rho_province, lang), rg=fmt_num(cal.rho_pillar, lang),
                     n=cal.correlation_changes, min=MIN_CORRELATION_CHANGES)


def with_model_range(summary: dict, lang: str = "vi") -> str:
    """'4%, from 1% to 10% across the 3 models (Monte Carlo error ±1%)' from Projection.p_summary."""
    err = fmt_pct(summary["mc_error"], lang) if summary["mc_error"] >= 0.005 else "<1%"
    same = fmt_pct(summary["lo"], lang) == fmt_pct(summary["hi"], lang)
    if summary["n_models"] > 1 and same:
        return narrative("model_same", lang, p=fmt_pct(summary["p"], lang), n=summary["n_models"], err=err)
    if summary["n_models"] > 1:
        return narrative("model_range", lang, p=fmt_pct(summary["p"], lang), lo=fmt_pct(summary["lo"], lang),
                         hi=fmt_pct(summary["hi"], lang), n=summary["n_models"], err=err)
    return narrative("model_single", lang, p=fmt_pct(summary["p"], lang), err=err)


def headline_backtest_lines(table: pd.DataFrame, ctx, lang: str = "en") -> list[str]:
    """The backtest of the headline's own models on the published record (`headline_backtest`) as text lines."""
    models = list(table["model"].unique())
    head = "# " + narrative("bt_headline", lang, models=", ".join(models), n=len(ctx.panel.provinces()))
    return [head, table.to_string(index=False, float_format=lambda v: f"{v:.2f}")]


def backtest_lines(result, data_status: str, source: str = "", lang: str = "en") -> list[str]:
    """The `pii backtest` report as text lines: banner, method, coverage table, spread (None: the panel's
    years are generated, so there is nothing observed to backtest on: one sentence says so)."""
    from pii_analysis.report.labels import data_banner

    from pii_analysis.analysis.models import MIN_CORRELATION_CHANGES

    if result is None:
        return [f"# {data_banner(data_status, lang, source)}", "# " + narrative("bt_generated", lang)]

    def show(frame: pd.DataFrame) -> str:
        return frame.to_string(index=False, float_format=lambda v: f"{v:.2f}")

    cov = result.coverage.drop(columns="models_run")
    overall = result.overall.assign(origin="all", horizon="all", provinces=result.overall["cases"])
    table = pd.concat([cov, overall[cov.columns]], ignore_index=True)
    spread = result.spread.set_index("source")["sd"]
    out = [f"# {text(TEXT, 'bt_title', lang)}", f"# {data_banner(data_status, lang, source)}",
           "# " + narrative("bt_method", lang, draws=result.n_draws, seed=result.seed), show(table), "",
           "# " + narrative("bt_spread", lang, ratio=fmt_num(result.spread_ratio, lang),
                            ratio_all=fmt_num(result.spread_ratio_all, lang),
                            all_sd=fmt_num(float(spread["published_all"]), lang)),
           show(result.spread)]
    if result.models is not None:
        out += ["", "# " + narrative("bt_models", lang, year=int(result.models["base_year"].iloc[0])),
                show(result.models.drop(columns="base_year"))]
    if result.correlations is not None:
        out += ["", "# " + narrative("bt_correlations", lang, min=MIN_CORRELATION_CHANGES), show(result.correlations)]
    if result.sensitivity is not None:
        out += ["", "# " + narrative("bt_sensitivity", lang), show(result.sensitivity)]
    return out


def targets_section(frame: pd.DataFrame, province: str, lang: str = "vi", min_years: int = 3) -> str:
    """The Eurostat-style section's heading and text (Markdown); the table is `view(frame, lang, 'targets')`."""
    head = narrative("h_targets", lang)
    if frame.empty:
        return head + "\n\n" + narrative("targets_none", lang, province=province)
    return head + "\n\n" + narrative("targets_intro", lang, min=min_years)


def delivery_note(scenarios, lang: str = "vi") -> str:
    """The typical-delivery assumption and the targets already met, for the scenario comparison."""
    out = []
    for sc in scenarios:
        if getattr(sc, "delivery", None) is not None and sc.name == "plan_typical":
            out.append(narrative("delivery", lang, median=fmt_pct(sc.delivery.median, lang)))
        if getattr(sc, "below_current", ()) and sc.name == "plan":
            out.append(narrative("below_current", lang, codes=", ".join(sc.below_current)))
    return " ".join(out)

