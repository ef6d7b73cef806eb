"""Snakemake script: every stats JSON and tidy CSV of one cohort year in one job (rule
year_stats; samen_sterker.stats.year_files), on top of the statistics without mixed models that
rule disclosure computed. Municipal files are written per CBS code into a staging folder; rule
municipality_stats links each to its own declared path. Reads its config slice from params,
never the whole config. One progress line per step goes to the log and to stderr (Snakemake's
console)."""

import json
import logging
import sys

from samen_sterker.runtime import log_to
from samen_sterker.stats.analyse import progress
from samen_sterker.stats.output import read_group_outcomes, read_measurements_files
from samen_sterker.stats.year_files import write_year_stats

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

console = logging.StreamHandler(sys.stderr)
console.setFormatter(logging.Formatter("statistics: %(message)s"))
progress.addHandler(console)
with log_to(snakemake.log[0]):
    with open(snakemake.input.decisions, encoding="utf-8") as handle:
        decisions = json.load(handle)
    write_year_stats(
        read_measurements_files(snakemake.input.measurements),
        dict(snakemake.params.settings),
        int(snakemake.wildcards.year),
        decisions,
        read_group_outcomes(snakemake.input.outcomes),
        snakemake.output.json,
        snakemake.output.tables,
        snakemake.output.municipalities,
        workers=snakemake.threads,
    )
