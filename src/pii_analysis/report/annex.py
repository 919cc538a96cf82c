"""The department annex workbook (openpyxl): a summary sheet and one sheet per lead department, in the report
language, frozen header, column widths, number formats, A4 landscape; written atomically. The numbers are
analysis.annex.department_annex."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from pii_analysis.report.files import neutralise_cell
from pii_analysis.report.i18n import Table, catalog, text

TEXT: Table = catalog("annex.TEXT")
HEADER_ROW = 3   # title, banner, then the header


def _t(key: str, lang: str, **kw: object) -> str:
    return text(TEXT, key, lang, **kw)


def sheet_name(name: str, used: set[str]) -> str:
    """An Excel sheet name (<= 31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Sheet"
    out, k = base, 2
    while out.lower() in used:
        out = f"{base[:28]}~{k}"
        k += 1
    used.add(out.lower())
    return out


def _number_format(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").abs().median()
    if not v == v or v >= 100:
        return "#,##0.0"
    return "0.00" if v >= 1 else "0.0000"


def _wrap_title(ws, n_cols: int, header_row: int) -> None:
    """The banner row merged over the table's width and wrapped (so it never widens the printed page)."""
    from openpyxl.styles import Alignment

    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n_cols)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 48
    ws.row_dimensions[header_row].height = 45


def _page(ws, n_cols: int, header_row: int) -> None:
    _wrap_title(ws, n_cols, header_row)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3 if n_cols > 4 else 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def _table(ws, frame: pd.DataFrame, row: int, widths: dict[int, float], formats: dict[int, str]) -> int:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="D6EAF8")
    for j, col in enumerate(frame.columns, start=1):
        c = ws.cell(row=row, column=j, value=neutralise_cell(str(col)))
        c.font, c.fill = Font(bold=True), fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, rec in enumerate(frame.itertuples(index=False), start=row + 1):
        for j, value in enumerate(rec, start=1):
            if isinstance(value, float) and value != value:
                value = None
            signed = _signed_number(value)
            c = ws.cell(row=i, column=j, value=neutralise_cell(value) if signed is None else signed)
            text = isinstance(value, str) and signed is None
            # numbers centred: right-aligned, they ran into the next column's left-aligned text in print
            c.alignment = Alignment(wrap_text=text, vertical="top", horizontal=None if text else "center")
            if j in formats:
                c.number_format = formats[j]
            elif signed is not None:
                c.number_format = SIGNED_FORMAT
    for j, w in widths.items():
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = w
    for i in range(row, row + len(frame) + 1):
        ws.row_dimensions[i].height = 15 * _lines(ws, i, len(frame.columns))
    return row + len(frame) + 1


SIGNED_FORMAT = "+0;-0;0"


def _signed_number(value) -> int | float | None:
    """A page's signed figure ('+1', '−2', '0') as the number it shows (written as a number with SIGNED_FORMAT,
    never as text a spreadsheet prefixes with an apostrophe); None for any other value."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\u2212", "-")
    if not re.fullmatch(r"[+-]\d+", text):
        return None
    return int(text)


def _lines(ws, row: int, n_cols: int) -> int:
    """Lines the row's wrapped text takes at its columns' widths (spreadsheets do not grow rows themselves)."""
    most = 1
    for j in range(1, n_cols + 1):
        value = ws.cell(row=row, column=j).value
        if isinstance(value, str):
            width = ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width or 10
            most = max(most, -(-len(value) // max(int(width * 1.1), 1)))
    return min(most, 6)


def department_frame(rows: pd.DataFrame, years, base: int, lang: str) -> pd.DataFrame:
    """One department's indicators as its sheet shows them (headers in `lang`)."""
    flag = lambda b: _t("assumed" if b else "confirmed", lang)  # noqa: E731
    out = pd.DataFrame({_t("col_code", lang): rows["indicator"], _t("col_name", lang): rows["name"],
                        _t("col_unit", lang): rows["unit"],
                        _t("col_value_now", lang, year=base): rows["value_now"],
                        _t("col_national_mean", lang): rows["national_mean"],
                        _t("col_national_best", lang): rows["national_best"]})
    for y in years:
        out[_t("col_needed", lang, year=y)] = rows[f"needed_{y}"].to_numpy()
    out[_t("col_places", lang)] = rows["places_gained"].to_numpy()
    out[_t("col_co_agencies", lang)] = rows["co_agencies"].to_numpy()
    out[_t("col_placement", lang)] = [flag(b) for b in rows["placement_assumed"]]
    out[_t("col_agency", lang)] = [flag(b) for b in rows["agency_assumed"]]
    return out


