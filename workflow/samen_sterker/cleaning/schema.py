"""pandera schemas of the canonical table, and messages made from their failures safely."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from samen_sterker.canonical import MEASUREMENT_COLUMNS

__all__ = ["MEASUREMENT_COLUMNS", "measurements_schema"]



def _range_check(config: dict) -> pa.Check:
    low = {name: spec["min"] for name, spec in config["outcomes"].items()}
    high = {name: spec["max"] for name, spec in config["outcomes"].items()}
    return pa.Check(
        lambda frame: frame["value"].between(frame["outcome"].map(low), frame["outcome"].map(high)),
        name="value_in_outcome_range",
    )


def candidate_schema(config: dict) -> pa.DataFrameSchema:
    """Checks on parsed values: each score within its outcome's min-max range from config."""
    return pa.DataFrameSchema(
        {
            "value": pa.Column(float, nullable=False),
            "outcome": pa.Column(str, pa.Check.isin(list(config["outcomes"]))),
        },
        checks=[_range_check(config)],
    )


def measurements_schema(config: dict) -> pa.DataFrameSchema:
    """The canonical measurements table of docs/architecture.md, with config's vocabularies."""
    return pa.DataFrameSchema(
        {
            "municipality": pa.Column(str),
            "municipality_code": pa.Column(str, pa.Check.str_matches(r"^GM\d{4}$")),
            "year": pa.Column(int, pa.Check.in_range(1900, 2999)),
            "couple_id": pa.Column(str),
            "participant_id": pa.Column(str),
            "timepoint": pa.Column(str, pa.Check.isin(list(config["timepoints"]["order"]))),
            "outcome": pa.Column(str, pa.Check.isin(list(config["outcomes"]))),
            "value": pa.Column(float, nullable=False),
        },
        checks=[_range_check(config)],
        unique=["participant_id", "timepoint", "outcome"],
        strict=True,
        ordered=True,
        coerce=False,
    )


def failed_positions(error: pa.errors.SchemaErrors) -> dict[int, set[str]]:
    """Row index → names of the failed checks, from pandera's failure cases.

    Only the index and the check names are used: pandera's message and `failure_case`
    column hold the raw values, which may be personal data.
    """
    cases = error.failure_cases
    failed: dict[int, set[str]] = {}
    for index, check in zip(cases["index"], cases["check"], strict=True):
        if index is None or pd.isna(index):
            failed.setdefault(-1, set()).add(str(check))
        else:
            failed.setdefault(int(index), set()).add(str(check))
    return failed


def describe_failures(error: pa.errors.SchemaErrors) -> list[str]:
    """One line per failed check (column, check, number of rows), without any value."""
    cases = error.failure_cases
    lines = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
        lines.append(f"column {column!r}: check {check!r} failed in {len(group)} row(s)")
    return lines
