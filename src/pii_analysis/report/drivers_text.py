"""Plain-language narrative of the rank-drivers analysis for a provincial leader (vi / en).

Each function turns a result of `drivers` / `sensitivity` into a Markdown paragraph, so
the notebook only displays them and tests can read the same sentences.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pii_analysis.analysis.drivers import DriversResult
from pii_analysis.index.framework import Framework
from pii_analysis.report.formatting import fmt_measure, fmt_num, join_names, thousands
from pii_analysis.report.i18n import Table, check_lang, text
from pii_analysis.report.labels import mark
from pii_analysis.report.styling import TableView, styled

N_NAMED = 5  # indicators listed by name in the narrative

TEXT: Table = {
    "title": {"vi": "# Động lực thứ hạng PII: {province}, năm {year}",
              "en": "# What moves the PII rank: {province}, {year}"},
    "h_move": {"vi": "## Thứ hạng có thể dịch chuyển ở đâu", "en": "## Where the rank can move"},
    "h_cannot": {"vi": "## Ở đâu thứ hạng khó dịch chuyển", "en": "## Where the rank cannot move"},
    "h_gap": {"vi": "## Khoảng cách tới hạng mục tiêu", "en": "## The gap to the target rank"},
    "h_heatmap": {"vi": "## So sánh 52 chỉ số thành phần", "en": "## The 52 indicators compared"},
    "h_strengths": {"vi": "## Điểm mạnh, điểm yếu và danh sách chỉ số dưới bình quân cả nước",
                    "en": "## Strengths, weaknesses and the below-average checklist"},
    "h_loo": {"vi": "## Vị trí hiện tại dựa vào những chỉ số nào", "en": "## What the current position rests on"},
    "h_robust": {"vi": "## Thứ hạng vững đến đâu khi đổi phương pháp", "en": "## How robust the rank is to the method"},
    "h_effects": {"vi": "## Một năm cải thiện bền vững mang lại gì", "en": "## What one year of sustained progress buys"},
    # researcher-only sections (report-hide cells of notebook 02): not headings of the leaders' page
    "rh_sobol": {"vi": "## Độ nhạy của thứ hạng (dành cho nhà nghiên cứu)",
                 "en": "## How sensitive the rank is (for researchers)"},
    "rh_ols": {"vi": "## Trụ cột và thứ hạng trên toàn bộ các tỉnh, các năm (dành cho nhà nghiên cứu)",
               "en": "## Pillars and rank across provinces and years (for researchers)"},
    "intro": {
        "vi": "Năm {year}, **{province}** đạt **{pii} điểm** PII, xếp **hạng {rank}/{n}** tỉnh, thành phố; hạng "
              "mục tiêu của phân tích: **hạng {target}**. {gap_sentence}\n\n"
              "Mọi con số dưới đây được tính lại bằng chính công cụ chấm điểm: nâng điểm chuẩn hóa (thang 0–100) "
              "của một chỉ số, giữ nguyên mọi địa phương khác, rồi xếp hạng lại. Một «bước» là **{step} điểm "
              "chuẩn hóa** (tối đa 100 điểm).\n\n"
              "Các giá trị được ghi theo **đơn vị của từng chỉ số** (sau khi chia cho dân số, số doanh nghiệp hoặc "
              "GRDP). Mức cần đạt để lên hạng được tìm bằng cách chỉ thay giá trị của {province} rồi **chấm điểm "
              "lại toàn bộ các tỉnh** (chuẩn hóa và quy tắc xử lý giá trị ngoại lai áp dụng lại, kể cả khi "
              "{province} trở thành tỉnh cao nhất): «không thể đạt» nghĩa là không giá trị nào, tới giới hạn của "
              "chỉ số, đạt được hạng đó.",
        "en": "In {year}, **{province}** scores **{pii}** on the PII and ranks **{rank} of {n}** provinces; the "
              "target of this analysis is **rank {target}**. {gap_sentence}\n\n"
              "Every figure below is recomputed with the scoring engine: one indicator's normalised score "
              "(0–100 scale) is raised, every other province is held fixed, and the ranking is redone. One "
              "\"step\" is **{step} normalised points** (capped at 100).\n\n"
              "Values are in **each indicator's own unit** (after dividing by population, enterprises or GRDP). "
              "The value needed for a place is found by changing only {province}'s value and **re-scoring every "
              "province** (normalisation and the outlier rule re-applied, also when {province} becomes the new "
              "best): \"not reachable\" means that no value, up to the indicator's bound, reaches that rank.",
    },
    "gap_behind": {"vi": "Địa phương đang giữ hạng {target} là **{reference}** ({ref_pii} điểm): {province} cần "
                         "thêm **{gap} điểm** PII để vượt.",
                   "en": "The province now at rank {target} is **{reference}** ({ref_pii}): {province} needs "
                         "**{gap} more PII points** to overtake it."},
    "gap_met": {"vi": "{province} đã đạt mục tiêu; các so sánh dưới đây dùng địa phương xếp ngay trên, "
                      "**{reference}** (hạng {ref_rank}, {ref_pii} điểm), cách {gap} điểm PII.",
                "en": "{province} already meets the target; the comparisons below use the province just above, "
                      "**{reference}** (rank {ref_rank}, {ref_pii}), {gap} PII points ahead."},
    "gap_first": {"vi": "{province} đang đứng đầu; các so sánh dưới đây dùng địa phương xếp thứ hai, "
                        "**{reference}** ({ref_pii} điểm), kém {gap} điểm PII.",
                  "en": "{province} ranks first; the comparisons below use the runner-up, **{reference}** "
                        "({ref_pii}), {gap} PII points behind."},
    "neighbours": {"vi": "Để lên một bậc cần thêm {above} điểm PII; giảm quá {below} điểm sẽ mất một bậc.",
                   "en": "Gaining one place takes {above} more PII points; losing more than {below} points costs "
                         "a place."},
    "last": {"vi": "Để lên một bậc cần thêm {above} điểm PII; {province} đang xếp cuối nên không còn bậc nào để mất.",
             "en": "Gaining one place takes {above} more PII points; {province} ranks last, so there is no place "
                   "left to lose."},
    "first": {"vi": "{province} đang đứng đầu; giảm quá {below} điểm PII sẽ mất vị trí này.",
              "en": "{province} ranks first; losing more than {below} PII points would cost that place."},
    "pillar_moves": {
        "vi": "**Theo trụ cột.** Nếu điểm của cả một trụ cột tăng {step} điểm, {n_moving}/{n_pillars} trụ cột kéo "
              "được thứ hạng lên; mạnh nhất là **{best}** (lên hạng {best_rank}).",
        "en": "**By pillar.** If a whole pillar's score rises by {step} points, {n_moving} of {n_pillars} pillars "
              "lift the rank; the strongest is **{best}** (to rank {best_rank}).",
    },
    "pillar_none": {"vi": "**Theo trụ cột.** Không trụ cột nào tăng {step} điểm đủ để thay đổi thứ hạng.",
                    "en": "**By pillar.** No single pillar rising by {step} points changes the rank."},
    "ind_moves": {"vi": "**Theo chỉ số thành phần.** {k}/{n_ind} chỉ số, nếu riêng nó tăng {step} điểm, giúp lên "
                        "hạng.",
                  "en": "**By indicator.** {k} of {n_ind} indicators lift the rank when they alone rise by "
                        "{step} points."},
    "ind_none": {"vi": "**Theo chỉ số thành phần.** Không chỉ số đơn lẻ nào tăng {step} điểm đủ để lên một bậc: "
                       "cần thêm {above} điểm PII, trong khi một bước của chỉ số có tác động lớn nhất chỉ mang lại "
                       "{best} điểm. Thứ hạng chỉ dịch chuyển khi nhiều chỉ số cùng cải thiện, hoặc một chỉ số "
                       "tăng nhiều hơn một bước.",
                 "en": "**By indicator.** No single indicator rising by {step} points gains a place: that needs "
                       "{above} more PII points, while one step of the most powerful indicator adds only {best}. "
                       "The rank moves only when several indicators improve together, or one rises by more than "
                       "a step."},
    "ind_list": {"vi": "{n} chỉ số quan trọng nhất (theo số bậc tăng sau một năm cải thiện ở tốc độ bền vững, rồi "
                       "số năm ở tốc độ đó để lên một bậc):",
                 "en": "The {n} indicators that matter most (by places gained in one year at a sustained pace, then "
                       "the years at that pace to gain a place):"},
    "ind_item": {"vi": "- **{code} {name}**{agency}: hiện **{value}** {unit} (cao nhất cả nước {best}, bình quân "
                       "{average}; trọng số {weight}%); {next_phrase}; {target_phrase}.{monotone}",
                 "en": "- **{code} {name}**{agency}: now **{value}** {unit} (national best {best}, average "
                       "{average}; weight {weight}%); {next_phrase}; {target_phrase}.{monotone}"},
    "agency": {"vi": " — chủ trì: {agency}", "en": " — lead: {agency}"},
    "raw_next": {"vi": "lên một bậc ở mức **{value}**{quantity} (khoảng {years} năm ở tốc độ bền vững)",
                 "en": "gains a place at **{value}**{quantity} (about {years} years at a sustained pace)"},
    "raw_target": {"vi": "đạt hạng {target} ở mức **{value}**{quantity}",
                   "en": "reaches rank {target} at **{value}**{quantity}"},
    "raw_next_no": {"vi": "không giá trị nào giúp lên một bậc", "en": "no value gains a place"},
    "raw_target_no": {"vi": "riêng chỉ số này, ở bất kỳ giá trị nào, không đưa lên hạng {target}",
                      "en": "this indicator alone, at any value, cannot reach rank {target}"},
    "quantity": {"vi": ", tức {delta} so với hiện nay (theo {denominator} hiện tại)",
                 "en": ", i.e. {delta} at today's {denominator}"},
    "den_population": {"vi": "dân số", "en": "population"},
    "den_enterprises": {"vi": "số doanh nghiệp", "en": "number of enterprises"},
    "den_grdp": {"vi": "GRDP", "en": "GRDP"},
    "years_never": {"vi": "không tỉnh nào duy trì được mức tăng", "en": "no province sustains a rise"},
    "non_monotone": {"vi": " *Thứ hạng không tăng đều theo giá trị này: vượt quá một mức, quy tắc xử lý ngoại lai "
                           "hoặc việc đỉnh cả nước dịch chuyển lại làm hạng giảm.*",
                     "en": " *The rank does not improve steadily with this value: beyond some level the outlier "
                           "rule or the moving national maximum make it worse.*"},
    "levers_note": {"vi": "*Cơ quan chủ trì, mức độ chủ động và chi phí tương đối là **giả định** của dự án "
                          "(data/raw/indicator_levers.csv), để tỉnh tự điều chỉnh. Tốc độ bền vững: phân vị 90% "
                          "của mức thay đổi bình quân nhiều năm giữa các tỉnh.*",
                    "en": "*Lead agencies, controllability and relative costs are the project's **assumptions** "
                          "(data/raw/indicator_levers.csv), for the province to edit. Sustained pace: the 90th "
                          "percentile of provinces' multi-year average yearly changes.*"},
    "next_pts": {"vi": "lên một bậc khi tăng {pts} điểm", "en": "gains a place with +{pts} points"},
    "next_no": {"vi": "kể cả đạt 100 điểm cũng không lên được bậc nào",
                "en": "not even 100 points gains a place"},
    "next_first": {"vi": "đang đứng đầu", "en": "already first"},
    "target_pts": {"vi": "đạt hạng {target} khi tăng {pts} điểm", "en": "reaches rank {target} with +{pts} points"},
    "target_met": {"vi": "đã đạt hạng {target}", "en": "rank {target} already met"},
    "target_no": {"vi": "riêng chỉ số này không thể đưa lên hạng {target}",
                  "en": "this indicator alone cannot reach rank {target}"},
    "leverage_note": {"vi": "*Đòn bẩy* = trọng số hiệu dụng × khoảng cách điểm tới {reference}: số điểm PII có "
                            "thêm nếu chỉ số đạt mức của {reference} (âm: {province} đang hơn).",
                      "en": "*Leverage* = effective weight × the score gap to {reference}: the PII points gained "
                            "if the indicator reached {reference}'s level (negative: {province} is ahead)."},
    "ind_first": {"vi": "**Theo chỉ số thành phần.** {province} đang đứng đầu: một bước của chỉ số có tác động "
                        "lớn nhất thêm {best} điểm PII vào khoảng cách {below} điểm với vị trí thứ hai.",
                  "en": "**By indicator.** {province} ranks first: one step of the most powerful indicator adds "
                        "{best} PII points to its {below}-point lead over the runner-up."},
    "cannot": {"vi": "{n_none}/{n_ind} chỉ số **không thể** giúp {province} lên dù chỉ một bậc ở bất kỳ giá trị "
                     "nào tới giới hạn của chỉ số (trọng số nhỏ, giá trị đã cao, hoặc quy tắc ngoại lai kéo lại), "
                     "ví dụ: {examples}.",
               "en": "{n_none} of {n_ind} indicators **cannot** lift {province} by even one place at any value up to "
                     "the indicator's bound (small weight, already high value, or the outlier rule pulls it back), "
                     "e.g. {examples}."},
    "cannot_none": {"vi": "Chỉ số nào cũng có thể giúp lên ít nhất một bậc nếu tăng đủ nhiều.",
                    "en": "Every indicator can gain at least one place if it rises enough."},
    "cannot_first": {"vi": "{province} đang đứng đầu: không còn bậc nào để lên; điều cần giữ là khoảng cách "
                           "{below} điểm PII với vị trí thứ hai.",
                     "en": "{province} ranks first: there is no place left to gain; what matters is keeping its "
                           "{below}-point PII lead over the runner-up."},
    "target_single": {"vi": "{k} chỉ số có thể **tự mình** đưa {province} lên hạng {target}; nhanh nhất là "
                            "**{code} {name}** (tới {value} {unit}, khoảng {years} năm ở tốc độ bền vững).",
                      "en": "{k} indicators can **on their own** take {province} to rank {target}; the quickest is "
                            "**{code} {name}** (to {value} {unit}, about {years} years at a sustained pace)."},
    "target_none": {"vi": "**Không chỉ số đơn lẻ nào** đủ để đưa {province} lên hạng {target}, ở bất kỳ giá trị "
                          "nào: cần cải thiện đồng thời nhiều chỉ số, trước hết ở các trụ cột có khoảng cách lớn "
                          "dưới đây.",
                    "en": "**No single indicator** can take {province} to rank {target}, at any value: several must "
                          "improve together, first in the pillars with the largest gaps below."},
    "effects": {"vi": "Tác động **chính xác** của một năm cải thiện ở tốc độ bền vững của từng chỉ số (tính theo "
                      "đơn vị của chỉ số, chấm điểm lại toàn bộ các tỉnh, các tỉnh khác giữ nguyên): thay đổi điểm "
                      "PII và hạng PII sau bước đó. {k}/{n_ind} chỉ số tự mình giúp lên hạng sau một năm như vậy; "
                      "lớn nhất: {top}.",
                "en": "The **exact** effect of one year at each indicator's sustained pace (in the indicator's "
                      "unit, every province re-scored, the others as they are): the PII change and the PII rank "
                      "after that step. {k} of {n_ind} indicators gain a place on their own with one such year; "
                      "largest: {top}."},
    "robust": {"vi": "Như JRC kiểm định GII, {draws} phương án thay đổi trọng số các trụ cột, cách xử lý số liệu "
                     "thiếu và cách tổng hợp trụ cột (trung bình cộng hay trung bình nhân), giữ chuẩn hóa min-max "
                     "và tỷ lệ đầu vào/đầu ra bằng nhau. Hạng của {province}: trung vị **{median}**, khoảng 90% "
                     "**{low}–{high}** (hạng công bố theo phương pháp hiện hành: {nominal}). {driver}",
               "en": "As the JRC audits the GII, {draws} variants change the pillar weights, the treatment of "
                     "missing values and the aggregation of pillars (arithmetic or geometric mean), keeping min-max "
                     "normalisation and the equal input/output split. {province}'s rank: median **{median}**, 90% "
                     "interval **{low}–{high}** (rank under the current method: {nominal}). {driver}"},
    "robust_driver": {"vi": "Phần lớn dao động đến từ **{factor}** (chỉ số Sobol toàn phần {st}).",
                      "en": "Most of the variation comes from **{factor}** (total Sobol index {st})."},
    "robust_flat": {"vi": "Hạng không đổi ở mọi phương án.", "en": "The rank is the same in every variant."},
    "factor_weights": {"vi": "trọng số các trụ cột", "en": "the pillar weights"},
    "factor_imputation": {"vi": "cách xử lý số liệu thiếu", "en": "the treatment of missing values"},
    "factor_aggregation": {"vi": "cách tổng hợp trụ cột", "en": "the aggregation of pillars"},
    "col_factor": {"vi": "Giả định", "en": "Assumption"},
    "col_S1": {"vi": "Sobol bậc 1 (S1)", "en": "First-order Sobol (S1)"},
    "col_ST": {"vi": "Sobol toàn phần (ST)", "en": "Total Sobol (ST)"},
    "sobol_caveat": {"vi": "*Lưu ý cho nhà nghiên cứu:* chỉ số Sobol ở cấp chỉ số thành phần chủ yếu nhắc lại bình "
                           "phương trọng số, và vì hạng thay đổi theo bậc nên tổng các chỉ số toàn phần có thể vượt "
                           "xa 1; lãnh đạo nên đọc bảng tác động chính xác ở trên.",
                     "en": "*Caveat for researchers:* indicator-level Sobol indices mostly restate the squared weights, "
                           "and because the rank moves in steps the total indices can sum to well above 1; leaders "
                           "should read the exact effects above."},
    "ols_caveat": {"vi": "*Lưu ý cho nhà nghiên cứu:* hệ số OLS là mối liên hệ trung bình giữa các tỉnh, không phải "
                         "tác động của một điểm trụ cột lên hạng của một tỉnh (tác động chính xác nằm ở các phần "
                         "trên).",
                   "en": "*Caveat for researchers:* the OLS coefficients are an average association across "
                         "provinces, not the effect of one pillar point on one province's rank (the exact effects "
                         "are above)."},
    "target_already": {"vi": "{province} đã ở hạng {target} hoặc cao hơn.",
                       "en": "{province} is already at rank {target} or better."},
    "gap": {"vi": "Chênh lệch điểm PII giữa {reference} và {province} là {gap} điểm, được chia **chính xác** "
                  "theo trụ cột, nhóm chỉ số và chỉ số (tổng các phần đúng bằng chênh lệch; phần dương: "
                  "{reference} hơn, phần âm: {province} hơn).",
            "en": "The PII difference between {reference} and {province} is {gap} points, split **exactly** into "
                  "pillars, sub-pillars and indicators (the parts add up to the difference; positive: {reference} "
                  "is ahead, negative: {province} is ahead)."},
    "gap_behind_at": {"vi": " {reference} hơn chủ yếu ở: {parts}.", "en": " {reference} is ahead mainly in: {parts}."},
    "gap_ahead_at": {"vi": " {province} hơn chủ yếu ở: {parts}.", "en": " {province} is ahead mainly in: {parts}."},
    "heatmap": {"vi": "Biểu đồ nhiệt đặt điểm chuẩn hóa của {province} cạnh bình quân Top 10 và bình quân cả nước "
                      "cho từng chỉ số; ô đỏ là chỉ số thấp.",
                "en": "The heatmap puts {province}'s normalised score beside the Top-10 and national averages for "
                      "each indicator; red cells are low scores."},
    "strengths": {"vi": "Điểm mạnh và điểm yếu: {n} chỉ số có thứ hạng cao nhất và {n} chỉ số có thứ hạng thấp "
                        "nhất của {province} trong {n_prov} tỉnh, thành phố (như hồ sơ địa phương chính thức).",
                  "en": "Strengths and weaknesses: {province}'s {n} best- and {n} worst-ranked indicators among "
                        "{n_prov} provinces (as in the official provincial profiles)."},
    "checklist": {"vi": "**Danh sách kiểm tra:** {k}/{n_ind} chỉ số thấp hơn bình quân cả nước, xếp theo đòn bẩy "
                        "(số điểm PII có thêm nếu đạt mức bình quân cả nước).",
                  "en": "**Checklist:** {k} of {n_ind} indicators are below the national average, ordered by "
                        "leverage (PII points gained by reaching the national average)."},
    "loo": {"vi": "Nếu bỏ từng chỉ số khỏi bộ chỉ số (trọng số chia lại cho các chỉ số cùng nhóm), {province} "
                  "tụt hạng ở {k_worse} chỉ số{worse} và lên hạng ở {k_better} chỉ số{better}.",
            "en": "Dropping each indicator from the index (its weight shared among its siblings), {province} "
                  "falls at {k_worse} indicators{worse} and rises at {k_better}{better}."},
    "loo_most": {"vi": " (nhiều nhất: {code} {name}, hạng {rank})", "en": " (most: {code} {name}, rank {rank})"},
    "loo_none": {"vi": "Bỏ bất kỳ chỉ số nào khỏi bộ chỉ số (trọng số chia lại cho các chỉ số cùng nhóm), {province} "
                       "vẫn giữ hạng {rank}: vị trí hiện tại không dựa vào một chỉ số đơn lẻ nào.",
                 "en": "Dropping any one indicator from the index (its weight shared among its siblings), "
                       "{province} keeps rank {rank}: its position does not rest on any single indicator."},
    "sobol": {"vi": "Cho mỗi {factor} của {province} dao động ±{spread} điểm quanh mức hiện tại ({evaluations} "
                    "lần chấm điểm lại), hạng PII dao động từ {min} đến {max}. Tác động toàn phần (ST) lớn nhất: "
                    "{top}. S1 đo tác động riêng của từng yếu tố, ST gồm cả tác động qua tương tác; vạch lỗi là "
                    "khoảng tin cậy {conf}%.",
              "en": "Letting each {factor} of {province} vary by ±{spread} points around its current level "
                    "({evaluations} re-scorings), the PII rank ranges from {min} to {max}. Largest total effects "
                    "(ST): {top}. S1 is a factor's effect alone; ST includes its interactions; error bars are "
                    "{conf}% confidence intervals."},
    "sobol_observed": {"vi": "Cho mỗi {factor} của {province} nhận bất kỳ mức nào quan sát được ở các tỉnh năm đó "
                             "({evaluations} lần chấm điểm lại), hạng PII dao động từ {min} đến {max}. Tác động "
                             "toàn phần (ST) lớn nhất: {top}.",
                       "en": "Letting each {factor} of {province} take any level observed among the provinces that "
                             "year ({evaluations} re-scorings), the PII rank ranges from {min} to {max}. Largest "
                             "total effects (ST): {top}."},
    "sobol_flat": {"vi": "Trong khoảng dao động ±{spread} điểm, thứ hạng của {province} không đổi.",
                   "en": "Within ±{spread} points, {province}'s rank does not change."},
    "factor_indicator": {"vi": "chỉ số thành phần", "en": "indicator"},
    "factor_pillar": {"vi": "trụ cột", "en": "pillar"},
    "factor_subpillar": {"vi": "nhóm chỉ số", "en": "sub-pillar"},
    "ols": {"vi": "Hồi quy OLS trên {nobs} quan sát (tỉnh × năm): {response} theo điểm {k} trụ cột, có hiệu ứng "
                  "năm, sai số chuẩn {cov}. R² = {r2}. {strongest}Đây là mối liên hệ mô tả trên {data}, không phải "
                  "quan hệ nhân quả.",
            "en": "OLS on {nobs} observations (province × year): {response} on the {k} pillar scores, with year "
                  "effects and {cov} standard errors. R² = {r2}. {strongest}This is a descriptive association in "
                  "{data}, not a causal effect."},
    "ols_rank": {"vi": "hạng PII", "en": "PII rank"},
    "ols_score": {"vi": "điểm PII", "en": "PII score"},
    "ols_strongest": {"vi": "Mỗi điểm của trụ cột **{name}** đi kèm thay đổi {coef} bậc (hệ số âm = hạng tốt "
                            "hơn). ",
                      "en": "Each point of pillar **{name}** goes with {coef} places (negative = better rank). "},
    "demo_data": {"vi": "dữ liệu minh họa", "en": "demonstration data"},
    "user_data": {"vi": "dữ liệu đang dùng", "en": "the data used"},
    "not_reachable": {"vi": "không thể đạt", "en": "not reachable"},
    "and": {"vi": "và", "en": "and"},
    # table headers
    "col_indicator": {"vi": "Mã", "en": "Code"},
    "col_name": {"vi": "Chỉ số", "en": "Indicator"},
    "col_pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "col_effective_weight": {"vi": "Trọng số hiệu dụng (%)", "en": "Effective weight (%)"},
    "col_score": {"vi": "Điểm", "en": "Score"},
    "col_rank": {"vi": "Hạng chỉ số", "en": "Indicator rank"},
    "col_rank_after_step": {"vi": "Hạng PII sau một bước", "en": "PII rank after a step"},
    "col_points_to_next_rank": {"vi": "Điểm cần để lên 1 bậc", "en": "Points to gain a place"},
    "col_points_to_target": {"vi": "Điểm cần để đạt hạng mục tiêu", "en": "Points to the target rank"},
    "col_leverage": {"vi": "Đòn bẩy (điểm PII)", "en": "Leverage (PII points)"},
    "col_national_average": {"vi": "Bình quân cả nước", "en": "National average"},
    "col_gap_national": {"vi": "Thiếu so với bình quân", "en": "Short of the average"},
    "col_leverage_national": {"vi": "Đòn bẩy tới bình quân", "en": "Leverage to the average"},
    "col_kind": {"vi": "Loại", "en": "Type"},
    "col_unit": {"vi": "Đơn vị", "en": "Unit"},
    "col_raw_value": {"vi": "Giá trị hiện nay", "en": "Current value"},
    "col_raw_for_next_rank": {"vi": "Mức cần để lên 1 bậc", "en": "Value to gain a place"},
    "col_raw_for_target": {"vi": "Mức cần để đạt hạng mục tiêu", "en": "Value for the target rank"},
    "col_national_best": {"vi": "Cao nhất cả nước", "en": "National best"},
    "col_national_average_raw": {"vi": "Bình quân cả nước", "en": "National average"},
    "col_lead_agency": {"vi": "Cơ quan chủ trì (giả định)", "en": "Lead agency (assumption)"},
    "col_raw_step": {"vi": "Một năm ở tốc độ bền vững", "en": "One year at a sustained pace"},
    "col_pii_change_raw_step": {"vi": "Thay đổi điểm PII", "en": "PII change"},
    "col_rank_after_raw_step": {"vi": "Hạng PII sau đó", "en": "PII rank after"},
    "col_rank_without": {"vi": "Hạng PII nếu bỏ chỉ số", "en": "PII rank without it"},
    "col_term": {"vi": "Biến", "en": "Term"},
    "col_coef": {"vi": "Hệ số", "en": "Coefficient"},
    "col_std_err": {"vi": "Sai số chuẩn", "en": "Std. error"},
    "col_t": {"vi": "t", "en": "t"},
    "col_p_value": {"vi": "Giá trị p", "en": "p-value"},
    "col_ci_low": {"vi": "KTC dưới", "en": "CI low"},
    "col_ci_high": {"vi": "KTC trên", "en": "CI high"},
    "term_const": {"vi": "Hằng số", "en": "Intercept"},
    "term_year": {"vi": "Năm {year}", "en": "Year {year}"},
    "term_pillar": {"vi": "Trụ cột {code}{name}", "en": "Pillar {code}{name}"},
    "kind_strength": {"vi": "Điểm mạnh", "en": "Strength"},
    "kind_weakness": {"vi": "Điểm yếu", "en": "Weakness"},
}


def _n(value: float, lang: str, digits: int = 2) -> str:
    return fmt_num(float(value), lang, digits)


def _step(meta: dict, lang: str) -> str:
    step = float(meta["step"])
    return _n(step, lang, 0 if step.is_integer() else 1)


def heading(section: str, lang: str) -> str:
    """A section heading; researcher-only sections ('sobol', 'ols') have their own keys (rh_*)."""
    key = f"h_{section}" if f"h_{section}" in TEXT else f"rh_{section}"
    return text(TEXT, key, lang)


def title(result: DriversResult, lang: str) -> str:
    return text(TEXT, "title", lang, province=result.meta["province"], year=result.meta["year"])


def intro(result: DriversResult, lang: str) -> str:
    """Where the province stands, the target and the gap."""
    m = result.meta
    gap = float(result.decomposition.attrs["gap"])
    key = "gap_behind" if m["rank"] > m["target_rank"] else "gap_met" if m["rank"] > 1 else "gap_first"
    ref_pii = result.decomposition.iloc[0]["reference_score"]
    sentence = text(TEXT, key, lang, province=m["province"], reference=m["reference"], gap=_n(abs(gap), lang),
                    target=m["target_rank"], ref_pii=_n(ref_pii, lang), ref_rank=m["reference_rank"])
    out = text(TEXT, "intro", lang, year=m["year"], province=m["province"], pii=_n(m["pii"], lang), rank=m["rank"],
               n=m["n_provinces"], target=m["target_rank"], gap_sentence=sentence, step=_step(m, lang))
    above, below = m["gap_above"], m["gap_below"]
    if np.isfinite(above) and not np.isfinite(below):
        extra = text(TEXT, "last", lang, above=_n(above, lang), province=m["province"])
    elif np.isfinite(above):
        extra = text(TEXT, "neighbours", lang, above=_n(above, lang), below=_n(below, lang))
    else:
        extra = text(TEXT, "first", lang, province=m["province"], below=_n(below, lang))
    return out + " " + extra


def _name(row: pd.Series, lang: str) -> str:
    return str(row["name_vi" if lang == "vi" else "name_en"]) if "name_vi" in row else str(row["name"])


def moves(result: DriversResult, lang: str, n: int = N_NAMED) -> str:
    """Which pillars and which indicators move the rank with one step, and the five that matter most."""
    m, t = result.meta, result.table
    step = _step(m, lang)
    pillars = result.nodes[result.nodes["level"] == "pillar"]
    if (pillars["rank_gain"] > 0).any():
        best = pillars.sort_values(["rank_gain", "pii_change_step"], ascending=False).iloc[0]
        parts = [text(TEXT, "pillar_moves", lang, step=step, n_moving=int((pillars["rank_gain"] > 0).sum()),
                      n_pillars=len(pillars), best=f"{best['node']} {_name(best, lang)}",
                      best_rank=int(best["rank_after_step"]))]
    else:
        parts = [text(TEXT, "pillar_none", lang, step=step)]
    k = int((t["rank_gain"] > 0).sum())
    if m["rank"] == 1:
        parts.append(text(TEXT, "ind_first", lang, province=m["province"], best=_n(t["pii_change_step"].max(), lang),
                          below=_n(m["gap_below"], lang)))
    elif k:
        parts.append(text(TEXT, "ind_moves", lang, k=k, n_ind=len(t), step=step))
    else:
        above = m["gap_above"]
        parts.append(text(TEXT, "ind_none", lang, step=step, above=_n(above, lang) if np.isfinite(above) else "—",
                          best=_n(t["pii_change_step"].max(), lang)))
    items = [text(TEXT, "ind_list", lang, n=min(n, len(t))), ""]
    for _, row in t.head(n).iterrows():
        items.append(lever_item(row, m, lang))
    items += ["", text(TEXT, "levers_note", lang)]
    return "\n\n".join(parts) + "\n\n" + "\n".join(items)


def _years(value: float, lang: str) -> str:
    return fmt_num(value, lang, 1) if np.isfinite(value) else text(TEXT, "years_never", lang)


def _quantity(row: pd.Series, key: str, lang: str) -> str:
    """', i.e. +230 at today's population' when the indicator is a rate of a quantity."""
    delta = row.get(f"quantity_for_{key}", np.nan)
    if pd.isna(delta) or row.get("denominator", "none") == "none":
        return ""
    return text(TEXT, "quantity", lang, delta=fmt_measure(delta, lang, signed=True),
                denominator=text(TEXT, f"den_{row['denominator']}", lang))


