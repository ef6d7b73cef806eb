"""Reviewer-only views of individual data: never part of a PDF.

The paired slope plot draws one line per participant from the baseline to the end of the
course, partners of a couple in the same colour. It shows individual change scores, so the
templates call it only in cells tagged `reviewer-only` (removed before printing) and only for
groups that may be published; no participant or couple code is drawn or printed.

The trace of printed numbers (`printed_numbers`) lists every number a report printed, as
printed and unrounded, with the stats JSON paths that hold it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samen_sterker.reports import figures
from samen_sterker.reports.context import ReportContext

# Fixed seed: the jitter that separates tied whole-number ratings must be the same each run.
JITTER_SEED = 20240101
JITTER_WIDTH = 0.12


def paired_values(
    measurements_csv: str | Path,
    *,
    year: int,
    municipality_code: str,
    outcome: str,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Complete pairs of one group: columns couple (0..k-1), partner (0/1), start, end.

    Codes are replaced by anonymous numbers in sorted order, so nothing identifying leaves.
    """
    stat = Path(measurements_csv).stat()
    by_group = _measurements_by_group(
        str(Path(measurements_csv).resolve()), stat.st_mtime_ns, stat.st_size
    )
    table = by_group.get((int(year), municipality_code), _NO_MEASUREMENTS)
    group = table[(table["outcome"] == outcome) & (table["timepoint"].isin([start, end]))]
    wide = group.pivot_table(
        index=["couple_id", "participant_id"], columns="timepoint", values="value"
    ).dropna(subset=[c for c in (start, end)], how="any")
    wide = wide.reset_index()
    couples = {code: i for i, code in enumerate(sorted(wide["couple_id"].unique()))}
    wide["couple"] = wide["couple_id"].map(couples)
    wide["partner"] = wide.groupby("couple_id").cumcount()
    return wide.rename(columns={start: "start", end: "end"})[
        ["couple", "partner", "start", "end"]
    ].reset_index(drop=True)


_NO_MEASUREMENTS = pd.DataFrame(
    columns=["year", "municipality_code", "couple_id", "participant_id", "timepoint",
             "outcome", "value"]
)


# A batch's kernel makes the reports of many municipalities (issue 14): it reads the year's
# table once, not once per report (71,000 rows at national size), and keeps each group's rows.
# The key holds the file's size and modification time, so a changed file is read again.
@functools.lru_cache(maxsize=1)
def _measurements_by_group(
    path: str, mtime_ns: int, size: int
) -> dict[tuple[int, str], pd.DataFrame]:
    table = pd.read_csv(
        path, dtype={"municipality_code": str, "couple_id": str, "participant_id": str}
    )
    return {
        (int(year), str(code)): rows
        for (year, code), rows in table.groupby(["year", "municipality_code"], sort=False)
    }


def slope_chart(
    pairs: pd.DataFrame, *, start_label: str, end_label: str, axis_label: str, lang: str = "nl"
) -> Figure:
    """One line per participant from start to end; partners share a colour, B dashed."""
    palette = [c for name, c in figures.OKABE_ITO.items() if name not in ("black", "yellow")]
    rng = np.random.default_rng(JITTER_SEED)
    fig, ax = figures.new_figure(120, 90)
    for row in pairs.itertuples(index=False):
        jitter = rng.uniform(-JITTER_WIDTH, JITTER_WIDTH, size=2)
        ax.plot(
            [0, 1],
            [row.start + jitter[0], row.end + jitter[1]],
            color=palette[row.couple % len(palette)],
            linestyle="-" if row.partner == 0 else "--",
            marker="o",
            markersize=3,
            linewidth=1,
            alpha=0.85,
        )
    ax.set_xticks([0, 1], [start_label, end_label])
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylabel(axis_label)
    figures.localise(ax, lang, "y")
    return fig


def _numeric_leaves(data: object, path: str = "") -> Iterator[tuple[str, float]]:
    """(JSON path, value) of every number in a stats JSON (booleans are not numbers)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _numeric_leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _numeric_leaves(value, f"{path}[{index}]")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield path, data


def printed_numbers(ctx: ReportContext, *, max_paths: int = 3) -> pd.DataFrame:
    """Every number the report printed so far, with the JSON paths holding that exact value.

    One row per (raw value, text as printed), in order of first appearance. `json_path` lists
    the stats JSON paths (`overview.` for the overview JSON beside a municipal report) whose
    value is exactly the raw value; a number the report derived (a difference, a range bound,
    a count of figures) has none and says so. Values are matched exactly: JSON floats round-
    trip, so a match is the same number, not a near one; a small whole number (a count)
    matches many paths, `paths_with_this_value` says how many.
    """
    index: dict[float, list[str]] = {}
    sources = [("", ctx.stats)] + ([("overview.", ctx.overview)] if ctx.overview else [])
    for prefix, data in sources:
        for path, value in _numeric_leaves(data):
            index.setdefault(float(value), []).append(prefix + path)
    rows, seen = [], set()
    for value, text in ctx.printed:
        if (value, text) in seen:
            continue
        seen.add((value, text))
        paths = index.get(float(value), [])
        rows.append(
            {
                "printed": text,
                "value": value,
                "json_path": " | ".join(paths[:max_paths]) if paths else "(derived in the report)",
                "paths_with_this_value": len(paths),
            }
        )
    return pd.DataFrame(rows, columns=["printed", "value", "json_path", "paths_with_this_value"])
