"""Column names that suggest personal data ('E-mailadres', 'RecipientLastName', 'IPAddress')."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable

from samen_sterker.cleaning.privacy.findings import Finding

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


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _name_tokens(column: str) -> list[str]:
    """Split a column name into lower-case ASCII tokens ('RecipientEmail' -> recipient, email)."""
    text = strip_diacritics(str(column))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return [token for token in re.split(r"[^A-Za-z0-9]+", text.lower()) if token]


def column_category(column: str) -> str | None:
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
        category = column_category(column)
        if category is not None:
            findings.append(Finding(file, str(column), (), f"column_name_{category}"))
    return findings
