"""Who, where and when: municipality, year, timepoint and codes of each response, and the
identity checks over all exports (a participant in one couple, two partners per couple)."""

from __future__ import annotations

import pandas as pd

from samen_sterker.cleaning.codes import (
    CODE_PATTERN,
    CODE_SHAPES,
    PARTNER_LABEL_PATTERN,
    code_shape,
    normalise_code,
)
from samen_sterker.cleaning.context import Context, RowProblems
from samen_sterker.cleaning.dates import parse_year
from samen_sterker.cleaning.mapping import Mapping
from samen_sterker.cleaning.municipalities import Municipality
from samen_sterker.cleaning.sheet import ExportEntry
from samen_sterker.reading import RawExport
from samen_sterker.reading.problems import Problem

# The kind of a partner cell that would be published as it is and is not a label.
NOT_A_PARTNER_LABEL = "not_a_partner_label"


def resolve_fixed(
    context: Context, entry: ExportEntry, mapping: Mapping
) -> tuple[Municipality | None, int | None, str | None, bool]:
    """Municipality, year and timepoint given in the sheet row; False when they are unusable."""
    sheet = context.config["exports"]
    ok = True
    municipality = None
    if entry.municipality:
        municipality = context.table.match(entry.municipality)
        if municipality is None:
            close = context.table.suggestions(entry.municipality)
            context.problems.append(
                Problem(
                    sheet,
                    "unknown municipality",
                    f"{entry.municipality!r} is not in {context.config['municipalities']}"
                    f"; closest configured names: {close or 'none'}",
                    row=entry.sheet_row,
                    column="municipality",
                )
            )
            ok = False
    elif not mapping.municipality_column:
        context.problems.append(
            Problem(
                sheet,
                "no municipality",
                f"give a municipality here or municipality_column in mapping {mapping.name!r}",
                row=entry.sheet_row,
                column="municipality",
            )
        )
        ok = False
    year = int(entry.year) if entry.year else None
    if year is None and not mapping.year_column:
        context.problems.append(
            Problem(
                sheet,
                "no year",
                f"give a year here or year_column in mapping {mapping.name!r}",
                row=entry.sheet_row,
                column="year",
            )
        )
        ok = False
    timepoint = entry.timepoint or None
    order = context.config["timepoints"]["order"]
    if timepoint is not None and timepoint not in order:
        context.problems.append(
            Problem(
                sheet,
                "unknown timepoint",
                f"{timepoint!r} is not in timepoints.order {order}",
                row=entry.sheet_row,
                column="timepoint",
            )
        )
        ok = False
    if mapping.layout == "per_timepoint" and timepoint is None:
        context.problems.append(
            Problem(
                sheet,
                "no timepoint",
                f"mapping {mapping.name!r} has one export per timepoint: give the timepoint",
                row=entry.sheet_row,
                column="timepoint",
            )
        )
        ok = False
    return municipality, year, timepoint, ok


def where_and_when(
    context: Context,
    mapping: Mapping,
    raw: RawExport,
    cell: dict[str, str],
    row: int,
    fixed: tuple[Municipality | None, int | None, str | None],
    row_problems: RowProblems,
) -> tuple[Municipality, int | None, str | None] | None:
    """Municipality, year and timepoint of one response, from its columns and/or the sheet.

    None when a structural problem was found (unknown name, disagreement with the sheet); an
    unreadable year is a value problem, added to row_problems.
    """
    municipality, year, timepoint = fixed
    file = raw.file

    def disagrees(kind: str, column: str, says: object) -> None:
        context.problems.append(
            Problem(
                file,
                f"{kind} disagrees",
                f"the sheet of exports says {says}, this cell another {kind}",
                row=row,
                column=column,
            )
        )

    structural = False
    if mapping.municipality_column:
        column = mapping.municipality_column
        found = _municipality_in(context, raw, cell, row, column)
        if found is None:
            structural = True
        elif municipality is not None and found != municipality:
            disagrees("municipality", column, municipality.official_name)
            structural = True
        municipality = found
    if mapping.year_column:
        column = mapping.year_column
        parsed = parse_year(cell[column], mapping.year_format)
        if parsed is None:
            expected = f" in format {mapping.year_format}" if mapping.year_format else ""
            row_problems.append((column, "invalid_year", f"not a year{expected}"))
        elif year is not None and parsed != year:
            disagrees("year", column, year)
            structural = True
        year = parsed
    if mapping.timepoint_column:
        column = mapping.timepoint_column
        found_timepoint = _timepoint_in(context, mapping, raw, cell, row)
        if found_timepoint is None:
            structural = True
        elif timepoint is not None and found_timepoint != timepoint:
            disagrees("timepoint", column, timepoint)
            structural = True
        timepoint = found_timepoint
    return None if structural else (municipality, year, timepoint)


