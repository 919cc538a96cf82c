"""The 2030 feasibility report as a page reads it: title, narrative, verdict labels and display tables
(vi/en). Every number comes from `pii_analysis.analysis` (verdict, projection, effort, scenarios)."""
from __future__ import annotations

import re

import pandas as pd

from pii_analysis.analysis.projection import TARGET_PARAMETER
from pii_analysis.analysis.verdict import Assessment, Thresholds, classify
from pii_analysis.report.formatting import fmt_measure, fmt_num, fmt_pct, thousands
from pii_analysis.report.i18n import Table, check_lang, text
from pii_analysis.report.labels import banner_html
from pii_analysis.report.styling import styled

# --- narrative ------------------------------------------------------------------------------
TEXT: Table = {
    "title": {"vi": "Khả năng {province} vào Top {rank} PII năm {year}",
              "en": "Can {province} reach the PII Top {rank} by {year}?"},
    "title_hold": {"vi": "Khả năng {province} giữ hạng {rank} PII đến năm {year}",
                   "en": "Can {province} hold its PII rank {rank} until {year}?"},
    "title_stay": {"vi": "Khả năng {province} giữ vị trí trong Top {rank} PII đến năm {year}",
                   "en": "Can {province} stay in the PII Top {rank} until {year}?"},
    "title_gain": {"vi": "Khả năng {province} tăng {places} bậc PII (đạt hạng {rank} trở lên) vào năm {year}",
                   "en": "Can {province} gain {places} PII places (rank {rank} or better) by {year}?"},
    "title_leave_bottom": {"vi": "Khả năng {province} ra khỏi nhóm 5 tỉnh cuối bảng PII vào năm {year}",
                           "en": "Can {province} leave the bottom five of the PII by {year}?"},
    "target_plan": {"vi": "Mục tiêu (theo kế hoạch của tỉnh, {source}): hạng {rank} trở lên năm {year}.",
                    "en": "Target (the province's own plan, {source}): rank {rank} or better in {year}."},
    "target_parameter": {"vi": "Mục tiêu đặt cho báo cáo này: hạng {rank} trở lên năm {year}.",
                         "en": "Target set for this report: rank {rank} or better in {year}."},
    "target_default": {
        "vi": "Mục tiêu: hạng {rank} trở lên năm {year} (hiện hạng {base_rank}/{n}) — mục tiêu mặc định của dự án cho "
              "tỉnh ở vị trí này (*giả định*, không phải mục tiêu của tỉnh; đổi bằng `pii report --target-rank` "
              "hoặc tham số `target_rank` của notebook).",
        "en": "Target: rank {rank} or better in {year} (now {base_rank} of {n}) — the project's default for a "
              "province in this position (*an assumption*, not the province's own target; set another with "
              "`pii report --target-rank` or the notebook's `target_rank`).",
    },
    "overtake": {
        "vi": "Nguy cơ bị vượt: xác suất {province} tụt xuống dưới hạng {base_rank} hiện nay vào năm {year} là **{p}**.",
        "en": "Risk of being overtaken: the probability that {province} falls below its current rank {base_rank} "
              "by {year} is **{p}**.",
    },
    "pace_ahead": {
        "vi": "Trên đường xu hướng, tỉnh giữ hạng {rank} trong số các tỉnh còn lại đạt PII {needed} năm {year}; "
              "{province} (PII {base_pii} năm {base}) giữ được mục tiêu nếu PII không giảm quá **{margin} điểm/năm**; "
              "nhịp độ lịch sử là {hist} điểm/năm (±{sd}).",
        "en": "On the trend path the province holding rank {rank} among the others reaches PII {needed} in {year}; "
              "{province} (PII {base_pii} in {base}) keeps its target as long as its PII falls by no more than "
              "**{margin} points a year**; its historical pace is {hist} points a year (±{sd}).",
    },
    "on_track": {"vi": "Đúng hướng", "en": "On track"},
    "needs_acceleration": {"vi": "Cần tăng tốc", "en": "Needs acceleration"},
    "off_track": {"vi": "Chệch hướng", "en": "Off track"},
    "thresholds": {
        "vi": "Ngưỡng đánh giá: xác suất đạt mốc từ {on} trở lên là *đúng hướng*; từ {off} đến dưới {on} là "
              "*cần tăng tốc*; dưới {off} là *chệch hướng*.",
        "en": "Verdict thresholds: a probability of meeting the milestone of at least {on} is *on track*; "
              "{off} to below {on} *needs acceleration*; below {off} is *off track*.",
    },
    "standing": {
        "vi": "Năm {base}, **{province}** đạt **{pii} điểm** PII, xếp **hạng {rank}/{n}** tỉnh, thành phố.",
        "en": "In {base}, **{province}** scored **{pii} points** on the PII, ranked **{rank} of {n}** provinces.",
    },
    "intro": {
        "vi": "Báo cáo ước tính khả năng {province} đạt các mốc thứ hạng PII trong kế hoạch đến năm {year}. "
              "Mô phỏng Monte Carlo ({draws} lượt) chiếu từng chỉ số từ số liệu {first}–{base} cho cả {n} tỉnh, "
              "thành phố (các tỉnh khác cũng tiến bộ), chấm điểm lại mỗi năm bằng phương pháp của dự án (mô phỏng theo GII) và đếm tỷ "
              "lệ lượt {province} đạt từng mốc. Kịch bản: **{scenario}**.",
        "en": "This report estimates how likely {province} is to meet the PII rank milestones of its plan up to "
              "{year}. A Monte Carlo simulation ({draws} draws) projects every indicator from the {first}–{base} data "
              "for all {n} provinces (rivals move too), re-scores each year with the project's method (modelled on the GII) and counts how "
              "often {province} meets each milestone. Scenario: **{scenario}**.",
    },
    "headline": {
        "vi": "Theo kịch bản này, xác suất {province} đạt hạng {rank} trở lên năm {year} là **{p}** (hạng trung vị "
              "{median}, khoảng 90%: hạng {lo}–{hi}). Đánh giá: **{verdict}**.",
        "en": "Under this scenario the probability that {province} ranks {rank} or better in {year} is **{p}** "
              "(median rank {median}, 90% interval: ranks {lo}–{hi}). Verdict: **{verdict}**.",
    },
    "pace": {
        "vi": "Để bằng tỉnh giữ hạng {rank} năm {year} trên đường xu hướng (PII {needed}), {province} cần tăng "
              "PII bình quân **{required} điểm/năm** từ mức {base_pii} năm {base}; nhịp độ lịch sử "
              "(hệ số xu hướng đã co về trung bình cả nước) là {hist} điểm/năm (±{sd}).",
        "en": "To match the province holding rank {rank} in {year} on the trend path (PII {needed}), {province} "
              "needs to add **{required} PII points a year** on average from {base_pii} in {base}; its "
              "historical pace (trend slope shrunk towards the national mean) is {hist} points a year "
              "(±{sd}).",
    },
    "effort_feasible": {
        "vi": "**Kế hoạch nỗ lực tối thiểu:** để vào Top {rank} năm {year} với xác suất ít nhất **{aim}**, "
              "{province} cần cải thiện {k} chỉ số, mỗi chỉ số thêm một phần tốc độ bền vững của nó (tốc độ bền "
              "vững: phân vị {q} mức thay đổi bình quân nhiều năm giữa các tỉnh, đã trừ phần xu hướng mang lại), "
              "chọn theo chi phí tương đối thấp nhất cho mỗi điểm PII. Tính cả bất định (cùng các lượt mô phỏng "
              "như bảng so sánh kịch bản), xác suất vào Top {rank} là **{p}**; trên đường xu hướng kế hoạch đưa "
              "{province} lên hạng {achieved}.",
        "en": "**Minimum-effort plan:** to reach the Top {rank} in {year} with a probability of at least "
              "**{aim}**, {province} needs to improve {k} indicators, each by a share of its sustained pace (the "
              "{q} quantile of provinces' multi-year average yearly changes, net of what the trend already "
              "brings), chosen by the lowest relative cost per PII point. With uncertainty (the same draws as "
              "the scenario comparison) the probability of the Top {rank} is **{p}**; on the trend path the plan "
              "takes {province} to rank {achieved}.",
    },
    "effort_already": {
        "vi": "Theo xu hướng, {province} vào Top {rank} năm {year} với xác suất **{p}** (ít nhất {aim}): không cần "
              "nỗ lực thêm.",
        "en": "On its trend {province} reaches the Top {rank} in {year} with a probability of **{p}** (at least "
              "{aim}): no extra effort is needed.",
    },
    "effort_infeasible": {
        "vi": "**Không kế hoạch nào trong giới hạn tốc độ bền vững** đưa {province} vào Top {rank} năm {year} với "
              "xác suất {aim} (xác suất vào Top {rank} với kế hoạch dưới đây: **{p}**). Hạng tốt nhất có thể đạt "
              "với xác suất đó là **hạng {aimed}** (xác suất **{p_aimed}**); kế hoạch nỗ lực tối thiểu cho hạng "
              "này cải thiện {k} chỉ số.",
        "en": "**No plan within the sustained paces** takes {province} to the Top {rank} in {year} with a "
              "probability of {aim} (probability of the Top {rank} with the plan below: **{p}**). The best rank "
              "reachable with that probability is **rank {aimed}** (probability **{p_aimed}**); the minimum-effort "
              "plan for it improves {k} indicators.",
    },
    "effort_assumption": {
        "vi": "*Cơ quan chủ trì và chi phí tương đối là **giả định** của dự án (data/raw/indicator_levers.csv), để "
              "tỉnh tự điều chỉnh; mức tăng tính theo đơn vị của chỉ số, là mức thêm vào xu hướng mỗi năm.*",
        "en": "*Lead agencies and relative costs are the project's **assumptions** (data/raw/indicator_levers.csv), "
              "for the province to edit; rises are in each indicator's unit, on top of its trend, each year.*",
    },
    "uncertainty": {
        "vi": "Bất định phương pháp (như JRC kiểm định GII): thay đổi trọng số các trụ cột, cách xử lý số liệu "
              "thiếu và cách tổng hợp trụ cột (trung bình cộng hay trung bình nhân) ({draws} phương án; giữ chuẩn "
              "hóa min-max và tỷ lệ đầu vào/đầu ra bằng nhau), rồi xem hạng của {province} dao động thế nào, năm "
              "{base} (số liệu hiện có) và năm {year} (dự báo theo xu hướng).",
        "en": "Methodological uncertainty (as the JRC audits the GII): pillar weights, the treatment of missing "
              "values and the aggregation of pillars (arithmetic or geometric mean) are varied ({draws} variants; "
              "min-max normalisation and the equal input/output split kept) to see how far {province}'s rank "
              "moves, in {base} (the data in hand) and in {year} (projected on the trend).",
    },
    "u_observed": {"vi": "Năm {year} (số liệu hiện có)", "en": "{year} (data in hand)"},
    "u_projected": {"vi": "Năm {year} (dự báo theo xu hướng)", "en": "{year} (projected on the trend)"},
    "h_fan": {"vi": "## 1. Hạng dự báo và các mốc kế hoạch", "en": "## 1. Projected rank and plan milestones"},
    "h_milestones": {"vi": "## 2. Từng mốc: xác suất và đánh giá", "en": "## 2. Each milestone: probability and verdict"},
    "h_pace": {"vi": "## 3. Nhịp độ cần thiết so với lịch sử", "en": "## 3. Required pace against history"},
    "h_competitors": {"vi": "## 4. Các tỉnh cạnh tranh", "en": "## 4. The competitors"},
    "competitors": {
        "vi": "Các tỉnh quanh {province} và quanh hạng {rank}: hạng và PII năm {base}, PII và hạng trung vị dự báo năm "
              "{year}, và xác suất mỗi tỉnh xếp trên {province} năm {year} (các tỉnh cần vượt qua).",
        "en": "Provinces around {province} and around rank {rank}: rank and PII in {base}, projected median PII and "
              "rank in {year}, and the probability that each ranks above {province} in {year} (who must be "
              "overtaken).",
    },
    "h_effort": {"vi": "## 5. Kế hoạch nỗ lực tối thiểu", "en": "## 5. Minimum-effort plan"},
    "h_scenarios": {"vi": "## 6. So sánh kịch bản", "en": "## 6. Scenario comparison"},
    "scenarios": {
        "vi": "Hạng dự báo năm {year} và xác suất vào Top {rank} của {province} theo từng kịch bản (cùng một bộ "
              "lượt mô phỏng, nên khác biệt đến từ kịch bản).",
        "en": "{province}'s projected rank in {year} and probability of the Top {rank} under each scenario (the "
              "same simulation draws throughout, so differences come from the scenario).",
    },
    "h_uncertainty": {"vi": "## 7. Bất định phương pháp", "en": "## 7. Methodological uncertainty"},
    "h_explorer": {"vi": "## Khám phá kịch bản (tương tác)", "en": "## Scenario explorer (interactive)"},
    "explorer_skipped": {
        "vi": "_Bộ khám phá kịch bản tương tác chỉ hiển thị khi mở notebook trong JupyterLab._",
        "en": "_The interactive scenario explorer is shown only when the notebook is opened in JupyterLab._",
    },
    "caveat": {
        "vi": "Lưu ý: chỉ có {years} năm số liệu; các con số là kết quả mô phỏng theo giả định (mô hình và hiệu "
              "chỉnh nêu trên), không phải dự báo chắc chắn.",
        "en": "Note: with only {years} year(s) of data, the figures are simulations under stated assumptions (the "
              "model and calibration above), not certain forecasts.",
    },
    # the uncertainty model and its calibration (analysis.models, analysis.calibration)
    "model_random_walk": {"vi": "bước ngẫu nhiên đã hiệu chỉnh", "en": "calibrated random walk"},
    "model_shrunk_trend": {"vi": "xu hướng tuyến tính co về trung bình", "en": "shrunk linear trend"},
    "model_damped_trend": {"vi": "xu hướng tắt dần", "en": "damped trend"},
    "models_three": {
        "vi": "Mô hình: trung bình (trọng số bằng nhau) của ba mô hình xu hướng — {models}. Mỗi năm mọi chỉ số "
              "chịu một cú sốc ngẫu nhiên cộng dồn qua các năm, tương quan trong cùng tỉnh và cùng trụ cột.",
        "en": "Model: the equal-weight average of three trend models — {models}. Every year each indicator takes a "
              "random shock that accumulates over the years, correlated within a province and within a pillar.",
    },
    "models_short": {
        "vi": "Mô hình: chỉ có {years} năm số liệu (cần ít nhất {min} năm để ước lượng xu hướng), nên không ước "
              "lượng xu hướng nào: mỗi chỉ số đi theo **bước ngẫu nhiên đã hiệu chỉnh** (cú sốc cộng dồn qua các "
              "năm, tương quan trong cùng tỉnh và cùng trụ cột).",
        "en": "Model: only {years} year(s) of data (a trend needs at least {min}), so no trend is fitted: every "
              "indicator follows a **calibrated random walk** (shocks that accumulate over the years, correlated "
              "within a province and within a pillar).",
    },
    "calibration": {
        "vi": "Hiệu chỉnh: độ lớn cú sốc được chọn để độ phân tán thay đổi PII một năm giữa các tỉnh khớp với "
              "số liệu công bố ({n_score} thay đổi điểm, độ lệch chuẩn {pub_score} điểm; {n_rank} thay đổi thứ hạng "
              "2023→2024; 2024→2025 chỉ các tỉnh không sáp nhập){panel}. Mô phỏng cho độ lệch chuẩn thay đổi PII "
              "một năm là {sim_score} điểm và thay đổi thứ hạng {sim_rank} bậc (mục tiêu {t_score} điểm, {t_rank} bậc).",
        "en": "Calibration: the shock size is set so that the cross-province spread of one-year PII changes matches "
              "the published record ({n_score} score changes, standard deviation {pub_score} points; {n_rank} rank "
              "changes 2023→2024; 2024→2025 only for provinces whose borders did not change){panel}. The "
              "simulation's one-year spread is {sim_score} points of PII and {sim_rank} places (targets "
              "{t_score} points, {t_rank} places).",
    },
    "calibration_panel": {
        "vi": " và với độ phân tán thay đổi của chính bộ số liệu ({years}: {score} điểm, {rank} bậc)",
        "en": " and the spread of the data's own changes ({years}: {score} points, {rank} places)",
    },
    "model_range": {
        "vi": "{p}, từ {lo} đến {hi} tùy mô hình (sai số Monte Carlo ±{err})",
        "en": "{p}, from {lo} to {hi} across the {n} models (Monte Carlo error ±{err})",
    },
    "model_same": {
        "vi": "{p} theo cả {n} mô hình (sai số Monte Carlo ±{err})",
        "en": "{p} in each of the {n} models (Monte Carlo error ±{err})",
    },
    "model_single": {
        "vi": "{p} (sai số Monte Carlo ±{err})",
        "en": "{p} (Monte Carlo error ±{err})",
    },
    # plan delivery (the 'plan_typical' scenario)
    "delivery": {
        "vi": "Kế hoạch của tỉnh được tính hai lần: *mọi mục tiêu đạt đủ*, và *mức thực hiện điển hình* — mỗi "
              "mục tiêu chỉ đạt một tỷ lệ ngẫu nhiên của mức thay đổi kế hoạch, trung vị {median} (**giả định** của "
              "dự án, `data/raw/plan_delivery.yaml`, không phải số liệu).",
        "en": "The province's plan is reported twice: *every mapped target met in full*, and *typical delivery* — "
              "each target delivered at a random share of its planned change, median {median} (an **assumption** "
              "of the project, `data/raw/plan_delivery.yaml`, not data).",
    },
    "below_current": {
        "vi": "Mục tiêu đã đạt (thấp hơn hoặc bằng mức hiện nay của tỉnh, nên không tạo thêm thay đổi): {codes}.",
        "en": "Targets already met (at or below the province's current level, so they add no change): {codes}.",
    },
    # indicator targets, Eurostat-style (analysis.pace)
    "h_targets": {"vi": "## 8. Mục tiêu theo chỉ số: nhịp độ thực tế so với nhịp độ cần thiết",
                  "en": "## 8. Targets by indicator: actual against required pace"},
    "targets_intro": {
        "vi": "Với mỗi mục tiêu định lượng trong kế hoạch của tỉnh được gắn với một chỉ số, bảng so sánh nhịp độ "
              "thực tế (bình quân mỗi năm trong các năm đã quan sát; tăng trưởng bình quân %/năm với mục tiêu tăng "
              "trưởng) với nhịp độ cần thiết để đạt mục tiêu, theo đơn vị của chính chỉ số. Xếp loại theo cách "
              "Eurostat theo dõi các mục tiêu SDG: đạt ít nhất 95% nhịp độ cần thiết là *đúng hướng*; 60-95% *tiến "
              "bộ vừa phải*; 0-60% *chưa đủ*; âm là *đi xa mục tiêu*. Chuỗi có ít hơn {min} năm số liệu chưa được "
              "đánh giá.",
        "en": "For each quantified target of the province's plan mapped to an indicator, the table sets the actual "
              "pace (the average yearly change over the observed years; the average yearly growth, % a year, for "
              "growth targets) against the pace needed to meet the target, in the indicator's own units. Bands as "
              "in Eurostat's monitoring of SDG targets: at least 95% of the required pace is *on track*; 60-95% "
              "*moderate progress*; 0-60% *insufficient progress*; negative *moving away*. A series with fewer "
              "than {min} years of data is not judged.",
    },
    "targets_none": {"vi": "_{province} chưa có mục tiêu định lượng nào được gắn với chỉ số PII._",
                     "en": "_{province} has no quantified target mapped to a PII indicator._"},
    "band_on_track": {"vi": "Đúng hướng", "en": "On track"},
    "band_moderate": {"vi": "Tiến bộ vừa phải", "en": "Moderate progress"},
    "band_insufficient": {"vi": "Chưa đủ", "en": "Insufficient progress"},
    "band_moving_away": {"vi": "Đi xa mục tiêu", "en": "Moving away"},
    "band_met": {"vi": "Đã đạt (mục tiêu ≤ mức hiện nay)", "en": "Already met (target at or below the current level)"},
    "band_too_short": {"vi": "Chưa đánh giá (chuỗi quá ngắn)", "en": "Not judged (series too short)"},
    "kind_level": {"vi": "mức", "en": "level"},
    "kind_growth": {"vi": "tăng trưởng %/năm", "en": "growth, % a year"},
    # `pii backtest`
    "bt_title": {"vi": "Kiểm định ngược dự báo PII", "en": "Backtest of the PII projection"},
    "bt_method": {
        "vi": "Ước lượng trên các năm đến t, dự báo t+1 (và t+2 nếu có số liệu); tỷ lệ tỉnh có giá trị thực nằm "
              "trong khoảng dự báo 50% và 90%. {draws} lượt mô phỏng, hạt giống {seed}. Hiệu chỉnh dùng toàn bộ số "
              "liệu công bố, kể cả các năm được dự báo.",
        "en": "Fitted on the years up to t, predicting t+1 (and t+2 where the data allow): the share of provinces "
              "whose observed value lies inside the 50% and 90% intervals. {draws} draws, seed {seed}. The "
              "calibration uses the whole published record, including the years predicted.",
    },
    "bt_spread": {
        "vi": "Phân tán thay đổi PII một năm (đã trừ thay đổi chung): mô hình / công bố = {ratio} (mục tiêu trong "
              "khoảng 0,67-1,5).",
        "en": "Spread of one-year PII changes (common change removed): model / published = {ratio} (aim: within "
              "0.67-1.5).",
    },
    # target sources (short labels of the targets file's source_doc)
    "src_parameter": {"vi": "Mục tiêu đặt cho báo cáo này", "en": "Target set for this report"},
    "src_implementing": {"vi": "Kế hoạch thực hiện {doc}", "en": "Plan implementing {doc}"},
    "doc_KH": {"vi": "Kế hoạch", "en": "Plan"},
    "doc_NQ": {"vi": "Nghị quyết", "en": "Resolution"},
    "doc_QĐ": {"vi": "Quyết định", "en": "Decision"},
    "doc_CT": {"vi": "Chỉ thị", "en": "Directive"},
}


