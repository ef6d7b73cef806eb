# Stage 1, reading and cleaning: each cohort year's raw exports → its canonical table of
# measurements. Per year, so that a new or changed year never touches another year's files.


checkpoint clean_year:
    """Read each export of the year, keep only mapped columns, validate, exclude and log."""
    input:
        raw=raw_exports_of_year,
        schema="workflow/schemas/exports.schema.yaml",
    output:
        measurements="results/clean/{year}/measurements.csv",
        exclusions=for_report(
            "results/clean/{year}/exclusions.csv",
            "exclusions.rst",
            "Data checks",
            file="exclusions",
        ),
        data_quality=for_report(
            "results/clean/{year}/data_quality.csv",
            "data_quality.rst",
            "Data checks",
            file="data quality",
        ),
        dropped_columns="results/clean/{year}/dropped_columns.csv",
        manifest="results/clean/{year}/manifest.json",
    log:
        "logs/clean/{year}.log",
    conda:
        "../../environment.yml"
    params:
        entries=lambda wildcards: plan.entry_params(entries_of_year(wildcards)),
        municipalities=lambda wildcards: plan.municipality_rows(
            MUNICIPALITIES, entries_of_year(wildcards), config.get("mappings") or {}
        ),
        settings=lambda wildcards: plan.cleaning_settings(
            config, entries_of_year(wildcards)
        ),
        # An export with the same bytes as an earlier year's is a warning.
        same_as_earlier=lambda wildcards: plan.same_as_earlier_years(
            SHEET, int(wildcards.year)
        ),
        code=CODE["clean"],
        packages=package_versions(CLEANING_PACKAGES),
    script:
        "../scripts/clean_exports.py"


checkpoint multi_year_cohorts:
    """Cohort years held by exports whose year comes from a column (only when the sheet has
    such exports): each of those years is then cleaned with them."""
    input:
        raw=[entry.path for entry in SHEET.multi_year()],
    output:
        "results/clean/multi_year_cohorts.txt",
    log:
        "logs/clean/multi_year_cohorts.log",
    conda:
        "../../environment.yml"
    params:
        entries=plan.entry_params(SHEET.multi_year()),
        municipalities=plan.municipality_rows(
            MUNICIPALITIES, SHEET.multi_year(), config.get("mappings") or {}
        ),
        settings=plan.cleaning_settings(config, SHEET.multi_year()),
        code=CODE["clean"],
        packages=package_versions(CLEANING_PACKAGES),
    script:
        "../scripts/clean_exports.py"
