"""What the cleaning of one cohort year collects while it reads the exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from samen_sterker.cleaning.municipalities import MunicipalityTable
from samen_sterker.cleaning.sheet import ExportEntry
from samen_sterker.reading.problems import Problem

EXCLUSION_COLUMNS = ["export_id", "file", "row", "column", "reason", "detail"]
ROW_LEVEL = ""  # the `column` of an exclusion that concerns a whole response
RowProblems = list[tuple[str, str, str]]  # (column, reason, detail) of value problems


@dataclass
class Context:
    config: dict
    table: MunicipalityTable
    # The cohort year being cleaned (None: every year). Rows of a multi-year export that
    # belong to another year are counted there, not here (rows_other_years).
    year: int | None = None
    problems: list[Problem] = field(default_factory=list)
    other_year_rows: dict[str, set[int]] = field(default_factory=dict)
    exclusions: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    # export_id → file row → completion date, or NO_DATE / INVALID_DATE. Held in memory
    # only: per-row dates are never written (dates identify people in combination).
    response_dates: dict[str, dict[int, dt.date | str]] = field(default_factory=dict)
    # (file, column, kind) → rows of codes shaped like personal data; (file, column) → rows
    # whose code was re-spelled; (export_id, file, column) → rows with decimals in an integer
    # item. Collected per row, reported once per column.
    code_shapes: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    respelled: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    non_integer: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    def exclude(
        self, entry: ExportEntry, file: str, row: int, column: str, reason: str, detail: str
    ) -> None:
        self.exclusions.append(
            {
                "export_id": entry.export_id,
                "file": file,
                "row": row,
                "column": column,
                "reason": reason,
                "detail": detail,
            }
        )
