"""Reading stage: one reader per survey tool / file format, all returning a `RawExport`.

`read_export(path, format, options)` dispatches on the mapping's `format`; every reader
returns the cells as text with the row number of each response as in the file, the encoding
it detected and the responses the tool marks as not real (preview, test, unfinished).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from samen_sterker.reading.base import RawExport
from samen_sterker.reading.delimited import read_castor_csv, read_csv, read_excel_nl_csv
from samen_sterker.reading.encoding import DecodedText, decode_export
from samen_sterker.reading.excel import read_google_forms_xlsx, read_ms_forms_xlsx, read_xlsx
from samen_sterker.reading.limesurvey import read_limesurvey_csv, read_limesurvey_sav
from samen_sterker.reading.problems import ExportProblems, Problem
from samen_sterker.reading.qualtrics import read_qualtrics_csv
from samen_sterker.reading.spss import read_spss_sav
from samen_sterker.reading.surveymonkey import read_surveymonkey_csv

Reader = Callable[[Path, str, dict], RawExport]

READERS: dict[str, Reader] = {
    "qualtrics_csv": read_qualtrics_csv,
    "limesurvey_csv": read_limesurvey_csv,
    "limesurvey_sav": read_limesurvey_sav,
    "spss_sav": read_spss_sav,
    "ms_forms_xlsx": read_ms_forms_xlsx,
    "google_forms_xlsx": read_google_forms_xlsx,
    "xlsx": read_xlsx,
    "surveymonkey_csv": read_surveymonkey_csv,
    "castor_csv": read_castor_csv,
    "excel_nl_csv": read_excel_nl_csv,
    "csv": read_csv,
}
# Formats read with openpyxl: a sheet and the row of the column names, not CSV header rows.
WORKBOOK_FORMATS = frozenset({"ms_forms_xlsx", "google_forms_xlsx", "xlsx"})


def read_export(
    path: Path, format: str, options: dict | None = None, file: str | None = None
) -> RawExport:
    """Read one export with the reader for `format`; `file` is the name used in messages."""
    name = file or str(path)
    if format not in READERS:
        raise ExportProblems(
            [Problem(name, "unknown format", f"format {format!r} is not one of {sorted(READERS)}")]
        )
    if not Path(path).is_file():
        raise ExportProblems([Problem(name, "missing file", "the file does not exist")])
    if Path(path).stat().st_size == 0:
        # Every format: a reader would only say it is too short or not a workbook.
        raise ExportProblems(
            [Problem(name, "empty file", "the file has 0 bytes; ask for the export again")]
        )
    return READERS[format](Path(path), name, options or {})


__all__ = [
    "READERS",
    "WORKBOOK_FORMATS",
    "DecodedText",
    "ExportProblems",
    "Problem",
    "RawExport",
    "decode_export",
    "read_export",
]