def lever_item(row: pd.Series, meta: dict, lang: str) -> str:
    """One indicator in real units: value, national best and average, the value for the next place and
    for the target (with the change of the underlying quantity), who leads, and a monotonicity note."""
    res = row["raw_resolution"]
    agency = text(TEXT, "agency", lang, agency=row["lead_agency"]) if row.get("lead_agency") else ""
    if meta["rank"] == 1:
        nxt = text(TEXT, "next_first", lang)
    elif pd.isna(row["raw_for_next_rank"]):
        nxt = text(TEXT, "raw_next_no", lang)
    else:
        nxt = text(TEXT, "raw_next", lang, value=fmt_measure(row["raw_for_next_rank"], lang, res),
                   quantity=_quantity(row, "next_rank", lang), years=_years(row["years_to_next_rank"], lang))
    target = meta["target_rank"]
    if meta["rank"] <= target:
        tgt = text(TEXT, "target_met", lang, target=target)
    elif pd.isna(row["raw_for_target"]):
        tgt = text(TEXT, "raw_target_no", lang, target=target)
    else:
        tgt = text(TEXT, "raw_target", lang, target=target, value=fmt_measure(row["raw_for_target"], lang, res),
                   quantity=_quantity(row, "target", lang))
    return text(TEXT, "ind_item", lang, code=row["indicator"], name=row["name"], agency=agency,
                value=fmt_measure(row["raw_value"], lang, res), unit=row["unit"],
                best=fmt_measure(row["national_best"], lang, res),
                average=fmt_measure(row["national_average_raw"], lang, res),
                weight=_n(100 * row["effective_weight"], lang), next_phrase=nxt, target_phrase=tgt,
                monotone="" if row["monotone"] else text(TEXT, "non_monotone", lang))


