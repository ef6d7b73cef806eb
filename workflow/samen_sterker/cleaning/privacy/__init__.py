"""Privacy guard: find personal data in survey exports without ever repeating it.

"Anonymised" exports leak e-mail addresses, phone numbers, postcodes, IP addresses, IBANs,
BSNs, birth dates and names (see docs/privacy.md). The pipeline keeps only mapped columns
(the allow-list); this package scans what is kept, column names and cell values, and reports
each problem as a `Finding` that names file, column, rows and kind — never the value and
never a hash of it, because a hash of a BSN or phone number can be reversed by brute force.

The package holds the findings (findings.py), the column-name check (column_names.py), the
kinds of personal data in one cell (cell_kinds.py, birth_dates.py) and the scan of a whole
export (scan.py).
"""

from samen_sterker.cleaning.privacy.cell_kinds import text_kinds
from samen_sterker.cleaning.privacy.column_names import scan_column_names
from samen_sterker.cleaning.privacy.findings import (
    KIND_DESCRIPTIONS,
    Finding,
    PrivacyError,
    format_findings,
    raise_if_findings,
)
from samen_sterker.cleaning.privacy.scan import scan_frame, scan_values

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
