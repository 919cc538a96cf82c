"""The page registry: a report page is one notebook plus one registry entry beside it,
`<stem>.page.toml` (`notebooks/01_province_profile.ipynb` + `notebooks/01_province_profile.page.toml`).

An entry says (every field read and checked here, a clear error naming the file otherwise):
- `key`: the page's short key ('01'), its order in the run and on the site;
- `name`: the catalog key of its short name (site.TEXT: links, tab titles); `title`: the catalog key of
  its heading below the panel (level_pages.TEXT); `names`: optional {vi, en} words used while `name` is
  not in the catalogs yet;
- `headings`: 'module:function' giving a section's heading from its key (`heading(key, lang)`);
- `levels`: the data levels it supports (data.shapes.DATA_LEVELS); the run leaves it out at another level;
- `below`: what it shows below the panel (report.level_pages.BLOCKS), in order;
- `[results]`: per level, the CSVs it writes in `<province>/<stem>_results/`;
- `[sections]`: its panel sections, in the notebook's order: `"<module>.<key>" = {needs = "<question>"}`
  (a question of data.shapes.QUESTIONS; `say = false`: a set-up cell that says nothing when it cannot run).

The run (`run_plan.NOTEBOOKS`), the site's names, level_pages (sections, blocks), scripts/nb_data_levels.py
and the catalogs' check read it.
"""
from __future__ import annotations

import functools
import importlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from pii_analysis.data import paths
from pii_analysis.data.errors import PiiInputError
from pii_analysis.data.shapes import DATA_LEVELS, QUESTIONS

NOTEBOOK_DIR = paths.REPO_ROOT / "notebooks"
SUFFIX = ".page.toml"


@dataclass(frozen=True)
class Section:
    """One panel section of a page: the question it needs the level to answer, whether it says why not."""

    key: str
    needs: str
    say: bool = True

    @property
    def heading_key(self) -> str:
        return self.key.split(".", 1)[1] if "." in self.key else self.key


@dataclass(frozen=True)
class Page:
    """One registry entry (see the module docstring)."""

    key: str
    notebook: Path
    name: str
    title: str
    headings: str
    levels: tuple[str, ...]
    below: tuple[str, ...] = ()
    results: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.notebook.stem

    def heading(self, section: str, lang: str) -> str:
        """The heading the page gives `section` (the same words at every level), without Markdown marks."""
        module, _, function = self.headings.partition(":")
        words: Callable[[str, str], str] = getattr(importlib.import_module(module), function)
        return words(self.sections[section].heading_key, lang).lstrip("# ").strip()


def entry_path(notebook: str | Path) -> Path:
    notebook = Path(notebook)
    return notebook.with_name(notebook.stem + SUFFIX)


def _fail(message: str, file: Path, column: str | None = None) -> PiiInputError:
    return PiiInputError(message, file=str(file), column=column)


def read_entry(path: str | Path) -> Page:
    """The entry at `path` (`<stem>.page.toml`, its notebook `<stem>.ipynb` beside it), checked."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(f"cannot read the page entry: {exc}", path) from None
    for key in ("key", "name", "title", "headings", "levels"):
        if key not in raw:
            raise _fail(f"the page entry has no '{key}'", path, key)
    levels = tuple(raw["levels"])
    bad = [lv for lv in [*levels, *raw.get("results", {})] if lv not in DATA_LEVELS]
    if bad:
        raise _fail(f"unknown data level '{bad[0]}' (one of {', '.join(DATA_LEVELS)})", path, "levels")
    sections = {}
    for key, spec in raw.get("sections", {}).items():
        needs = spec.get("needs")
        if needs not in QUESTIONS:
            raise _fail(f"section '{key}' needs '{needs}', not a question of data.shapes.QUESTIONS "
                        f"({', '.join(QUESTIONS)})", path, "sections")
        sections[key] = Section(key=key, needs=needs, say=bool(spec.get("say", True)))
    if ":" not in raw["headings"]:
        raise _fail(f"headings '{raw['headings']}' must be 'module:function'", path, "headings")
    return Page(key=str(raw["key"]), notebook=path.with_name(path.name.removesuffix(SUFFIX) + ".ipynb"),
                name=str(raw["name"]), title=str(raw["title"]), headings=str(raw["headings"]), levels=levels,
                below=tuple(raw.get("below", ())), sections=sections, names=dict(raw.get("names", {})),
                results={lv: tuple(v) for lv, v in raw.get("results", {}).items()})


@functools.cache
def _entry(path: str, mtime: float) -> Page:
    return read_entry(path)


def entry_for(notebook: str | Path) -> Page:
    """The registry entry of `notebook` (beside it); a clear error when it has none."""
    path = entry_path(notebook)
    if not path.exists():
        raise _fail(f"the notebook {Path(notebook).name} has no page entry {path.name} beside it "
                    "(report.pages: a page is a notebook plus its entry)", path)
    return _entry(str(path), path.stat().st_mtime)


def registry(directory: str | Path = NOTEBOOK_DIR) -> dict[str, Page]:
    """Every page of `directory` (its entries, whose notebook exists), by stem, in the order of their keys."""
    pages = [entry_for(p.with_name(p.name.removesuffix(SUFFIX) + ".ipynb"))
             for p in sorted(Path(directory).glob(f"*{SUFFIX}"))]
    return {p.stem: p for p in sorted(pages, key=lambda p: p.key) if p.notebook.exists()}


def page(stem_or_key: str, directory: str | Path = NOTEBOOK_DIR) -> Page:
    """One page of the registry by its stem ('01_province_profile') or key ('01')."""
    pages = registry(directory)
    found = pages.get(stem_or_key) or next((p for p in pages.values() if p.key == stem_or_key), None)
    if found is None:
        raise KeyError(f"no report page '{stem_or_key}' in {directory} (pages: {', '.join(pages)})")
    return found


def section(key: str, directory: str | Path = NOTEBOOK_DIR) -> tuple[Page, Section]:
    """The page holding the panel section `key` and the section."""
    for p in registry(directory).values():
        if key in p.sections:
            return p, p.sections[key]
    raise KeyError(f"unknown panel section '{key}' (the [sections] of the page entries in {directory})")
