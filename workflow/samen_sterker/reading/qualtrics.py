"""Qualtrics CSV exports: three header rows (ids, question text, ImportId JSON), meta block."""

from __future__ import annotations

from pathlib import Path

from samen_sterker.reading.base import RawExport, frame_from_records, parse_delimited
from samen_sterker.reading.encoding import decode_export

# Qualtrics "Response Type" (column Status), as text or as its numeric code → (type, reason to
# exclude or None for a real respondent). Codes from the Qualtrics support page "Response
# types": only anonymous-link, imported and offline-app responses are participants.
_STATUS: dict[str, tuple[str, str | None]] = {}
for _codes, _name, _reason in (
    (("0", "ip address"), "IP Address", None),
    (("4", "imported"), "Imported", None),
    (("16", "offline"), "Offline", None),
    (("1", "survey preview"), "Survey Preview", "preview_response"),
    (("2", "survey test"), "Survey Test", "test_response"),
    (("8", "spam"), "Spam", "spam_response"),
    (("9", "survey preview spam"), "Survey Preview Spam", "preview_response"),
    (("12", "imported spam"), "Imported Spam", "spam_response"),
    (("17", "offline survey preview"), "Offline Survey Preview", "preview_response"),
):
    for _code in _codes:
        _STATUS[_code] = (_name, _reason)
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
    exclusions: dict[int, tuple[str, str]] = {}
    if "Status" in frame.columns:
        for position, status in enumerate(frame["Status"]):
            name, reason = _STATUS.get(status.strip().lower(), (None, "unknown_response_type"))
            if reason is not None:
                detail = f"Qualtrics response type {name}" if name else "Status is no known type"
                exclusions[position] = (reason, detail)
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
