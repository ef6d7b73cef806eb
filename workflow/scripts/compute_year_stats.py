"""Snakemake script: every stats JSON and tidy CSV of one cohort year in one process (rule
year_stats): the pooled overview, then each municipality with data that year (issue 14: a
process per municipality spent most of its time starting up). Municipal files are written
per CBS code into a staging folder; rule municipality_stats links each to its own declared
path. Reads its config slice from params, never the whole config.

Progress: one line per municipality (rows, elapsed seconds) in the log and on stderr, so a
national or 100k-row year never runs silently.
"""

import json
import sys
import time
from pathlib import Path

from samen_sterker.runtime import log_to
from samen_sterker.stats.analyse import analyse_group, analyse_year
from samen_sterker.stats.output import read_measurements_files, write_stats
from samen_sterker.targets import MUNICIPAL_TABLES

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive


def progress(log, message, *args):
    log.info(message, *args)
    print("statistics: " + message % args, file=sys.stderr, flush=True)


started = time.perf_counter()
with log_to(snakemake.log[0]) as log:
    measurements = read_measurements_files(snakemake.input.measurements)
    year = int(snakemake.wildcards.year)
    settings = dict(snakemake.params.settings)
    with open(snakemake.input.decisions, encoding="utf-8") as handle:
        decisions = json.load(handle)
    this_year = measurements[measurements["year"] == year]
    rows = this_year.groupby("municipality_code").size()
    progress(log, "%d: %d rows, %d municipalities", year, len(this_year), len(rows))

    overview = analyse_year(measurements, settings, year, decisions)
    write_stats(overview, snakemake.output.json, snakemake.output.tables)
    progress(
        log,
        "%d overview: %d municipalities, %d participants in no published group (%.1f s)",
        year,
        len(overview["municipalities"]),
        overview["publication"]["unshown_participants"],
        time.perf_counter() - started,
    )

    staging = Path(snakemake.output.municipalities)
    for done, (code, count) in enumerate(rows.items(), start=1):
        result = analyse_group(measurements, settings, year, code, decisions)
        write_stats(
            result,
            staging / f"{code}.json",
            [staging / code / f"{name}.csv" for name in MUNICIPAL_TABLES],
        )
        progress(
            log,
            "%d %s (%d/%d): %d rows, suppressed for publication: %s (%.1f s)",
            year,
            code,
            done,
            len(rows),
            count,
            result["publication"]["suppressed"],
            time.perf_counter() - started,
        )
