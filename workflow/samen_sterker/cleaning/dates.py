"""Dates in exports: the cohort year of a response, and the date of the data.

A mapping's date_column (completion time) is read before the allow-list cut, and only the
latest date of the kept rows leaves (per export and per cohort year): per-row dates identify
people in combination, so they are held in memory only.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from samen_sterker.cleaning.context import Context
from samen_sterker.cleaning.mapping import Mapping
from samen_sterker.cleaning.sheet import ExportEntry
from samen_sterker.reading import RawExport

NO_DATE, INVALID_DATE = "no date", "not a date"


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


def response_dates(raw: RawExport, mapping: Mapping) -> dict[int, dt.date | str]:
    """File row → completion date of every response of one export (or NO_DATE/INVALID_DATE)."""
    dates: dict[int, dt.date | str] = {}
    for row, text in zip(raw.row_numbers, raw.frame[mapping.date_column], strict=True):
        parsed = parse_response_date(text, mapping.date_formats) if text.strip() else NO_DATE
        dates[row] = INVALID_DATE if parsed is None else parsed
    return dates


def latest_response_date(
    context: Context,
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


def latest_date_by_year(context: Context, candidates: pd.DataFrame) -> dict[str, str]:
    """Cohort year → ISO date of the latest completion among kept rows of that year."""
    latest: dict[str, dt.date] = {}
    kept = candidates[["export_id", "row", "year"]].drop_duplicates()
    for export_id, row, year in kept.itertuples(index=False, name=None):
        date = context.response_dates.get(export_id, {}).get(row)
        if isinstance(date, dt.date) and (str(year) not in latest or date > latest[str(year)]):
            latest[str(year)] = date
    return {year: date.isoformat() for year, date in sorted(latest.items())}


def dated_responses(context: Context, candidates: pd.DataFrame) -> pd.DataFrame:
    """Export, person, timepoint and completion date of every kept response with a valid
    date, for the check of timepoint order (checks.py); in memory only, never written."""
    kept = candidates[["export_id", "row", "person", "timepoint"]].drop_duplicates()
    dates = [
        context.response_dates.get(export_id, {}).get(row)
        for export_id, row in zip(kept["export_id"], kept["row"], strict=True)
    ]
    kept = kept.assign(date=dates)
    valid = kept["date"].map(lambda date: isinstance(date, dt.date)).astype(bool)
    return kept.loc[valid, ["export_id", "person", "timepoint", "date"]].reset_index(drop=True)


def cross_year_warnings(
    context: Context, entry: ExportEntry, candidates: pd.DataFrame, same_as_earlier: dict[str, str]
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


def parse_year(text: str, year_format: str | None) -> int | None:
    """A year from a cell: four digits, or a date in the mapping's explicit format."""
    cell = text.strip()
    if year_format:
        try:
            # An explicit format: pandas would read 03-07-1989 as 7 March (month first).
            return dt.datetime.strptime(cell, year_format).year
        except ValueError:
            return None
    return int(cell) if re.fullmatch(r"\d{4}", cell) else None
