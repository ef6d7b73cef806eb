"""Every stats file of one cohort year, in one job (rule year_stats; issue 14: a process per
municipality spent most of its time starting up): the mixed models of each published group
("other municipalities" included: its comparison row shows its headline change; one group
more, 22.7 and 21.5 CPU-s before and after at 40 municipalities, benchmarks/year_stats.py),
added to the statistics rule disclosure computed (so each is computed once, for its own JSON
and the overview alike), then the pooled overview, then every municipality with data that year,
written per CBS code into a staging folder. A progress line per stage and per municipality
(rows, elapsed seconds) means a national or 100k-row year never runs silently."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from samen_sterker.disclosure.decide import OTHER, POOLED
from samen_sterker.disclosure.year import group_frame
from samen_sterker.stats.analyse import (
    analyse_group,
    municipal_frame,
    progress,
)
from samen_sterker.stats.groups import mixed_models_of_groups
from samen_sterker.stats.output import write_stats
from samen_sterker.stats.pooled import analyse_year
from samen_sterker.targets import MUNICIPAL_TABLES


def write_year_stats(
    measurements: pd.DataFrame,
    settings: dict,
    year: int,
    decisions: Mapping,
    without_mixed: Mapping[str, Mapping],
    overview_json: str | Path,
    overview_tables: Iterable[str | Path],
    staging: str | Path,
    workers: int = 1,
) -> None:
    """The overview's JSON and tables at their paths; each municipality's as
    {staging}/{code}.json and {staging}/{code}/{table}.csv. Logs a line per step to the
    `samen_sterker.progress` logger.

    without_mixed: the statistics the decisions were made on of every published group
    (disclosure.year.disclose_with_outcomes); only the mixed models are added to them, in
    `workers` processes (stats.groups.mixed_models_of_groups).
    """
    started = time.perf_counter()
    this_year = measurements[measurements["year"] == year]
    rows = this_year.groupby("municipality_code").size()
    progress.info("%d: %d rows, %d municipalities", year, len(this_year), len(rows))

    # Each published group's statistics, computed once: a municipality's own JSON and the
    # overview's comparison rows both come from them. The pooled group goes first: the
    # largest, so that the other workers share out the rest.
    groups = decisions["groups"]
    frames = {key: group_frame(this_year, groups, key)
              for key in (POOLED, OTHER) if key in without_mixed}
    frames.update({code: municipal_frame(this_year, year, code)
                   for code in rows.index if groups["municipalities"][code]["published"]})
    published = len(frames) - (POOLED in frames) - (OTHER in frames)
    progress.info("%d: %d municipalities suppressed for publication", year,
                  len(rows) - published)
    computed = {}
    for key, outcomes in mixed_models_of_groups(frames, settings, without_mixed,
                                                workers=workers):
        computed[key] = outcomes
        progress.info(
            "%d %s (%d/%d): %d rows (%.1f s)",
            year,
            key,
            len(computed),
            len(frames),
            len(frames[key]),
            time.perf_counter() - started,
        )
    overview = analyse_year(measurements, settings, year, decisions, computed)
    write_stats(overview, overview_json, overview_tables)
    progress.info(
        "%d overview: written; %d municipalities in no published group (%.1f s)",
        year,
        overview["publication"]["unshown_municipalities"],
        time.perf_counter() - started,
    )
    staging = Path(staging)
    for code in rows.index:
        result = analyse_group(measurements, settings, year, code, decisions, computed.get(code))
        write_stats(
            result,
            staging / f"{code}.json",
            [staging / code / f"{name}.csv" for name in MUNICIPAL_TABLES],
        )
    progress.info(
        "%d: every municipality written (%.1f s)", year, time.perf_counter() - started
    )
