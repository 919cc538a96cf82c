"""On-track verdicts per milestone, the required pace, and the narrative of the feasibility report.

A milestone is 'on track' when the projected probability of meeting it is at least
`on_track` (default 0.5), 'off track' below `off_track` (default 0.2), and 'needs
acceleration' in between. The thresholds are parameters and are printed with the
verdicts. The required yearly PII gain is what the province must add each year to
match, in the target year, the rival holding the target rank on the trend path; it is
set against the province's historical pace (shrunk OLS slope of its PII, 2023-2025).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import PiiInputError
from .i18n import Table, check_lang, text

CLASSES = ("on_track", "needs_acceleration", "off_track")


@dataclass(frozen=True)
class Thresholds:
    """P >= on_track: on track; P < off_track: off track; otherwise needs acceleration."""

    on_track: float = 0.5
    off_track: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.off_track <= self.on_track <= 1.0:
            raise PiiInputError(f"thresholds must satisfy 0 <= off_track ({self.off_track}) <= on_track "
                                f"({self.on_track}) <= 1", column="thresholds")


def classify(probability: float, thresholds: Thresholds = Thresholds()) -> str:
    if probability >= thresholds.on_track:
        return "on_track"
    if probability < thresholds.off_track:
        return "off_track"
    return "needs_acceleration"


def milestone_verdicts(table: pd.DataFrame, thresholds: Thresholds = Thresholds(), lang: str = "vi") -> pd.DataFrame:
    """Add `verdict` (class) and `verdict_label` (in `lang`) to a milestone table with `probability`."""
    out = table.copy()
    out["verdict"] = [classify(float(p), thresholds) for p in out["probability"]]
    out["verdict_label"] = [text(TEXT, v, lang) for v in out["verdict"]]
    return out


def thresholds_note(thresholds: Thresholds = Thresholds(), lang: str = "vi") -> str:
    return text(TEXT, "thresholds", lang, on=thresholds.on_track, off=thresholds.off_track)


def required_pace(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030,
                  base_year: int | None = None) -> pd.DataFrame:
    """One row: base PII, PII to reach in the target year, required and historical yearly gains."""
    from .effort import trend_target
    from .trends import score_trends

    province = ctx.check_province(province)
    base = ctx.check_year(base_year)
    own_t, rival_t, rank_t = trend_target(ctx, province, target_rank=target_rank, target_year=target_year,
                                          base_year=base)
    hist = score_trends(ctx, [ctx.framework.root], base).table()
    row = hist[hist["province"] == province].iloc[0]
    base_pii = float(row["base_value"])
    required = (rival_t - base_pii) / (target_year - base)
    return pd.DataFrame([{
        "province": province, "base_year": base, "base_pii": base_pii, "target_year": target_year,
        "target_rank": target_rank, "trend_pii": own_t, "trend_rank": rank_t, "needed_pii": rival_t,
        "required_yearly_gain": required, "historical_yearly_gain": float(row["slope"]),
        "historical_yearly_gain_ols": float(row["slope_ols"]), "historical_sd": float(row["slope_sd"]),
        "gap_per_year": required - float(row["slope"])}])


@dataclass(frozen=True)
class Assessment:
    """One province under one scenario: per-year rank summary, milestone verdicts, the projection."""

    province: str
    target_rank: int
    target_year: int
    summary: pd.DataFrame
    milestones: pd.DataFrame
    projection: object
    scenario: object
    thresholds: Thresholds


def assess(ctx, province: str, *, target_rank: int = 10, target_year: int = 2030, base_year: int | None = None,
           scenario=None, n_draws: int = 2000, seed: int | None = None,
           thresholds: Thresholds = Thresholds(), lang: str = "vi") -> Assessment:
    """Project (the shared cached baseline when the scenario is the baseline) and judge each milestone."""
    from .projection import DEFAULT_SEED, check_settings, milestone_table, milestones, project, shared_projection
    from .scenarios import load_scenario

    seed = DEFAULT_SEED if seed is None else seed
    province = ctx.check_province(province)
    target_rank = ctx.check_rank(target_rank)
    base = check_settings(ctx, base_year=base_year, target_year=target_year, n_draws=n_draws, seed=seed)
    sc = load_scenario(scenario, ctx, province=province, base_year=base)
    if sc.changes or sc.volatility != 1.0:
        proj = project(ctx, province=province, scenario=sc, base_year=base, target_year=target_year,
                       n_draws=n_draws, seed=seed)
    else:
        proj = shared_projection(ctx, base_year=base, target_year=target_year, n_draws=n_draws, seed=seed)
    plan = milestones(ctx, province, target_rank=target_rank, target_year=target_year, base_year=base)
    verdicts = milestone_verdicts(milestone_table(proj, province, plan), thresholds, lang)
    return Assessment(province=province, target_rank=target_rank, target_year=target_year,
                      summary=proj.rank_summary(province, target_rank), milestones=verdicts, projection=proj,
                      scenario=sc, thresholds=thresholds)


def headline(a: Assessment, lang: str = "vi") -> str:
    """The intro and headline paragraphs of an assessment."""
    proj = a.projection
    last = a.summary.iloc[-1]
    verdict = text(TEXT, classify(float(last["p_target"]), a.thresholds), lang)
    intro = narrative("intro", lang, province=a.province, rank=a.target_rank, year=a.target_year,
                      draws=proj.n_draws, seed=proj.seed, base=proj.base_year, n=len(proj.provinces),
                      scenario=a.scenario.title(lang))
    head = narrative("headline", lang, province=a.province, rank=a.target_rank, year=a.target_year,
                     p=float(last["p_target"]), median=last["median_rank"], lo=last["rank_p05"],
                     hi=last["rank_p95"], verdict=verdict)
    return f"{intro}\n\n{head}"


# --- narrative ------------------------------------------------------------------------------
TEXT: Table = {
    "on_track": {"vi": "Đúng hướng", "en": "On track"},
    "needs_acceleration": {"vi": "Cần tăng tốc", "en": "Needs acceleration"},
    "off_track": {"vi": "Chệch hướng", "en": "Off track"},
    "thresholds": {
        "vi": "Ngưỡng đánh giá: xác suất đạt mốc ≥ {on:.0%} là *đúng hướng*; từ {off:.0%} đến dưới {on:.0%} là "
              "*cần tăng tốc*; dưới {off:.0%} là *chệch hướng*.",
        "en": "Verdict thresholds: a probability of meeting the milestone of at least {on:.0%} is *on track*; "
              "{off:.0%} to below {on:.0%} *needs acceleration*; below {off:.0%} is *off track*.",
    },
    "intro": {
        "vi": "## Khả năng {province} vào Top {rank} năm {year}\n\nMô phỏng Monte Carlo ({draws:,} lượt, hạt giống "
              "{seed}) chiếu xu hướng 2023-{base} của từng chỉ số cho cả {n} tỉnh, thành phố (các tỉnh khác cũng "
              "tiến bộ), chấm điểm lại bằng đúng phương pháp PII mỗi năm và đếm tỷ lệ lượt {province} đạt từng mốc. "
              "Kịch bản: **{scenario}**.",
        "en": "## Can {province} reach the Top {rank} by {year}?\n\nA Monte Carlo simulation ({draws:,} draws, seed "
              "{seed}) projects every indicator's 2023-{base} trend for all {n} provinces (rivals move too), "
              "re-scores each year with the PII method and counts how often {province} meets each milestone. "
              "Scenario: **{scenario}**.",
    },
    "headline": {
        "vi": "Theo kịch bản này, xác suất {province} đạt hạng ≤ {rank} năm {year} là **{p:.0%}** (hạng trung vị "
              "{median:.0f}, khoảng 5-95%: {lo:.0f}-{hi:.0f}). Đánh giá: **{verdict}**.",
        "en": "Under this scenario the probability that {province} ranks ≤ {rank} in {year} is **{p:.0%}** (median "
              "rank {median:.0f}, 5-95% interval {lo:.0f}-{hi:.0f}). Verdict: **{verdict}**.",
    },
    "pace": {
        "vi": "Để bằng tỉnh giữ hạng {rank} năm {year} trên đường xu hướng (PII {needed:.1f}), {province} cần tăng "
              "PII bình quân **{required:+.2f} điểm/năm** từ mức {base_pii:.1f} năm {base}; nhịp độ lịch sử "
              "(hệ số xu hướng đã co về trung bình cả nước) là {hist:+.2f} điểm/năm (±{sd:.2f}).",
        "en": "To match the province holding rank {rank} in {year} on the trend path (PII {needed:.1f}), {province} "
              "needs to add **{required:+.2f} PII points a year** on average from {base_pii:.1f} in {base}; its "
              "historical pace (trend slope shrunk towards the national mean) is {hist:+.2f} points a year "
              "(±{sd:.2f}).",
    },
    "effort_feasible": {
        "vi": "**Kế hoạch nỗ lực tối thiểu:** tăng tổng cộng {total:.1f} điểm chuẩn hóa mỗi năm trên {k} chỉ số "
              "(mỗi chỉ số không vượt mức tăng khả thi = phân vị {q:.0%} mức tăng quan sát được) là đủ để đạt hạng "
              "{achieved} năm {year} nếu các tỉnh khác đi theo xu hướng; tính cả bất định, xác suất đạt Top {rank} "
              "là **{p:.0%}**.",
        "en": "**Minimum-effort plan:** a total rise of {total:.1f} normalised points a year over {k} indicators "
              "(each within its feasible yearly gain = the {q:.0%} quantile of observed gains) reaches rank "
              "{achieved} in {year} if rivals follow their trends; with uncertainty, the probability of the "
              "Top {rank} is **{p:.0%}**.",
    },
    "effort_already": {
        "vi": "Trên đường xu hướng {province} đã ở hạng {achieved} năm {year}: không cần nỗ lực thêm để vào "
              "Top {rank} (xác suất khi tính bất định: **{p:.0%}**).",
        "en": "On the trend path {province} already ranks {achieved} in {year}: no extra effort is needed for the "
              "Top {rank} (probability with uncertainty: **{p:.0%}**).",
    },
    "effort_infeasible": {
        "vi": "**Không có kế hoạch khả thi:** ngay cả khi mọi chỉ số tăng ở mức khả thi tối đa, {province} chỉ đạt "
              "hạng {achieved} năm {year} (xác suất Top {rank}: **{p:.0%}**).",
        "en": "**No feasible plan:** even with every indicator rising at its feasible maximum, {province} only "
              "reaches rank {achieved} in {year} (probability of the Top {rank}: **{p:.0%}**).",
    },
    "uncertainty": {
        "vi": "Bất định phương pháp (như JRC kiểm định GII): khi thay đổi trọng số, cách chuẩn hóa, xử lý ngoại lai "
              "và cách tổng hợp, hạng của {province} ({label}) có trung vị {median:.0f}, khoảng 5-95%: "
              "{lo:.0f}-{hi:.0f}; xác suất Top {rank}: {p:.0%}.",
        "en": "Methodological uncertainty (as the JRC audits the GII): when weights, normalisation, outlier "
              "treatment and aggregation vary, {province}'s rank ({label}) has median {median:.0f}, 5-95% interval "
              "{lo:.0f}-{hi:.0f}; probability of the Top {rank}: {p:.0%}.",
    },
    "h_fan": {"vi": "### Hạng dự báo và các mốc kế hoạch", "en": "### Projected rank and plan milestones"},
    "h_milestones": {"vi": "### Từng mốc: xác suất và đánh giá", "en": "### Each milestone: probability and verdict"},
    "h_pace": {"vi": "### Nhịp độ cần thiết so với lịch sử", "en": "### Required pace against history"},
    "h_competitors": {"vi": "### Các tỉnh cạnh tranh", "en": "### The competitors"},
    "competitors": {
        "vi": "Các tỉnh quanh {province} và quanh hạng {rank}: hạng và PII năm {base}, PII và hạng trung vị dự báo năm "
              "{year}, và xác suất mỗi tỉnh xếp trên {province} năm {year} (các tỉnh cần vượt qua).",
        "en": "Provinces around {province} and around rank {rank}: rank and PII in {base}, projected median PII and "
              "rank in {year}, and the probability that each ranks above {province} in {year} (who must be "
              "overtaken).",
    },
    "h_effort": {"vi": "### Kế hoạch nỗ lực tối thiểu", "en": "### Minimum-effort plan"},
    "h_scenarios": {"vi": "### So sánh kịch bản", "en": "### Scenario comparison"},
    "h_uncertainty": {"vi": "### Bất định phương pháp", "en": "### Methodological uncertainty"},
    "h_explorer": {"vi": "### Khám phá kịch bản (tương tác)", "en": "### Scenario explorer (interactive)"},
    "explorer_skipped": {
        "vi": "_Bộ khám phá kịch bản tương tác chỉ hiển thị khi mở notebook trong JupyterLab._",
        "en": "_The interactive scenario explorer is shown only when the notebook is opened in JupyterLab._",
    },
    "caveat": {
        "vi": "Lưu ý: chỉ có 3 năm số liệu nên xu hướng được co về trung bình cả nước (Bayes thực nghiệm); các con "
              "số là kết quả mô phỏng theo giả định, không phải dự báo chắc chắn.",
        "en": "Note: with only three years of data, trends are shrunk towards the national mean (empirical Bayes); "
              "the figures are simulations under stated assumptions, not certain forecasts.",
    },
}


def narrative(key: str, lang: str = "vi", **values: object) -> str:
    """One paragraph of the feasibility narrative in `lang`."""
    return text(TEXT, key, check_lang(lang), **values)


def effort_narrative(plan, lang: str = "vi", cap_quantile: float = 0.9) -> str:
    """The minimum-effort plan's headline (plan: effort.EffortPlan)."""
    key = {"feasible": "effort_feasible", "already": "effort_already"}.get(plan.status, "effort_infeasible")
    p = plan.probability if plan.probability is not None else float("nan")
    return narrative(key, lang, total=plan.total_rise, k=len(plan.table), q=cap_quantile, achieved=plan.achieved_rank,
                     year=plan.target_year, rank=plan.target_rank, p=p, province=plan.province)