def narrative(key: str, lang: str = "vi", **values: object) -> str:
    """One paragraph of the feasibility narrative in `lang`."""
    return text(TEXT, key, check_lang(lang), **values)


def _signed(value: float, lang: str, digits: int = 2) -> str:
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
    proj = a.projection
    years = [y for y in ctx.scores.years if y <= proj.base_year]
    out = narrative("intro", lang, province=a.province, year=a.target_year, draws=thousands(proj.n_draws, lang),
                    first=years[0], base=proj.base_year, n=len(proj.provinces), scenario=a.scenario.title(lang))
    now = ctx.scores.ranking(proj.base_year).set_index("province").loc[a.province]
    standing = narrative("standing", lang, base=proj.base_year, province=a.province, pii=fmt_num(now["pii"], lang),
                         rank=int(now["rank"]), n=len(proj.provinces))
    return (f"{standing} {out}\n\n{headline(a, lang)}\n\n{model_note(proj, lang)}\n\n"
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
    """The minimum-effort plan's headline (plan: effort.EffortPlan), with the assumptions it rests on."""
    key = {"feasible": "effort_feasible", "already": "effort_already"}.get(plan.status, "effort_infeasible")
    p = plan.probability if plan.probability is not None else float("nan")
    p_aimed = plan.aimed_probability if plan.aimed_probability is not None else float("nan")
    out = narrative(key, lang, k=len(plan.table), q=fmt_pct(cap_quantile, lang), achieved=plan.achieved_rank,
                    year=plan.target_year, rank=plan.target_rank, p=fmt_pct(p, lang), province=plan.province,
                    aim=fmt_pct(plan.aim, lang), aimed=plan.aimed_rank, p_aimed=fmt_pct(p_aimed, lang))
    return out if plan.table.empty else out + "\n\n" + narrative("effort_assumption", lang)


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
COLUMNS: Table = {
    "year": {"vi": "Năm", "en": "Year"},
    "target_rank": {"vi": "Hạng mục tiêu", "en": "Target rank"},
    "probability": {"vi": "Xác suất đạt", "en": "Probability of meeting it"},
    "median_rank": {"vi": "Hạng dự báo (trung vị)", "en": "Projected rank (median)"},
    "rank_range": {"vi": "Khoảng hạng 90%", "en": "90% rank interval"},
    "verdict_label": {"vi": "Đánh giá", "en": "Verdict"},
    "source": {"vi": "Nguồn mục tiêu", "en": "Target source"},
    "indicator": {"vi": "Mã", "en": "Code"},
    "name": {"vi": "Chỉ số", "en": "Indicator"},
    "pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "yearly_rise": {"vi": "Mức tăng cần mỗi năm (điểm)", "en": "Yearly rise needed (points)"},
    "cap": {"vi": "Mức tăng khả thi mỗi năm (điểm)", "en": "Feasible yearly gain (points)"},
    "share_of_cap": {"vi": "Phần của tốc độ bền vững", "en": "Share of the sustained pace"},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "lead_agency": {"vi": "Cơ quan chủ trì (giả định)", "en": "Lead agency (assumption)"},
    "raw_value": {"vi": "Giá trị năm {base}", "en": "Value in {base}"},
    "yearly_rise_raw": {"vi": "Thêm mỗi năm so với xu hướng", "en": "Yearly change on top of the trend"},
    "sustained_pace": {"vi": "Tốc độ bền vững mỗi năm", "en": "Sustained pace a year"},
    "raw_in_target_year": {"vi": "Giá trị năm {year}", "en": "Value in {year}"},
    "pii_gain": {"vi": "Đóng góp vào PII (điểm)", "en": "PII gain (points)"},
    "province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "base_rank": {"vi": "Hạng {base}", "en": "Rank {base}"},
    "base_pii": {"vi": "PII {base}", "en": "PII {base}"},
    "median_pii": {"vi": "PII dự báo {year} (trung vị)", "en": "Projected PII {year} (median)"},
    "target_median_rank": {"vi": "Hạng dự báo {year} (trung vị)", "en": "Projected rank {year} (median)"},
    "p_ahead": {"vi": "Xác suất xếp trên {province}", "en": "Probability of ranking above {province}"},
    "label": {"vi": "Kịch bản", "en": "Scenario"},
    "case": {"vi": "Trường hợp", "en": "Case"},
    "p_target": {"vi": "Xác suất đạt hạng {rank} trở lên", "en": "Probability of rank {rank} or better"},
    "p_methods": {"vi": "Tỷ lệ phương án phương pháp có hạng {rank} trở lên",
                  "en": "Share of method variants at rank {rank} or better"},
    "nominal_rank": {"vi": "Hạng theo phương pháp của dự án (mô phỏng theo GII)", "en": "Rank with the project's method (modelled on the GII)"},
    "kind_label": {"vi": "Loại mục tiêu", "en": "Kind of target"},
    "base_value": {"vi": "Giá trị {base}", "en": "Value {base}"},
    "target_value": {"vi": "Mục tiêu", "en": "Target"},
    "target_year": {"vi": "Năm mục tiêu", "en": "Target year"},
    "actual_pace": {"vi": "Nhịp độ thực tế mỗi năm", "en": "Actual pace a year"},
    "required_pace": {"vi": "Nhịp độ cần thiết mỗi năm", "en": "Required pace a year"},
    "ratio": {"vi": "Tỷ lệ thực tế / cần thiết", "en": "Actual / required"},
    "band_label": {"vi": "Đánh giá (Eurostat)", "en": "Assessment (Eurostat bands)"},
    "method_median_rank": {"vi": "Hạng trung vị khi đổi phương pháp", "en": "Median rank, methods varied"},
}


# each displayed table: its columns, in order; `header` renames a column's header key
VIEWS: dict[str, list[str]] = {
    "milestones": ["year", "target_rank", "probability", "median_rank", "rank_range", "verdict_label", "source"],
    "competitors": ["province", "base_rank", "base_pii", "median_pii", "median_rank", "p_ahead"],
    "effort": ["indicator", "name", "unit", "lead_agency", "raw_value", "yearly_rise_raw", "sustained_pace",
               "share_of_cap", "raw_in_target_year", "pii_gain"],
    "scenarios": ["label", "median_rank", "rank_range", "p_target"],
    "uncertainty": ["label", "nominal_rank", "median_rank", "rank_range", "p_target"],
    "targets": ["indicator", "name", "unit", "kind_label", "base_value", "target_value", "target_year", "actual_pace",
                "required_pace", "ratio", "band_label"],
}


_HEADER = {("competitors", "median_rank"): "target_median_rank", ("scenarios", "median_rank"): "target_median_rank",
           ("uncertainty", "label"): "case", ("uncertainty", "median_rank"): "method_median_rank",
           ("uncertainty", "p_target"): "p_methods"}


PERCENT = ("probability", "p_ahead", "p_target", "share_of_cap")


MEASURES = ("raw_value", "yearly_rise_raw", "sustained_pace", "raw_in_target_year")   # in the indicator's unit


RANKS = ("year", "target_rank", "median_rank", "base_rank", "nominal_rank", "target_year")


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
def model_note(proj, lang: str = "vi") -> str:
    """Which model ran and how it was calibrated (Markdown), from a Projection."""
    from pii_analysis.analysis.models import MIN_TREND_YEARS

    cal = proj.calibration
    names = [text(TEXT, f"model_{m}", lang) for m in proj.models]
    if len(proj.models) > 1:
        out = narrative("models_three", lang, models=", ".join(names))
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
        n_rank=cal.n_published_rank, panel=panel, sim_score=fmt_num(float(np.mean(cal.score_sd)), lang),
        sim_rank=fmt_num(float(np.mean(cal.rank_sd)), lang, 1), t_score=fmt_num(cal.target_score_sd, lang),
        t_rank=fmt_num(cal.target_rank_sd, lang, 1))


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


def backtest_lines(result, data_status: str, source: str = "", lang: str = "en") -> list[str]:
    """The `pii backtest` report as text lines: banner, method, coverage table, spread."""
    from pii_analysis.report.labels import data_banner

    cov = result.coverage.copy()
    overall = result.overall.assign(origin="all", horizon="all", provinces=result.overall["cases"], models="")
    table = pd.concat([cov, overall[cov.columns]], ignore_index=True)
    return [f"# {text(TEXT, 'bt_title', lang)}", f"# {data_banner(data_status, lang, source)}",
            "# " + narrative("bt_method", lang, draws=result.n_draws, seed=result.seed),
            table.to_string(index=False, float_format=lambda v: f"{v:.2f}"), "",
            "# " + narrative("bt_spread", lang, ratio=fmt_num(result.spread_ratio, lang)),
            result.spread.to_string(index=False, float_format=lambda v: f"{v:.2f}")]


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