def _municipality_in(
    context: Context, raw: RawExport, cell: dict[str, str], row: int, column: str
) -> Municipality | None:
    """The configured municipality a cell names (or its value label), else a problem."""
    texts = cell_and_label(raw, column, cell[column])
    found = next(filter(None, map(context.table.match, texts)), None)
    if found is None:
        close = context.table.suggestions(texts[-1]) if texts else []
        context.problems.append(
            Problem(
                raw.file,
                "unknown municipality",
                f"the name or code is not in {context.config['municipalities']}; "
                + (
                    f"closest configured names: {close}"
                    if close
                    else "no configured name is close; add the municipality or an alias"
                ),
                row=row,
                column=column,
            )
        )
    return found


def _timepoint_in(
    context: Context, mapping: Mapping, raw: RawExport, cell: dict[str, str], row: int
) -> str | None:
    """The timepoint a cell of timepoint_column names (via timepoint_values), else a problem."""
    order = context.config["timepoints"]["order"]
    column = mapping.timepoint_column
    texts = cell_and_label(raw, column, cell[column])
    if mapping.timepoint_values:
        lookup = {k.strip().lower(): v for k, v in mapping.timepoint_values.items()}
        keys = sorted(mapping.timepoint_values)
    else:
        lookup, keys = {name: name for name in order}, order
    found = next(filter(None, (lookup.get(t.lower()) for t in texts)), None)
    if found is None:
        context.problems.append(
            Problem(
                raw.file,
                "unknown timepoint",
                f"the value is not one of {keys}; add it to timepoint_values of mapping "
                f"{mapping.name!r}",
                row=row,
                column=column,
            )
        )
    return found


def who(
    context: Context,
    mapping: Mapping,
    raw: RawExport,
    cell: dict[str, str],
    row: int,
    row_problems: RowProblems,
) -> tuple[str, str | None, str | None] | None:
    """Couple code, participant code and partner (A/B) of one response.

    Empty or unknown codes are value problems (row_problems); a cell that is not shaped like a
    code, or a partner cell used as it is that is not a one-character label, is structural
    (None), because codes are written to every output.
    """
    couple = cell[mapping.couple_column].strip()
    if not couple:
        row_problems.append((mapping.couple_column, "missing_couple_code", "no couple code"))
    person = None
    if mapping.participant_column:
        person = cell[mapping.participant_column].strip()
        if not person:
            row_problems.append(
                (mapping.participant_column, "missing_participant_code", "no participant code")
            )
    partner = None
    if mapping.partner_column:
        texts = cell_and_label(raw, mapping.partner_column, cell[mapping.partner_column])
        partner = next(filter(None, (_partner(t, mapping.partner_values) for t in texts)), None)
        if partner is None:
            allowed = sorted(mapping.partner_values) if mapping.partner_values else "a code"
            row_problems.append(
                (
                    mapping.partner_column,
                    "unknown_partner_code",
                    f"partner must be one of {allowed}",
                )
            )
    # Codes are published inside couple_id/participant_id: a code shaped like personal data,
    # or with spaces or @ (a name or an address in the wrong column), stops the run.
    published = [
        (mapping.couple_column, couple, CODE_PATTERN, "not_a_code"),
        (mapping.participant_column, person, CODE_PATTERN, "not_a_code"),
    ]
    if mapping.partner_column and not mapping.partner_values:
        # Without partner_values the cell itself ends participant_id (a mapped cell is never
        # published: only its configured label is).
        published.append(
            (
                mapping.partner_column,
                cell[mapping.partner_column].strip(),
                PARTNER_LABEL_PATTERN,
                NOT_A_PARTNER_LABEL,
            )
        )
    shaped = True
    for column, code, pattern, misfit in published:
        if not (column and code):
            continue
        kind = code_shape(code) or (None if pattern.fullmatch(code) else misfit)
        if kind:
            context.code_shapes.setdefault((raw.file, column, kind), []).append(row)
            shaped = False
        elif normalise_code(code) != code or cell[column] != code:
            context.respelled.setdefault((raw.file, column), []).append(row)
    if not shaped:
        return None
    return (normalise_code(couple), person and normalise_code(person), partner)


