"""The probability sentence below the panel (a profile or published results): P(target rank) from the totals
(`analysis.totals_feasibility.level_feasibility`), with its verdict, the range over the models of the totals
nobody published, which model gives which value, the target's origin and the calibration, in `lang`.
Page 03 and the summary print it from the same draws and seed, so the probability has one value."""
from __future__ import annotations

from pii_analysis.analysis.verdict import classify
from pii_analysis.report.feasibility_text import verdict_labels
from pii_analysis.report.formatting import fmt_num, fmt_pct
from pii_analysis.report.i18n import Table, catalog, text

TEXT: Table = catalog("level_feasibility_text.TEXT")
MODEL_KEYS = {"unknown totals mid-interval": "m_mid", "unknown totals at their upper bounds": "m_upper",
              "unknown totals at their lower bounds": "m_lower"}


def probability_sentence(result, lang: str, target_year: int) -> str:
    """'' when the level allows no probability (no total, no rank, or a target year already past)."""
    from pii_analysis.analysis.totals_feasibility import level_feasibility

    judged = level_feasibility(result, target_year=target_year)
    if judged is None:
        return ""
    target, f = judged
    models = "; ".join(f"{text(TEXT, MODEL_KEYS[k], lang)}: {fmt_pct(v, lang)}" for k, v in f.by_model.items())
    return text(TEXT, "probability", lang, rank=target.rank, year=target.year, p=fmt_pct(f.p, lang),
                verdict=verdict_labels([classify(f.p)], lang)[0], lo=fmt_pct(f.lo, lang), hi=fmt_pct(f.hi, lang),
                models=models, origin=text(TEXT, f"o_{target.origin}", lang), sd=fmt_num(f.sd_within, lang),
                df=f.df_within, draws=f.n_draws, seed=f.seed)
