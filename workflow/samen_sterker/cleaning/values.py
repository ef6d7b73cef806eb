"""Turn one text cell into a number on an outcome's scale, or say why it cannot be one."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Value labels that mean "no answer" in SPSS files (LimeSurvey and hand-made ones), matched
# case-insensitively; such a code is missing, never a rating (99 = "weet niet" is not a 99).
MISSING_LABELS = frozenset(
    {
        "weet niet",
        "weet ik niet",
        "geen antwoord",
        "geen mening",
        "wil ik niet zeggen",
        "n.v.t.",
        "nvt",
        "niet van toepassing",
        "onbekend",
        "missing",
        "don't know",
        "do not know",
        "no answer",
        "not applicable",
        "prefer not to say",
    }
)

_NUMBER = {
    ".": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"),
    ",": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)"),
}

# Reasons a measurement is excluded. VALUE_PROBLEMS are errors under `strict: true`; the
# others are ordinary gaps in survey data.
VALUE_PROBLEMS = frozenset(
    {
        "not_a_number",
        "out_of_range",
        "missing_couple_code",
        "missing_participant_code",
        "unknown_partner_code",
        "invalid_year",
    }
)


@dataclass(frozen=True)
class CellValue:
    """A parsed cell: a number, or the reason there is none (and words, never the value)."""

    value: float | None
    reason: str | None = None
    detail: str = ""


def parse_cell(
    text: str,
    *,
    decimal: str,
    missing_codes: set[str] | frozenset[str] = frozenset(),
    missing_ranges: list[tuple[float, float]] | None = None,
    labels_to_numbers: dict[str, float] | None = None,
    file_value_labels: dict[str, str] | None = None,
) -> CellValue:
    """Parse a cell: empty, missing code, value label or a number with the given decimal mark.

    Order matters: missing codes first (so -99 or 99 "weet niet" never becomes a score), then
    the mapping's value labels, then a plain number.
    """
    cell = text.strip()
    if not cell:
        return CellValue(None, "missing_value", "no answer")
    if cell in missing_codes or cell.lower() in {code.lower() for code in missing_codes}:
        return CellValue(None, "missing_code", "a declared missing-value code")
    number = _as_number(cell, decimal)
    ranges = missing_ranges or []
    if number is not None and any(low <= number <= high for low, high in ranges):
        return CellValue(None, "missing_code", "a user-missing code declared in the file")
    if file_value_labels:
        label = file_value_labels.get(cell)
        if label is not None and label.strip().lower() in MISSING_LABELS:
            return CellValue(None, "missing_code", "its value label in the file means no answer")
    if labels_to_numbers:
        lookup = {key.strip().lower(): value for key, value in labels_to_numbers.items()}
        if cell.lower() in lookup:
            return CellValue(float(lookup[cell.lower()]))
    if number is None:
        other = "," if decimal == "." else "."
        if _as_number(cell, other) is not None:
            return CellValue(
                None,
                "not_a_number",
                f"uses {other!r} as decimal mark; this format uses {decimal!r}",
            )
        return CellValue(None, "not_a_number", "text where a number was expected")
    return CellValue(number)


def _as_number(cell: str, decimal: str) -> float | None:
    if _NUMBER[decimal].fullmatch(cell):
        return float(cell.replace(",", "."))
    return None
