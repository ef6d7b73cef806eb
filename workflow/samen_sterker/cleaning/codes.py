"""Couple and participant codes: one spelling per code, and no code shaped like personal data.

Codes are published inside couple_id and participant_id, so a code must be a code: a postcode,
a date, a phone number, a BSN, an e-mail address or an initial and surname typed into the code
column stops the run (naming file, column and rows, never the value). So does a partner cell
that is published as it is (no partner_values) and is not a one-character label. Case and surrounding
spaces carry no meaning in a code (`k01 ` and `K01` are one couple), so codes are written in
upper case without them, and every such change is logged.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,31}")
# A partner cell published as it is (a mapping without partner_values): one letter or digit,
# as tools and trainers write partners (A/B, 1/2, M/V). Two letters could be a person's
# initials; anything longer is mapped with partner_values.
PARTNER_LABEL_PATTERN = re.compile(r"[A-Za-z0-9]")

# Kind → what the message calls it.
CODE_SHAPES = {
    "email": "an e-mail address",
    "postcode": "a Dutch postcode",
    "date": "a date",
    "phone": "a phone number",
    "bsn": "a BSN (9 digits passing the 11-proef, with or without separators)",
    "initial_and_surname": "an initial and a surname",
}

_SEPARATORS = re.compile(r"[\s./()-]")
_POSTCODE = re.compile(r"([1-9]\d{3})\s?([A-Za-z]{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_EIGHT_DIGITS = re.compile(r"\d{8}")
# J.Jansen, j_jansen, J-van-Dijk, J. Jansen; and JJansen (an initial glued to a capitalised
# name). A code has digits; these have none.
_INITIAL_AND_SURNAME = re.compile(r"[A-Za-z]\.?[\s._-]+[A-Za-z][A-Za-z'._-]{2,}|[A-Z][A-Z][a-z]{2,}")


def normalise_code(text: str) -> str:
    """The one spelling of a code: no surrounding spaces, upper case."""
    return text.strip().upper()


def code_shape(text: str) -> str | None:
    """The kind of personal data a code cell looks like (a key of CODE_SHAPES), or None."""
    code = text.strip()
    if "@" in code:
        return "email"
    postcode = _POSTCODE.fullmatch(code)
    if postcode and stdnum_postcode.is_valid(f"{postcode[1]} {postcode[2].upper()}"):
        return "postcode"
    if _is_date(code):
        return "date"
    digits = _SEPARATORS.sub("", code)
    if _is_phone(code, digits):
        return "phone"
    if re.fullmatch(r"\d{9}", digits) and stdnum_bsn.is_valid(digits):
        return "bsn"
    if not any(char.isdigit() for char in code) and _INITIAL_AND_SURNAME.fullmatch(code):
        return "initial_and_surname"
    return None


def _is_date(code: str) -> bool:
    """A valid calendar date: d-m-yyyy (or m-d), yyyy-m-d, ddmmyyyy or yyyymmdd."""
    candidates: list[tuple[str, str, str]] = []
    if match := _DAY_FIRST.fullmatch(code):
        day, month, year = match.groups()
        year = year if len(year) == 4 else f"20{year}"
        candidates += [(year, month, day), (year, day, month)]
    elif match := _YEAR_FIRST.fullmatch(code):
        candidates.append(match.groups())
    elif _EIGHT_DIGITS.fullmatch(code):
        candidates += [(code[4:], code[2:4], code[:2]), (code[:4], code[4:6], code[6:])]
    for year, month, day in candidates:
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
        if 1900 <= date.year <= 2099:
            return True
    return False


def _is_phone(code: str, digits: str) -> bool:
    """A valid Dutch or international number as people write it (starting with 0 or +)."""
    if not re.fullmatch(r"\+?\d{9,15}", digits) or code[:1] not in ("0", "+", "("):
        return False
    try:
        number = phonenumbers.parse(digits, "NL")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)