def limits(result: DriversResult, lang: str) -> str:
    """Indicators that cannot move the rank at any value, and whether any single one reaches the target."""
    m, t = result.meta, result.table
    none = t[t["raw_for_next_rank"].isna()]
    if m["rank"] == 1:
        parts = [text(TEXT, "cannot_first", lang, province=m["province"], below=_n(m["gap_below"], lang))]
    elif len(none):
        top = none.sort_values("effective_weight", ascending=False).head(3)
        examples = join_names([f"{c} {nm}" for c, nm in zip(top["indicator"], top["name"])], lang)
        parts = [text(TEXT, "cannot", lang, n_none=len(none), n_ind=len(t), province=m["province"],
                      examples=examples)]
    else:
        parts = [text(TEXT, "cannot_none", lang)]
    fmt = dict(province=m["province"], target=m["target_rank"])
    reach = t[t["raw_for_target"].notna()]
    if m["rank"] <= m["target_rank"]:
        parts.append(text(TEXT, "target_already", lang, **fmt))
    elif len(reach):
        best = reach.sort_values("years_to_target", kind="stable").iloc[0]
        parts.append(text(TEXT, "target_single", lang, k=len(reach), code=best["indicator"], name=best["name"],
                          value=fmt_measure(best["raw_for_target"], lang, best["raw_resolution"]), unit=best["unit"],
                          years=_years(best["years_to_target"], lang), **fmt))
    else:
        parts.append(text(TEXT, "target_none", lang, **fmt))
    return "\n\n".join(parts)


