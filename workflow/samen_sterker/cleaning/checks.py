"""Plausibility checks: a cohort year whose exports look misconfigured stops the run.

Each check finds something that is almost always a mistake and would otherwise print a wrong
report without any warning: an export without a single kept measurement (three header rows
and no responses; every partner code excluded), an export that loses most of its rows (a
wrong delimiter or format), the same bytes named twice (the post row pointing at the pre
file), a mapped column that occurs twice, decimals in an item answered in whole numbers, one
participant code in two municipalities, and a later timepoint mostly answered before an
earlier one (swapped timepoint cells). Every problem of every export is listed in one message
(file, row, column, what to do; never a value). Config `accept` lets a case through on
purpose, per export id (docs/adding-a-cohort.md).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from samen_sterker.reading.problems import ExportProblems, Problem

# Defaults as in workflow/schemas/config.schema.yaml (the package is also called with configs
# that were not validated, e.g. a cohort year's slice in tests).
ACCEPT_DEFAULTS: dict[str, Any] = {
    "max_excluded_share": 0.5,
    "exports_without_measurements": [],
    "exports_losing_rows": [],
    "identical_exports": [],
    "duplicated_columns": [],
    "non_integer_items": [],
    "codes_in_several_municipalities": [],
    "timepoints_out_of_date_order": [],
}
# The SHA-256 of no bytes: empty files are alike without one row naming the wrong file (each
# is reported as empty by its reader).
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# A swap makes nearly every participant's later answer come first; a few late answers (one
# couple filling in the first questionnaire late) must not stop the run.
MIN_OUT_OF_ORDER = 3
HEADING = (
    "{count} implausible result(s): the report would be wrong. Fix each, or accept it on "
    "purpose in config `accept` (docs/adding-a-cohort.md, 'When the pipeline stops')"
)


def accept_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Config `accept` with its defaults."""
    return {**ACCEPT_DEFAULTS, **(config.get("accept") or {})}


def accepted(config: Mapping[str, Any], key: str, *export_ids: str) -> bool:
    """Whether every export involved is listed under accept.<key>."""
    listed = set(accept_settings(config)[key])
    return bool(export_ids) and all(export_id in listed for export_id in export_ids)


def raise_if_implausible(problems: list[Problem]) -> None:
    if problems:
        raise ExportProblems(problems, heading=HEADING.format(count=len(problems)))


def same_bytes(
    config: Mapping[str, Any], entries: Iterable[Any], sha256: Mapping[str, str]
) -> list[Problem]:
    """Exports of one cohort year with identical bytes (e.g. the post row names the pre file)."""
    first: dict[str, Any] = {}
    problems = []
    for entry in entries:
        sha = sha256.get(entry.export_id)
        if sha is None or sha == EMPTY_SHA256:
            continue
        if sha not in first:
            first[sha] = entry
            continue
        earlier = first[sha]
        if accepted(config, "identical_exports", earlier.export_id, entry.export_id):
            continue
        problems.append(
            Problem(
                config["exports"],
                "same file twice",
                f"this export has the same bytes (SHA-256) as export {earlier.export_id!r} in row "
                f"{earlier.sheet_row}; one of the two rows names the wrong file. If both are "
                "really identical exports, list both ids in accept.identical_exports",
                row=entry.sheet_row,
                column="path",
            )
        )
    return problems


def duplicated_mapped_columns(
    config: Mapping[str, Any], export_id: str, file: str, duplicated: set[str], mapped: list[str]
) -> list[Problem]:
    """A mapped column whose name occurs twice: which copy holds the answers is unknown."""
    if accepted(config, "duplicated_columns", export_id):
        return []
    return [
        Problem(
            file,
            "mapped column twice",
            "the header has this column name more than once; ask for an export with unique "
            f"names, or list {export_id!r} in accept.duplicated_columns to read the first copy",
            row=1,
            column=column,
        )
        for column in mapped
        if column in duplicated
    ]


