"""The sheet of exports (config/exports.tsv): one validated entry per raw export file."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from samen_sterker.reading.problems import Problem

EXPORTS_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "exports.schema.yaml"
# A CBS municipality code standing on its own in a file name (samen-sterker_GM9999_2024_…).
CBS_CODE_IN_NAME = re.compile(r"(?i)(?<![a-z0-9])gm\d{4}(?!\d)")


@dataclass
class ExportEntry:
    """One row of the sheet of exports."""

    sheet_row: int
    export_id: str
    path: str
    mapping: str
    year: str
    municipality: str
    timepoint: str


def read_exports_sheet(path: Path, display: str) -> tuple[list[ExportEntry], list[Problem]]:
    """Read and validate the sheet of exports (exports.schema.yaml).

    Returns the valid rows and a problem for each invalid cell (those rows are left out).
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        rows = list(reader)
    schema = yaml.safe_load(EXPORTS_SCHEMA_PATH.read_text(encoding="utf-8"))
    missing = [name for name in schema["required"] if name not in (reader.fieldnames or [])]
    if missing:
        # One problem for the header rather than one per row (a comma-separated sheet).
        return [], [
            Problem(
                display,
                "missing column",
                f"the header has no column(s) {missing}; the sheet is tab-separated with the "
                f"columns {list(schema['properties'])}",
                row=1,
            )
        ]
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    entries = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        row = {key: (value or "").strip() for key, value in row.items() if key is not None}
        errors = sorted(validator.iter_errors(row), key=lambda e: list(e.path))
        for error in errors:
            column = error.path[0] if error.path else None
            detail = (
                error.message
                if column is None
                else f"{schema['properties'][column].get('description', '')} ({error.validator} failed)"
            )
            problems.append(
                Problem(display, "invalid sheet entry", detail, row=number, column=column)
            )
        export_id = row.get("export_id", "")
        if export_id in seen:
            problems.append(
                Problem(
                    display,
                    "duplicate export_id",
                    f"also used in row {seen[export_id]}",
                    row=number,
                    column="export_id",
                )
            )
        if errors or export_id in seen:
            seen.setdefault(export_id, number)
            continue
        seen[export_id] = number
        entries.append(
            ExportEntry(
                number,
                export_id,
                row.get("path", ""),
                row.get("mapping", ""),
                row.get("year", ""),
                row.get("municipality", ""),
                row.get("timepoint", ""),
            )
        )
    return entries, problems


def other_municipality_in_file_name(entry: ExportEntry, municipality_code: str) -> str | None:
    """A warning when the file's name carries CBS codes and none is the sheet row's.

    Two municipalities' rows naming each other's files pair one municipality's K01 with the
    other's (couple codes repeat across municipalities), and nothing in the data tells: the
    names the supplier gave the files are the one cheap sign.
    """
    named = {code.upper() for code in CBS_CODE_IN_NAME.findall(Path(entry.path).name)}
    if not named or municipality_code.upper() in named:
        return None
    return (
        f"the file name carries municipality code(s) {sorted(named)}, but sheet row "
        f"{entry.sheet_row} says {municipality_code}: does this row name another "
        "municipality's file?"
    )
