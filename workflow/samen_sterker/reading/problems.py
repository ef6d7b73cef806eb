"""Problems found in exports or their config, reported all at once and without raw values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One structural problem: where it is (file, row, column) and what kind it is.

    `row` is the 1-based row as in the file, header rows counted (the spreadsheet row);
    `detail` explains the problem in words and must never contain a value from the data.
    """

    file: str
    kind: str
    detail: str
    row: int | None = None
    column: str | None = None
    rows: tuple[int, ...] = ()  # when the problem spans several rows of the file

    def __str__(self) -> str:
        where = [self.file]
        if len(self.rows) > 1:
            where.append(f"rows {', '.join(str(row) for row in self.rows)}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.kind}: {self.detail}"


class ExportProblems(ValueError):
    """Every structural problem found in the exports, listed in one message.

    `problems` holds them all; the message shows at most MAX_SHOWN of each kind per file (a
    broken file can have thousands of identical problems) and counts the rest.
    """

    MAX_SHOWN = 20

    def __init__(self, problems: list[Problem], heading: str | None = None) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = heading or f"{count} problem{'s' if count != 1 else ''} in the exports"
        self.heading = heading
        lines = [heading + ":"]
        shown: dict[tuple[str, str], int] = {}
        for problem in self.problems:
            key = (problem.file, problem.kind)
            shown[key] = shown.get(key, 0) + 1
            if shown[key] <= self.MAX_SHOWN:
                lines.append(f"  - {problem}")
        for (file, kind), number in shown.items():
            if number > self.MAX_SHOWN:
                lines.append(f"  - {file}: {kind}: {number - self.MAX_SHOWN} more not shown")
        super().__init__("\n".join(lines))
