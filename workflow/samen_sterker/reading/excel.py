"""Excel workbooks (.xlsx): Microsoft Forms, Google Forms (downloaded as .xlsx) and others."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from samen_sterker.reading.base import RawExport, cell_text, unique_names
from samen_sterker.reading.problems import ExportProblems, Problem


def read_xlsx(path: Path, file: str, options: dict, tool: str = "xlsx") -> RawExport:
    """Read one sheet (option `sheet`, default the first) with the column names in row
    `header_row` (default 1; rows above it, such as a title, are skipped).

    Microsoft Forms writes ID, Start time, Completion time, Email, Name, Last modified time;
    Google Forms writes Timestamp and, when collected, Email Address. Forms only exports
    submitted responses, so no rows are excluded here. Cells keep Excel's value (numbers are
    numbers, so the decimal separator is '.'), turned into the text a researcher sees.
    """
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ExportProblems(
            [
                Problem(
                    file,
                    "unreadable workbook",
                    f"openpyxl could not open it: {type(error).__name__}",
                )
            ]
        ) from None
    # A sheet title is typed by a person and may be personal data ('Jan Jansen 06…', or a
    # bare name the privacy scan cannot recognise), so messages say which sheet by position;
    # only the title configured in the mapping (config, not data) is ever written.
    try:
        titles = workbook.sheetnames
        configured = options.get("sheet")
        if configured is not None and configured not in titles:
            raise ExportProblems(
                [
                    Problem(
                        file,
                        "missing sheet",
                        f"no sheet {configured!r}: the workbook has {len(titles)} "
                        f"sheet{'s' if len(titles) != 1 else ''} (titles not shown, they may "
                        "hold personal data); set the mapping's `sheet` to the title of the "
                        "responses sheet, or leave it out to read the first",
                    )
                ]
            )
        sheet = workbook[configured] if configured is not None else workbook.worksheets[0]
        rows = [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        which = f"sheet {titles.index(sheet.title) + 1} of {len(titles)}"
    finally:
        workbook.close()
    if not rows:
        raise ExportProblems([Problem(file, "empty workbook", f"{which} has no rows")])
    header_row = int(options.get("header_row", 1))
    if len(rows) < header_row:
        raise ExportProblems(
            [Problem(file, "too short", f"{which} has {len(rows)} row(s), header_row is "
                     f"{header_row}")]
        )
    names_row = f", column names in row {header_row}" if header_row != 1 else ""
    notes = [f"{file}: {tool} workbook, {which}{names_row}"]
    header = rows[header_row - 1]
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    names = unique_names(header, file, notes)
    problems = [
        Problem(
            file,
            "unnamed column",
            f"a column has data but no name in row {header_row}",
            row=header_row,
            column=f"#{i + 1}",
        )
        for i, name in enumerate(names)
        if not name
    ]
    records = []
    for index, row in enumerate(rows[header_row:], start=header_row + 1):
        cells = (row + [""] * width)[:width]
        if any(row[width:]):
            problems.append(
                Problem(
                    file,
                    "data beyond the header",
                    "cells right of the last named column",
                    row=index,
                )
            )
        if any(cells):
            records.append((index, cells))
    if problems and width == 1 and any(p.kind == "data beyond the header" for p in problems):
        # One filled cell above rows of data is what a title row looks like.
        problems.append(
            Problem(
                file,
                "title row?",
                f"row {header_row} has one filled cell: if it is a title above the column "
                "names, set the mapping's header_row to the row with the names",
                row=header_row,
            )
        )
    if problems:
        raise ExportProblems(problems)
    frame = pd.DataFrame([cells for _, cells in records], columns=names, dtype=object)
    if frame.empty:
        frame = pd.DataFrame({name: pd.Series(dtype=object) for name in names})
    return RawExport(
        file=file,
        format=tool,
        encoding=None,
        frame=frame,
        row_numbers=[index for index, _ in records],
        header_rows=header_row,
        decimal=options.get("decimal", "."),
        notes=notes,
    )


def read_ms_forms_xlsx(path: Path, file: str, options: dict) -> RawExport:
    """Read a Microsoft Forms 'Open in Excel' download."""
    return read_xlsx(path, file, options, tool="ms_forms_xlsx")


def read_google_forms_xlsx(path: Path, file: str, options: dict) -> RawExport:
    """Read a Google Forms responses sheet downloaded as .xlsx."""
    return read_xlsx(path, file, options, tool="google_forms_xlsx")
