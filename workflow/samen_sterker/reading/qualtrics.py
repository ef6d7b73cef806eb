"""Qualtrics CSV exports: three header rows (ids, question text, ImportId JSON), meta block."""

from __future__ import annotations

from pathlib import Path

from samen_sterker.reading.base import RawExport, frame_from_records, parse_delimited
from samen_sterker.reading.encoding import decode_export

# Qualtrics "Response Type" (column Status) as text or as its numeric code. Only real
# respondents (anonymous link, imported, offline app) are participants; previews, tests and
# spam are not. Codes from the Qualtrics support page "Response types".
_STATUS_KEPT = {"ip address": "0", "imported": "4", "offline": "16"}
_STATUS_EXCLUDED = {
    "survey preview": ("preview_response", "1"),
    "survey test": ("test_response", "2"),
    "spam": ("spam_response", "8"),
    "survey preview spam": ("preview_response", "9"),
    "imported spam": ("spam_response", "12"),
    "offline survey preview": ("preview_response", "17"),
}
_FINISHED_TRUE = {"1", "true"}
_FINISHED_FALSE = {"0", "false"}


def read_qualtrics_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read a Qualtrics CSV; mark previews, tests, spam and unfinished responses as excluded."""
    decoded = decode_export(path, file)
    notes = [f"{file}: encoding {decoded.encoding}"]
    delimiter = options.get("delimiter", ",")
    # Legacy exports have two header rows; current ones a third row of ImportId JSON.
    _, probe = parse_delimited(decoded.text, file, delimiter, 1)
    import_id_row = bool(probe) and all(
        field.startswith('{"ImportId"') for field in probe[min(1, len(probe) - 1)][1] if field
    )
    header_rows = options.get("header_rows", 3 if import_id_row else 2)
    headers, records = parse_delimited(decoded.text, file, delimiter, header_rows)
    notes.append(f"{file}: Qualtrics CSV with {header_rows} header rows")
    frame, rows = frame_from_records(headers[0], records, file, notes)
    exclusions = {}
    status_values = {code: name for name, code in _STATUS_KEPT.items()}
    if "Status" in frame.columns:
        for position, status in enumerate(frame["Status"]):
            key = status.strip().lower()
            for name, (reason, code) in _STATUS_EXCLUDED.items():
                if key in (name, code):
                    exclusions[position] = (reason, f"Qualtrics response type: {name}")
            if position not in exclusions and key not in _STATUS_KEPT and key not in status_values:
                exclusions[position] = ("unknown_response_type", "Status is not a known type")
    else:
        notes.append(f"{file}: no Status column; preview/test responses cannot be recognised")
    if "Finished" in frame.columns:
        for position, finished in enumerate(frame["Finished"]):
            key = finished.strip().lower()
            if position in exclusions:
                continue
            if key in _FINISHED_FALSE:
                exclusions[position] = ("unfinished_response", "Finished is false")
            elif key not in _FINISHED_TRUE:
                exclusions[position] = ("unfinished_response", "Finished is neither true nor false")
    else:
        notes.append(f"{file}: no Finished column; unfinished responses cannot be recognised")
    return RawExport(
        file=file,
        format="qualtrics_csv",
        encoding=decoded.encoding,
        frame=frame,
        row_numbers=rows,
        header_rows=header_rows,
        decimal=options.get("decimal", "."),
        row_exclusions=exclusions,
        notes=notes,
        warnings=[decoded.warning] if decoded.warning else [],
    )
