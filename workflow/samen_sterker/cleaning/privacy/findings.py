"""A privacy finding: file, column, rows and kind of personal data, never the value.

Each finding carries a suggestion for the person who runs the pipeline; `PrivacyError` lists
every finding of a run at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
