"""Plain delimited text: Castor EDC CSV, Dutch Excel CSV (`;`, decimal comma) and generic CSV."""

from __future__ import annotations

from pathlib import Path

from samen_sterker.reading.base import RawExport, frame_from_records, parse_delimited
from samen_sterker.reading.encoding import decode_export

# Castor EDC's fixed user-missing codes (Castor help centre, "Missing data"): -95 measurement
# failed, -96 not applicable, -97 not asked, -98 asked but unknown, -99 not done.
CASTOR_MISSING_CODES = {"-95", "-96", "-97", "-98", "-99"}
# Excel's error values (Dutch and English, e.g. #N/B = #N/A) saved into a CSV: no answer.
EXCEL_ERROR_CODES = {"#N/B", "#N/A", "#WAARDE!", "#VALUE!", "#DEEL/0!", "#DIV/0!"}


def _read_delimited(
    path: Path, file: str, options: dict, tool: str, delimiter: str, decimal: str
) -> RawExport:
    decoded = decode_export(path, file)
    header_rows = int(options.get("header_rows", 1))
    delimiter = options.get("delimiter", delimiter)
    decimal = options.get("decimal", decimal)
    notes = [f"{file}: encoding {decoded.encoding}"]
    # Excel writes (and honours) a first line "sep=;" naming the separator; it is not a header.
    first_line = decoded.text.split("\n", 1)[0].strip()
    sep_line = len(first_line) == 5 and first_line.lower().startswith("sep=")
    if sep_line:
        delimiter = first_line[4]
        notes.append(f"{file}: first line 'sep={delimiter}' names the separator")
    headers, records = parse_delimited(
        decoded.text, file, delimiter, header_rows + int(sep_line), name_row=int(sep_line)
    )
    notes.append(
        f"{file}: {tool}, separator {delimiter!r}, decimal {decimal!r}, {header_rows} header row(s)"
    )
    frame, rows = frame_from_records(headers[int(sep_line)], records, file, notes)
    return RawExport(
        file=file,
        format=tool,
        encoding=decoded.encoding,
        frame=frame,
        row_numbers=rows,
        header_rows=header_rows + int(sep_line),
        decimal=decimal,
        notes=notes,
        warnings=[decoded.warning] if decoded.warning else [],
    )


def read_castor_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read a Castor EDC CSV export (`;`, `Participant Id`, user-missing codes −95…−99)."""
    export = _read_delimited(path, file, options, "castor_csv", ";", ".")
    for column in export.frame.columns:
        export.missing_codes[column] = set(CASTOR_MISSING_CODES)
    return export


def read_excel_nl_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read a CSV saved by Dutch Excel: `;` separator, decimal comma, cp1252 or UTF-8 BOM."""
    export = _read_delimited(path, file, options, "excel_nl_csv", ";", ",")
    for column in export.frame.columns:
        export.missing_codes[column] = set(EXCEL_ERROR_CODES)
    return export


def read_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read any other CSV: options `delimiter` (','), `decimal` ('.'), `header_rows` (1)."""
    return _read_delimited(path, file, options, "csv", ",", ".")