def effects_text(result: DriversResult, lang: str) -> str:
    """The exact marginal effects of one year at a sustained pace, in words."""
    t = result.table
    k = int((t["rank_gain_raw_step"] > 0).sum())
    top = t.sort_values(["rank_gain_raw_step", "pii_change_raw_step"], ascending=False, kind="stable").head(3)
    named = join_names([f"{r['indicator']} {r['name']} (+{fmt_measure(r['raw_step'], lang, r['raw_resolution'])} "
                        f"{r['unit']} → {_n(r['pii_change_raw_step'], lang)} PII)" for _, r in top.iterrows()], lang)
    return text(TEXT, "effects", lang, k=k, n_ind=len(t), top=named)


def robustness(u, province: str) -> pd.DataFrame:
    """The province's Sobol indices on the method assumptions (uncertainty.Uncertainty), one row each."""
    rows = u.sobol[u.sobol["province"] == province].reset_index(drop=True)
    out = rows[["factor", "S1", "ST"]].copy()
    out.attrs.update(u.table.set_index("province").loc[province].to_dict(), province=province, draws=len(u.ranks))
    return out


def robustness_text(table: pd.DataFrame, lang: str) -> str:
    """Median rank, 90% interval and the assumption that moves the rank most, in words."""
    a = table.attrs
    st = table["ST"].fillna(0.0)
    driver = text(TEXT, "robust_flat", lang) if a["rank_p05"] == a["rank_p95"] else \
        text(TEXT, "robust_driver", lang, factor=text(TEXT, f"factor_{table.loc[st.idxmax(), 'factor']}", lang),
             st=_n(st.max(), lang))
    return text(TEXT, "robust", lang, draws=thousands(a["draws"], lang), province=a["province"],
                median=int(a["median_rank"]), low=int(a["rank_p05"]), high=int(a["rank_p95"]),
                nominal=int(a["nominal_rank"]), driver=driver)


