"""From the sheet of exports and the mappings to the canonical table of measurements.

Order of work per export: read (reading stage) → keep only the mapped columns (allow-list,
every other column dropped and recorded) → scan the kept columns for personal data → work out
who, where and when for each response → parse values → validate. A mapping's date_column
(completion time) is read before the cut and only the latest date of the kept rows leaves
(per export and per cohort year), because per-row dates identify. Structural problems of all
exports are collected and raised together as one ExportProblems; value problems exclude a
measurement and are logged (errors under `strict: true`).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pandas as pd
import pandera.pandas as pa
import yaml

from samen_sterker.cleaning import checks
from samen_sterker.cleaning.codes import CODE_PATTERN, CODE_SHAPES, code_shape, normalise_code
from samen_sterker.cleaning.mapping import Mapping, OutcomeSource, parse_mapping
from samen_sterker.cleaning.municipalities import Municipality, MunicipalityTable
from samen_sterker.cleaning.names import (
    hide_files,
    hide_files_in_problems,
    mask,
    shown_file,
    shown_files,
    shown_names,
)
from samen_sterker.cleaning.schema import (
    MEASUREMENT_COLUMNS,
    candidate_schema,
    describe_failures,
    failed_positions,
    measurements_schema,
)
from samen_sterker.cleaning.values import VALUE_PROBLEMS, parse_cell
from samen_sterker.provenance import config_sha256, sha256_file
from samen_sterker.reading import RawExport, read_export
from samen_sterker.reading.base import duplicated_names
from samen_sterker.reading.problems import ExportProblems, Problem

EXPORTS_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "exports.schema.yaml"
EXCLUSION_COLUMNS = ["export_id", "file", "row", "column", "reason", "detail"]
DATA_QUALITY_COLUMNS = [
    "export_id",
    "file",
    "sha256",
    "format",
    "encoding",
    "municipality_codes",
    "rows_read",
    "rows_kept",
    "rows_excluded",
    "measurements_kept",
    "rows_other_years",
    "latest_response_date",
    "warnings",
]
DROPPED_COLUMNS = ["export_id", "column", "reason"]
ROW_LEVEL = ""
NO_DATE, INVALID_DATE = "no date", "not a date"
DATE_COLUMN_DROPPED = (
    "date_column: read for the date of the data only (latest_response_date in data_quality.csv)"
)


@dataclass
class CleanResult:
    """The canonical measurements and everything needed to account for them."""

    measurements: pd.DataFrame
    exclusions: pd.DataFrame
    data_quality: pd.DataFrame
    dropped_columns: pd.DataFrame
    manifest: dict
    log: list[str] = field(default_factory=list)


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


@dataclass
class _Context:
    config: dict
    table: MunicipalityTable
    # The cohort year being cleaned (None: every year). Rows of a multi-year export that
    # belong to another year are counted there, not here (rows_other_years).
    year: int | None = None
    problems: list[Problem] = field(default_factory=list)
    other_year_rows: dict[str, set[int]] = field(default_factory=dict)
    exclusions: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    # export_id → file row → completion date, or NO_DATE / INVALID_DATE. Held in memory
    # only: per-row dates are never written (dates identify people in combination).
    response_dates: dict[str, dict[int, dt.date | str]] = field(default_factory=dict)
    # (file, column, kind) → rows of codes shaped like personal data; (file, column) → rows
    # whose code was re-spelled; (export_id, file, column) → rows with decimals in an integer
    # item. Collected per row, reported once per column.
    code_shapes: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    respelled: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    non_integer: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    def exclude(
        self, entry: ExportEntry, file: str, row: int, column: str, reason: str, detail: str
    ) -> None:
        self.exclusions.append(
            {
                "export_id": entry.export_id,
                "file": file,
                "row": row,
                "column": column,
                "reason": reason,
                "detail": detail,
            }
        )


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


def clean_exports(config: dict, base_dir: Path) -> CleanResult:
    """Read every export in the sheet and return the canonical table with its accounts.

    The sheet and the municipalities table are read from the files that config names; the
    pipeline itself cleans one cohort year at a time with `clean_cohort` (see
    samen_sterker.plan). Raises ExportProblems listing every structural problem (file, row,
    column; never a value).
    """
    base_dir = Path(base_dir)
    sheet_path = base_dir / config["exports"]
    municipalities_path = base_dir / config["municipalities"]
    for path, name in (
        (sheet_path, config["exports"]),
        (municipalities_path, config["municipalities"]),
    ):
        if not path.is_file():
            raise ExportProblems([Problem(name, "missing file", "the file does not exist")])
    try:
        table = MunicipalityTable.from_file(municipalities_path)
    except ValueError as error:
        raise ExportProblems(
            [Problem(config["municipalities"], "invalid municipalities table", str(error))]
        ) from None
    entries, sheet_problems = read_exports_sheet(sheet_path, config["exports"])
    inputs = {
        config["exports"]: sha256_file(sheet_path),
        config["municipalities"]: sha256_file(municipalities_path),
    }
    return clean_cohort(
        config, base_dir, entries, table, sheet_problems=sheet_problems, inputs=inputs
    )


def clean_cohort(
    config: dict,
    base_dir: Path,
    entries: list[ExportEntry],
    table: MunicipalityTable,
    *,
    year: int | None = None,
    sheet_problems: list[Problem] | None = None,
    inputs: dict[str, str] | None = None,
    same_as_earlier: dict[str, str] | None = None,
) -> CleanResult:
    """Clean the given sheet entries; with `year`, keep only that cohort year's responses.

    `entries` are the sheet rows of that year plus those without a year (multi-year exports
    with a year_column), whose rows of other years are counted in `rows_other_years` and
    left to their own year. `inputs` are extra files to list in the manifest with their
    SHA-256 (the raw exports are always listed). `same_as_earlier` maps an export id to the
    earlier cohort year's export with the same bytes (samen_sterker.plan): a warning.
    A file name that fails the privacy scan is shown as its export id in every message,
    log line and table (names.py).
    """
    shown = shown_files(entries)
    try:
        result = _clean_cohort(
            config,
            Path(base_dir),
            entries,
            table,
            year=year,
            sheet_problems=sheet_problems,
            inputs=inputs,
            same_as_earlier=same_as_earlier,
        )
    except ExportProblems as error:
        raise ExportProblems(
            hide_files_in_problems(error.problems, shown), heading=error.heading
        ) from None
    result.log = [hide_files(line, shown) for line in result.log]
    # The manifest's inputs reach the published provenance: a failing name is its export id
    # there too (the SHA-256 still identifies the file).
    manifest = result.manifest
    manifest["inputs"] = {hide_files(path, shown): sha for path, sha in manifest["inputs"].items()}
    for export in manifest["exports"]:
        export["file"] = hide_files(export["file"], shown)
    result.exclusions["detail"] = result.exclusions["detail"].map(
        lambda text: hide_files(text, shown)
    )
    return result


def _clean_cohort(
    config: dict,
    base_dir: Path,
    entries: list[ExportEntry],
    table: MunicipalityTable,
    *,
    year: int | None,
    sheet_problems: list[Problem] | None,
    inputs: dict[str, str] | None,
    same_as_earlier: dict[str, str] | None,
) -> CleanResult:
    """clean_cohort, with file names as in the sheet."""
    context = _Context(
        config=config,
        table=table,
        year=year,
        problems=list(sheet_problems or []),
    )

    mappings: dict[str, Mapping] = {}
    for name, spec in (config.get("mappings") or {}).items():
        mapping, problems = parse_mapping(name, spec, config)
        context.problems.extend(problems)
        if mapping is not None:
            mappings[name] = mapping

    raws: dict[str, RawExport] = {}
    quality: dict[str, dict] = {}
    dropped: list[dict] = []
    manifest_inputs = dict(inputs or {})
    for entry in entries:
        if entry.mapping not in (config.get("mappings") or {}):
            context.problems.append(
                Problem(
                    config["exports"],
                    "unknown mapping",
                    f"{entry.mapping!r} is not in config mappings "
                    f"({sorted(config.get('mappings') or {})})",
                    row=entry.sheet_row,
                    column="mapping",
                )
            )
        elif entry.mapping in mappings:  # else its problems are already listed
            raw = _process_export(context, entry, mappings[entry.mapping], base_dir, dropped)
            if raw is not None:
                raws[entry.export_id] = raw
                sha = sha256_file(base_dir / entry.path)
                manifest_inputs[entry.path] = sha
                quality[entry.export_id] = {
                    "export_id": entry.export_id,
                    "file": entry.path,
                    "sha256": sha,
                    "format": raw.format,
                    "encoding": raw.encoding or "",
                    "rows_read": raw.rows_read,
                }

    candidates = pd.DataFrame(
        context.candidates,
        columns=[
            "export_id",
            "file",
            "row",
            "column",
            "municipality",
            "municipality_code",
            "year",
            "couple_id",
            "participant_id",
            "person",
            "code",
            "person_column",
            "couple_column",
            "timepoint",
            "outcome",
            "value",
        ],
    )
    candidates = _check_ranges(context, candidates)
    candidates = _check_identities(context, candidates)
    context.problems.extend(_code_problems(context))
    if context.problems:
        # The value problems too, so one run shows everything there is to fix.
        value_problems = [
            Problem(
                e["file"],
                f"{e['reason']} (value problem)",
                e["detail"],
                row=e["row"],
                column=e["column"] or None,
            )
            for e in context.exclusions
            if e["reason"] in VALUE_PROBLEMS and e["column"]
        ]
        raise ExportProblems(context.problems + value_problems)

    exclusions = pd.DataFrame(context.exclusions, columns=EXCLUSION_COLUMNS)
    if config.get("strict", False):
        value_problems = exclusions[exclusions["reason"].isin(VALUE_PROBLEMS)]
        if not value_problems.empty:
            raise ExportProblems(
                [
                    Problem(
                        row.file,
                        row.reason,
                        row.detail,
                        row=int(row.row),
                        column=row.column or None,
                    )
                    for row in value_problems.itertuples()
                ],
                heading=f"{len(value_problems)} value problem(s); strict: true makes them errors",
            )

    _log_respelled(context)
    implausible = checks.same_bytes(
        config, entries, {key: row["sha256"] for key, row in quality.items()}
    )
    for export_id, raw in raws.items():
        entry = next(e for e in entries if e.export_id == export_id)
        quality[export_id].update(_reconcile(context, entry, raw, candidates))
        own = pd.DataFrame(
            [e for e in context.exclusions if e["export_id"] == export_id],
            columns=EXCLUSION_COLUMNS,
        )
        implausible += checks.export_yield(config, export_id, raw.file, quality[export_id], own)
        quality[export_id]["latest_response_date"] = _latest_response_date(
            context, entry, mappings[entry.mapping], raw, candidates
        )
        # Which municipalities' reports this export stands behind (their data-quality tables).
        codes = candidates.loc[candidates["export_id"] == export_id, "municipality_code"]
        quality[export_id]["municipality_codes"] = "|".join(sorted(set(codes)))
        warnings = _cross_year_warnings(context, entry, candidates, same_as_earlier or {})
        for warning in warnings:
            context.log.append(f"WARNING {raw.file}: {warning}")
        quality[export_id]["warnings"] = "; ".join(warnings)

    implausible += checks.non_integer_items(config, context.non_integer)
    implausible += checks.codes_in_several_municipalities(config, candidates)
    checks.raise_if_implausible(implausible)

    measurements = _canonical(config, candidates)
    exclusions = pd.DataFrame(context.exclusions, columns=EXCLUSION_COLUMNS)
    # In the order of the sheet of exports, then as in the file.
    sheet_order = {entry.export_id: index for index, entry in enumerate(entries)}
    exclusions = exclusions.assign(_order=exclusions["export_id"].map(sheet_order))
    exclusions = exclusions.sort_values(["_order", "row", "column"], kind="stable").drop(
        columns="_order"
    )
    data_quality = pd.DataFrame(list(quality.values()), columns=DATA_QUALITY_COLUMNS)
    # The reports print these file names: one that fails the privacy scan is the export id.
    files = {row["file"]: shown_file(row["file"], key) for key, row in quality.items()}
    data_quality["file"] = data_quality["file"].map(files)
    exclusions["file"] = exclusions["file"].map(lambda file: files.get(file, file))
    manifest = {
        "inputs": dict(sorted(manifest_inputs.items())),
        "config_sha256": config_sha256(config),
        # The config this cleaning used (a cohort year's slice, in the pipeline).
        "settings": config,
        "exports": [
            {"export_id": row["export_id"], "file": row["file"], "sha256": row["sha256"]}
            for row in quality.values()
        ],
        # One date per cohort year (not per export), so that each year's reports are dated by
        # their own data and adding a later cohort does not change an earlier report.
        "latest_response_date_by_year": _latest_date_by_year(context, candidates),
    }
    return CleanResult(
        measurements=measurements,
        exclusions=exclusions.reset_index(drop=True),
        data_quality=data_quality,
        dropped_columns=pd.DataFrame(dropped, columns=DROPPED_COLUMNS),
        manifest=manifest,
        log=context.log,
    )


def _process_export(
    context: _Context, entry: ExportEntry, mapping: Mapping, base_dir: Path, dropped: list[dict]
) -> RawExport | None:
    """Read one export, keep only its mapped columns, scan them and extract measurements.

    Returns the export (its frame cut down to the mapped columns), or None when it could not
    be read; problems go to the context.
    """
    try:
        raw = read_export(
            base_dir / entry.path, mapping.format, mapping.reader_options, file=entry.path
        )
    except ExportProblems as error:
        context.problems.extend(error.problems)
        return None
    # Column names are written only when they pass the scan (names.py).
    shown = shown_names(raw.frame.columns)
    context.log.extend(mask(note, shown) for note in raw.notes)
    context.log.extend(f"WARNING {mask(warning, shown)}" for warning in raw.warnings)
    allowed = mapping.allowed_columns()
    date_column = mapping.date_column
    read = allowed + ([date_column] if date_column and date_column not in allowed else [])
    missing = [column for column in read if column not in raw.frame.columns]
    context.problems.extend(_missing_columns(entry, mapping, raw, missing, shown))
    context.problems.extend(
        checks.duplicated_mapped_columns(
            context.config, entry.export_id, entry.path, duplicated_names(list(shown)), read
        )
    )
    unmapped = [column for column in raw.frame.columns if column not in allowed]
    if date_column and date_column in raw.frame.columns:
        # Read before the cut: only the latest date of the kept rows leaves this stage.
        context.response_dates[entry.export_id] = _response_dates(raw, mapping)
    dropped.extend(
        {
            "export_id": entry.export_id,
            "column": shown[column],
            "reason": DATE_COLUMN_DROPPED
            if column == date_column and column not in allowed
            else "not in mapping (allow-list)",
        }
        for column in unmapped
    )
    context.log.append(
        f"{entry.path}: kept {len(raw.frame.columns) - len(unmapped)} mapped column(s), "
        f"dropped {len(unmapped)}: {[shown[column] for column in unmapped]}"
    )
    # Nothing unmapped goes further, not even in memory.
    raw.frame = raw.frame[[column for column in raw.frame.columns if column in allowed]]
    if not missing:
        findings = _privacy_problems(raw, mapping, context.table)
        context.problems.extend(findings)
        before = len(context.candidates)
        _extract(context, entry, mapping, raw)
        if findings:
            # Identity messages quote codes, which in this export may be personal data.
            del context.candidates[before:]
    return raw


def _missing_columns(
    entry: ExportEntry, mapping: Mapping, raw: RawExport, missing: list[str], shown: dict
) -> list[Problem]:
    """A problem per mapped column the export lacks, or one when the delimiter is wrong."""
    if not missing:
        return []
    columns = list(raw.frame.columns)
    glued = [mark for mark in (";", "\t", ",", "|") if len(columns) == 1 and mark in columns[0]]
    if glued:
        # One header cell holding the others: the file is split on another character.
        return [
            Problem(
                entry.path,
                "wrong delimiter",
                f"the header is read as a single column containing {glued[0]!r}: the file uses "
                f"another delimiter than mapping {mapping.name!r} expects; set `delimiter` in "
                "the mapping, or format excel_nl_csv for a Dutch Excel CSV (; and decimal comma)",
                row=1,
            )
        ]
    # Only names that pass the scan may be offered as similar columns.
    writable = [column for column in columns if shown[column] == column]
    problems = []
    for column in missing:
        close = difflib.get_close_matches(column, writable, n=3, cutoff=0.6)
        hint = f"; similar columns: {close}" if close else ""
        problems.append(
            Problem(
                entry.path,
                "missing mapped column",
                f"mapping {mapping.name!r} reads this column but the export has none{hint}",
                row=1,
                column=column,
            )
        )
    return problems


def _reconcile(
    context: _Context, entry: ExportEntry, raw: RawExport, candidates: pd.DataFrame
) -> dict[str, int]:
    """Counts of one export: every row read is kept, excluded (with a logged reason) or
    belongs to another cohort year (a multi-year export cleaned one year at a time)."""
    kept_rows = set(candidates.loc[candidates["export_id"] == entry.export_id, "row"])
    other_years = context.other_year_rows.get(entry.export_id, set())
    row_level = {
        e["row"]
        for e in context.exclusions
        if e["export_id"] == entry.export_id and e["column"] == ROW_LEVEL
    }
    for row in raw.row_numbers:
        if row not in kept_rows and row not in row_level and row not in other_years:
            context.exclude(
                entry,
                raw.file,
                row,
                ROW_LEVEL,
                "no_valid_measurement",
                "every measurement of this response was excluded (see its other rows)",
            )
            row_level.add(row)
    counts = {
        "rows_kept": len(kept_rows),
        "rows_excluded": len(row_level),
        "measurements_kept": int((candidates["export_id"] == entry.export_id).sum()),
        "rows_other_years": len(other_years),
    }
    accounted = counts["rows_kept"] + counts["rows_excluded"] + counts["rows_other_years"]
    overlap = (kept_rows & row_level) | (other_years & (kept_rows | row_level))
    if accounted != raw.rows_read or overlap:
        raise RuntimeError(f"{raw.file}: rows do not reconcile; this is a bug")
    other = f" + other cohort years {len(other_years)}" if other_years else ""
    context.log.append(
        f"{raw.file} ({raw.format}, {raw.encoding or 'binary'}): rows read {raw.rows_read}"
        f" = kept {counts['rows_kept']} + excluded {counts['rows_excluded']}{other}; "
        f"measurements kept {counts['measurements_kept']}"
    )
    return counts


def _cross_year_warnings(
    context: _Context, entry: ExportEntry, candidates: pd.DataFrame, same_as_earlier: dict[str, str]
) -> list[str]:
    """Signs that an export belongs to another cohort year (warnings, never exclusions).

    The same bytes as an earlier year's export, or kept responses dated outside the cohort
    year; follow-ups (after course_end) may fall in the next calendar year.
    """
    warnings = []
    if entry.export_id in same_as_earlier:
        warnings.append(
            f"same SHA-256 as export {same_as_earlier[entry.export_id]} of an earlier cohort year"
        )
    dates = context.response_dates.get(entry.export_id)
    if not dates:
        return warnings
    order = context.config["timepoints"]["order"]
    course_end = order.index(context.config["timepoints"]["course_end"])
    kept = candidates.loc[candidates["export_id"] == entry.export_id, ["row", "year", "timepoint"]]
    outside = set()
    for row, year, timepoint in kept.drop_duplicates().itertuples(index=False, name=None):
        date = dates.get(row)
        if not isinstance(date, dt.date):
            continue
        last_year = year + 1 if order.index(timepoint) > course_end else year
        if not year <= date.year <= last_year:
            outside.add(row)
    if outside:
        warnings.append(
            f"{len(outside)} kept response(s) dated outside their cohort year (rows "
            f"{', '.join(map(str, sorted(outside)))}; follow-ups may be in the next year)"
        )
    return warnings


def parse_response_date(text: str, formats: tuple[str, ...] | list[str]) -> dt.date | None:
    """The date of a completion timestamp in one of the mapping's explicit formats, else None.

    Formats are tried in order and never guessed: pandas reads 03-07-2024 as 7 March.
    """
    cell = text.strip()
    for date_format in formats:
        try:
            return dt.datetime.strptime(cell, date_format).date()
        except ValueError:
            continue
    return None


def _response_dates(raw: RawExport, mapping: Mapping) -> dict[int, dt.date | str]:
    """File row → completion date of every response of one export (or NO_DATE/INVALID_DATE)."""
    dates: dict[int, dt.date | str] = {}
    for row, text in zip(raw.row_numbers, raw.frame[mapping.date_column], strict=True):
        parsed = parse_response_date(text, mapping.date_formats) if text.strip() else NO_DATE
        dates[row] = INVALID_DATE if parsed is None else parsed
    return dates


def _latest_response_date(
    context: _Context,
    entry: ExportEntry,
    mapping: Mapping,
    raw: RawExport,
    candidates: pd.DataFrame,
) -> str:
    """ISO date of the latest completion among the export's KEPT rows ('' without date_column).

    A missing or unparseable date is a warning (file, row, column; never the value) and is
    ignored for the maximum; it never excludes a measurement.
    """
    dates = context.response_dates.get(entry.export_id)
    if dates is None:
        return ""
    kept = sorted(set(candidates.loc[candidates["export_id"] == entry.export_id, "row"]))
    column = mapping.date_column
    empty = [row for row in kept if dates[row] == NO_DATE]
    for row in kept:
        if dates[row] == INVALID_DATE:
            context.log.append(
                f"WARNING {raw.file}, row {row}, column {column!r}: not a date in the format(s) "
                f"{list(mapping.date_formats)} of mapping {mapping.name!r}; ignored for the date "
                "of the data (the response is kept)"
            )
    if empty:
        context.log.append(
            f"WARNING {raw.file}, column {column!r}: no date in {len(empty)} kept row(s) "
            f"({', '.join(map(str, empty))}); ignored for the date of the data"
        )
    valid = [dates[row] for row in kept if isinstance(dates[row], dt.date)]
    latest = max(valid).isoformat() if valid else ""
    context.log.append(
        f"{raw.file}: latest response date of the {len(kept)} kept row(s): {latest or 'none'}"
    )
    return latest


def _latest_date_by_year(context: _Context, candidates: pd.DataFrame) -> dict[str, str]:
    """Cohort year → ISO date of the latest completion among kept rows of that year."""
    latest: dict[str, dt.date] = {}
    kept = candidates[["export_id", "row", "year"]].drop_duplicates()
    for export_id, row, year in kept.itertuples(index=False, name=None):
        date = context.response_dates.get(export_id, {}).get(row)
        if isinstance(date, dt.date) and (str(year) not in latest or date > latest[str(year)]):
            latest[str(year)] = date
    return {year: date.isoformat() for year, date in sorted(latest.items())}


def _privacy_problems(raw: RawExport, mapping: Mapping, table: MunicipalityTable) -> list[Problem]:
    """Findings of the privacy scanner on the kept columns (names and values), as problems."""
    # Imported here so that tests can replace the scanner and this module loads without it.
    privacy = importlib.import_module("samen_sterker.cleaning.privacy")
    # Configured answer texts, and cells naming a configured municipality, are not free text.
    known = set(mapping.missing_codes) | set(mapping.partner_values) | set(mapping.timepoint_values)
    for source in mapping.sources:
        known |= set(source.labels_to_numbers)
    if mapping.municipality_column:
        names = set(raw.frame[mapping.municipality_column])
        known |= {name for name in names if table.match(name) is not None}
    frame, rows = raw.frame, raw.row_numbers
    if mapping.outcome_column:
        # Rows of other questions never enter: only the rows of mapped outcomes are kept.
        cells = {cell for source in mapping.sources for cell in source.when}
        wanted = [
            bool(cells & {t.lower() for t in _cell_and_label(raw, mapping.outcome_column, text)})
            for text in frame[mapping.outcome_column]
        ]
        frame = frame[wanted]
        rows = [row for row, keep in zip(rows, wanted, strict=True) if keep]
    findings = list(privacy.scan_column_names(list(frame.columns), raw.file))
    findings += list(privacy.scan_values(frame, raw.file, rows, known_values=sorted(known)))
    problems = []
    for finding in findings:
        rows = list(finding.rows)
        where = "the column name" if not rows else f"row(s) {', '.join(map(str, rows))}"
        description = getattr(finding, "description", finding.kind)
        problems.append(
            Problem(
                raw.file,
                f"personal data [{finding.kind}]",
                f"{description} in {where}; a kept (mapped) column must not hold personal data. "
                f"{getattr(finding, 'suggestion', '')}".strip(),
                row=rows[0] if rows else None,
                column=finding.column,
                rows=tuple(rows),
            )
        )
    return problems


def _resolve_fixed(
    context: _Context, entry: ExportEntry, mapping: Mapping
) -> tuple[Municipality | None, int | None, str | None, bool]:
    """Municipality, year and timepoint given in the sheet row; False when they are unusable."""
    sheet = context.config["exports"]
    ok = True
    municipality = None
    if entry.municipality:
        municipality = context.table.match(entry.municipality)
        if municipality is None:
            close = context.table.suggestions(entry.municipality)
            context.problems.append(
                Problem(
                    sheet,
                    "unknown municipality",
                    f"{entry.municipality!r} is not in {context.config['municipalities']}"
                    f"; closest configured names: {close or 'none'}",
                    row=entry.sheet_row,
                    column="municipality",
                )
            )
            ok = False
    elif not mapping.municipality_column:
        context.problems.append(
            Problem(
                sheet,
                "no municipality",
                f"give a municipality here or municipality_column in mapping {mapping.name!r}",
                row=entry.sheet_row,
                column="municipality",
            )
        )
        ok = False
    year = int(entry.year) if entry.year else None
    if year is None and not mapping.year_column:
        context.problems.append(
            Problem(
                sheet,
                "no year",
                f"give a year here or year_column in mapping {mapping.name!r}",
                row=entry.sheet_row,
                column="year",
            )
        )
        ok = False
    timepoint = entry.timepoint or None
    order = context.config["timepoints"]["order"]
    if timepoint is not None and timepoint not in order:
        context.problems.append(
            Problem(
                sheet,
                "unknown timepoint",
                f"{timepoint!r} is not in timepoints.order {order}",
                row=entry.sheet_row,
                column="timepoint",
            )
        )
        ok = False
    if mapping.layout == "per_timepoint" and timepoint is None:
        context.problems.append(
            Problem(
                sheet,
                "no timepoint",
                f"mapping {mapping.name!r} has one export per timepoint: give the timepoint",
                row=entry.sheet_row,
                column="timepoint",
            )
        )
        ok = False
    return municipality, year, timepoint, ok


RowProblems = list[tuple[str, str, str]]  # (column, reason, detail) of value problems


def _extract(context: _Context, entry: ExportEntry, mapping: Mapping, raw: RawExport) -> None:
    """Turn each response of one export into candidate measurements and exclusions."""
    fixed_municipality, fixed_year, fixed_timepoint, ok = _resolve_fixed(context, entry, mapping)
    if not ok:
        return
    fixed = (fixed_municipality, fixed_year, fixed_timepoint)
    for position, cells in enumerate(raw.frame.itertuples(index=False, name=None)):
        row = raw.row_numbers[position]
        cell = dict(zip(raw.frame.columns, cells, strict=True))
        if position in raw.row_exclusions:
            reason, detail = raw.row_exclusions[position]
            context.exclude(entry, raw.file, row, ROW_LEVEL, reason, detail)
            continue
        row_problems: RowProblems = []
        where_when = _where_and_when(context, mapping, raw, cell, row, fixed, row_problems)
        who = _who(context, mapping, raw, cell, row, row_problems)
        if where_when is None or who is None:
            continue  # a structural problem, already listed
        if row_problems:
            for column, reason, detail in row_problems:
                context.exclude(entry, raw.file, row, column, reason, detail)
            context.exclude(
                entry,
                raw.file,
                row,
                ROW_LEVEL,
                "unidentified_response",
                "who answered, or when, cannot be determined (see this row's other entries)",
            )
            continue
        municipality, year, timepoint = where_when
        if context.year is not None and year != context.year:
            context.other_year_rows.setdefault(entry.export_id, set()).add(row)
            continue
        couple, person, partner = who
        prefix = f"{municipality.code}-{year}"
        couple_id = f"{prefix}-{couple}"
        # With a partner column the id is couple + partner (A/B), the same for every tool; a
        # participant code, when mapped, is what the identity checks follow.
        participant_id = f"{couple_id}-{partner}" if partner else f"{prefix}-{person}"
        identity = {
            "export_id": entry.export_id,
            "file": raw.file,
            "row": row,
            "municipality": municipality.official_name,
            "municipality_code": municipality.code,
            "year": year,
            "couple_id": couple_id,
            "participant_id": participant_id,
            "person": f"{prefix}-{person}" if person else participant_id,
            # The bare participant code: one code in two municipalities is a problem.
            "code": person or "",
            "person_column": mapping.participant_column or mapping.partner_column,
            "couple_column": mapping.couple_column,
        }
        selected: set[str] = set()
        if mapping.outcome_column:
            column = mapping.outcome_column
            selected = {t.lower() for t in _cell_and_label(raw, column, cell[column])}
            if not any(source.when & selected for source in mapping.sources):
                context.exclude(
                    entry,
                    raw.file,
                    row,
                    ROW_LEVEL,
                    "other_question",
                    f"{column!r} names no outcome in outcome_values of mapping {mapping.name!r}",
                )
                continue
        for source in mapping.sources:
            if source.when is not None and not source.when & selected:
                continue
            source_timepoint = source.timepoint or timepoint
            label = f"{source.outcome} at {source_timepoint}"
            non_integer: list[str] = []
            value, column, problems = _score(source, cell, raw, mapping, non_integer)
            for bad_column in non_integer:
                key = (entry.export_id, raw.file, bad_column)
                context.non_integer.setdefault(key, []).append(row)
            for bad_column, reason, detail in problems:
                context.exclude(entry, raw.file, row, bad_column, reason, f"{label}: {detail}")
            if value is not None:
                context.candidates.append(
                    {
                        **identity,
                        "column": column,
                        "timepoint": source_timepoint,
                        "outcome": source.outcome,
                        "value": value,
                    }
                )


def _where_and_when(
    context: _Context,
    mapping: Mapping,
    raw: RawExport,
    cell: dict[str, str],
    row: int,
    fixed: tuple[Municipality | None, int | None, str | None],
    row_problems: RowProblems,
) -> tuple[Municipality, int | None, str | None] | None:
    """Municipality, year and timepoint of one response, from its columns and/or the sheet.

    None when a structural problem was found (unknown name, disagreement with the sheet); an
    unreadable year is a value problem, added to row_problems.
    """
    municipality, year, timepoint = fixed
    file = raw.file
    order = context.config["timepoints"]["order"]

    def disagrees(kind: str, column: str, says: object) -> None:
        context.problems.append(
            Problem(
                file,
                f"{kind} disagrees",
                f"the sheet of exports says {says}, this cell another {kind}",
                row=row,
                column=column,
            )
        )

    structural = False
    if mapping.municipality_column:
        column = mapping.municipality_column
        texts = _cell_and_label(raw, column, cell[column])
        found = next(filter(None, map(context.table.match, texts)), None)
        if found is None:
            close = context.table.suggestions(texts[-1]) if texts else []
            context.problems.append(
                Problem(
                    file,
                    "unknown municipality",
                    f"the name or code is not in {context.config['municipalities']}; "
                    + (
                        f"closest configured names: {close}"
                        if close
                        else "no configured name is close; add the municipality or an alias"
                    ),
                    row=row,
                    column=column,
                )
            )
            structural = True
        elif municipality is not None and found != municipality:
            disagrees("municipality", column, municipality.official_name)
            structural = True
        municipality = found
    if mapping.year_column:
        column = mapping.year_column
        parsed = _parse_year(cell[column], mapping.year_format)
        if parsed is None:
            expected = f" in format {mapping.year_format}" if mapping.year_format else ""
            row_problems.append((column, "invalid_year", f"not a year{expected}"))
        elif year is not None and parsed != year:
            disagrees("year", column, year)
            structural = True
        year = parsed
    if mapping.timepoint_column:
        column = mapping.timepoint_column
        texts = _cell_and_label(raw, column, cell[column])
        if mapping.timepoint_values:
            lookup = {k.strip().lower(): v for k, v in mapping.timepoint_values.items()}
            keys = sorted(mapping.timepoint_values)
        else:
            lookup, keys = {name: name for name in order}, order
        found_timepoint = next(filter(None, (lookup.get(t.lower()) for t in texts)), None)
        if found_timepoint is None:
            context.problems.append(
                Problem(
                    file,
                    "unknown timepoint",
                    f"the value is not one of {keys}; add it to timepoint_values of mapping "
                    f"{mapping.name!r}",
                    row=row,
                    column=column,
                )
            )
            structural = True
        elif timepoint is not None and found_timepoint != timepoint:
            disagrees("timepoint", column, timepoint)
            structural = True
        timepoint = found_timepoint
    return None if structural else (municipality, year, timepoint)


def _who(
    context: _Context,
    mapping: Mapping,
    raw: RawExport,
    cell: dict[str, str],
    row: int,
    row_problems: RowProblems,
) -> tuple[str, str | None, str | None] | None:
    """Couple code, participant code and partner (A/B) of one response.

    Empty or unknown codes are value problems (row_problems); a cell that is not shaped like a
    code is structural (None), because codes are written to every output.
    """
    couple = cell[mapping.couple_column].strip()
    if not couple:
        row_problems.append((mapping.couple_column, "missing_couple_code", "no couple code"))
    person = None
    if mapping.participant_column:
        person = cell[mapping.participant_column].strip()
        if not person:
            row_problems.append(
                (mapping.participant_column, "missing_participant_code", "no participant code")
            )
    partner = None
    if mapping.partner_column:
        texts = _cell_and_label(raw, mapping.partner_column, cell[mapping.partner_column])
        partner = next(filter(None, (_partner(t, mapping.partner_values) for t in texts)), None)
        if partner is None:
            allowed = sorted(mapping.partner_values) if mapping.partner_values else "a code"
            row_problems.append(
                (
                    mapping.partner_column,
                    "unknown_partner_code",
                    f"partner must be one of {allowed}",
                )
            )
    shaped = True
    for column, code in ((mapping.couple_column, couple), (mapping.participant_column, person)):
        if not (column and code):
            continue
        # Codes are published inside couple_id/participant_id: a code shaped like personal
        # data, or with spaces or @ (a name or an address in the wrong column), stops the run.
        kind = code_shape(code) or (None if CODE_PATTERN.fullmatch(code) else "not_a_code")
        if kind:
            context.code_shapes.setdefault((raw.file, column, kind), []).append(row)
            shaped = False
        elif normalise_code(code) != code or cell[column] != code:
            context.respelled.setdefault((raw.file, column), []).append(row)
    if not shaped:
        return None
    return (normalise_code(couple), person and normalise_code(person), partner)


def _code_problems(context: _Context) -> list[Problem]:
    """One problem per file, column and kind of code that must not be published (no values)."""
    problems = []
    for (file, column, kind), rows in sorted(context.code_shapes.items()):
        what = (
            "a couple/participant code must be 1-32 letters, digits or . _ - / without spaces"
            if kind == "not_a_code"
            else f"these codes have the shape of {CODE_SHAPES[kind]}, which must never be "
            "published in couple_id/participant_id"
        )
        problems.append(
            Problem(
                file,
                f"not a code [{kind}]",
                f"{what}; is this the right column? Ask for an export with pseudonymous codes "
                "(never edit data/raw by hand)",
                row=rows[0],
                column=column,
                rows=tuple(rows),
            )
        )
    return problems


def _log_respelled(context: _Context) -> None:
    """Log where codes were written in one spelling (k01 and ' K01' are couple K01)."""
    for (file, column), rows in sorted(context.respelled.items()):
        context.log.append(
            f"{file}, column {column!r}: {len(rows)} code(s) written in upper case without "
            f"surrounding spaces (rows {', '.join(map(str, rows))})"
        )


def _cell_and_label(raw: RawExport, column: str, text: str) -> list[str]:
    """A cell's text, then its value label from the file (SPSS), to match against config."""
    texts = [text.strip()] if text.strip() else []
    label = raw.value_labels.get(column, {}).get(text.strip())
    if label:
        texts.append(label.strip())
    return texts


