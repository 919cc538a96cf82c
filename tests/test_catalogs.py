"""Page text lives in the gettext catalogs (Babel), not in Python: no text table is left in a report
module, both languages have every message, and a translation keeps the text's placeholders."""
from __future__ import annotations

import importlib.util
import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

from pii_analysis.report import i18n

ROOT = Path(__file__).resolve().parents[1]


def _converter():
    spec = importlib.util.spec_from_file_location("text_to_catalogs", ROOT / "scripts" / "text_to_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_text_table_is_left_in_python():
    converter = _converter()
    left = {p.name: converter.literal_tables(p) for p in sorted(converter.REPORT.glob("*.py"))}
    assert not {k: v for k, v in left.items() if v}, "run scripts/text_to_catalogs.py"
    hand = [p.name for p in converter.REPORT.glob("*.py")
            if re.search(r"""['"]vi['"]\s*:\s*['"]""", p.read_text(encoding="utf-8"))]
    assert not hand, hand                                   # no {"vi": "...", "en": "..."} left anywhere
    assert converter.page_names() == ([], [])               # every registered page named in the catalogs


def catalog(lang: str):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        return {(m.context, m.id): m.string for m in read_po(fh, locale=lang) if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_every_message_with_the_same_placeholders():
    vi, en = catalog("vi"), catalog("en")
    assert vi.keys() == en.keys() and len(vi) > 300
    dropped = {("feasibility_text.TEXT", "model_range"): {"n"}}    # Vietnamese says "tùy mô hình", no count
    for key in vi:
        assert placeholders(vi[key]) ^ placeholders(en[key]) == dropped.get(key, set()), key
        assert bool(vi[key]) == bool(en[key]), key           # a blank only where both are blank


def test_a_module_reads_its_text_from_the_catalogs():
    from pii_analysis.report import profile_text

    assert isinstance(profile_text.TEXT, i18n.Catalog)
    assert profile_text.TEXT["h_headline"] == {"vi": "1. Kết quả chung", "en": "1. Headline"}
    assert "h_merger" in profile_text.TEXT and list(profile_text.TEXT)[0] == "title"
