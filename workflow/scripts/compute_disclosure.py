"""Snakemake script: disclosure decisions and audit of one cohort year (rule disclosure), and
the statistics of every published group they were made on, for rule year_stats to build on
(an internal file, never published). Reads its config slice from params, never the whole
config; fails the run when the audit finds a withheld count that the year's publications
narrow down."""

import json
from pathlib import Path

from samen_sterker.disclosure.year import audit_table, disclose_with_outcomes
from samen_sterker.runtime import log_to
from samen_sterker.spreadsheet import neutralise_formulas
from samen_sterker.stats.output import read_measurements, write_group_outcomes

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    measurements = read_measurements(snakemake.input.measurements)
    year = int(snakemake.wildcards.year)
    decisions, outcomes = disclose_with_outcomes(measurements[measurements["year"] == year],
                                                 dict(snakemake.params.settings),
                                                 workers=snakemake.threads)
    table = neutralise_formulas(audit_table(decisions))
    Path(snakemake.output.audit).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(snakemake.output.audit, index=False, lineterminator="\n")
    text = json.dumps(decisions, sort_keys=True, indent=1, allow_nan=False, ensure_ascii=False)
    Path(snakemake.output.decisions).write_text(text + "\n", encoding="utf-8")
    write_group_outcomes(outcomes, snakemake.output.outcomes)
    groups = decisions["groups"]
    log.info(
        "disclosure %d: %d of %d municipalities published on their own; other municipalities "
        "published: %s; %d in no published group; %d protected counts not "
        "shown exactly, none narrowed by the audit",
        year,
        sum(entry["published"] for entry in groups["municipalities"].values()),
        len(groups["municipalities"]),
        groups["other"]["published"],
        sum(entry["group"] is None for entry in groups["municipalities"].values()),
        len(decisions["audit"]),
    )