def export_yield(
    config: Mapping[str, Any],
    export_id: str,
    file: str,
    counts: Mapping[str, int],
    exclusions: pd.DataFrame,
) -> list[Problem]:
    """An export without kept measurements, or losing more than max_excluded_share of its rows.

    A measurement dropped as an identical copy of another export's is in the report, so its
    row is not lost (a re-export that overlaps an earlier one); nor is a row of a question
    the mapping does not read (layout long with an outcome column), which is not a
    measurement at all.
    """
    own_rows = counts["rows_kept"] + counts["rows_excluded"]
    if counts["rows_other_years"] and own_rows == 0:
        return []  # a multi-year export with nothing for this year: its rows count elsewhere
    copies = set(exclusions.loc[exclusions["reason"] == "duplicate_identical", "row"])
    other_questions = set(exclusions.loc[exclusions["reason"] == "other_question", "row"])
    own_rows -= len(other_questions)
    lost = len(set(exclusions.loc[exclusions["column"] == "", "row"]) - copies - other_questions)
    tally = (
        f"rows read {counts['rows_read']} = kept {counts['rows_kept']} + excluded "
        f"{counts['rows_excluded']}" + _reasons(exclusions)
    )
    if counts["measurements_kept"] == 0 and not copies:
        if accepted(config, "exports_without_measurements", export_id):
            return []
        return [
            Problem(
                file,
                "no kept measurement",
                f"{tally}. Check format, delimiter, header rows and the mapped columns; if the "
                f"export is really empty, list {export_id!r} in "
                "accept.exports_without_measurements",
            )
        ]
    share = accept_settings(config)["max_excluded_share"]
    if lost > share * own_rows and not accepted(
        config, "exports_losing_rows", export_id
    ):
        return [
            Problem(
                file,
                "most rows excluded",
                f"{tally}: more than {share:.0%} (accept.max_excluded_share) of the rows. Check "
                f"the mapping and exclusions.csv; if this is right, list {export_id!r} in "
                "accept.exports_losing_rows",
            )
        ]
    return []


def _reasons(exclusions: pd.DataFrame) -> str:
    """The most frequent exclusion reasons with their columns (names from config, no values)."""
    if exclusions.empty:
        return ""
    counted = Counter(
        (row.reason, row.column) for row in exclusions.itertuples() if row.column != ""
    ) or Counter((row.reason, "") for row in exclusions.itertuples())
    parts = [
        f"{reason}" + (f" in column {column!r}" if column else "") + f" ({number}x)"
        for (reason, column), number in counted.most_common(3)
    ]
    return "; most frequent: " + ", ".join(parts)


def non_integer_items(
    config: Mapping[str, Any], found: Mapping[tuple[str, str, str], list[int]]
) -> list[Problem]:
    """Decimals in items declared `integer: true`: a wrong column or decimal mark."""
    problems = []
    for (export_id, file, column), rows in sorted(found.items()):
        if accepted(config, "non_integer_items", export_id):
            continue
        rows = sorted(set(rows))
        problems.append(
            Problem(
                file,
                "not a whole number",
                "the mapping declares this item integer but these cells have decimals; check "
                f"the column and the decimal mark, or list {export_id!r} in "
                "accept.non_integer_items",
                row=rows[0],
                column=column,
                rows=tuple(rows),
            )
        )
    return problems


def codes_in_several_municipalities(
    config: Mapping[str, Any], candidates: pd.DataFrame
) -> list[Problem]:
    """A participant code found in two municipalities of one year: the same person moved,
    or two people share a code, and their answers would be kept as someone else's."""
    coded = candidates[candidates["code"] != ""]
    if coded.empty:
        return []
    spread = coded.groupby(["year", "code"])["municipality_code"].nunique()
    problems = []
    for year, code in spread[spread > 1].index:
        group = coded[(coded["year"] == year) & (coded["code"] == code)]
        exports = sorted(set(group["export_id"]))
        if accepted(config, "codes_in_several_municipalities", *exports):
            continue
        places = group[["file", "row", "person_column"]].drop_duplicates()
        file = places["file"].iloc[0]
        rows = tuple(sorted({int(r) for r in places.loc[places["file"] == file, "row"]}))
        also = [f"{f} row {r}" for f, r in places[["file", "row"]].values if f != file]
        problems.append(
            Problem(
                file,
                "participant in two municipalities",
                f"one participant code appears in {group['municipality_code'].nunique()} "
                "municipalities of " + str(year) + (f" (also {'; '.join(also)})" if also else "")
                + "; correct the municipality or the code, or, when each municipality numbers "
                f"its own participants, list {exports} in accept.codes_in_several_municipalities",
                row=rows[0],
                column=places["person_column"].iloc[0],
                rows=rows,
            )
        )
    return problems


