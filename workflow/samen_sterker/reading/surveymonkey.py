"""SurveyMonkey CSV exports: two header rows (question, then answer option / 'Response')."""

from __future__ import annotations

from pathlib import Path

from samen_sterker.reading.base import RawExport, frame_from_records, parse_delimited
from samen_sterker.reading.encoding import decode_export

# Second-row texts that only say "this is the answer" and add nothing to the column's name.
_PLAIN_ANSWER = {"", "response", "open-ended response", "antwoord", "open antwoord"}


def surveymonkey_column_names(questions: list[str], answers: list[str]) -> list[str]:
    """Combine SurveyMonkey's two header rows into one name per column.

    A matrix or multi-choice question fills row 1 only above its first column; the question
    is carried to the columns after it. The name is the question, plus `" | "` and the row-2
    text when that names an item or option (e.g. `Hoe tevreden? | Voor de cursus`).
    """
    names = []
    current = ""
    for question, answer in zip(questions, answers, strict=True):
        if question.strip():
            current = question.strip()
        answer = answer.strip()
        names.append(current if answer.lower() in _PLAIN_ANSWER else f"{current} | {answer}")
    return names


def read_surveymonkey_csv(path: Path, file: str, options: dict) -> RawExport:
    """Read a SurveyMonkey 'all responses' CSV with two header rows."""
    decoded = decode_export(path, file)
    notes = [f"{file}: encoding {decoded.encoding}", f"{file}: SurveyMonkey CSV, 2 header rows"]
    headers, records = parse_delimited(decoded.text, file, options.get("delimiter", ","), 2)
    names = surveymonkey_column_names(headers[0], headers[1])
    frame, rows = frame_from_records(names, records, file, notes)
    return RawExport(
        file=file,
        format="surveymonkey_csv",
        encoding=decoded.encoding,
        frame=frame,
        row_numbers=rows,
        header_rows=2,
        decimal=options.get("decimal", "."),
        notes=notes,
        warnings=[decoded.warning] if decoded.warning else [],
    )
