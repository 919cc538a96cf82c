"""The report as a site: the pages of a run, the links between them and the Jinja2 environment that
renders the pages the project writes itself (landing page, summary, run log; autoescaping on).

Layout of a run's output directory:
    index.html                     the landing page: the 34 provinces, links to their pages
    run_log.html                   parameters, seed, timings, every report's status and error
    <slug>/summary.html            one printable page per province
    <slug>/<notebook>.html         the three notebook reports
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

from pii_analysis.report.i18n import Table, catalog, check_lang, text

INDEX = "index.html"
RUN_LOG = "run_log.html"
SUMMARY = "summary.html"
TEMPLATES = Path(__file__).with_name("templates")

TEXT: Table = catalog("site.TEXT")


def slug(name: str) -> str:
    """ASCII file name of a province: 'Ninh Bình' -> 'ninh-binh', 'TP. Hồ Chí Minh' -> 'tp-ho-chi-minh'."""
    plain = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    ascii_slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return ascii_slug or "province-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def page_name(page: str, lang: str) -> str:
    """The short name of a page ('summary', 'index', 'run_log', a notebook's stem or path) in `lang`: a report
    page's by the `name` key of its registry entry (report.pages: the shipped pages', or the entry beside the
    notebook's path), else the entry's own `names`, else its stem."""
    from pii_analysis.report.pages import entry_for, entry_path, registry

    stem = Path(str(page)).stem
    entry = registry().get(stem)
    if entry is None and str(page).endswith(".ipynb") and entry_path(page).exists():
        entry = entry_for(page)
    page = stem
    key = entry.name if entry is not None else page
    if key in TEXT:
        return text(TEXT, key, lang)
    return entry.names.get(check_lang(lang), page) if entry is not None else page


def page_title(page: str, province: str, year: int, lang: str) -> str:
    """The browser-tab title of a province's page, in `lang`: 'Hồ sơ: Ninh Bình, PII 2025'."""
    return text(TEXT, "page_title", lang, page=page_name(page, lang), province=province, year=year)


def nav(pages: list[str], current: str, lang: str) -> list[dict[str, Any]]:
    """The links at the top of a province's page: the landing page, then the province's pages
    (`pages`: 'summary' and notebook stems or paths), the current one (a stem) marked. Hrefs are relative
    to the province's folder."""
    check_lang(lang)
    items = [{"label": page_name("index", lang), "href": f"../{INDEX}", "current": False}]
    for page in pages:
        stem = Path(str(page)).stem
        href = SUMMARY if stem == "summary" else f"{stem}.html"
        items.append({"label": page_name(page, lang), "href": href, "current": stem == current})
    return items


@functools.cache
def environment() -> Any:
    """The Jinja2 environment of the project's own pages: templates from report/templates, HTML
    autoescaped (text from data files can hold '<' or '&'), the report's number formats as filters."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from pii_analysis.report import formatting

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=formatting.fmt_num, pct=formatting.fmt_pct, signed=formatting.fmt_signed)
    return env


def render(template: str, **context: Any) -> str:
    """One page from `templates/<template>` with `context`."""
    return environment().get_template(template).render(**context)