def sobol_caveat(lang: str) -> str:
    return text(TEXT, "sobol_caveat", lang)


def ols_caveat(lang: str) -> str:
    return text(TEXT, "ols_caveat", lang)


def _named_values(rows: pd.DataFrame, lang: str) -> str:
    return join_names([f"{r['node']} {_name(r, lang)} ({'+' if r['contribution'] >= 0 else '−'}"
                       f"{_n(abs(r['contribution']), lang)})" for _, r in rows.iterrows()], lang)


def gap_text(result: DriversResult, lang: str, level: str = "pillar") -> str:
    """The exact decomposition in words: where the reference province is ahead, and where the province is."""
    d, m = result.decomposition, result.meta
    rows = d[d["level"] == level]
    fmt = dict(province=m["province"], reference=m["reference"])
    out = text(TEXT, "gap", lang, gap=_n(d.attrs["gap"], lang), **fmt)
    behind = rows[rows["contribution"] > 0].nlargest(3, "contribution")
    ahead = rows[rows["contribution"] < 0].nsmallest(3, "contribution")
    if len(behind):
        out += text(TEXT, "gap_behind_at", lang, parts=_named_values(behind, lang), **fmt)
    if len(ahead):
        out += text(TEXT, "gap_ahead_at", lang, parts=_named_values(ahead, lang), **fmt)
    return out