def _partner(text: str, partner_values: dict[str, str]) -> str | None:
    """The partner label (A/B) for a partner cell, via partner_values when given."""
    cell = text.strip()
    if not cell:
        return None
    if not partner_values:
        return cell.upper()
    lookup = {key.strip().lower(): value for key, value in partner_values.items()}
    return lookup.get(cell.lower())


def _parse_year(text: str, year_format: str | None) -> int | None:
    """A year from a cell: four digits, or a date in the mapping's explicit format."""
    cell = text.strip()
    if year_format:
        try:
            # An explicit format: pandas would read 03-07-1989 as 7 March (month first).
            return dt.datetime.strptime(cell, year_format).year
        except ValueError:
            return None
    return int(cell) if re.fullmatch(r"\d{4}", cell) else None


def _score(
    source: OutcomeSource,
    cell: dict,
    raw: RawExport,
    mapping: Mapping,
    non_integer: list[str] | None = None,
) -> tuple[float | None, str, list[tuple[str, str, str]]]:
    """The outcome's value (one column, or the sum/mean of its items) and its column.

    Returns (value, column, problems); when the value is None, problems holds one
    (column, reason, detail) per cell that prevented it, so every missing item is logged.
    Columns of an `integer` source whose value has decimals are added to `non_integer`.
    """
    parsed = []
    problems: list[tuple[str, str, str]] = []
    for index, column in enumerate(source.columns):
        value = parse_cell(
            cell[column],
            decimal=raw.decimal,
            missing_codes=mapping.missing_codes | raw.missing_codes.get(column, set()),
            missing_ranges=raw.missing_ranges.get(column),
            labels_to_numbers=source.labels_to_numbers,
            file_value_labels=raw.value_labels.get(column),
        )
        whole = value.value is None or float(value.value).is_integer()
        if source.integer and not whole and non_integer is not None:
            non_integer.append(column)
        if source.score == "value":
            if value.value is None:
                return None, column, [(column, value.reason, value.detail)]
            return value.value, column, []
        if value.value is None:
            missing = value.reason in ("missing_value", "missing_code")
            reason = "missing_item" if missing else value.reason
            problems.append((column, reason, f"item {column!r}: {value.detail}"))
            continue
        item_min, item_max = source.item_bounds(index)
        too_low = item_min is not None and value.value < item_min
        too_high = item_max is not None and value.value > item_max
        if too_low or too_high:
            low = "" if item_min is None else f"{item_min:g}"
            high = "" if item_max is None else f"{item_max:g}"
            problems.append((column, "out_of_range", f"item {column!r} outside {low}-{high}"))
            continue
        parsed.append(value.value)
    label = ",".join(source.columns)
    if problems:
        return None, label, problems
    total = sum(parsed)
    return (total if source.score == "sum" else total / len(parsed)), label, []


