"""What the pipeline may write about an export besides its values: column and file names.

Column and file names come from the people who made the export, so they can hold personal
data (an e-mail address as a header, a respondent's name in a file name) or a formula that a
spreadsheet runs (`=HYPERLINK(...)`). They are scanned like cells; a name that fails is never
written: outputs and messages show its position and the kind of finding instead, and a file
name is replaced by the export id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePosixPath

from samen_sterker.cleaning.privacy import text_kinds
from samen_sterker.reading.problems import Problem
from samen_sterker.spreadsheet import is_formula


def name_kinds(name: str) -> list[str]:
    """Why a column name must not be written (empty when it may be)."""
    kinds = text_kinds(name)
    if is_formula(name):
        kinds.append("formula")
    return kinds


def shown_names(columns: Iterable[str]) -> dict[str, str]:
    """Column name → what outputs and messages may show of it: the name, or its position
    (1-based) and the kinds found when the name fails the scan."""
    shown = {}
    for position, name in enumerate(columns, start=1):
        kinds = name_kinds(str(name))
        shown[name] = f"column {position} [{', '.join(kinds)}]" if kinds else name
    return shown


def mask(text: str, shown: dict[str, str]) -> str:
    """A message about an export with every failing column name replaced by its label."""
    for name, label in shown.items():
        if name != label and name:
            text = text.replace(repr(name), label).replace(name, label)
    return text


def shown_file(path: str, export_id: str) -> str:
    """The file name outputs may show: the path, or the export id when the name fails."""
    stem = PurePosixPath(path).name
    if text_kinds(stem, free_text=True) or text_kinds(path) or is_formula(stem):
        return export_id
    return path


def shown_files(entries: Iterable) -> dict[str, str]:
    """Path → what may be shown of it, for every export of a sheet (only failing ones differ)."""
    return {entry.path: shown_file(entry.path, entry.export_id) for entry in entries}


def hide_files(text: str, shown: dict[str, str]) -> str:
    """A message with every failing file name replaced by its export id."""
    for path, label in shown.items():
        if path != label:
            text = text.replace(path, f"export {label}")
    return text


def hide_files_in_problems(problems: list[Problem], shown: dict[str, str]) -> list[Problem]:
    """Problems whose file and detail name no failing file name (the export id instead)."""
    return [
        replace(
            problem,
            file=hide_files(problem.file, shown),
            detail=hide_files(problem.detail, shown),
        )
        for problem in problems
    ]
