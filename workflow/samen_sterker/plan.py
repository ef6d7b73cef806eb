"""What each job of the workflow depends on: its sheet rows, config slices and code.

Snakemake reruns a job when its input files, its params or its rule's script change. A script
that reads the whole `snakemake.config`, or package code it imports, is invisible to that
check. So the rules take from here exactly what each job uses, as params: the rows of the
sheet of exports and the municipalities of one cohort year, the config slices of a stage and
a fingerprint of the package code the stage runs. An edit then reruns exactly what depends
on it, and a new cohort year leaves the earlier years' jobs alone.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from samen_sterker.cleaning.clean import ExportEntry, read_exports_sheet
from samen_sterker.cleaning.municipalities import MunicipalityTable
from samen_sterker.cleaning.names import shown_file
from samen_sterker.provenance import sha256_file
from samen_sterker.reading.problems import ExportProblems, Problem

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = PACKAGE_DIR.name

# The config keys each stage reads (besides cleaning's mappings, which go per cohort year).
CLEANING_KEYS = ("exports", "municipalities", "timepoints", "outcomes", "strict", "accept")
ANALYSIS_KEYS = (
    "timepoints",
    "outcomes",
    "privacy",
    "synthetic_data",
    "course_cost_per_participant",
    "smallest_effect_of_interest",
)


# -- the sheet of exports, per cohort year ---------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """The validated sheet of exports."""

    entries: tuple[ExportEntry, ...]

    def years(self) -> list[int]:
        """Cohort years the sheet names (multi-year exports add theirs after cleaning)."""
        return sorted({int(entry.year) for entry in self.entries if entry.year})

    def multi_year(self) -> list[ExportEntry]:
        """Exports without a year in the sheet: their mapping reads it from a column."""
        return [entry for entry in self.entries if not entry.year]

    def entries_for(self, year: int) -> list[ExportEntry]:
        """The exports a cohort year's cleaning reads: its own and the multi-year ones."""
        return [entry for entry in self.entries if entry.year in ("", str(year))]


def read_sheet(config: Mapping[str, Any], base_dir: str | Path = ".") -> Sheet:
    """Read and check the sheet of exports before any job runs.

    Raises ExportProblems listing every invalid cell, duplicate export id or path, and every
    file that does not exist, each with the sheet's row and column.
    """
    base_dir = Path(base_dir)
    display = config["exports"]
    path = base_dir / display
    if not path.is_file():
        raise ExportProblems([Problem(display, "missing file", "the sheet of exports does not exist")])
    entries, problems = read_exports_sheet(path, display)
    first_row_of_path: dict[str, int] = {}
    for entry in entries:
        if entry.path in first_row_of_path:
            problems.append(
                Problem(
                    display,
                    "file named twice",
                    f"the same path as row {first_row_of_path[entry.path]}; a file is one export",
                    row=entry.sheet_row,
                    column="path",
                )
            )
        first_row_of_path.setdefault(entry.path, entry.sheet_row)
        if not (base_dir / entry.path).is_file():
            problems.append(
                Problem(
                    display,
                    "missing file",
                    "no file at this path (relative to the project root)",
                    row=entry.sheet_row,
                    column="path",
                )
            )
    if problems:
        raise ExportProblems(problems, heading=f"{display} has {len(problems)} problem(s)")
    return Sheet(tuple(entries))


def same_as_earlier_years(sheet: Sheet, year: int, base_dir: str | Path = ".") -> dict[str, str]:
    """Exports of a cohort year whose bytes equal an earlier year's export (a warning).

    Only the matches go into the year's cleaning params, so a correction of an earlier
    year's export does not rerun this year's cleaning unless it makes or ends a match.
    """
    earlier: dict[str, str] = {}
    for entry in sheet.entries:
        if entry.year and int(entry.year) < year:
            earlier.setdefault(_export_sha256(Path(base_dir) / entry.path), entry.export_id)
    matches = {}
    for entry in sheet.entries:
        if entry.year == str(year):
            sha = _export_sha256(Path(base_dir) / entry.path)
            if sha in earlier:
                matches[entry.export_id] = earlier[sha]
    return matches


def _export_sha256(path: Path) -> str:
    """SHA-256 of an export, read once per parse: every later year compares with it."""
    status = path.stat()
    return _sha256_of_version(str(path.resolve()), status.st_mtime_ns, status.st_size)


@cache
def _sha256_of_version(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)


def entry_params(entries: Iterable[ExportEntry], base_dir: str | Path = ".") -> list[dict[str, Any]]:
    """Sheet rows as plain data for a rule's params (Snakemake compares them between runs).

    `make report` prints params, so a row holds no path: a file name can hold personal data
    (cleaning/names.py). In its place are what the outputs depend on: the file as outputs
    show it (`file`: the path, or the export id when the name fails the scan) and its
    SHA-256, which data_quality.csv publishes too. So a renamed, swapped or edited export
    still changes the params. The job takes the paths from its input files (same order).
    """
    rows = []
    for entry in entries:
        row = asdict(entry)
        path = row.pop("path")
        row["file"] = shown_file(path, entry.export_id)
        row["sha256"] = _export_sha256(Path(base_dir) / path)
        rows.append(row)
    return rows


def entries_from_params(
    rows: Iterable[Mapping[str, Any]], paths: Iterable[str]
) -> list[ExportEntry]:
    """The inverse of entry_params, in the job: `paths` are the rule's raw inputs, in the
    order of the rows."""
    entries = []
    for row, path in zip(rows, paths, strict=True):
        fields = {key: value for key, value in row.items() if key not in ("file", "sha256")}
        entry = ExportEntry(**fields, path=str(path))
        if shown_file(entry.path, entry.export_id) != row["file"]:
            raise ValueError(f"sheet row {entry.sheet_row}: params and input files disagree")
        entries.append(entry)
    return entries


