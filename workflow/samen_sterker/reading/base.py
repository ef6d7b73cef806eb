"""What every reader returns: the export as text cells, with file row numbers and metadata."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field

import pandas as pd

from samen_sterker.reading.problems import ExportProblems, Problem


@dataclass
class RawExport:
    """One export read as text: every cell a str ('' when empty), nothing converted yet.

    Cells stay text so that a `6,5` or a `weet niet` is seen and judged by the cleaning stage
    rather than silently becoming NaN. `row_numbers[i]` is the row of `frame.iloc[i]` as in the
    file (1-based, header rows counted). `row_exclusions` maps a frame position to (reason,
    detail) for responses the survey tool itself marks as not real (preview, test, unfinished).
    """

    file: str
    format: str
    encoding: str | None
    frame: pd.DataFrame
    row_numbers: list[int]
    header_rows: int
    decimal: str = "."
    row_exclusions: dict[int, tuple[str, str]] = field(default_factory=dict)
    missing_codes: dict[str, set[str]] = field(default_factory=dict)
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Number of data rows (responses) read from the file."""
        return len(self.frame)


def cell_text(value: object) -> str:
    """A cell from a binary format (xlsx, sav) as the text a researcher would see."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return cell_text(value.to_pydatetime()) if not pd.isna(value) else ""
    return str(value).strip()


def duplicated_names(names: list[str]) -> set[str]:
    """Names that unique_names renamed a copy of: `name` when `name.1` follows it."""
    present = set(names)
    return {
        name.rsplit(".", 1)[0]
        for name in names
        if name.rsplit(".", 1)[-1] == "1" and name.rsplit(".", 1)[0] in present
    }


def unique_names(names: list[str], file: str, notes: list[str]) -> list[str]:
    """Column names made unique (name, name.1, ...) the way pandas does, noting each rename."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            notes.append(f"{file}: duplicate column name {name!r}; the copy is called {new!r}")
            result.append(new)
        else:
            seen[name] = 0
            result.append(name)
    return result


# Python's csv module refuses fields over 128 KiB; a long free-text answer in an unmapped
# column must not stop the run (it is dropped unread by the allow-list).
csv.field_size_limit(2**31 - 1)


def parse_delimited(
    text: str, file: str, delimiter: str, header_rows: int, name_row: int = 0
) -> tuple[list[list[str]], list[tuple[int, list[str]]]]:
    """Split CSV text into header records and (row number, fields) data records.

    Row numbers count records (a quoted field may span lines; a spreadsheet shows such a
    record as one row). Blank records, such as LimeSurvey's trailing empty line, are skipped.
    Records whose field count differs from the header are problems, all reported at once.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)
    except csv.Error as error:
        # A file re-saved with another separator often breaks the quoting before it breaks a
        # field count (`"…";` read as ','): say so rather than only "check the quoting".
        header = _names_leniently(text, records, delimiter, name_row)
        raise ExportProblems(
            _delimiter_hint(header, delimiter, file)
            + [
                Problem(
                    file,
                    "malformed CSV",
                    f"the CSV parser stopped near line {reader.line_num} "
                    f"({type(error).__name__}); check the quoting",
                    row=len(records) + 1,
                )
            ]
        ) from None
    if not any(field.strip() for record in records for field in record):
        raise ExportProblems(
            [Problem(file, "empty file", "the file holds no text (only blank lines, if any)")]
        )
    if len(records) < header_rows:
        raise ExportProblems(
            [Problem(file, "too short", f"expected {header_rows} header row(s), found fewer")]
        )
    headers = records[:header_rows]
    width = len(headers[name_row])  # the header row with the column names
    data: list[tuple[int, list[str]]] = []
    problems = []
    for index, record in enumerate(records[header_rows:], start=header_rows + 1):
        if not record or all(not field.strip() for field in record):
            continue
        if len(record) != width:
            problems.append(
                Problem(
                    file,
                    "wrong number of fields",
                    f"{len(record)} fields where the header has {width}",
                    row=index,
                )
            )
            continue
        data.append((index, record))
    if problems:
        raise ExportProblems(_delimiter_hint(headers[name_row], delimiter, file) + problems)
    return headers, data


def _names_leniently(
    text: str, records: list[list[str]], delimiter: str, name_row: int
) -> list[str]:
    """The header row with the column names: as parsed, or, when the strict parser stopped
    before it, as a lenient parser reads it (for the delimiter hint only)."""
    if len(records) > name_row:
        return records[name_row]
    lenient = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for index, record in enumerate(lenient):
            if index == name_row:
                return record
    except csv.Error:
        pass
    return []


def _delimiter_hint(header: list[str], delimiter: str, file: str) -> list[Problem]:
    """A problem saying the delimiter is wrong when the header is one cell holding another
    common separator (a Dutch Excel CSV, ';' with decimal commas, read as ',')."""
    others = [mark for mark in (";", "\t", ",", "|") if mark != delimiter]
    found = [mark for mark in others if len(header) == 1 and mark in header[0]]
    if not found:
        return []
    return [
        Problem(
            file,
            "wrong delimiter",
            f"the header is one column containing {found[0]!r}, but the delimiter is "
            f"{delimiter!r}: set `delimiter` in the mapping, or format excel_nl_csv for a Dutch "
            "Excel CSV (; and decimal comma)",
            row=1,
        )
    ]


def frame_from_records(
    names: list[str], records: list[tuple[int, list[str]]], file: str, notes: list[str]
) -> tuple[pd.DataFrame, list[int]]:
    """A DataFrame of text cells (stripped) and the file row number of each of its rows."""
    columns = unique_names([name.strip() for name in names], file, notes)
    frame = pd.DataFrame(
        [[field.strip() for field in record] for _, record in records],
        columns=columns,
        dtype=object,
    )
    if frame.empty:
        frame = pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    return frame, [row for row, _ in records]