def heatmap_text(result: DriversResult, lang: str) -> str:
    return text(TEXT, "heatmap", lang, province=result.meta["province"])


def strengths_text(result: DriversResult, lang: str) -> str:
    n = int((result.strengths["kind"] == "strength").sum())
    return text(TEXT, "strengths", lang, n=n, province=result.meta["province"], n_prov=result.meta["n_provinces"])


def checklist_text(result: DriversResult, lang: str) -> str:
    return text(TEXT, "checklist", lang, k=len(result.checklist), n_ind=len(result.table))


def loo_text(result: DriversResult, lang: str) -> str:
    """How much the position rests on single indicators (leave-one-out)."""
    t, m = result.table, result.meta
    change = t["rank_without"] - m["rank"]

    def most(rows: pd.DataFrame, key: pd.Series) -> str:
        if rows.empty:
            return ""
        r = rows.loc[key.loc[rows.index].idxmax()]
        return text(TEXT, "loo_most", lang, code=r["indicator"], name=r["name"], rank=int(r["rank_without"]))

    worse, better = t[change > 0], t[change < 0]
    if worse.empty and better.empty:
        return text(TEXT, "loo_none", lang, province=m["province"], rank=m["rank"])
    return text(TEXT, "loo", lang, province=m["province"], k_worse=len(worse), k_better=len(better),
                worse=most(worse, change), better=most(better, -change))


