"""Privacy guard: find personal data in survey exports without ever repeating it.

"Anonymised" exports leak e-mail addresses, phone numbers, postcodes, IP addresses, IBANs,
BSNs, birth dates and names (see docs/privacy.md). The pipeline keeps only mapped columns
(the allow-list); this module scans what is kept, column names and cell values, and reports
each problem as a `Finding` that names file, column, rows and kind — never the value and
never a hash of it, because a hash of a BSN or phone number can be reversed by brute force.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

__all__ = [
    "KIND_DESCRIPTIONS",
    "Finding",
    "PrivacyError",
    "format_findings",
    "raise_if_findings",
    "scan_column_names",
    "scan_frame",
    "scan_values",
    "text_kinds",
]

# ---------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------

KIND_DESCRIPTIONS: dict[str, str] = {
    "email": "e-mail address",
    "phone": "Dutch phone number",
    "postcode": "Dutch postcode",
    "ip_address": "IP address",
    "iban": "IBAN bank account number",
    "bsn": "BSN (burgerservicenummer)",
    "possible_bsn": "possible BSN (9-digit number passing the 11-proef, no BSN context)",
    "birth_date": "date of birth",
    "free_text": "free text (may hold names or other personal data)",
    "column_name_name": "column name suggests a person's name",
    "column_name_email": "column name suggests an e-mail address",
    "column_name_phone": "column name suggests a phone number",
    "column_name_address": "column name suggests a home address",
    "column_name_postcode": "column name suggests a postcode",
    "column_name_birth_date": "column name suggests a date of birth",
    "column_name_bsn": "column name suggests a BSN / sofinummer",
    "column_name_iban": "column name suggests a bank account number",
    "column_name_ip_address": "column name suggests an IP address",
    "column_name_location": "column name suggests a geographic location",
    "column_name_token": "column name suggests an access token or contact reference",
    "column_name_recipient": "column name suggests survey-recipient contact data",
    "column_name_device": "column name suggests device or browser data",
}

_VALUE_SUGGESTION = (
    "If this column is mapped in config, check that the mapping points at the intended "
    "column; otherwise leave it out of the mapping so the allow-list drops it. If the data "
    "really are in a mapped column, ask the supplier for a corrected export "
    "(never edit data/raw by hand)."
)
_COLUMN_SUGGESTION = (
    "Leave this column out of the mapping in config so the allow-list drops it; if it is the "
    "column you meant to map, rename it in a corrected export (never edit data/raw by hand)."
)
_POSSIBLE_BSN_SUGGESTION = (
    "Check in the export whether these are BSNs; if they are codes of another kind, give them "
    "a form that is not 9 digits. " + _VALUE_SUGGESTION
)
_FREE_TEXT_SUGGESTION = (
    "Free text is never kept: leave this column out of the mapping. If it holds answer labels, "
    "list them as value labels or missing codes in the mapping. " + _VALUE_SUGGESTION
)


def _suggestion_for(kind: str) -> str:
    if kind.startswith("column_name_"):
        return _COLUMN_SUGGESTION
    if kind == "possible_bsn":
        return _POSSIBLE_BSN_SUGGESTION
    if kind == "free_text":
        return _FREE_TEXT_SUGGESTION
    return _VALUE_SUGGESTION


def _format_rows(rows: tuple[int, ...]) -> str:
    """Compress sorted row numbers into runs such as '4-7, 9' so long lists stay readable."""
    if not rows:
        return "header"
    runs: list[str] = []
    start = previous = rows[0]
    for row in rows[1:]:
        if row == previous + 1:
            previous = row
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = row
    runs.append(str(start) if start == previous else f"{start}-{previous}")
    label = "row" if len(rows) == 1 else "rows"
    return f"{label} {', '.join(runs)}"


@dataclass(frozen=True)
class Finding:
    """One kind of personal data in one column of one file, with every row it occurs in.

    `rows` are row numbers as in the file (1-based, header rows counted); an empty tuple means
    the finding is about the column name (the header). No field ever holds the value.
    """

    file: str
    column: str
    rows: tuple[int, ...]
    kind: str
    suggestion: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KIND_DESCRIPTIONS:
            raise ValueError(f"unknown privacy finding kind {self.kind!r}")
        # Normalise so equal findings compare equal and messages list rows in file order.
        object.__setattr__(self, "rows", tuple(sorted({int(row) for row in self.rows})))
        if not self.suggestion:
            object.__setattr__(self, "suggestion", _suggestion_for(self.kind))

    @property
    def description(self) -> str:
        """Human-readable name of the kind of finding."""
        return KIND_DESCRIPTIONS[self.kind]

    @property
    def message(self) -> str:
        """One-line message naming file, column, rows and kind (never the value)."""
        return (
            f"{self.file}: column {self.column!r}, {_format_rows(self.rows)}: "
            f"{self.description} [{self.kind}]. {self.suggestion}"
        )

    def __str__(self) -> str:
        return self.message


class PrivacyError(ValueError):
    """Raised when kept columns contain personal data; lists every finding at once."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings: tuple[Finding, ...] = tuple(findings)
        super().__init__(format_findings(self.findings))


