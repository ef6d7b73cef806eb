"""Snakemake script: the stats JSON and tidy CSVs of one municipality and year (rule
municipality_stats). Reads its config slice from params, never the whole config."""

import json

from samen_sterker.runtime import log_to
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.output import read_measurements_files, write_stats

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    measurements = read_measurements_files(snakemake.input.measurements)
    year = int(snakemake.wildcards.year)
    code = snakemake.params.municipality_code
    with open(snakemake.input.decisions, encoding="utf-8") as handle:
        decisions = json.load(handle)
    result = analyse_group(measurements, dict(snakemake.params.settings), year, code, decisions)
    write_stats(result, snakemake.output.json, snakemake.output.tables)
    log.info(
        "%s %d: written; suppressed for publication: %s",
        code,
        year,
        result["publication"]["suppressed"],
    )
