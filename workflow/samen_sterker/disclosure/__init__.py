"""Disclosure control of a cohort year: which published cell is shown, shown as a range or
withheld (`decide`), and the audit that proves no withheld count can be worked out (`audit`).

Reports and stats files only render these decisions; no other module compares a count with
a threshold (docs/privacy.md).
"""
