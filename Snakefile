# Samen Sterker evaluation pipeline: the table of contents.
# exports (data/raw) → clean measurements → statistics → executed notebooks → PDF reports,
# each stage per cohort year. Read docs/architecture.md for the contracts between the stages.

import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# This checkout's package (as in common.smk): Snakemake's own message for broken YAML names
# no line, so the file is read once by the package first (line and column of the error).
sys.path.insert(0, str(Path(workflow.main_snakefile).resolve().parent / "workflow"))
from samen_sterker.config import read_config_file
from samen_sterker.snakemake_exit import cancel_reevaluation_timers

read_config_file("config/config.yaml")


configfile: "config/config.yaml"


# `make report`: the run's one HTML for reviewers (captions in workflow/report/).
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/reports.smk"


rule all:
    default_target: True
    input:
        lambda wildcards: [
            f"results/reports/{year}/SHA256SUMS" for year in cohort_years()
        ],


# Both hooks first cancel the job rate limiter's pending timers, so Snakemake exits when the
# last job ends (samen_sterker.snakemake_exit; max-jobs-per-timespan in the default profile).
onsuccess:
    cancel_reevaluation_timers()
    print(where_the_reports_are(LANGUAGE_SUFFIXES))


onerror:
    cancel_reevaluation_timers()
