# Samen Sterker evaluation pipeline: the table of contents.
# exports (data/raw) → clean measurements → statistics → executed notebooks → PDF reports,
# each stage per cohort year. Read docs/architecture.md for the contracts between the stages.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


# Fails before any job runs, naming the offending key; fills in the schema's defaults.
validate(config, "workflow/schemas/config.schema.yaml")


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


onsuccess:
    print(where_the_reports_are(LANGUAGE_SUFFIXES))
