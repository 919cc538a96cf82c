"""Give the three report notebooks their data-level cells (idempotent; touches only these cells).

    .venv/bin/python scripts/nb_data_levels.py          # edit notebooks/0*.ipynb in place
    .venv/bin/python scripts/nb_data_levels.py --check  # exit 1 if a notebook lacks them

1. After the parameters cell: a cell `level-start` that opens the data with
   `report.level_pages.start_page` (None for a full panel; below it, the sections the level allows).
2. Every later code cell starts with `%%panel_section <key>`: it runs at the panel level and, below it,
   shows why it cannot (report.level_pages.SECTIONS). The key is found from the heading the cell shows;
   a cell whose key cannot be found stops the script (add it to KEYS).
Run it again after a notebook changed (e.g. after taking main's version in a merge).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAGIC = "%%panel_section"
START_ID = "level-start"

START = {
    "01_province_profile": ("01", "year", ""),
    "02_rank_drivers": ("02", "year", ""),
    "03_top10_feasibility": ("03", "base_year", ", target_year=target_year"),
}
MODULE = {"01_province_profile": "profile", "02_rank_drivers": "drivers", "03_top10_feasibility": "feasibility"}


def start_source(stem: str) -> str:
    page, year, extra = START[stem]
    return ("# The data level. With a province's profile or published results only (not every province's indicator\n"
            "# values), this shows what that level allows; each later section that needs the full panel says why not.\n"
            "from pii_analysis.report import level_pages\n\n"
            f"level = level_pages.start_page(\"{page}\", data_path, province=province, year={year}, sheet=sheet, "
            f"lang=lang{extra})")


def section_key(stem: str, source: str) -> str:
    """The SECTIONS key of a panel cell, from what it shows."""
    if "load_context(" in source:
        return "setup"
    found = re.search(r"heading\(\s*['\"](\w+)['\"]", source) or re.search(r"narrative\(\s*['\"](h_\w+)['\"]", source)
    if found:
        return f"{MODULE[stem]}.{found.group(1)}"
    if "page_banner(" in source:
        return "title"
    if "target_pace(" in source:
        return "feasibility.h_targets"
    raise SystemExit(f"{stem}: no panel-section key for the cell starting {source[:80]!r}")


def edit(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    stem = path.stem
    cells = nb["cells"]
    changed = False
    params = next(i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    start = next((i for i, c in enumerate(cells) if c.get("id") == START_ID), None)
    src = start_source(stem)
    if start is None:
        cells.insert(params + 1, {"cell_type": "code", "execution_count": None, "id": START_ID, "metadata": {},
                                  "outputs": [], "source": src.splitlines(keepends=True)})
        changed = True
    elif "".join(cells[start]["source"]) != src:
        cells[start]["source"] = src.splitlines(keepends=True)
        changed = True
    for cell in cells[params + 2:]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        body = source.split("\n", 1)[1] if source.startswith(MAGIC) else source
        new = f"{MAGIC} {section_key(stem, body)}\n{body}"
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for stem in START:
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        if check:
            before = path.read_text(encoding="utf-8")
            if edit(path):
                path.write_text(before, encoding="utf-8")
                changed.append(stem)
        elif edit(path):
            changed.append(stem)
    print(("lack the data-level cells: " if check else "edited: ") + (", ".join(changed) or "none"))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
