"""Scan the kept columns of one export: column names and every cell, one finding per
(column, kind) listing its rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

import pandas as pd

from samen_sterker.cleaning.privacy.cell_kinds import cell_kinds, standalone_bsn_rows
from samen_sterker.cleaning.privacy.column_names import (
    column_category,
    scan_column_names,
    strip_diacritics,
)
from samen_sterker.cleaning.privacy.findings import Finding

_KIND_ORDER = (
    "email",
    "phone",
    "postcode",
    "ip_address",
    "iban",
    "bsn",
    "possible_bsn",
    "birth_date",
    "free_text",
)

# Plain numbers up to 8 digits (ratings '7', '6,5', missing codes '-99', years) are never
# personal data on their own; skipping them early also keeps the scan fast.
_SHORT_NUMBER = re.compile(r"[+-]?\d{1,8}(?:[.,]\d+)?")


def _cell_to_text(value: object) -> str | None:
    """Return the cell as text, or None when empty/missing."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # An SPSS/Excel number such as 111222333.0 must be seen as the 9 digits it was.
        return str(int(value)) if value.is_integer() else str(float(value))
    if value is pd.NA or value is pd.NaT:
        return None
    text = str(value).strip()
    return text or None


def _label_key(text: str) -> str:
    """Compare labels as the municipality table does: case, diacritics, spacing, 's- ignored."""
    key = strip_diacritics(text).casefold()
    key = re.sub(r"^'?s-", "", key.strip())
    return " ".join(re.split(r"[\s\-'’_]+", key)).strip()


def scan_values(
    frame: pd.DataFrame,
    file: str,
    row_numbers: Sequence[int] | pd.Series,
    *,
    known_values: Collection[str] = (),
) -> list[Finding]:
    """Scan every cell for personal data; one finding per (column, kind) listing its rows.

    `row_numbers` gives, for each row of `frame` in order, its row number in the file
    (1-based, header rows counted). `known_values` are configured answer labels, missing codes
    and municipality names or aliases (e.g. 'weet niet', 'Den Bosch'), exempt from the
    free-text check only; they match regardless of case, diacritics, spacing and 's-.
    """
    numbers = [int(number) for number in row_numbers]
    if len(numbers) != len(frame):
        raise ValueError(
            f"{file}: row_numbers has {len(numbers)} entries but the table has {len(frame)} rows"
        )
    known = {_label_key(str(value)) for value in known_values}
    findings: list[Finding] = []
    for position, column in enumerate(frame.columns):
        category = column_category(column)
        texts = []
        for row, value in zip(numbers, frame.iloc[:, position].tolist(), strict=True):
            text = _cell_to_text(value)
            if text is not None:
                texts.append((row, text))
        rows_by_kind: dict[str, list[int]] = {}
        for row, text in texts:
            if _SHORT_NUMBER.fullmatch(text):
                continue
            check_free_text = _label_key(text) not in known
            for kind in cell_kinds(text, category, check_free_text):
                rows_by_kind.setdefault(kind, []).append(row)
        standalone = standalone_bsn_rows(texts, bsn_context_column=category == "bsn")
        if standalone is not None:
            kind, rows = standalone
            rows_by_kind.setdefault(kind, []).extend(rows)
        for kind in _KIND_ORDER:
            if kind in rows_by_kind:
                findings.append(Finding(file, str(column), tuple(rows_by_kind[kind]), kind))
    return findings


def scan_frame(
    frame: pd.DataFrame,
    file: str,
    row_numbers: Sequence[int] | pd.Series,
    *,
    known_values: Collection[str] = (),
) -> list[Finding]:
    """Scan column names and values of the kept columns of one export."""
    return scan_column_names(frame.columns, file) + scan_values(
        frame, file, row_numbers, known_values=known_values
    )