def sobol_text(sobol: pd.DataFrame, lang: str) -> str:
    """What the Sobol indices say, with the input ranges used."""
    a = sobol.attrs
    names = sobol["name_vi" if lang == "vi" else "name_en"]
    fmt = dict(province=a["province"], spread=_n(a["spread"], lang, 0), evaluations=thousands(a["evaluations"], lang),
               min=int(a["min"]), max=int(a["max"]), factor=text(TEXT, f"factor_{a['level']}", lang),
               conf=int(round(100 * a["conf_level"])))
    if a["min"] == a["max"]:
        return text(TEXT, "sobol_flat", lang, **fmt)
    top = join_names([f"{c} {nm} ({_n(st, lang)})" for c, nm, st in
                      zip(sobol["factor"].head(3), names.head(3), sobol["ST"].head(3))], lang)
    return text(TEXT, "sobol" if a["ranges"] == "step" else "sobol_observed", lang, top=top, **fmt)


def ols_text(ols: pd.DataFrame, data_status: str, framework: Framework, lang: str) -> str:
    """The pooled OLS in words (with its caveat)."""
    a = ols.attrs
    pillars = ols[ols["term"].str.match(r"^p\d")]
    strongest = ""
    if len(pillars):
        r = pillars.loc[pillars["coef"].abs().idxmax()]
        strongest = text(TEXT, "ols_strongest", lang, name=framework.name(r["term"][1:], lang),
                         coef=_n(r["coef"], lang, 3))
    data = text(TEXT, "demo_data" if data_status == "demonstration" else "user_data", lang)
    return text(TEXT, "ols", lang, nobs=a["nobs"], response=text(TEXT, f"ols_{a['response']}", lang),
                k=len(pillars), cov=a["cov_type"], r2=_n(a["r2"], lang, 3), strongest=strongest, data=data)


