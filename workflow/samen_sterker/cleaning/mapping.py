"""A survey mapping from config.yaml, turned into the list of what to read from which column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from samen_sterker.reading import WORKBOOK_FORMATS
from samen_sterker.reading.problems import Problem

LAYOUTS = ("per_timepoint", "long", "wide")
# Default of config mappings.<name>.outcomes.<outcome>.min_share_answered (the schema's).
DEFAULT_MIN_SHARE_ANSWERED = 0.75


@dataclass(frozen=True)
class OutcomeSource:
    """Where one outcome at one timepoint comes from: one column, or items that are scored."""

    outcome: str
    timepoint: str | None  # None: the timepoint comes from the sheet or a timepoint column
    columns: tuple[str, ...]
    score: str  # "value" for a single column, else "sum" or "mean" of the items
    labels_to_numbers: dict[str, float] = field(default_factory=dict)
    # One bound for every item, or one per item (CSI-4: item 1 runs 0-6, items 2-4 run 0-5).
    item_min: float | tuple[float, ...] | None = None
    item_max: float | tuple[float, ...] | None = None
    # Layout long with an outcome column: the (lower-cased) cells that select this outcome.
    when: frozenset[str] | None = None
    # Answered in whole numbers: decimals mean a wrong column or decimal mark (checks.py).
    integer: bool = False
    # Multi-item outcomes: share of items that must be answered for the score to be prorated
    # from the answered ones (config min_share_answered, default 0.75); 1.0 needs every item.
    min_share_answered: float = 1.0

    def item_bounds(self, index: int) -> tuple[float | None, float | None]:
        """Lowest and highest valid answer of the item at `index` in `columns`."""
        return tuple(  # type: ignore[return-value]
            bound[index] if isinstance(bound, tuple) else bound
            for bound in (self.item_min, self.item_max)
        )


@dataclass(frozen=True)
class Mapping:
    """How to read one kind of export (a validated entry of config `mappings`)."""

    name: str
    format: str
    layout: str
    couple_column: str
    partner_column: str | None
    partner_values: dict[str, str]
    participant_column: str | None
    municipality_column: str | None
    year_column: str | None
    year_format: str | None
    timepoint_column: str | None
    timepoint_values: dict[str, str]
    outcome_column: str | None
    sources: tuple[OutcomeSource, ...]
    missing_codes: frozenset[str]
    reader_options: dict
    # The response's completion timestamp: read only for the date of the data (the latest per
    # export), never kept, because dates identify people in combination.
    date_column: str | None = None
    date_formats: tuple[str, ...] = ()

    def identity_columns(self) -> list[str]:
        """Columns that say who, where, when (the allow-list besides the outcome columns)."""
        names = [
            self.couple_column,
            self.partner_column,
            self.participant_column,
            self.municipality_column,
            self.year_column,
            self.timepoint_column,
            self.outcome_column,
        ]
        return [name for name in names if name]

    def allowed_columns(self) -> list[str]:
        """Every column this mapping reads; all other columns of an export are dropped."""
        names = self.identity_columns()
        for source in self.sources:
            names.extend(source.columns)
        return list(dict.fromkeys(names))


def parse_mapping(name: str, spec: dict, config: dict) -> tuple[Mapping | None, list[Problem]]:
    """Build a Mapping from `config['mappings'][name]`, checking it against outcomes/timepoints."""
    where = f"config mappings.{name}"
    problems: list[Problem] = []

    def problem(key: str, detail: str) -> None:
        problems.append(Problem(where, "invalid mapping", f"{key}: {detail}"))

    timepoints = list(config["timepoints"]["order"])
    outcomes = config["outcomes"]
    layout = spec.get("layout", "per_timepoint")
    if layout not in LAYOUTS:
        problem("layout", f"must be one of {list(LAYOUTS)}")
    # An option the format's reader does not read would be ignored without a word.
    workbook = spec.get("format") in WORKBOOK_FORMATS
    for key in ("header_rows",) if workbook else ("header_row", "sheet"):
        if key in spec:
            problem(key, "only for " + ("a CSV export; a workbook has header_row"
                                        if workbook else "an .xlsx workbook"))
    if spec.get("partner_column") is None and spec.get("participant_column") is None:
        problem("partner_column", "give partner_column (A/B within a couple) or participant_column")
    if "couple_column" not in spec:
        problem("couple_column", "required: the column with the couple code")
    if layout == "long" and not spec.get("timepoint_column"):
        problem("timepoint_column", "required for layout long")
    if layout == "wide" and spec.get("timepoint_column"):
        problem("timepoint_column", "not used for layout wide (timepoints are in outcomes)")
    timepoint_values = {str(k): str(v) for k, v in (spec.get("timepoint_values") or {}).items()}
    for key, value in timepoint_values.items():
        if value not in timepoints:
            problem(f"timepoint_values.{key}", f"{value!r} is not in timepoints.order {timepoints}")
    partner_values = {str(k): str(v) for k, v in (spec.get("partner_values") or {}).items()}
    date_formats = _date_formats(spec, problem)
    mapping_labels = {str(k): float(v) for k, v in (spec.get("value_labels") or {}).items()}

    sources: list[OutcomeSource] = []
    outcome_column = spec.get("outcome_column")
    if outcome_column:
        sources, outcome_problems = _outcome_rows(spec, config, mapping_labels, layout)
        for key, detail in outcome_problems:
            problem(key, detail)
    elif not spec.get("outcomes"):
        problem("outcomes", "map at least one outcome (or give outcome_column and value_column)")
    for outcome, source in ({} if outcome_column else spec.get("outcomes") or {}).items():
        key = f"outcomes.{outcome}"
        if outcome not in outcomes:
            problem(key, f"not an outcome of the config ({sorted(outcomes)})")
            continue
        labels = dict(mapping_labels)
        labels.update({str(k): float(v) for k, v in (source.get("value_labels") or {}).items()})
        given = [k for k in ("column", "columns", "items") if k in source]
        if len(given) != 1:
            problem(key, "give exactly one of column, columns (wide) or items")
            continue
        score = source.get("score", "sum")
        per_timepoint: dict[str | None, list[str]] = {}
        if "column" in source:
            per_timepoint[None] = [source["column"]]
            score = "value"
        elif "columns" in source:
            per_timepoint.update({tp: [column] for tp, column in source["columns"].items()})
            score = "value"
        elif isinstance(source["items"], dict):
            per_timepoint.update({tp: list(items) for tp, items in source["items"].items()})
        else:
            per_timepoint[None] = list(source["items"])
        wide = any(tp is not None for tp in per_timepoint)
        if wide != (layout == "wide"):
            problem(
                key,
                "per-timepoint columns (columns, items by timepoint) need layout wide"
                if wide
                else "layout wide needs columns or items by timepoint",
            )
            continue
        for timepoint, columns in per_timepoint.items():
            if timepoint is not None and timepoint not in timepoints:
                problem(f"{key}", f"timepoint {timepoint!r} is not in timepoints.order")
                continue
            bounds = {}
            for bound in ("item_min", "item_max"):
                value = source.get(bound)
                if isinstance(value, list):
                    if len(value) != len(columns):
                        problem(f"{key}.{bound}",
                                f"gives {len(value)} bounds for {len(columns)} items")
                    value = tuple(value)
                bounds[bound] = value
            sources.append(
                OutcomeSource(
                    outcome=outcome,
                    timepoint=timepoint,
                    columns=tuple(columns),
                    score=score,
                    labels_to_numbers=labels,
                    integer=bool(source.get("integer", False)),
                    min_share_answered=float(
                        source.get("min_share_answered", DEFAULT_MIN_SHARE_ANSWERED)
                    ),
                    **bounds,
                )
            )
    if problems:
        return None, problems
    options = {
        key: spec[key]
        for key in ("delimiter", "decimal", "header_rows", "header_row", "sheet")
        if key in spec
    }
    return (
        Mapping(
            name=name,
            format=spec["format"],
            layout=layout,
            couple_column=spec["couple_column"],
            partner_column=spec.get("partner_column"),
            partner_values=partner_values,
            participant_column=spec.get("participant_column"),
            municipality_column=spec.get("municipality_column"),
            year_column=spec.get("year_column"),
            year_format=spec.get("year_format"),
            timepoint_column=spec.get("timepoint_column"),
            timepoint_values=timepoint_values,
            outcome_column=outcome_column,
            sources=tuple(sources),
            missing_codes=frozenset(str(code) for code in spec.get("missing_codes") or []),
            reader_options=options,
            date_column=spec.get("date_column"),
            date_formats=date_formats,
        ),
        [],
    )


def _date_formats(spec: dict, problem: Callable[[str, str], None]) -> tuple[str, ...]:
    """The explicit strptime format(s) of date_column; a date format is never guessed."""
    given = spec.get("date_format")
    formats = [given] if isinstance(given, str) else list(given or [])
    if spec.get("date_column") and not formats:
        problem(
            "date_format",
            "required with date_column: the strptime format of its cells, e.g. "
            '"%Y-%m-%d %H:%M:%S" (never guessed: 03-07-2024 is 3 July or 7 March)',
        )
    if formats and not spec.get("date_column"):
        problem("date_format", "only used with date_column")
    for text in formats:
        if not isinstance(text, str) or "%" not in text:
            problem("date_format", 'each format must be a strptime format such as "%d-%m-%Y"')
    return tuple(str(text) for text in formats)


def _outcome_rows(
    spec: dict, config: dict, mapping_labels: dict[str, float], layout: str
) -> tuple[list[OutcomeSource], list[tuple[str, str]]]:
    """Sources for layout long with a row per measurement: outcome_column says which outcome.

    `outcome_values` maps the cells of outcome_column to outcomes (default: the outcome names
    themselves). Rows whose outcome cell is not in outcome_values hold other questions and
    are left out (logged), and their cells are never scanned or kept.
    """
    problems = []
    if layout != "long":
        problems.append(("outcome_column", "only for layout long"))
    if not spec.get("value_column"):
        problems.append(("value_column", "required with outcome_column"))
    outcomes = config["outcomes"]
    values = {str(k): str(v) for k, v in (spec.get("outcome_values") or {}).items()}
    values = values or {name: name for name in outcomes}
    sources = []
    for target in dict.fromkeys(values.values()):
        if target not in outcomes:
            problems.append(("outcome_values", f"{target!r} is not an outcome of the config"))
            continue
        cells = frozenset(k.strip().lower() for k, v in values.items() if v == target)
        sources.append(
            OutcomeSource(
                outcome=target,
                timepoint=None,
                columns=(spec.get("value_column", ""),),
                score="value",
                labels_to_numbers=dict(mapping_labels),
                when=cells,
            )
        )
    return sources, problems