def format_findings(findings: Sequence[Finding]) -> str:
    """Format findings as one report: a header line, then one line per finding."""
    count = len(findings)
    header = f"Privacy guard: {count} finding{'s' if count != 1 else ''} of personal data"
    return "\n".join([header + ":", *(f"  - {finding.message}" for finding in findings)])


def raise_if_findings(findings: Sequence[Finding]) -> None:
    """Raise `PrivacyError` listing every finding, if there are any."""
    if findings:
        raise PrivacyError(findings)


# ---------------------------------------------------------------------------------------------
# Column names
# ---------------------------------------------------------------------------------------------

# Tokens after normalisation (lower case, no diacritics, camelCase split, separators removed).
# Exact token matches avoid false alarms such as 'ip' inside 'relationship'.
_NAME_TOKENS: dict[str, frozenset[str]] = {
    "ip_address": frozenset({"ip", "ipaddr", "ipaddress", "ipadres", "ipv4", "ipv6"}),
    "email": frozenset({"email", "mail", "emailadres", "mailadres", "emailaddress", "mailaddress"}),
    "phone": frozenset(
        {
            "telefoon",
            "telefoonnummer",
            "telefoonnr",
            "tel",
            "telnr",
            "mobiel",
            "mobielnummer",
            "mobile",
            "phone",
            "phonenumber",
            "telephone",
            "cellphone",
            "gsm",
            "whatsapp",
        }
    ),
    "postcode": frozenset({"postcode", "zip", "zipcode", "postal", "postalcode", "pc4", "pc6"}),
    "birth_date": frozenset(
        {
            "geboortedatum",
            "geboortejaar",
            "geboren",
            "geboorte",
            "birth",
            "birthdate",
            "birthday",
            "dob",
            "gebdatum",
            "geb",
        }
    ),
    "bsn": frozenset(
        {"bsn", "burgerservicenummer", "sofinummer", "sofi", "sofinr", "ssn", "socialsecurity"}
    ),
    "iban": frozenset(
        {"iban", "rekeningnummer", "rekeningnr", "bankrekening", "bankrekeningnummer", "bic"}
    ),
    "address": frozenset(
        {"adres", "address", "straat", "straatnaam", "street", "huisnummer", "housenumber"}
    ),
    "name": frozenset(
        {
            "naam",
            "voornaam",
            "achternaam",
            "familienaam",
            "roepnaam",
            "tussenvoegsel",
            "meisjesnaam",
            "voorletters",
            "initialen",
            "name",
            "firstname",
            "lastname",
            "surname",
            "fullname",
            "forename",
            "givenname",
        }
    ),
    "location": frozenset(
        {"latitude", "longitude", "lat", "lon", "lng", "location", "locatie", "gps", "geo"}
    ),
    "token": frozenset({"token", "accesscode", "toegangscode", "externalreference"}),
    "device": frozenset({"useragent", "browser", "deviceid"}),
}

# Word pairs that are split into two tokens by separators ('first name', 'e-mail').
_NAME_PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "email": (("e", "mail"), ("e", "mailadres")),
    "name": (("first", "name"), ("last", "name"), ("full", "name"), ("given", "name")),
    "birth_date": (("date", "birth"), ("geboorte", "datum")),
    "bsn": (("sofi", "nummer"), ("social", "security"), ("burger", "servicenummer")),
    "ip_address": (("ip", "address"), ("ip", "adres")),
    "token": (("external", "reference"), ("external", "data")),
    "phone": (("phone", "number"), ("telefoon", "nummer")),
    "iban": (("bank", "account"), ("account", "number"), ("rekening", "nummer")),
}