def cleaning_settings(config: Mapping[str, Any], entries: Sequence[ExportEntry]) -> dict[str, Any]:
    """The config slice a cohort year's cleaning uses: only the mappings its exports name."""
    names = {entry.mapping for entry in entries}
    mappings = config.get("mappings") or {}
    settings = {key: config[key] for key in CLEANING_KEYS if key in config}
    # Of the outcomes, cleaning checks names and ranges only: a reliability is for statistics.
    settings["outcomes"] = {
        name: {"min": outcome["min"], "max": outcome["max"]}
        for name, outcome in config["outcomes"].items()
    }
    settings["mappings"] = {name: mappings[name] for name in sorted(names) if name in mappings}
    return settings


def municipality_rows(
    table: pd.DataFrame, entries: Sequence[ExportEntry], mappings: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The rows of the municipalities table a cohort year's cleaning can use.

    When every export names its municipality in the sheet, only those municipalities (so a
    municipality added for a later year does not touch this year); when an export reads it
    from a column, or a name matches nothing (the error lists the closest names), all of them.
    """
    columns = ["code", "official_name", "aliases"]
    everything = table[columns].to_dict("records")
    lookup = MunicipalityTable(table)
    codes = set()
    for entry in entries:
        reads_column = (mappings.get(entry.mapping) or {}).get("municipality_column")
        found = lookup.match(entry.municipality) if entry.municipality else None
        if reads_column or found is None:
            return everything
        codes.add(found.code)
    return [row for row in everything if row["code"] in codes]


def analysis_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config slice the statistics use."""
    return {key: config[key] for key in ANALYSIS_KEYS if key in config}


# -- report languages ------------------------------------------------------------------------
def report_languages(config: Mapping[str, Any]) -> list[str]:
    """Languages of the reports, the primary first (`languages`, else the old `language`)."""
    languages = list(config.get("languages") or [config.get("language") or "nl"])
    if len(set(languages)) != len(languages):
        raise ValueError(f"config languages: a language is listed twice: {languages}")
    return languages


def language_suffixes(config: Mapping[str, Any]) -> list[str]:
    """File-name suffix per language: '' for the primary, '.en' etc. for the others."""
    return [""] + [f".{language}" for language in report_languages(config)[1:]]


def language_of_suffix(config: Mapping[str, Any], suffix: str) -> str:
    """The language a file-name suffix stands for ('' is the primary language)."""
    languages = report_languages(config)
    if suffix == "":
        return languages[0]
    language = suffix.removeprefix(".")
    if language not in languages[1:]:
        raise ValueError(f"no report language {language!r} in config languages {languages}")
    return language


# -- code as a dependency --------------------------------------------------------------------
def _imported_modules(source: str) -> set[str]:
    """Names of this package's modules imported by a piece of Python source."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name == PACKAGE or name.startswith(f"{PACKAGE}.")}


def _files_of_module(name: str) -> list[Path]:
    """The files behind a module name: a subpackage counts whole (data files included,
    and modules it loads by name), a top-level module is its own file."""
    parts = name.split(".")[1:]
    if not parts:
        return [PACKAGE_DIR / "__init__.py"]
    subpackage = PACKAGE_DIR / parts[0]
    if subpackage.is_dir():
        return sorted(
            path
            for path in subpackage.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
    module = PACKAGE_DIR / f"{parts[0]}.py"
    return [module] if module.is_file() else []


def _source_of(path: Path) -> str:
    if path.suffix == ".ipynb":  # a report template: its code cells
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        lines = [
            line
            for cell in cells
            if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines()
            if not line.lstrip().startswith(("%", "!"))  # IPython magics are not Python
        ]
        return "\n".join(lines)
    return path.read_text(encoding="utf-8")


def stage_files(entry_points: Iterable[str | Path]) -> list[Path]:
    """Every package file the entry points (scripts, notebook templates) import, transitively."""
    files: set[Path] = {PACKAGE_DIR / "__init__.py"}
    pending = [Path(path) for path in entry_points]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imported_modules(_source_of(path)):
            for file in _files_of_module(module):
                if file not in files:
                    files.add(file)
                    if file.suffix == ".py":
                        pending.append(file)
    return sorted(files)


# The entry points of each stage, relative to the project root.
STAGE_ENTRY_POINTS = {
    "clean": ("workflow/scripts/clean_exports.py",),
    "stats": (
        "workflow/scripts/compute_year_stats.py",
        "workflow/scripts/compute_disclosure.py",
    ),
    "reports": (
        "workflow/scripts/render_report.py",
        "notebooks/municipality_report.ipynb",
        "notebooks/overview_report.ipynb",
    ),
    "provenance": ("workflow/scripts/write_provenance.py",),
}


def stage_fingerprints(project_dir: str | Path = ".") -> dict[str, str]:
    """Code fingerprint of every stage (rule params; provenance records them)."""
    return {
        stage: code_fingerprint(*(str(Path(project_dir) / path) for path in paths))
        for stage, paths in STAGE_ENTRY_POINTS.items()
    }


@cache
def code_fingerprint(*entry_points: str) -> str:
    """SHA-256 over the package files a stage runs (names and bytes), for a rule's params.

    The scripts themselves are tracked by Snakemake; this covers the package code they call,
    so a change to samen_sterker/stats/ reruns the statistics and nothing upstream.
    """
    digest = hashlib.sha256()
    for path in stage_files(entry_points):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
