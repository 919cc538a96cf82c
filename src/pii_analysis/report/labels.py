"""What the numbers are: banners and notes that label demonstration, inferred and official data, the
data level, the method and the framework's evidence wherever they are shown.

Every page states: what the data are (the demonstration banner speaks of the page's own province),
the data level, that the method is modelled on the GII (never "the official method"), and which
indicator names, placements and weights are assumptions (the framework's `evidence` column)."""
from __future__ import annotations

from pii_analysis.report.i18n import Table, catalog, text

TEXT: Table = catalog("labels.TEXT")


def data_banner(data_status: str, lang: str, source: str = "", position: dict | None = None,
                province: str = "", year: int | None = None) -> str:
    """One-paragraph label of the data shown (demonstration, user or official, or 'projection'); on a
    province's page, `position` (analysis.national.position_basis) says where its own rank comes from."""
    key = data_status if data_status in TEXT else "user"  # 'projection' labels simulated results
    out = text(TEXT, key, lang, source=source)
    if position is not None and is_demonstration(data_status):
        out += text(TEXT, f"pos_{position['kind']}", lang, province=province, year=year, rank=position["rank"],
                    source=position.get("source", ""))
    return out


def is_demonstration(data_status: str) -> bool:
    return data_status == "demonstration"


def data_level(ctx) -> str:
    """The context's data level ('panel', 'profile', 'published'); a full panel where the context
    does not say (contexts before data levels existed)."""
    return str(getattr(ctx, "data_level", None) or "panel")


def level_text(level: str, lang: str) -> str:
    key = f"level_{level}"
    return text(TEXT, "level", lang, level=text(TEXT, key, lang) if key in TEXT else level)


# --- the framework's evidence ------------------------------------------------------------------
def _evidence(framework, code: str) -> str:
    nodes = framework.nodes
    return str(nodes.at[code, "evidence"]) if "evidence" in nodes.columns else ""


def assumed_name(framework, code: str) -> bool:
    """Whether an indicator's name or placement is an assumption (its evidence is not 'confirmed')."""
    return _evidence(framework, code) != "confirmed"


def assumed_weight(framework, code: str) -> bool:
    """Whether a node's effective weight rests on an assumption: along its path to the root, some node
    has a sibling whose evidence is not 'confirmed' (a parent's weights are known only when all its
    children are)."""
    for node in [code, *framework.ancestors(code)]:
        parent = framework.nodes.at[node, "parent"] if node in framework.nodes.index else ""
        if parent and any(_evidence(framework, c) != "confirmed" for c in framework.children[parent]):
            return True
    return False


def mark(framework, code: str, name: str, weight: bool = False) -> str:
    """`name` with '*' when its name or placement is assumed and, with `weight`, '†' when its weight is."""
    out = str(name)
    if code in framework.nodes.index:
        out += "*" if assumed_name(framework, code) else ""
        out += "†" if weight and assumed_weight(framework, code) else ""
    return out


def evidence_counts(framework) -> dict[str, int]:
    codes = framework.indicators
    return {"n": len(codes), "names": sum(assumed_name(framework, c) for c in codes),
            "weights": sum(assumed_weight(framework, c) for c in codes)}


def evidence_note(framework, lang: str) -> str:
    """The footnote under a table whose names carry '*' / '†' (Markdown)."""
    kinds = sorted({_evidence(framework, c) for c in framework.indicators} - {"confirmed", ""})
    labels = [text(TEXT, f"ev_{k}", lang) if f"ev_{k}" in TEXT else k for k in kinds]
    return text(TEXT, "evidence_note", lang, kinds=", ".join(labels))


def method_text(framework, lang: str) -> str:
    return text(TEXT, "method", lang, **evidence_counts(framework))


def page_banner(ctx, province: str | None, year: int | None, lang: str, projection: bool = False) -> str:
    """The top of every page (HTML, from templates/banner.html.j2): the projection label when the page
    shows simulations, the data banner (speaking of `province`'s own rank), the data level and the
    method with the framework's evidence."""
    from pii_analysis.report.site import render

    position = None
    if province is not None and year is not None and is_demonstration(ctx.data_status):
        from pii_analysis.analysis.national import position_basis
        position = position_basis(ctx, province, year)
    boxes = []
    if projection:
        boxes.append({"kind": "projection", "text": data_banner("projection", lang)})
    boxes.append({"kind": ctx.data_status, "text": data_banner(ctx.data_status, lang, ctx.panel.source, position,
                                                                province or "", year)})
    facts = [level_text(data_level(ctx), lang), method_text(ctx.framework, lang)]
    return render("banner.html.j2", boxes=boxes, facts=facts)


def banner_html(key: str, lang: str, source: str = "") -> str:
    """A coloured box with a data status's or the projection's label (no province named)."""
    from pii_analysis.report.site import render
    return render("banner.html.j2", boxes=[{"kind": key, "text": data_banner(key, lang, source)}], facts=[])
