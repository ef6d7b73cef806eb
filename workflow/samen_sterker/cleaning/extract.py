"""One export → candidate measurements: read, cut to the mapped columns (allow-list), scan
what is kept for personal data, and score each response's outcomes."""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path

from samen_sterker.cleaning import checks
from samen_sterker.cleaning.context import ROW_LEVEL, Context, RowProblems
from samen_sterker.cleaning.dates import response_dates
from samen_sterker.cleaning.identity import cell_and_label, resolve_fixed, where_and_when, who
from samen_sterker.cleaning.mapping import Mapping, OutcomeSource
from samen_sterker.cleaning.municipalities import Municipality, MunicipalityTable
from samen_sterker.cleaning.names import mask, shown_names
from samen_sterker.cleaning.sheet import ExportEntry
from samen_sterker.cleaning.values import parse_cell
from samen_sterker.reading import RawExport, read_export
from samen_sterker.reading.base import duplicated_names
from samen_sterker.reading.problems import ExportProblems, Problem

DATE_COLUMN_DROPPED = (
    "date_column: read for the date of the data only (latest_response_date in data_quality.csv)"
)


def process_export(
    context: Context, entry: ExportEntry, mapping: Mapping, base_dir: Path, dropped: list[dict]
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
    context.problems.extend(
        # A kept column's name goes into exclusions.csv and messages: it must pass the scan.
        Problem(
            entry.path,
            "personal data in a column name",
            "the mapping reads a column whose name fails the privacy scan; ask for an export "
            "with plain column names (never edit data/raw by hand)",
            row=1,
            column=shown[column],
        )
        for column in read
        if column in shown and shown[column] != column
    )
    context.problems.extend(_missing_columns(entry, mapping, raw, missing, shown))
    context.problems.extend(
        checks.duplicated_mapped_columns(
            context.config, entry.export_id, entry.path, duplicated_names(list(shown)), read
        )
    )
    unmapped = [column for column in raw.frame.columns if column not in allowed]
    if date_column and date_column in raw.frame.columns:
        # Read before the cut: only the latest date of the kept rows leaves this stage.
        context.response_dates[entry.export_id] = response_dates(raw, mapping)
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
        extract(context, entry, mapping, raw)
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
            bool(cells & {t.lower() for t in cell_and_label(raw, mapping.outcome_column, text)})
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


def extract(context: Context, entry: ExportEntry, mapping: Mapping, raw: RawExport) -> None:
    """Turn each response of one export into candidate measurements and exclusions."""
    fixed_municipality, fixed_year, fixed_timepoint, ok = resolve_fixed(context, entry, mapping)
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
        where_when = where_and_when(context, mapping, raw, cell, row, fixed, row_problems)
        codes = who(context, mapping, raw, cell, row, row_problems)
        if where_when is None or codes is None:
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
        identity = _identity(entry, mapping, raw.file, row, municipality, year, codes)
        _measurements(context, entry, mapping, raw, cell, identity, timepoint)


def _identity(
    entry: ExportEntry,
    mapping: Mapping,
    file: str,
    row: int,
    municipality: Municipality,
    year: int,
    codes: tuple[str, str | None, str | None],
) -> dict:
    """The columns saying who, where and when of every measurement of one response."""
    couple, person, partner = codes
    prefix = f"{municipality.code}-{year}"
    couple_id = f"{prefix}-{couple}"
    # With a partner column the id is couple + partner (A/B), the same for every tool; a
    # participant code, when mapped, is what the identity checks follow.
    participant_id = f"{couple_id}-{partner}" if partner else f"{prefix}-{person}"
    return {
        "export_id": entry.export_id,
        "file": file,
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


def _measurements(
    context: Context,
    entry: ExportEntry,
    mapping: Mapping,
    raw: RawExport,
    cell: dict[str, str],
    identity: dict,
    timepoint: str | None,
) -> None:
    """Score each mapped outcome of one identified response: a candidate or exclusions."""
    row = identity["row"]
    selected: set[str] = set()
    if mapping.outcome_column:
        column = mapping.outcome_column
        selected = {t.lower() for t in cell_and_label(raw, column, cell[column])}
        if not any(source.when & selected for source in mapping.sources):
            context.exclude(
                entry,
                raw.file,
                row,
                ROW_LEVEL,
                "other_question",
                f"{column!r} names no outcome in outcome_values of mapping {mapping.name!r}",
            )
            return
    for source in mapping.sources:
        if source.when is not None and not source.when & selected:
            continue
        source_timepoint = source.timepoint or timepoint
        label = f"{source.outcome} at {source_timepoint}"
        non_integer: list[str] = []
        value, column, problems = score(source, cell, raw, mapping, non_integer)
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


def score(
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
    Missing items (no answer, a missing code) are prorated when at least
    `source.min_share_answered` of the items are answered (`prorate`): the value is kept and
    problems holds one `missing_item_prorated` note per missing item. An unreadable or
    out-of-range item is an error in the data, not a gap: it still excludes the measurement.
    """
    parsed: dict[int, float] = {}
    problems: list[tuple[str, str, str]] = []
    missing_items: list[int] = []
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
            if missing:
                missing_items.append(index)
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
        parsed[index] = value.value
    label = ",".join(source.columns)
    n_items = len(source.columns)
    only_gaps = len(problems) == len(missing_items)
    if problems and not (
        only_gaps and parsed and len(parsed) / n_items >= source.min_share_answered
    ):
        return None, label, problems
    total = prorate(parsed, source) if missing_items else sum(parsed.values())
    notes = [
        (
            column,
            "missing_item_prorated",
            f"{detail}; score prorated from {len(parsed)} of {n_items} items",
        )
        for column, _, detail in problems
    ]
    return (total if source.score == "sum" else total / n_items), label, notes


def prorate(answered: dict[int, float], source: OutcomeSource) -> float:
    """The sum of all items, prorated from the answered ones (item index -> value).

    Each answered item's position in its own range is averaged, and every item is given
    that position: sum = sum(min_i) + (sum(answered) - sum(min_a)) * sum(range_i) /
    sum(range_a) over all items i and answered items a. With equal ranges this is the usual
    person-mean proration (mean of the answered items times the number of items); with the
    CSI-4's unequal ranges (item 1 0-6, items 2-4 0-5) a missing item 1 is not scored as a
    0-5 item. Without configured bounds it is the person-mean rule.
    """
    n_items = len(source.columns)
    bounds = [source.item_bounds(index) for index in range(n_items)]
    person_mean = sum(answered.values()) / len(answered) * n_items
    if any(low is None or high is None for low, high in bounds):
        return person_mean
    lows = [float(low) for low, _ in bounds]
    ranges = [float(high) - float(low) for low, high in bounds]
    answered_range = sum(ranges[i] for i in answered)
    if answered_range <= 0:
        return person_mean
    above_min = sum(value - lows[i] for i, value in answered.items())
    return sum(lows) + above_min * sum(ranges) / answered_range
