"""One report page as offline HTML: nbconvert's stock `HTMLExporter` with the project's template, and a
sanitiser over what cells print.

Pages show outputs only (no code, no prompts), figures as embedded PNG with alt text, no JavaScript. Text
from data files reaches a page through the Markdown that cells *print* (titles and narratives naming
provinces, indicators, scenarios): `EscapePrintedMarkdown` renders it with raw HTML escaped and harmful
link protocols (javascript:) refused, then passes it through `bleach` with an allow-list, and hands the
exporter the result as HTML. The notebooks' own Markdown cells render as written. Only public APIs of
nbconvert (a registered preprocessor, template loaders) are used.
"""
from __future__ import annotations

import functools
import re
from typing import Any

HIDE_TAG = "report-hide"      # notebook cells with this tag (researcher notes) are neither run nor shown by a report

# What printed Markdown may become: text structure, tables, links (http, https, mailto, in-page), emphasis.
ALLOWED_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3",
                          "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "small", "span", "strong",
                          "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["colspan", "rowspan", "scope"],
                      "td": ["colspan", "rowspan"], "*": ["class", "id"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _character(match: re.Match) -> str:
    """A numeric character reference ('&#7841;') as the UTF-8 character it stands for: the page reads, and
    searches, as Vietnamese. References below U+00A0 (markup characters, the C1 range) are kept."""
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return chr(code) if 0xA0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def sanitise(html: str) -> str:
    """HTML reduced to the allow-list (tags, attributes, link protocols); anything else is escaped."""
    import bleach

    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
                        strip=False, strip_comments=True)


def printed_markdown_html(source: str) -> str:
    """Markdown a cell printed, as safe HTML: raw HTML escaped, javascript: links refused, then sanitised."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=True, allow_harmful_protocols=False)
    return sanitise(MarkdownWithMath(renderer=renderer).render(source))


def _escape_printed_markdown() -> type:
    from nbconvert.preprocessors import Preprocessor

    class EscapePrintedMarkdown(Preprocessor):
        """Every text/markdown output becomes sanitised text/html (`printed_markdown_html`)."""

        def preprocess_cell(self, cell, resources, index):
            for output in cell.get("outputs", []):
                data = output.get("data")
                if data and "text/markdown" in data:
                    source = data.pop("text/markdown")
                    data["text/html"] = printed_markdown_html("".join(source) if isinstance(source, list)
                                                              else source)
            return cell, resources

    return EscapePrintedMarkdown


@functools.cache
def exporter() -> Any:
    """The HTML exporter, built once per process (loading its templates costs more than a render)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from pii_analysis.report.site import TEMPLATES

    out = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                       exclude_output_prompt=True, embed_images=True,
                       extra_loaders=[DictLoader({"pii_notebook.html.j2":
                                                  (TEMPLATES / "notebook.html.j2").read_text("utf-8")})],
                       template_file="pii_notebook.html.j2")
    out.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}), enabled=True)
    out.register_preprocessor(_escape_printed_markdown()(), enabled=True)
    return out


def render_html(nb: Any, title: str, lang: str = "en", links: list[dict] | None = None,
                nav_label: str = "") -> str:
    """One self-contained HTML page: outputs only (no code), PNG figures inline with alt text, no scripts;
    `<html lang>` and the tab title in the report's language, the links to the province's pages."""
    import copy

    exp = exporter()
    exp.language_code = lang
    body, _ = exp.from_notebook_node(copy.deepcopy(nb), resources={
        "metadata": {"name": title}, "pii_nav": links or [], "pii_nav_label": nav_label, "pii_alt": title})
    return _NUMERIC_REF.sub(_character, body)