# A 'naam'/'name' column naming a thing, not a person ('Gemeente naam', 'Survey Name').
_THING_TOKENS = frozenset(
    {
        "gemeente",
        "municipality",
        "cursus",
        "course",
        "survey",
        "vragenlijst",
        "file",
        "bestand",
        "organisatie",
        "organisation",
        "organization",
        "stad",
        "city",
        "plaats",
        "project",
        "school",
        "groep",
        "group",
        "programma",
        "program",
        "variable",
        "variabele",
        "question",
        "vraag",
        "distribution",
        "channel",
        # Castor's 'Repeating data Name Custom' names a form instance.
        "repeating",
        "data",
        "form",
        "formulier",
        "site",
        "field",
        "veld",
        "instance",
        "custom",
    }
)

_COMPOUND_STEMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailadres"),
    "birth_date": ("geboorte", "birthdate", "dateofbirth"),
    "postcode": ("postcode",),
    "bsn": ("burgerservicenummer", "sofinummer"),
    "iban": ("iban", "rekeningnummer", "bankrekening"),
}

# Order decides which category wins when a name fits several ('IPAddress' is ip, not address).
_CATEGORY_ORDER = (
    "recipient",
    "ip_address",
    "email",
    "phone",
    "postcode",
    "birth_date",
    "bsn",
    "iban",
    "address",
    "name",
    "location",
    "token",
    "device",
)


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _name_tokens(column: str) -> list[str]:
    """Split a column name into lower-case ASCII tokens ('RecipientEmail' -> recipient, email)."""
    text = _strip_diacritics(str(column))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return [token for token in re.split(r"[^A-Za-z0-9]+", text.lower()) if token]


def _column_category(column: str) -> str | None:
    tokens = _name_tokens(column)
    if not tokens:
        return None
    token_set = set(tokens)
    joined = "".join(tokens)
    pairs = set(itertools.pairwise(tokens)) | {
        (first, second)
        for first, second in zip(tokens, tokens[2:], strict=False)
        if first == "date"  # 'date of birth'
    }
    for category in _CATEGORY_ORDER:
        if category == "recipient":
            if tokens[0] == "recipient" or joined.startswith("recipient"):
                return category
            continue
        if category == "name" and token_set & _THING_TOKENS:
            continue
        if token_set & _NAME_TOKENS[category]:
            return category
        if pairs & set(_NAME_PHRASES.get(category, ())):
            return category
        # Dutch writes compounds as one word: 'emailadres', 'geboortedatum', 'postcodegebied'.
        if category in ("email", "birth_date", "postcode", "bsn", "iban") and any(
            joined.startswith(stem) or joined.endswith(stem) for stem in _COMPOUND_STEMS[category]
        ):
            return category
    return None


def scan_column_names(columns: Iterable[str], file: str) -> list[Finding]:
    """Return a finding for every column whose name suggests personal data."""
    findings = []
    for column in columns:
        category = _column_category(column)
        if category is not None:
            findings.append(Finding(file, str(column), (), f"column_name_{category}"))
    return findings


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

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


def _has_birth_date(text: str, birth_context_column: bool) -> bool:
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


def _cell_kinds(text: str, category: str | None, check_free_text: bool) -> list[str]:
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
    if _has_birth_date(text, birth_context_column=category == "birth_date"):
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
    kinds = _cell_kinds(text, None, free_text)
    if _NINE_DIGITS.fullmatch(text) and stdnum_bsn.is_valid(text.replace(".", "")):
        kinds.append("possible_bsn")
    return kinds


# A column of distinct random 9-digit codes passes the 11-proef in every row with probability
# 0.091**n; from three distinct numbers on (0.075%) such a column is flagged as possible BSNs.
# Distinct, because a constant id (SurveyMonkey's 'Collector ID') is one number, not many.
_MIN_DISTINCT_FOR_BSN_COLUMN = 3


def _standalone_bsn_rows(
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


def _label_key(text: str) -> str:
    """Compare labels as the municipality table does: case, diacritics, spacing, 's- ignored."""
    key = _strip_diacritics(text).casefold()
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
        category = _column_category(column)
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
            for kind in _cell_kinds(text, category, check_free_text):
                rows_by_kind.setdefault(kind, []).append(row)
        standalone = _standalone_bsn_rows(texts, bsn_context_column=category == "bsn")
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
