"""The department annex (`pii plan --xlsx`): every framework indicator on exactly one department sheet, with
the years 2026-2030, its lead department's sheet the one of data/raw/indicator_levers.csv."""
from __future__ import annotations

import io
from contextlib import redirect_stdout

import openpyxl
import pytest

from pii_analysis.cli.main import main
from pii_analysis.data.levers import lever_columns, load_levers
from pii_analysis.index.context import load_context
from pii_analysis.report.annex import HEADER_ROW, sheet_name

NB = "Ninh Bình"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("annex") / "plan.xlsx"
    with redirect_stdout(io.StringIO()):
        assert main(["plan", "--province", NB, "--xlsx", str(path), "--lang", "en", "--draws", "60"]) == 0
    return openpyxl.load_workbook(path)


def test_every_indicator_sits_on_exactly_one_department_sheet_with_2026_to_2030(book):
    ctx = load_context()
    codes = list(ctx.framework.indicators)
    lead = lever_columns(load_levers(indicators=codes), codes, "en")["lead_agency"]
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 1 + lead.nunique()
    seen: dict[str, str] = {}
    for ws in book.worksheets[1:]:
        header = [c.value for c in ws[HEADER_ROW]]
        assert [h for h in header if str(h).startswith("Needed")] == [f"Needed {y}" for y in range(2026, 2031)]
        assert ws.freeze_panes == f"C{HEADER_ROW + 1}" and ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
            assert row[0] not in seen, f"{row[0]} on {seen.get(row[0])} and {ws.title}"
            seen[row[0]] = ws.title
            needed = row[header.index("Needed 2026"):header.index("Needed 2030") + 1]
            # numbers in every year (a whole number where the value needed is today's whole-number count)
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in needed)
    assert sorted(seen) == sorted(codes)
    used: set[str] = set()
    names = {d: sheet_name(d, used) for d in dict.fromkeys(lead.sort_index())}
    for code, dept in zip(codes, lead):
        assert seen[code] == names[dept] or seen[code].startswith(dept[:28])


def test_the_summary_sheet_lists_the_plan_targets(book):
    ws = book["Summary"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("PII rank ≤ 15" in c for c in cells) and any("DEMONSTRATION" in c.upper() or "demonstration" in c
                                                             for c in cells)


def test_signed_margins_are_numbers_with_a_sign_format_not_text(book):
    """'+1' / '−2' of the plan table are written as numbers formatted '+0;-0;0' (no apostrophe-prefixed text)."""
    ws = book["Summary"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(isinstance(c.value, str) and c.value.lstrip("'").lstrip("+-−").isdigit()
                   and c.value.lstrip("'")[:1] in "+-−" for c in cells)
    signed = [c for c in cells if c.number_format == "+0;-0;0"]
    assert signed and all(isinstance(c.value, int) for c in signed)
