"""The plan of a report run (one Job per province and notebook, what happened to it: Outcome) and the
executed notebook made reproducible (`scrub`: no timestamps, durations, paths or random ids)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pii_analysis.report.defaults import TIMEOUT
from pii_analysis.report.files import inside
from pii_analysis.report.pages import NOTEBOOK_DIR, entry_for, registry
from pii_analysis.report.site import slug

#: the run's notebooks: the pages of the registry (report.pages), in the order of their keys
NOTEBOOKS = tuple(p.notebook.name for p in registry(NOTEBOOK_DIR).values())
KERNEL = "python3"


# --- plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One notebook for one province: where it comes from, its parameters, where it goes."""

    notebook: str                 # path of the source notebook
    province: str
    year: int
    parameters: dict[str, Any]
    stem: str                     # output path without suffix: <out>/<province-slug>/<notebook-stem>
    kernel: str = KERNEL
    timeout: int = TIMEOUT
    lang: str = "vi"
    pages: tuple[str, ...] = ()   # the province's pages in this run ('summary', notebook paths): the links


@dataclass
class Outcome:
    """What happened to a Job (one row of the index and of the manifest)."""

    notebook: str
    province: str
    year: int
    parameters: dict[str, Any]
    status: str = "failed"        # 'ok', 'failed' or 'not_run' (the run was interrupted first)
    error: str = ""
    attempts: int = 0
    seconds: float = 0.0
    html: str = ""                # paths relative to the output directory
    ipynb: str = ""
    html_bytes: int = 0
    results: list[str] = field(default_factory=list)
    cell_seconds: dict[str, float] = field(default_factory=dict)  # section (first line of a cell) -> seconds


def available_notebooks(names: tuple[str, ...] = NOTEBOOKS, directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The notebooks of the run that exist (the others are simply not run)."""
    return [directory / n for n in names if (directory / n).exists()]


def pages_at(notebooks: list[Path], data_level: str) -> list[Path]:
    """The notebooks whose page (its registry entry) supports `data_level`: the run leaves the others out."""
    return [Path(nb) for nb in notebooks if data_level in entry_for(nb).levels]


def declared_parameters(notebook: str | Path) -> list[str]:
    """Names assigned in the notebook's `parameters` cell (read with `ast`, so a comment such as
    '# None = latest year' cannot hide a parameter, as it can from papermill.inspect_notebook)."""
    import ast

    import nbformat
    nb = nbformat.read(str(notebook), as_version=4)
    names: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                    if isinstance(node, ast.AnnAssign) else []
                names += [t.id for t in targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def notebook_parameters(notebook: str | Path, run_parameters: dict[str, Any]) -> dict[str, Any]:
    """The run's parameters the notebook declares (one run command serves notebooks with different
    parameters)."""
    declared = declared_parameters(notebook)
    return {k: v for k, v in run_parameters.items() if k in declared}


def plan(notebooks: list[Path], provinces: list[str], run_parameters: dict[str, Any], out_dir: Path,
         *, kernel: str = KERNEL, timeout: int = TIMEOUT) -> list[Job]:
    """One Job per (province, notebook), province-major so each province's reports finish together."""
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    pages = ("summary", *(str(nb) for nb in notebooks))   # the notebooks' paths: their entries name them
    jobs = []
    for province in provinces:
        values = {**run_parameters, "province": province}
        for nb in notebooks:
            params = {k: v for k, v in values.items() if k in declared[nb]}
            jobs.append(Job(notebook=str(nb), province=province, year=int(run_parameters["year"]),
                            parameters=params, stem=str(inside(out_dir, Path(slug(province)) / Path(nb).stem)),
                            kernel=kernel, timeout=timeout, lang=str(run_parameters.get("lang", "vi")),
                            pages=pages))
    return jobs


# --- one report (runs in a worker process) ---------------------------------------------------
VOLATILE_RUN_KEYS = ("start_time", "end_time", "duration", "exception", "input_path", "output_path",
                     "environment_variables")


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def cell_durations(nb: Any) -> dict[str, float]:
    """Seconds of each executed code cell (papermill's durations, read before `scrub` drops them), keyed by the
    cell's first line ('if page.runs("drivers.heatmap"):'): where a report's time goes (benchmarks)."""
    times: dict[str, float] = {}
    for i, cell in enumerate(nb.cells):
        duration = cell.metadata.get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration is not None:
            key = (cell.source.strip().splitlines() or [f"cell {i}"])[0][:60]
            times[key] = round(times.get(key, 0.0) + float(duration), 3)
    return times


def scrub(nb: Any) -> Any:
    """Remove what changes between identical runs: timestamps, durations, paths, random cell ids."""
    pm = nb.metadata.get("papermill", {})
    for key in VOLATILE_RUN_KEYS:
        pm.pop(key, None)
    count = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "id" in cell:
            cell["id"] = f"cell-{i:03d}"
        for output in cell.get("outputs", []):   # '<... at 0x7f...>' reprs differ on every run
            plain = output.get("data", {}).get("text/plain")
            if isinstance(plain, str):
                output["data"]["text/plain"] = _ADDRESS.sub(" at 0x0", plain)
    return nb