# --- tables for display -------------------------------------------------------------------------
def term_label(term: str, lang: str, framework: Framework | None = None) -> str:
    """A regression term in words: 'const' -> 'Hằng số', 'p6' -> 'Trụ cột 6 Sản phẩm ...', 'year_2024' ->
    'Năm 2024'; any other term as it is."""
    if term == "const":
        return text(TEXT, "term_const", lang)
    if term.startswith("year_"):
        return text(TEXT, "term_year", lang, year=term[5:])
    if term[:1] == "p" and term[1:].isdigit():
        name = f" {framework.name(term[1:], lang)}" if framework is not None else ""
        return text(TEXT, "term_pillar", lang, code=term[1:], name=name)
    return term


RAW_COLUMNS = ("raw_value", "national_best", "national_average_raw", "raw_step")


def _raw_cell(value: float, resolution: float, monotone: bool, lang: str, met: bool) -> str:
    """A raw value needed for a rank: '—' when already met, 'not reachable' when no value reaches it,
    '*' when the rank is not monotone in the value."""
    if met:
        return "—"
    cell = fmt_measure(value, lang, resolution) if pd.notna(value) else text(TEXT, "not_reachable", lang)
    return cell + ("" if monotone else " *")


def display_table(frame: pd.DataFrame, lang: str, columns: list[str] | None = None, digits: int = 2,
                  framework: Framework | None = None) -> pd.DataFrame:
    """A result table ready to show: chosen columns, numbers formatted for `lang` ('not reachable'
    where a rise cannot reach the rank), weights in percent, regression terms in words (pillar names
    when `framework` is given), translated headers."""
    check_lang(lang)
    out = frame[columns] if columns else frame.copy()
    out = out.copy()
    if "term" in out:
        out["term"] = [term_label(t, lang, framework) for t in out["term"]]
    if framework is not None and {"indicator", "name"} <= set(out.columns):
        out["name"] = [mark(framework, c, n, weight="effective_weight" in out) for c, n in
                       zip(out["indicator"], out["name"])]
    if "effective_weight" in out:
        out["effective_weight"] = 100 * out["effective_weight"]
    if "kind" in out:
        out["kind"] = [text(TEXT, f"kind_{k}", lang) for k in out["kind"]]
    if "factor" in out and "S1" in out:
        out["factor"] = [text(TEXT, f"factor_{f}", lang) for f in out["factor"]]
    reach = {"points_to_next_rank": "next_reachable", "points_to_target": "target_reachable"}
    first = frame.attrs.get("rank") == 1
    for col in out.columns:
        if col == "points_to_next_rank" and first:
            out[col] = "—"
        elif col in reach and reach[col] in frame:
            out[col] = [fmt_num(v, lang, 1) if ok else text(TEXT, "not_reachable", lang)
                        for v, ok in zip(out[col], frame[reach[col]])]
        elif col in ("raw_for_next_rank", "raw_for_target") and "raw_resolution" in frame:
            out[col] = [_raw_cell(v, r, mono, lang, met=(col == "raw_for_target" and frame.attrs.get("rank", 99)
                                                           <= frame.attrs.get("target_rank", 0)) or
                                  (col == "raw_for_next_rank" and first))
                        for v, r, mono in zip(out[col], frame["raw_resolution"], frame["monotone"])]
        elif col in RAW_COLUMNS and "raw_resolution" in frame:
            out[col] = [fmt_measure(v, lang, r) for v, r in zip(out[col], frame["raw_resolution"])]
        elif col in ("rank", "rank_after_step", "rank_without", "rank_after_raw_step"):
            out[col] = [str(int(v)) if pd.notna(v) else "" for v in out[col]]
        elif out[col].dtype.kind == "f":
            out[col] = [fmt_num(v, lang, digits) if pd.notna(v) else "" for v in out[col]]
    return out.rename(columns={c: text(TEXT, f"col_{c}", lang) for c in out.columns if f"col_{c}" in TEXT}) \
        .reset_index(drop=True)


VIEWS = {  # the columns each displayed table shows, and its decimals
    "drivers": (["indicator", "name", "unit", "raw_value", "raw_for_next_rank", "raw_for_target", "national_best",
                 "national_average_raw", "lead_agency", "effective_weight", "rank"], 2),
    "effects": (["indicator", "name", "unit", "raw_value", "raw_step", "pii_change_raw_step",
                 "rank_after_raw_step"], 3),
    "robust": (["factor", "S1", "ST"], 2),
    "strengths": (["kind", "indicator", "name", "score", "rank", "national_average"], 2),
    "checklist": (["indicator", "name", "score", "national_average", "gap_national", "leverage_national"], 2),
    "ols": (["term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high"], 3),
}


def view(frame: pd.DataFrame, lang: str, key: str, framework: Framework | None = None) -> TableView:
    """`display_table` of one of `VIEWS`, styled like every report table (`profile.styled`); pass the
    `framework` to name the pillars of the OLS table."""
    columns, digits = VIEWS[key]
    return styled(display_table(frame, lang, columns, digits, framework), key)
