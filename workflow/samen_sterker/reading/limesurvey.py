"""LimeSurvey exports: CSV (codes such as `Q1[SQ001]`) and the SPSS .sav export."""

from __future__ import annotations

from pathlib import Path

from samen_sterker.reading.base import RawExport, frame_from_records, parse_delimited
from samen_sterker.reading.encoding import decode_export
from samen_sterker.reading.spss import read_spss_sav


def _mark_incomplete(export: RawExport) -> None:
    """LimeSurvey leaves `submitdate` empty until the respondent submits the last page."""
    if "submitdate" not in export.frame.columns:
        export.notes.append(
            f"{export.file}: no submitdate column; incomplete responses cannot be recognised"
        )
        return
    for position, submitted in enumerate(export.frame["submitdate"]):
        if not submitted.strip() and position not in export.row_exclusions:
            export.row_exclusions[position] = ("unfinished_response", "submitdate is empty")


def read_limesurvey_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read a LimeSurvey CSV (one header row of question codes); mark incomplete responses."""
    decoded = decode_export(path, file)
    notes = [f"{file}: encoding {decoded.encoding}", f"{file}: LimeSurvey CSV"]
    delimiter = options.get("delimiter", ",")
    headers, records = parse_delimited(decoded.text, file, delimiter, 1)
    frame, rows = frame_from_records(headers[0], records, file, notes)
    export = RawExport(
        file=file,
        format="limesurvey_csv",
        encoding=decoded.encoding,
        frame=frame,
        row_numbers=rows,
        header_rows=1,
        decimal=options.get("decimal", "."),
        notes=notes,
        warnings=[decoded.warning] if decoded.warning else [],
    )
    _mark_incomplete(export)
    return export


def read_limesurvey_sav(path: Path, file: str, options: dict) -> RawExport:
    """Read LimeSurvey's SPSS export (.sav); value labels and missing codes as in SPSS."""
    export = read_spss_sav(path, file, options)
    export.format = "limesurvey_sav"
    _mark_incomplete(export)
    return export