def _check_ranges(context: _Context, candidates: pd.DataFrame) -> pd.DataFrame:
    """Exclude scores outside their outcome's range (pandera, lazily: all failures at once)."""
    if candidates.empty:
        return candidates
    candidates = candidates.reset_index(drop=True)
    candidates["value"] = candidates["value"].astype(float)
    try:
        candidate_schema(context.config).validate(candidates, lazy=True)
        return candidates
    except pa.errors.SchemaErrors as error:
        failed = failed_positions(error)
        if -1 in failed:
            lines = describe_failures(error)
            raise ExportProblems(
                [Problem("(all exports)", "validation failed", line) for line in lines]
            ) from None
    outcomes = context.config["outcomes"]
    for index in sorted(failed):
        row = candidates.loc[index]
        spec = outcomes[row["outcome"]]
        context.exclusions.append(
            {
                "export_id": row["export_id"],
                "file": row["file"],
                "row": int(row["row"]),
                "column": row["column"],
                "reason": "out_of_range",
                "detail": f"{row['outcome']} at {row['timepoint']}: outside "
                f"{spec['min']:g}-{spec['max']:g}",
            }
        )
    return candidates.drop(index=sorted(failed)).reset_index(drop=True)


def _check_identities(context: _Context, candidates: pd.DataFrame) -> pd.DataFrame:
    """Structural identity checks over all exports, and identical duplicates dropped.

    A person (participant code, or couple + partner) must belong to one couple, a couple has
    at most two people, and a person has one value per timepoint and outcome.
    """
    if candidates.empty:
        return candidates

    def problem(group: pd.DataFrame, kind: str, detail: str, column: str) -> Problem:
        places = group[["file", "row"]].drop_duplicates()
        files = list(dict.fromkeys(places["file"]))
        if len(files) > 1:
            detail += " (" + "; ".join(f"{f} row {r}" for f, r in places.values) + ")"
        rows = tuple(sorted(int(r) for r in places.loc[places["file"] == files[0], "row"]))
        return Problem(files[0], kind, detail, row=rows[0], column=column, rows=rows)

    # Find the few offending groups vectorised; only they are looped over (cohorts can be big).
    couples_per_person = candidates.groupby("person")["couple_id"].nunique()
    people_per_couple = candidates.groupby("couple_id")["person"].nunique()
    suspects = candidates[
        candidates["person"].isin(couples_per_person[couples_per_person > 1].index)
    ]
    for person, group in suspects.groupby("person", sort=True):
        couples = sorted(set(group["couple_id"]))
        if len(couples) > 1:
            context.problems.append(
                problem(
                    group,
                    "participant in two couples",
                    f"participant {person} appears in couples {couples}",
                    group["couple_column"].iloc[0],
                )
            )
    crowded = candidates[
        candidates["couple_id"].isin(people_per_couple[people_per_couple > 2].index)
    ]
    for couple, group in crowded.groupby("couple_id", sort=True):
        people = sorted(set(group["person"]))
        if len(people) > 2:
            context.problems.append(
                problem(
                    group,
                    "couple with more than two partners",
                    f"couple {couple} has {len(people)} participants: {people}",
                    group["person_column"].iloc[0],
                )
            )
    keys = ["person", "timepoint", "outcome"]
    duplicated = candidates[candidates.duplicated(keys, keep=False)]
    drop = []
    for (person, timepoint, outcome), group in duplicated.groupby(keys, sort=True):
        first = group.iloc[0]
        if group["value"].nunique() > 1:
            context.problems.append(
                problem(
                    group,
                    "duplicate with different values",
                    f"participant {person} has {len(group)} different {outcome} values at "
                    f"{timepoint}",
                    first["column"],
                )
            )
            continue
        for index, row in group.iloc[1:].iterrows():
            drop.append(index)
            context.exclusions.append(
                {
                    "export_id": row["export_id"],
                    "file": row["file"],
                    "row": int(row["row"]),
                    "column": row["column"],
                    "reason": "duplicate_identical",
                    "detail": f"{outcome} at {timepoint}: the same as {first['file']} row "
                    f"{int(first['row'])}; one copy kept",
                }
            )
    return candidates.drop(index=drop)


def _canonical(config: dict, candidates: pd.DataFrame) -> pd.DataFrame:
    """The canonical table, sorted as docs/architecture.md says, validated by its schema."""
    order = {name: index for index, name in enumerate(config["timepoints"]["order"])}
    table = candidates[MEASUREMENT_COLUMNS].copy()
    table["year"] = table["year"].astype("int64")
    table["value"] = table["value"].astype(float)
    for column in (
        "municipality",
        "municipality_code",
        "couple_id",
        "participant_id",
        "timepoint",
        "outcome",
    ):
        table[column] = table[column].astype(str)
    table["_order"] = table["timepoint"].map(order)
    table = (
        table.sort_values(
            ["year", "municipality_code", "couple_id", "participant_id", "_order", "outcome"],
            kind="stable",
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    try:
        measurements_schema(config).validate(table, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise ExportProblems(
            [
                Problem("results/clean/measurements.csv", "invalid canonical table", line)
                for line in describe_failures(error)
            ]
        ) from None
    return table
