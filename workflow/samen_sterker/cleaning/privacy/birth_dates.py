"""Dates of birth in a cell: valid calendar dates in a birth column or next to 'geboren'."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "october": 10,
    "jan": 1,
    "feb": 2,
    "mrt": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?:(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2}))(?!\d)"
)
_WORD_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+"
    r"(\d{4})(?!\d)",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(
    r"\b(?:geboren|geboortedatum|geb\.|geb|born|birth|birthday|date of birth|dob)\b",
    re.IGNORECASE,
)
_BIRTH_CONTEXT_WINDOW = 40


def _valid_date(day: str, month: str | int, year: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _date_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of valid calendar dates (dd-mm-yyyy, yyyy-mm-dd, '3 juli 1989')."""
    spans = []
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year, iso_year, iso_month, iso_day = match.groups()
        if year is not None:
            valid = _valid_date(day, month, year)
        else:
            valid = _valid_date(iso_day, iso_month, iso_year)
        if valid:
            spans.append(match.span())
    for match in _WORD_DATE.finditer(text):
        day, month_name, year = match.groups()
        if _valid_date(day, _MONTHS[month_name.lower()], year):
            spans.append(match.span())
    return spans


def has_birth_date(text: str, birth_context_column: bool) -> bool:
    spans = _date_spans(text)
    if not spans:
        return False
    if birth_context_column:
        return True
    # In other columns a date is a birth date only next to a word such as 'geboren'.
    for start, end in spans:
        window = text[max(0, start - _BIRTH_CONTEXT_WINDOW) : end + _BIRTH_CONTEXT_WINDOW]
        if _BIRTH_CONTEXT.search(window):
            return True
    return False
