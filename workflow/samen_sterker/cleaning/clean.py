"""From the sheet of exports and the mappings to the canonical table of measurements.

Order of work per export (extract.py): read (reading stage) → keep only the mapped columns
(allow-list, every other column dropped and recorded) → scan the kept columns for personal
data → work out who, where and when for each response (identity.py) → parse values →
validate. Then over the cohort year: ranges and identities, plausibility (checks.py), the
date of the data (dates.py). Structural problems of all exports and the plausibility checks
are collected and raised together as one ExportProblems; value problems exclude a measurement
and are logged (errors under `strict: true`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from samen_sterker.cleaning import checks
from samen_sterker.cleaning.context import EXCLUSION_COLUMNS, ROW_LEVEL, Context
from samen_sterker.cleaning.dates import (
    cross_year_warnings,
    dated_responses,
    latest_date_by_year,
    latest_response_date,
    parse_response_date,
)
from samen_sterker.cleaning.extract import process_export
from samen_sterker.cleaning.identity import check_identities, code_problems, log_respelled
from samen_sterker.cleaning.mapping import Mapping, parse_mapping
from samen_sterker.cleaning.municipalities import MunicipalityTable
from samen_sterker.cleaning.names import (
    hide_files,
    hide_files_in_problems,
    shown_file,
    shown_files,
)
from samen_sterker.cleaning.schema import (
    MEASUREMENT_COLUMNS,
    candidate_schema,
    describe_failures,
    failed_positions,
    measurements_schema,
)
from samen_sterker.cleaning.sheet import (
    ExportEntry,
    other_municipality_in_file_name,
    read_exports_sheet,
)
from samen_sterker.cleaning.values import VALUE_PROBLEMS
from samen_sterker.provenance import config_sha256, sha256_file
from samen_sterker.reading import RawExport
from samen_sterker.reading.problems import ExportProblems, Problem

# Re-exported: the plan, the scripts and the tests import them from here.
__all__ = [
    "CleanResult",
    "ExportEntry",
    "clean_cohort",
    "clean_exports",
    "parse_response_date",
    "read_exports_sheet",
]

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


@dataclass
class CleanResult:
    """The canonical measurements and everything needed to account for them."""

    measurements: pd.DataFrame
    exclusions: pd.DataFrame
    data_quality: pd.DataFrame
    dropped_columns: pd.DataFrame
    manifest: dict
    log: list[str] = field(default_factory=list)


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


CANDIDATE_COLUMNS = [
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
]


@dataclass
class _Read:
    """The exports of a cohort year as read: their mappings, frames and first accounts."""

    mappings: dict[str, Mapping] = field(default_factory=dict)
    raws: dict[str, RawExport] = field(default_factory=dict)
    quality: dict[str, dict] = field(default_factory=dict)
    dropped: list[dict] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    # SHA-256 of every export file that exists, read or not (the same-bytes check).
    sha256: dict[str, str] = field(default_factory=dict)
    # Exports whose reading or extraction found a problem: their rows are not all accounted
    # for, so their yield is not checked (their own problems say what is wrong).
    troubled: set[str] = field(default_factory=set)


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
    context = Context(config=config, table=table, year=year, problems=list(sheet_problems or []))
    read = _read_exports(context, entries, base_dir, dict(inputs or {}))
    candidates = pd.DataFrame(context.candidates, columns=CANDIDATE_COLUMNS)
    candidates = _check_ranges(context, candidates)
    candidates = check_identities(context, candidates)
    context.problems.extend(code_problems(context))
    # Needing only the sheet and the bytes, and first: the same file named twice explains the
    # duplicates and disagreements it causes.
    identical = checks.same_bytes(context.config, entries, read.sha256)
    implausible = _account(context, entries, read, candidates, same_as_earlier or {})
    _raise_problems(context, identical, implausible)
    log_respelled(context)
    return _result(context, entries, read, candidates)


def _read_exports(
    context: Context, entries: list[ExportEntry], base_dir: Path, inputs: dict[str, str]
) -> _Read:
    """Parse the mappings, then read and extract every export (problems to the context)."""
    config = context.config
    read = _Read(inputs=inputs)
    for name, spec in (config.get("mappings") or {}).items():
        mapping, problems = parse_mapping(name, spec, config)
        context.problems.extend(problems)
        if mapping is not None:
            read.mappings[name] = mapping
    for entry in entries:
        if (base_dir / entry.path).is_file():
            read.sha256[entry.export_id] = sha256_file(base_dir / entry.path)
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
            continue
        if entry.mapping not in read.mappings:
            continue  # its problems are already listed
        before = _problem_count(context)
        raw = process_export(context, entry, read.mappings[entry.mapping], base_dir, read.dropped)
        if raw is None:
            continue
        if _problem_count(context) != before:
            read.troubled.add(entry.export_id)
        read.raws[entry.export_id] = raw
        sha = read.sha256[entry.export_id]
        read.inputs[entry.path] = sha
        read.quality[entry.export_id] = {
            "export_id": entry.export_id,
            "file": entry.path,
            "sha256": sha,
            "format": raw.format,
            "encoding": raw.encoding or "",
            "rows_read": raw.rows_read,
        }
    return read


def _problem_count(context: Context) -> int:
    """Problems listed so far, codes shaped like personal data included (listed later)."""
    return len(context.problems) + sum(map(len, context.code_shapes.values()))


def _raise_problems(
    context: Context, identical: list[Problem], implausible: list[Problem]
) -> None:
    """One error with every problem: exports with the same bytes first, then the structural
    problems with the value problems (so one run shows everything to fix), then the other
    implausible results. Without structural problems, value problems are errors only under
    `strict: true`."""
    structural = context.problems
    value_problems = [
        Problem(
            e["file"],
            e["reason"] if not structural else f"{e['reason']} (value problem)",
            e["detail"],
            row=int(e["row"]),
            column=e["column"] or None,
        )
        for e in context.exclusions
        if e["reason"] in VALUE_PROBLEMS and (e["column"] or not structural)
    ]
    if not (structural or context.config.get("strict", False)):
        value_problems = []
    plausibility = identical + implausible
    problems = identical + structural + value_problems + implausible
    if problems == plausibility:
        checks.raise_if_implausible(plausibility)
        return
    heading = None
    if problems == value_problems:
        heading = f"{len(value_problems)} value problem(s); strict: true makes them errors"
    elif plausibility:
        heading = (
            f"{len(problems)} problems in the exports, {len(plausibility)} of them implausible "
            "results (config `accept` can let those through on purpose: docs/adding-a-cohort.md, "
            "'When the pipeline stops')"
        )
    raise ExportProblems(problems, heading=heading)


def _account(
    context: Context,
    entries: list[ExportEntry],
    read: _Read,
    candidates: pd.DataFrame,
    same_as_earlier: dict[str, str],
) -> list[Problem]:
    """Per export: reconcile the rows, date the data, warn; then the plausibility checks
    (returned). Exports with problems of their own are left out of the per-export steps."""
    config = context.config
    quality = read.quality
    implausible: list[Problem] = []
    for export_id, raw in read.raws.items():
        if export_id in read.troubled:
            continue
        entry = next(e for e in entries if e.export_id == export_id)
        quality[export_id].update(_reconcile(context, entry, raw, candidates))
        own = pd.DataFrame(
            [e for e in context.exclusions if e["export_id"] == export_id],
            columns=EXCLUSION_COLUMNS,
        )
        implausible += checks.export_yield(config, export_id, raw.file, quality[export_id], own)
        quality[export_id]["latest_response_date"] = latest_response_date(
            context, entry, read.mappings[entry.mapping], raw, candidates
        )
        # Which municipalities' reports this export stands behind (their data-quality tables).
        codes = candidates.loc[candidates["export_id"] == export_id, "municipality_code"]
        quality[export_id]["municipality_codes"] = "|".join(sorted(set(codes)))
        warnings = cross_year_warnings(context, entry, candidates, same_as_earlier)
        sheet_municipality = context.table.match(entry.municipality) if entry.municipality else None
        named = sheet_municipality and other_municipality_in_file_name(
            entry, sheet_municipality.code
        )
        if named:
            warnings.append(named)
        for warning in warnings:
            context.log.append(f"WARNING {raw.file}: {warning}")
        quality[export_id]["warnings"] = "; ".join(warnings)
    implausible += checks.non_integer_items(config, context.non_integer)
    implausible += checks.codes_in_several_municipalities(config, candidates)
    implausible += checks.timepoints_out_of_date_order(
        config,
        dated_responses(context, candidates),
        entries,
        {
            entry.export_id: read.mappings[entry.mapping].timepoint_column
            for entry in entries
            if entry.mapping in read.mappings
        },
    )
    return implausible


def _result(
    context: Context, entries: list[ExportEntry], read: _Read, candidates: pd.DataFrame
) -> CleanResult:
    """The canonical table and its accounts, in a stable order."""
    config = context.config
    measurements = _canonical(config, candidates)
    exclusions = pd.DataFrame(context.exclusions, columns=EXCLUSION_COLUMNS)
    # In the order of the sheet of exports, then as in the file.
    sheet_order = {entry.export_id: index for index, entry in enumerate(entries)}
    exclusions = exclusions.assign(_order=exclusions["export_id"].map(sheet_order))
    exclusions = exclusions.sort_values(["_order", "row", "column"], kind="stable").drop(
        columns="_order"
    )
    data_quality = pd.DataFrame(list(read.quality.values()), columns=DATA_QUALITY_COLUMNS)
    # The reports print these file names: one that fails the privacy scan is the export id.
    files = {row["file"]: shown_file(row["file"], key) for key, row in read.quality.items()}
    data_quality["file"] = data_quality["file"].map(files)
    exclusions["file"] = exclusions["file"].map(lambda file: files.get(file, file))
    manifest = {
        "inputs": dict(sorted(read.inputs.items())),
        "config_sha256": config_sha256(config),
        # The config this cleaning used (a cohort year's slice, in the pipeline).
        "settings": config,
        "exports": [
            {"export_id": row["export_id"], "file": row["file"], "sha256": row["sha256"]}
            for row in read.quality.values()
        ],
        # One date per cohort year (not per export), so that each year's reports are dated by
        # their own data and adding a later cohort does not change an earlier report.
        "latest_response_date_by_year": latest_date_by_year(context, candidates),
    }
    return CleanResult(
        measurements=measurements,
        exclusions=exclusions.reset_index(drop=True),
        data_quality=data_quality,
        dropped_columns=pd.DataFrame(read.dropped, columns=DROPPED_COLUMNS),
        manifest=manifest,
        log=context.log,
    )


def _reconcile(
    context: Context, entry: ExportEntry, raw: RawExport, candidates: pd.DataFrame
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


def _check_ranges(context: Context, candidates: pd.DataFrame) -> pd.DataFrame:
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
