"""The kinds of personal data in one cell or piece of text: e-mail, phone, postcode, IP, IBAN,
BSN, birth date, free text; and the column-level rule for cells that are only a 9-digit number.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from samen_sterker.cleaning.privacy.birth_dates import has_birth_date

_NINE_DIGITS = re.compile(r"\d{9}|\d{4}\.\d{2}\.\d{3}")
# A number standing on its own: not part of a code such as 'P123456782' or a decimal.
_NINE_DIGITS_IN_TEXT = re.compile(r"(?<![\w.,\-])(\d{9}|\d{4}\.\d{2}\.\d{3})(?!\w|[.,]\d)")
_BSN_CONTEXT = re.compile(
    r"\b(?:bsn|burgerservice\s*nummer|burgerservicenummer|sofi\s*-?\s*nummer|sofinummer|sofinr"
    r"|sofi|social\s+security)\b",
    re.IGNORECASE,
)
_BSN_CONTEXT_WINDOW = 50

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# Dates and clock times look like phone numbers to phonenumbers ('05-02-2024 20' is a valid
# Groningen number); they are blanked out before phone matching.
_DATE_OR_TIME = re.compile(
    r"(?<![\d+])(?:\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})"
    r"(?!\d)|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
)

_POSTCODE = re.compile(r"(?<![\w])([1-9]\d{3}) ?([A-Za-z]{2})(?![\w])")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![0-9A-Za-z:])")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_IBAN_MIN_LENGTH, _IBAN_MAX_LENGTH = 15, 34

# Lower-case words that also occur in place names ('Alphen aan den Rijn', 'Bergen op Zoom'),
# so a municipality name is not taken for a sentence.
_PLACE_PARTICLES = frozenset(
    {
        "aan",
        "den",
        "der",
        "de",
        "het",
        "op",
        "van",
        "en",
        "in",
        "bij",
        "ter",
        "ten",
        "te",
        "s",
        "t",
        "la",
        "le",
        "du",
        "des",
        "sur",
        "am",
        "im",
        "over",
        "onder",
    }
)
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SURROUNDING_PUNCTUATION = ".,;:!?()[]{}\"'‘’“”"
_FREE_TEXT_MIN_LENGTH_ANY_CASE = 40


def _has_email(text: str) -> bool:
    return "@" in text and _EMAIL.search(text) is not None


def _has_phone(text: str) -> bool:
    if sum(char.isdigit() for char in text) < 9:
        return False
    masked = _DATE_OR_TIME.sub(lambda match: " " * len(match.group()), text)
    for match in phonenumbers.PhoneNumberMatcher(
        masked, "NL", leniency=phonenumbers.Leniency.VALID
    ):
        # People write Dutch numbers starting with 0, +31 or 0031; a bare digit run such as a
        # respondent id is not taken for a phone number.
        if match.raw_string.lstrip("(")[:1] in ("0", "+"):
            return True
    return False


def _has_postcode(text: str, postcode_context: bool) -> bool:
    for match in _POSTCODE.finditer(text):
        digits, letters = match.groups()
        # Lower-case letters ('in 2024 en 2025') are ordinary text unless the column is about
        # postcodes or addresses.
        if not (letters.isupper() or postcode_context):
            continue
        if stdnum_postcode.is_valid(f"{digits} {letters.upper()}"):
            return True
    return False


def _has_ip_address(text: str) -> bool:
    if "." in text:
        for match in _IPV4.finditer(text):
            try:
                ipaddress.IPv4Address(match.group(1))
            except ValueError:
                continue
            return True
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            candidate = match.group(1)
            if not any(char.isalnum() for char in candidate):
                continue
            try:
                ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            return True
    return False


def _has_iban(text: str) -> bool:
    for match in _IBAN_START.finditer(text):
        # Collect the following letters/digits (single spaces allowed, as in 'NL91 ABNA ...')
        # and try the longest valid prefix, so trailing words cannot hide a valid IBAN.
        characters: list[str] = []
        position = match.start()
        while position < len(text) and len(characters) < _IBAN_MAX_LENGTH:
            char = text[position]
            if char.isascii() and char.isalnum():
                characters.append(char.upper())
            elif char != " " or position + 1 >= len(text) or text[position + 1] == " ":
                break
            position += 1
        for length in range(len(characters), _IBAN_MIN_LENGTH - 1, -1):
            if stdnum_iban.is_valid("".join(characters[:length])):
                return True
    return False


def _bsn_hits(text: str, bsn_context_column: bool) -> tuple[bool, bool]:
    """Return (bsn, possible_bsn) for 9-digit numbers passing the 11-proef inside `text`."""
    found_bsn = found_possible = False
    for match in _NINE_DIGITS_IN_TEXT.finditer(text):
        if not stdnum_bsn.is_valid(match.group(1)):
            continue
        window = text[
            max(0, match.start() - _BSN_CONTEXT_WINDOW) : match.end() + _BSN_CONTEXT_WINDOW
        ]
        if bsn_context_column or _BSN_CONTEXT.search(window):
            found_bsn = True
        else:
            found_possible = True
    return found_bsn, found_possible


def _is_free_text(text: str) -> bool:
    """True for sentence-like text; codes, numbers, labels of one word and place names are not."""
    # Words are whitespace-separated and wholly alphabetic, so codes such as 'R_3kQ9xLmP' or
    # tokens such as 'qW4eR5tY' are not read as several words.
    stripped = (token.strip(_SURROUNDING_PUNCTUATION) for token in text.split())
    words = [word for word in stripped if len(word) > 1 and _WORD.fullmatch(word)]
    if len(words) < 2:
        return False
    if len(text) >= _FREE_TEXT_MIN_LENGTH_ANY_CASE:
        return True
    return any(word[0].islower() and word.lower() not in _PLACE_PARTICLES for word in words)


def cell_kinds(text: str, category: str | None, check_free_text: bool) -> list[str]:
    """Kinds of personal data found in one cell (the standalone-BSN rule is column-level)."""
    kinds = []
    if _has_email(text):
        kinds.append("email")
    if _has_phone(text):
        kinds.append("phone")
    if _has_postcode(text, postcode_context=category in ("postcode", "address")):
        kinds.append("postcode")
    if _has_ip_address(text):
        kinds.append("ip_address")
    if _has_iban(text):
        kinds.append("iban")
    if not _NINE_DIGITS.fullmatch(text):
        is_bsn, is_possible_bsn = _bsn_hits(text, bsn_context_column=category == "bsn")
        if is_bsn:
            kinds.append("bsn")
        if is_possible_bsn:
            kinds.append("possible_bsn")
    if has_birth_date(text, birth_context_column=category == "birth_date"):
        kinds.append("birth_date")
    if check_free_text and _is_free_text(text):
        kinds.append("free_text")
    return kinds


def text_kinds(text: str, *, free_text: bool = False) -> list[str]:
    """Kinds of personal data in one piece of text outside a table: a column name, a file name.

    Unlike a cell, such a text has no column to judge it by, so a lone 9-digit number passing
    the 11-proef counts as a possible BSN. Free text is checked only when asked: a column name
    is often a question ("Hoe tevreden bent u?"), which is not personal data.
    """
    text = text.strip()
    if not text:
        return []
    kinds = cell_kinds(text, None, free_text)
    if _NINE_DIGITS.fullmatch(text) and stdnum_bsn.is_valid(text.replace(".", "")):
        kinds.append("possible_bsn")
    return kinds


# A column of distinct random 9-digit codes passes the 11-proef in every row with probability
# 0.091**n; from three distinct numbers on (0.075%) such a column is flagged as possible BSNs.
# Distinct, because a constant id (SurveyMonkey's 'Collector ID') is one number, not many.
_MIN_DISTINCT_FOR_BSN_COLUMN = 3


def standalone_bsn_rows(
    texts: Sequence[tuple[int, str]], bsn_context_column: bool
) -> tuple[str, list[int]] | None:
    """Apply the BSN rule to cells that are only a 9-digit number; see docs/privacy.md."""
    nine_digit = [(row, text) for row, text in texts if _NINE_DIGITS.fullmatch(text)]
    passing = [(row, text) for row, text in nine_digit if stdnum_bsn.is_valid(text)]
    if not passing:
        return None
    passing_rows = [row for row, _ in passing]
    if bsn_context_column:
        return "bsn", passing_rows
    if 2 * len(nine_digit) >= len(texts):
        # A column of 9-digit numbers (ids): only when every one passes is it suspicious.
        distinct_passing = {text for _, text in passing}
        all_pass = len(passing) == len(nine_digit)
        if all_pass and len(distinct_passing) >= _MIN_DISTINCT_FOR_BSN_COLUMN:
            return "possible_bsn", passing_rows
        return None
    # Among values of another shape (codes such as 'K01'), a valid 9-digit number stands out.
    return "possible_bsn", passing_rows