def annex_workbook(indicators: pd.DataFrame, plans: pd.DataFrame, judged: pd.DataFrame, *, province: str,
                   base: int, lang: str, status: str, source: str, years):
    """The openpyxl workbook of the annex."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from pii_analysis.report import plan_text

    book = Workbook()
    ws = book.active
    used: set[str] = set()
    ws.title = sheet_name(_t("sheet_summary", lang), used)
    ws["A1"] = _t("title", lang, province=province, year=base)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = _t("banner", lang, status=status, source=Path(str(source)).name) + " " + _t("method", lang)
    row = HEADER_ROW
    targets = plan_text.plan_table(judged, lang)
    ws.cell(row=row, column=1, value=_t("h_targets", lang)).font = Font(bold=True)
    row = _table(ws, targets, row + 1, {1: 34, 2: 10, 3: 16, 4: 40, 5: 12, 6: 36}, {}) + 1
    ws.cell(row=row, column=1, value=_t("h_plans", lang)).font = Font(bold=True)
    shown = pd.DataFrame({_t("col_year", lang): plans["year"], _t("col_target_rank", lang): plans["target_rank"],
                          _t("col_plan_status", lang): [_t(f"st_{s}", lang) for s in plans["status"]],
                          _t("col_achieved", lang): plans["achieved_rank"],
                          _t("col_raised", lang): plans["indicators_raised"]})
    row = _table(ws, shown, row + 1, {}, {}) + 1
    ws.cell(row=row, column=1, value=_t("h_departments", lang)).font = Font(bold=True)
    counts = indicators.groupby("lead_agency", sort=False).agg(n=("indicator", "size"),
                                                               raised=("raised_in_plan", "sum")).reset_index()
    counts = counts.sort_values("n", ascending=False)
    _table(ws, pd.DataFrame({_t("col_department", lang): counts["lead_agency"],
                             _t("col_indicators", lang): counts["n"], _t("col_raised", lang): counts["raised"]}),
           row + 1, {}, {})
    _wrap_title(ws, 6, HEADER_ROW)
    ws.row_dimensions[HEADER_ROW].height = None
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    for dept in counts["lead_agency"]:
        rows = indicators[indicators["lead_agency"] == dept]
        sheet = book.create_sheet(sheet_name(dept, used))
        sheet["A1"] = _t("dept_title", lang, department=dept, province=province)
        sheet["A1"].font = Font(bold=True, size=12)
        sheet["A2"] = _t("banner", lang, status=status, source=Path(str(source)).name)
        frame = department_frame(rows, years, base, lang)
        formats = {}
        for j, col in enumerate(frame.columns, start=1):
            if 4 <= j <= 6 + len(years):
                formats[j] = _number_format(rows[["value_now", "national_mean", "national_best"]].stack()
                                            if j <= 6 else frame[col])
        widths = {1: 8, 2: 44, 3: 18, **dict.fromkeys(range(4, 7 + len(years)), 12), 7 + len(years): 10,
                  8 + len(years): 34, 9 + len(years): 12, 10 + len(years): 12}
        _table(sheet, frame, HEADER_ROW, widths, formats)
        _page(sheet, len(frame.columns), HEADER_ROW)
    return book


def write_annex(ctx, province: str, judged: pd.DataFrame, path, *, lang: str = "vi", base_year: int | None = None,
                years=None) -> Path:
    """Compute the annex (analysis.annex) and write the workbook atomically to `path`."""
    from pii_analysis.analysis.annex import YEARS, department_annex

    years = tuple(years or YEARS)
    base = ctx.check_year(base_year)
    indicators, plans = department_annex(ctx, province, base_year=base, lang=lang, years=years)
    book = annex_workbook(indicators, plans, judged, province=province, base=base, lang=lang,
                          status=ctx.data_status, source=ctx.panel.source, years=years)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".xlsx")
    os.close(fd)
    try:
        book.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p


def write_plan_annex(folder: Path, ctx, province: str, projection, lang: str) -> Path | None:
    """The report run's annex next to the summary (`summary.ANNEX`), rows judged on the run's projection;
    None when the province has no targets."""
    from pii_analysis.analysis.plan import judge_panel, plan_targets
    from pii_analysis.report.summary import ANNEX

    targets = plan_targets(ctx, province)
    if targets.empty:
        return None
    judged = judge_panel(ctx, province, targets, projection)
    return write_annex(ctx, province, judged, Path(folder) / ANNEX, lang=lang, base_year=projection.base_year)
