"""Every stats file of one cohort year, in one process (rule year_stats; issue 14: a process
per municipality spent most of its time starting up): each published municipality's
statistics, computed once for its own JSON and the overview's comparison alike, then the pooled
overview, then every municipality with data that year, written per CBS code into a staging
folder. A progress line per stage and per municipality (rows, elapsed seconds) means a national
or 100k-row year never runs silently."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from samen_sterker.stats.analyse import (
    analyse_group,
    municipal_frame,
    municipal_outcomes,
    progress,
)
from samen_sterker.stats.output import write_stats
from samen_sterker.stats.pooled import analyse_year
from samen_sterker.targets import MUNICIPAL_TABLES


def write_year_stats(
    measurements: pd.DataFrame,
    settings: dict,
    year: int,
    decisions: Mapping,
    overview_json: str | Path,
    overview_tables: Iterable[str | Path],
    staging: str | Path,
) -> None:
    """The overview's JSON and tables at their paths; each municipality's as
    {staging}/{code}.json and {staging}/{code}/{table}.csv. Logs a line per step to the
    `samen_sterker.progress` logger."""
    started = time.perf_counter()
    this_year = measurements[measurements["year"] == year]
    rows = this_year.groupby("municipality_code").size()
    progress.info("%d: %d rows, %d municipalities", year, len(this_year), len(rows))

    # Each published municipality's statistics, computed once: its own JSON and the
    # overview's comparison rows both come from them.
    entries = decisions["groups"]["municipalities"]
    municipal = {}
    for done, (code, count) in enumerate(rows.items(), start=1):
        if entries[code]["published"]:
            municipal[code] = municipal_outcomes(municipal_frame(this_year, year, code), settings)
        progress.info(
            "%d %s (%d/%d): %d rows, suppressed for publication: %s (%.1f s)",
            year,
            code,
            done,
            len(rows),
            count,
            not entries[code]["published"],
            time.perf_counter() - started,
        )

    overview = analyse_year(measurements, settings, year, decisions, municipal)
    write_stats(overview, overview_json, overview_tables)
    progress.info(
        "%d overview: written; %d participants in no published group (%.1f s)",
        year,
        overview["publication"]["unshown_participants"],
        time.perf_counter() - started,
    )
    staging = Path(staging)
    for code in rows.index:
        result = analyse_group(measurements, settings, year, code, decisions, municipal.get(code))
        write_stats(
            result,
            staging / f"{code}.json",
            [staging / code / f"{name}.csv" for name in MUNICIPAL_TABLES],
        )
    progress.info(
        "%d: every municipality written (%.1f s)", year, time.perf_counter() - started
    )