def code_problems(context: Context) -> list[Problem]:
    """One problem per file, column and kind of code that must not be published (no values)."""
    problems = []
    for (file, column, kind), rows in sorted(context.code_shapes.items()):
        if kind == NOT_A_PARTNER_LABEL:
            problems.append(
                Problem(
                    file,
                    "not a partner label",
                    "without partner_values in the mapping a partner cell is published in "
                    "participant_id, so it must be one letter or digit (A/B, 1/2, M/V); is "
                    "this the right column? Otherwise map the values with partner_values, "
                    'e.g. {"Partner A": A, "Partner B": B}',
                    row=rows[0],
                    column=column,
                    rows=tuple(rows),
                )
            )
            continue
        what = (
            "a couple/participant code must be 1-32 letters, digits or . _ - / without spaces"
            if kind == "not_a_code"
            else f"these codes have the shape of {CODE_SHAPES[kind]}, which must never be "
            "published in couple_id/participant_id"
        )
        problems.append(
            Problem(
                file,
                f"not a code [{kind}]",
                f"{what}; is this the right column? Ask for an export with pseudonymous codes "
                "(never edit data/raw by hand)",
                row=rows[0],
                column=column,
                rows=tuple(rows),
            )
        )
    return problems


def log_respelled(context: Context) -> None:
    """Log where codes were written in one spelling (k01 and ' K01' are couple K01)."""
    for (file, column), rows in sorted(context.respelled.items()):
        context.log.append(
            f"{file}, column {column!r}: {len(rows)} code(s) written in upper case without "
            f"surrounding spaces (rows {', '.join(map(str, rows))})"
        )


def cell_and_label(raw: RawExport, column: str, text: str) -> list[str]:
    """A cell's text, then its value label from the file (SPSS), to match against config."""
    texts = [text.strip()] if text.strip() else []
    label = raw.value_labels.get(column, {}).get(text.strip())
    if label:
        texts.append(label.strip())
    return texts


def _partner(text: str, partner_values: dict[str, str]) -> str | None:
    """The partner label (A/B) for a partner cell: via partner_values when given, else the
    cell itself (who() checks that it is a label)."""
    cell = text.strip()
    if not cell:
        return None
    if not partner_values:
        return cell.upper()
    lookup = {key.strip().lower(): value for key, value in partner_values.items()}
    return lookup.get(cell.lower())


def check_identities(context: Context, candidates: pd.DataFrame) -> pd.DataFrame:
    """Structural identity checks over all exports, and identical duplicates dropped.

    A person (participant code, or couple + partner) must belong to one couple, a couple has
    at most two people, and a person has one value per timepoint and outcome.
    """
    if candidates.empty:
        return candidates

    def problem(group: pd.DataFrame, kind: str, detail: str, column: str) -> Problem:
        places = group[["file", "row"]].drop_duplicates()
        files = list(dict.fromkeys(places["file"]))
        if len(files) > 1:
            detail += " (" + "; ".join(f"{f} row {r}" for f, r in places.values) + ")"
        rows = tuple(sorted(int(r) for r in places.loc[places["file"] == files[0], "row"]))
        return Problem(files[0], kind, detail, row=rows[0], column=column, rows=rows)

    # Find the few offending groups vectorised; only they are looped over (cohorts can be big).
    couples_per_person = candidates.groupby("person")["couple_id"].nunique()
    people_per_couple = candidates.groupby("couple_id")["person"].nunique()
    suspects = candidates[
        candidates["person"].isin(couples_per_person[couples_per_person > 1].index)
    ]
    for person, group in suspects.groupby("person", sort=True):
        couples = sorted(set(group["couple_id"]))
        if len(couples) > 1:
            context.problems.append(
                problem(
                    group,
                    "participant in two couples",
                    f"participant {person} appears in couples {couples}",
                    group["couple_column"].iloc[0],
                )
            )
    crowded = candidates[
        candidates["couple_id"].isin(people_per_couple[people_per_couple > 2].index)
    ]
    for couple, group in crowded.groupby("couple_id", sort=True):
        people = sorted(set(group["person"]))
        if len(people) > 2:
            context.problems.append(
                problem(
                    group,
                    "couple with more than two partners",
                    f"couple {couple} has {len(people)} participants: {people}",
                    group["person_column"].iloc[0],
                )
            )
    keys = ["person", "timepoint", "outcome"]
    duplicated = candidates[candidates.duplicated(keys, keep=False)]
    drop = []
    for (person, timepoint, outcome), group in duplicated.groupby(keys, sort=True):
        first = group.iloc[0]
        if group["value"].nunique() > 1:
            context.problems.append(
                problem(
                    group,
                    "duplicate with different values",
                    f"participant {person} has {len(group)} different {outcome} values at "
                    f"{timepoint}",
                    first["column"],
                )
            )
            continue
        for index, row in group.iloc[1:].iterrows():
            drop.append(index)
            context.exclusions.append(
                {
                    "export_id": row["export_id"],
                    "file": row["file"],
                    "row": int(row["row"]),
                    "column": row["column"],
                    "reason": "duplicate_identical",
                    "detail": f"{outcome} at {timepoint}: the same as {first['file']} row "
                    f"{int(first['row'])}; one copy kept",
                }
            )
    return candidates.drop(index=drop)