def timepoints_out_of_date_order(
    config: Mapping[str, Any],
    responses: pd.DataFrame,
    entries: Iterable[Any],
    timepoint_columns: Mapping[str, str | None],
) -> list[Problem]:
    """Exports whose later timepoint was mostly answered before the earlier one.

    `responses` has one row per dated response: export_id, person, timepoint, date (held in
    memory only). Every pair of timepoints in config order is compared per person, grouped by
    the pair of exports. A pair stops the run when more than half of the participants with a
    date at both (and at least MIN_OUT_OF_ORDER) answered the later one first: the post row
    names the pre export, or timepoint_values are swapped. A wide export's row has one date
    for all its timepoints, so within it nothing is ever out of order; against another
    export it counts like any other.
    """
    if responses.empty:
        return []
    order = {name: index for index, name in enumerate(config["timepoints"]["order"])}
    # One date per person, timepoint and export: the first answer.
    first = (
        responses.groupby(["person", "timepoint", "export_id"], sort=False)["date"]
        .min()
        .reset_index()
    )
    first["rank"] = first["timepoint"].map(order)
    pairs = first.merge(first, on="person", suffixes=("_early", "_late"))
    pairs = pairs[pairs["rank_early"] < pairs["rank_late"]]
    pairs = pairs.assign(reversed=pairs["date_late"] < pairs["date_early"])
    counted = pairs.groupby(
        ["export_id_early", "export_id_late", "timepoint_early", "timepoint_late"], sort=False
    )["reversed"].agg(["sum", "size"])
    by_id = {entry.export_id: entry for entry in entries}
    problems = []
    for (early, late, early_tp, late_tp), (reversed_, size) in counted.iterrows():
        if reversed_ < MIN_OUT_OF_ORDER or 2 * reversed_ <= size:
            continue
        if accepted(config, "timepoints_out_of_date_order", early, late):
            continue
        ids = [early] if early == late else [early, late]
        file, row, column, _ = _timepoint_source(config, by_id[late], timepoint_columns.get(late))
        *_, where_early = _timepoint_source(config, by_id[early], timepoint_columns.get(early))
        problems.append(
            Problem(
                file,
                "later timepoint answered first",
                f"by the mapping's date_column, {reversed_} of the {size} participants with a "
                f"date at both answered at {late_tp!r} here (export {late!r}) before they "
                f"answered at {early_tp!r} (export {early!r}, {where_early}): are the "
                "timepoints swapped? Correct them, or, if the dates are right, list "
                f"{ids} in accept.timepoints_out_of_date_order",
                row=row,
                column=column,
            )
        )
    return problems


def _timepoint_source(
    config: Mapping[str, Any], entry: Any, timepoint_column: str | None
) -> tuple[str, int | None, str | None, str]:
    """Where an export's timepoint is set: (file, row, column) and the same in words."""
    if entry.timepoint:
        return (
            config["exports"],
            entry.sheet_row,
            "timepoint",
            f"{config['exports']} row {entry.sheet_row}, column 'timepoint'",
        )
    if timepoint_column:
        return (
            entry.path,
            None,
            timepoint_column,
            f"column {timepoint_column!r} with mapping {entry.mapping!r}'s timepoint_values",
        )
    return entry.path, None, None, f"the outcome columns per timepoint of mapping {entry.mapping!r}"
