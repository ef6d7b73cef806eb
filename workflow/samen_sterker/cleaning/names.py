"""What the pipeline may write about an export besides its values: column and file names.

Column and file names come from the people who made the export, so they can hold personal
data (an e-mail address as a header, a respondent's name in a file name) or a formula that a
spreadsheet runs (`=HYPERLINK(...)`). They are scanned like cells; a name that fails is never
written: outputs and messages show its position and the kind of finding instead, and a file
name is replaced by the export id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

import pandas as pd

from samen_sterker.cleaning.privacy import text_kinds

# Excel, LibreOffice and Google Sheets run a cell starting with one of these as a formula
# (and a leading tab or carriage return hides one); a number such as -99 or +31 is data.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula."""
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text.strip())


def name_kinds(name: str) -> list[str]:
    """Why a column name must not be written (empty when it may be)."""
    kinds = text_kinds(name)
    if is_formula(name):
        kinds.append("formula")
    return kinds


def shown_names(columns: Iterable[str]) -> dict[str, str]:
    """Column name → what outputs and messages may show of it: the name, or its position
    (1-based) and the kinds found when the name fails the scan."""
    shown = {}
    for position, name in enumerate(columns, start=1):
        kinds = name_kinds(str(name))
        shown[name] = f"column {position} [{', '.join(kinds)}]" if kinds else name
    return shown


def mask(text: str, shown: dict[str, str]) -> str:
    """A message about an export with every failing column name replaced by its label."""
    for name, label in shown.items():
        if name != label and name:
            text = text.replace(repr(name), label).replace(name, label)
    return text


def shown_file(path: str, export_id: str) -> str:
    """The file name outputs may show: the path, or the export id when the name fails."""
    stem = PurePosixPath(path).name
    if text_kinds(stem, free_text=True) or text_kinds(path) or is_formula(stem):
        return export_id
    return path


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells a spreadsheet would run as a formula start with an apostrophe
    (which spreadsheets show as text); numbers and every other cell are unchanged."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(
                lambda cell: f"'{cell}" if isinstance(cell, str) and is_formula(cell) else cell
            )
    return frame
