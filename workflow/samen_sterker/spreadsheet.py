"""CSV cells that a spreadsheet would run as a formula are written as text.

Researchers and municipalities open the pipeline's CSV files in Excel. A cell starting with
`=`, `+`, `-` or `@` (or a tab or carriage return before one) is run as a formula there, e.g.
`=HYPERLINK(...)` from a column name of an export; an apostrophe in front makes it text.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number such as -99, +31 or -1.5e3 is data, not a formula.
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula."""
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text.strip())


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells a spreadsheet would run start with an apostrophe; numbers and
    every other cell are unchanged."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(
                lambda cell: f"'{cell}" if isinstance(cell, str) and is_formula(cell) else cell
            )
    return frame
