"""Give each registered report notebook its data-level cells (idempotent; touches only these cells).

    .venv/bin/python scripts/nb_data_levels.py          # edit the registered notebooks in place
    .venv/bin/python scripts/nb_data_levels.py --check  # exit 1 if a notebook lacks them

The pages are those of the page registry (`pii_analysis.report.pages`: each `notebooks/<stem>.page.toml`).
1. The parameters cell declares `data_level = None` (the report run passes the level it decided).
2. After it, a cell `level-start` opens the data once with `report.page_run.start_page` (below the panel it
   shows what the level allows).
3. Every later panel cell is `if page.runs("<key>"):` with its code indented under it: it runs where the
   level answers what the section needs and otherwise says why not. The key is the one the cell already
   names, else found from the heading the cell shows; it must be a section of the page's entry, and every
   section of the entry must be a cell (a mismatch stops the script, naming both).
Run it again after a notebook changed (e.g. after taking main's version in a merge).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pii_analysis.report import pages  # noqa: E402 - after the path of the checkout

START_ID = "level-start"
GUARD = re.compile(r'^if page\.runs\("([\w.]+)"\):\n')
OLD_MAGIC = re.compile(r"^%%panel_section ([\w.]+)\n")
PARAMETER = 'data_level = None  # None: the level of data_path\'s file (panel, profile, published); the run passes its own\n'
#: the notebooks' own open of the panel, now start_page's (the level is decided once)
OPENED = {"ctx = load_context(data_path, sheet=sheet, decimal=decimal)\n":
          "ctx = page.data  # the full panel (index.context.Context), opened once by start_page\n",
          "from pii_analysis.index.context import load_context\n": ""}
#: keywords of start_page that differ by page (page 03 names its year base_year and has a target year)
YEAR = {"03": ("base_year", ", target_year=target_year")}


def start_source(page: pages.Page) -> str:
    year, extra = YEAR.get(page.key, ("year", ""))
    return ("# The data, opened once at their level (panel, profile or published results). Below the full panel this\n"
            "# shows what that level allows; each later section that needs more says why not (page.runs).\n"
            "from pii_analysis.report.page_run import start_page\n\n"
            f"page = start_page(\"{page.key}\", data_path, province=province, year={year}, sheet=sheet, "
            f"decimal=decimal, lang=lang, data_level=data_level{extra})")


def section_key(page: pages.Page, source: str) -> str:
    """The section key of a panel cell, from what it shows."""
    module = next(iter(k.split(".")[0] for k in page.sections if "." in k), "")
    if "page.data" in source or "load_context(" in source:
        return "setup"
    found = re.search(r"heading\(\s*['\"](\w+)['\"]", source) or re.search(r"narrative\(\s*['\"](h_\w+)['\"]", source)
    if found:
        return f"{module}.{found.group(1)}"
    if "page_banner(" in source:
        return "title"
    if "target_pace(" in source:
        return f"{module}.h_targets"
    raise SystemExit(f"{page.stem}: no panel-section key for the cell starting {source[:80]!r}")


def body_of(source: str) -> tuple[str | None, str]:
    """(the key the cell names, its code without the guard or the old cell magic, dedented)."""
    for pattern in (GUARD, OLD_MAGIC):
        found = pattern.match(source)
        if found:
            body = source[found.end():]
            if pattern is GUARD:
                body = "".join(line[4:] if line.startswith("    ") else line for line in body.splitlines(keepends=True))
            return found.group(1), body
    return None, source


def guarded(key: str, body: str) -> str:
    return f'if page.runs("{key}"):\n' + "".join(f"    {line}" if line.strip() else line
                                               for line in body.splitlines(keepends=True))


def edit(page: pages.Page) -> bool:
    path = page.notebook
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    before = json.dumps(cells)
    params = next(i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    source = "".join(cells[params]["source"])
    if "data_level =" not in source:
        cells[params]["source"] = (source.rstrip("\n") + "\n" + PARAMETER).rstrip("\n").splitlines(keepends=True)
    start = next((i for i, c in enumerate(cells) if c.get("id") == START_ID), None)
    src = start_source(page)
    if start is None:
        cells.insert(params + 1, {"cell_type": "code", "execution_count": None, "id": START_ID, "metadata": {},
                                  "outputs": [], "source": []})
        start = params + 1
    cells[start]["source"] = src.splitlines(keepends=True)
    seen = []
    for cell in cells[start + 1:]:
        if cell["cell_type"] != "code":
            continue
        key, body = body_of("".join(cell["source"]))
        if key is None and "judge_plan(" in body:
            continue    # the plan: judged at every level (analysis.plan.judge_plan asks the level)
        for old, new in OPENED.items():
            body = body.replace(old, new)
        key = key or section_key(page, body)
        if key not in page.sections:
            raise SystemExit(f"{page.stem}: the cell of section '{key}' is not in [sections] of "
                             f"{pages.entry_path(path).name}")
        seen.append(key)
        cell["source"] = guarded(key, body).splitlines(keepends=True)
    missing = [k for k in page.sections if k not in seen]
    if missing:
        raise SystemExit(f"{page.stem}: sections {', '.join(missing)} of {pages.entry_path(path).name} have no cell")
    changed = json.dumps(cells) != before
    if changed:
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for page in pages.registry().values():
        before = page.notebook.read_text(encoding="utf-8")
        if edit(page):
            changed.append(page.stem)
            if check:
                page.notebook.write_text(before, encoding="utf-8")
    print(("lack the data-level cells: " if check else "edited: ") + (", ".join(changed) or "none"))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
