"""Move the report's hand-written text tables into gettext catalogs (Babel), mechanically.

    .venv/bin/python scripts/text_to_catalogs.py            # migrate every table left in report/*.py
    .venv/bin/python scripts/text_to_catalogs.py --check    # only list the tables that are still in Python

For every module-level table of `pii_analysis.report` written as a dict literal {key: {"vi": ..., "en": ...}}
(`TEXT: Table = {...}`, `COLUMNS: Table = {...}`), it
1. adds each entry to `report/locale/vi/LC_MESSAGES/pii.po` and `.../en/...` (context `<module>.<TABLE>`,
   id = the key, msgstr = the text; the other language as a translator comment), written with Babel;
2. replaces the literal in the module by `<TABLE>: Table = catalog("<module>.<TABLE>")`;
3. re-imports every module and checks that every key gives the same text in both languages as before.
Run it again after someone adds a new table: existing messages are kept, new ones appended.

It reads the page registry too (`pii_analysis.report.pages`, each `notebooks/<stem>.page.toml`): a page whose
`name` key is not in the catalogs (context `site.TEXT`) has its entry's own `names = {vi, en}` appended there;
a page without either, or running below the panel without its `title` key in `level_pages.TEXT`, is listed
(and fails --check).
"""
from __future__ import annotations

import argparse
import ast
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "src" / "pii_analysis" / "report"
sys.path.insert(0, str(ROOT / "src"))


def literal_tables(path: Path) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of each module-level dict literal whose values are {"vi", "en"} dicts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else \
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict) or not value.values:
            continue
        inner = [v for v in value.values if isinstance(v, ast.Dict)]
        if len(inner) != len(value.values):
            continue
        langs = {k.value for v in inner for k in v.keys if isinstance(k, ast.Constant)}
        if langs == {"vi", "en"}:
            found.append((target.id, node.lineno, node.end_lineno))
    return found


def load_catalogs():
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    from pii_analysis.report.i18n import DOMAIN, LANGS, LOCALE_DIR

    catalogs = {}
    for lang in LANGS:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            with path.open("rb") as fh:
                catalogs[lang] = read_po(fh, locale=lang)
        else:
            catalogs[lang] = Catalog(locale=lang, domain=DOMAIN, project="pii-analysis",
                                     msgid_bugs_address="", charset="utf-8", fuzzy=False)
    return catalogs


def save_catalogs(catalogs) -> None:
    from babel.messages.pofile import write_po

    from pii_analysis.report.i18n import DOMAIN, LOCALE_DIR

    for lang, cat in catalogs.items():
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, width=110, sort_output=False, omit_header=False, include_previous=False)


def ensure_import(source: str) -> str:
    """Add `catalog` to the module's `from pii_analysis.report.i18n import ...` line (or add that line)."""
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("from pii_analysis.report.i18n import "):
            names = [n.strip() for n in line.split(" import ", 1)[1].split(",")]
            if "catalog" not in names:
                names = sorted({*names, "catalog"}, key=lambda n: (n[0].islower(), n))
                lines[i] = "from pii_analysis.report.i18n import " + ", ".join(names) + "\n"
            return "".join(lines)
    for i, line in enumerate(lines):     # after `from __future__ import annotations` and the first imports
        if line.startswith(("from pii_analysis.", "import ")):
            lines.insert(i, "from pii_analysis.report.i18n import Table, catalog\n")
            return "".join(lines)
    raise SystemExit("no place for the i18n import")


def page_names() -> tuple[list[tuple[str, dict]], list[str]]:
    """The registered pages' names to append to site.TEXT ((key, {vi, en}) from their entries) and what no
    entry gives (a name or, below the panel, a title key missing from the catalogs)."""
    from pii_analysis.report.i18n import LANGS, catalog
    from pii_analysis.report.pages import registry

    names, site, below = [], catalog("site.TEXT"), catalog("level_pages.TEXT")
    missing = []
    for page in registry().values():
        if page.name not in site:
            if set(LANGS) <= set(page.names):
                names.append((page.name, {lang: page.names[lang] for lang in LANGS}))
            else:
                missing.append(f"{page.stem}: name '{page.name}' is not in site.TEXT and the entry has no names")
        if set(page.levels) - {"panel"} and page.title not in below:
            missing.append(f"{page.stem}: title '{page.title}' is not in level_pages.TEXT")
    return names, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list the tables still written in Python")
    args = parser.parse_args()
    todo = {p: literal_tables(p) for p in sorted(REPORT.glob("*.py"))}
    todo = {p: t for p, t in todo.items() if t}
    for path, tables in todo.items():
        print(f"{path.relative_to(ROOT)}: {', '.join(name for name, _, _ in tables)}")
    names, missing = page_names()
    for key, _ in names:
        print(f"page name {key}: in its registry entry, not yet in the catalogs")
    for line in missing:
        print(line)
    if args.check or not (todo or names):
        return 1 if (todo or names or missing) and args.check else 0

    catalogs = load_catalogs()
    for key, texts in names:
        for lang, cat in catalogs.items():
            cat.add(key, string=texts[lang], context="site.TEXT",
                    auto_comments=[f"{o}: {texts[o]}" for o in texts if o != lang])
    before: dict[str, dict] = {}
    for path, tables in todo.items():
        module = importlib.import_module(f"pii_analysis.report.{path.stem}")
        for name, _, _ in tables:
            context = f"{path.stem}.{name}"
            table = {k: dict(v) for k, v in getattr(module, name).items()}
            before[context] = table
            for key, texts in table.items():
                for lang, cat in catalogs.items():
                    other = [f"{o}: {texts[o]}" for o in texts if o != lang]
                    flags = ["python-brace-format"] if "{" in texts[lang] else []
                    cat.add(key, string=texts[lang], context=context, auto_comments=other, flags=flags)
    save_catalogs(catalogs)

    for path, tables in todo.items():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for name, first, last in sorted(tables, key=lambda t: -t[1]):
            lines[first - 1:last] = [f'{name}: Table = catalog("{path.stem}.{name}")\n']
        path.write_text(ensure_import("".join(lines)), encoding="utf-8")

    # the check: every key, both languages, the same text as before
    from pii_analysis.report import i18n
    i18n._messages.cache_clear()
    bad = 0
    for context, table in before.items():
        module, name = context.split(".")
        mod = importlib.reload(importlib.import_module(f"pii_analysis.report.{module}"))
        now = getattr(mod, name)
        assert list(now) == list(table), context
        for key, texts in table.items():
            for lang, value in texts.items():
                if now[key][lang] != value:
                    bad += 1
                    print(f"MISMATCH {context} {key} {lang}")
    print(f"{sum(len(t) for t in before.values())} messages in {len(before)} tables moved to the catalogs; "
          f"{bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