COLUMNS: dict[str, dict[str, str]] = {
    "year": {"vi": "Năm", "en": "Year"},
    "target_rank": {"vi": "Mục tiêu hạng", "en": "Target rank"},
    "probability": {"vi": "Xác suất đạt", "en": "Probability"},
    "median_rank": {"vi": "Hạng trung vị", "en": "Median rank"},
    "rank_p05": {"vi": "Hạng P5", "en": "Rank P5"},
    "rank_p95": {"vi": "Hạng P95", "en": "Rank P95"},
    "verdict_label": {"vi": "Đánh giá", "en": "Verdict"},
    "source": {"vi": "Nguồn mục tiêu", "en": "Target source"},
    "indicator": {"vi": "Chỉ số", "en": "Indicator"},
    "name": {"vi": "Tên chỉ số", "en": "Name"},
    "pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "yearly_rise": {"vi": "Mức tăng cần/năm (điểm)", "en": "Yearly rise needed (points)"},
    "cap": {"vi": "Mức tăng khả thi/năm", "en": "Feasible yearly gain"},
    "share_of_cap": {"vi": "Tỷ lệ so với mức khả thi", "en": "Share of feasible gain"},
    "pii_gain": {"vi": "Đóng góp PII", "en": "PII gain"},
    "province": {"vi": "Tỉnh/thành", "en": "Province"},
    "base_rank": {"vi": "Hạng năm gốc", "en": "Base-year rank"},
    "base_pii": {"vi": "PII năm gốc", "en": "Base-year PII"},
    "median_pii": {"vi": "PII trung vị năm mục tiêu", "en": "Median PII, target year"},
    "p_ahead": {"vi": "Xác suất xếp trên", "en": "P(ahead)"},
    "label": {"vi": "Kịch bản", "en": "Scenario"},
    "p_target": {"vi": "Xác suất đạt mục tiêu", "en": "P(target)"},
    "nominal_rank": {"vi": "Hạng danh nghĩa", "en": "Nominal rank"},
}


def display(frame: pd.DataFrame, lang: str = "vi", columns: list[str] | None = None) -> pd.DataFrame:
    """The frame's chosen columns with headers in `lang` (for notebooks and reports)."""
    check_lang(lang)
    cols = columns or [c for c in frame.columns if c in COLUMNS]
    return frame[cols].rename(columns={c: COLUMNS[c][lang] for c in cols if c in COLUMNS})
